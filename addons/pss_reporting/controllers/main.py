"""Read API for BI platforms and data warehouses (DESIGN §8).

``GET /pss/v1/<system>/reports/<name>?entity=&date_from=&date_to=&cursor=``
with the system's API key and ``X-PSS-Signature`` over ``"<t>."`` and an
empty body (as every signed GET of pss_api). The route extends pss_api's
controller: authentication, signature, technical user and rate limit are
pss_api's functions (controllers/auth.py, ``signed_get``), problem documents
and counting its controller's. Rows are read as the system's
technical user (record rules apply) and only in the system's companies,
keyset-paged by id.
"""

import json
import re
from datetime import date

from odoo.http import request

from odoo.addons.pss_api.controllers import auth
from odoo.addons.pss_api.controllers.main import (
    API,
    PssApiController,
    json_document_response,
    pss_route,
)
from odoo.addons.pss_api.lib.problem import ApiProblem
from odoo.addons.pss_core.schemas.common import text_problem

from ..lib.weeks import decode_cursor, encode_cursor, to_csv
from ..models.pss_system import REPORTS

DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
# Columns of pss_billing's WIP view (not a model of this addon).
WIP_COLUMNS = (
    "id",
    "company_id",
    "partner_id",
    "order_id",
    "approved",
    "age_bucket",
    "oldest_date",
    "hours",
    "value_sale",
    "value_cost",
    "currency_id",
    "line_count",
)
# The date each report is filtered on by date_from / date_to.
DATE_FIELDS = {
    "utilization": "month",
    "engagement": "month",
    "wip": "oldest_date",
}


_LIMIT = re.compile(r"[0-9]{1,6}")


def _bad(path, message):
    raise ApiProblem(
        400,
        "malformed-request",
        f"{path}: {message}",
        errors=[{"path": f"query.{path}", "message": message}],
    )


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if value is False:
        return None
    return value


