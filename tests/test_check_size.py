"""setup/check_size.py: the size limits and their shrinking allowance."""

import importlib.util
import pathlib

from odoo.tests import BaseCase, tagged

ROOT = pathlib.Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location(
    "check_size", ROOT / "setup" / "check_size.py"
)
check_size = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_size)


@tagged("post_install", "-at_install")
class TestCheckSize(BaseCase):
    def test_the_repository_is_within_its_limits_and_allowance(self):
        found = check_size.over_limits()
        self.assertEqual(check_size.breaches(found, check_size.read_allowance()), [])

    def test_long_functions_and_modules_are_found_views_aside(self):
        body = "\n".join(f"    x{i} = {i}" for i in range(61))
        view = '    sql = "CREATE OR REPLACE VIEW v AS SELECT 1"\n' + body
        source = f"def long():\n{body}\n\n\ndef init():\n{view}\n"
        tmp = pathlib.Path(self.id().replace(".", "_") + ".py")
        root = ROOT / ".pss"
        root.mkdir(exist_ok=True)
        path = root / tmp
        path.write_text(source)
        try:
            found = check_size.measure(path, root)
        finally:
            path.unlink()
        self.assertEqual(
            {check_size.strip_line(k): v for k, v in found.items()},
            {f"{tmp.as_posix()}::long": 62},
        )

    def test_allowance_may_shrink_never_grow_and_stale_entries_fail(self):
        allowed = {"a.py::f": 80, "b.py": 600, "gone.py::g": 70}
        found = {"a.py::f": 70, "b.py": 650, "new.py::h": 61}
        problems = check_size.breaches(found, allowed)
        self.assertEqual(len(problems), 3, problems)
        self.assertIn("b.py: grew to 650 lines (allowed 600)", problems)
        self.assertIn("new.py::h: 61 lines (limit 60)", problems)
        self.assertTrue(any(p.startswith("gone.py::g: within") for p in problems))
