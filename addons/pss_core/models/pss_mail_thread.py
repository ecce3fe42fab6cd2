from odoo import models


class PssMailThread(models.AbstractModel):
    """The chatter of the pss records: a note or an action's trace (a
    sign-off, a retry) never depends on the author's e-mail address.

    Odoo refuses to post for a user without an e-mail ("Unable to send
    message, please configure the sender's email address."), which rolled
    back the action that posted. Here the author stays the user; the sender
    address falls back to the company's, then OdooBot's; a note without any
    address is still logged."""

    _name = "pss.mail.thread"
    _description = "pss chatter: no e-mail needed to post"
    _inherit = ["mail.thread"]

    def _message_compute_author(
        self, author_id=None, email_from=None, raise_on_email=True
    ):
        author_id, email_from = super()._message_compute_author(
            author_id, email_from, raise_on_email=False
        )
        if not email_from:
            fallback = self.env.company.partner_id.sudo()
            if not fallback.email:
                fallback = self.env.ref("base.partner_root").sudo()
            email_from = fallback.email_formatted or False
        return author_id, email_from
