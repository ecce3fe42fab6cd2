"""The test kit of the pss addons' tests and the cross-addon tests: the
fixture makers (one argument order everywhere), a case that commits on
cursors of its own, the signed requests of an external system.

Not collected by pytest (no ``test_`` prefix); import it as
``odoo.addons.pss_core.tests.common``.
"""

import contextlib
import itertools
import json
import uuid

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.tests import BaseCase
from odoo.tests.common import get_db_name

from odoo.addons.pss_core.lib.signature import sign

_seq = itertools.count(1)
# Fixtures of the tests that commit are real rows: keep names unique across
# runs on the same database too.
RUN = uuid.uuid4().hex[:6].upper()


def unique(prefix):
    return f"{prefix}{RUN}{next(_seq)}"


def make_company(env, name, code, currency="EUR", country=None):
    vals = {
        "name": name,
        "pss_entity_code": code,
        "currency_id": env.ref(f"base.{currency}").id,
    }
    if country:
        vals["country_id"] = env.ref(f"base.{country.lower()}").id
    return env["res.company"].create(vals)


def make_user(env, login, groups, companies, company=None, email=True):
    """A user in ``groups`` (XML ids or group ids) allowed in ``companies``."""
    group_ids = [env.ref(g).id if isinstance(g, str) else g for g in groups]
    return (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": login,
                "login": login,
                "email": f"{login}@example.com" if email else False,
                "groups_id": [Command.set(group_ids)],
                "company_ids": [Command.set(companies.ids)],
                "company_id": (company or companies[0]).id,
            }
        )
    )


def event_types(env, names=None):
    """Commands setting a system's allowed inbound and received outbound
    event types: ``names``, or every declared type when None."""
    domain = [] if names is None else [("name", "in", list(names))]
    types = env["pss.event.type"].search(domain)
    return {
        "event_type_ids": [
            Command.set(types.filtered(lambda t: t.direction == "in").ids)
        ],
        "outbound_event_type_ids": [
            Command.set(types.filtered(lambda t: t.direction == "out").ids)
        ],
    }


def make_system(env, code, user, companies, allowed=None, **values):
    """An external system; ``allowed``: names of the event types it may send
    and receive. By default every declared type, explicitly: the tests of
    the queue, the API and the handlers are not about the allowed list (the
    tests that are name their own)."""
    vals = {
        "name": f"System {code}",
        "code": code,
        "kind": "other",
        "user_id": user.id,
        "company_ids": [Command.set(companies.ids)],
        **event_types(env, allowed),
    }
    vals.update(values)
    return env["pss.system"].create(vals)


def main_entity(env):
    """The main company with an entity code: the company of the tests that
    commit on cursors of their own."""
    company = env.ref("base.main_company")
    if not company.pss_entity_code:
        company.pss_entity_code = unique("MAIN")
    return company


# -- requests of an external system ----------------------------------------
def signed_headers(creds, body=b"", timestamp=None):
    """The headers of a request of the system whose ``creds`` they are (the
    answer of ``issue_credentials()``): its API key and the signature of
    ``body`` (pss_core.lib.signature)."""
    return {
        "Authorization": f"Bearer {creds['api_key']}",
        "X-PSS-Signature": sign(creds["signing_secret"], body, timestamp),
    }


def signed_request(http, method, url, creds, body=b"", headers=None, **kwargs):
    """Send ``body`` to ``url`` as the system of ``creds`` does: its key, its
    signature, JSON for a POST; ``headers`` are added last (they may replace
    any of those). ``http``: requests, a session or an HttpCase's opener."""
    all_headers = signed_headers(creds, body)
    if method == "POST":
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    kwargs.setdefault("timeout", 60)
    return http.request(method, url, data=body, headers=all_headers, **kwargs)


def json_rpc(case, model, method, args, kwargs=None):
    """The response of ``/web/dataset/call_kw`` as the web client calls it,
    on the session of the HttpCase ``case``."""
    body = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {
            "model": model,
            "method": method,
            "args": args,
            "kwargs": kwargs or {},
        },
    }
    return case.url_open(
        "/web/dataset/call_kw",
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
    )


# -- tests that commit -------------------------------------------------------
@contextlib.contextmanager
def committed_env(registry):
    """A superuser environment on a cursor of its own, as another Odoo worker
    has: committed when the block ends, rolled back when it raises."""
    cr = registry.cursor()
    try:
        yield api.Environment(cr, SUPERUSER_ID, {})
        # What the committed tests are about: a transaction of its own.
        cr.commit()  # pylint: disable=invalid-commit
    except BaseException:
        cr.rollback()
        raise
    finally:
        cr.close()


