# Copyright 2026 PSS contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "PSS Billing: approved work to invoices",
    "summary": "Only approved time is invoiced; billing runs per entity and "
    "period through Odoo's sale invoicing, invoice approval, unbilled time "
    "(WIP), invoice and payment status back to the engagement's system",
    "version": "17.0.1.4.0",
    "category": "Services/Integrations",
    "website": "https://github.com/pss-odoo/pss",
    "author": "PSS contributors",
    "license": "LGPL-3",
    "depends": ["pss_project", "pss_timesheet", "account", "sale_timesheet"],
    "external_dependencies": {"python": ["pydantic"]},
    "data": [
        "security/ir.model.access.csv",
        "security/pss_billing_rules.xml",
        "data/ir_cron.xml",
        "data/pss_event_type_data.xml",
        "views/pss_billing_run_views.xml",
        "views/pss_billing_wip_views.xml",
        "views/account_analytic_line_views.xml",
        "views/account_move_views.xml",
        "views/res_company_views.xml",
        "views/res_partner_views.xml",
        "views/sale_order_views.xml",
        "views/pss_timesheet_correction_views.xml",
        "views/pss_billing_menus.xml",
        "wizard/pss_time_approve_wizard_views.xml",
        "wizard/pss_timesheet_correction_wizard_views.xml",
    ],
    "post_init_hook": "post_init_hook",
}
