"""Existing runs: a run that never finished is not the latest of its period
(``is_latest`` now defaults to False); mark the current line of each figure
(new ``is_current``), as the next run would."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        "UPDATE pss_recon_run SET is_latest = FALSE "
        "WHERE is_latest AND state NOT IN ('done', 'signed')"
    )
    env = api.Environment(cr, SUPERUSER_ID, {})
    companies = env["pss.recon.run"].search([]).company_id
    if companies:
        env["pss.recon.line"]._pss_refresh_current(companies)
