#!/usr/bin/env python3
"""Run Odoo's own tests of the modules pss extends, with every pss addon loaded.

Called by setup/odoo_tests.sh on a database where pss and the Odoo modules
are already installed:

    python3 setup/odoo_tests.py -c CONF -d DB --test-tags /hr_timesheet,...

Odoo runs a module's ``at_install`` tests right after loading that module,
before the modules that depend on it (pss): run that way they would test
Odoo without pss. Here no module is installed or updated; the registry is
loaded whole (pss included) and the post-install phase runs the selected
``at_install`` and ``post_install`` tests alike. Prints a summary per module
(tests run, failures, errors, skipped) and exits non-zero when a test fails.
"""

import collections
import re
import sys
import time
import unittest

import odoo
from odoo.cli.server import main as odoo_server
from odoo.tests import loader
from odoo.tests.result import OdooTestResult
from odoo.tests.tag_selector import TagsSelector

ADDON_RE = re.compile(r"odoo\.addons\.(\w+)\.")

counts = collections.defaultdict(collections.Counter)
seconds = collections.Counter()  # per module, its classes' setup included
failed = []
_clock = [None]


def _module_of(test):
    test = getattr(test, "test_case", test)  # a subtest
    module = getattr(test, "test_module", None)
    if module:
        return module
    match = ADDON_RE.search(str(test))  # setUpClass errors (_ErrorHolder)
    return match.group(1) if match else "?"


class CountingResult(OdooTestResult):
    def startTest(self, test):
        counts[_module_of(test)]["run"] += 1
        if _clock[0] is None:
            _clock[0] = time.time()
        return super().startTest(test)

    def stopTest(self, test):
        now = time.time()
        seconds[_module_of(test)] += now - (_clock[0] or now)
        _clock[0] = now
        return super().stopTest(test)

    def addError(self, test, err):
        counts[_module_of(test)]["errors"] += 1
        failed.append(("ERROR", test))
        return super().addError(test, err)

    def addFailure(self, test, err):
        counts[_module_of(test)]["failures"] += 1
        failed.append(("FAIL", test))
        return super().addFailure(test, err)

    def addSkip(self, test, reason):
        counts[_module_of(test)]["skipped"] += 1
        return super().addSkip(test, reason)


_make_suite = loader.make_suite


def make_suite(module_names, position="at_install"):
    if position == "at_install":
        return loader.OdooSuite([])  # nothing is installed here
    # The post-install phase: at_install tests too, with the whole registry.
    _clock[0] = time.time()
    config_tags = TagsSelector(odoo.tools.config["test_tags"])
    position_tag = TagsSelector("at_install,post_install")
    tests = (
        t
        for module_name in module_names
        for m in loader.get_test_modules(module_name)
        for t in loader.unwrap_suite(unittest.TestLoader().loadTestsFromModule(m))
        if position_tag.check(t) and config_tags.check(t)
    )
    return loader.OdooSuite(sorted(tests, key=lambda t: t.test_sequence))


def summary():
    lines = ["odoo_tests: Odoo's own tests, after the whole registry is loaded"]
    total = collections.Counter()
    for module in sorted(counts):
        c = counts[module]
        total.update(c)
        lines.append(
            f"  {module:<16} ran {c['run']:>4}  failures {c['failures']:>3}  "
            f"errors {c['errors']:>3}  skipped {c['skipped']:>3}  "
            f"{seconds[module]:>5.0f}s"
        )
    lines.append(
        f"  {'total':<16} ran {total['run']:>4}  failures {total['failures']:>3}  "
        f"errors {total['errors']:>3}  skipped {total['skipped']:>3}  "
        f"{sum(seconds.values()):>5.0f}s"
    )
    lines += [f"  {flavour}: {test}" for flavour, test in failed]
    return "\n".join(lines), total


def main(argv):
    loader.make_suite = make_suite
    loader.OdooTestResult = CountingResult
    args = [*argv, "--test-enable", "--stop-after-init", "--workers=0"]
    try:
        odoo_server(args)
        rc = 0
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else 1
    text, total = summary()
    print(text, flush=True)
    if not total["run"]:
        print("odoo_tests: no test ran", file=sys.stderr)
        return 1
    if total["failures"] or total["errors"]:
        return 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
