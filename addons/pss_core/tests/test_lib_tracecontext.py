"""W3C traceparent: parsed, formatted and continued, without a database."""

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase

from odoo.addons.pss_core.lib.tracecontext import (
    TraceParent,
    child_traceparent,
    continue_or_new,
    format_traceparent,
    new_traceparent,
    parse_traceparent,
    trace_id_of,
)

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
VALID = f"00-{TRACE}-{SPAN}-01"


class TestLibTraceContext(BaseCase):
    def test_the_spec_example_parses(self):
        parent = parse_traceparent(VALID)
        assert parent == TraceParent(TRACE, SPAN, "01")
        assert parent.sampled
        assert str(parent) == VALID
        assert not parse_traceparent(f"00-{TRACE}-{SPAN}-00").sampled
        # Optional whitespace around the value (OWS) is not part of it.
        assert parse_traceparent(f" {VALID}\t") == parent

    def test_invalid_values_are_ignored(self):
        for value in [
            None,
            "",
            42,
            "00",
            VALID.upper(),  # hex is lowercase
            f"00-{'0' * 32}-{SPAN}-01",  # all-zero trace id
            f"00-{TRACE}-{'0' * 16}-01",  # all-zero parent id
            f"ff-{TRACE}-{SPAN}-01",  # version ff is invalid
            f"00-{TRACE}-{SPAN}-01-extra",  # version 00 has four fields
            f"00-{TRACE}-{SPAN}-1",
            f"00-{TRACE[:-1]}-{SPAN}-01",
            f"00-{TRACE}x-{SPAN}-01",
            f"0-{TRACE}-{SPAN}-01",
            f"00_{TRACE}_{SPAN}_01",
            f"00-{TRACE}-{SPAN}-0g",
            VALID + "x" * 600,
        ]:
            with self.subTest(value=value):
                assert parse_traceparent(value) is None
                assert trace_id_of(value) is None

    def test_a_future_version_is_read_and_continued_as_00(self):
        assert parse_traceparent(f"01-{TRACE}-{SPAN}-01-what-ever") == TraceParent(
            TRACE, SPAN, "01"
        )
        assert parse_traceparent(f"cc-{TRACE}-{SPAN}-09") == TraceParent(
            TRACE, SPAN, "09"
        )
        # After the flags a higher version needs a dash, not more digits.
        assert parse_traceparent(f"01-{TRACE}-{SPAN}-01x") is None
        assert continue_or_new(f"01-{TRACE}-{SPAN}-01-x") == VALID

    def test_child_keeps_trace_and_flags_with_a_new_parent(self):
        for flags in ("01", "00"):
            value = f"00-{TRACE}-{SPAN}-{flags}"
            child = parse_traceparent(child_traceparent(value))
            assert child.trace_id == TRACE
            assert child.flags == flags
            assert child.parent_id != SPAN
            assert child.parent_id != "0" * 16
        # Two children of one parent have parent ids of their own.
        assert child_traceparent(VALID) != child_traceparent(VALID)

    def test_a_missing_or_invalid_parent_starts_a_new_trace(self):
        for value in (None, "garbage", f"00-{'0' * 32}-{SPAN}-01"):
            with self.subTest(value=value):
                child = parse_traceparent(child_traceparent(value))
                assert child is not None and child.sampled
                assert child.trace_id != TRACE
                fresh = parse_traceparent(continue_or_new(value))
                assert fresh is not None
        assert continue_or_new(VALID) == VALID
        assert trace_id_of(new_traceparent()) != trace_id_of(new_traceparent())
        assert not parse_traceparent(new_traceparent(sampled=False)).sampled

    def test_format_takes_integers_as_opentelemetry_gives_them(self):
        assert format_traceparent(int(TRACE, 16), int(SPAN, 16), 1) == VALID
        assert format_traceparent(1, 2, 0) == f"00-{1:032x}-{2:016x}-00"

    @settings(database=None)
    @given(st.text(max_size=120))
    def test_parse_never_raises_and_what_it_reads_formats_back(self, value):
        parent = parse_traceparent(value)
        if parent is not None:
            assert parse_traceparent(str(parent)) == parent
        assert parse_traceparent(child_traceparent(value)) is not None
