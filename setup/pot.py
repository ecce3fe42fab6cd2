#!/usr/bin/env python3
"""Translation templates of the addons: addons/<addon>/i18n/<addon>.pot.

    python3 setup/pot.py -c .pss/odoo-test.conf -d DB [addon...]

writes each addon's template (default: every addon of .odoo-ci.yml) from a
database where the addons are installed (`make pot` installs one). The same
functions let tests/test_i18n_pot.py fail when a committed template is stale.
"""

import argparse
import io
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Header lines that change with the date or the Odoo build, not the terms.
VOLATILE = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date|Project-Id-Version): ')


def pot_path(addon):
    return ROOT / "addons" / addon / "i18n" / f"{addon}.pot"


def export_pot(cr, addon):
    """The template of ``addon`` as Odoo's `--i18n-export` writes it."""
    from odoo.tools.translate import trans_export

    buffer = io.BytesIO()
    trans_export(False, [addon], buffer, "po", cr)
    return buffer.getvalue().decode()


def terms(text):
    """A template without the lines that change on every export."""
    return [line for line in text.splitlines() if not VOLATILE.match(line)]


def addons_of_the_suite():
    sys.path.insert(0, str(ROOT / "setup"))
    import ci_config

    return list(ci_config.load()["addons"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("addons", nargs="*")
    args = parser.parse_args(argv)

    import odoo

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        for addon in args.addons or addons_of_the_suite():
            text = export_pot(cr, addon)
            path = pot_path(addon)
            if path.exists() and terms(path.read_text()) == terms(text):
                print(f"pot.py: {path.relative_to(ROOT)} unchanged")
                continue
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)
            print(f"pot.py: {path.relative_to(ROOT)} written")


if __name__ == "__main__":
    main()
