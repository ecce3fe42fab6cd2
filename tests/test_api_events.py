"""POST /pss/v1/<system>/events and GET .../messages/<id> over real HTTP.

Every error code of DESIGN section 4 has a test here (signatures in
test_api_signature.py), and every refused request is shown to have stored
nothing: the pss_message row count is the same before and after.
"""

import http.client
import json
from datetime import datetime
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.pss_api.tests.common import (
    ApiCase,
    dumps,
    envelope,
    signature,
    unique,
)


@tagged("post_install", "-at_install")
class TestAcceptEvents(ApiCase):
    def test_single_event_is_stored_in_its_company_as_the_technical_user(self):
        event_id = unique("evt_")
        response = self.post(
            envelope(
                event_id,
                self.code_b,
                {"external_id": "R1", "name": "one", "amount": "10.50"},
                correlation_id="corr-1",
            )
        )
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(
            response.headers["Content-Type"].split(";")[0], "application/json"
        )
        (entry,) = response.json()["results"]
        self.assertEqual(entry["event_id"], event_id)
        self.assertEqual(entry["state"], "pending")
        self.assertFalse(entry["duplicate"])
        self.assertTrue(
            entry["status_url"].endswith(
                f"/pss/v1/{self.system.code}/messages/{entry['id']}"
            )
        )
        message = self.Message.browse(entry["id"])
        self.assertEqual(message.system_id, self.system)
        self.assertEqual(message.company_id, self.company_b)
        self.assertEqual(message.event_type, "test.record")
        self.assertEqual(message.payload["amount"], "10.50")
        self.assertEqual(message.idempotency_key, event_id)
        self.assertEqual(message.external_event_id, event_id)
        self.assertEqual(message.entity_code, self.code_b)
        self.assertEqual(message.correlation_id, "corr-1")
        self.assertEqual(message.sequence_key, "test.record:R1")
        self.assertEqual(str(message.occurred_at), "2026-11-20 10:00:00")
        self.assertEqual(message.create_uid, self.tech, "no sudo: the technical user")

        # Applied by the queue, the status shows the sender's external id.
        self.Message._process_queue("in", commit=False, system=self.system)
        status = self.get_message(entry["id"])
        self.assertEqual(status.status_code, 200, status.text)
        document = status.json()
        self.assertEqual(document["state"], "done")
        self.assertEqual(document["attempts"], 1)
        self.assertIsNone(document["error"])
        self.assertEqual(document["event_id"], event_id)
        self.assertEqual(document["entity"], self.code_b)
        self.assertTrue(document["finished_at"].endswith("Z"))
        (result,) = document["results"]
        self.assertEqual(result["model"], "pss.test.record")
        self.assertEqual(result["operation"], "created")
        self.assertEqual(result["external_id"], "R1")
        record = self.env["pss.test.record"].browse(result["odoo_id"])
        self.assertEqual(record.company_id, self.company_b)

    def test_batch_is_stored_in_one_go_in_input_order(self):
        before = self.count()
        events = [
            envelope(unique("evt_"), code, {"external_id": unique("R"), "name": "x"})
            for code in (self.code_a, self.code_b, self.code_a)
        ]
        response = self.post({"events": events})
        self.assertEqual(response.status_code, 202, response.text)
        results = response.json()["results"]
        self.assertEqual([r["event_id"] for r in results], [e["id"] for e in events])
        self.assertEqual(self.count(), before + 3)
        companies = self.Message.browse([r["id"] for r in results]).mapped("company_id")
        self.assertEqual(companies, self.company_a | self.company_b)
        self.assertEqual(
            [self.Message.browse(r["id"]).company_id for r in results],
            [self.company_a, self.company_b, self.company_a],
        )

    def test_repeat_with_same_payload_answers_200_with_the_original(self):
        event = envelope(unique("evt_"), self.code_a)
        first = self.post(event)
        self.assertEqual(first.status_code, 202)
        before = self.count()
        again = self.post(event)
        self.assertEqual(again.status_code, 200, again.text)
        entry = again.json()["results"][0]
        self.assertEqual(entry["id"], first.json()["results"][0]["id"])
        self.assertTrue(entry["duplicate"])
        self.assertEqual(self.count(), before)
        # In a batch with a new event: 202, the repeat flagged.
        fresh = envelope(unique("evt_"), self.code_a)
        mixed = self.post({"events": [event, fresh]})
        self.assertEqual(mixed.status_code, 202)
        results = mixed.json()["results"]
        self.assertEqual([r["duplicate"] for r in results], [True, False])
        self.assertEqual(results[0]["id"], entry["id"])
        self.assertEqual(self.count(), before + 1)

    def test_repeat_within_one_batch_stores_one_message(self):
        event = envelope(unique("evt_"), self.code_a)
        before = self.count()
        response = self.post({"events": [event, event]})
        self.assertEqual(response.status_code, 202)
        first, second = response.json()["results"]
        self.assertEqual(first["id"], second["id"])
        self.assertEqual((first["duplicate"], second["duplicate"]), (False, True))
        self.assertEqual(self.count(), before + 1)

    def test_same_key_with_another_payload_is_422_and_stores_nothing(self):
        event = envelope(unique("evt_"), self.code_a)
        self.assertEqual(self.post(event).status_code, 202)
        before = self.count()
        changed = dict(event, data={"external_id": event["id"], "name": "changed"})
        problem = self.assertProblem(
            self.post(changed), 422, "idempotency-conflict", ["id"]
        )
        self.assertIn("another payload", problem["errors"][0]["message"])
        # The same in a batch, next to a valid event: nothing stored at all.
        batch = {"events": [envelope(unique("evt_"), self.code_a), changed]}
        self.assertProblem(
            self.post(batch), 422, "idempotency-conflict", ["events[1].id"]
        )
        # And within one batch.
        other = envelope(unique("evt_"), self.code_a)
        twin = dict(other, data={"external_id": "X", "name": "twin"})
        self.assertProblem(
            self.post({"events": [other, twin]}),
            422,
            "idempotency-conflict",
            ["events[1].id"],
        )
        self.assertEqual(self.count(), before)

    def test_idempotency_key_header(self):
        key = unique("key-")
        data = {"external_id": "K1", "name": "keyed"}
        first = self.post(
            envelope(unique("evt_"), self.code_a, data),
            headers={"Idempotency-Key": key},
        )
        self.assertEqual(first.status_code, 202)
        message = self.Message.browse(first.json()["results"][0]["id"])
        self.assertEqual(message.idempotency_key, key)
        before = self.count()
        # Same key, same payload, another event id: the original.
        again = self.post(
            envelope(unique("evt_"), self.code_a, data),
            headers={"Idempotency-Key": key},
        )
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["results"][0]["id"], message.id)
        # Same key, another payload: 422 on the header.
        self.assertProblem(
            self.post(
                envelope(
                    unique("evt_"), self.code_a, {"external_id": "Z", "name": "z"}
                ),
                headers={"Idempotency-Key": key},
            ),
            422,
            "idempotency-conflict",
            ["headers.Idempotency-Key"],
        )
        # Only for a single envelope.
        self.assertProblem(
            self.post(
                {"events": [envelope(unique("evt_"), self.code_a)]},
                headers={"Idempotency-Key": unique("key-")},
            ),
            400,
            "malformed-request",
            ["headers.Idempotency-Key"],
        )
        self.assertProblem(
            self.post(
                envelope(unique("evt_"), self.code_a),
                headers={"Idempotency-Key": "x" * 256},
            ),
            400,
        )
        self.assertEqual(self.count(), before)

    def test_entity_code_of_the_system_is_mapped_by_a_value_map(self):
        self.env["pss.value.map"].create(
            {
                "system_id": self.system.id,
                "kind": "entity",
                "external_value": "LEGACY-B",
                "res_model": "res.company",
                "res_id": self.company_b.id,
            }
        )
        response = self.post(envelope(unique("evt_"), "LEGACY-B"))
        self.assertEqual(response.status_code, 202, response.text)
        message = self.Message.browse(response.json()["results"][0]["id"])
        self.assertEqual(message.company_id, self.company_b)
        self.assertEqual(message.entity_code, "LEGACY-B")


