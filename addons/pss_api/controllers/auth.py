"""Authentication of the API's requests, as functions every route reuses.

The idea of OCA rest-framework's ``fastapi/dependencies.py``: a route
authenticates by calling these functions (pss_api's routes, pss_reporting's
read API), never by a copy of them. They work on the current request:

- :func:`check_key`: the system's bearer API key (401);
- :func:`check_signature`: ``X-PSS-Signature`` over the body (403);
- :func:`enter`: continue as the system's technical user (403);
- :func:`rate_limit`: the system's requests per minute (429);
- :func:`signed_get`: the four of them for a GET signed over an empty body;
- :func:`monitoring_access`: who may read the queue's figures.

A refusal is counted, logged (system, reason, peer: never a key, a secret or
a signature) and raised as an :class:`ApiProblem`.
"""

import logging

from odoo.http import request

from odoo.addons.pss_core.lib.signature import SignatureError, verify
from odoo.addons.pss_core.schemas.common import text_problem

from ..lib.credentials import bearer_token, key_matches, split_key, token_matches
from ..lib.problem import ApiProblem
from ..lib.ratelimit import decide, window_start
from ..models.pss_api_metric import BUFFER

# The API's log lines keep the logger of its routes (log filters, alerts).
_logger = logging.getLogger(f"{__package__}.main")

UNAUTHORIZED = "missing, unknown or revoked API key"
MAX_CODE_LENGTH = 64
METRICS_PUBLIC = "pss_api.metrics_public"
METRICS_TOKEN = "pss_api.metrics_token"  # noqa: S105 - a parameter's name


def safe(text, limit=64):
    """A caller-supplied value fit for a log line (no newlines, bounded)."""
    return repr(str(text)[:limit])


def refuse(status, reason, system_code, detail, slug=None):
    """Count and log a failed authentication, then answer it.

    The log line names the system, the reason and the peer, never a key,
    a secret or a signature.
    """
    BUFFER.inc(request.db, "pss_api_auth_failures_total", {"reason": reason})
    _logger.warning(
        "pss_api: %s refused with %s (%s): system %s, peer %s",
        safe(request.httprequest.path, 120),
        status,
        reason,
        safe(system_code),
        request.httprequest.remote_addr,
    )
    headers = {"WWW-Authenticate": 'Bearer realm="pss"'} if status == 401 else {}
    slug = slug or ("unauthorized" if status == 401 else "forbidden")
    raise ApiProblem(status, slug, detail, headers=headers)


def check_key(system_code):
    """Bearer API key of the system: 401 unless it is an active key."""
    key = bearer_token(request.httprequest.headers.get("Authorization"))
    if not key:
        refuse(401, "missing_key", system_code, UNAUTHORIZED)
    prefix = split_key(key)
    info = None
    # A code PostgreSQL cannot compare (NUL) or too long is unknown.
    if len(system_code) <= MAX_CODE_LENGTH and text_problem(system_code) is None:
        info = request.env["pss.system.credential"]._pss_auth_lookup(
            system_code, prefix
        )
    if info is None:
        refuse(401, "unknown_system", system_code, UNAUTHORIZED)
    if not prefix or not key_matches(key, info["key_hashes"]):
        refuse(401, "bad_key", system_code, UNAUTHORIZED)
    if not info["active"]:
        refuse(401, "archived_system", system_code, UNAUTHORIZED)
    info["code"] = system_code
    return info


def check_signature(info, body):
    """X-PSS-Signature over ``"<t>." + body``: 403 unless one v1 value
    matches one active signing secret of the system."""
    header = request.httprequest.headers.get("X-PSS-Signature")
    try:
        verify(header, body, info["secrets"])
    except SignatureError as error:
        refuse(
            403,
            f"signature_{error.reason}",
            info["code"],
            f"invalid X-PSS-Signature: {error}",
            slug="invalid-signature",
        )


def _user_problem(info):
    """What keeps the system's technical user from working, else None."""
    if not info["user_id"] or not info["user_active"]:
        return "has no active technical user"
    if not info["user_is_integration"]:
        return (
            "has a technical user outside the group "
            "'Technical user of an external system'"
        )
    if info["user_is_admin"]:
        return (
            "has an administrator as technical user; give it a user with "
            "only the rights its events need"
        )
    if not info["company_ids"]:
        return "has no company that its technical user may use"
    return None


def enter(info):
    """Continue as the system's technical user, in its companies only."""
    problem = _user_problem(info)
    if problem:
        refuse(
            403,
            "misconfigured_system",
            info["code"],
            f"system {info['code']!r} {problem}",
        )
    request.update_env(
        user=info["user_id"],
        context=dict(
            request.env.context,
            allowed_company_ids=info["company_ids"],
            tz=info["tz"],
        ),
    )
    return request.env["pss.system"].browse(info["system_id"])


def rate_limit(info, clock):
    """Count the request in the system's window at ``clock()`` (naive UTC);
    429 above the limit. Returns the RateLimit headers of the answer."""
    limit = info["rate_limit"]
    if not limit or limit <= 0:
        return {}
    now = clock()
    hits = request.env["pss.api.rate.window"]._pss_hit(
        info["system_id"], window_start(now)
    )
    decision = decide(hits, limit, now)
    if not decision.allowed:
        _logger.info(
            "pss_api: system %s over its rate limit (%s/min)",
            safe(info["code"]),
            limit,
        )
        raise ApiProblem(
            429,
            "rate-limited",
            f"system {info['code']!r} may send {limit} requests per minute; "
            f"retry in {decision.retry_after} s",
            headers=decision.headers(),
        )
    return decision.headers()


def signed_get(system_code, clock):
    """A GET of a system, signed over an empty body: key, signature,
    technical user, rate limit at ``clock()``. Returns ``(info, system,
    rate limit headers)``."""
    info = check_key(system_code)
    check_signature(info, b"")
    system = enter(info)
    return info, system, rate_limit(info, clock)


def monitoring_access():
    """Who may read the queue's figures: ``"public"`` (an administrator
    set ``pss_api.metrics_public``), ``"token"`` (the request carries the
    metrics token as ``Authorization: Bearer``), else None.

    The token is the system parameter ``pss_api.metrics_token``: the
    token itself, or ``sha256:<hex>`` of it (then nothing readable in
    the database lets anyone scrape). A system's API key is not
    accepted: a sender has no business reading the other systems'
    queues, and a scraper should not hold a key that can send events.
    """
    # sudo: reads two configuration parameters, before any user exists
    # in this auth="none" request; nothing is written.
    params = request.env["ir.config_parameter"].sudo()
    if str(params.get_param(METRICS_PUBLIC) or "").strip().lower() in (
        "1",
        "true",
        "yes",
    ):
        return "public"
    token = (params.get_param(METRICS_TOKEN) or "").strip()
    given = bearer_token(request.httprequest.headers.get("Authorization"))
    if not token or not given:
        return None
    return "token" if token_matches(given, token) else None
