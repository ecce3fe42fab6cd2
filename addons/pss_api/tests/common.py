"""Helpers of the HTTP tests of pss_api (tests/test_api_*.py import them).

Not collected by pytest (no ``test_`` prefix).
"""

import json

from odoo.tests import HttpCase

from odoo.addons.pss_core.lib.signature import sign as signature
from odoo.addons.pss_core.tests.common import (
    make_company,
    make_system,
    make_user,
    unique,
)

__all__ = ["make_company", "make_system", "make_user", "signature", "unique"]

# The fixtures of the API tests: technical users of the integration group
# without an email, systems of kind psa.
INTEGRATION = ("pss_core.group_pss_integration",)


def dumps(document):
    return json.dumps(document, separators=(",", ":")).encode()


def envelope(event_id, entity, data=None, event_type="test.record", **extra):
    document = {
        "id": event_id,
        "type": event_type,
        "schema_version": 1,
        "occurred_at": "2026-11-20T10:00:00Z",
        "entity": entity,
        "data": data if data is not None else {"external_id": event_id, "name": "n"},
    }
    document.update(extra)
    return document


def skip_unless_installed(env):
    module = env["ir.module.module"].search([("name", "=", "pss_api")])
    if module.state != "installed":
        # A failure, not a skip: a test suite that silently skips the API
        # tests would pass without testing anything.
        raise AssertionError(
            "pss_api is not installed in the test database (it must be in the "
            "addons of .odoo-ci.yml)"
        )


class ApiCase(HttpCase):
    """Two entities A and B for system ``psa``, entity C for system ``crm``.

    Requests go to the Odoo HTTP server started by pytest-odoo, which serves
    them in this test's transaction (HttpCase test mode).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        skip_unless_installed(cls.env)
        cls.company_a = make_company(cls.env, "Entity A", unique("A"))
        cls.company_b = make_company(cls.env, "Entity B", unique("B"))
        cls.company_c = make_company(cls.env, "Entity C", unique("C"))
        cls.code_a = cls.company_a.pss_entity_code
        cls.code_b = cls.company_b.pss_entity_code
        cls.code_c = cls.company_c.pss_entity_code
        ab = cls.company_a | cls.company_b
        cls.tech = make_user(
            cls.env, unique("tech_psa_").lower(), INTEGRATION, ab, email=False
        )
        cls.system = make_system(
            cls.env, unique("psa").lower(), cls.tech, ab, kind="psa"
        )
        cls.tech_crm = make_user(
            cls.env,
            unique("tech_crm_").lower(),
            INTEGRATION,
            cls.company_c,
            email=False,
        )
        cls.system_crm = make_system(
            cls.env, unique("crm").lower(), cls.tech_crm, cls.company_c, kind="psa"
        )
        cls.creds = cls.system.issue_credentials()
        cls.creds_crm = cls.system_crm.issue_credentials()
        cls.Message = cls.env["pss.message"]

    # -- requests ---------------------------------------------------------
    def request(
        self,
        method,
        path,
        body=b"",
        headers=None,
        key=None,
        secret=None,
        sign=True,
        timestamp=None,
        content_type="application/json",
    ):
        if isinstance(body, dict | list):
            body = dumps(body)
        key = self.creds["api_key"] if key is None else key
        secret = self.creds["signing_secret"] if secret is None else secret
        all_headers = {}
        if key:
            all_headers["Authorization"] = f"Bearer {key}"
        if sign:
            all_headers["X-PSS-Signature"] = signature(secret, body, timestamp)
        if method == "POST" and content_type:
            all_headers["Content-Type"] = content_type
        all_headers.update(headers or {})
        url = f"{self.base_url()}{path}"
        response = self.opener.request(
            method,
            url,
            data=body,
            headers=all_headers,
            timeout=30,
            allow_redirects=False,
        )
        self.env.invalidate_all()
        return response

    def post(self, document, system=None, **kwargs):
        system = system or self.system
        return self.request("POST", f"/pss/v1/{system.code}/events", document, **kwargs)

    def get_message(self, message_id, system=None, **kwargs):
        system = system or self.system
        return self.request(
            "GET", f"/pss/v1/{system.code}/messages/{message_id}", **kwargs
        )

    def count(self):
        self.env.flush_all()
        self.env.cr.execute("SELECT count(*) FROM pss_message")
        return self.env.cr.fetchone()[0]

    def assertProblem(self, response, status, slug=None, paths=None):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(
            response.headers["Content-Type"].split(";")[0], "application/problem+json"
        )
        problem = response.json()
        self.assertEqual(problem["status"], status)
        self.assertTrue(problem["title"])
        self.assertIsInstance(problem["errors"], list)
        if slug:
            self.assertTrue(problem["type"].endswith(f"#{slug}"), problem["type"])
        if paths is not None:
            self.assertEqual([e["path"] for e in problem["errors"]], paths, problem)
        return problem
