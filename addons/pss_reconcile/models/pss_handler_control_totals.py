from odoo import api, models
from odoo.tools.translate import _lt

from odoo.addons.pss_core.lib.errors import PssDataError
from odoo.addons.pss_core.lib.plan import CONFLICT, CREATE, REJECT

from ..lib.control_totals_plan import StatementFacts, plan_control_totals
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
    _pss_texts = {
        "currency_unknown": _lt("unknown or inactive currency: %s"),
        "not_newer": _lt(
            "version %(new)s is not newer than the statement's version %(old)s: ignored"
        ),
        "totals": (
            _lt("%(count)s total, version %(version)s"),
            _lt("%(count)s totals, version %(version)s"),
        ),
    }

    @api.model
    def _pss_sequence_key(self, data):
        if data.get("date_from") and data.get("date_to"):
            return f"control.totals:{data['date_from']}:{data['date_to']}"
        return None

    def _pss_lookups(self, batch):
        """The currencies of the lines and the statements of the periods of
        the system and entity: one query each."""
        items = [data for _m, data in batch]
        currencies = self._pss_currencies(
            {line.currency for data in items for line in data.lines}
        )
        existing = self.env[STATEMENT].search(
            [
                ("system_id", "=", batch.system.id),
                ("company_id", "=", batch.company.id),
                ("date_from", "in", list({data.date_from for data in items})),
            ]
        )
        return StatementFacts(
            currencies={code: c.id for code, c in currencies.items()},
            statements={(s.date_from, s.date_to): (s.id, s.version) for s in existing},
        )

    def _pss_plan(self, batch, facts):
        items = list(batch)
        steps = plan_control_totals([data for _m, data in items], facts)
        return [(m, d, step) for (m, d), step in zip(items, steps, strict=True)]

    def _pss_write(self, batch, plan):
        """New statements (one create), then the updates in the batch's
        order: their lines replaced."""
        writes = []
        for message, data, step in plan:
            if step.kind == REJECT:
                # The detail names the field, not a reason code.
                text = self._pss_text(step.reason) % step.args["codes"]
                details = [{"path": "data.lines", "message": "currency"}]
                batch.fail(message, PssDataError(text, details=details))
            elif step.kind == CONFLICT:
                self._pss_report(batch, message, step)
            else:
                writes.append((message, data, step))
        Statement = self.env[STATEMENT]
        # One recordset: the lines of the updated statements read at once.
        existing = Statement.browse(
            [step.args["id"] for _m, _d, step in writes if step.args.get("id")]
        )
        by_id = {statement.id: statement for statement in existing}
        by_period = {}
        creates = [w for w in writes if w[2].kind == CREATE]
        created = Statement.create(
            [
                dict(
                    self._pss_statement_values(message, step),
                    system_id=batch.system.id,
                    company_id=batch.company.id,
                    date_from=data.date_from,
                    date_to=data.date_to,
                )
                for message, data, step in creates
            ]
        )
        for (_m, data, _s), statement in zip(creates, created, strict=True):
            by_period[(data.date_from, data.date_to)] = statement
        for message, data, step in writes:
            statement = (
                by_id.get(step.args.get("id"))
                or by_period[(data.date_from, data.date_to)]
            )
            if step.kind == CREATE:
                operation = "created"
            else:
                statement.line_ids.unlink()
                statement.write(self._pss_statement_values(message, step))
                operation = "updated"
            batch.record(message, statement, operation)
            batch.note(message, self._pss_text(step.note, step.args))

    @staticmethod
    def _pss_statement_values(message, step):
        return {
            "version": step.values["version"],
            "message_id": message.id,
            "received_at": message.received_at,
            "line_ids": [(0, 0, line) for line in step.values["lines"]],
        }
