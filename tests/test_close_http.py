"""The month-end close's controls over real JSON-RPC (/web/dataset/call_kw),
as the web client calls them: an intercompany mismatch is resolved only
through "Resolve with reason" (a state written by RPC is refused, nothing
changes); the lock date is set only by pss Finance with accounting rights
and only when nothing blocks; a finance user of one entity sees only that
entity's closes."""

from test_reconcile_http import ReconcileHttpCase

from odoo.tests import tagged

from odoo.addons.pss_billing.tests.common import APRIL
from odoo.addons.pss_core.tests.common import json_rpc, make_user
from odoo.addons.pss_project.tests.common import unique

FINANCE = ["base.group_user", "pss_core.group_pss_finance"]


@tagged("post_install", "-at_install")
class TestCloseOverRpc(ReconcileHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        both = cls.company_de | cls.company_us
        cls.controller = make_user(
            env,
            unique("controller").lower(),
            [*FINANCE, "account.group_account_manager"],
            both,
        )
        cls.clerk = make_user(env, unique("clerk").lower(), FINANCE, both)
        cls.us_only = make_user(env, unique("usfin").lower(), FINANCE, cls.company_us)
        for user in (cls.controller, cls.clerk, cls.us_only):
            user.password = user.login

    def call_kw(self, model, method, args, kwargs=None):
        response = json_rpc(self, model, method, args, kwargs)
        self.assertEqual(response.status_code, 200)
        return response.json()

    def assertRefused(self, answer, error):
        self.assertIn("error", answer, answer)
        self.assertEqual(answer["error"]["data"]["name"], f"odoo.exceptions.{error}")

    def test_mismatch_resolved_only_with_a_reason_over_rpc(self):
        balance = self.ic_balance(1000.0, 900.0)
        self.authenticate(self.controller.login, self.controller.login)
        for vals in ({"state": "resolved"}, {"state": "matched"}):
            answer = self.call_kw("pss.ic.balance", "write", [balance.ids, vals])
            self.assertRefused(answer, "AccessError")
        answer = self.call_kw(
            "pss.ic.balance",
            "create",
            [
                {
                    "agreement_id": balance.agreement_id.id,
                    "date": "2026-04-30",
                    "currency_id": balance.currency_id.id,
                    "state": "resolved",
                }
            ],
        )
        self.assertRefused(answer, "AccessError")
        answer = self.call_kw("pss.ic.balance", "action_resolve", [balance.ids, " "])
        self.assertRefused(answer, "UserError")
        balance.invalidate_recordset()
        self.assertEqual(balance.state, "mismatch", "nothing written")
        # The wizard, as the list's "Resolve with reason" opens it.
        context = {"active_model": "pss.ic.balance", "active_ids": balance.ids}
        answer = self.call_kw(
            "pss.ic.balance.resolve",
            "create",
            [{"reason": "Vendor bill booked on 2 May"}],
            {"context": context},
        )
        wizard_id = answer["result"]
        answer = self.call_kw("pss.ic.balance.resolve", "action_confirm", [[wizard_id]])
        self.assertIn("result", answer, answer)
        balance.invalidate_recordset()
        self.assertEqual(balance.state, "resolved")
        self.assertEqual(balance.resolution, "Vendor bill booked on 2 May")
        self.assertEqual(balance.resolved_by_id, self.controller)
        # Resolved stays resolved: the state is not the user's to write.
        answer = self.call_kw(
            "pss.ic.balance", "write", [balance.ids, {"state": "mismatch"}]
        )
        self.assertRefused(answer, "AccessError")

    def test_lock_date_only_for_finance_with_accounting_rights(self):
        close = self.env["pss.close"].create(
            {
                "company_id": self.company_de.id,
                "date_from": APRIL[0],
                "date_to": APRIL[1],
            }
        )
        self.company_de.period_lock_date = False
        self.ic_balance(1000.0, 900.0)
        # A finance user without accounting rights: refused.
        self.authenticate(self.clerk.login, self.clerk.login)
        answer = self.call_kw("pss.close", "action_set_lock_date", [close.ids])
        self.assertRefused(answer, "AccessError")
        # The controller: refused while steps are open, saying which.
        self.authenticate(self.controller.login, self.controller.login)
        answer = self.call_kw("pss.close", "action_set_lock_date", [close.ids])
        self.assertRefused(answer, "UserError")
        message = answer["error"]["data"]["message"]
        self.assertIn("no billing run of the period", message)
        self.assertIn("no reconciliation run of the period", message)
        self.company_de.invalidate_recordset()
        self.assertFalse(self.company_de.period_lock_date)
        # A US01-only finance user neither reads nor locks DE01's close.
        self.authenticate(self.us_only.login, self.us_only.login)
        answer = self.call_kw(
            "pss.close", "search_read", [[]], {"fields": ["company_id"]}
        )
        self.assertNotIn(close.id, [r["id"] for r in answer["result"]])
        answer = self.call_kw("pss.close", "action_set_lock_date", [close.ids])
        self.assertRefused(answer, "AccessError")
