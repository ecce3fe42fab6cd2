from datetime import datetime, time

from odoo import _, models
from odoo.exceptions import UserError
from odoo.osv import expression

from ..lib.close import FAILED_STATES, OPENS


class PssCloseFigures(models.AbstractModel):
    """What each figure of the month-end close counts and its button opens
    (a part of pss.close: both come from ``_pss_domain``)."""

    _name = "pss.close.figures"
    _description = "Month-end close: figures"

    # ------------------------------------------------------------------
    # What each figure counts and its button opens
    # ------------------------------------------------------------------
    def _pss_companies(self):
        """The entities the close covers: its entity, or for the group the
        pss entities allowed in the session (every allowed company when none
        is a pss entity)."""
        self.ensure_one()
        if self.scope != "group":
            return self.company_id
        companies = self.env.companies
        return companies.filtered("pss_entity_code") or companies

    def _pss_ic_agreements(self, company=None):
        self.ensure_one()
        companies = company or self._pss_companies()
        return self.env["pss.ic.agreement"].search(
            [
                ("date_from", "<=", self.date_to),
                "|",
                ("date_to", "=", False),
                ("date_to", ">=", self.date_from),
                "|",
                ("provider_company_id", "in", companies.ids),
                ("consumer_company_id", "in", companies.ids),
            ]
        )

    def _pss_ic_current_balances(self, company):
        """The latest balance check of each of the entity's pairs made for
        the period (by a run of the period, or dated in it): a later check
        of a pair supersedes an earlier one."""
        self.ensure_one()
        checks = self.env["pss.ic.balance"].search(
            [
                "|",
                ("provider_company_id", "=", company.id),
                ("consumer_company_id", "=", company.id),
                "|",
                "&",
                ("run_id.date_to", ">=", self.date_from),
                ("run_id.date_to", "<=", self.date_to),
                "&",
                "&",
                ("run_id", "=", False),
                ("date", ">=", self.date_from),
                ("date", "<=", self.date_to),
            ],
            order="date desc, id desc",
        )
        latest = {}
        for check in checks:
            latest.setdefault(check.agreement_id.id, check)
        return self.env["pss.ic.balance"].browse(c.id for c in latest.values())

    def _pss_domain(self, figure, company=None):
        """The domain of what ``figure`` counts and its button opens: of
        ``company``, else of the close's entity, else of all the group's."""
        self.ensure_one()
        if figure not in OPENS:
            raise UserError(_("Unknown step %s", figure))
        method = getattr(self, f"_pss_domain_{figure}")
        if company:
            return method(company)
        companies = self._pss_companies()
        if figure == "blocking_draft":
            return method(companies)
        return expression.OR([method(c) for c in companies] or [[(0, "=", 1)]])

    def _pss_domain_message(self, company):
        since = datetime.combine(self.date_from, time.min)
        return [
            ("company_id", "=", company.id),
            ("state", "in", FAILED_STATES),
            "|",
            ("received_at", ">=", since),
            "&",
            ("received_at", "=", False),
            ("create_date", ">=", since),
        ]

    def _pss_domain_unbilled(self, company):
        return [
            ("company_id", "=", company.id),
            ("approved", "=", True),
            ("billing_state", "=", "unbilled"),
            ("oldest_date", "<=", self.date_to),
        ]

    def _pss_domain_billing_run(self, company):
        return [
            ("company_id", "=", company.id),
            ("state", "=", "done"),
            ("date_from", "<=", self.date_to),
            ("date_to", ">=", self.date_to),
        ]

    def _pss_domain_draft_invoice(self, company):
        return [
            ("company_id", "=", company.id),
            ("state", "=", "draft"),
            ("pss_approval_state", "=", "to_approve"),
            ("date", "<=", self.date_to),
        ]

    def _pss_domain_ic_run(self, company):
        cid = company.id
        return [
            ("state", "=", "done"),
            ("date_from", "<=", self.date_from),
            ("date_to", ">=", self.date_to),
            "|",
            "|",
            "|",
            ("company_id", "=", cid),
            ("agreement_id.provider_company_id", "=", cid),
            ("agreement_id.consumer_company_id", "=", cid),
            "&",
            ("company_id", "=", False),
            ("agreement_id", "=", False),
        ]

    def _pss_domain_ic_mismatch(self, company):
        balances = self._pss_ic_current_balances(company)
        return [("id", "in", balances.ids), ("state", "=", "mismatch")]

    def _pss_recon_domain(self, company, states):
        return [
            ("company_id", "=", company.id),
            ("date_from", "=", self.date_from),
            ("date_to", "=", self.date_to),
            ("is_latest", "=", True),
            ("state", "in", states),
        ]

    def _pss_domain_recon_run(self, company):
        return self._pss_recon_domain(company, ("done", "signed"))

    def _pss_domain_signed(self, company):
        return self._pss_recon_domain(company, ("signed",))

    def _pss_domain_variance(self, company):
        """The open lines of the period's current run (the finance card's
        open variances, restricted to the period)."""
        return [
            *self.env["pss.recon.line"]._open_domain(company),
            ("run_id.date_from", "=", self.date_from),
            ("run_id.date_to", "=", self.date_to),
        ]

    def _pss_domain_blocking_draft(self, companies):
        """pss_billing's "Drafts blocking the period close", at the end of
        this period."""
        return self.env["pss.billing.run"]._pss_lock_blocking_domain(
            lock_date=self.date_to, companies=companies
        )

    def _pss_records(self, figure, company=None):
        return self.env[OPENS[figure][0]].search(self._pss_domain(figure, company))
