"""Fixtures of the queue engine's tests (pss_core with this test addon):
the test kit of pss_core, and the system the engine tests count on."""

from odoo.addons.pss_core.tests.common import (
    make_company,
    make_system,
    make_user,
    unique,
)

__all__ = ["SHORT_RETRY", "make_company", "make_system", "make_user", "unique"]

# A CRM system with a short retry policy the engine tests count on:
# ``make_system(env, code, user, companies, **SHORT_RETRY)``.
SHORT_RETRY = {
    "kind": "crm",
    "retry_base": 10,
    "retry_cap": 100,
    "max_attempts": 3,
    "internal_max_attempts": 2,
}
