# Copyright 2026 PSS contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "PSS Reconcile: control totals, reconciliation runs, finance dashboard",
    "summary": "Reconciles Odoo against the external systems' control totals "
    "(hours, invoiced amounts), unbilled time, intercompany balances and the "
    "sync queue's health; exceptions, sign-off and a finance control dashboard",
    "version": "17.0.1.4.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/pss-odoo/pss",
    "author": "PSS contributors",
    "license": "LGPL-3",
    "depends": ["pss_billing", "pss_intercompany", "mail"],
    "external_dependencies": {"python": ["pydantic"]},
    "data": [
        "security/pss_reconcile_security.xml",
        "security/ir.model.access.csv",
        "security/pss_reconcile_rules.xml",
        "data/pss_event_type_data.xml",
        "data/ir_cron.xml",
        "views/pss_recon_statement_views.xml",
        "views/pss_recon_line_views.xml",
        "views/pss_recon_run_views.xml",
        "views/pss_recon_tolerance_views.xml",
        "views/pss_recon_dashboard_views.xml",
        "views/res_company_views.xml",
        "views/pss_system_views.xml",
        "views/pss_close_views.xml",
        "views/pss_reconcile_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "pss_reconcile/static/tests/tours/*.js",
        ],
    },
}