class PssReportingController(PssApiController):
    @pss_route(f"{API}/<string:system_code>/reports/<string:report>", ["GET"])
    def pss_get_report(self, system_code, report, **params):
        return self._pss_serve("report", self._pss_get_report, system_code, report)

    def _pss_get_report(self, system_code, report):
        info, system, rate_headers = auth.signed_get(system_code, self._pss_now)
        if report not in REPORTS:
            raise ApiProblem(404, "not-found", f"no report {report!r}")
        if not system._pss_may_read(report):
            raise ApiProblem(
                403,
                "forbidden",
                f"system {system_code!r} may not read the report {report!r}",
            )
        args = request.httprequest.args
        # Query text goes into SQL parameters: what PostgreSQL cannot store
        # is refused here, with the parameter's path, never a 500.
        for name, value in args.items(multi=True):
            problem = text_problem(value)
            if problem:
                _bad(name, problem)
        companies = self._pss_report_companies(info, args.get("entity"))
        after = self._pss_report_cursor(args.get("cursor"))
        limit = self._pss_report_limit(args.get("limit"))
        Model = request.env[REPORTS[report]]
        domain = [("company_id", "in", companies), ("id", ">", after)]
        domain += self._pss_report_dates(report, args)
        columns = self._pss_report_columns(Model)
        rows = Model.search_read(
            domain, columns, limit=limit + 1, order="id", load=None
        )
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = encode_cursor(rows[-1]["id"])
        rows = self._pss_report_rows(companies, columns, rows)
        return self._pss_report_answer(columns, rows, next_cursor, rate_headers)

    @staticmethod
    def _pss_report_dates(report, args):
        """The domain of the ``date_from`` / ``date_to`` parameters."""
        domain = []
        date_field = DATE_FIELDS.get(report)
        for name, operator in (("date_from", ">="), ("date_to", "<=")):
            value = args.get(name)
            if not value:
                continue
            try:
                on = date.fromisoformat(value)
            except ValueError:
                _bad(name, "not an ISO date (YYYY-MM-DD)")
            if not date_field:
                _bad(name, f"the report {report!r} is a snapshot without dates")
            domain.append((date_field, operator, on))
        return domain

    @staticmethod
    def _pss_report_rows(companies, columns, rows):
        """Rows as plain values, the entity code before the company id
        (``columns`` gets that column too)."""
        entity_codes = {
            c.id: c.pss_entity_code
            for c in request.env["res.company"].sudo().browse(companies)
        }
        columns.insert(columns.index("company_id"), "entity")
        return [
            {
                col: (
                    entity_codes.get(row["company_id"])
                    if col == "entity"
                    else _plain(row[col])
                )
                for col in columns
            }
            for row in rows
        ]

    def _pss_report_answer(self, columns, rows, next_cursor, rate_headers):
        """JSON, or CSV when the client accepts it (next cursor in a header)."""
        accept = request.httprequest.headers.get("Accept") or ""
        if "text/csv" in accept:
            body = to_csv(columns, rows).encode()
            headers = [
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
            ]
            if next_cursor:
                headers.append(("X-PSS-Next-Cursor", next_cursor))
            headers += list(rate_headers.items())
            return request.make_response(body, headers=headers)
        return self._pss_json(
            200, {"rows": rows, "next_cursor": next_cursor}, rate_headers
        )

    @staticmethod
    def _pss_report_columns(Model):
        """The report's columns the technical user may read: cost figures
        (fields of group pss_core.group_pss_cost) are left out for a system
        whose user is not given that group."""
        columns = list(getattr(Model, "_pss_api_columns", ()) or WIP_COLUMNS)
        return [
            name
            for name in columns
            if not Model._fields[name].groups
            or Model.user_has_groups(Model._fields[name].groups)
        ]

    def _pss_report_companies(self, info, entity):
        companies = list(info["company_ids"])
        if not entity:
            return companies
        # sudo: the entity code of the system's companies only.
        found = (
            request.env["res.company"]
            .sudo()
            .search([("pss_entity_code", "=", entity), ("id", "in", companies)])
        )
        if not found:
            raise ApiProblem(
                403,
                "entity-not-allowed",
                f"entity {entity!r} is not one of the system's companies",
            )
        return found.ids

    @staticmethod
    def _pss_report_cursor(cursor):
        try:
            return decode_cursor(cursor)
        except ValueError:
            _bad("cursor", "invalid cursor")

    @staticmethod
    def _pss_report_limit(value):
        if not value:
            return DEFAULT_LIMIT
        # ASCII digits only: str.isdigit() takes other scripts' digits and
        # int() of thousands of digits raises.
        if not _LIMIT.fullmatch(value) or not 1 <= int(value) <= MAX_LIMIT:
            _bad("limit", f"an integer from 1 to {MAX_LIMIT}")
        return int(value)

    def _pss_openapi(self):
        """pss_api's document plus the report routes."""
        response = super()._pss_openapi()
        document = json.loads(response.get_data())
        document.setdefault("paths", {})[f"{API}/{{system}}/reports/{{report}}"] = (
            report_path()
        )
        return json_document_response(json.dumps(document, indent=1).encode())


def _param(name, description, required=False, schema=None):
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _report_parameters():
    return [
        {
            "name": "system",
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
        },
        {
            "name": "report",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "enum": list(REPORTS)},
        },
        _param("entity", "Entity code: rows of that company only"),
        _param(
            "date_from",
            "First month / date",
            schema={"type": "string", "format": "date"},
        ),
        _param(
            "date_to",
            "Last month / date",
            schema={"type": "string", "format": "date"},
        ),
        _param("cursor", "next_cursor of the previous page"),
        _param(
            "limit",
            f"Rows per page (1 to {MAX_LIMIT})",
            schema={"type": "integer"},
        ),
    ]


def _report_responses():
    return {
        "200": {
            "description": "Rows of the system's companies; CSV with "
            "Accept: text/csv (next cursor in X-PSS-Next-Cursor)",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["rows", "next_cursor"],
                        "properties": {
                            "rows": {
                                "type": "array",
                                "items": {"type": "object"},
                            },
                            "next_cursor": {"type": ["string", "null"]},
                        },
                    }
                },
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        "400": {"description": "Bad query parameter"},
        "401": {"description": "No API key, or an unknown or revoked one"},
        "403": {
            "description": "Bad signature, report not allowed for the "
            "system, or entity outside its companies"
        },
        "404": {"description": "Unknown report"},
        "429": {"description": "Rate limit exceeded"},
    }


def report_path():
    """OpenAPI path item of the read API."""
    return {
        "get": {
            "summary": "Read a KPI report (JSON or CSV), keyset-paged",
            "operationId": "getReport",
            "security": [{"bearerAuth": [], "signature": []}],
            "parameters": _report_parameters(),
            "responses": _report_responses(),
        }
    }
