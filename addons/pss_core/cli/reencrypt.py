"""``odoo pss_reencrypt``: encrypt every stored payload with the current key.

Run after a key rotation (the new key first in ``pss_encryption_keys`` or
``PSS_ENCRYPTION_KEYS``, the old one still listed), then remove the old key.
Also encrypts payloads stored in clear before a first key was configured::

    python3 -m odoo --addons-path=<paths> pss_reencrypt -c odoo.conf -d <db>

(``make reencrypt`` runs it on the demo database.) Works in chunks, commits
after each one, and can be run again: values already under the current key
are left alone. Prints its counts as JSON; exits 1 when a message could not
be decrypted (its key is no longer configured).
"""

import argparse
import json
import sys

import odoo
from odoo.cli.command import Command


class PssReencrypt(Command):
    """Re-encrypt the sensitive values of stored pss payloads with the current key"""

    name = "pss_reencrypt"

    def run(self, cmdargs):
        parser = argparse.ArgumentParser(
            prog="odoo pss_reencrypt", description=self.__doc__
        )
        parser.add_argument("--batch-size", type=int, default=500)
        own, odoo_args = parser.parse_known_args(cmdargs)
        odoo.tools.config.parse_config(odoo_args)
        dbname = odoo.tools.config["db_name"]
        if not dbname:
            sys.exit("pss_reencrypt: name the database with -d")
        registry = odoo.registry(dbname.split(",")[0])
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            counts = env["pss.message"]._pss_reencrypt(
                batch_size=own.batch_size, commit=True
            )
        print(json.dumps(counts))  # pylint: disable=print-used
        if counts["failed"]:
            sys.exit(1)
