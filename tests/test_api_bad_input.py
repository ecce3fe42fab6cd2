"""Bad input never answers 5xx (issue 8): text PostgreSQL cannot store,
numbers past Python's integer-string limit or past the database's columns,
signature timestamps that are not ASCII digits.

Each request goes over real HTTP, signed as a sender signs it, and must be
answered with a 4xx ``application/problem+json`` naming the field, with no
message stored.
"""

import json
import time

from odoo.tests import tagged

from odoo.addons.pss_api.tests.common import ApiCase, unique
from odoo.addons.pss_core.lib.signature import compute


def raw(document_text):
    """A body written by hand: JSON escapes (\\u0000, \\ud800) stay as sent."""
    return document_text.encode("utf-8")


def encode_header(value):
    """Header bytes as a client sends them: Latin-1 where it can (the WSGI
    server decodes headers as Latin-1), else UTF-8."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


@tagged("post_install", "-at_install")
class TestBadInputIsRefused(ApiCase):
    def body(self, data_text, event_id=None, extra=""):
        event_id = event_id or unique("evt_")
        head = json.dumps(
            {
                "id": event_id,
                "type": "test.record",
                "schema_version": 1,
                "occurred_at": "2026-11-20T10:00:00Z",
                "entity": self.code_a,
            }
        )
        return raw(head[:-1] + ',"data":' + data_text + extra + "}")

    def refused(self, body, status, paths, slug=None):
        before = self.count()
        response = self.post(body)
        problem = self.assertProblem(response, status, slug)
        self.assertEqual(sorted({e["path"] for e in problem["errors"]}), paths, problem)
        self.assertEqual(self.count(), before, "a refused request stores nothing")
        return problem

    def test_nul_character_in_a_payload_string_is_422_with_its_path(self):
        problem = self.refused(
            self.body('{"external_id":"R1","name":"a\\u0000b"}'),
            422,
            ["data.name"],
            "validation-failed",
        )
        self.assertIn("NUL", problem["errors"][0]["message"])

    def test_nul_character_in_the_envelope_is_422_with_its_path(self):
        body = raw(
            '{"events":[{"id":"evt\\u0000' + unique("x") + '","type":"test.record",'
            '"schema_version":1,"occurred_at":"2026-11-20T10:00:00Z",'
            '"entity":"' + self.code_a + '","correlation_id":"c\\u0000",'
            '"data":{"external_id":"R1","name":"n"}}]}'
        )
        self.refused(
            body, 422, ["events[0].correlation_id", "events[0].id"], "validation-failed"
        )

    def test_nul_character_in_a_key_is_422_with_its_path(self):
        self.refused(
            self.body('{"external_id":"R1","name":"n","na\\u0000me":"x"}'),
            422,
            ["data.na\\u0000me"],
            "validation-failed",
        )

    def test_lone_surrogate_in_a_value_or_a_key_is_422_with_its_path(self):
        self.refused(
            self.body('{"external_id":"R1","name":"\\ud800x"}'),
            422,
            ["data.name"],
            "validation-failed",
        )
        self.refused(
            self.body('{"external_id":"R1","name":"n","\\udfff":1}'),
            422,
            ["data.\\udfff"],
            "validation-failed",
        )

    def test_integer_past_pythons_string_limit_is_422_with_its_path(self):
        digits = "9" * 5000
        problem = self.refused(
            self.body('{"external_id":"R1","name":"n","version":' + digits + "}"),
            422,
            ["data.version"],
            "validation-failed",
        )
        self.assertIn("digits", problem["errors"][0]["message"])
        # The same in the envelope and in a decimal.
        self.refused(
            self.body('{"external_id":"R1","name":"n","amount":' + digits + ".5}"),
            422,
            ["data.amount"],
            "validation-failed",
        )

    def test_integer_past_the_database_column_is_422_with_its_path(self):
        # 10**30 is a valid Python int but no PostgreSQL integer column holds
        # it: refused at the door, not a failure of the queue later.
        self.refused(
            self.body('{"external_id":"R1","name":"n","version":1' + "0" * 30 + "}"),
            422,
            ["data.version"],
            "validation-failed",
        )

    def test_signature_timestamp_of_non_ascii_or_endless_digits_is_403(self):
        body = self.body('{"external_id":"R1","name":"n"}')
        now = int(time.time())
        arabic = str(now).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        secret = self.creds["signing_secret"]
        cases = [
            # Arabic-Indic digits: str.isdigit() and int() accept them.
            f"t={arabic},v1={compute(secret, now, body)}",
            # Superscript digits: isdigit() accepts, int() raises.
            f"t=\u00b9\u00b2,v1={compute(secret, now, body)}",
            # Thousands of digits: int() raises past the string limit.
            f"t={'1' * 5000},v1={compute(secret, now, body)}",
            f"t={'0' * 4990}{now},v1={compute(secret, now, body)}",
        ]
        for header in cases:
            with self.subTest(header=header[:40]):
                before = self.count()
                response = self.post(
                    body,
                    sign=False,
                    headers={"X-PSS-Signature": encode_header(header)},
                )
                problem = self.assertProblem(response, 403, "invalid-signature")
                self.assertIn("timestamp", problem["detail"])
                self.assertEqual(self.count(), before)

    def test_nul_in_the_system_code_or_an_endless_message_id_is_4xx(self):
        before = self.count()
        body = self.body('{"external_id":"R1","name":"n"}')
        response = self.request("POST", "/pss/v1/ps%00a/events", body)
        self.assertProblem(response, 401, "unauthorized")
        response = self.request("GET", "/pss/v1/ps%00a/messages/1")
        self.assertProblem(response, 401, "unauthorized")
        response = self.request(
            "GET", f"/pss/v1/{self.system.code}/messages/{'9' * 5000}"
        )
        self.assertEqual(response.status_code, 404, response.text)
        response = self.request(
            "GET", f"/pss/v1/{self.system.code}/messages/{'9' * 30}"
        )
        self.assertProblem(response, 404, "not-found")
        self.assertEqual(self.count(), before)
