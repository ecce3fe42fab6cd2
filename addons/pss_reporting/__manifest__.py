# Copyright 2026 PSS contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "PSS Reporting: group KPIs, staffing plans and a read API",
    "summary": "Utilization, realization, margin, backlog and WIP across entities "
    "in company and group currency; planned hours from the PSA; a signed read "
    "API (JSON / CSV) for BI platforms",
    "version": "17.0.1.2.0",
    "category": "Services/Integrations",
    "website": "https://github.com/pss-odoo/pss",
    "author": "PSS contributors",
    "license": "LGPL-3",
    "depends": ["pss_api", "pss_billing", "pss_intercompany", "hr_expense"],
    "external_dependencies": {"python": ["pydantic"]},
    "data": [
        "security/pss_reporting_security.xml",
        "security/ir.model.access.csv",
        "security/pss_reporting_rules.xml",
        "data/pss_event_type_data.xml",
        "views/pss_assignment_views.xml",
        "views/pss_report_views.xml",
        "views/pss_report_dashboard_views.xml",
        "views/pss_system_views.xml",
        "views/pss_reporting_menus.xml",
    ],
}
