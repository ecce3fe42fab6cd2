from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression

from ..lib.close import ACCOUNTING_GROUP, FINANCE_GROUP


class PssCloseActions(models.AbstractModel):
    """The buttons of the month-end close that do a step (a part of
    pss.close), each checked on the server for pss Finance."""

    _name = "pss.close.actions"
    _description = "Month-end close: steps"

    # ------------------------------------------------------------------
    # Buttons: do the step
    # ------------------------------------------------------------------
    def _pss_check_finance(self):
        if not self.env.user.has_group(FINANCE_GROUP):
            raise AccessError(_("Only pss Finance closes a period."))
        self.check_access_rule("write")

    def _pss_todo(self, state_field):
        """The entities of the close where the step ``state_field`` is not
        done (the close's entity, or those of the group)."""
        return self._pss_companies().filtered(
            lambda c: self._pss_steps(c)[state_field] != "done"
        )

    def _pss_opened(self, records, figure):
        """One record: its form; several (the group's): the step's list."""
        if len(records) == 1:
            return self._pss_open_record(records)
        return self.with_context(step=figure).action_open_step()

    def _pss_run_per_entity(self, model, state_field, figure):
        """Make and run a ``model`` run of the period in the entity (for
        the group: in each entity whose ``state_field`` step is to do)."""
        self.ensure_one()
        self._pss_check_finance()
        companies = (
            self._pss_todo(state_field) if self.scope == "group" else self.company_id
        )
        runs = self.env[model]
        for company in companies:
            run = (
                self.env[model]
                .with_company(company)
                .create(
                    {
                        "company_id": company.id,
                        "date_from": self.date_from,
                        "date_to": self.date_to,
                    }
                )
            )
            run.action_run()
            runs |= run
        return self._pss_opened(runs, figure)

    def action_run_billing(self):
        return self._pss_run_per_entity(
            "pss.billing.run", "billing_run_state", "billing_run"
        )

    def action_approve_drafts(self):
        self.ensure_one()
        self._pss_check_finance()
        self._pss_records("draft_invoice").action_pss_approve()
        return True

    def action_run_intercompany(self):
        """The entity's pairs; for the group, every pair (one run)."""
        self.ensure_one()
        self._pss_check_finance()
        run = self.env["pss.ic.run"].create(
            {
                "company_id": self.company_id.id,
                "date_from": self.date_from,
                "date_to": self.date_to,
            }
        )
        run.action_run()
        return self._pss_open_record(run)

    def action_run_reconcile(self):
        return self._pss_run_per_entity("pss.recon.run", "signed_state", "recon_run")

    def action_open_recon_run(self):
        """The run to sign off: the latest of the period (for the group,
        those of every entity not signed off)."""
        self.ensure_one()
        runs = self.env["pss.recon.run"].search(
            expression.AND([self._pss_domain("recon_run"), [("state", "=", "done")]]),
            order="id desc",
        )
        if not runs:
            raise UserError(_("Reconcile the period first."))
        if self.scope != "group":
            return self._pss_open_record(runs[0])
        return {
            **self.with_context(step="recon_run").action_open_step(),
            "name": _("Reconciliation runs to sign off · %s", self.name),
            "domain": [("id", "in", runs.ids)],
        }

    def action_set_lock_date(self):
        """Set the entity's lock date for non-advisers to the period end,
        when every step is done; otherwise say what blocks it. The group's
        sets it in every entity, only when nothing blocks in any."""
        self.ensure_one()
        user = self.env.user
        if not (user.has_group(FINANCE_GROUP) and user.has_group(ACCOUNTING_GROUP)):
            raise AccessError(
                _(
                    "Only pss Finance with the accounting administrator right "
                    "sets the lock date."
                )
            )
        self.check_access_rule("write")
        reasons = self._pss_blocking()
        if reasons:
            raise UserError(
                _(
                    "The period %(period)s cannot be locked yet:\n%(reasons)s",
                    period=self.name,
                    reasons="\n".join(f"- {r}" for r in reasons),
                )
            )
        companies = self._pss_companies()
        companies.check_access_rule("read")
        to_lock = companies.sudo().filtered(
            lambda c: not c.period_lock_date or c.period_lock_date < self.date_to
        )
        to_lock.write({"period_lock_date": self.date_to})
        self.write({"locked_by_id": user.id, "locked_at": fields.Datetime.now()})
        return True
