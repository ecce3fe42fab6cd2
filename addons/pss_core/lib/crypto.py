"""Encrypt the values a payload schema marks sensitive (plain Python).

Authenticated encryption (AES-256-GCM from ``cryptography``) of each value
found at a sensitive path (the paths of :func:`masking.sensitive_paths`).
An encrypted value is a self-describing string::

    pss:enc:v1:<key id>:<base64url(nonce | ciphertext | tag)>

The clear value is JSON-encoded before encryption, so a number stays a
number (and a list a list) once decrypted. The key id is authenticated with
the value: a token altered or moved under another key id does not decrypt.

Keys never live in the database: :func:`load_keyring` reads them from the
environment variable ``PSS_ENCRYPTION_KEYS`` or, when it is not set, from the
Odoo configuration option ``pss_encryption_keys``. Both hold
``<key id>:<base64 key of 32 bytes>`` items separated by commas: the first
key encrypts, every key listed decrypts (rotation: put the new key first,
re-encrypt, then drop the old one).

Like masking, every walk is iterative: a payload nested a thousand lists
deep is handled like any other.
"""

import base64
import binascii
import json
import os
import re

from .masking import transform_sensitive

__all__ = [
    "ENV_VARIABLE",
    "OPTION",
    "PREFIX",
    "CryptoError",
    "KeyConfigError",
    "Keyring",
    "decrypt_payload",
    "decrypt_value",
    "encrypt_payload",
    "encrypt_value",
    "generate_key",
    "is_encrypted",
    "key_ids_of",
    "load_keyring",
    "parse_keys",
    "reencrypt_payload",
    "status",
]

PREFIX = "pss:enc:v1:"
ENV_VARIABLE = "PSS_ENCRYPTION_KEYS"
OPTION = "pss_encryption_keys"
KEY_BYTES = 32
NONCE_BYTES = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


class CryptoError(Exception):
    """A value cannot be decrypted (unknown key id, wrong key, altered)."""


class KeyConfigError(CryptoError):
    """The configured keys cannot be read."""


class Keyring:
    """The configured keys: ``current`` encrypts, all of them decrypt."""

    def __init__(self, keys=()):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self.keys = dict(keys)
        self.order = [key_id for key_id, _key in keys]
        self._ciphers = {key_id: AESGCM(key) for key_id, key in self.keys.items()}

    @property
    def current(self):
        """Id of the key that encrypts, or None (no key configured)."""
        return self.order[0] if self.order else None

    def __bool__(self):
        return bool(self.order)

    def encrypt(self, value):
        key_id = self.current
        if key_id is None:
            raise KeyConfigError("no encryption key is configured")
        # default=str as the queue stores payloads: a Decimal or a date a
        # handler put in an outbound payload comes back as its text.
        clear = json.dumps(
            value, separators=(",", ":"), ensure_ascii=False, default=str
        )
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(
            nonce, clear.encode(), _associated(key_id)
        )
        token = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{PREFIX}{key_id}:{token}"

    def decrypt(self, text):
        from cryptography.exceptions import InvalidTag

        key_id, token = _split(text)
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise CryptoError(
                f"a value is encrypted with key {key_id!r}, which is not "
                f"configured (set it in {ENV_VARIABLE} or the Odoo option "
                f"{OPTION})"
            )
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            clear = cipher.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated(key_id)
            )
        except (InvalidTag, ValueError, binascii.Error) as error:
            raise CryptoError(
                f"a value encrypted with key {key_id!r} does not decrypt: "
                "wrong key for this id, or the stored value was altered"
            ) from error
        return json.loads(clear)


def _associated(key_id):
    return f"{PREFIX}{key_id}".encode()


def _split(text):
    rest = text[len(PREFIX) :]
    key_id, sep, token = rest.partition(":")
    if not sep or not key_id or not token:
        raise CryptoError("a value carries the encryption prefix but no key id")
    return key_id, token


def is_encrypted(value):
    """Whether ``value`` is an encrypted value (a string with the prefix)."""
    return isinstance(value, str) and value.startswith(PREFIX)


