"""HMAC request signatures: ``X-PSS-Signature: t=<unix>,v1=<hex>[,v1=<hex>]``.

The signed string is ``b"<t>." + raw_body``; the MAC is HMAC-SHA256 with the
system's signing secret. Several ``v1`` values may be present (a sender that
signs with both the old and the new secret while they rotate); any one match
is enough. Timestamps more than ``tolerance`` seconds away from now, in either
direction, are refused so that a captured request cannot be replayed later.
"""

import hashlib
import hmac
import re
import time

__all__ = ["SignatureError", "compute", "sign", "verify"]

DEFAULT_TOLERANCE = 300
# Unix seconds in ASCII digits only: str.isdigit() and int() also take
# Arabic-Indic or superscript digits, and int() refuses past 4,300 digits.
# Twelve digits reach the year 33658, far past any tolerance window.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class SignatureError(ValueError):
    """The signature header is missing, malformed, stale or does not match.

    ``reason`` is a short machine-readable code, safe to log and return: it
    never contains the secret or the expected MAC.
    """

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


def _as_bytes(value):
    return value.encode() if isinstance(value, str) else bytes(value)


def compute(secret, timestamp, body):
    """Hex HMAC-SHA256 of ``b"<timestamp>." + body``."""
    message = str(int(timestamp)).encode() + b"." + _as_bytes(body)
    return hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()


def sign(secret, body, timestamp=None):
    """Return the header value for ``body`` signed with ``secret``."""
    timestamp = int(time.time() if timestamp is None else timestamp)
    return f"t={timestamp},v1={compute(secret, timestamp, body)}"


def parse(header):
    """Split a header into ``(timestamp, [v1 signatures])`` or raise."""
    if not header:
        raise SignatureError("missing", "X-PSS-Signature header is missing")
    timestamp = None
    signatures = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError("malformed", "signature header is malformed")
        if key == "t":
            if not _TIMESTAMP.fullmatch(value):
                raise SignatureError(
                    "malformed",
                    "signature timestamp is not a number of 1 to 12 ASCII digits",
                )
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value.lower())
        # Other schemes (v0, v2...) are ignored, as Stripe does, so that a
        # sender can add a newer scheme without breaking older receivers.
    if timestamp is None:
        raise SignatureError("malformed", "signature header has no timestamp")
    if not signatures:
        raise SignatureError("no_v1", "signature header has no v1 signature")
    return timestamp, signatures


def verify(header, body, secrets, tolerance=DEFAULT_TOLERANCE, now=None):
    """Check ``header`` against ``body`` and any of ``secrets``.

    Returns the index of the secret that matched, raises ``SignatureError``
    otherwise. Comparison is constant-time for every candidate.
    """
    timestamp, signatures = parse(header)
    now = int(time.time() if now is None else now)
    if timestamp < now - tolerance:
        raise SignatureError("stale", "signature timestamp is too old")
    if timestamp > now + tolerance:
        raise SignatureError("future", "signature timestamp is in the future")
    secrets = [s for s in secrets if s]
    if not secrets:
        raise SignatureError("no_secret", "no signing secret is configured")
    for index, secret in enumerate(secrets):
        expected = compute(secret, timestamp, body)
        for candidate in signatures:
            # compare_digest on str requires ASCII; a non-hex value simply
            # fails to match rather than raising.
            if candidate.isascii() and hmac.compare_digest(expected, candidate):
                return index
    raise SignatureError("mismatch", "no signature matches the request body")
