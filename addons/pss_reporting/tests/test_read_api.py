"""The read API over real HTTP: a BI system reads only its companies and
the reports it is allowed; CSV and JSON agree; paging returns each row once."""

import base64
import csv
import io

from odoo.tests import HttpCase, tagged

from odoo.addons.pss_core.tests.common import make_system, make_user, signed_request
from odoo.addons.pss_project.tests.common import unique

from .common import ReportingCase


@tagged("post_install", "-at_install")
class TestReadApi(ReportingCase, HttpCase):
    def setUp(self):
        super().setUp()
        self.seed_quarter()
        user = make_user(
            self.env,
            unique("tech_bi"),
            ["pss_reporting.group_pss_bi_reader"],
            self.company_de,
        )
        self.bi = make_system(self.env, unique("bi"), user, self.company_de)
        self.bi.pss_allowed_reports = "utilization,engagement"
        self.creds = self.bi.issue_credentials()

    def get(self, report, accept="application/json", secret=None, **params):
        creds = dict(self.creds, signing_secret=secret or self.creds["signing_secret"])
        return signed_request(
            self.opener,
            "GET",
            f"{self.base_url()}/pss/v1/{self.bi.code}/reports/{report}",
            creds,
            headers={"Accept": accept},
            params=params,
        )

    def read_all(self, report, **params):
        rows, cursor, pages = [], None, 0
        while True:
            query = dict(params, **({"cursor": cursor} if cursor else {}))
            response = self.get(report, **query)
            self.assertEqual(response.status_code, 200, response.text)
            document = response.json()
            rows += document["rows"]
            pages += 1
            cursor = document["next_cursor"]
            if not cursor:
                return rows, pages

    def test_only_its_companies_and_allowed_reports(self):
        rows, _pages = self.read_all("engagement")
        self.assertTrue(rows)
        self.assertEqual({r["company_id"] for r in rows}, {self.company_de.id})
        self.assertEqual({r["entity"] for r in rows}, {self.company_de.pss_entity_code})
        expected = self.env["pss.report.engagement"].search(
            [("company_id", "=", self.company_de.id)]
        )
        self.assertEqual(sorted(r["id"] for r in rows), sorted(expected.ids))
        april = next(
            r
            for r in rows
            if r["order_id"] == self.order_de.id and r["month"] == "2026-04-01"
        )
        self.assertEqual(april["realization"], 90.0)
        self.assertEqual(april["revenue_invoiced"], 1890.0)

        self.assertEqual(self.get("backlog").status_code, 403)
        self.assertEqual(self.get("wip").status_code, 403)
        self.assertEqual(self.get("nothing").status_code, 404)
        response = self.get("engagement", entity=self.company_us.pss_entity_code)
        self.assertEqual(response.status_code, 403, response.text)
        self.assertEqual(self.get("engagement", secret="wrong").status_code, 403)
        self.assertEqual(self.get("engagement", cursor="forged!").status_code, 400)
        self.assertEqual(self.get("engagement", date_from="April").status_code, 400)
        # Dates filter the months.
        rows, _pages = self.read_all(
            "engagement", date_from="2026-05-01", date_to="2026-05-31"
        )
        self.assertEqual({r["month"] for r in rows}, {"2026-05-01"})

    def test_hostile_query_parameters_are_400_never_500(self):
        """Text PostgreSQL cannot store, digits of other scripts and numbers
        past Python's int-string limit in the query are refused with the
        parameter's path."""
        for params in (
            {"entity": "DE\x00"},
            {"limit": "\u0663"},  # ARABIC-INDIC DIGIT THREE: isdigit() is True
            {"limit": "\u00b2"},  # SUPERSCRIPT TWO: isdigit() but no int()
            {"limit": "9" * 5000},
            {"date_from": "2026-05-01\x00"},
        ):
            with self.subTest(params=params):
                response = self.get("engagement", **params)
                self.assertEqual(response.status_code, 400, response.text)
                (name,) = params
                self.assertEqual(response.json()["errors"][0]["path"], f"query.{name}")

    def test_forged_cursors_are_400_never_500(self):
        """A cursor is opaque, not trusted: a JSON true (an int to Python), an
        id past PostgreSQL's integer or a document nested too deep to read."""

        def forged(text):
            return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

        for text in (
            '{"after": true}',
            f'{{"after": {2**70}}}',
            f'{{"after": {2**31}}}',
            '{"after": -1}',
            '{"after": 1.5}',
            '{"after": ' + "[" * 5000 + "]" * 5000 + "}",
            '{"after": ' + '{"a": ' * 3000 + "1" + "}" * 3000 + "}",
        ):
            with self.subTest(cursor=text[:40]):
                response = self.get("engagement", cursor=forged(text))
                self.assertEqual(response.status_code, 400, response.text)
                self.assertEqual(response.json()["errors"][0]["path"], "query.cursor")
        # The largest id is still a cursor (an empty page).
        response = self.get("engagement", cursor=forged(f'{{"after": {2**31 - 1}}}'))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["rows"], [])

    def test_csv_and_json_agree_and_paging_returns_each_row_once(self):
        rows, pages = self.read_all("utilization", limit="2")
        ids = [r["id"] for r in rows]
        self.assertEqual(len(ids), len(set(ids)), "a row served twice")
        expected = self.env["pss.report.utilization"].search(
            [("company_id", "=", self.company_de.id)]
        )
        self.assertEqual(sorted(ids), sorted(expected.ids))
        self.assertEqual(pages, max(1, -(-len(ids) // 2)))

        response = self.get("utilization", accept="text/csv", limit="5000")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("text/csv"))
        self.assertNotIn("X-PSS-Next-Cursor", response.headers)
        table = list(csv.DictReader(io.StringIO(response.text)))
        self.assertEqual(len(table), len(rows))
        by_id = {r["id"]: r for r in rows}
        for line in table:
            row = by_id[int(line["id"])]
            self.assertEqual(set(line), set(row))
            for key, value in row.items():
                self.assertEqual(line[key], "" if value is None else str(value), key)

    def test_openapi_describes_the_reports(self):
        response = self.opener.get(f"{self.base_url()}/pss/v1/openapi.json")
        self.assertEqual(response.status_code, 200)
        path = response.json()["paths"]["/pss/v1/{system}/reports/{report}"]
        self.assertIn("utilization", path["get"]["parameters"][1]["schema"]["enum"])
