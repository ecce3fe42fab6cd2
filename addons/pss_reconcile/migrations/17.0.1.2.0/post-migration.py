"""Lines of existing runs: mark the current line of each figure (new
``is_current``), as the next run would."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    companies = env["pss.recon.run"].search([]).company_id
    if companies:
        env["pss.recon.line"]._pss_refresh_current(companies)
