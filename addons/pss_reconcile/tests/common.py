"""Fixtures of the pss_reconcile tests, on top of pss_billing's: the PSA may
send control totals; a seeded April with known discrepancies."""

from odoo import Command

from odoo.addons.pss_billing.tests.common import APRIL, BillingCase, unique
from odoo.addons.pss_core.tests.common import make_user

__all__ = [
    "APRIL",
    "ReconcileCase",
    "ReconcileMixin",
    "add_reconcile_fixtures",
    "unique",
]


def add_reconcile_fixtures(cls):
    """Extend a class with pss_billing's fixtures (after its setUpClass) in
    place: the PSA may send control totals, a tolerance, a reader."""
    env = cls.env
    group = env.ref("pss_reconcile.group_pss_control_totals_integration")
    cls.tech_psa.write({"groups_id": [Command.link(group.id)]})
    # The seeded month is long past: the unbilled-time policy is tested
    # on its own.
    cls.companies.write({"pss_recon_unbilled_days": 3650})
    cls.psa.pss_recon_delay_hours = 0
    env["pss.recon.tolerance"].create(
        {
            "company_id": cls.company_de.id,
            "check_type": "hours_engagement",
            "tolerance_abs": 0.5,
        }
    )
    cls.viewer = make_user(
        env,
        unique("viewer"),
        ["base.group_user", "pss_core.group_pss_user"],
        cls.company_de,
        email=False,
    )
    cls.viewer.name = "Vic Viewer"


class ReconcileMixin:
    """Helpers shared by the queue (TransactionCase) and HTTP tests."""

    def totals(self, lines, version=1, period=APRIL, company=None):
        message = self.post(
            self.psa,
            "control.totals",
            {
                "date_from": str(period[0]),
                "date_to": str(period[1]),
                "version": version,
                "lines": lines,
            },
            company or self.company_de,
        )
        self.process()
        return message

    def reconcile(self, period=APRIL, company=None, user=None):
        company = company or self.company_de
        user = user or (self.biller if company == self.company_de else self.biller_us)
        run = (
            self.env["pss.recon.run"]
            .with_user(user)
            .with_company(company)
            .create(
                {
                    "company_id": company.id,
                    "date_from": period[0],
                    "date_to": period[1],
                }
            )
        )
        run.action_run()
        self.assertEqual(run.state, "done", run.error)
        return run

    def ic_balance(self, receivable, payable, on_date="2026-04-30"):
        env = self.env
        journal = env["account.journal"].search

        agreement = env["pss.ic.agreement"].create(
            {
                "provider_company_id": self.company_de.id,
                "consumer_company_id": self.company_us.id,
                "date_from": "2026-01-01",
                "product_id": self.product_time.id,
                "currency_id": self.company_de.currency_id.id,
                "provider_journal_id": journal(
                    [("type", "=", "sale"), ("company_id", "=", self.company_de.id)],
                    limit=1,
                ).id,
                "consumer_journal_id": journal(
                    [
                        ("type", "=", "purchase"),
                        ("company_id", "=", self.company_us.id),
                    ],
                    limit=1,
                ).id,
            }
        )
        return env["pss.ic.balance"].create(
            {
                "agreement_id": agreement.id,
                "date": on_date,
                "currency_id": agreement.currency_id.id,
                "receivable": receivable,
                "payable": payable,
                "state": "matched" if receivable == payable else "mismatch",
            }
        )


class ReconcileCase(ReconcileMixin, BillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_reconcile_fixtures(cls)
