"""Every code example of README.md, docs/*.md and addons/*/readme/*.md runs
against the real test server (issue 13): a wrong example fails the build.

How a block is run depends on its fence's language and on the marker, an HTML
comment (invisible in the rendered page) on the nearest non-blank line above
the fence:

- ```json: an event envelope or a batch. Checked by the API's own validation
  (envelope, event type, the type's pydantic schema), then POSTed, signed, to
  ``/pss/v1/<system>/events``: it must answer 202, or the status of a
  ``<!-- doc-test: expect 422 -->`` marker. Accepted, the queue applies it:
  every message it stored must end ``done``.
- ```json after ``<!-- doc-test: answer -->``: what the server answers. The
  previous runnable block of the same page must have printed (or, for a json
  block, received) a JSON document with the same members, recursively, and
  the same values, but for ids (``id``, ``odoo_id``), times (``*_at``) and
  URLs (``*_url``), which need only be of the same JSON type; a documented
  ``null`` matches anything, and the n-th documented entry of a list is
  compared with the n-th answered one.
- ```sh, ```bash, ```shell: run by ``bash -euo pipefail`` (curl, openssl,
  pss-send...), must exit 0 (curl examples use ``--fail-with-body``).
- ```python: run by python3 in a subprocess, must exit 0.
- ```python after ``<!-- doc-test: odoo-shell -->``: Odoo code, executed in
  the test's Odoo environment with ``env`` given, as ``odoo shell`` does.
- ```text, or any block after ``<!-- not-run: <reason> -->``: not run
  (listings, diagrams, commands that start servers or install things).
- Anything else fails, a fence without a language too: a new example is run
  unless its page says why not.

Shell and Python examples get the environment variables a reader sets from
the Quick start of docs/API.md, here for a system of the test server:
``PSS_URL``, ``PSS_SYSTEM``, ``PSS_API_KEY``, ``PSS_SIGNING_SECRET``;
``PSS_MESSAGE_ID``, the id of the first message stored by an earlier example
of the page (the quick start's, in docs/API.md); ``ODOO_DB``, ``ODOO_LOGIN``,
``ODOO_PASSWORD``, a pss Manager, for Odoo's external API. While a shell or
Python example runs, the queue runs too (as Odoo's cron would), so an example
that waits for its events sees them applied. After every example the queue
is run; the inbound messages the example stored must end ``done``, and none
of their lines may be rejected back to the sender (``timesheet.rejected``).

The examples of a page run in order, in one temporary working directory, and
share what they store; every page starts from the same world (rolled back
after it): the system's entity ``US01`` (its own code, a value map),
resource ``E042``, customer ``C-1001`` and the time-and-materials engagement
``ENG-1001`` (2026-03-01 to 2026-12-31) in that entity.

Each example is a subTest named ``<file>:<line> (<language>)``; a failure says
where, what ran and what the server answered.
"""

import contextlib
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import requests
from test_project_engagements import ProjectHttpCase

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import tagged

from odoo.addons.pss_api.lib.intake import parse_json, split_document
from odoo.addons.pss_api.lib.problem import ApiProblem
from odoo.addons.pss_core.tests.common import signed_request
from odoo.addons.pss_timesheet.tests.common import (
    TimesheetMixin,
    add_timesheet_fixtures,
)

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("README.md", "docs/*.md", "addons/*/readme/*.md")
ENTITY = "US01"
SHELL_LANGUAGES = ("sh", "bash", "shell")
NOT_RUN_LANGUAGES = ("text",)
TIMEOUT = 120  # seconds for one shell or Python example
# Members of an answer whose value differs from server to server (their type
# is checked), besides those named *_at (times) and *_url.
VOLATILE = ("id", "odoo_id", "trace_id")

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
_MARKER = re.compile(r"^\s*<!--\s*(?P<kind>not-run|doc-test):(?P<arg>.*?)-->\s*$")


