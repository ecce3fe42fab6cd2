"""Every figure of the finance control dashboard and of the management
dashboard equals the sum (or count) of the records its button opens, read
as the user who sees the figure, in one currency: for the group (a finance
user of every entity) and for a finance user of one entity, on a seeded
month with three currencies (EUR, USD, GBP), a draft invoice waiting for
approval, variances, an intercompany mismatch and a dead message.

The test walks the buttons the dashboards' views define (the kanban card's
tiles, the management form's buttons), so a new button is covered as soon
as it is in the view; a figure it cannot relate to its records fails."""

import datetime

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo.osv import expression
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.pss_billing.tests.common import APRIL, MAY
from odoo.addons.pss_reconcile.tests.common import (
    ReconcileMixin,
    add_reconcile_fixtures,
)
from odoo.addons.pss_reporting.models.pss_report import ratio
from odoo.addons.pss_reporting.tests.common import MONTHS, ReportingCase

# Management dashboard figures named otherwise than the field they add up.
BOARD_ALIASES = {
    "backlog": ("sum", "remaining_group"),
    "wip": ("sum", "value_sale_group"),
    "wip_oldest": ("min", "oldest_date"),
    "wip_to_approve": ("sum", "value_sale_group"),
}
# Finance control dashboard: figure -> (aggregate, field of the records).
CARD_FIGURES = {
    "unbilled_value": ("sum", "value_sale"),
    "unbilled_value_group": ("sum", "value_sale_group"),
    "unbilled_hours": ("sum", "hours"),
    "unbilled_oldest_days": ("age", "oldest_date"),
    "draft_value": ("sum", "value_sale"),
    "draft_value_group": ("sum", "value_sale_group"),
    "draft_hours": ("sum", "hours"),
    "last_signed_run_id": ("latest", "signed_at"),
}
# Close-screen figures of the group that add up its entities' (the others,
# intercompany runs and balances, concern two entities at once).
GROUP_SUMS = (
    "message_count",
    "unbilled_count",
    "unbilled_hours",
    "billing_run_count",
    "draft_invoice_count",
    "recon_run_count",
    "variance_count",
    "signed_count",
    "blocking_draft_count",
)
# Not figures: what the figures are in.
NOT_FIGURES = {
    "month",
    "currency_id",
    "group_currency_id",
    "company_id",
    "display_name",
}


def eval_context(env):
    return {
        "uid": env.uid,
        "context_today": datetime.date.today,
        "datetime": datetime,
        "relativedelta": relativedelta,
        "allowed_company_ids": env.companies.ids,
    }


def search_defaults(Model, context, search_view_id=None):
    """The domain of the ``search_default_*`` filters of ``context`` on the
    model's search view, as the web client applies them (filters of one
    group OR-ed, groups AND-ed)."""
    wanted = {
        key[len("search_default_") :]
        for key, value in context.items()
        if key.startswith("search_default_") and value
    }
    if not wanted:
        return []
    views = Model.get_views([(search_view_id, "search")])
    arch = etree.fromstring(views["views"]["search"]["arch"])
    groups, current = [], []
    for node in arch.iter("filter", "separator", "field", "group"):
        if node.tag != "filter":
            if current:
                groups.append(current)
            current = []
            if node.tag == "field" and node.get("name") in wanted:
                raise AssertionError(f"search default on a field: {node.get('name')}")
            continue
        if node.get("name") in wanted:
            if node.get("date"):
                raise AssertionError(f"date filter {node.get('name')} as a default")
            if node.get("domain"):
                current.append(safe_eval(node.get("domain"), eval_context(Model.env)))
    if current:
        groups.append(current)
    return expression.AND([expression.OR(group) for group in groups])


def opened(env, action):
    """The records an action opens for ``env``'s user: its domain, its
    context's search defaults, the user's record rules."""
    domain = action.get("domain") or []
    if isinstance(domain, str):
        domain = safe_eval(domain, eval_context(env))
    context = action.get("context") or {}
    if isinstance(context, str):
        context = safe_eval(context, eval_context(env))
    Model = env[action["res_model"]].with_context(
        **{
            k: v
            for k, v in context.items()
            if not k.startswith(("search_", "default_"))
        }
    )
    search_view = action.get("search_view_id")
    if isinstance(search_view, (list, tuple)):
        search_view = search_view[0]
    domain = expression.AND(
        [domain, search_defaults(Model, context, search_view or None)]
    )
    return Model.search(domain)


