"""A standard OpenAPI client generator (openapi-python-client, installed from
the package registry) turns the served /pss/v1/openapi.json into a complete
typed client: one model per event type, no warning, no dropped schema (issue
19: every event's inline ``data`` once made it drop all but the first as
"duplicate models with name EnvelopeData"). The generated package then sends
a real signed event to the test server and reads its status, as an
integrator's program would.

The generator and the generated client's runtime (httpx, attrs) live in a
virtual environment of their own, .pss/openapi-generator (created on the
first run, about a minute), not in the Python that runs Odoo: the generator
pins versions of typer, httpx and ruff that are none of the suite's business.
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import textwrap

from odoo.tests import tagged

from odoo.addons.pss_api.lib.openapi import event_schema_name
from odoo.addons.pss_api.tests.common import ApiCase, unique

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENV = ROOT / ".pss" / "openapi-generator"
GENERATOR = "openapi-python-client>=0.21"
PACKAGE = "pss_api_client"


def generator_venv():
    """The venv's bin directory, with the generator installed."""
    bin_dir = VENV / "bin"
    if not (bin_dir / "openapi-python-client").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", GENERATOR],
            check=True,
            timeout=600,
        )
    return bin_dir


def class_name(component):
    """The generator's class name of a component: Event_test_record ->
    EventTestRecord."""
    return "".join(part[:1].upper() + part[1:] for part in component.split("_"))


# What the integrator's program does with the generated package: a typed
# event, signed by an httpx request hook (HMAC-SHA256 of "<t>." + raw body,
# docs/API.md), sent with the generated operation; then the message's status.
PROGRAM = textwrap.dedent(
    """
    import datetime, hashlib, hmac, json, sys, time

    args = json.loads(sys.argv[1])
    sys.path.insert(0, args["path"])
    from pss_api_client import AuthenticatedClient
    from pss_api_client.api.default import get_message, post_events
    from pss_api_client.models import (
        EventTestRecord,
        EventTestRecordSchemaVersion,
        MessageStatus,
        TestRecordPayload,
    )

    def sign(request):
        stamp = str(int(time.time()))
        mac = hmac.new(
            args["secret"].encode(),
            stamp.encode() + b"." + request.read(),
            hashlib.sha256,
        ).hexdigest()
        request.headers["X-PSS-Signature"] = f"t={stamp},v1={mac}"

    client = AuthenticatedClient(
        base_url=args["url"],
        token=args["key"],
        httpx_args={"event_hooks": {"request": [sign]}},
    )
    out = {}
    if args.get("event_id"):
        event = EventTestRecord(
            id=args["event_id"],
            type_="test.record",
            schema_version=EventTestRecordSchemaVersion.VALUE_1,
            occurred_at=datetime.datetime.now(datetime.timezone.utc),
            entity=args["entity"],
            data=TestRecordPayload(external_id=args["external_id"], name="Generated"),
        )
        response = post_events.sync_detailed(args["system"], client=client, body=event)
        out["post_status"] = int(response.status_code)
        out["entry"] = response.parsed.results[0].to_dict()
    message_id = args.get("message_id") or out["entry"]["id"]
    response = get_message.sync_detailed(args["system"], message_id, client=client)
    out["get_status"] = int(response.status_code)
    assert isinstance(response.parsed, MessageStatus), response.content
    out["message"] = response.parsed.to_dict()
    print(json.dumps(out))
    """
)


@tagged("post_install", "-at_install")
class TestGeneratedClient(ApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bin = generator_venv()
        cls.tmp = tempfile.TemporaryDirectory(prefix="pss-openapi-")
        cls.addClassCleanup(cls.tmp.cleanup)

    def generate(self):
        response = self.request("GET", "/pss/v1/openapi.json", key="", sign=False)
        self.assertEqual(response.status_code, 200)
        document = response.json()
        path = pathlib.Path(self.tmp.name) / "openapi.json"
        path.write_text(json.dumps(document))
        output = pathlib.Path(self.tmp.name) / PACKAGE
        run = subprocess.run(
            [
                str(self.bin / "openapi-python-client"),
                "generate",
                "--path",
                str(path),
                "--meta",
                "none",
                "--output-path",
                str(output),
                "--overwrite",
                "--fail-on-warning",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        report = run.stdout + run.stderr
        self.assertEqual(run.returncode, 0, report)
        self.assertNotIn("Warning", report)
        self.assertNotIn("Unable to", report)
        return document, output

    def run_program(self, **args):
        self.env.flush_all()
        args = {
            "path": self.tmp.name,
            "url": self.base_url(),
            "system": self.system.code,
            "key": self.creds["api_key"],
            "secret": self.creds["signing_secret"],
            **args,
        }
        run = subprocess.run(
            [str(self.bin / "python"), "-c", PROGRAM, json.dumps(args)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.env.invalidate_all()
        return json.loads(run.stdout.strip().splitlines()[-1])

    def test_generated_client_has_every_event_and_sends_one(self):
        document, output = self.generate()
        # One typed model per inbound event type, and its payload's model.
        models = (output / "models" / "__init__.py").read_text()
        for event_type in document["x-pss-event-types"]:
            self.assertIn(class_name(event_schema_name(event_type)), models)
        for name in ("TestRecordPayload", "MessageStatus", "Problem", "EventBatch"):
            self.assertIn(name, models)

        external_id = unique("GEN")
        event_id = unique("evt_gen_")
        sent = self.run_program(
            event_id=event_id, entity=self.code_b, external_id=external_id
        )
        self.assertEqual(sent["post_status"], 202)
        self.assertEqual(sent["entry"]["event_id"], event_id)
        self.assertEqual(sent["get_status"], 200)
        self.assertEqual(sent["message"]["state"], "pending")
        message = self.Message.browse(sent["entry"]["id"])
        self.assertEqual(message.system_id, self.system)
        self.assertEqual(message.company_id, self.company_b)

        self.Message._process_queue("in", commit=False, system=self.system)
        done = self.run_program(message_id=message.id)
        self.assertEqual(done["get_status"], 200)
        self.assertEqual(done["message"]["state"], "done")
        result = done["message"]["results"][0]
        self.assertEqual(result["external_id"], external_id)
        record = self.env["pss.test.record"].browse(result["odoo_id"])
        self.assertEqual(record.name, "Generated")
        self.assertEqual(record.company_id, self.company_b)
