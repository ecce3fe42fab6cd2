from odoo import models

from ..schemas.customer import CustomerUpserted


class PssHandlerCustomerUpserted(models.AbstractModel):
    """customer.upserted: one partner per external customer, deduplicated.

    The work is the customer engine's (``pss.customer.upsert``, shared with
    engagement.won's inline customers). It overrides ``_pss_process`` rather
    than the three steps: the engine locks between looking for duplicates and
    creating partners, then looks again, so its reads and writes interleave.
    """

    _name = "pss.handler.customer.upserted"
    _inherit = "pss.handler"
    _description = "customer.upserted"
    _pss_event_type = "customer.upserted"
    _pss_groups = "pss_project.group_pss_project_integration"
    _pss_schema = CustomerUpserted
    _pss_sequence_prefix = "customer"
    _pss_description = "Create or update a customer (deduplicated)"

    def _pss_process(self, batch):
        items = list(batch)
        outcomes = self.env["pss.customer.upsert"]._pss_upsert_customers(
            batch.system,
            [(message.id, data, message.id, "data") for message, data in items],
        )
        for message, data in items:
            outcome = outcomes[message.id]
            if outcome.error:
                batch.fail(message, outcome.error)
                continue
            batch.record(message, outcome.partner, outcome.operation, data.external_id)
