# Copyright 2026 PSS contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "PSS API: inbound HTTP events",
    "summary": "Signed, idempotent, validated HTTP intake of events from "
    "external systems into the pss sync queue, with health, metrics and OpenAPI",
    "version": "17.0.1.1.0",
    "category": "Services/Integrations",
    "website": "https://github.com/pss-odoo/pss",
    "author": "PSS contributors",
    "license": "LGPL-3",
    "depends": ["pss_core"],
    "external_dependencies": {"python": ["pydantic"]},
    "data": [
        "security/ir.model.access.csv",
        "wizards/pss_system_credential_wizard_views.xml",
        "views/pss_system_credential_views.xml",
        "views/pss_system_views.xml",
    ],
}