@tagged("post_install", "-at_install")
class TestRefusedRequests(ApiCase):
    """Each error code; ``assertNothingStored`` wraps each refused request."""

    def setUp(self):
        super().setUp()
        self.before = self.count()

    def tearDown(self):
        self.assertEqual(self.count(), self.before, "a refused request stored rows")
        super().tearDown()

    # -- 422 ----------------------------------------------------------------
    def test_422_lists_every_error_of_the_batch_with_json_paths(self):
        good = envelope(unique("evt_"), self.code_a)
        missing_name = envelope(unique("evt_"), self.code_a, {"external_id": "M"})
        unknown_field = envelope(
            unique("evt_"), self.code_a, {"external_id": "U", "name": "u", "colour": 1}
        )
        unknown_type = envelope(
            unique("evt_"), self.code_a, event_type="nobody.handles"
        )
        outbound_type = envelope(
            unique("evt_"),
            self.code_a,
            {"external_id": "O", "status": "x"},
            event_type="test.notified",
        )
        unknown_entity = envelope(unique("evt_"), "NOPE")
        extra_member = dict(envelope(unique("evt_"), self.code_a), foo=1)
        bad_amount = envelope(
            unique("evt_"),
            self.code_a,
            {"external_id": "D", "name": "d", "amount": "1.234"},
        )
        no_timezone = envelope(
            unique("evt_"), self.code_a, occurred_at="2026-11-20T10:00:00"
        )
        bad_version = dict(envelope(unique("evt_"), self.code_a), schema_version=2)
        not_an_object = "oops"
        events = [
            good,
            missing_name,
            unknown_field,
            unknown_type,
            outbound_type,
            unknown_entity,
            extra_member,
            bad_amount,
            no_timezone,
            bad_version,
            not_an_object,
        ]
        problem = self.assertProblem(
            self.post({"events": events}),
            422,
            "validation-failed",
            [
                "events[1].data.name",
                "events[2].data.colour",
                "events[3].type",
                "events[4].type",
                "events[5].entity",
                "events[6].foo",
                "events[7].data.amount",
                "events[8].occurred_at",
                "events[9].schema_version",
                "events[10]",
            ],
        )
        self.assertIn("nothing was stored", problem["detail"])
        messages = {e["path"]: e["message"] for e in problem["errors"]}
        self.assertIn("nobody.handles", messages["events[3].type"])
        self.assertIn("NOPE", messages["events[5].entity"])
        self.assertIn("2 decimal places", messages["events[7].data.amount"])

    def test_422_for_a_single_envelope_has_paths_without_prefix(self):
        self.assertProblem(
            self.post(envelope(unique("evt_"), self.code_a, {"external_id": "S"})),
            422,
            "validation-failed",
            ["data.name"],
        )
        self.assertProblem(
            self.post({"id": unique("evt_")}),
            422,
            "validation-failed",
            ["type", "schema_version", "occurred_at", "entity", "data"],
        )

    def test_422_for_a_document_that_is_neither_envelope_nor_batch(self):
        self.assertProblem(self.post([envelope(unique("evt_"), self.code_a)]), 422)
        self.assertProblem(self.post({"events": []}), 422, paths=["events"])
        self.assertProblem(self.post({"events": {}}), 422, paths=["events"])
        self.assertProblem(
            self.post({"events": [envelope(unique("evt_"), self.code_a)], "more": 1}),
            422,
            paths=["more"],
        )

    # -- 403 entity -----------------------------------------------------------
    def test_403_for_an_entity_outside_the_systems_companies(self):
        problem = self.assertProblem(
            self.post(envelope(unique("evt_"), self.code_c)),
            403,
            "entity-not-allowed",
            ["entity"],
        )
        self.assertIn(self.code_c, problem["errors"][0]["message"])
        # In a batch, next to valid events: nothing stored.
        batch = [
            envelope(unique("evt_"), self.code_a),
            envelope(unique("evt_"), self.code_c),
        ]
        self.assertProblem(
            self.post({"events": batch}),
            403,
            "entity-not-allowed",
            ["events[1].entity"],
        )
        # Mixed with a schema error: 422 listing both.
        batch.append(envelope(unique("evt_"), self.code_a, {"external_id": "N"}))
        self.assertProblem(
            self.post({"events": batch}),
            422,
            "validation-failed",
            ["events[1].entity", "events[2].data.name"],
        )

    def test_403_for_a_company_of_the_system_its_user_may_not_use(self):
        self.system.company_ids = [Command.link(self.company_c.id)]
        self.assertProblem(
            self.post(envelope(unique("evt_"), self.code_c)),
            403,
            "entity-not-allowed",
            ["entity"],
        )

    def test_403_for_a_misconfigured_system(self):
        self.tech.groups_id = [Command.link(self.env.ref("base.group_system").id)]
        problem = self.assertProblem(
            self.post(envelope(unique("evt_"), self.code_a)), 403, "forbidden"
        )
        self.assertIn("administrator", problem["detail"])

    # -- 400 ------------------------------------------------------------------
    def test_400_for_a_body_that_is_not_json(self):
        for body in (b"{not json", b"", b"\xff\xfe{}", b'{"a": NaN}', b"[" * 100000):
            with self.subTest(body=body[:10]):
                self.assertProblem(self.post(body), 400, "malformed-request")

    # -- 401 ------------------------------------------------------------------
    def test_401_for_a_missing_or_bad_api_key(self):
        event = dumps(envelope(unique("evt_"), self.code_a))
        other_system_key = self.creds_crm["api_key"]
        tampered = self.creds["api_key"][:-2] + "xx"
        for label, headers in (
            ("missing", {}),
            ("basic", {"Authorization": "Basic YWRtaW46YWRtaW4="}),
            ("empty", {"Authorization": "Bearer "}),
            ("garbage", {"Authorization": "Bearer garbage"}),
            ("tampered", {"Authorization": f"Bearer {tampered}"}),
            ("other system", {"Authorization": f"Bearer {other_system_key}"}),
        ):
            with (
                self.subTest(label),
                self.assertLogs(
                    "odoo.addons.pss_api.controllers.main", "WARNING"
                ) as logs,
            ):
                response = self.post(event, key="", headers=headers)
                problem = self.assertProblem(response, 401, "unauthorized")
                (line,) = logs.output
                self.assertIn("refused with 401", line)
                self.assertIn(self.system.code, line)
                self.assertNotIn(self.creds["api_key"], line)
                self.assertNotIn(tampered, line)
                self.assertNotIn(other_system_key, line)
                self.assertEqual(
                    response.headers["WWW-Authenticate"], 'Bearer realm="pss"'
                )
                self.assertNotIn(self.creds["api_key"], response.text)
                self.assertEqual(
                    problem["detail"], "missing, unknown or revoked API key"
                )

    def test_401_for_an_unknown_or_archived_system(self):
        response = self.request(
            "POST",
            "/pss/v1/no-such-system/events",
            envelope(unique("evt_"), self.code_a),
        )
        self.assertProblem(response, 401, "unauthorized")
        self.system.active = False
        self.assertProblem(self.post(envelope(unique("evt_"), self.code_a)), 401)

    # -- 404 / 405 ---------------------------------------------------------------
    def test_404_for_unknown_routes_and_messages(self):
        self.assertProblem(
            self.request("GET", "/pss/v1/nothing/here"), 404, "not-found"
        )
        self.assertProblem(self.get_message(999999999), 404, "not-found")
        self.assertProblem(
            self.request("GET", f"/pss/v1/{self.system.code}/messages/abc"), 404
        )

    def test_405_for_a_wrong_method(self):
        response = self.request("GET", f"/pss/v1/{self.system.code}/events")
        self.assertProblem(response, 405, "method-not-allowed")
        self.assertIn("POST", response.headers["Allow"])
        self.assertProblem(
            self.request("POST", f"/pss/v1/{self.system.code}/messages/1", b"{}"), 405
        )
        self.assertProblem(self.request("PUT", "/pss/v1/health"), 405)

    # -- 411 / 413 ----------------------------------------------------------------
    def test_413_for_a_body_over_5_mib_before_reading_it(self):
        body = b'{"events": [' + b" " * (5 * 1024 * 1024) + b"]}"
        response = self.post(body)
        self.assertProblem(response, 413, "payload-too-large")

    def test_413_for_more_than_500_events(self):
        events = [envelope(f"e{i}", self.code_a) for i in range(501)]
        problem = self.assertProblem(
            self.post({"events": events}), 413, "payload-too-large"
        )
        self.assertIn("501", problem["detail"])

    def test_411_for_a_chunked_body_without_length(self):
        body = dumps(envelope(unique("evt_"), self.code_a))
        self.env.flush_all()
        host, port = self.base_url().split("//")[1].split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            connection.putrequest("POST", f"/pss/v1/{self.system.code}/events")
            connection.putheader("Authorization", f"Bearer {self.creds['api_key']}")
            connection.putheader(
                "X-PSS-Signature", signature(self.creds["signing_secret"], body)
            )
            connection.putheader("Content-Type", "application/json")
            connection.putheader("Transfer-Encoding", "chunked")
            connection.endheaders()
            connection.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
            response = connection.getresponse()
            payload = json.loads(response.read())
        finally:
            connection.close()
        self.assertEqual(response.status, 411)
        self.assertEqual(response.getheader("Content-Type"), "application/problem+json")
        self.assertEqual(payload["status"], 411)

    # -- 415 ------------------------------------------------------------------
    def test_415_for_a_body_that_is_not_declared_json(self):
        body = dumps(envelope(unique("evt_"), self.code_a))
        for content_type in (
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin-1",
            None,
        ):
            with self.subTest(content_type):
                self.assertProblem(
                    self.post(body, content_type=content_type),
                    415,
                    "unsupported-media-type",
                )
        ok = self.post(body, content_type="application/json; charset=UTF-8")
        self.assertEqual(ok.status_code, 202)
        self.before += 1

    # -- 429 ------------------------------------------------------------------
    @patch(
        "odoo.addons.pss_api.controllers.main._utcnow",
        return_value=datetime(2026, 11, 20, 10, 0, 10),
    )
    def test_429_with_retry_after_above_the_rate_limit(self, _now):
        self.system.rate_limit_per_minute = 3
        for _i in range(3):
            response = self.post(envelope(unique("evt_"), self.code_a))
            self.assertEqual(response.status_code, 202, response.text)
            self.assertIn("RateLimit-Remaining", response.headers)
        self.before += 3
        refused = self.post(envelope(unique("evt_"), self.code_a))
        self.assertProblem(refused, 429, "rate-limited")
        self.assertEqual(refused.headers["Retry-After"], "50")
        # The next window starts afresh.
        _now.return_value = datetime(2026, 11, 20, 10, 1, 0)
        response = self.post(envelope(unique("evt_"), self.code_a))
        self.assertEqual(response.status_code, 202)
        self.assertEqual(response.headers["RateLimit-Remaining"], "2")
        self.before += 1
        _now.return_value = datetime(2026, 11, 20, 10, 0, 10)
        # Status polls count too; other systems are not affected.
        self.assertProblem(self.get_message(1), 429)
        other = self.post(
            envelope(unique("evt_"), self.code_c),
            system=self.system_crm,
            key=self.creds_crm["api_key"],
            secret=self.creds_crm["signing_secret"],
        )
        self.assertEqual(other.status_code, 202)
        self.before += 1


