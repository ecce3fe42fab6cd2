"""The sync queue's state machine, in one transaction (no commit)."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from .common import SHORT_RETRY, make_company, make_system, make_user, unique


@tagged("post_install", "-at_install")
class TestQueueEngine(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = make_company(cls.env, "Entity A", unique("AA"), "EUR", "DE")
        cls.company_b = make_company(cls.env, "Entity B", unique("BB"), "USD", "US")
        companies = cls.company_a | cls.company_b
        cls.tech = make_user(
            cls.env, unique("tech"), ["pss_core.group_pss_integration"], companies
        )
        cls.system = make_system(
            cls.env, unique("crm"), cls.tech, companies, **SHORT_RETRY
        )
        cls.Message = cls.env["pss.message"]
        cls.Record = cls.env["pss.test.record"]
        cls.now = fields.Datetime.now()

    def enqueue(self, data, company=None, key=None, event_type="test.record"):
        key = key or unique("evt_")
        message, _new = self.Message.enqueue(
            self.system,
            event_type,
            data,
            idempotency_key=key,
            external_event_id=key,
            company=company or self.company_a,
            sequence_key=f"test.record:{data.get('external_id')}",
        )
        return message

    def process(self, now=None):
        return self.Message._process_queue(
            "in", commit=False, now=now or self.now, system=self.system
        )

    def records(self, external_id):
        return self.Record.search([("external_id", "=", external_id)])

    # -- happy path ---------------------------------------------------------
    def test_applies_in_the_company_of_the_message_as_the_technical_user(self):
        msg_a = self.enqueue({"external_id": "R1", "name": "one", "amount": "10.50"})
        msg_b = self.enqueue(
            {"external_id": "R2", "name": "two", "amount": 3}, company=self.company_b
        )
        summary = self.process()
        self.assertEqual(summary["done"], 2)
        self.assertEqual((msg_a | msg_b).mapped("state"), ["done", "done"])
        rec_a, rec_b = self.records("R1"), self.records("R2")
        self.assertEqual(rec_a.company_id, self.company_a)
        self.assertEqual(rec_b.company_id, self.company_b)
        self.assertEqual(rec_a.amount, 10.5)
        self.assertEqual(rec_a.create_uid, self.tech)
        self.assertEqual(msg_a.record_ids.res_id, rec_a.id)
        self.assertEqual(msg_a.record_ids.operation, "created")
        self.assertEqual(msg_a.attempts, 1)
        self.assertTrue(msg_a.finished_at and msg_a.duration_ms >= 0)
        binding = self.env["pss.binding"]._resolve(
            self.system, "pss.test.record", ["R1", "R2"]
        )
        self.assertEqual(binding, {"R1": rec_a.id, "R2": rec_b.id})

    def test_same_idempotency_key_gives_the_same_message(self):
        first = self.enqueue({"external_id": "D1", "name": "x"}, key="evt_dup")
        again, is_new = self.Message.enqueue(
            self.system,
            "test.record",
            {"external_id": "D1", "name": "x"},
            idempotency_key="evt_dup",
        )
        self.assertFalse(is_new)
        self.assertEqual(again, first)
        self.assertEqual(
            self.Message.search_count([("idempotency_key", "=", "evt_dup")]), 1
        )
        # Within one batch too: two items with one key store one message.
        results = self.Message.enqueue_many(
            self.system,
            [
                {
                    "event_type": "test.record",
                    "payload": {"n": 1},
                    "idempotency_key": "k",
                },
                {
                    "event_type": "test.record",
                    "payload": {"n": 1},
                    "idempotency_key": "k",
                },
            ],
        )
        self.assertEqual([new for _m, new in results], [True, False])
        self.assertEqual(results[0][0], results[1][0])

    # -- error categories -----------------------------------------------------
    def test_transient_errors_back_off_then_go_dead(self):
        message = self.enqueue(
            {"external_id": "T1", "name": "t", "behaviour": "transient"}
        )
        now = self.now
        ceilings = []
        for attempt in (1, 2):
            self.process(now=now)
            self.assertEqual(message.state, "retrying")
            self.assertEqual(message.attempts, attempt)
            self.assertEqual(message.error_category, "transient")
            delay = (message.next_attempt_at - now).total_seconds()
            ceiling = 10 * 2 ** (attempt - 1)
            self.assertGreaterEqual(delay, 0)
            self.assertLessEqual(delay, ceiling + 1)
            ceilings.append(ceiling)
            # Not retried before its time.
            self.process(now=message.next_attempt_at - timedelta(seconds=1))
            self.assertEqual(message.attempts, attempt)
            now = message.next_attempt_at + timedelta(seconds=1)
        self.process(now=now)
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.attempts, 3)
        self.assertIn("gave up after 3 attempts", message.last_error)
        self.assertFalse(self.records("T1"))

    def test_data_error_is_dead_at_once_with_field_details(self):
        message = self.enqueue({"external_id": "X1", "name": "x", "behaviour": "data"})
        self.process()
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.attempts, 1)
        self.assertEqual(message.error_category, "data")
        self.assertEqual(message.error_details[0]["path"], "data.amount")
        self.assertFalse(self.records("X1"))

    def test_invalid_payload_is_dead_with_json_paths(self):
        message = self.enqueue({"external_id": "X2", "name": "", "colour": "red"})
        self.process()
        self.assertEqual(message.state, "dead")
        paths = {d["path"] for d in message.error_details}
        self.assertEqual(paths, {"data.name", "data.colour"})

    def test_unknown_event_type_is_dead(self):
        message = self.enqueue({"external_id": "U1"}, event_type="nobody.handles")
        self.process()
        self.assertEqual(message.state, "dead")
        self.assertIn("No handler", message.last_error)

    def test_a_bug_in_one_message_does_not_hold_the_batch_hostage(self):
        good1 = self.enqueue({"external_id": "B1", "name": "b1"})
        bad = self.enqueue({"external_id": "B2", "name": "b2", "behaviour": "internal"})
        good2 = self.enqueue({"external_id": "B3", "name": "b3"})
        self.process()
        self.assertEqual((good1 | good2).mapped("state"), ["done", "done"])
        self.assertEqual(len(self.records("B1") | self.records("B3")), 2)
        self.assertEqual(bad.state, "retrying")
        self.assertEqual(bad.error_category, "internal")
        self.assertIn("Traceback", bad.last_error)
        self.process(now=bad.next_attempt_at + timedelta(seconds=1))
        self.assertEqual(bad.state, "dead")
        self.assertEqual(bad.attempts, 2)
        self.assertFalse(self.records("B2"))

    def test_dependency_parks_and_is_released_when_the_binding_arrives(self):
        child = self.enqueue(
            {"external_id": "C1", "name": "child", "parent_external_id": "P1"}
        )
        self.process()
        self.assertEqual(child.state, "parked")
        self.assertEqual(child.error_category, "dependency")
        self.assertEqual(
            (child.wait_model, child.wait_external_id), ("pss.test.record", "P1")
        )
        self.assertIn("P1", child.park_reason)
        self.assertFalse(self.records("C1"))
        parent = self.enqueue({"external_id": "P1", "name": "parent"})
        self.process()
        self.assertEqual(parent.state, "done")
        self.assertEqual(child.state, "done")
        self.assertEqual(self.records("C1").parent_id, self.records("P1"))

    def test_a_wait_on_any_system_is_released_by_another_systems_binding(self):
        other = make_system(
            self.env, unique("hris"), self.tech, self.company_a, **SHORT_RETRY
        )
        own_only = self.enqueue(
            {"external_id": "C2", "name": "own", "parent_external_id": "P2"}
        )
        any_system = self.enqueue(
            {
                "external_id": "C3",
                "name": "any",
                "parent_external_id": "P2",
                "parent_any_system": True,
            }
        )
        self.process()
        self.assertEqual((own_only.state, any_system.state), ("parked", "parked"))
        self.assertEqual(own_only.wait_system_id, self.system)
        self.assertFalse(any_system.wait_system_id, "waits on any system")
        # Another system (the HRIS, say) brings the parent.
        parent = self.Record.create({"name": "parent", "external_id": "P2"})
        self.env["pss.binding"]._bind_many(
            other, "pss.test.record", [{"external_id": "P2", "res_id": parent.id}]
        )
        self.assertEqual(any_system.state, "pending", "released by the binding")
        self.assertEqual(own_only.state, "parked", "still waits on its own system")
        self.process()
        self.assertEqual(any_system.state, "done")
        self.assertEqual(self.records("C3").parent_id, parent)
        self.assertEqual(own_only.state, "parked")

    def test_business_hold_parks_with_a_reason_and_waits_for_a_person(self):
        message = self.enqueue({"external_id": "H1", "name": "h", "behaviour": "hold"})
        self.process()
        self.assertEqual(message.state, "parked")
        self.assertEqual(message.park_reason, "period 2026-10 is locked")
        self.assertFalse(message.wait_model)
        self.process()
        self.assertEqual(message.state, "parked")

    def test_older_version_is_a_conflict_with_no_effect(self):
        self.enqueue({"external_id": "V1", "name": "v3", "version": 3})
        self.process()
        late = self.enqueue({"external_id": "V1", "name": "v2", "version": 2})
        self.process()
        self.assertEqual(late.state, "done")
        self.assertEqual(late.error_category, "conflict")
        self.assertIn("not newer", late.note)
        record = self.records("V1")
        self.assertEqual((record.name, record.version), ("v3", 3))

    def test_same_sequence_key_applies_in_arrival_order(self):
        first = self.enqueue(
            {"external_id": "S1", "name": "first", "behaviour": "transient"}
        )
        second = self.enqueue({"external_id": "S1", "name": "second", "version": 2})
        other = self.enqueue({"external_id": "S2", "name": "other"})
        self.process()
        self.assertEqual(first.state, "retrying")
        self.assertEqual(second.state, "pending", "must wait behind the first")
        self.assertEqual(other.state, "done", "other keys run in parallel")
        # Fix the first message's payload; the order is then kept.
        first.sudo()._edit_payload({"external_id": "S1", "name": "first"})
        self.process(now=self.now + timedelta(hours=1))
        self.assertEqual((first.state, second.state), ("done", "done"))
        self.assertEqual(self.records("S1").name, "second")
        self.assertLess(first.finished_at, second.finished_at + timedelta(seconds=1))

    # -- leases ---------------------------------------------------------------
    def test_expired_lease_is_reclaimed_and_applied_once(self):
        message = self.enqueue({"external_id": "L1", "name": "lease"})
        ids = self.Message._claim("in", 10, "worker-killed", now=self.now)
        self.assertIn(message.id, ids)
        self.assertEqual(message.state, "running")
        # The worker dies: nothing more happens until the lease expires.
        self.assertFalse(self.Message._recover_leases(now=self.now))
        later = self.now + timedelta(seconds=self.system.lease_seconds + 1)
        self.assertEqual(self.Message._recover_leases(now=later), [message.id])
        self.assertEqual(message.state, "retrying")
        self.assertIn("worker-killed", message.last_error)
        self.process(now=later)
        self.assertEqual(message.state, "done")
        self.assertEqual(message.attempts, 2)
        self.assertEqual(self.records("L1").applied_count, 1)

    def test_worker_without_the_lease_cannot_apply(self):
        message = self.enqueue({"external_id": "L2", "name": "lease"})
        self.Message._claim("in", 10, "worker-1", now=self.now)
        self.assertEqual(self.Message._lock_owned(message.ids, "worker-2"), [])
        self.assertEqual(self.Message._lock_owned(message.ids, "worker-1"), message.ids)

    # -- manual actions, retention, masking -------------------------------------
    def test_edit_payload_keeps_original_and_replays(self):
        message = self.enqueue({"external_id": "E1", "name": "", "secret": "s3cr3t"})
        self.process()
        self.assertEqual(message.state, "dead")
        sha = message.payload_sha256
        wizard = (
            self.env["pss.message.edit.wizard"]
            .with_context(default_message_id=message.id)
            .create({"payload_text": '{"external_id": "E1", "name": "fixed"}'})
        )
        wizard.action_apply()
        self.assertEqual(message.state, "pending")
        self.assertEqual(message.payload_original["name"], "")
        self.assertEqual(message.payload["name"], "fixed")
        self.assertEqual(message.payload_edited_by_id, self.env.user)
        self.assertEqual(message.payload_sha256, sha, "the received hash stays")
        self.assertTrue(any("Payload edited" in m.body for m in message.message_ids))
        self.assertFalse(any("s3cr3t" in m.body for m in message.message_ids))
        self.process()
        self.assertEqual(message.state, "done")
        self.assertEqual(self.records("E1").name, "fixed")

    def test_invalid_edit_is_refused_and_changes_nothing(self):
        message = self.enqueue({"external_id": "E2", "name": ""})
        self.process()
        with self.assertRaises(ValidationError):
            message._edit_payload({"external_id": "E2", "name": "x", "bogus": 1})
        self.assertEqual(message.payload["name"], "")
        self.assertFalse(message.payload_original)

    def test_requeue_and_cancel(self):
        dead = self.enqueue({"external_id": "Q1", "name": "q", "behaviour": "data"})
        parked = self.enqueue({"external_id": "Q2", "name": "q", "behaviour": "hold"})
        self.process()
        dead.action_requeue()
        self.assertEqual((dead.state, dead.attempts), ("pending", 0))
        parked.action_cancel()
        self.assertEqual(parked.state, "cancelled")
        self.process()
        self.assertEqual(parked.state, "cancelled")

    def test_retention_empties_old_payloads_and_keeps_hashes(self):
        old = self.enqueue({"external_id": "O1", "name": "old"})
        new = self.enqueue({"external_id": "O2", "name": "new"})
        self.process()
        old.write({"finished_at": self.now - timedelta(days=91)})
        purged = self.Message._cron_purge_payloads(now=self.now)
        self.assertGreaterEqual(purged, 1)
        old.invalidate_recordset()
        self.assertFalse(old.payload)
        self.assertTrue(old.payload_purged and old.payload_sha256)
        self.assertEqual(new.payload["name"], "new")

    def test_retention_deletes_lock_keys_untouched_for_a_day(self):
        from odoo.addons.pss_core.lib.locks import advisory_xact_lock

        cr = self.env.cr
        stale = advisory_xact_lock(cr, "test", unique("stale"))
        fresh = advisory_xact_lock(cr, "test", unique("fresh"))
        cr.execute(
            "UPDATE pss_lock_key SET touched_at = %s WHERE key = %s",
            [self.now - timedelta(days=2), stale],
        )
        self.Message._cron_purge_payloads(now=self.now)
        cr.execute("SELECT key FROM pss_lock_key WHERE key IN %s", [(stale, fresh)])
        self.assertEqual([k for (k,) in cr.fetchall()], [fresh])

    def test_sensitive_fields_are_masked_in_the_console(self):
        message = self.enqueue({"external_id": "M1", "name": "m", "secret": "hunter2"})
        # Masked for a console user; pss Managers see the value.
        viewer = make_user(
            self.env, unique("viewer"), ["pss_core.group_pss_user"], self.company_a
        )
        shown = message.with_user(viewer).payload_display
        self.assertNotIn("hunter2", shown)
        self.assertIn("***", shown)
        manager = make_user(
            self.env, unique("mgr"), ["pss_core.group_pss_manager"], self.company_a
        )
        self.assertIn("hunter2", message.with_user(manager).payload_display)

    def test_the_systems_batch_size_bounds_each_handler_call(self):
        self.system.batch_size = 3
        messages = self.Message
        for i in range(7):
            messages |= self.enqueue({"external_id": f"BS{i}", "name": f"n{i}"})
        handler_class = type(self.env["pss.handler.test.record"])
        sizes = []
        original = handler_class._pss_process

        def recording(handler, batch):
            sizes.append(len(list(batch)))
            return original(handler, batch)

        with patch.object(handler_class, "_pss_process", recording):
            self.process()
        self.assertEqual(sizes, [3, 3, 1])
        self.assertEqual(set(messages.mapped("state")), {"done"})

    # -- the system form's counts ------------------------------------------
    def test_counts_and_dead_parked_button_of_a_one_entity_user(self):
        """Issue 18: the system form's Dead / parked button opened every
        message of the system; its counts counted every entity for a user
        of one."""
        dead_a = self.enqueue({"external_id": "C1", "name": "x", "behaviour": "data"})
        done_a = self.enqueue({"external_id": "C2", "name": "y"})
        dead_b = self.enqueue(
            {"external_id": "C3", "name": "z", "behaviour": "data"},
            company=self.company_b,
        )
        self.process()
        self.assertEqual(
            (dead_a | done_a | dead_b).mapped("state"), ["dead", "done", "dead"]
        )
        reader = make_user(
            self.env,
            unique("reader"),
            ["base.group_user", "pss_core.group_pss_user"],
            self.company_a,
        )
        for user, companies, failed, total in (
            (reader, self.company_a, dead_a, 2),
            (self.env.user, self.company_a | self.company_b, dead_a | dead_b, 3),
        ):
            system = self.system.with_user(user).with_context(
                allowed_company_ids=companies.ids
            )
            self.assertEqual(system.failed_count, len(failed))
            self.assertEqual(system.message_count, total)
            action = system.action_view_failed_messages()
            opened = system.env["pss.message"].search(action["domain"])
            self.assertEqual(opened, failed)
            everything = system.env["pss.message"].search(
                system.action_view_messages()["domain"]
            )
            self.assertEqual(len(everything), system.message_count)
