from odoo import models

from odoo.addons.pss_core.schemas.common import ExternalId, StrictModel


class TestNotifiedPayload(StrictModel):
    external_id: ExternalId
    status: str


class PssHandlerTestNotified(models.AbstractModel):
    """Outbound test event: validated payload, sent by the outbound cron."""

    _name = "pss.handler.test.notified"
    _inherit = "pss.handler"
    _description = "test.notified (outbound)"
    _pss_event_type = "test.notified"
    _pss_direction = "out"
    _pss_schema = TestNotifiedPayload
