"""Request signing for the pss HTTP API (standard library only).

The ``X-PSS-Signature`` header has the form ``t=<unix seconds>,v1=<hex>`` where
``hex`` is ``HMAC-SHA256(secret, f"{t}.".encode() + raw_body_bytes)``.  A header
may carry several ``v1=`` entries (for instance while a secret is rotated); it is
valid when any of them matches any of the accepted secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import string
import time
from collections.abc import Iterable

__all__ = ["DEFAULT_TOLERANCE", "compute_signature", "parse_header", "sign", "verify"]

#: Largest accepted distance, in seconds, between the signed timestamp and now.
DEFAULT_TOLERANCE = 300

_HEX_DIGITS = frozenset(string.hexdigits)
_SIGNATURE_LENGTH = hashlib.sha256().digest_size * 2


def _key_bytes(secret: str | bytes) -> bytes:
    if isinstance(secret, str):
        return secret.encode("utf-8")
    if isinstance(secret, bytes | bytearray | memoryview):
        return bytes(secret)
    raise TypeError(f"secret must be str or bytes, not {type(secret).__name__}")


def _body_bytes(body: bytes) -> bytes:
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    raise TypeError(f"body must be bytes, not {type(body).__name__}")


def compute_signature(secret: str | bytes, body: bytes, timestamp: int) -> str:
    """Return the lowercase hex HMAC-SHA256 of ``f"{timestamp}." + body``."""
    message = f"{int(timestamp)}.".encode("ascii") + _body_bytes(body)
    return hmac.new(_key_bytes(secret), message, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, body: bytes, timestamp: int | None = None) -> str:
    """Return the ``X-PSS-Signature`` header value for ``body``.

    ``body`` must be the exact bytes that are sent (``b""`` for a GET request).
    ``timestamp`` defaults to the current time in whole seconds.
    """
    if timestamp is None:
        timestamp = int(time.time())
    timestamp = int(timestamp)
    return f"t={timestamp},v1={compute_signature(secret, body, timestamp)}"


def parse_header(header: str) -> tuple[int | None, list[str]]:
    """Split a signature header into its timestamp and its ``v1`` values.

    The timestamp is ``None`` when it is missing, repeated or not a plain
    non-negative integer.  Entries with other names are ignored (future schemes).
    """
    timestamp: int | None = None
    timestamps_seen = 0
    signatures: list[str] = []
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep:
            continue
        name, value = name.strip(), value.strip()
        if name == "t":
            timestamps_seen += 1
            if value.isascii() and value.isdigit():
                timestamp = int(value)
        elif name == "v1":
            signatures.append(value)
    if timestamps_seen != 1:
        timestamp = None
    return timestamp, signatures


def _is_well_formed(signature: str) -> bool:
    return len(signature) == _SIGNATURE_LENGTH and all(
        char in _HEX_DIGITS for char in signature
    )


def verify(
    header: str | None,
    body: bytes,
    secrets: Iterable[str | bytes] | str | bytes,
    tolerance: int = DEFAULT_TOLERANCE,
    now: int | None = None,
) -> bool:
    """Tell whether ``header`` is a valid signature of ``body``.

    ``secrets`` lists the accepted signing secrets (a single secret is accepted
    too); empty secrets are ignored.  The header is valid when its timestamp is
    within ``tolerance`` seconds of ``now`` (in the past or in the future) and
    any of its ``v1`` values equals the signature computed with any secret.
    Comparisons use :func:`hmac.compare_digest`.
    """
    if not isinstance(header, str) or not header:
        return False
    if isinstance(secrets, str | bytes | bytearray):
        secrets = [secrets]
    keys = [key for key in (_key_bytes(secret) for secret in secrets) if key]
    if not keys:
        return False
    timestamp, signatures = parse_header(header)
    if timestamp is None:
        return False
    if now is None:
        now = int(time.time())
    if abs(int(now) - timestamp) > tolerance:
        return False
    candidates = [
        sig.lower().encode("ascii") for sig in signatures if _is_well_formed(sig)
    ]
    if not candidates:
        return False
    payload = _body_bytes(body)
    matched = False
    for key in keys:
        expected = compute_signature(key, payload, timestamp).encode("ascii")
        for candidate in candidates:
            # No early exit: the time taken does not depend on which entry matched.
            matched |= hmac.compare_digest(expected, candidate)
    return matched
