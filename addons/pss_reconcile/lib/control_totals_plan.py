"""control.totals: what becomes of each statement of a batch (plain Python).

``plan_control_totals(items, facts)`` decides per message, in the batch's
order (the first that applies):

==========================================  ================================
the message                                 step
==========================================  ================================
a line in an unknown or inactive currency   reject ``currency_unknown``
                                            (``codes``: the codes, sorted)
its period has a statement of this          conflict ``not_newer``
version or a newer one
its period has a statement                  update ``id`` (its lines
                                            replaced)
its period has one made earlier in the      update (``id`` None)
batch
otherwise                                   create
==========================================  ================================

A message applied earlier in the batch counts as the statement of its
period for the messages after it.
"""

from dataclasses import dataclass, field

from odoo.addons.pss_core.lib.plan import CONFLICT, CREATE, REJECT, UPDATE, Step

__all__ = ["StatementFacts", "plan_control_totals", "statement_lines"]


@dataclass(frozen=True)
class StatementFacts:
    """What the lookups found, as plain values."""

    currencies: dict = field(default_factory=dict)  # ISO code -> currency id
    # (date_from, date_to) -> (id, version) of the system's statement of
    # the entity
    statements: dict = field(default_factory=dict)


def plan_control_totals(items, facts):
    """One :class:`Step` per validated ``ControlTotals`` of ``items``."""
    known = dict(facts.statements)
    steps = []
    for data in items:
        step = plan_statement(data, facts.currencies, known)
        if step.kind in (CREATE, UPDATE):
            period = (data.date_from, data.date_to)
            known[period] = (step.args.get("id"), data.version)
        steps.append(step)
    return steps


def plan_statement(data, currencies, known):
    """The step of one statement; ``known``: {period: (id, version)} of the
    statements so far (id None: created earlier in the batch)."""
    unknown = sorted(
        {ln.currency for ln in data.lines if ln.currency} - set(currencies)
    )
    if unknown:
        return Step(REJECT, "currency_unknown", {"codes": ", ".join(unknown)})
    args = {"count": len(data.lines), "version": data.version}
    found = known.get((data.date_from, data.date_to))
    if found is None:
        kind = CREATE
    elif found[1] >= data.version:
        return Step(CONFLICT, "not_newer", {"new": data.version, "old": found[1]})
    else:
        kind, args["id"] = UPDATE, found[0]
    return Step(
        kind,
        args=args,
        values={"version": data.version, "lines": statement_lines(data, currencies)},
        note="totals",
    )


def statement_lines(data, currencies):
    """Values of the statement's lines (pss.recon.statement.line)."""
    return [
        {
            "kind": line.key[0],
            "external_id": line.key[1],
            "hours": float(line.hours),
            "has_invoiced": line.invoiced_amount is not None,
            "invoiced_amount": float(line.invoiced_amount or 0),
            "currency_id": currencies[line.currency] if line.currency else False,
        }
        for line in data.lines
    ]
