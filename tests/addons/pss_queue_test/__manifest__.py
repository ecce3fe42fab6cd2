# Copyright 2026 PSS contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "PSS queue test handlers",
    "summary": "Test-only event types exercising every path of the pss queue",
    "version": "17.0.1.1.0",
    "category": "Hidden/Tests",
    "website": "https://github.com/pss-odoo/pss",
    "author": "PSS contributors",
    "license": "LGPL-3",
    "installable": True,
    "depends": ["pss_core"],
    "data": [
        "security/ir.model.access.csv",
        "security/pss_queue_test_rules.xml",
        "data/pss_event_type_data.xml",
    ],
}
