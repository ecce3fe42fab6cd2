from odoo import _, api, fields, models

BILLING_MODEL_SELECTION = [
    ("time_and_materials", "Time and materials"),
    ("fixed_fee", "Fixed fee"),
    ("milestone", "Milestones"),
    ("retainer", "Retainer"),
]


class PssSourceMixin(models.AbstractModel):
    """Where a record came from: system, external id, messages that touched it."""

    _name = "pss.source.mixin"
    _description = "Record synchronised from an external system"

    pss_system_id = fields.Many2one(
        "pss.system",
        string="External System",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="pss_core.group_pss_user,pss_core.group_pss_integration",
    )
    pss_source = fields.Char(
        string="Synced From",
        related="pss_system_id.name",
        store=True,
        readonly=True,
        copy=False,
        help="External system this record came from.",
    )
    pss_external_id = fields.Char(
        string="External ID",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Id of the engagement in the source system.",
    )
    pss_billing_model = fields.Selection(
        BILLING_MODEL_SELECTION, string="Billing Model", readonly=True, copy=False
    )
    pss_message_count = fields.Integer(
        string="Sync Messages",
        compute="_compute_pss_message_count",
        groups="pss_core.group_pss_user,pss_core.group_pss_integration",
    )

    def _pss_message_ids(self):
        records = self.env["pss.message.record"]._read_group(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)],
            ["res_id"],
            ["message_id:array_agg"],
        )
        return {res_id: set(ids) for res_id, ids in records}

    @api.depends("pss_external_id")
    def _compute_pss_message_count(self):
        by_record = self._pss_message_ids() if self.ids else {}
        for record in self:
            record.pss_message_count = len(by_record.get(record.id, ()))

    def action_view_pss_messages(self):
        self.ensure_one()
        message_ids = sorted(self._pss_message_ids().get(self.id, ()))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "pss_core.pss_message_action"
        )
        action.update(
            name=_("Sync Messages"),
            domain=[("id", "in", message_ids)],
            context={"create": False},
        )
        return action