class ExampleFailed(AssertionError):
    """An example did not do what its page says; the message says where."""


@dataclass
class Block:
    path: str
    line: int  # of the opening fence, 1-based
    lang: str
    code: str
    marker: tuple | None  # ("not-run" | "doc-test", argument)

    @property
    def where(self):
        return f"{self.path}:{self.line}"

    @property
    def kind(self):
        """json, answer, shell, python, odoo-shell or skipped; raises
        ExampleFailed for a block that is neither run nor marked."""
        marker, arg = self.marker or (None, "")
        if marker == "not-run":
            if not arg:
                raise ExampleFailed(f"{self.where}: a not-run marker needs a reason")
            return "skipped"
        if self.lang in NOT_RUN_LANGUAGES:
            return "skipped"
        if marker == "doc-test" and not (
            arg in ("answer", "odoo-shell")
            or re.fullmatch(r"expect [1-5][0-9][0-9]", arg)
        ):
            raise ExampleFailed(f"{self.where}: unknown marker 'doc-test: {arg}'")
        if self.lang == "json":
            return "answer" if arg == "answer" else "json"
        if self.lang in SHELL_LANGUAGES:
            return "shell"
        if self.lang == "python":
            return "odoo-shell" if arg == "odoo-shell" else "python"
        raise ExampleFailed(
            f"{self.where}: a block in language {self.lang or '(none)'!r} is not "
            "run: give it one of json, sh, bash, shell, python, text, or a "
            "'<!-- not-run: reason -->' line above it"
        )

    @property
    def expected_status(self):
        marker, arg = self.marker or (None, "")
        if marker == "doc-test" and arg.startswith("expect "):
            return int(arg.split()[1])
        return 202


def parse_blocks(text, path):
    """The fenced code blocks of a Markdown text, in order."""
    lines = text.splitlines()
    blocks = []
    previous = ""  # nearest non-blank line before the current one
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            if lines[index].strip():
                previous = lines[index]
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        info = opening["info"].split()
        body = []
        end = index + 1
        while end < len(lines):
            stripped = lines[end].strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                break
            line = lines[end]
            body.append(line[min(indent, len(line) - len(line.lstrip())) :])
            end += 1
        marker = _MARKER.match(previous)
        blocks.append(
            Block(
                path=path,
                line=index + 1,
                lang=info[0].lower() if info else "",
                code="\n".join(body) + "\n",
                marker=(marker["kind"], marker["arg"].strip()) if marker else None,
            )
        )
        previous = lines[end] if end < len(lines) else ""
        index = end + 1
    return blocks


def documented_pages():
    pages = []
    for pattern in PAGES:
        pages.extend(sorted(ROOT.glob(pattern)))
    return pages


def shape_errors(documented, real, path="$"):
    """How ``real`` differs from ``documented``: members, value types, and
    the values themselves but for ids, times and URLs."""
    if documented is None:
        return []
    if isinstance(documented, dict):
        return _object_errors(documented, real, path)
    if isinstance(documented, list):
        return _list_errors(documented, real, path)
    member = path.rsplit(".", 1)[-1].split("[", 1)[0]
    volatile = member in VOLATILE or member.endswith(("_at", "_url"))
    if _json_type(documented) != _json_type(real) or (
        not volatile and documented != real
    ):
        return [f"{path}: documented {documented!r}, the server answered {real!r}"]
    return []


