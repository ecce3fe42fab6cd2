from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..schemas.invoice import InvoiceStatus

# Who approved a billing run's draft: written by the billing run and the
# Approve action (as superuser, after their own checks), never by hand.
APPROVAL_FIELDS = frozenset(
    {"pss_approval_state", "pss_approved_user_id", "pss_approved_at"}
)


class AccountMove(models.Model):
    _inherit = "account.move"

    pss_billing_run_id = fields.Many2one(
        "pss.billing.run",
        string="Billing Run",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    pss_approval_state = fields.Selection(
        [("to_approve", "Waiting for approval"), ("approved", "Approved")],
        string="Billing Approval",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    pss_approved_user_id = fields.Many2one(
        "res.users", string="Approved By (Billing)", readonly=True, copy=False
    )
    pss_approved_at = fields.Datetime(
        string="Approved At (Billing)", readonly=True, copy=False
    )

    # ------------------------------------------------------------------
    # Approval and posting
    # ------------------------------------------------------------------
    def _pss_lock_problem(self):
        """Why this draft cannot be posted on its date (None: it can)."""
        self.ensure_one()
        # The rule Odoo's _post applies to this move (its taxes included).
        lock = self.company_id._pss_locked_until(self._affect_tax_report())
        day = self.invoice_date or self.date
        if lock and day and day <= lock:
            return _(
                "%(invoice)s is dated %(date)s, in a locked period (locked up to "
                "%(lock)s)",
                invoice=self.display_name,
                date=day,
                lock=lock,
            )
        return None

    def _pss_check_locks(self):
        """Odoo's ``_post`` would silently move a locked date: raises with
        every problem."""
        problems = [p for p in (m._pss_lock_problem() for m in self) if p]
        if problems:
            raise UserError("\n".join(problems))

    def _pss_post_checked(self):
        """Post after checking lock dates; posts nothing on a problem."""
        self._pss_check_locks()
        self.action_post()

    def write(self, vals):
        if not self.env.su and not APPROVAL_FIELDS.isdisjoint(vals):
            raise AccessError(
                _("Use the Approve action to approve invoices of billing runs.")
            )
        return super().write(vals)

    def _post(self, soft=True):
        """A billing run's draft waiting for approval is posted by its
        Approve action only, not by Odoo's Confirm/Post (or any other caller):
        the approval marks it approved before posting it."""
        waiting = self.filtered(lambda m: m.pss_approval_state == "to_approve")
        if waiting:
            raise UserError(
                _(
                    "%(invoices)s waits for billing approval: pss Finance "
                    "approves it (Approve), which posts it.",
                    invoices=", ".join(waiting[:5].mapped("display_name")),
                )
            )
        posted = super()._post(soft=soft)
        posted.filtered(lambda m: m.move_type == "out_invoice")._pss_enqueue_status(
            "invoice.posted"
        )
        posted.filtered(
            lambda m: m.move_type == "out_refund" and m.reversed_entry_id
        )._pss_enqueue_status("invoice.reversed")
        return posted

    def action_pss_approve(self):
        """pss Finance approves drafts of billing runs: they are posted."""
        if not self.env.user.has_group("pss_core.group_pss_finance"):
            raise AccessError(_("Only pss Finance approves invoices of billing runs."))
        moves = self.filtered(
            lambda m: m.state == "draft" and m.pss_approval_state == "to_approve"
        )
        if not moves:
            raise UserError(_("No draft invoice of a billing run waits for approval."))
        moves.check_access_rights("write")
        moves.check_access_rule("write")
        moves._pss_check_locks()
        # Approved first (as superuser: no user writes these fields), then
        # posted; a posting error rolls both back.
        moves.sudo().write(
            {
                "pss_approval_state": "approved",
                "pss_approved_user_id": self.env.uid,
                "pss_approved_at": fields.Datetime.now(),
            }
        )
        moves.action_post()
        return True

    # ------------------------------------------------------------------
    # Status back to the systems of the engagements
    # ------------------------------------------------------------------
    def _invoice_paid_hook(self):
        result = super()._invoice_paid_hook()
        self.filtered(
            lambda m: (
                m.move_type == "out_invoice"
                and m.payment_state in ("paid", "in_payment")
            )
        )._pss_enqueue_status("invoice.paid")
        return result

    def _pss_engagements(self):
        """{move id: sale orders of engagements it bills} (sender known)."""
        result = {}
        for move in self:
            origin = move.reversed_entry_id or move
            orders = origin.sudo().invoice_line_ids.sale_line_ids.order_id.filtered(
                lambda o: o.pss_system_id and o.pss_external_id
            )
            if orders:
                result[move.id] = orders
        return result

    def _pss_enqueue_status(self, event_type):
        engagements = self._pss_engagements()
        if not engagements:
            return []
        moves = self.filtered(lambda m: m.id in engagements)
        by_invoice = moves._pss_billed_timesheets()
        subscribers = self._pss_subscribers(event_type, moves.company_id)
        items_by_system = defaultdict(list)
        for move in moves:
            orders = engagements[move.id]
            origin = move.reversed_entry_id or move
            systems = orders.pss_system_id | subscribers[move.company_id.id]
            for system in systems:
                # The engagement's own ids for its system; every engagement
                # of the invoice for a system that subscribed to the type.
                mine = orders.filtered(lambda o, s=system: o.pss_system_id == s)
                payload = move._pss_status_payload(
                    system,
                    mine or orders,
                    sorted(
                        ext
                        for system_id, ext in by_invoice.get(origin.id, ())
                        if system_id == system.id
                    ),
                )
                items_by_system[system].append(
                    {
                        "event_type": event_type,
                        "payload": payload,
                        "idempotency_key": f"{event_type}:{move.id}",
                        "company_id": move.company_id.id,
                        "entity_code": move.company_id.pss_entity_code,
                        "sequence_key": f"invoice:{origin.id}",
                        "occurred_at": fields.Datetime.now(),
                    }
                )
        # The queue is bookkeeping of the integration: whoever posts or
        # reconciles an invoice need not have rights on pss.message.
        Message = self.env["pss.message"].sudo()
        results = []
        for system, items in items_by_system.items():
            results += Message.enqueue_many(system, items, direction="out")
        return results

    def _pss_billed_timesheets(self):
        """{invoice id: [(system id, external id), ...]} of the time lines
        billed per invoice (the credited invoice's for a refund)."""
        origins = self.mapped(lambda m: m.reversed_entry_id or m)
        timesheets = (
            self.env["account.analytic.line"]
            .sudo()
            .search([("timesheet_invoice_id", "in", origins.ids)])
        )
        by_invoice = defaultdict(list)
        for timesheet in timesheets:
            if timesheet.pss_external_id:
                by_invoice[timesheet.timesheet_invoice_id.id].append(
                    (timesheet.pss_system_id.id, timesheet.pss_external_id)
                )
        return by_invoice

    def _pss_status_payload(self, system, orders, timesheet_external_ids):
        """The invoice status event's payload of the invoice for ``system``,
        with the external ids of ``orders``."""
        self.ensure_one()
        partner = self.commercial_partner_id
        customer = (
            self.env["pss.binding"]
            .sudo()
            ._external_ids(system, partner)
            .get(partner.id)
        )
        return InvoiceStatus(
            invoice_id=self.id,
            invoice_number=self.name,
            invoice_date=self.invoice_date or self.date,
            due_date=self.invoice_date_due or None,
            move_type=self.move_type,
            reversed_invoice_number=self.reversed_entry_id.name or None,
            customer_external_id=customer,
            engagement_external_ids=sorted(orders.mapped("pss_external_id")),
            amount_untaxed=self._pss_amount(self, self.amount_untaxed),
            amount_tax=self._pss_amount(self, self.amount_tax),
            amount_total=self._pss_amount(self, self.amount_total),
            amount_residual=self._pss_amount(self, self.amount_residual),
            currency=self.currency_id.name,
            payment_state=self.payment_state,
            timesheet_external_ids=timesheet_external_ids,
        ).model_dump(mode="json")

    @api.model
    def _pss_subscribers(self, event_type, companies):
        """{company id: systems of that company that receive ``event_type``}
        (besides the engagement's own system, which always does)."""
        systems = (
            self.env["pss.system"]
            .sudo()
            .search(
                [
                    ("outbound_event_type_ids.name", "=", event_type),
                    ("company_ids", "in", companies.ids),
                ]
            )
        )
        result = defaultdict(self.env["pss.system"].sudo)
        for system in systems:
            for company in system.company_ids & companies:
                result[company.id] |= system
        return result

    @api.model
    def _pss_amount(self, move, amount):
        return f"{move.currency_id.round(amount):.{move.currency_id.decimal_places}f}"
