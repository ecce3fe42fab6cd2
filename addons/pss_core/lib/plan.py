"""What a handler decided for one message (or line): a plan step.

A handler applies a batch in three steps (``pss.handler._pss_process``):

1. ``_pss_lookups(batch)``: batched reads, one query per kind of record,
   returned as plain values (the *facts*);
2. ``_pss_plan(batch, facts)``: no reads, no writes; one :class:`Step` per
   message (or line), decided by plain functions of the addon's ``lib/``
   that are tested without a database;
3. ``_pss_write(batch, plan)``: creates and writes in batches, binds, and
   reports the other steps on the batch (:meth:`pss.handler._pss_report`).

A step says what to do and why: ``reason`` is a code of the handler's table
of texts (translated where the step is reported), ``args`` fill it in.
"""

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CONFLICT",
    "CREATE",
    "DEAD",
    "HOLD",
    "KINDS",
    "PARK",
    "REJECT",
    "UPDATE",
    "Step",
]

CREATE = "create"  # new records from ``values``
UPDATE = "update"  # ``values`` written on an existing record
PARK = "park"  # wait for ``waits_for`` = (model, external id) to be bound
HOLD = "hold"  # parked for a person (finance)
REJECT = "reject"  # a data error: dead at once, with ``details``
CONFLICT = "conflict"  # nothing applied, on purpose (already applied, older)
DEAD = REJECT  # the queue's name for the state a rejected message reaches
KINDS = frozenset({CREATE, UPDATE, PARK, HOLD, REJECT, CONFLICT})


@dataclass(frozen=True)
class Step:
    kind: str
    reason: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] | None = None
    # PARK: (model, external id) the message waits for, bound by any system
    # (or by the message's own system with ``any_system=False``).
    waits_for: tuple[str, str] | None = None
    any_system: bool = True
    # REJECT: [(path, reason code), ...] of the fields at fault.
    details: tuple[tuple[str, str], ...] = ()
    # CREATE / UPDATE: a note for the message (reason code), e.g. a date moved.
    note: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown plan step kind {self.kind!r}")
        if self.kind == PARK and not self.waits_for:
            raise ValueError("a park step says what it waits for")
