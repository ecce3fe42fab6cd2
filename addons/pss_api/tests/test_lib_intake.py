"""Request checks of POST /events that need no database."""

from datetime import datetime, timedelta, timezone

import pytest

from odoo.tests import BaseCase

from odoo.addons.pss_api.lib.intake import (
    MAX_BODY_BYTES,
    check_body_length,
    check_content_type,
    check_declared_length,
    key_conflicts,
    naive_utc,
    parse_json,
    split_document,
    validate_envelope,
)
from odoo.addons.pss_api.lib.problem import ApiProblem

ENVELOPE = {
    "id": "evt_1",
    "type": "test.record",
    "schema_version": 1,
    "occurred_at": "2026-11-20T10:00:00+01:00",
    "entity": "US01",
    "data": {"a": 1},
}


def status_of(call, *args):
    with pytest.raises(ApiProblem) as caught:
        call(*args)
    return caught.value.code


def problem_of(body):
    with pytest.raises(ApiProblem) as caught:
        parse_json(body)
    return caught.value


class TestLibIntake(BaseCase):
    def test_lengths(self):
        check_declared_length(None)
        check_declared_length(MAX_BODY_BYTES)
        assert status_of(check_declared_length, MAX_BODY_BYTES + 1) == 413
        check_body_length(b"x" * 10, limit=10)
        assert status_of(check_body_length, b"x" * 11, 10) == 413

    def test_content_type(self):
        for mimetype, params, ok in [
            ("application/json", {}, True),
            ("APPLICATION/JSON", {"charset": "UTF-8"}, True),
            ("application/json", {"charset": "utf8"}, True),
            ("application/json", {"charset": "latin-1"}, False),
            ("text/plain", {}, False),
            ("application/x-www-form-urlencoded", {}, False),
            ("", {}, False),
            (None, None, False),
        ]:
            with self.subTest(mimetype=mimetype, params=params, ok=ok):
                if ok:
                    check_content_type(mimetype, params)
                else:
                    assert status_of(check_content_type, mimetype, params) == 415

    def test_parse_json_refuses_what_is_not_strict_utf8_json(self):
        for body in [
            b"",
            b"{",
            b"\xff{}",
            b'{"a": NaN}',
            b"[Infinity]",
            b"\xef\xbb\xbf{}",
            b"[" * 50000,
        ]:
            with self.subTest(body=body):
                assert status_of(parse_json, body) == 400

    def test_parse_json(self):
        assert parse_json('{"é": [1, 2.5, null]}'.encode()) == {"é": [1, 2.5, None]}

    def test_split_document(self):
        assert split_document(ENVELOPE) == ([ENVELOPE], True)
        assert split_document({"events": [ENVELOPE, ENVELOPE]}) == (
            [ENVELOPE, ENVELOPE],
            False,
        )
        for document in ([ENVELOPE], "x", 3, None):
            assert status_of(split_document, document) == 422
        for document in (
            {"events": []},
            {"events": {}},
            {"events": [ENVELOPE], "x": 1},
        ):
            assert status_of(split_document, document) == 422
        assert status_of(split_document, {"events": [ENVELOPE] * 3}, 2) == 413

    def test_validate_envelope_paths(self):
        envelope, errors = validate_envelope(ENVELOPE)
        assert errors == [] and envelope.id == "evt_1"
        _none, errors = validate_envelope(
            dict(ENVELOPE, occurred_at="2026-11-20T10:00:00", extra=1, type="Bad"),
            "events[3]",
        )
        assert sorted(e["path"] for e in errors) == [
            "events[3].extra",
            "events[3].occurred_at",
            "events[3].type",
        ]
        _none, errors = validate_envelope("nope", "events[0]")
        assert [e["path"] for e in errors] == ["events[0]"]

    def test_naive_utc(self):
        aware = datetime(2026, 11, 20, 10, 0, tzinfo=timezone(timedelta(hours=1)))
        assert naive_utc(aware) == datetime(2026, 11, 20, 9, 0)
        assert naive_utc(datetime(2026, 1, 1)) == datetime(2026, 1, 1)

    def test_key_conflicts(self):
        items = [
            (0, "a", "h1"),
            (1, "b", "h2"),
            (2, "a", "h1"),
            (3, "a", "h3"),
            (4, "b", "x"),
        ]
        assert key_conflicts(items) == {3: 0, 4: 1}
        assert key_conflicts([]) == {}

    def test_parse_json_refuses_values_no_field_can_hold_with_their_paths(self):
        for body, paths in [
            # Text PostgreSQL cannot store, in values and in names.
            (rb'{"a":"x\u0000y"}', ["a"]),
            (rb'{"a":["ok","\ud800"]}', ["a[1]"]),
            (rb'{"a":{"b\u0000":1}}', ["a.b\\u0000"]),
            (rb'{"events":[{"id":"e\uDFFF"}]}', ["events[0].id"]),
            # Integers past Python's string limit (json.loads would raise) and
            # numbers that overflow to infinity.
            (b'{"v":' + b"9" * 5000 + b"}", ["v"]),
            (b'{"v":[1,-' + b"9" * 200 + b"]}", ["v[1]"]),
            (b'{"v":1e400}', ["v"]),
            (b'{"v":' + b"9" * 5000 + b".5}", ["v"]),
        ]:
            with self.subTest(body=body, paths=paths):
                problem = problem_of(body)
                assert (problem.code, problem.slug) == (422, "validation-failed")
                assert sorted(e["path"] for e in problem.errors) == paths
                problem.body()  # encodes: a quoted surrogate is no 500

    def test_parse_json_keeps_an_escaped_backslash_and_long_decimals(self):
        assert parse_json(rb'{"a":"\\u0000"}') == {"a": "\\u0000"}
        assert parse_json(b'{"a":12345678901234567890.25}') == {
            "a": 12345678901234567890.25
        }
