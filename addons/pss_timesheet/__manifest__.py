# Copyright 2026 PSS contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "PSS Timesheet: people, approved time and expenses",
    "summary": "Resources from an HRIS become employees or contractors with a "
    "dated hourly cost; approved time and expenses from a PSA become "
    "timesheets and re-invoiced expenses on the engagement",
    "version": "17.0.1.3.2",
    "category": "Services/Integrations",
    "website": "https://github.com/pss-odoo/pss",
    "author": "PSS contributors",
    "license": "LGPL-3",
    "depends": ["pss_project", "hr_timesheet", "sale_timesheet", "sale_expense"],
    "external_dependencies": {"python": ["pydantic"]},
    "data": [
        "security/pss_timesheet_security.xml",
        "security/ir.model.access.csv",
        "security/pss_timesheet_rules.xml",
        "data/pss_event_type_data.xml",
        "views/pss_resource_cost_views.xml",
        "views/pss_timesheet_exception_views.xml",
        "views/hr_employee_views.xml",
        "views/account_analytic_line_views.xml",
        "views/pss_message_views.xml",
    ],
}
