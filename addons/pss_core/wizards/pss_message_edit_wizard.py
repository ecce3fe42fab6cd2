import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.crypto import CryptoError


class PssMessageEditWizard(models.TransientModel):
    _name = "pss.message.edit.wizard"
    _description = "Edit a Message Payload and Replay"

    message_id = fields.Many2one("pss.message", required=True, ondelete="cascade")
    payload_text = fields.Text(string="Payload (JSON)", required=True)
    replay = fields.Boolean(default=True, help="Apply the edited message again.")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        message = self.env["pss.message"].browse(
            values.get("message_id") or self.env.context.get("default_message_id")
        )
        if message:
            message._check_manager()
            # Shown and edited in clear; encrypted again when saved.
            try:
                payload = message._pss_clear_payload()
            except CryptoError as error:
                raise UserError(
                    _("The payload cannot be decrypted: %s", error)
                ) from error
            values["payload_text"] = json.dumps(
                payload or {}, indent=2, ensure_ascii=False
            )
        return values

    def action_apply(self):
        self.ensure_one()
        try:
            payload = json.loads(self.payload_text)
        except ValueError as error:
            raise UserError(_("The payload is not valid JSON: %s", error)) from error
        if not isinstance(payload, dict):
            raise UserError(_("The payload must be a JSON object."))
        self.message_id._edit_payload(payload, replay=self.replay)
        return {"type": "ir.actions.act_window_close"}
