"""Fixtures of the queue engine's tests (pss_core with this test addon)."""

from odoo.addons.pss_core.tests import common
from odoo.addons.pss_core.tests.common import make_user, unique

__all__ = ["make_company", "make_system", "make_user", "unique"]


def make_company(env, name, code, currency="EUR", country="DE"):
    return common.make_company(env, name, code, currency, country)


def make_system(env, code, user, companies, **values):
    """A CRM system with a short retry policy the engine tests count on."""
    values = {
        "kind": "crm",
        "retry_base": 10,
        "retry_cap": 100,
        "max_attempts": 3,
        "internal_max_attempts": 2,
        **values,
    }
    return common.make_system(env, code, user, companies, **values)