@tagged("post_install", "-at_install")
class TestMessageStatus(ApiCase):
    def test_a_system_cannot_read_another_systems_message(self):
        response = self.post(envelope(unique("evt_"), self.code_a))
        message_id = response.json()["results"][0]["id"]
        self.assertEqual(self.get_message(message_id).status_code, 200)
        crm = {
            "system": self.system_crm,
            "key": self.creds_crm["api_key"],
            "secret": self.creds_crm["signing_secret"],
        }
        problem = self.assertProblem(
            self.get_message(message_id, **crm), 404, "not-found"
        )
        self.assertNotIn("test.record", json.dumps(problem))
        # Not even through its own URL with the other system's key.
        self.assertProblem(
            self.get_message(
                message_id,
                key=self.creds_crm["api_key"],
                secret=self.creds_crm["signing_secret"],
            ),
            401,
        )

    def test_status_of_a_dead_message_shows_the_error_not_the_traceback(self):
        dead = self.post(
            envelope(
                unique("evt_"),
                self.code_a,
                {"external_id": "D", "name": "d", "behaviour": "data"},
            )
        ).json()["results"][0]["id"]
        bug = self.post(
            envelope(
                unique("evt_"),
                self.code_a,
                {"external_id": "I", "name": "i", "behaviour": "internal"},
            )
        ).json()["results"][0]["id"]
        self.Message._process_queue("in", commit=False, system=self.system)
        document = self.get_message(dead).json()
        self.assertEqual(document["state"], "dead")
        self.assertEqual(document["error"]["category"], "data")
        self.assertEqual(document["error"]["message"], "amount does not match")
        self.assertEqual(
            document["error"]["details"],
            [{"path": "data.amount", "message": "mismatch"}],
        )
        document = self.get_message(bug).json()
        self.assertEqual(document["state"], "retrying")
        self.assertEqual(document["error"]["category"], "internal")
        self.assertNotIn("Traceback", json.dumps(document))
        self.assertNotIn("simulated bug", json.dumps(document))
        self.assertTrue(document["next_attempt_at"])

    def test_result_references_use_bindings_when_the_handler_gave_no_id(self):
        response = self.post(envelope(unique("evt_"), self.code_a))
        message = self.Message.browse(response.json()["results"][0]["id"])
        self.Message._process_queue("in", commit=False, system=self.system)
        message.record_ids.external_id = False
        (result,) = self.get_message(message.id).json()["results"]
        self.assertEqual(result["external_id"], message.payload["external_id"])


