"""Every test of every addon runs under Odoo's own runner too (issue 19):
`odoo -i <addon> --test-enable`, what OCA's CI and integrators run, loads
only the test modules the addon's tests/__init__.py imports, and of them
only odoo.tests.BaseCase classes; a pytest-style test function or a plain
unittest.TestCase class is silently left out. A cheap check of what
`make oca-test` (setup/oca_runner.sh) verifies by running each addon."""

import inspect
import pathlib
import unittest

from odoo.tests import BaseCase, tagged
from odoo.tests.loader import get_test_modules

ROOT = pathlib.Path(__file__).resolve().parent.parent


@tagged("post_install", "-at_install")
class TestOdooRunnerFindsEveryTest(BaseCase):
    def test_every_test_module_and_class_is_loaded_by_odoos_runner(self):
        # The suite's addons and the queue engine's test addon.
        dirs = {
            p.parent.parent.name: p.parent
            for p in [
                *ROOT.glob("addons/*/tests/__init__.py"),
                *ROOT.glob("tests/addons/*/tests/__init__.py"),
            ]
        }
        self.assertIn("pss_core", dirs)
        self.assertIn("pss_queue_test", dirs)
        for addon, tests_dir in sorted(dirs.items()):
            with self.subTest(addon=addon):
                files = {p.stem for p in tests_dir.glob("test_*.py")}
                modules = get_test_modules(addon)
                self.assertEqual(
                    {m.__name__.rsplit(".", 1)[1] for m in modules},
                    files,
                    f"addons/{addon}/tests/__init__.py must import every test module",
                )
                for module in modules:
                    functions = [
                        name
                        for name, member in inspect.getmembers(
                            module, inspect.isfunction
                        )
                        if name.startswith("test")
                        and member.__module__ == module.__name__
                    ]
                    self.assertEqual(
                        functions,
                        [],
                        f"{module.__name__}: Odoo's runner ignores test functions",
                    )
                    classes = [
                        member
                        for _name, member in inspect.getmembers(module, inspect.isclass)
                        if issubclass(member, unittest.TestCase)
                        and not issubclass(member, BaseCase)
                    ]
                    self.assertEqual(
                        classes,
                        [],
                        f"{module.__name__}: Odoo's runner runs BaseCase classes only",
                    )
