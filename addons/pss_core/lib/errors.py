"""Exceptions a handler raises to tell the queue what went wrong.

The queue maps each to an error category (DESIGN section 3):

- ``PssTransientError``: retry with backoff (a remote system is down, a lock).
- ``PssDataError``: the payload or a mapping is wrong; dead at once, visible.
- ``PssDependencyError``: park until a binding exists, then release by itself.
- ``PssHoldError``: park for a person (locked period...), with a reason.
- ``PssConflictError``: an older version than the applied one; done, no effect.

Any other exception is an ``internal`` error: retried a few times, then dead.
"""

__all__ = [
    "PssConflictError",
    "PssDataError",
    "PssDependencyError",
    "PssError",
    "PssHoldError",
    "PssTransientError",
]


class PssError(Exception):
    category = "internal"

    def __init__(self, message, details=None):
        super().__init__(message)
        self.message = message
        self.details = details or []


class PssTransientError(PssError):
    category = "transient"

    def __init__(self, message, retry_after=None, details=None):
        super().__init__(message, details)
        self.retry_after = retry_after


class PssDataError(PssError):
    category = "data"


class PssConflictError(PssError):
    category = "conflict"


class PssHoldError(PssError):
    category = "hold"


class PssDependencyError(PssError):
    """Waiting for ``external_id`` of ``model`` to be bound.

    By default the binding must come from ``system_id`` (the message's own
    system when None). With ``any_system=True`` a binding from any system
    releases it: for records several systems share by external id, such as
    resources the HRIS creates and the PSA refers to.
    """

    category = "dependency"

    def __init__(self, message, model, external_id, system_id=None, any_system=False):
        super().__init__(message)
        self.model = model
        self.external_id = str(external_id)
        self.system_id = system_id
        self.any_system = any_system
