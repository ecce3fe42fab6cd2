from odoo import fields, models


class PssSystemCredentialWizard(models.TransientModel):
    """Shows newly issued credentials once.

    Opened by ``pss.system.action_issue_credentials`` with the values as
    defaults in its context; the dialog is closed without saving, so the
    clear values are stored nowhere (not even in this transient table).
    """

    _name = "pss.system.credential.wizard"
    _description = "New API Credentials of an External System"

    system_id = fields.Many2one("pss.system", readonly=True)
    api_key = fields.Char(string="API Key", readonly=True)
    signing_secret = fields.Char(readonly=True)
