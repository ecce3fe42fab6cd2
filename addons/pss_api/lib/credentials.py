"""API keys and signing secrets: generation, parsing, hashing.

An API key looks like ``pss_<prefix>_<secret>``:

- ``prefix``: 12 hex characters, stored in clear; it identifies the key (for
  display and for the indexed lookup) and reveals nothing about the secret;
- ``secret``: 32 random bytes (256 bits) in URL-safe base64.

Only ``sha256(key)`` is stored. A slow password hash (bcrypt, PBKDF2) protects
low-entropy human passwords against brute force; a 256-bit random secret
cannot be brute-forced, so a single SHA-256 is enough and keeps every request
fast. Signing secrets stay in clear (HMAC needs them), readable only by
``base.group_system``.
"""

import hashlib
import hmac
import secrets

__all__ = [
    "KEY_PREFIX",
    "SECRET_PREFIX",
    "bearer_token",
    "generate_api_key",
    "generate_signing_secret",
    "hash_key",
    "key_matches",
    "split_key",
    "token_matches",
]

KEY_PREFIX = "pss"
TOKEN_HASH_PREFIX = "sha256:"  # noqa: S105 - a hash marker, not a secret
SECRET_PREFIX = "pss_sig_"  # noqa: S105 - a public marker, not a secret
_PREFIX_LENGTH = 12
_MAX_KEY_LENGTH = 256


def generate_api_key():
    """Return ``(key, prefix)`` of a new random API key."""
    prefix = secrets.token_hex(_PREFIX_LENGTH // 2)
    return f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}", prefix


def generate_signing_secret():
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def split_key(key):
    """Return the prefix of a well-formed key, else None (never raises)."""
    if not isinstance(key, str) or not key.isascii() or len(key) > _MAX_KEY_LENGTH:
        return None
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[2]:
        return None
    prefix = parts[1]
    if len(prefix) != _PREFIX_LENGTH or any(
        c not in "0123456789abcdef" for c in prefix
    ):
        return None
    return prefix


def hash_key(key):
    return hashlib.sha256(key.encode()).hexdigest()


def key_matches(key, hashes):
    """True when ``sha256(key)`` equals one of ``hashes`` (constant time each)."""
    digest = hash_key(key)
    matched = False
    for candidate in hashes:
        if candidate and hmac.compare_digest(digest, candidate):
            matched = True
    return matched


def bearer_token(header):
    """The token of an ``Authorization: Bearer <token>`` header, else ""."""
    scheme, _sep, token = (header or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" else ""


def token_matches(given, token):
    """True when ``given`` is ``token``, or hashes to it when ``token`` is
    ``sha256:<hex>`` (constant time)."""
    if token.startswith(TOKEN_HASH_PREFIX):
        return hmac.compare_digest(
            hash_key(given), token[len(TOKEN_HASH_PREFIX) :].lower()
        )
    return hmac.compare_digest(given, token)
