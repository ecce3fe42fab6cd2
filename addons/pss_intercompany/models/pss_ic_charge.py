from collections import defaultdict
from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..lib.pricing import quantize, to_decimal

MOVE = "account.move"


class PssIcCharge(models.Model):
    """What one run charged for one provider → consumer pair.

    The charge makes its documents itself (never a posting hook): the
    customer invoice in the provider and the vendor bill in the consumer for
    what is charged, and a credit note and refund pair for what is reversed.
    It keeps the links, so resetting and re-posting a document never makes
    another one.
    """

    _name = "pss.ic.charge"
    _description = "Intercompany Charge"
    _order = "id desc"

    name = fields.Char(compute="_compute_name", store=True)
    run_id = fields.Many2one("pss.ic.run", required=True, ondelete="restrict")
    agreement_id = fields.Many2one(
        "pss.ic.agreement", required=True, ondelete="restrict", index=True
    )
    provider_company_id = fields.Many2one(
        related="agreement_id.provider_company_id", store=True, index=True
    )
    consumer_company_id = fields.Many2one(
        related="agreement_id.consumer_company_id", store=True, index=True
    )
    date_from = fields.Date(related="run_id.date_from", store=True)
    date_to = fields.Date(related="run_id.date_to", store=True)
    date = fields.Date(
        string="Document Date",
        required=True,
        help="Date of the documents: the end of the period, or the first "
        "open day when the period is locked and the company moves such "
        "documents.",
    )
    currency_id = fields.Many2one("res.currency", required=True)
    line_ids = fields.One2many("pss.ic.charge.line", "charge_id", readonly=True)
    line_count = fields.Integer(compute="_compute_totals", store=True)
    hours = fields.Float(compute="_compute_totals", store=True, digits=(16, 2))
    amount_charged = fields.Monetary(compute="_compute_totals", store=True)
    amount_reversed = fields.Monetary(compute="_compute_totals", store=True)
    invoice_id = fields.Many2one(
        MOVE, string="Customer Invoice", readonly=True, copy=False
    )
    bill_id = fields.Many2one(MOVE, string="Vendor Bill", readonly=True, copy=False)
    credit_note_id = fields.Many2one(MOVE, readonly=True, copy=False)
    refund_id = fields.Many2one(MOVE, string="Vendor Refund", readonly=True, copy=False)

    @api.depends("agreement_id.name", "date_from", "date_to", "run_id")
    def _compute_name(self):
        for charge in self:
            provider = charge.provider_company_id.name or "?"
            consumer = charge.consumer_company_id.name or "?"
            charge.name = f"{provider} → {consumer} {charge.date_to or ''}"

    @api.depends("line_ids.amount", "line_ids.hours")
    def _compute_totals(self):
        for charge in self:
            amounts = charge.line_ids.mapped("amount")
            charge.line_count = len(charge.line_ids)
            charge.hours = sum(charge.line_ids.mapped("hours"))
            charge.amount_charged = sum(a for a in amounts if a > 0)
            charge.amount_reversed = -sum(a for a in amounts if a < 0)

    # ------------------------------------------------------------------
    # Documents
    # ------------------------------------------------------------------
    @api.model
    def _document_date(self, agreement, on_date):
        """``on_date``, unless locked in one of the two companies: then the
        first open day if both companies move such documents, else an error
        (nothing is created)."""
        provider = agreement.provider_company_id
        consumer = agreement.consumer_company_id
        # The suite's lock rule for each company's document, with its taxes:
        # the invoice's sale taxes in the provider, the bill's purchase
        # taxes in the consumer.
        locks = {
            provider: provider._pss_locked_until(
                bool(self._document_taxes(agreement, provider, consumer.partner_id))
            ),
            consumer: consumer._pss_locked_until(
                bool(self._document_taxes(agreement, consumer, provider.partner_id))
            ),
        }
        locked = [c for c, lock in locks.items() if lock and on_date <= lock]
        if not locked:
            return on_date
        if all(c.sudo().pss_period_lock_behaviour == "next_open_date" for c in locked):
            return max(locks[c] for c in locked) + timedelta(days=1)
        raise UserError(
            _(
                "The period is locked in %(companies)s until %(lock)s: no "
                "intercompany document can be dated %(date)s.",
                companies=", ".join(c.name for c in locked),
                lock=max(locks[c] for c in locked),
                date=on_date,
            )
        )

    def _make_documents(self):
        """Invoice + bill for positive lines, credit note + refund for the
        negative ones; posted (the bill per the agreement)."""
        for charge in self:
            positive = charge.line_ids.filtered(lambda line: line.amount > 0)
            negative = charge.line_ids.filtered(lambda line: line.amount < 0)
            if positive:
                out, in_ = charge._make_pair(positive, "out_invoice", "in_invoice")
                charge.write({"invoice_id": out.id, "bill_id": in_.id})
            if negative:
                out, in_ = charge._make_pair(negative, "out_refund", "in_refund")
                charge.write({"credit_note_id": out.id, "refund_id": in_.id})

    def _make_pair(self, lines, out_type, in_type):
        self.ensure_one()
        agreement = self.agreement_id
        provider = agreement.provider_company_id
        consumer = agreement.consumer_company_id
        out = self._make_move(
            provider,
            consumer.partner_id,
            agreement.provider_journal_id,
            out_type,
            lines,
        )
        out.action_post()
        in_ = self._make_move(
            consumer,
            provider.partner_id,
            agreement.consumer_journal_id,
            in_type,
            lines,
            ref=out.name,
        )
        if agreement.auto_post_bill:
            in_.action_post()
        out.pss_ic_counterpart_id = in_
        in_.pss_ic_counterpart_id = out
        return out, in_

    @api.model
    def _document_fiscal_position(self, company, partner):
        return (
            self.env["account.fiscal.position"]
            .with_company(company)
            ._get_fiscal_position(partner)
        )

    @api.model
    def _document_taxes(self, agreement, company, partner):
        """The taxes of the agreement's product on ``company``'s document for
        ``partner``: sale taxes on the provider's invoice, purchase taxes on
        the consumer's bill, through the partner's fiscal position."""
        product = agreement.product_id.with_company(company)
        sale = company == agreement.provider_company_id
        fiscal_position = self._document_fiscal_position(company, partner)
        taxes = (product.taxes_id if sale else product.supplier_taxes_id).filtered(
            lambda tax: tax.company_id == company
        )
        return fiscal_position.map_tax(taxes)

    def _make_move(self, company, partner, journal, move_type, lines, ref=None):
        # with_company puts the company first in allowed_company_ids: the
        # defaults (accounts, payment terms) are read in that company.
        Move = self.env[MOVE].with_company(company)
        product = self.agreement_id.product_id.with_company(company)
        fiscal_position = self._document_fiscal_position(company, partner)
        taxes = self._document_taxes(self.agreement_id, company, partner)
        currency = self.currency_id
        line_vals = []
        for employee, amount, hours in self._group_lines(lines):
            price = self._price_for_untaxed(taxes, amount, currency, product, partner)
            line_vals.append(
                Command.create(
                    {
                        "product_id": product.id,
                        "name": _(
                            "%(product)s: %(who)s, %(hours)s h (%(start)s - %(end)s)",
                            product=product.display_name,
                            who=employee.name or _("voided time"),
                            hours=f"{abs(hours):.2f}",
                            start=self.date_from,
                            end=self.date_to,
                        ),
                        "quantity": 1.0,
                        "price_unit": float(price),
                        "tax_ids": [Command.set(taxes.ids)],
                        # The cost reaches the consumer's project through the
                        # timesheet (at the transfer price), never the bill.
                        "analytic_distribution": False,
                    }
                )
            )
        vals = {
            "move_type": move_type,
            "company_id": company.id,
            "journal_id": journal.id,
            "partner_id": partner.id,
            "currency_id": currency.id,
            "fiscal_position_id": fiscal_position.id,
            "invoice_date": self.date,
            "date": self.date,
            "pss_ic_charge_id": self.id,
            "invoice_line_ids": line_vals,
        }
        if ref:
            vals["ref"] = ref
        return Move.create(vals)

    @api.model
    def _group_lines(self, lines):
        """[(employee, |amount|, hours)] per resource, in a stable order."""
        groups = defaultdict(lambda: [to_decimal(0), to_decimal(0)])
        for line in lines:
            group = groups[line.employee_id]
            group[0] += to_decimal(line.amount)
            group[1] += to_decimal(line.hours)
        return [
            (employee, abs(quantize(amount)), hours)
            for employee, (amount, hours) in sorted(
                groups.items(), key=lambda item: (item[0].name or "", item[0].id)
            )
        ]

    @api.model
    def _price_for_untaxed(self, taxes, amount, currency, product, partner):
        """Unit price whose untaxed amount is ``amount`` (a price-included
        tax would otherwise take its share out of the charge)."""
        if not taxes.filtered("price_include"):
            return amount
        step = to_decimal(currency.rounding)
        price = to_decimal(
            taxes.compute_all(
                float(amount),
                currency,
                product=product,
                partner=partner,
                handle_price_include=False,
            )["total_included"]
        )
        for _i in range(10):
            untaxed = to_decimal(
                taxes.compute_all(
                    float(price), currency, product=product, partner=partner
                )["total_excluded"]
            )
            untaxed = quantize(untaxed, currency.decimal_places)
            if untaxed == amount:
                return price
            price += step if untaxed < amount else -step
        raise UserError(
            _(
                "No unit price with the price-included taxes %(taxes)s gives an "
                "untaxed amount of %(amount)s.",
                taxes=", ".join(taxes.mapped("name")),
                amount=amount,
            )
        )
