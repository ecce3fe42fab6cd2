"""Encryption at rest of a message's sensitive payload values (a step of
pss.message, see pss_message.py): sealed on create and write, opened in
memory for handlers, senders and managers, re-encrypted on key rotation.
The rules are plain Python: ``lib/crypto.py``."""

import logging

from psycopg2.extras import Json, execute_values

from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.tools import config

from ..lib import crypto

_logger = logging.getLogger(__name__)

# The stored fields whose sensitive values are encrypted at rest.
ENCRYPTED_FIELDS = ("payload", "payload_original")


def pss_keyring():
    """The configured encryption keys (lib/crypto.py: the environment
    variable PSS_ENCRYPTION_KEYS, else the Odoo option pss_encryption_keys)."""
    return crypto.load_keyring(config)


class PssMessageCrypto(models.AbstractModel):
    _name = "pss.message.crypto"
    _description = "Sync Message: encryption at rest"

    def _pss_clear_payload(self, original=False):
        """The payload (or the original payload) with its sensitive values
        decrypted, in memory only. Raises :class:`crypto.CryptoError` with
        the reason when a value cannot be decrypted."""
        self.ensure_one()
        data = self.sudo()["payload_original" if original else "payload"]
        return crypto.decrypt_payload(data, self._pss_sensitive_paths(), pss_keyring())

    @api.model
    def _pss_seal(self, payload, event_type, direction="in", fresh=False):
        """``payload`` as it is stored: its sensitive values encrypted with
        the current key (as it is when no key is configured)."""
        if not payload:
            return payload
        paths = self._pss_paths_of(event_type, direction)
        return crypto.encrypt_payload(payload, paths, pss_keyring(), fresh=fresh)

    def _pss_seal_vals(self, vals, event_type, direction):
        if not any(name in vals and vals[name] for name in ENCRYPTED_FIELDS):
            return vals
        vals = dict(vals)
        for name in ENCRYPTED_FIELDS:
            if vals.get(name):
                vals[name] = self._pss_seal(vals[name], event_type, direction)
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [
            self._pss_seal_vals(
                vals, vals.get("event_type"), vals.get("direction") or "in"
            )
            for vals in vals_list
        ]
        return super().create(vals_list)

    def write(self, vals):
        # Whoever writes a payload (an edit, a finance move of held lines)
        # stores its sensitive values encrypted; values already encrypted
        # are kept as they are.
        if not any(vals.get(name) for name in ENCRYPTED_FIELDS):
            return super().write(vals)
        groups = {}
        for message in self:
            key = (message.event_type, message.direction)
            groups.setdefault(key, self.browse())
            groups[key] |= message
        for (event_type, direction), messages in groups.items():
            super(PssMessageCrypto, messages).write(
                self._pss_seal_vals(vals, event_type, direction)
            )
        return True

    @api.model
    def _pss_encryption_status(self):
        """What the health details say about encryption at rest."""
        return crypto.status(config)

    def _register_hook(self):
        # At install and at every start: say so when payloads stay clear.
        result = super()._register_hook()
        state = crypto.status(config)
        if state["status"] == "off":
            _logger.warning("pss: encryption at rest is off: %s", state["detail"])
        elif state["status"] == "error":
            _logger.error("pss: encryption keys cannot be read: %s", state["detail"])
        return result

    @api.model
    def _pss_reencrypt(self, batch_size=500, commit=False):
        """Encrypt every stored payload with the current key (rotation).

        Values of older keys are decrypted and encrypted again, clear ones
        (stored before a key was configured) encrypted; values already under
        the current key are left alone, so a second run changes nothing.
        Works in chunks of ``batch_size`` messages (one SELECT and at most
        one UPDATE each); ``commit`` commits after each chunk (the command
        line does). Returns {"checked", "reencrypted", "failed", "key_id"};
        a message whose values cannot be decrypted (its key is gone) is
        counted in ``failed`` and logged, the others are still done.
        """
        keyring = pss_keyring()
        if not keyring:
            raise UserError(
                _(
                    "No encryption key is configured (%s): nothing to encrypt with.",
                    crypto.ENV_VARIABLE,
                )
            )
        paths_of = self._pss_encrypted_paths()
        counts = {"checked": 0, "reencrypted": 0, "failed": 0}
        counts["key_id"] = keyring.current
        if not paths_of:
            return counts
        types = sorted({event_type for _direction, event_type in paths_of})
        self.flush_model()
        last_id = 0
        while True:
            self.env.cr.execute(
                """
                SELECT id, direction, event_type, payload, payload_original
                  FROM pss_message
                 WHERE id > %s AND event_type = ANY(%s)
                   AND (payload IS NOT NULL OR payload_original IS NOT NULL)
                 ORDER BY id
                 LIMIT %s
                """,
                [last_id, types, batch_size],
            )
            rows = self.env.cr.fetchall()
            if not rows:
                break
            last_id = rows[-1][0]
            updates = self._pss_reencrypted_rows(rows, paths_of, keyring, counts)
            self._pss_write_payload_rows(updates)
            counts["reencrypted"] += len(updates)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        self.invalidate_model(list(ENCRYPTED_FIELDS))
        _logger.info(
            "pss: re-encryption with key %s: %d checked, %d re-encrypted, %d failed",
            counts["key_id"],
            counts["checked"],
            counts["reencrypted"],
            counts["failed"],
        )
        return counts

    @api.model
    def _pss_encrypted_paths(self):
        """{(direction, event type): sensitive paths} of the installed
        handlers whose schema marks values sensitive."""
        paths_of = {}
        for direction in ("in", "out"):
            for event_type in self.env["pss.handler"]._pss_registry(direction):
                paths = self._pss_paths_of(event_type, direction)
                if paths:
                    paths_of[(direction, event_type)] = paths
        return paths_of

    @api.model
    def _pss_reencrypted_rows(self, rows, paths_of, keyring, counts):
        """(id, payload, original) of the rows whose values changed key."""
        updates = []
        for message_id, direction, event_type, payload, original in rows:
            paths = paths_of.get((direction, event_type))
            if not paths:
                continue
            counts["checked"] += 1
            try:
                new_payload, one = crypto.reencrypt_payload(payload, paths, keyring)
                new_original, two = crypto.reencrypt_payload(original, paths, keyring)
            except crypto.CryptoError as error:
                counts["failed"] += 1
                _logger.error("pss: message %s not re-encrypted: %s", message_id, error)
                continue
            if one or two:
                updates.append((message_id, Json(new_payload), Json(new_original)))
        return updates

    @api.model
    def _pss_write_payload_rows(self, updates):
        """Store re-encrypted payloads in one UPDATE."""
        if not updates:
            return
        execute_values(
            self.env.cr._obj,
            """
            UPDATE pss_message m
               SET payload = v.payload::jsonb,
                   payload_original = v.original::jsonb
              FROM (VALUES %s) AS v(id, payload, original)
             WHERE m.id = v.id
            """,
            updates,
            page_size=len(updates),
        )