@tagged("post_install", "-at_install")
class TestDatabaseSelection(ApiCase):
    def test_naming_the_selected_database_is_fine_any_other_is_404(self):
        db = self.env.cr.dbname
        response = self.request(
            "POST",
            f"/pss/v1/{self.system.code}/events?db={db}",
            envelope(unique("evt_"), self.code_a),
        )
        self.assertEqual(response.status_code, 202, response.text)
        self.assertTrue(
            response.json()["results"][0]["status_url"].endswith(f"?db={db}")
        )
        self.assertEqual(
            self.request(
                "GET", "/pss/v1/health", headers={"X-Odoo-Database": db}
            ).status_code,
            200,
        )
        before = self.count()
        self.assertProblem(
            self.request(
                "POST",
                f"/pss/v1/{self.system.code}/events?db=elsewhere",
                envelope(unique("evt_"), self.code_a),
            ),
            404,
        )
        self.assertEqual(self.count(), before)

    def test_multi_database_server_serves_the_named_database(self):
        """pss_api as a server-wide module on a server with several databases
        and no filter: the request names its database."""
        from unittest.mock import patch

        from odoo import http

        db = self.env.cr.dbname
        root = http.root
        modules = [*http.odoo.conf.server_wide_modules, "pss_api"]
        root.__dict__.pop("nodb_routing_map", None)
        try:
            with (
                patch.object(http.odoo.conf, "server_wide_modules", modules),
                patch.object(
                    http, "db_list", lambda force=False, host=None: [db, "other_db"]
                ),
            ):
                ok = self.request(
                    "POST",
                    f"/pss/v1/{self.system.code}/events",
                    envelope(unique("evt_"), self.code_a),
                    headers={"X-Odoo-Database": db},
                )
                self.assertEqual(ok.status_code, 202, ok.text)
                unnamed = self.request(
                    "POST",
                    f"/pss/v1/{self.system.code}/events",
                    envelope(unique("evt_"), self.code_a),
                )
                self.assertProblem(unnamed, 400, "malformed-request")
                self.assertProblem(
                    self.request("GET", "/pss/v1/health?db=not_served"), 404
                )
                health = self.request("GET", f"/pss/v1/health?db={db}")
                self.assertEqual(health.status_code, 200)
        finally:
            root.__dict__.pop("nodb_routing_map", None)


