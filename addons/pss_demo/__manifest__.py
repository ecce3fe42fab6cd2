# Copyright 2026 PSS contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "PSS Demo: a multi-entity services group",
    "summary": "Demo data only: three legal entities in three countries, one "
    "external system per kind, technical users, value maps and intercompany "
    "agreements",
    "version": "17.0.1.2.1",
    "category": "Services/Integrations",
    "website": "https://github.com/pss-odoo/pss",
    "author": "PSS contributors",
    "license": "LGPL-3",
    "installable": True,
    "depends": [
        "pss_core",
        "pss_api",
        "pss_project",
        "pss_timesheet",
        "pss_billing",
        "pss_intercompany",
        "pss_reporting",
        "pss_reconcile",
    ],
    "demo": [
        "demo/res_currency_rate_demo.xml",
        "demo/res_company_demo.xml",
        "demo/res_users_demo.xml",
        "demo/pss_system_demo.xml",
        "demo/product_demo.xml",
        "demo/pss_value_map_demo.xml",
        "demo/pss_ic_agreement_demo.xml",
    ],
}
