"""Each addon ships its translation template, addons/<addon>/i18n/<addon>.pot
(OCA convention), and it is current: exported again from the test registry
(as `odoo --i18n-export` does), it holds the same terms. `make pot`
refreshes them all."""

import difflib
import importlib.util
import pathlib

from odoo.tests import TransactionCase, tagged

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _pot_module():
    spec = importlib.util.spec_from_file_location("pss_pot", ROOT / "setup/pot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pot = _pot_module()


@tagged("post_install", "-at_install")
class TestTranslationTemplates(TransactionCase):
    def test_every_addon_ships_a_current_template(self):
        addons = pot.addons_of_the_suite()
        self.assertIn("pss_core", addons)
        for addon in addons:
            with self.subTest(addon=addon):
                path = pot.pot_path(addon)
                self.assertTrue(path.exists(), f"{path} missing: run make pot")
                exported = pot.terms(pot.export_pot(self.env.cr, addon))
                committed = pot.terms(path.read_text())
                diff = "\n".join(
                    list(
                        difflib.unified_diff(
                            committed, exported, "committed", "exported", lineterm=""
                        )
                    )[:40]
                )
                self.assertEqual(
                    committed, exported, f"{path.name} is stale (make pot):\n{diff}"
                )
                # Terms of the addon's own fields, views and messages.
                self.assertGreater(
                    sum(line.startswith("msgid ") for line in exported), 1
                )
