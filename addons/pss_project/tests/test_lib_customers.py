"""The customer upsert's decisions, without a database."""

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase

from ..lib.customers import (
    CustomerErrors,
    creation_rounds,
    group_new,
    missing_parents,
)


class TestCustomerDecisions(BaseCase):
    def test_a_problem_replaces_a_wait(self):
        errors = CustomerErrors()
        errors.wait("C-1", "P-1")
        assert "C-1" in errors and errors.waiting == {"C-1": "P-1"}
        errors.problem("C-1", "parent_external_id", "cycle")
        errors.problem("C-1", "country", "unknown")
        assert errors.waiting == {}
        assert errors.problems == {
            "C-1": [("parent_external_id", "cycle"), ("country", "unknown")]
        }
        assert "C-2" not in errors

    def test_missing_parents(self):
        cases = [
            # (parent_of, batch, bound, failing, waiting)
            ({"A": None}, {"A"}, set(), set(), {}),
            ({"A": "P"}, {"A"}, {"P"}, set(), {}),  # bound parent
            ({"A": "P"}, {"A"}, set(), set(), {"A": "P"}),  # unknown parent
            ({"A": "B", "B": None}, {"A", "B"}, set(), set(), {}),  # in batch
            ({"A": "B", "B": None}, {"A", "B"}, set(), {"B"}, {"A": "B"}),
            # a wait is passed down the chain, whatever the order
            (
                {"A": "B", "B": "C", "C": "P"},
                {"A", "B", "C"},
                set(),
                set(),
                {"A": "B", "B": "C", "C": "P"},
            ),
            ({"A": "P"}, {"A"}, set(), {"A"}, {}),  # failing already
        ]
        for parent_of, batch, bound, failing, waiting in cases:
            with self.subTest(parent_of=parent_of, failing=failing):
                assert missing_parents(parent_of, batch, bound, failing) == waiting

    def test_group_new_links_matches_and_groups_shared_keys(self):
        unbound = ["A", "B", "C", "D", "E"]
        vat_keys = {"A": "DE1", "B": "DE2", "C": "DE2", "D": None, "E": None}
        name_keys = {"C": ("x.example", "x"), "D": ("x.example", "x"), "E": None}
        matches, groups = group_new(
            unbound, vat_keys, name_keys, by_vat={"DE1": 7}, by_name={}
        )
        assert matches == {"A": 7}
        # B and C share a VAT, C and D an e-mail domain + name: one partner
        assert groups == [["B", "C", "D"], ["E"]]
        matches, groups = group_new(
            ["D"], {"D": None}, {"D": ("x.example", "x")}, {}, {("x.example", "x"): 9}
        )
        assert (matches, groups) == ({"D": 9}, [])

    def test_creation_rounds_put_parents_first(self):
        groups = [["C"], ["B"], ["A"], ["X"], ["Y"]]
        parent_of = {"A": None, "B": "A", "C": "B", "X": "Y", "Y": "X"}
        rounds, stuck = creation_rounds(groups, parent_of, known=set())
        assert rounds == [[["A"]], [["B"]], [["C"]]]
        assert stuck == [["X"], ["Y"]]
        rounds, stuck = creation_rounds([["B"]], {"B": "P"}, known={"P"})
        assert (rounds, stuck) == ([[["B"]]], [])

    @given(
        st.dictionaries(
            st.sampled_from("ABCDEFGH"),
            st.one_of(st.none(), st.sampled_from("ABCDEFGHPQ")),
            min_size=1,
        )
    )
    def test_every_group_is_made_after_its_parent_or_is_stuck(self, parent_of):
        groups = [[ext] for ext in parent_of]
        rounds, stuck = creation_rounds(groups, parent_of, known={"P"})
        made = [g for r in rounds for g in r]
        assert sorted(map(tuple, made + stuck)) == sorted(map(tuple, groups))
        position = {g[0]: n for n, r in enumerate(rounds) for g in r}
        for ext, n in position.items():
            parent = parent_of[ext]
            assert not parent or parent == "P" or position.get(parent, n) < n
            assert not parent or parent == "P" or parent in position
