# Copyright 2026 PSS contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "PSS Intercompany: service charging from timesheets",
    "summary": "Work done by one entity on another entity's project is charged "
    "once: a customer invoice in the provider and the matching vendor bill in "
    "the consumer, priced by the group's transfer-pricing agreement",
    "version": "17.0.1.1.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/pss-odoo/pss",
    "author": "PSS contributors",
    "license": "LGPL-3",
    "depends": [
        "pss_billing",
        "pss_timesheet",
        "account",
        "hr_timesheet",
        "sale_timesheet",
    ],
    "data": [
        "security/ir.model.access.csv",
        "security/pss_intercompany_rules.xml",
        "data/ir_cron.xml",
        "views/pss_ic_agreement_views.xml",
        "views/pss_ic_run_views.xml",
        "views/pss_ic_charge_views.xml",
        "views/pss_ic_balance_views.xml",
        "wizards/pss_ic_run_wizard_views.xml",
        "wizards/pss_ic_balance_resolve_views.xml",
        "views/pss_intercompany_menus.xml",
    ],
}
