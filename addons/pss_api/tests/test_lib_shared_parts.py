"""Pure parts shared by the API's routes: bearer tokens, the metrics token,
the Idempotency-Key header, Retry-After, the metric families of the queue
and of the requests (without a database)."""

import hashlib

from odoo.tests import BaseCase

from odoo.addons.pss_api.lib.credentials import bearer_token, token_matches
from odoo.addons.pss_api.lib.intake import MAX_IDEMPOTENCY_KEY, check_idempotency_key
from odoo.addons.pss_api.lib.metrics import (
    ACCEPT_HISTOGRAM,
    api_families,
    format_exposition,
    queue_families,
)
from odoo.addons.pss_api.lib.problem import (
    RETRY_AFTER_BUSY,
    RETRY_AFTER_KEYS,
    RETRY_AFTER_UNAVAILABLE,
    ApiProblem,
    retry_after,
)


class TestBearerToken(BaseCase):
    def test_only_a_bearer_scheme_gives_a_token(self):
        assert bearer_token("Bearer abc") == "abc"
        assert bearer_token("bearer   abc  ") == "abc"
        assert bearer_token("BEARER abc") == "abc"
        for header in (None, "", "Bearer", "Bearer ", "Basic abc", "abc"):
            assert bearer_token(header) == "", header

    def test_the_metrics_token_in_clear_or_as_its_sha256(self):
        digest = hashlib.sha256(b"mon-1").hexdigest()
        assert token_matches("mon-1", "mon-1")
        assert not token_matches("mon-2", "mon-1")
        assert token_matches("mon-1", f"sha256:{digest}")
        assert token_matches("mon-1", f"sha256:{digest.upper()}")
        assert not token_matches("mon-2", f"sha256:{digest}")
        # The hash itself is not the token.
        assert not token_matches(digest, f"sha256:{digest}")


class TestIdempotencyKey(BaseCase):
    def test_absent_stripped_or_refused(self):
        assert check_idempotency_key(None) is None
        assert check_idempotency_key("  k-1 ") == "k-1"
        assert check_idempotency_key("x" * MAX_IDEMPOTENCY_KEY) == "x" * 255
        for value in ("", "   ", "x" * 256, "a\nb", "a\x00b"):
            try:
                check_idempotency_key(value)
            except ApiProblem as problem:
                assert problem.code == 400
                assert problem.errors == [
                    {"path": "headers.Idempotency-Key", "message": "invalid"}
                ]
            else:
                raise AssertionError(f"accepted {value!r}")


class TestRetryAfter(BaseCase):
    def test_header_of_each_cause(self):
        assert retry_after(RETRY_AFTER_BUSY) == {"Retry-After": "1"}
        assert retry_after(RETRY_AFTER_UNAVAILABLE) == {"Retry-After": "5"}
        assert retry_after(RETRY_AFTER_KEYS) == {"Retry-After": "30"}


class TestMetricFamilies(BaseCase):
    def test_queue_families_by_system_and_direction(self):
        rows = [
            ("crm", "in", "done", 7, 900.0),
            ("crm", "in", "pending", 2, 12.3456),
            ("crm", "in", "retrying", 1, 30.0),
            ("crm", "out", "dead", 1, None),
            ("psa", "in", "running", 3, 5.0),
        ]
        depth, oldest, processed, failed = queue_families(rows)
        assert [(s[1]["state"], s[2]) for s in depth.samples] == [
            ("done", 7),
            ("pending", 2),
            ("retrying", 1),
            ("dead", 1),
            ("running", 3),
        ]
        systems = [(s[1]["system"], s[1]["direction"]) for s in oldest.samples]
        assert systems == [("crm", "in"), ("crm", "out"), ("psa", "in")]
        # Only pending and retrying messages age; rounded to the millisecond.
        assert [s[2] for s in oldest.samples] == [30.0, 0.0, 0.0]
        assert [s[2] for s in processed.samples] == [7, 0, 0]
        assert [s[2] for s in failed.samples] == [0, 1, 0]
        text = format_exposition([depth])
        assert "# TYPE pss_queue_messages gauge" in text

    def test_api_families_sorted_counters_then_the_histogram(self):
        rows = [
            ("pss_api_requests_total", {"endpoint": "events", "status": "202"}, 3),
            ("pss_api_auth_failures_total", {"reason": "bad_key"}, 2),
            ("pss_api_auth_failures_total", {"reason": "archived_system"}, 1),
            (f"{ACCEPT_HISTOGRAM}_count", {"system": "crm", "kind": "single"}, 3),
            (f"{ACCEPT_HISTOGRAM}_sum", {"system": "crm", "kind": "single"}, 0.3),
        ]
        families = api_families(rows)
        assert [f.name for f in families] == [
            "pss_api_auth_failures_total",
            "pss_api_requests_total",
            "pss_api_events_accepted_total",
            ACCEPT_HISTOGRAM,
        ]
        reasons = [s[1]["reason"] for s in families[0].samples]
        assert reasons == ["archived_system", "bad_key"]
        assert families[2].samples == []
        assert families[3].type == "histogram"
