"""Dedupe keys and period arithmetic, without a database."""

from datetime import date

import pytest

from odoo.tests import BaseCase

from odoo.addons.pss_project.lib.dedupe import (
    email_domain,
    name_key,
    normalize_name,
    normalize_vat,
)
from odoo.addons.pss_project.lib.hierarchy import parent_cycles
from odoo.addons.pss_project.lib.periods import effective_index, month_periods


class TestLib(BaseCase):
    def test_vat_is_compared_without_spaces_dots_or_case(self):
        assert normalize_vat("de 129.273-398") == "DE129273398"
        assert normalize_vat("CHE-123.456.789 MWST") == "CHE123456789MWST"
        assert normalize_vat("") is None
        assert normalize_vat(None) is None
        assert normalize_vat(" - ") is None

    def test_names_drop_case_accents_punctuation_and_legal_forms(self):
        assert normalize_name("Müller Maschinenbau GmbH") == "muller maschinenbau"
        assert normalize_name("MULLER MASCHINENBAU") == "muller maschinenbau"
        assert normalize_name("Acme, Inc.") == "acme"
        assert normalize_name("Smith & Sons Ltd") == "smith and sons"
        assert normalize_name("") == ""

    def test_email_domain_ignores_free_mail_and_garbage(self):
        assert email_domain("AP@Contoso.Example") == "contoso.example"
        assert email_domain("jane@gmail.com") is None
        assert email_domain("no-at-sign") is None
        assert email_domain("x@localhost") is None
        assert name_key("ap@contoso.example", "CONTOSO Ltd") == (
            "contoso.example",
            "contoso",
        )
        assert name_key("jane@gmail.com", "Jane") is None
        assert name_key("ap@contoso.example", "GmbH") is None

    def test_month_periods_run_from_the_start_day(self):
        assert month_periods(date(2026, 1, 15), date(2026, 4, 14)) == [
            (date(2026, 1, 15), date(2026, 2, 14)),
            (date(2026, 2, 15), date(2026, 3, 14)),
            (date(2026, 3, 15), date(2026, 4, 14)),
        ]
        assert month_periods(date(2026, 1, 31), date(2026, 3, 1)) == [
            (date(2026, 1, 31), date(2026, 2, 27)),
            (date(2026, 2, 28), date(2026, 3, 30)),
        ]
        assert month_periods(date(2026, 1, 1)) == [
            (date(2026, 1, 1), date(2026, 1, 31))
        ]
        with pytest.raises(ValueError):
            month_periods(date(2000, 1, 1), date(2026, 1, 1))

    def test_effective_index_picks_the_rate_in_force(self):
        spans = [(date(2026, 3, 1), date(2026, 3, 14)), (date(2026, 3, 15), False)]
        assert effective_index(spans, date(2026, 3, 14)) == 0
        assert effective_index(spans, date(2026, 3, 15)) == 1
        assert effective_index(spans, date(2027, 1, 1)) == 1
        assert effective_index(spans, date(2026, 1, 1)) == 0, "before: the first rate"
        assert effective_index([(None, None)], date(2026, 1, 1)) == 0
        assert effective_index([], date(2026, 1, 1)) is None

    def test_parent_cycles_finds_self_parents_and_loops_only(self):
        assert parent_cycles({}) == []
        assert parent_cycles({"A": None, "B": "A", "C": "B"}) == []
        assert parent_cycles({"A": "A"}) == [["A"]]
        assert parent_cycles({"B": "A", "A": "B"}) == [["A", "B"]]
        # C leads into the A-B loop without being on it; D-E-F is another loop.
        found = parent_cycles(
            {"C": "A", "A": "B", "B": "A", "D": "E", "E": "F", "F": "D"}
        )
        assert sorted(found) == [["A", "B"], ["D", "E", "F"]]
        # A parent outside the graph ends the walk.
        assert parent_cycles({"A": "X", "B": "A"}) == []
