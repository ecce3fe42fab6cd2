"""What a handler receives: the claimed messages of one type, system, company.

Plain Python on purpose: it only collects outcomes, the queue applies them.
"""

from collections import defaultdict

from .lib.errors import PssConflictError, PssDependencyError, PssError, PssHoldError

__all__ = ["PssBatch"]


class PssBatch:
    """Claimed messages plus their validated payloads.

    A handler iterates ``for message, data in batch`` and reports, per message:

    - ``batch.record(message, records, operation)``: records it created or
      changed (shown as links on the message, returned to the sender);
    - ``batch.fail(message, error)``: a :mod:`..lib.errors` exception for that
      message only (the rest of the batch still applies);
    - ``batch.park(message, reason, model, external_id)``: wait for a binding;
    - ``batch.hold(message, reason)``: park for a person;
    - ``batch.conflict(message, note)``: nothing applied, on purpose.

    A message with no reported failure is done. Raising from the handler
    rolls the whole batch back; the queue then retries the messages one by
    one so that a single bad message cannot hold the others hostage.
    """

    def __init__(self, messages, payloads, system, company):
        self.messages = messages
        self.payloads = payloads
        self.system = system
        self.company = company
        self.failures = {}
        self.notes = {}
        self.records = defaultdict(list)

    def __iter__(self):
        for message in self.messages:
            if message.id not in self.failures:
                yield message, self.payloads[message.id]

    def __len__(self):
        return len(self.messages)

    def payload(self, message):
        return self.payloads[message.id]

    def record(self, message, records, operation="created", external_id=None):
        for record in records:
            self.records[message.id].append(
                {
                    "res_model": record._name,
                    "res_id": record.id,
                    "operation": operation,
                    "external_id": external_id,
                }
            )

    def note(self, message, text):
        self.notes[message.id] = text

    def fail(self, message, error):
        if not isinstance(error, PssError):
            raise TypeError("batch.fail() takes a PssError")
        self.failures[message.id] = error

    def park(self, message, reason, model, external_id, any_system=False):
        """Park until ``external_id`` of ``model`` is bound by this system
        (or by any system with ``any_system=True``)."""
        self.fail(
            message,
            PssDependencyError(
                reason,
                model,
                external_id,
                system_id=self.system.id,
                any_system=any_system,
            ),
        )

    def hold(self, message, reason):
        self.fail(message, PssHoldError(reason))

    def conflict(self, message, note):
        self.fail(message, PssConflictError(note))