def generate_key():
    """A new random key, base64 (for ``<key id>:<key>`` in the configuration)."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def parse_keys(text):
    """``[(key id, key bytes)...]`` of ``"k2:base64,k1:base64"``.

    Raises :class:`KeyConfigError` naming the faulty item (never its key)."""
    keys = []
    seen = set()
    for position, raw in enumerate((text or "").split(","), start=1):
        item = raw.strip()
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        key_id, encoded = key_id.strip(), encoded.strip()
        if not sep or not _KEY_ID.match(key_id):
            raise KeyConfigError(
                f"encryption key #{position}: expected <key id>:<base64 key>, "
                "the key id made of letters, digits, '_', '.' or '-'"
            )
        if key_id in seen:
            raise KeyConfigError(f"encryption key id {key_id!r} is listed twice")
        try:
            key = base64.b64decode(
                encoded.replace("-", "+").replace("_", "/") + "=" * (-len(encoded) % 4),
                validate=True,
            )
        except (binascii.Error, ValueError) as error:
            raise KeyConfigError(
                f"encryption key {key_id!r} is not valid base64"
            ) from error
        if len(key) != KEY_BYTES:
            raise KeyConfigError(
                f"encryption key {key_id!r} must be {KEY_BYTES} bytes "
                f"(base64 of 32 random bytes), not {len(key)}"
            )
        seen.add(key_id)
        keys.append((key_id, key))
    return keys


_CACHE = {}


def load_keyring(config=None, environ=None):
    """The keyring of the environment variable, else of the Odoo option.

    ``config`` is a mapping such as ``odoo.tools.config`` (None: no option),
    ``environ`` defaults to ``os.environ``. Parsed keyrings are cached by
    their text, so a changed configuration is read at the next call."""
    environ = os.environ if environ is None else environ
    text = environ.get(ENV_VARIABLE)
    if text is None and config is not None:
        text = config.get(OPTION) or ""
    text = text or ""
    keyring = _CACHE.get(text)
    if keyring is None:
        keyring = Keyring(parse_keys(text))
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[text] = keyring
    return keyring


def status(config=None, environ=None):
    """What the health details and the start-up log say about encryption:
    ``{"status": "on", "key_id": ..., "key_ids": [...]}``, ``{"status":
    "off", "detail": ...}`` (no key) or ``{"status": "error", "detail":
    ...}`` (keys that cannot be read). Never a key."""
    try:
        keyring = load_keyring(config, environ)
    except KeyConfigError as error:
        return {"status": "error", "detail": str(error)}
    if not keyring:
        return {
            "status": "off",
            "detail": f"no key configured ({ENV_VARIABLE} or the Odoo option "
            f"{OPTION}): sensitive payload values are stored in clear",
        }
    return {"status": "on", "key_id": keyring.current, "key_ids": list(keyring.order)}


# ----------------------------------------------------------------------
# Values and payloads (walked by masking.transform_sensitive)
# ----------------------------------------------------------------------
def encrypt_value(value, keyring, fresh=False):
    """``value`` encrypted with the current key; empty values, and already
    encrypted ones unless ``fresh``, are kept as they are.

    ``fresh``: the value comes from outside (a sender), so a string that
    merely looks encrypted is encrypted like any other."""
    if value is None or value == "" or (not fresh and is_encrypted(value)):
        return value
    return keyring.encrypt(value)


def decrypt_value(value, keyring):
    return keyring.decrypt(value) if is_encrypted(value) else value


def encrypt_payload(data, paths, keyring, fresh=False):
    """Copy of ``data`` with its sensitive values encrypted (the payload
    itself when no key is configured or nothing is sensitive).

    ``fresh``: ``data`` is a payload as received (see :func:`encrypt_value`);
    otherwise values already encrypted are kept (encrypting twice is once)."""
    if not keyring or not paths:
        return data
    return transform_sensitive(
        data, paths, lambda value: encrypt_value(value, keyring, fresh=fresh)
    )


def decrypt_payload(data, paths, keyring):
    """Copy of ``data`` with its encrypted values in clear.

    Raises :class:`CryptoError` when a value cannot be decrypted."""
    if not paths:
        return data
    return transform_sensitive(data, paths, lambda value: decrypt_value(value, keyring))


def reencrypt_payload(data, paths, keyring):
    """``(copy, changed)``: every sensitive value encrypted with the current
    key (clear ones encrypted, older keys' ones decrypted and encrypted
    again); ``changed`` is False when nothing had to change."""
    if not keyring or not paths:
        return data, False
    changed = []
    prefix = f"{PREFIX}{keyring.current}:"

    def leaf(value):
        if value is None or value == "":
            return value
        if isinstance(value, str) and value.startswith(prefix):
            return value
        changed.append(True)
        return keyring.encrypt(decrypt_value(value, keyring))

    copy = transform_sensitive(data, paths, leaf)
    return (copy, True) if changed else (data, False)


def key_ids_of(data, paths):
    """The key ids of the encrypted values at ``paths`` of ``data``."""
    found = set()

    def leaf(value):
        if is_encrypted(value):
            found.add(_split(value)[0])
        return value

    transform_sensitive(data, paths, leaf)
    return found