def remove_queue(env, system_ids):
    """Delete the messages of the systems ``system_ids`` and the runs that
    processed them, in SQL as the committed tests always did."""
    ids = tuple(system_ids)
    env.cr.execute(
        "DELETE FROM pss_run WHERE id IN (SELECT run_id FROM pss_message "
        "WHERE system_id IN %s)",
        [ids],
    )
    env.cr.execute("DELETE FROM pss_message WHERE system_id IN %s", [ids])


class CommittedCase(BaseCase):
    """Not a TransactionCase: the tests commit for real, on cursors of their
    own (``cursor_env()``), as separate Odoo workers do, to show locking and
    races. What a class ``remember()``-s is removed when it ends, after its
    ``tearDownClass``: the messages and runs of the systems among it, then
    the records, the last remembered first."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = odoo.registry(get_db_name())
        cls.committed = []
        cls.addClassCleanup(cls.remove_committed)

    @classmethod
    def cursor_env(cls):
        return committed_env(cls.registry)

    @classmethod
    def commit_system(cls, login, groups, allowed=None, **values):
        """Commit a technical user ``login`` in ``groups`` and its system
        (``values``; ``allowed``: its event types, see ``event_types``) in
        the main entity, both removed when the class ends; set the class's
        ``company_id``, ``user_id`` and ``system_id``."""
        with cls.cursor_env() as env:
            company = main_entity(env)
            user = make_user(env, login, groups, company)
            values.update(event_types(env, allowed) if allowed is not None else {})
            system = env["pss.system"].create(
                {
                    "user_id": user.id,
                    "company_ids": [Command.set(company.ids)],
                    "lease_seconds": 60,
                    **values,
                }
            )
            cls.remember(user, system)
            cls.company_id, cls.user_id, cls.system_id = company.id, user.id, system.id

    @classmethod
    def remember(cls, *records):
        cls.committed += [(record._name, record.ids) for record in records]

    @classmethod
    def remove_committed(cls):
        committed, cls.committed = cls.committed, []
        if not committed:
            return
        with cls.cursor_env() as env:
            systems = [
                i for name, ids in committed if name == "pss.system" for i in ids
            ]
            if systems:
                remove_queue(env, systems)
            for name, ids in reversed(committed):
                model = env[name].with_context(active_test=False)
                model.browse(ids).exists().unlink()


def default_search_domain(env, action, today=None):
    """The domain a window action opens on in the web client: its context's
    ``search_default_*`` filters of its search view, combined as the web
    client combines them (filters of one group, i.e. not split by a
    separator or a field, are OR-ed; groups are AND-ed). Date filters take
    their ``default_period`` (this_month or last_month). Lets a test assert
    what a menu shows without a browser."""
    import datetime

    from dateutil.relativedelta import relativedelta
    from lxml import etree

    from odoo.osv import expression
    from odoo.tools import safe_eval as evaluation
    from odoo.tools.safe_eval import safe_eval

    context = action.get("context") or {}
    if isinstance(context, str):
        context = safe_eval(context, {"uid": env.uid, "context": {}})
    active = {
        key[len("search_default_") :]
        for key, value in context.items()
        if key.startswith("search_default_") and value
    }
    model = env[action["res_model"]]
    search_view = action.get("search_view_id")
    view_id = search_view[0] if isinstance(search_view, list | tuple) else search_view
    arch = model.get_views([[view_id or False, "search"]])["views"]["search"]["arch"]
    today = today or datetime.date.today()
    groups, current = [], []
    for node in etree.fromstring(arch).iter():
        if node.tag == "filter" and (node.get("domain") or node.get("date")):
            if node.get("name") in active:
                if node.get("date"):
                    period = (node.get("default_period") or "this_month").split(",")[0]
                    months = {"this_month": 0, "last_month": -1}[period]
                    start = today.replace(day=1) + relativedelta(months=months)
                    end = start + relativedelta(months=1, days=-1)
                    field = node.get("date")
                    current.append([(field, ">=", start), (field, "<=", end)])
                else:
                    current.append(
                        safe_eval(
                            node.get("domain"),
                            {
                                "uid": env.uid,
                                "context_today": lambda: today,
                                "datetime": evaluation.datetime,
                                "relativedelta": relativedelta,
                            },
                        )
                    )
        elif node.tag in ("separator", "field", "group"):
            if current:
                groups.append(expression.OR(current))
            current = []
    if current:
        groups.append(expression.OR(current))
    base = action.get("domain") or []
    if isinstance(base, str):
        base = safe_eval(base, {"uid": env.uid})
    return expression.AND([base, *groups])
