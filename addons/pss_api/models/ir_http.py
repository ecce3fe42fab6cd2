import logging

import psycopg2
from werkzeug.exceptions import HTTPException

from odoo import models
from odoo.exceptions import AccessDenied, AccessError, UserError
from odoo.http import request

from ..lib.problem import PROBLEMS, RETRY_AFTER_BUSY, ApiProblem, retry_after
from ..models.pss_api_metric import BUFFER

_logger = logging.getLogger(__name__)

API_PREFIX = "/pss/v1/"


def _query_params_only():
    return dict(request.httprequest.args)


def problem_for(exception):
    """The problem answering an exception that is not an ApiProblem."""
    if isinstance(exception, HTTPException) and exception.code:
        code = exception.code
        headers = {}
        if code == 405 and getattr(exception, "valid_methods", None):
            headers["Allow"] = ", ".join(exception.valid_methods)
        slugs = [slug for slug, (status, _t) in PROBLEMS.items() if status == code]
        return ApiProblem(
            code,
            slugs[0] if slugs else None,
            exception.description if code < 500 else None,
            headers=headers,
            title=None if slugs else exception.name,
        )
    if isinstance(exception, psycopg2.OperationalError):
        # Concurrency failures still failing after Odoo's retries, lost
        # connections: nothing the caller did wrong; it may retry.
        return ApiProblem(
            503,
            "service-unavailable",
            "the database is busy; retry later",
            headers=retry_after(RETRY_AFTER_BUSY),
        )
    if isinstance(exception, AccessDenied | AccessError):
        return ApiProblem(
            403,
            "forbidden",
            "the system's technical user lacks an access right: "
            + str(exception.args[0] if exception.args else ""),
        )
    if isinstance(exception, UserError):
        return ApiProblem(422, "validation-failed", str(exception.args[0]))
    return ApiProblem(500, "internal-error", "internal error; see the server log")


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        result = super()._pre_dispatch(rule, args)
        if rule.endpoint.routing.get("pss_api"):
            # The API takes no form parameters. Without this, Odoo would read
            # a form-encoded body as a form before the route runs: before
            # authentication, and consuming the raw bytes that the
            # signature is computed over.
            request.get_http_params = _query_params_only
        return result

    @classmethod
    def _handle_error(cls, exception):
        """Every error under /pss/v1/ is a problem document, never HTML."""
        if isinstance(exception, ApiProblem) or not (
            request and request.httprequest.path.startswith(API_PREFIX)
        ):
            return super()._handle_error(exception)
        problem = problem_for(exception)
        if request.db:
            BUFFER.inc(
                request.db,
                "pss_api_requests_total",
                {"endpoint": "other", "status": problem.code},
            )
        return problem
