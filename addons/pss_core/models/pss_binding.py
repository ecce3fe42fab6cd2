from collections import namedtuple

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..lib.locks import LOCK_TABLE_DDL
from ..record_names import display_names, form_action

# What a handler needs to know of one bound external id (see _states).
BoundState = namedtuple(
    "BoundState", "res_id version voided_version voided_at applied_at"
)


class PssBinding(models.Model):
    """Link between an external id of a system and an Odoo record."""

    _name = "pss.binding"
    _description = "External Binding"
    _order = "id desc"
    _rec_name = "external_id"

    system_id = fields.Many2one(
        "pss.system", required=True, ondelete="cascade", index=True
    )
    res_model = fields.Char(string="Model", required=True)
    res_id = fields.Many2oneReference(
        string="Record ID", model_field="res_model", required=True, index=True
    )
    external_id = fields.Char(string="External ID", required=True)
    company_id = fields.Many2one("res.company", index=True)
    last_version = fields.Integer(
        help="Highest version of the external record applied so far."
    )
    # Indexed: deleting a message sets its bindings' link to NULL.
    last_message_id = fields.Many2one(
        "pss.message", ondelete="set null", index="btree_not_null"
    )
    voided_version = fields.Integer(
        readonly=True,
        help="Highest version the system withdrew (a void): anything sent at "
        "or below it is ignored, even when the record never existed.",
    )
    voided_at = fields.Datetime(
        readonly=True,
        help="When the system withdrew the record (the void's event time): "
        "what it sent before that is ignored.",
    )
    record_name = fields.Char(compute="_compute_record_name")

    _sql_constraints = [
        (
            "external_unique",
            "unique(system_id, res_model, external_id)",
            "This external id is already bound for this system and model.",
        ),
    ]

    def init(self):
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS pss_binding_record_idx
                ON pss_binding (res_model, res_id);
            -- _resolve_any: the same external id bound by any system.
            CREATE INDEX IF NOT EXISTS pss_binding_model_external_idx
                ON pss_binding (res_model, external_id)
            """
        )
        # The keys of lib/locks.advisory_xact_lock: bindings find records by
        # external id, these serialise finding-or-creating them by content.
        self.env.cr.execute(LOCK_TABLE_DDL)

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        names = display_names(self.env, [(b.res_model, b.res_id) for b in self])
        for binding in self:
            binding.record_name = names.get((binding.res_model, binding.res_id))

    @api.constrains("res_model")
    def _check_model(self):
        for binding in self:
            if binding.res_model not in self.env:
                raise ValidationError(_("Unknown model %s.", binding.res_model))

    # ------------------------------------------------------------------
    # Bulk helpers for handlers: one query whatever the number of ids.
    # ------------------------------------------------------------------
    @api.model
    def _resolve(self, system, model, external_ids):
        """Return {external id: record id} for the bound ones, in one query."""
        external_ids = list({str(e) for e in external_ids if e})
        if not external_ids:
            return {}
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT external_id, res_id FROM pss_binding
            WHERE system_id = %s AND res_model = %s AND external_id IN %s
            """,
            [system.id, model, tuple(external_ids)],
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _resolve_any(self, system, model, external_ids):
        """{external id: record id} bound by ``system``, else by any other.

        For records several systems name with the same external id (the HRIS
        creates resources the PSA refers to; the CRM creates engagements the
        PSA books time on). One query; the system's own binding wins. Another
        system's binding counts only for a record of a company ``system`` is
        allowed in (or of no company): a sender never reaches the records of
        an entity it may not send for through another system's ids.
        """
        external_ids = list({str(e) for e in external_ids if e})
        if not external_ids:
            return {}
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (external_id) external_id, res_id
              FROM pss_binding
             WHERE res_model = %s AND external_id IN %s
               AND (system_id = %s OR company_id IS NULL
                    OR company_id = ANY(%s))
             ORDER BY external_id, (system_id = %s) DESC, id
            """,
            [
                model,
                tuple(external_ids),
                system.id,
                system.sudo().company_ids.ids,
                system.id,
            ],
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _resolve_records(self, system, model, external_ids):
        """Like _resolve, but {external id: record} (records browsed at once)."""
        mapping = self._resolve(system, model, external_ids)
        records = self.env[model].browse(list(set(mapping.values())))
        by_id = {r.id: r for r in records}
        return {ext: by_id[rid] for ext, rid in mapping.items()}

    @api.model
    def _versions(self, system, model, external_ids):
        """Return {external id: (record id, last applied version)}."""
        external_ids = list({str(e) for e in external_ids if e})
        if not external_ids:
            return {}
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT external_id, res_id, last_version FROM pss_binding
            WHERE system_id = %s AND res_model = %s AND external_id IN %s
            """,
            [system.id, model, tuple(external_ids)],
        )
        return {ext: (rid, version) for ext, rid, version in self.env.cr.fetchall()}

    @api.model
    def _states(self, system, model, external_ids):
        """{external id: BoundState} in one query: the bound record, the last
        applied version and the event time of the message that applied it,
        and the void (version, time) if the system withdrew it."""
        external_ids = list({str(e) for e in external_ids if e})
        if not external_ids:
            return {}
        self.flush_model()
        self.env["pss.message"].flush_model(["occurred_at"])
        self.env.cr.execute(
            """
            SELECT b.external_id, b.res_id, b.last_version, b.voided_version,
                   b.voided_at, m.occurred_at
              FROM pss_binding b
              LEFT JOIN pss_message m ON m.id = b.last_message_id
             WHERE b.system_id = %s AND b.res_model = %s AND b.external_id IN %s
            """,
            [system.id, model, tuple(external_ids)],
        )
        return {
            row[0]: BoundState(row[1] or None, row[2] or 0, row[3] or 0, *row[4:])
            for row in self.env.cr.fetchall()
        }

    def _upsert(self, system, model, columns, rows, update, returning=None):
        """``INSERT ... ON CONFLICT (system, model, external id) DO UPDATE``
        of one row per external id: ``rows`` maps an external id to its
        (res_id, company_id, *``columns``) values; ``update`` is the SET list
        for an existing binding (the write audit columns are added)."""
        self.check_access_rights("create")
        self.flush_model()
        now = fields.Datetime.now()
        uid = self.env.uid
        values = SQL(", ").join(
            SQL("%s", (system.id, model, ext, *row, uid, now, uid, now))
            for ext, row in rows.items()
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO pss_binding (system_id, res_model, external_id, res_id,
                    company_id, %(columns)s,
                    create_uid, create_date, write_uid, write_date)
                VALUES %(values)s
                ON CONFLICT (system_id, res_model, external_id) DO UPDATE
                   SET %(update)s,
                       write_uid = EXCLUDED.write_uid,
                       write_date = EXCLUDED.write_date
                %(returning)s
                """,
                columns=SQL(", ").join(SQL.identifier(c) for c in columns),
                values=values,
                update=update,
                returning=returning or SQL(),
            )
        )

    @api.model
    def _void_many(self, system, model, items):
        """Record voids in one statement, whether or not a record was ever
        bound: ``items`` are dicts with external_id, version (the highest
        version withdrawn), voided_at, and optionally company_id, message_id.

        A void of an external id never bound leaves a binding without a
        record (``res_id`` 0) that only carries the void, so an approval of
        it that arrives (or is released) later is ignored. The void never
        goes backwards (highest version, latest time).
        """
        if not items:
            return
        rows = {
            str(item["external_id"]): (
                0,  # no record
                item.get("company_id") or None,
                item.get("version") or 0,
                item["voided_at"],
            )
            for item in items
        }
        self._upsert(
            system,
            model,
            ("voided_version", "voided_at"),
            rows,
            SQL(
                """
                voided_version = GREATEST(EXCLUDED.voided_version,
                                          pss_binding.voided_version),
                voided_at = GREATEST(EXCLUDED.voided_at, pss_binding.voided_at),
                company_id = COALESCE(pss_binding.company_id, EXCLUDED.company_id)
                """
            ),
        )
        self.invalidate_model()

    @api.model
    def _bind_many(self, system, model, items):
        """Create or update bindings in one statement; return the external ids
        that were new. ``items`` are dicts with external_id, res_id and
        optionally company_id, version, message_id.

        An ``INSERT ... ON CONFLICT DO UPDATE`` on the UNIQUE (system, model,
        external id) key: no search first, and two workers binding the same
        external id at once resolve through the constraint. The recorded
        version never goes backwards. Messages parked for the new external
        ids are released.
        """
        if not items:
            return []
        rows = {
            str(item["external_id"]): (
                item["res_id"],
                item.get("company_id") or None,
                item.get("version") or 0,
                item.get("message_id") or None,
            )
            for item in items
        }
        self._upsert(
            system,
            model,
            ("last_version", "last_message_id"),
            rows,
            SQL(
                """
                res_id = EXCLUDED.res_id,
                company_id = COALESCE(EXCLUDED.company_id, pss_binding.company_id),
                last_version = GREATEST(EXCLUDED.last_version,
                                        pss_binding.last_version),
                last_message_id = COALESCE(EXCLUDED.last_message_id,
                                           pss_binding.last_message_id)
                """
            ),
            returning=SQL("RETURNING external_id, (xmax = 0) AS inserted"),
        )
        created = [ext for ext, inserted in self.env.cr.fetchall() if inserted]
        self.invalidate_model()
        if created:
            self.env["pss.message"].sudo()._release_waiting(
                system=system, model=model, external_ids=created
            )
        return created

    @api.model
    def _external_ids(self, system, records):
        """Return {record id: external id} for ``records`` bound in ``system``."""
        if not records:
            return {}
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT res_id, external_id FROM pss_binding
            WHERE system_id = %s AND res_model = %s AND res_id IN %s
            """,
            [system.id, records._name, tuple(records.ids)],
        )
        return dict(self.env.cr.fetchall())

    def action_open_record(self):
        self.ensure_one()
        return form_action(self.env, self.res_model, self.res_id, self.record_name)
