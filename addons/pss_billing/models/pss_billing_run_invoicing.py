from collections import defaultdict

from odoo import _, fields, models
from odoo.tools import float_compare, float_is_zero

from ..lib.billing import (
    HOURS_DIGITS,
    NOTHING,
    hours_above_cap,
    hours_in_period,
    invoice_date_of,
    skip_reason,
)
from ..lib.periods import prorate

# Digits below which a line's unit price counts as no price.
PRICE_DIGITS = 6
# A retainer period is one delivered unit, compared to this many digits.
QTY_DIGITS = 4


def _unpriced(line):
    return (
        float_is_zero(line.price_unit, precision_digits=PRICE_DIGITS)
        and not line.is_expense
        and not line.is_downpayment
    )


class PssBillingRunInvoicing(models.Model):
    """The work of a billing run (its one unit): which engagements are
    invoiced or skipped and why, the invoices made by Odoo's own sale
    invoicing, and what they become (waiting for approval, or posted);
    retainers: one line per period, prorated, and a line for the approved
    hours above a period's cap."""

    _inherit = "pss.billing.run"

    def _pss_orders(self):
        return self.env["sale.order"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("state", "=", "sale"),
                ("pss_billing_model", "!=", False),
            ]
        )

    def _pss_bill(self, counts):
        """Make the invoices; return the values of the run's lines."""
        orders = self._pss_orders()
        counts["engagements"] = len(orders)
        retainers = orders.filtered(lambda o: o.pss_billing_model == "retainer")
        factors, problems = self._pss_prepare_retainers(retainers)
        # Approved, unbilled time up to the period end (Odoo's own period
        # invoicing, as its "create invoices" wizard does it).
        orders.order_line._recompute_qty_to_invoice(False, self.date_to)
        unapproved = self._pss_unapproved_hours(orders)
        # The invoices' lock: with the tax lock date when any of them has
        # taxes (one invoice date for the run).
        company = self.company_id
        lock = company._pss_locked_until(has_tax=bool(orders.order_line.tax_id))
        invoice_date, locked = invoice_date_of(
            self.date_to, lock, company.pss_period_lock_behaviour
        )
        line_vals, to_invoice = self._pss_sort_orders(
            orders, unapproved, problems, lock if locked else None, counts
        )
        made = self._pss_invoice(to_invoice, factors, invoice_date, counts)
        line_vals += self._pss_invoiced_lines(to_invoice, made, unapproved, counts)
        self._pss_publish(made, counts)
        return line_vals

    def _pss_line_base(self, order, unapproved):
        return {
            "run_id": self.id,
            "order_id": order.id,
            "partner_id": order.partner_id.id,
            "unapproved_hours": unapproved.get(order.id, 0.0),
        }

    def _pss_sort_orders(self, orders, unapproved, problems, lock, counts):
        """(line values of the skipped engagements, the orders to invoice);
        ``lock``: the lock date that keeps the period for finance, if any."""
        line_vals = []
        to_invoice = self.env["sale.order"]
        for order in orders:
            invoiceable = order._get_invoiceable_lines().filtered(
                lambda line: not line.display_type
            )
            unpriced = invoiceable.filtered(_unpriced)
            reason = skip_reason(
                bool(invoiceable),
                unapproved.get(order.id),
                order.partner_id.commercial_partner_id.pss_credit_hold,
                bool(lock),
                order.id in problems,
                bool(unpriced),
            )
            if reason == NOTHING:
                counts["nothing"] += 1
            elif reason:
                counts["skipped"] += 1
                line_vals.append(
                    dict(
                        self._pss_line_base(order, unapproved),
                        state="skipped",
                        reason=reason,
                        note=self._pss_skip_note(
                            reason, order, unapproved, lock, problems, unpriced
                        ),
                    )
                )
            else:
                to_invoice |= order
        return line_vals, to_invoice

    def _pss_skip_note(self, reason, order, unapproved, lock, problems, unpriced):
        """The note of a skipped engagement."""
        if reason == "unapproved_time":
            return _(
                "%(hours)s hours up to %(date)s wait for approval.",
                hours=round(unapproved[order.id], HOURS_DIGITS),
                date=self.date_to,
            )
        if reason == "credit_hold":
            return _("The customer is on credit hold.")
        if reason == "locked_period":
            return _(
                "The period is locked up to %(lock)s; the entity's policy "
                "keeps it for finance.",
                lock=lock,
            )
        if order.id in problems:
            return problems[order.id]
        return _("No price on %s.", ", ".join(unpriced.mapped("name")))

    def _pss_invoiced_lines(self, orders, made, unapproved, counts):
        """The lines of the engagements sent to invoicing."""
        line_vals = []
        for order in orders:
            base = self._pss_line_base(order, unapproved)
            move, error = made.get(order.id, (None, _("No invoice was made.")))
            if move:
                counts["invoiced"] += 1
                line_vals.append(dict(base, state="invoiced", invoice_id=move.id))
            else:
                counts["failed"] += 1
                line_vals.append(dict(base, state="failed", reason="error", note=error))
        return line_vals

    def _pss_publish(self, made, counts):
        """The run's invoices wait for finance approval or are posted."""
        moves = self.env["account.move"].browse(
            {move.id for move, _e in made.values() if move}
        )
        counts["invoices"] = len(moves)
        if not moves:
            return
        if self.company_id.pss_approval_required:
            # As superuser: no user writes the approval state by hand.
            moves.sudo().write({"pss_approval_state": "to_approve"})
            counts["waiting"] = len(moves)
        else:
            moves._pss_post_checked()
            counts["posted"] = len(moves)

    def _pss_invoice(self, orders, factors, invoice_date, counts):
        """{order id: (invoice, error)}: all at once, else one by one.

        Each attempt runs in a savepoint: an engagement that fails leaves no
        half-made invoice and does not stop the others.
        """
        if not orders:
            return {}
        consolidated = defaultdict(lambda: self.env["sale.order"])
        single = self.env["sale.order"]
        for order in orders:
            partner = order.partner_id.commercial_partner_id
            if partner.pss_consolidate_invoices:
                consolidated[(partner.id, order.currency_id.id)] |= order
            else:
                single |= order
        groups = [(single, True)] if single else []
        groups += [(group, False) for group in consolidated.values()]
        result = {}
        for group, grouped in groups:
            try:
                result.update(
                    self._pss_invoice_group(group, grouped, factors, invoice_date)
                )
                continue
            except Exception as exc:
                if len(group) == 1 or not grouped:
                    for order in group:
                        result[order.id] = (None, str(exc))
                    continue
            for order in group:
                try:
                    result.update(
                        self._pss_invoice_group(order, True, factors, invoice_date)
                    )
                except Exception as exc:
                    result[order.id] = (None, str(exc))
        return result

    def _pss_invoice_group(self, orders, grouped, factors, invoice_date):
        with self.env.cr.savepoint():
            moves = orders.with_context(
                timesheet_end_date=self.date_to, pss_prorate=factors
            )._create_invoices(grouped=grouped)
            moves.write({"invoice_date": invoice_date, "pss_billing_run_id": self.id})
            self.env.flush_all()
        result = {}
        for move in moves:
            for order in move.invoice_line_ids.sale_line_ids.order_id:
                result[order.id] = (move, None)
        return result

    def _pss_unapproved_hours(self, orders):
        """{order id: hours} of unapproved, unbilled time up to the period end."""
        groups = self.env["account.analytic.line"]._read_group(
            [
                ("order_id", "in", orders.ids),
                ("project_id", "!=", False),
                ("pss_approved", "=", False),
                ("timesheet_invoice_id", "=", False),
                ("date", "<=", self.date_to),
            ],
            ["order_id"],
            ["unit_amount:sum"],
        )
        return {order.id: hours for order, hours in groups}

    # ------------------------------------------------------------------
    # Retainers: one line per period, prorated, hours above the cap
    # ------------------------------------------------------------------
    def _pss_prepare_retainers(self, orders):
        """Deliver the retainer periods that started by the period end.

        Returns ({sale line id: proration factor}, {order id: problem}).
        """
        if not orders:
            return {}, {}
        date_to = self.date_to
        projects = self.env["project.project"].search(
            [("sale_line_id.order_id", "in", orders.ids)]
        )
        project_of = {p.sale_line_id.order_id.id: p for p in projects}
        lines = orders.order_line.filtered(
            lambda line: line.pss_retainer_period and line.pss_period_start
        )
        factors = {}
        for line in lines:
            project = project_of.get(line.order_id.id)
            days, total = prorate(
                line.pss_period_start,
                line.pss_period_end,
                project.date_start if project else None,
                project.date if project else None,
            )
            if 0 < days < total:
                factors[line.id] = days / total
        due = lines.filtered(
            lambda line: (
                line.pss_period_start <= date_to
                and float_compare(line.qty_delivered, 1.0, precision_digits=QTY_DIGITS)
                < 0
            )
        )
        if due:
            due.write({"qty_delivered": 1.0})
        problems = self._pss_retainer_overage(orders, lines, project_of, date_to)
        return factors, problems

    def _pss_retainer_overage(self, orders, lines, project_of, date_to):
        """Lines for approved hours above the cap of ended periods."""
        capped = self._pss_capped_lines(lines, date_to)
        if not capped:
            return {}
        hours = self._pss_approved_hours_by_day(
            project_of, min(capped.mapped("pss_period_start")), date_to
        )
        problems = {}
        vals_list, delivered = [], []
        for line in capped:
            project = project_of.get(line.order_id.id)
            if not project:
                continue
            above = hours_above_cap(
                hours_in_period(
                    hours, project.id, line.pss_period_start, line.pss_period_end
                ),
                line.pss_hours_cap,
            )
            if not above:
                continue
            rate = line.order_id.pss_overage_rate
            if not rate:
                problems[line.order_id.id] = _(
                    "%(hours)s hours above the cap of %(cap)s in %(first)s - "
                    "%(last)s and no rate above the cap on the engagement.",
                    hours=above,
                    cap=line.pss_hours_cap,
                    first=line.pss_period_start,
                    last=line.pss_period_end,
                )
                continue
            vals_list.append(self._pss_overage_vals(line, rate))
            delivered.append(above)
        if vals_list:
            created = self.env["sale.order.line"].create(vals_list)
            for new_line, qty in zip(created, delivered, strict=True):
                new_line.qty_delivered = qty
        return problems

    def _pss_capped_lines(self, lines, date_to):
        """The capped periods ended by ``date_to`` without an overage line."""
        capped = lines.filtered(
            lambda line: line.pss_hours_cap > 0 and line.pss_period_end <= date_to
        )
        if not capped:
            return capped
        done = set(
            self.env["sale.order.line"]
            .search([("pss_overage_of_id", "in", capped.ids)])
            .pss_overage_of_id.ids
        )
        return capped.filtered(lambda line: line.id not in done)

    def _pss_approved_hours_by_day(self, project_of, first, date_to):
        """{(project id, day): approved hours} of the retainers' projects."""
        projects = self.env["project.project"].browse(
            [p.id for p in project_of.values()]
        )
        hours = defaultdict(float)
        for project, day, amount in self.env["account.analytic.line"]._read_group(
            [
                ("project_id", "in", projects.ids),
                ("pss_approved", "=", True),
                ("date", ">=", first),
                ("date", "<=", date_to),
            ],
            ["project_id", "date:day"],
            ["unit_amount:sum"],
        ):
            hours[(project.id, day)] += amount
        return hours

    def _pss_overage_vals(self, line, rate):
        return {
            "order_id": line.order_id.id,
            "product_id": line.product_id.id,
            "name": _(
                "Hours above the cap of %(cap)s, %(first)s - %(last)s",
                cap=line.pss_hours_cap,
                first=line.pss_period_start,
                last=line.pss_period_end,
            ),
            "product_uom_qty": 0.0,
            "price_unit": rate,
            "tax_id": [fields.Command.set(line.tax_id.ids)],
            "sequence": line.sequence + 1,
            "pss_overage_of_id": line.id,
        }
