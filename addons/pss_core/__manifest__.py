# Copyright 2026 PSS contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "PSS Core: sync queue",
    "summary": "Governed sync queue between Odoo and external CRM, PSA, HRIS "
    "and payroll systems: idempotent, ordered, retried, dead-lettered, audited",
    "version": "17.0.1.8.1",
    "category": "Services/Integrations",
    "website": "https://github.com/pss-odoo/pss",
    "author": "PSS contributors",
    "license": "LGPL-3",
    "application": True,
    "installable": True,
    "depends": ["base", "mail", "web"],
    "external_dependencies": {"python": ["cryptography", "pydantic", "requests"]},
    "data": [
        "security/pss_security.xml",
        "security/ir.model.access.csv",
        "security/pss_rules.xml",
        "data/ir_cron.xml",
        "wizards/pss_message_edit_wizard_views.xml",
        "views/pss_message_views.xml",
        "views/pss_message_record_views.xml",
        "views/pss_run_views.xml",
        "views/pss_event_type_views.xml",
        "views/pss_system_views.xml",
        "views/pss_binding_views.xml",
        "views/pss_value_map_views.xml",
        "views/res_company_views.xml",
        "views/res_config_settings_views.xml",
        "views/pss_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "pss_core/static/tests/tours/*.js",
        ],
    },
}
