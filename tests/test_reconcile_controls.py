"""Issue 25: sign-off and resolution of a reconciliation only through their
actions, over real JSON-RPC as a pss Finance user (the web client's
/web/dataset/call_kw). State, signer and resolver are never written by hand,
whatever the context; a run with open variances is signed off only with a
reason recorded on it; reconciliation lines are never created or deleted by
hand (a rerun replaces them)."""

from test_reconcile_http import ReconcileHttpCase

from odoo.tests import tagged

from odoo.addons.pss_core.tests.common import json_rpc

ACCESS = "odoo.exceptions.AccessError"
USER_ERROR = "odoo.exceptions.UserError"
VALIDATION_ERROR = "odoo.exceptions.ValidationError"


@tagged("post_install", "-at_install")
class TestReconcileControlsOverRpc(ReconcileHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.biller.password = cls.biller.login

    def setUp(self):
        super().setUp()
        self.approve_4_hours_and_report_10()
        self.older = self.reconcile()
        self.run = self.reconcile()
        self.assertFalse(self.older.is_latest)
        self.assertTrue(self.run.is_latest)
        self.variance = self.run.line_ids.filtered(lambda ln: ln.status == "variance")
        self.assertEqual(len(self.variance), 1)
        self.authenticate(self.biller.login, self.biller.login)

    def call(self, model, method, args, kwargs=None, context=None):
        kwargs = dict(kwargs or {})
        kwargs["context"] = {
            "allowed_company_ids": [self.company_de.id],
            **(context or {}),
        }
        response = json_rpc(self, model, method, args, kwargs)
        self.assertEqual(response.status_code, 200)
        return response.json()

    def assertRefused(self, answer, name=ACCESS):
        self.assertIn("error", answer, answer)
        self.assertEqual(answer["error"]["data"]["name"], name, answer)

    def test_run_state_and_signer_only_through_sign_off(self):
        signed = {
            "state": "signed",
            "signed_by_id": self.env.ref("base.user_admin").id,
            "signed_at": "2026-05-01 10:00:00",
        }
        for run in (self.older, self.run):
            for context in ({}, {"pss_signing_off": True}):
                self.assertRefused(
                    self.call(
                        "pss.recon.run", "write", [[run.id], signed], context=context
                    )
                )
        for field, value in (
            ("is_latest", True),
            ("summary", "all matched"),
            ("variance_count", 0),
        ):
            self.assertRefused(
                self.call("pss.recon.run", "write", [[self.older.id], {field: value}])
            )
        # Nor born signed.
        self.assertRefused(
            self.call(
                "pss.recon.run",
                "create",
                [
                    {
                        "company_id": self.company_de.id,
                        "date_from": "2026-04-01",
                        "date_to": "2026-04-30",
                        **signed,
                    }
                ],
            )
        )
        (self.older | self.run).invalidate_recordset()
        self.assertEqual(set((self.older | self.run).mapped("state")), {"done"})
        self.assertFalse((self.older | self.run).signed_by_id)
        self.assertFalse(self.older.is_latest)
        # The button refuses the older run.
        self.assertRefused(
            self.call("pss.recon.run", "action_sign_off", [[self.older.id]]),
            USER_ERROR,
        )

    def test_open_variances_need_an_override_reason_recorded_on_the_run(self):
        self.assertRefused(
            self.call("pss.recon.run", "action_sign_off", [[self.run.id]]),
            USER_ERROR,
        )
        self.run.invalidate_recordset()
        self.assertEqual(self.run.state, "done")
        reason = "PSA fixes its export in May; accepted by the CFO"
        answer = self.call(
            "pss.recon.run", "write", [[self.run.id], {"override_reason": reason}]
        )
        self.assertTrue(answer.get("result"), answer)
        answer = self.call("pss.recon.run", "action_sign_off", [[self.run.id]])
        self.assertTrue(answer.get("result"), answer)
        self.run.invalidate_recordset()
        self.assertEqual(self.run.state, "signed")
        self.assertEqual(self.run.signed_by_id, self.biller)
        self.assertEqual(self.run.override_reason, reason)
        self.assertEqual(self.run.open_count, 1)
        self.assertTrue(
            self.run.message_ids.filtered(lambda m: reason in (m.body or ""))
        )
        # Signed: the reason is locked with the run.
        self.assertRefused(
            self.call(
                "pss.recon.run", "write", [[self.run.id], {"override_reason": "x"}]
            ),
            USER_ERROR,
        )

    def test_resolution_only_through_resolve_with_a_reason(self):
        line = self.variance
        admin = self.env.ref("base.user_admin")
        for vals in (
            {"resolved": True},
            {"resolved": True, "resolved_by_id": admin.id},
            {
                "resolved": True,
                "resolution": "fine",
                "resolved_by_id": admin.id,
                "resolved_at": "2026-05-01 10:00:00",
            },
        ):
            self.assertRefused(
                self.call("pss.recon.line", "write", [[line.id], vals]),
            )
        line.invalidate_recordset()
        self.assertFalse(line.resolved)
        self.assertFalse(line.resolution)
        # Without a reason the action refuses; with one, the resolver is the
        # caller.
        self.assertRefused(
            self.call("pss.recon.line", "action_resolve", [[line.id]]), USER_ERROR
        )
        self.call(
            "pss.recon.line", "write", [[line.id], {"resolution": "PSA double count"}]
        )
        answer = self.call("pss.recon.line", "action_resolve", [[line.id]])
        self.assertTrue(answer.get("result"), answer)
        line.invalidate_recordset()
        self.assertTrue(line.resolved)
        self.assertEqual(line.resolved_by_id, self.biller)
        # Resolved: the reason changes only after reopening it.
        self.assertRefused(
            self.call("pss.recon.line", "write", [[line.id], {"resolution": "other"}]),
            USER_ERROR,
        )
        self.assertRefused(
            self.call("pss.recon.line", "write", [[line.id], {"resolved": False}])
        )
        self.call("pss.recon.line", "action_reopen", [[line.id]])
        line.invalidate_recordset()
        self.assertFalse(line.resolved)
        self.assertFalse(line.resolved_by_id)

    def test_a_reason_that_cannot_be_stored_is_refused_clearly(self):
        """A NUL character (or a lone surrogate) in a resolution or override
        reason: a clear error, never the database's, and nothing written."""
        line = self.variance
        for model, record, field in (
            ("pss.recon.line", line, "resolution"),
            ("pss.recon.run", self.run, "override_reason"),
        ):
            for reason in ("PSA double\x00 count", "\ud800"):
                with self.subTest(field=field, reason=reason):
                    answer = self.call(model, "write", [[record.id], {field: reason}])
                    self.assertRefused(answer, VALIDATION_ERROR)
                    self.assertIn(
                        "cannot be stored", answer["error"]["data"]["message"]
                    )
            record.invalidate_recordset()
            self.assertFalse(record[field])
        # Still open: resolving needs a reason that was stored.
        self.assertRefused(
            self.call("pss.recon.line", "action_resolve", [[line.id]]), USER_ERROR
        )
        line.invalidate_recordset()
        self.assertFalse(line.resolved)

    def test_lines_are_neither_deleted_nor_made_by_hand(self):
        ids = self.run.line_ids.ids
        self.assertRefused(self.call("pss.recon.line", "unlink", [ids]))
        self.assertRefused(
            self.call(
                "pss.recon.line",
                "create",
                [
                    {
                        "run_id": self.run.id,
                        "check_type": "hours_engagement",
                        "key": "X/1",
                        "status": "matched",
                    }
                ],
            )
        )
        self.assertEqual(self.run.line_ids.exists().ids, ids)
        # A rerun replaces them.
        answer = self.call("pss.recon.run", "action_run", [[self.run.id]])
        self.assertTrue(answer.get("result"), answer)
        self.run.invalidate_recordset()
        self.assertEqual(self.run.state, "done")
        self.assertEqual(len(self.run.line_ids), len(ids))
        self.assertFalse(self.env["pss.recon.line"].browse(ids).exists())