@tagged("post_install", "-at_install")
class TestFiguresAgree(ReconcileMixin, ReportingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_reconcile_fixtures(cls)
        cls.add_gbp_entity()

    def setUp(self):
        super().setUp()
        self.seed_quarter()
        self.seed_gbp()
        # May in DE: a draft invoice waiting for finance.
        self.company_de.pss_approval_required = True
        self.draft = self.run_billing(MAY, self.company_de).invoice_ids
        self.assertEqual(self.draft.state, "draft")
        # April in DE: the PSA's totals disagree on the engagement and name
        # one Odoo does not have; the run is signed off and run again.
        self.totals(
            [
                {"engagement_external_id": self.eng_de, "hours": "20"},
                {"engagement_external_id": "ENG-MISSING", "hours": "3"},
            ],
            period=APRIL,
        )
        run = self.reconcile(APRIL)
        # Signed off with its variances open: the controller's override.
        run.with_user(self.biller).override_reason = "Followed up in May"
        run.with_user(self.biller).action_sign_off()
        self.reconcile(APRIL)
        self.ic_balance(1000.0, 900.0)
        dead = self.post(
            self.psa,
            "control.totals",
            {"date_from": "2026-04-30", "date_to": "2026-04-01", "version": 1},
            self.company_de,
        )
        self.process()
        self.assertEqual(dead.state, "dead")
        self.env.flush_all()

    def users(self):
        return (
            (self.ic_user, self.companies),
            (self.biller, self.company_de),
        )

    def env_of(self, user, companies):
        return self.env(
            user=user,
            context=dict(self.env.context, allowed_company_ids=companies.ids),
        )

    # ------------------------------------------------------------------
    def expected(self, aggregate, name, records):
        if aggregate == "count":
            return len(records)
        values = records.mapped(name)
        if aggregate == "sum":
            return sum(values)
        if aggregate == "min":
            return min(values, default=False)
        if aggregate == "age":
            oldest = min(values, default=None)
            today = datetime.date.today()
            return (today - oldest).days if oldest else 0
        if aggregate == "latest":
            return records.sorted(lambda r: (r[name], r.id))[-1:]
        raise AssertionError(aggregate)

    def assertFigure(self, where, figure, actual, expected):
        if isinstance(expected, float) or isinstance(actual, float):
            self.assertAlmostEqual(actual, expected, places=2, msg=where)
        else:
            self.assertEqual(actual, expected, where)

    def test_finance_control_dashboard(self):
        Card = self.env["pss.recon.dashboard"]
        arch = etree.fromstring(
            Card.get_views([(False, "kanban")])["views"]["kanban"]["arch"]
        )
        buttons = [
            (safe_eval(b.get("context"))["tile"], b)
            for b in arch.iter("button")
            if b.get("name") == "action_open_tile"
        ]
        self.assertGreaterEqual(len(buttons), 7)
        walked = 0
        for user, companies in self.users():
            env = self.env_of(user, companies)
            cards = env["pss.recon.dashboard"].search([])
            self.assertEqual(cards.company_id, companies)
            for card in cards:
                for tile, button in buttons:
                    action = card.with_context(tile=tile).action_open_tile()
                    records = opened(env, action)
                    figures = [
                        f.get("name")
                        for f in button.iter("field")
                        if f.get("name") not in NOT_FIGURES
                    ]
                    self.assertTrue(figures, tile)
                    for figure in figures:
                        where = f"{user.login} {card.company_id.name} {tile} {figure}"
                        if figure.endswith("_count"):
                            aggregate, name = "count", None
                        else:
                            self.assertIn(figure, CARD_FIGURES, where)
                            aggregate, name = CARD_FIGURES[figure]
                        if aggregate == "sum" and name in ("value_sale",):
                            # Company currency: the records are in one.
                            self.assertLessEqual(len(records.currency_id), 1, where)
                            if records:
                                self.assertEqual(
                                    records.currency_id, card.currency_id, where
                                )
                        self.assertFigure(
                            where,
                            figure,
                            card[figure],
                            self.expected(aggregate, name, records),
                        )
                        walked += 1
        # Something to see: DE has unbilled time, variances, a mismatch, a
        # dead message and a signed-off run.
        de = self.env_of(self.biller, self.company_de)["pss.recon.dashboard"].search([])
        self.assertTrue(de.unbilled_hours)
        self.assertEqual(de.draft_hours, 12.5, "May's draft invoice")
        self.assertTrue(de.open_variance_count)
        self.assertTrue(de.ic_mismatch_count)
        self.assertTrue(de.failed_message_count)
        self.assertTrue(de.last_signed_run_id)
        self.assertGreater(walked, 40)

    def test_management_dashboard(self):
        Board = self.env["pss.report.dashboard"]
        arch = etree.fromstring(
            Board.get_views([(False, "form")])["views"]["form"]["arch"]
        )
        shown = {
            f.get("name")
            for f in arch.iter("field")
            if f.get("name") not in NOT_FIGURES
        }
        scopes = []
        for button in arch.iter("button"):
            if button.get("type") != "object":
                continue
            inside = [f.get("name") for f in button.iter("field")]
            scope = inside or [f.get("name") for f in button.getparent().iter("field")]
            scopes.append(
                (
                    button.get("name"),
                    safe_eval(button.get("context") or "{}"),
                    [f for f in scope if f not in NOT_FIGURES],
                )
            )
        self.assertTrue(scopes)
        covered = {figure for _method, _ctx, figures in scopes for figure in figures}
        # Every figure shown has a button that opens its records.
        self.assertEqual(shown - covered, set(), "figures without a button")
        may = MONTHS[1]
        for user, companies in self.users():
            env = self.env_of(user, companies)
            board = env["pss.report.dashboard"].create({"month": may})
            self.assertEqual(board.currency_id, self.eur)
            for method, context, figures in scopes:
                if not figures:
                    continue  # navigation (previous / next month)
                action = getattr(board.with_context(**context), method)()
                records = opened(env, action)
                Model = records.browse()
                for figure in figures:
                    where = f"{user.login} {method} {figure}"
                    field = Model._fields
                    if figure in BOARD_ALIASES:
                        aggregate, name = BOARD_ALIASES[figure]
                        expected = self.expected(aggregate, name, records)
                    elif f"{figure}_group" in field:
                        expected = sum(records.mapped(f"{figure}_group"))
                    elif figure in getattr(Model, "_pss_ratios", {}):
                        num, den = Model._pss_ratios[figure]
                        expected = ratio(
                            sum(records.mapped(num)), sum(records.mapped(den))
                        )
                    elif figure in field and field[figure].type in (
                        "float",
                        "integer",
                    ):
                        expected = sum(records.mapped(figure))
                    else:
                        raise AssertionError(f"no rule for {where}")
                    if f"{figure}_group" in field:
                        # One currency: the group's.
                        self.assertLessEqual(
                            records.group_currency_id, board.currency_id, where
                        )
                    self.assertFigure(where, figure, board[figure], expected)
            # Something to see: the month's revenue has three currencies, the
            # draft is in it, and unbilled time is there.
            if user == self.ic_user:
                self.assertTrue(board.revenue)
                self.assertTrue(board.wip)
                rows = env["pss.report.engagement"].search([("month", "=", may)])
                self.assertEqual(rows.currency_id, self.eur | self.usd | self.gbp)
                self.assertTrue(sum(rows.mapped("revenue_draft_group")))

    def test_close_screen(self):
        """The month-end close's checklist: every figure inside a button of
        its form equals the count (or the hours) of what the button opens,
        for April (signed off and run again: the new run is the current one,
        not signed; a mismatch, a dead message)
        and May (a draft waiting for approval), per entity and for the
        group."""
        Close = self.env["pss.close"]
        arch = etree.fromstring(
            Close.get_views([(False, "form")])["views"]["form"]["arch"]
        )
        scopes = []
        for button in arch.iter("button"):
            inside = [f.get("name") for f in button.iter("field")]
            if button.get("type") != "object" or not inside:
                continue
            context = safe_eval(button.get("context") or "{}")
            scopes.append((button.get("name"), context, inside))
        self.assertGreaterEqual(len(scopes), 10)
        walked = 0
        seen = set()
        for user, companies in self.users():
            env = self.env_of(user, companies)
            for period in (APRIL, MAY):
                closes = env["pss.close"]._pss_get_or_create(companies, *period)
                self.assertEqual(closes.company_id, companies)
                # The group's close: every figure is also what its button
                # opens, and the entities' figures added up (a pair's
                # intercompany run or balance is one record, counted once).
                group = env["pss.close"]._pss_get_or_create_group(*period)
                for figure in GROUP_SUMS:
                    where = f"{user.login} {group.name} {figure} = sum of entities"
                    self.assertFigure(
                        where, figure, group[figure], sum(closes.mapped(figure))
                    )
                closes |= group
                for close in closes:
                    for method, context, figures in scopes:
                        action = getattr(close.with_context(**context), method)()
                        records = opened(env, action)
                        for figure in figures:
                            where = f"{user.login} {close.name} {context} {figure}"
                            if figure.endswith("_count"):
                                expected = len(records)
                            else:
                                self.assertEqual(figure, "unbilled_hours", where)
                                expected = sum(records.mapped("hours"))
                            self.assertFigure(where, figure, close[figure], expected)
                            if close[figure]:
                                seen.add(figure)
                            walked += 1
        # Something to see: DE's April and May hold each kind of step.
        self.assertLessEqual(
            {
                "message_count",
                "unbilled_count",
                "unbilled_hours",
                "draft_invoice_count",
                "billing_run_count",
                "ic_mismatch_count",
                "recon_run_count",
                "variance_count",
                "ic_run_count",
                "blocking_draft_count",
            },
            seen,
        )
        self.assertGreater(walked, 40)