@tagged("post_install", "-at_install")
class TestHealthMetricsOpenapi(ApiCase):
    def test_health_reports_queue_depth_and_oldest_pending_age(self):
        self.post(envelope(unique("evt_"), self.code_a))
        self.env.cr.execute(
            "UPDATE pss_message SET received_at = %s WHERE state = 'pending'",
            [fields.Datetime.subtract(fields.Datetime.now(), minutes=10)],
        )
        # The details need the monitoring (metrics) token.
        self.env["ir.config_parameter"].set_param("pss_api.metrics_token", "mon-1")
        response = self.request("GET", "/pss/v1/health", key="mon-1", sign=False)
        self.assertEqual(response.status_code, 200, response.text)
        document = response.json()
        self.assertEqual(document["status"], "ok")
        self.assertEqual(document["database"], "ok")
        self.assertGreaterEqual(document["queue"]["depth"], 1)
        self.assertGreaterEqual(document["queue"]["by_state"]["pending"], 1)
        self.assertGreaterEqual(document["queue"]["oldest_pending_age_seconds"], 590)
        late = self.request("GET", "/pss/v1/health?max_pending_age=300", sign=False)
        self.assertEqual(late.status_code, 503)
        self.assertEqual(late.json()["status"], "degraded")
        self.assertProblem(
            self.request("GET", "/pss/v1/health?max_pending_age=soon", sign=False), 400
        )

    def test_metrics_in_prometheus_text_format(self):
        self.post(envelope(unique("evt_"), self.code_a))
        self.post(envelope(unique("evt_"), self.code_a), key="pss_nope")
        self.env["ir.config_parameter"].set_param("pss_api.metrics_token", "mon-1")
        response = self.request("GET", "/pss/v1/metrics", key="mon-1", sign=False)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(
            response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        )
        text = response.text
        code = self.system.code
        for line in (
            "# TYPE pss_queue_messages gauge",
            f'pss_queue_messages{{system="{code}",direction="in",state="pending"}} 1',
            f'pss_messages_processed_total{{system="{code}",direction="in"}} 0',
            "# TYPE pss_messages_failed_total counter",
            "# TYPE pss_queue_oldest_pending_age_seconds gauge",
            "# TYPE pss_api_auth_failures_total counter",
            "# TYPE pss_api_accept_duration_seconds histogram",
            'pss_api_requests_total{endpoint="events",status="401"}',
        ):
            self.assertIn(line, text)
        failures = [
            line
            for line in text.splitlines()
            if line.startswith('pss_api_auth_failures_total{reason="bad_key"}')
        ]
        self.assertEqual(len(failures), 1, text)
        self.assertGreaterEqual(float(failures[0].split()[-1]), 1)
        self.assertNotIn(self.creds["api_key"], text)

    def test_metrics_token_when_configured(self):
        self.env["ir.config_parameter"].set_param("pss_api.metrics_token", "scrape-me")
        self.assertProblem(
            self.request("GET", "/pss/v1/metrics", key="", sign=False), 401
        )
        self.assertProblem(
            self.request("GET", "/pss/v1/metrics", key="wrong", sign=False), 401
        )
        ok = self.request("GET", "/pss/v1/metrics", key="scrape-me", sign=False)
        self.assertEqual(ok.status_code, 200)

    def test_openapi_document_is_valid_openapi_3_1_with_every_event_type(self):
        from openapi_spec_validator import validate

        response = self.request("GET", "/pss/v1/openapi.json", key="", sign=False)
        self.assertEqual(response.status_code, 200)
        document = response.json()
        validate(document)
        self.assertEqual(document["openapi"], "3.1.0")
        registered = self.env["pss.handler"]._pss_registry("in")
        self.assertIn("test.record", registered)
        self.assertEqual(document["x-pss-event-types"], sorted(registered))
        schemas = document["components"]["schemas"]
        for event_type in registered:
            name = "Event_" + event_type.replace(".", "_")
            self.assertIn(name, schemas)
            self.assertEqual(schemas[name]["properties"]["type"]["const"], event_type)
        self.assertNotIn(
            "Event_test_notified", schemas, "outbound types are not inbound"
        )
        payload = schemas["TestRecordPayload"]
        self.assertEqual(set(payload["required"]), {"external_id", "name"})
        self.assertTrue(payload["properties"]["secret"]["x-pss-sensitive"])
        security = document["components"]["securitySchemes"]
        self.assertEqual(security["bearerAuth"]["scheme"], "bearer")
        self.assertEqual(security["signature"]["name"], "X-PSS-Signature")
        post = document["paths"]["/pss/v1/{system}/events"]["post"]
        self.assertEqual(post["security"], [{"bearerAuth": [], "signature": []}])
        for status in ("400", "401", "403", "413", "415", "422", "429"):
            ref = post["responses"][status]["$ref"]
            name = ref.rsplit("/", 1)[1]
            content = document["components"]["responses"][name]["content"]
            self.assertIn("application/problem+json", content)
        self.assertIn(
            "Retry-After", document["components"]["responses"]["Problem429"]["headers"]
        )
