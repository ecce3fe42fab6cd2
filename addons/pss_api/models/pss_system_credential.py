from odoo import _, api, fields, models
from odoo.exceptions import UserError


class PssSystemCredential(models.Model):
    """An API key (stored as a hash) and a signing secret of a system.

    A system has at most two active credentials: the current one and, during
    a rotation, the previous one (see ``pss.system.issue_credentials``).
    """

    _name = "pss.system.credential"
    _description = "API Credential of an External System"
    _order = "id desc"
    _rec_name = "key_prefix"

    system_id = fields.Many2one(
        "pss.system", required=True, readonly=True, ondelete="cascade", index=True
    )
    key_prefix = fields.Char(
        required=True,
        readonly=True,
        help="Public part of the API key (pss_<prefix>_...): identifies the key "
        "in logs and screens, reveals nothing of its secret part.",
    )
    key_hint = fields.Char(string="API Key", compute="_compute_key_hint")
    key_hash = fields.Char(
        string="API Key SHA-256",
        required=True,
        readonly=True,
        copy=False,
        groups="base.group_system",
    )
    signing_secret = fields.Char(
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="HMAC-SHA256 secret of X-PSS-Signature; kept in clear because "
        "verifying a signature needs it.",
    )
    state = fields.Selection(
        [("active", "Active"), ("revoked", "Revoked")],
        required=True,
        default="active",
        readonly=True,
        index=True,
    )
    revoked_at = fields.Datetime(readonly=True)
    revoked_by_id = fields.Many2one("res.users", readonly=True)

    _sql_constraints = [
        ("key_prefix_unique", "unique(key_prefix)", "API key prefixes are unique."),
    ]

    def init(self):
        # The request path reads the active credentials of one system.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS pss_system_credential_active_idx
                ON pss_system_credential (system_id) WHERE state = 'active'
            """
        )

    @api.depends("key_prefix")
    def _compute_key_hint(self):
        for credential in self:
            credential.key_hint = (
                f"pss_{credential.key_prefix}_…" if credential.key_prefix else False
            )

    def action_revoke(self):
        """Revoke these credentials at once (a leaked key, a retired sender)."""
        self.env["pss.system"]._check_pss_manager()
        todo = self.filtered(lambda c: c.state == "active")
        if not todo:
            raise UserError(_("These credentials are already revoked."))
        todo.write(
            {
                "state": "revoked",
                "revoked_at": fields.Datetime.now(),
                "revoked_by_id": self.env.uid,
            }
        )
        for credential in todo:
            credential.system_id._pss_log_note(
                _(
                    "API credentials pss_%(prefix)s_… revoked by %(user)s.",
                    prefix=credential.key_prefix,
                    user=self.env.user.name,
                )
            )
        return True

    @api.model
    def _pss_auth_lookup(self, code, prefix):
        """Everything the request path needs about a system, in one query.

        Returns None for an unknown system code, else a dict with the system,
        its technical user (active? integration group? administrator?), the
        companies both the system and its user may use, the hashes of the
        active keys carrying ``prefix``, the active signing secrets
        (newest first) and the inbound event types the system may send.

        Raw SQL, outside record rules, on purpose: the request is not
        authenticated yet (auth="none"), so no user could read these rows;
        nothing read here is returned to the caller, only compared.
        """
        row = self._pss_auth_row(code, prefix)
        return self._pss_auth_info(row) if row else None

    @api.model
    def _pss_auth_row(self, code, prefix):
        """The row of :meth:`_pss_auth_lookup`'s query, else None."""
        system_model = self.env["pss.system"]
        companies = system_model._fields["company_ids"]
        allowed = system_model._fields["event_type_ids"]
        user_companies = self.env["res.users"]._fields["company_ids"]
        user_groups = self.env["res.users"]._fields["groups_id"]
        xmlids = self.env["ir.model.data"]
        integration = xmlids._xmlid_to_res_id("pss_core.group_pss_integration")
        admin = xmlids._xmlid_to_res_id("base.group_system")
        self.env.cr.execute(
            f"""
            SELECT s.id, s.active, s.user_id, COALESCE(s.rate_limit_per_minute, 0),
                   u.active,
                   EXISTS (SELECT 1 FROM {user_groups.relation} g
                           WHERE g.{user_groups.column1} = s.user_id
                             AND g.{user_groups.column2} = %(integration)s),
                   EXISTS (SELECT 1 FROM {user_groups.relation} g
                           WHERE g.{user_groups.column1} = s.user_id
                             AND g.{user_groups.column2} = %(admin)s),
                   ARRAY(SELECT r.{companies.column2}
                           FROM {companies.relation} r
                           JOIN {user_companies.relation} uc
                             ON uc.{user_companies.column2} = r.{companies.column2}
                            AND uc.{user_companies.column1} = s.user_id
                           JOIN res_company co ON co.id = r.{companies.column2}
                          WHERE r.{companies.column1} = s.id AND co.active
                          ORDER BY r.{companies.column2}),
                   ARRAY(SELECT c.key_hash FROM pss_system_credential c
                          WHERE c.system_id = s.id AND c.state = 'active'
                            AND c.key_prefix = %(prefix)s),
                   ARRAY(SELECT c.signing_secret FROM pss_system_credential c
                          WHERE c.system_id = s.id AND c.state = 'active'
                            AND c.signing_secret IS NOT NULL
                          ORDER BY c.id DESC),
                   u.company_id, p.tz,
                   ARRAY(SELECT et.name FROM {allowed.relation} ar
                           JOIN pss_event_type et ON et.id = ar.{allowed.column2}
                          WHERE ar.{allowed.column1} = s.id AND et.active)
              FROM pss_system s
              LEFT JOIN res_users u ON u.id = s.user_id
              LEFT JOIN res_partner p ON p.id = u.partner_id
             WHERE s.code = %(code)s
            """,
            {
                "code": code,
                "prefix": prefix or "",
                "integration": integration,
                "admin": admin,
            },
        )
        return self.env.cr.fetchone()

    @staticmethod
    def _pss_auth_info(row):
        """The dict of :meth:`_pss_auth_lookup` of its query's row."""
        company_ids = list(row[7] or [])
        # The user's default company first: it becomes env.company.
        if row[10] in company_ids:
            company_ids.remove(row[10])
            company_ids.insert(0, row[10])
        return {
            "system_id": row[0],
            "active": row[1],
            "user_id": row[2],
            "rate_limit": row[3],
            "user_active": bool(row[4]),
            "user_is_integration": row[5],
            "user_is_admin": row[6],
            "company_ids": company_ids,
            "key_hashes": list(row[8] or []),
            "secrets": list(row[9] or []),
            "tz": row[11] or "UTC",
            "event_types": set(row[12] or []),
        }
