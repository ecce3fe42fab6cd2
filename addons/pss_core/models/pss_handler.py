from odoo import api, models

from ..lib import plan as steps
from ..lib.errors import PssDataError
from ..lib.texts import counted


class PssHandler(models.AbstractModel):
    """Base of every event handler.

    An addon registers a handler for one event type by inheriting this model::

        class TimesheetApprovedHandler(models.AbstractModel):
            _name = "pss.handler.timesheet.approved"
            _inherit = "pss.handler"
            _description = "timesheet.approved"
            _pss_event_type = "timesheet.approved"
            _pss_schema = TimesheetApproved          # pydantic model of "data"

            def _pss_lookups(self, batch):   # batched reads -> facts
            def _pss_plan(self, batch, facts):  # no writes -> steps
            def _pss_write(self, batch, plan):  # writes, binds, reports

    The queue hands all claimed messages of one type, system and company to
    ``_pss_process`` in one call (see :class:`PssBatch`), in the company of
    the messages and as the system's technical user. ``_pss_process`` runs
    the three steps (see :mod:`..lib.plan`); a handler that fits nothing else
    may still override ``_pss_process`` itself, saying why.
    """

    _name = "pss.handler"
    _description = "PSS Event Handler"

    _pss_event_type = None
    _pss_direction = "in"
    _pss_schema = None
    _pss_schema_versions = (1,)
    _pss_description = ""
    # Events of one external record apply in order: "<prefix>:<external_id>".
    _pss_sequence_prefix = None
    # Groups (XML ids, comma-separated, any of them) the system's technical
    # user must hold for the queue to apply this type: the event family's
    # narrow technical-user group.
    _pss_groups = "pss_core.group_pss_integration"
    # Model whose binding (under the sequence key's external id) applying
    # this event creates, e.g. "sale.order" for engagement.won. Earlier
    # messages of its sequence key parked waiting for that binding (and the
    # ones queued behind them) do not hold it back: it is what releases them.
    _pss_sequence_binds = None

    @api.model
    def _pss_registry(self, direction=None):
        """Return {event type: handler model name} of the installed handlers."""
        handlers = {}
        for name in self.env.registry[self._name]._inherit_children:
            model = self.env.registry[name]
            event_type = getattr(model, "_pss_event_type", None)
            if not event_type:
                continue
            if direction and model._pss_direction != direction:
                continue
            handlers[event_type] = name
        return handlers

    @api.model
    def _pss_sequence_openers(self):
        """((event type, model), ...) of the inbound handlers that bind the
        record the other events of their sequence key wait for."""
        registry = self.env.registry
        return tuple(
            sorted(
                (event_type, registry[name]._pss_sequence_binds)
                for event_type, name in self._pss_registry("in").items()
                if registry[name]._pss_sequence_binds
            )
        )

    @api.model
    def _pss_handler_for(self, event_type, direction="in"):
        name = self._pss_registry(direction).get(event_type)
        return self.env[name] if name else None

    @api.model
    def _pss_validate(self, data, schema_version=1):
        """Validate ``data`` with the handler's schema; return the model.

        Raises PssDataError with one entry per field error (path + message).
        """
        from pydantic import ValidationError

        if schema_version not in self._pss_schema_versions:
            raise PssDataError(
                f"schema_version {schema_version} is not supported for "
                f"{self._pss_event_type}",
                details=[{"path": "schema_version", "message": "unsupported"}],
            )
        if self._pss_schema is None:
            return data
        try:
            return self._pss_schema.model_validate(data)
        except ValidationError as exc:
            raise PssDataError(
                f"payload of {self._pss_event_type} is invalid",
                details=validation_details(exc, prefix="data"),
            ) from exc

    @api.model
    def _pss_sequence_key(self, data):
        """Sequence key of an event: events with the same key apply in order.

        By default ``<_pss_sequence_prefix>:<data["external_id"]>`` when the
        handler sets a prefix; None (parallel with any other) otherwise.
        """
        if self._pss_sequence_prefix and data.get("external_id"):
            return f"{self._pss_sequence_prefix}:{data['external_id']}"
        return None

    @api.model
    def _pss_currencies(self, codes):
        """{ISO code: res.currency} of the active currencies among ``codes``,
        in one query (a code missing from the result is unknown or inactive)."""
        codes = {code for code in codes if code}
        if not codes:
            return {}
        found = self.env["res.currency"].search([("name", "in", list(codes))])
        return {currency.name: currency for currency in found}

    # {reason code: _lt(text)} of the handler's plan steps (see _pss_text).
    _pss_texts = {}

    def _pss_process(self, batch):
        """Lookups, plan, writes: the template every handler follows."""
        facts = self._pss_lookups(batch)
        plan = self._pss_plan(batch, facts)
        return self._pss_write(batch, plan)

    def _pss_lookups(self, batch):
        raise NotImplementedError(f"handler {self._name} has no _pss_lookups")

    def _pss_plan(self, batch, facts):
        raise NotImplementedError(f"handler {self._name} has no _pss_plan")

    def _pss_write(self, batch, plan):
        raise NotImplementedError(f"handler {self._name} has no _pss_write")

    def _pss_text(self, code, args=None):
        """The translated text of a reason code of ``_pss_texts``: a text,
        or a pair (for one, for several) chosen by ``args["count"]``."""
        text = self._pss_texts[code]
        if isinstance(text, tuple):
            return counted(args["count"], str(text[0]), str(text[1]), **args)
        text = str(text)
        return text % args if args else text

    def _pss_report(self, batch, message, step):
        """Report a step that writes nothing on the batch: park, hold,
        reject (dead, with a detail per field), conflict."""
        text = self._pss_text(step.reason, step.args)
        if step.kind == steps.PARK:
            model, external_id = step.waits_for
            batch.park(message, text, model, external_id, any_system=step.any_system)
        elif step.kind == steps.HOLD:
            batch.hold(message, text)
        elif step.kind == steps.CONFLICT:
            batch.conflict(message, text)
        elif step.kind == steps.REJECT:
            batch.fail(
                message,
                PssDataError(
                    text,
                    details=[
                        {"path": path, "message": self._pss_text(code, step.args)}
                        for path, code in step.details
                    ]
                    or None,
                ),
            )
        else:
            raise ValueError(f"a {step.kind} step is written, not reported")


def validation_details(exc, prefix=""):
    """pydantic errors as [{"path": "data.lines[3].hours", "message": ...}]."""
    details = []
    for error in exc.errors():
        path = prefix
        for part in error.get("loc", ()):
            if isinstance(part, int):
                path += f"[{part}]"
            else:
                path = f"{path}.{part}" if path else str(part)
        details.append({"path": path, "message": error.get("msg", "invalid")})
    return details
