# Copyright 2026 PSS contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "PSS Project: lead to project",
    "summary": "Customers and won engagements from CRM / PSA become partners, "
    "confirmed sale orders with the right billing model, projects and "
    "analytic accounts in the right legal entity",
    "version": "17.0.1.3.0",
    "category": "Services/Integrations",
    "website": "https://github.com/pss-odoo/pss",
    "author": "PSS contributors",
    "license": "LGPL-3",
    "depends": ["pss_core", "sale_timesheet"],
    "external_dependencies": {"python": ["pydantic"]},
    "data": [
        "security/pss_project_security.xml",
        "security/ir.model.access.csv",
        "data/pss_event_type_data.xml",
        "views/sale_order_views.xml",
        "views/project_project_views.xml",
        "views/project_milestone_views.xml",
        "views/res_partner_views.xml",
        "views/product_pricelist_views.xml",
        "views/res_company_views.xml",
    ],
}
