from odoo import _, api, models

from odoo.addons.pss_core.lib.errors import PssDataError

from ..schemas.control_totals import ControlTotals

STATEMENT = "pss.recon.statement"


class PssHandlerControlTotals(models.AbstractModel):
    """control.totals: the sender's totals for the envelope's entity and a
    period. The statement of that system, entity and period is replaced by a
    newer version; an older (or the same) version changes nothing and is a
    conflict."""

    _name = "pss.handler.control.totals"
    _inherit = "pss.handler"
    _description = "control.totals"
    _pss_event_type = "control.totals"
    _pss_groups = "pss_reconcile.group_pss_control_totals_integration"
    _pss_schema = ControlTotals
    _pss_description = "The sender's control totals of an entity and period"

    @api.model
    def _pss_sequence_key(self, data):
        if data.get("date_from") and data.get("date_to"):
            return f"control.totals:{data['date_from']}:{data['date_to']}"
        return None

    def _pss_process(self, batch):
        system = batch.system
        company = batch.company
        items = list(batch)
        currencies = self._pss_currencies(
            {line.currency for _m, d in items for line in d.lines}
        )
        Statement = self.env[STATEMENT]
        periods = {(d.date_from, d.date_to) for _m, d in items}
        existing = Statement.search(
            [
                ("system_id", "=", system.id),
                ("company_id", "=", company.id),
                ("date_from", "in", [p[0] for p in periods]),
            ]
        )
        by_period = {(s.date_from, s.date_to): s for s in existing}
        for message, data in items:
            unknown = sorted(
                {ln.currency for ln in data.lines if ln.currency} - set(currencies)
            )
            if unknown:
                batch.fail(
                    message,
                    PssDataError(
                        _("unknown or inactive currency: %s", ", ".join(unknown)),
                        details=[{"path": "data.lines", "message": "currency"}],
                    ),
                )
                continue
            period = (data.date_from, data.date_to)
            statement = by_period.get(period)
            if statement and statement.version >= data.version:
                batch.conflict(
                    message,
                    _(
                        "version %(new)s is not newer than the statement's "
                        "version %(old)s: ignored",
                        new=data.version,
                        old=statement.version,
                    ),
                )
                continue
            lines = [
                (
                    0,
                    0,
                    {
                        "kind": line.key[0],
                        "external_id": line.key[1],
                        "hours": float(line.hours),
                        "has_invoiced": line.invoiced_amount is not None,
                        "invoiced_amount": float(line.invoiced_amount or 0),
                        "currency_id": currencies[line.currency].id
                        if line.currency
                        else False,
                    },
                )
                for line in data.lines
            ]
            vals = {
                "version": data.version,
                "message_id": message.id,
                "received_at": message.received_at,
            }
            if statement:
                statement.line_ids.unlink()
                statement.write({**vals, "line_ids": lines})
                operation = "updated"
            else:
                statement = Statement.create(
                    {
                        **vals,
                        "system_id": system.id,
                        "company_id": company.id,
                        "date_from": data.date_from,
                        "date_to": data.date_to,
                        "line_ids": lines,
                    }
                )
                by_period[period] = statement
                operation = "created"
            batch.record(message, statement, operation)
            batch.note(
                message,
                _(
                    "%(count)s totals, version %(version)s",
                    count=len(data.lines),
                    version=data.version,
                ),
            )
