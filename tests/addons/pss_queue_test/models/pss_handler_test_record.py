from typing import Literal

from pydantic import Field

from odoo import models

from odoo.addons.pss_core.lib.errors import PssDataError, PssTransientError
from odoo.addons.pss_core.schemas.common import (
    Amount,
    ExternalId,
    Name,
    StrictModel,
    Text,
    Version,
)


class TestRecordPayload(StrictModel):
    external_id: ExternalId
    name: Name
    version: Version = 1
    amount: Amount = 0
    parent_external_id: ExternalId | None = None
    # The parent may be bound by any system (resolve and wait across systems).
    parent_any_system: bool = False
    behaviour: Literal["ok", "transient", "data", "internal", "hold", "sleep"] = "ok"
    sleep: float = 0
    secret: Text | None = Field(default=None, json_schema_extra={"sensitive": True})


class PssHandlerTestRecord(models.AbstractModel):
    """Creates/updates pss.test.record; payload flags trigger each error path."""

    _name = "pss.handler.test.record"
    _inherit = "pss.handler"
    _description = "test.record handler"
    _pss_event_type = "test.record"
    _pss_schema = TestRecordPayload
    _pss_sequence_prefix = "test.record"

    def _pss_process(self, batch):
        binding = self.env["pss.binding"]
        system = batch.system
        items = list(batch)
        for _m, data in items:
            if data.behaviour == "internal":
                # A bug whose message quotes a sensitive value, as Odoo's
                # own errors may (the tests show it masked in logs).
                quoted = f" (secret {data.secret})" if data.secret else ""
                raise RuntimeError(f"simulated bug in the handler{quoted}")
        versions = binding._versions(
            system, "pss.test.record", [d.external_id for _m, d in items]
        )
        parents = binding._resolve(
            system,
            "pss.test.record",
            [
                d.parent_external_id
                for _m, d in items
                if d.parent_external_id and not d.parent_any_system
            ],
        )
        parents.update(
            binding._resolve_any(
                system,
                "pss.test.record",
                [
                    d.parent_external_id
                    for _m, d in items
                    if d.parent_external_id and d.parent_any_system
                ],
            )
        )
        to_create, creators = [], []
        updates = []
        for message, data in items:
            if data.behaviour == "sleep":
                import time

                time.sleep(data.sleep)
            if data.behaviour == "transient":
                batch.fail(message, PssTransientError("remote side is down"))
                continue
            if data.behaviour == "data":
                quoted = f" for {data.secret}" if data.secret else ""
                batch.fail(
                    message,
                    PssDataError(
                        f"amount does not match{quoted}",
                        details=[
                            {"path": "data.amount", "message": f"mismatch{quoted}"}
                        ],
                    ),
                )
                continue
            if data.behaviour == "hold":
                batch.hold(message, "period 2026-10 is locked")
                continue
            if data.parent_external_id and data.parent_external_id not in parents:
                batch.park(
                    message,
                    f"waiting for parent {data.parent_external_id}",
                    "pss.test.record",
                    data.parent_external_id,
                    any_system=data.parent_any_system,
                )
                continue
            vals = {
                "name": data.name,
                "external_id": data.external_id,
                "version": data.version,
                "amount": float(data.amount),
                "parent_id": parents.get(data.parent_external_id) or False,
                "company_id": self.env.company.id,
            }
            bound = versions.get(data.external_id)
            if bound:
                record_id, applied_version = bound
                if data.version <= (applied_version or 0):
                    batch.conflict(
                        message,
                        f"version {data.version} is not newer than applied "
                        f"version {applied_version}: ignored",
                    )
                    continue
                updates.append((message, record_id, vals, data))
            else:
                to_create.append(vals)
                creators.append((message, data))
        records = self.env["pss.test.record"].create(
            [dict(v, applied_count=1) for v in to_create]
        )
        bind_items = []
        for (message, data), record in zip(creators, records, strict=True):
            batch.record(message, record, "created", data.external_id)
            bind_items.append(
                {
                    "external_id": data.external_id,
                    "res_id": record.id,
                    "company_id": record.company_id.id,
                    "version": data.version,
                    "message_id": message.id,
                }
            )
        for message, record_id, vals, data in updates:
            record = self.env["pss.test.record"].browse(record_id)
            record.write(dict(vals, applied_count=record.applied_count + 1))
            batch.record(message, record, "updated", data.external_id)
            bind_items.append(
                {
                    "external_id": data.external_id,
                    "res_id": record_id,
                    "company_id": record.company_id.id,
                    "version": data.version,
                    "message_id": message.id,
                }
            )
        binding._bind_many(system, "pss.test.record", bind_items)