def _json_type(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _object_errors(documented, real, path):
    if not isinstance(real, dict):
        return [f"{path}: documented an object, the server answered {real!r}"]
    errors = []
    missing = sorted(documented.keys() - real.keys())
    extra = sorted(real.keys() - documented.keys())
    if missing:
        errors.append(f"{path}: documented, not in the answer: {missing}")
    if extra:
        errors.append(f"{path}: in the answer, not documented: {extra}")
    for key in documented.keys() & real.keys():
        errors.extend(shape_errors(documented[key], real[key], f"{path}.{key}"))
    return errors


def _list_errors(documented, real, path):
    if not isinstance(real, list):
        return [f"{path}: documented a list, the server answered {real!r}"]
    if documented and not real:
        return [f"{path}: documented entries, the server answered none"]
    errors = []
    for i, item in enumerate(documented):
        errors.extend(shape_errors(item, real[min(i, len(real) - 1)], f"{path}[{i}]"))
    return errors


def clipped(text, limit=3000):
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "\n[...]"


@tagged("post_install", "-at_install")
class TestDocExamples(TimesheetMixin, ProjectHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_timesheet_fixtures(cls)
        env = cls.env
        # The administrator maps the PSA's entity code to the US company.
        env["pss.value.map"].create(
            {
                "system_id": cls.psa.id,
                "kind": "entity",
                "external_value": ENTITY,
                "res_model": "res.company",
                "res_id": cls.company_us.id,
            }
        )
        cls.manager_password = secrets.token_urlsafe(16)
        cls.manager = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Doc examples manager",
                    "login": f"doc_manager_{secrets.token_hex(4)}",
                    "password": cls.manager_password,
                    "groups_id": [
                        Command.set(
                            [
                                env.ref("base.group_user").id,
                                env.ref("pss_core.group_pss_manager").id,
                            ]
                        )
                    ],
                    "company_ids": [Command.set(cls.companies.ids)],
                    "company_id": cls.company_us.id,
                }
            )
        )

    # ------------------------------------------------------------------
    # The world the examples talk about
    # ------------------------------------------------------------------
    def build_world(self):
        """Resource E042, customer C-1001, engagement ENG-1001 in US01."""
        resource = self.post(
            self.psa, "resource.upserted", self.resource("E042"), self.company_us
        )
        engagement = self.post(
            self.crm,
            "engagement.won",
            self.engagement(
                "ENG-1001",
                "time_and_materials",
                self.customer("C-1001", name="Acme Corp", country="US"),
                currency="USD",
                rate_card=[
                    {"role": "consultant", "unit_price": "180.00", "hours": "1000"}
                ],
            ),
            self.company_us,
        )
        self.process()
        self.assertDone(resource, engagement)
        self.env.flush_all()

    def variables(self, message_id):
        creds = self.credentials(self.psa)
        values = {
            "PSS_URL": self.base_url(),
            "PSS_SYSTEM": self.psa.code,
            "PSS_API_KEY": creds["api_key"],
            "PSS_SIGNING_SECRET": creds["signing_secret"],
            "ODOO_DB": self.env.cr.dbname,
            "ODOO_LOGIN": self.manager.login,
            "ODOO_PASSWORD": self.manager_password,
        }
        if message_id:
            values["PSS_MESSAGE_ID"] = str(message_id)
        return values

    # ------------------------------------------------------------------
    # Running the examples
    # ------------------------------------------------------------------
    @contextlib.contextmanager
    def queue_running(self):
        """Apply inbound messages in a thread while a subprocess runs, as the
        cron does: on a test cursor, serialised with the HTTP requests."""
        stop = threading.Event()
        errors = []

        def loop():
            while not stop.wait(0.2):
                try:
                    with self.registry.cursor() as cr:
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        env["pss.message"]._process_queue("in", commit=False)
                except Exception:  # reported by the main thread
                    errors.append(traceback.format_exc())
                    return

        self.env.flush_all()
        thread = threading.Thread(target=loop, name="doc-examples-queue", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(60)
            self.env.invalidate_all()
        if errors:
            raise ExampleFailed(f"the queue failed while the example ran:\n{errors[0]}")

    def last_message_id(self):
        self.env.flush_all()
        self.env.cr.execute("SELECT coalesce(max(id), 0) FROM pss_message")
        return self.env.cr.fetchone()[0]

    def run_block(self, block, page):
        """Run one block; return the JSON it printed or received (or None).

        ``page`` holds the page's state: workdir, previous (the JSON output of
        the previous runnable block), first_message_id."""
        kind = block.kind
        if kind == "answer":
            return self.check_answer(block, page)
        before = self.last_message_id()
        if kind == "json":
            output, status = self.send_json(block)
        elif kind == "odoo-shell":
            output, status = self.exec_odoo(block), None
        else:
            output, status = self.run_subprocess(block, page), None
        self.check_applied(block, before, status)
        if not page["first_message_id"]:
            self.env.cr.execute(
                "SELECT min(id) FROM pss_message WHERE id > %s AND direction = 'in'",
                [before],
            )
            page["first_message_id"] = self.env.cr.fetchone()[0]
        return output

    def send_json(self, block):
        body = block.code.encode()
        expected = block.expected_status
        try:
            events, single = split_document(parse_json(body))
        except ApiProblem as problem:
            raise ExampleFailed(
                f"{block.where}: not an event envelope or batch: {problem}"
            ) from None
        errors, forbidden = [], []
        self.env["pss.api.intake"]._pss_validate_events(
            events, single, errors, forbidden=forbidden
        )
        response = signed_request(
            requests,
            "POST",
            f"{self.base_url()}/pss/v1/{self.psa.code}/events",
            self.credentials(self.psa),
            body,
        )
        self.env.invalidate_all()
        if (errors and expected < 300) or response.status_code != expected:
            schema = "".join(f"\n  {e['path']}: {e['message']}" for e in errors)
            raise ExampleFailed(
                f"{block.where}: the doc expects {expected}; "
                + (f"invalid against the schemas:{schema}\n" if errors else "")
                + f"the server answered {response.status_code}: "
                + clipped(response.text)
            )
        return response.json(), response.status_code

    def run_subprocess(self, block, page):
        workdir = page["workdir"]
        if block.kind == "shell":
            script = Path(workdir, f"example_{block.line}.sh")
            command = ["bash", "-euo", "pipefail", str(script)]
        else:
            script = Path(workdir, f"example_{block.line}.py")
            command = [sys.executable, str(script)]
        script.write_text(block.code)
        env = dict(os.environ, **self.variables(page["first_message_id"]))
        # pss_client and pss-send of this checkout, not of an older install.
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(ROOT / "tools" / "pss_client"), env.get("PYTHONPATH")])
        )
        started = time.monotonic()
        with self.queue_running():
            try:
                done = subprocess.run(
                    command,
                    cwd=workdir,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired as error:
                raise ExampleFailed(
                    f"{block.where}: still running after {TIMEOUT} s\n"
                    f"--- output\n{clipped(str(error.stdout or ''))}"
                ) from None
        if done.returncode:
            raise ExampleFailed(
                f"{block.where}: {block.kind} example exited {done.returncode} "
                f"after {time.monotonic() - started:.1f} s\n"
                f"--- its output (the server's answer)\n{clipped(done.stdout)}\n"
                f"--- its errors\n{clipped(done.stderr)}"
            )
        try:
            return json.loads(done.stdout)
        except ValueError:
            return None

    def exec_odoo(self, block):
        self.env.flush_all()
        try:
            exec(compile(block.code, block.where, "exec"), {"env": self.env})
        except Exception:
            raise ExampleFailed(
                f"{block.where}: odoo-shell example raised\n{traceback.format_exc()}"
            ) from None
        self.env.flush_all()

    def check_applied(self, block, before, status):
        """Run the queue: the inbound messages the example stored end done
        (none stored when it was refused)."""
        self.process()
        self.env.invalidate_all()
        new = self.Message.search(
            [("id", ">", before), ("direction", "=", "in")], order="id"
        )
        if status is not None and status >= 300:
            if new:
                raise ExampleFailed(
                    f"{block.where}: refused with {status}, yet stored "
                    f"{len(new)} message(s)"
                )
            return
        problems = [
            f"message {m.id} {m.event_type} ({m.external_event_id}): {m.state} "
            f"{m.park_reason or ''}{m.last_error or ''}"
            for m in new.filtered(lambda m: m.state != "done")
        ]
        # Lines refused by their handler (timesheet.rejected back to the
        # sender) are not applied either, though their message is done.
        event_ids = set(new.mapped("external_event_id"))
        for rejection in self.Message.search(
            [
                ("id", ">", before),
                ("direction", "=", "out"),
                ("event_type", "like", "%.rejected"),
            ]
        ):
            if rejection.payload.get("event_id") in event_ids:
                problems.append(
                    f"{rejection.event_type} of {rejection.payload['event_id']}: "
                    + json.dumps(rejection.payload.get("lines"))
                )
        if problems:
            raise ExampleFailed(
                f"{block.where}: the queue did not apply what the example sent:\n  "
                + "\n  ".join(problems)
            )

    def check_answer(self, block, page):
        try:
            documented = json.loads(block.code)
        except ValueError as error:
            raise ExampleFailed(
                f"{block.where}: the answer is not JSON: {error}"
            ) from None
        previous = page["previous"]
        if previous is None:
            raise ExampleFailed(
                f"{block.where}: an answer, but the example before it "
                + (
                    f"({page['failed']}) failed"
                    if page.get("failed")
                    else "printed no JSON document"
                )
            )
        errors = shape_errors(documented, previous)
        if errors:
            raise ExampleFailed(
                f"{block.where}: the server's answer differs from the "
                "documented one:\n  "
                + "\n  ".join(errors)
                + f"\n--- the server answered\n{clipped(json.dumps(previous))}"
            )
        return previous

    def run_page(self, blocks, counts, failures=None):
        """Run a page's blocks in order, each in its subTest (or, with
        ``failures``, collect the failures instead), from the world as it
        is and rolled back to it afterwards."""
        self.env.flush_all()
        savepoint = self.env.cr.savepoint()
        try:
            with tempfile.TemporaryDirectory(prefix="pss-doc-") as workdir:
                page = {"workdir": workdir, "previous": None, "first_message_id": None}
                for block in blocks:
                    label = f"{block.where} ({block.lang or 'no language'})"
                    if failures is not None:
                        try:
                            self.run_one(block, page, counts)
                        except ExampleFailed as error:
                            failures[block.where] = str(error)
                        continue
                    with self.subTest(example=label):
                        self.run_one(block, page, counts)
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()

    def run_one(self, block, page, counts):
        try:
            kind = block.kind
            counts[kind] = counts.get(kind, 0) + 1
            if kind == "skipped":
                return
            page["previous"] = self.run_block(block, page)
            page["failed"] = None
        except ExampleFailed:
            page["previous"], page["failed"] = None, block.where
            raise

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------
    def test_every_documented_example_runs(self):
        self.build_world()
        counts = {}
        pages = documented_pages()
        self.assertIn(ROOT / "docs" / "API.md", pages)
        for page in pages:
            relative = str(page.relative_to(ROOT))
            self.run_page(parse_blocks(page.read_text(), relative), counts)
        summary = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
        print(f"doc examples: {summary}")
        # The pages hold examples of every kind (a parser that finds nothing
        # would pass everything).
        for kind in ("json", "answer", "shell", "python", "odoo-shell"):
            self.assertGreater(counts.get(kind, 0), 0, f"no {kind} example found")

    def test_a_wrong_example_is_reported_where_it_is(self):
        """The checker itself: each kind of mistake fails, at its line."""
        self.build_world()
        page = "\n".join(
            [
                "# A page with wrong examples",  # 1
                "",
                "```json",  # 3: the old quick start: not the schema
                '{"id": "evt_bad_1", "type": "timesheet.approved", '
                '"schema_version": 1, "occurred_at": "2026-11-20T10:00:00Z", '
                '"entity": "US01", "data": {"employee": "E042", '
                '"lines": [{"date": "2026-11-19", "hours": "7.5"}]}}',
                "```",
                "",
                "```sh",  # 7: the same through curl
                "cat > event.json <<'EOF'",
                '{"id": "evt_bad_2", "type": "timesheet.approved", '
                '"schema_version": 1, "occurred_at": "2026-11-20T10:00:00Z", '
                '"entity": "US01", "data": {"employee": "E042", '
                '"lines": [{"date": "2026-11-19", "hours": "7.5"}]}}',
                "EOF",
                "T=$(date +%s)",
                "SIG=$({ printf '%s.' \"$T\"; cat event.json; } "
                '| openssl dgst -sha256 -hmac "$PSS_SIGNING_SECRET" '
                "| sed 's/^.*= //')",
                'curl -sS --fail-with-body "$PSS_URL/pss/v1/$PSS_SYSTEM/events" '
                '-H "Authorization: Bearer $PSS_API_KEY" '
                '-H "X-PSS-Signature: t=$T,v1=$SIG" '
                '-H "Content-Type: application/json" --data-binary @event.json',
                "```",
                "",
                "```sh",  # 16: right: a health check
                'curl -sS --fail-with-body "$PSS_URL/pss/v1/health"',
                "```",
                "",
                "<!-- doc-test: answer -->",
                "```json",  # 21: another value, a member the server never sends
                '{"status": "degraded", "uptime": 12}',
                "```",
                "",
                "```python",  # 25: raises
                "import os",
                'print(os.environ["PSS_NO_SUCH_VARIABLE"])',
                "```",
                "",
                "```",  # 30: no language, no marker
                "curl http://example.com",
                "```",
                "",
                "<!-- doc-test: odoo-shell -->",
                "```python",  # 35: an Odoo call that does not exist
                'env["pss.message"].enqueue_everything()',
                "```",
                "",
                "```json",  # 39: a valid event the queue cannot apply
                '{"id": "evt_bad_3", "type": "timesheet.approved", '
                '"schema_version": 1, "occurred_at": "2026-11-20T10:00:00Z", '
                '"entity": "US01", "data": {"lines": [{"external_id": "TL-BAD", '
                '"resource_external_id": "E042", "engagement_external_id": '
                '"ENG-1001", "date": "2025-01-01", "hours": "7.5"}]}}',
                "```",
                "",
                "<!-- not-run: a listing -->",
                "```sh",  # 44: skipped
                "exit 1",
                "```",
            ]
        )
        blocks = parse_blocks(page, "broken.md")
        self.assertEqual(
            [b.line for b in blocks], [3, 7, 16, 21, 25, 30, 35, 39, 44], blocks
        )
        failures, counts = {}, {}
        self.run_page(blocks, counts, failures)
        self.assertEqual(
            sorted(failures, key=lambda w: int(w.split(":")[1])),
            [
                "broken.md:3",
                "broken.md:7",
                "broken.md:21",
                "broken.md:25",
                "broken.md:30",
                "broken.md:35",
                "broken.md:39",
            ],
            failures,
        )
        for where, needle in (
            ("broken.md:3", "data.lines[0].external_id: Field required"),
            ("broken.md:3", "the server answered 422"),
            ("broken.md:7", "validation-failed"),
            ("broken.md:7", "exited 22"),
            ("broken.md:21", "documented, not in the answer: ['uptime']"),
            (
                "broken.md:21",
                "$.status: documented 'degraded', the server answered 'ok'",
            ),
            ("broken.md:25", "KeyError: 'PSS_NO_SUCH_VARIABLE'"),
            ("broken.md:30", "is not run"),
            ("broken.md:35", "enqueue_everything"),
            ("broken.md:39", "the queue did not apply"),
        ):
            self.assertIn(needle, failures[where])
        self.assertEqual(counts.get("skipped"), 1)
        self.assertEqual(
            self.Message.search_count([("external_event_id", "like", "evt_bad_")]),
            0,
            "every page is rolled back",
        )
