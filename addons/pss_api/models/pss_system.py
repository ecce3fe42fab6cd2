from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.pss_core.models.pss_message import MANAGER_GROUP

from ..lib.credentials import generate_api_key, generate_signing_secret, hash_key

MAX_ACTIVE_CREDENTIALS = 2


class PssSystem(models.Model):
    _inherit = "pss.system"

    pss_credential_ids = fields.One2many(
        "pss.system.credential",
        "system_id",
        string="API Credentials",
        groups=MANAGER_GROUP,
    )
    pss_active_credential_count = fields.Integer(
        string="Active Credentials",
        compute="_compute_pss_active_credential_count",
        groups=MANAGER_GROUP,
    )

    @api.depends("pss_credential_ids.state")
    def _compute_pss_active_credential_count(self):
        for system in self:
            system.pss_active_credential_count = len(
                system.pss_credential_ids.filtered(lambda c: c.state == "active")
            )

    def _check_pss_manager(self):
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            raise AccessError(
                _("Only pss Managers may issue or revoke API credentials.")
            )

    def issue_credentials(self):
        """Create a new API key and signing secret; return them, once.

        ``{"api_key": ..., "signing_secret": ..., "key_prefix": ...}``. Only the
        SHA-256 of the key is stored, so it can never be shown again. The
        credentials issued before stay valid until
        :meth:`revoke_previous_credentials`, so a sender can switch without
        downtime; a system has at most two active credentials.
        """
        self.ensure_one()
        self._check_pss_manager()
        self.check_access_rights("write")
        self.check_access_rule("write")
        # Serialise concurrent issues for one system (at most two active).
        self.env.cr.execute(
            "SELECT id FROM pss_system WHERE id = %s FOR UPDATE", [self.id]
        )
        credentials = self.env["pss.system.credential"]
        active = credentials.search_count(
            [("system_id", "=", self.id), ("state", "=", "active")]
        )
        if active >= MAX_ACTIVE_CREDENTIALS:
            raise UserError(
                _(
                    "System %(system)s already has %(count)s active credentials "
                    "(the current and the previous ones). Revoke the previous "
                    "credentials before issuing new ones.",
                    system=self.code,
                    count=active,
                )
            )
        api_key, prefix = generate_api_key()
        secret = generate_signing_secret()
        # sudo: the caller is a pss Manager (checked above) allowed to write
        # this system; key_hash and signing_secret are restricted to
        # base.group_system so that nobody can read them back later, which
        # also keeps a Manager from writing them without sudo. Only the hash
        # of the key is stored; the clear values are returned this once.
        credentials.sudo().create(
            {
                "system_id": self.id,
                "key_prefix": prefix,
                "key_hash": hash_key(api_key),
                "signing_secret": secret,
            }
        )
        self._pss_log_note(
            _(
                "New API credentials pss_%(prefix)s_… issued by %(user)s.",
                prefix=prefix,
                user=self.env.user.name,
            )
        )
        return {"api_key": api_key, "signing_secret": secret, "key_prefix": prefix}

    def _pss_log_note(self, body):
        """An internal note on the system's chatter, by the current user.

        sudo: a log note only, written whatever the author's email address
        (mail refuses to post for a user without one); access to the system
        was checked by the caller.
        """
        self.sudo().message_post(
            body=body,
            author_id=self.env.user.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )

    def revoke_previous_credentials(self):
        """Revoke every active credential but the newest (end of a rotation)."""
        self._check_pss_manager()
        self.check_access_rights("write")
        self.check_access_rule("write")
        revoked = self.env["pss.system.credential"]
        for system in self:
            active = system.pss_credential_ids.filtered(
                lambda c: c.state == "active"
            ).sorted("id", reverse=True)
            revoked |= active[1:]
        if revoked:
            revoked.action_revoke()
        return len(revoked)

    def action_issue_credentials(self):
        """Button: issue credentials and show them once in a dialog.

        The clear values travel in the action's context to the dialog's
        default values only; the dialog's record is never saved, so they are
        stored nowhere.
        """
        self.ensure_one()
        values = self.issue_credentials()
        return {
            "type": "ir.actions.act_window",
            "name": _("New API credentials"),
            "res_model": "pss.system.credential.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_system_id": self.id,
                "default_api_key": values["api_key"],
                "default_signing_secret": values["signing_secret"],
            },
        }

    def action_revoke_previous_credentials(self):
        count = self.revoke_previous_credentials()
        if not count:
            raise UserError(_("There are no previous credentials to revoke."))
        return True
