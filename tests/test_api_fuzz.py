"""Property-based tests of ``POST /pss/v1/<system>/events`` (issue 8).

The requests are generated from the OpenAPI document the server serves
(``/pss/v1/openapi.json``) with hypothesis-jsonschema, signed as a sender
signs them and sent over real HTTP:

(a) hostile requests (schema-valid events with one value replaced by
    something hostile, arbitrary JSON, raw bytes, bad headers): never 5xx,
    only status codes the document lists, a problem document for every
    refusal, and a refused request stores nothing;
(b) schema-valid events of every registered type in real entities: accepted
    (202 or 200), and once the queue has applied them no message ends with
    an ``internal`` error.

``make test`` runs a few hundred examples; ``make fuzz`` (``PSS_FUZZ_EXAMPLES``)
runs many more with a fresh random seed. The figures (requests, accepted,
refused by status code) are printed at the end of each property.
"""

import json
import os
import time
from collections import Counter
from datetime import date, datetime, timezone

import jsonschema
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from test_project_engagements import ProjectHttpCase

from odoo.tests import tagged

from odoo.addons.pss_core.lib.signature import compute
from odoo.addons.pss_core.tests.common import signed_request
from odoo.addons.pss_project.tests.common import unique
from odoo.addons.pss_timesheet.tests.common import (
    TimesheetMixin,
    add_timesheet_fixtures,
)

#: Examples: PSS_FUZZ_EXAMPLES (make fuzz) sets the hostile requests and the
#: valid events of each type; make test keeps the whole file under a minute.
FUZZ = int(os.environ.get("PSS_FUZZ_EXAMPLES") or 0)
HOSTILE_EXAMPLES = FUZZ or 120
VALID_EXAMPLES_PER_TYPE = FUZZ or 10
#: Where the figures go (setup/test.sh prints them after pytest's summary).
FIGURES_FILE = os.environ.get("PSS_FUZZ_FIGURES")
EVENTS_PATH = "/pss/v1/{system}/events"
PROBLEM = "application/problem+json"


def fuzz_settings(examples):
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        # make test is reproducible; make fuzz explores new ground each run.
        derandomize=not FUZZ,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


def inline(node, components):
    """The schema with every local $ref replaced by its target (the payload
    schemas are not recursive)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = components[node["$ref"].rsplit("/", 1)[1]]
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return inline({**target, **rest}, components)
        return {key: inline(value, components) for key, value in node.items()}
    if isinstance(node, list):
        return [inline(item, components) for item in node]
    return node


def follow_documented_rules(event_type, data):
    """Apply the rules the schema states in words because JSON Schema cannot
    express them: end_date not before start_date; roles, milestone ids and
    line ids unique (roles and milestones compared without case); ISO week
    53 only in years that have it, each week once per assignment; control
    totals: date_to not before date_from, one key per line, an invoiced amount
    per engagement with its currency, each key once."""
    if event_type.startswith("engagement."):
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            data["start_date"], data["end_date"] = end, start
        for field, key, fold in (
            ("rate_card", "role", True),
            ("milestones", "external_id", True),
        ):
            data[field] = _unique_by(data.get(field), key, fold)
    if event_type == "timesheet.approved":
        data["lines"] = _unique_by(data["lines"], "external_id", False)
    if event_type == "control.totals":
        if data["date_to"] < data["date_from"]:
            data["date_from"], data["date_to"] = data["date_to"], data["date_from"]
        for line in data.get("lines") or ():
            if bool(line.get("engagement_external_id")) == bool(
                line.get("resource_external_id")
            ):
                line["engagement_external_id"] = (
                    line.get("engagement_external_id")
                    or line.get("resource_external_id")
                    or "E1"
                )
                line.pop("resource_external_id", None)
            if line.get("invoiced_amount") is not None and not (
                line.get("engagement_external_id") and line.get("currency")
            ):
                line.pop("invoiced_amount")
        data["lines"] = _unique_by(
            data.get("lines"), "engagement_external_id", False, skip_missing=True
        )
        data["lines"] = _unique_by(
            data.get("lines"), "resource_external_id", False, skip_missing=True
        )
    if event_type == "assignment.updated":
        for week in data.get("weeks") or ():
            year, number = week["week"].split("-W")
            if number == "53" and date(int(year), 12, 28).isocalendar()[1] != 53:
                week["week"] = f"{year}-W52"
        data["weeks"] = _unique_by(data.get("weeks"), "week", False)
    return data


def _unique_by(items, key, fold, skip_missing=False):
    if not items:
        return items
    seen = set()
    kept = []
    for item in items:
        if skip_missing and not item.get(key):
            kept.append(item)
            continue
        value = item[key].strip()
        value = value.casefold() if fold else value
        if value not in seen:
            seen.add(value)
            kept.append(item)
    return kept


class RawNumber(str):
    """A number literal too long for Python to dump (sent as written)."""


def dumps(document):
    """JSON text; RawNumber values are written as bare literals."""
    raws = {}

    def default(value):
        raise TypeError(value)

    def swap(node):
        if isinstance(node, RawNumber):
            marker = f"@@raw{len(raws)}@@"
            raws[marker] = str(node)
            return marker
        if isinstance(node, dict):
            return {key: swap(value) for key, value in node.items()}
        if isinstance(node, list):
            return [swap(value) for value in node]
        return node

    text = json.dumps(swap(document), default=default)
    for marker, literal in raws.items():
        text = text.replace(json.dumps(marker), literal)
    return text.encode("utf-8", "surrogatepass")


# -- hostile values ----------------------------------------------------------
_NASTY_TEXT = [
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\ufeff",
    "\u202e",
    " ",
    "",
    "é" * 300,
    "\U0001f4a5",
    "../../etc/passwd",
    "' OR 1=1 --",
    "%s%n",
]
hostile_text = st.one_of(
    st.sampled_from(_NASTY_TEXT),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=40),
    st.text(max_size=3000),
)
hostile_number = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(
        [
            RawNumber("9" * 5000),
            RawNumber("-" + "1" * 4400),
            RawNumber("1" * 50 + ".5"),
            RawNumber("1e400"),
            RawNumber("-1e400"),
            RawNumber("1e-400"),
            RawNumber("0." + "0" * 5000 + "1"),
            2**31,
            -1,
            0,
        ]
    ),
    st.floats(allow_nan=False, allow_infinity=False),
)
hostile_scalar = st.one_of(
    hostile_text, hostile_number, st.none(), st.booleans(), st.just([]), st.just({})
)
hostile_json = st.recursive(
    hostile_scalar,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(hostile_text, children, max_size=4),
    ),
    max_leaves=12,
)


def paths_of(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths_of(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths_of(value, (*path, index))


def replaced(document, path, value):
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {**document, head: replaced(document[head], rest, value)}
    copy = list(document)
    copy[head] = replaced(copy[head], rest, value)
    return copy


def latin1(value):
    """Header bytes as an HTTP client sends them (Latin-1 where it can; no
    line breaks or leading blanks, which no client can send)."""
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        raw = value.encode("utf-8", "surrogatepass")
    return raw.replace(b"\r", b"").replace(b"\n", b"").lstrip(b" \t")


@tagged("post_install", "-at_install")
class TestApiProperties(TimesheetMixin, ProjectHttpCase):
    """Both properties against the fixtures of the project and timesheet
    tests: two entities (DE, US) with charts, value maps and a PSA whose
    technical user may write projects and timesheets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_timesheet_fixtures(cls)
        cls.entities = [c.pss_entity_code for c in cls.companies]
        cls._strategies = {}
        cls._document = None

    # -- the served document ------------------------------------------------
    def document(self):
        if self._document is None:
            response = self.opener.get(
                f"{self.base_url()}/pss/v1/openapi.json", timeout=60
            )
            self.assertEqual(response.status_code, 200, response.text)
            type(self)._document = response.json()
        return self._document

    def event_types(self):
        """Every inbound type the document lists, but the test-only ones."""
        return [
            t for t in self.document()["x-pss-event-types"] if not t.startswith("test.")
        ]

    def payload_strategy(self, event_type):
        """(strategy, validator) of the ``data`` of ``event_type``."""
        if event_type not in self._strategies:
            components = self.document()["components"]["schemas"]
            name = "Event_" + event_type.replace(".", "_")
            schema = inline(components[name]["properties"]["data"], components)
            validator = jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
            )
            self._strategies[event_type] = (from_schema(schema), validator)
        return self._strategies[event_type]

    def documented_statuses(self):
        operation = self.document()["paths"][EVENTS_PATH]["post"]
        return {int(code) for code in operation["responses"]}

    def valid_event(self, draw, event_type=None):
        event_type = event_type or draw(st.sampled_from(self.event_types()))
        strategy, validator = self.payload_strategy(event_type)
        data = follow_documented_rules(event_type, draw(strategy))
        # hypothesis-jsonschema may produce what the reference validator
        # refuses (float rounding): such a document is no schema-valid one.
        assume(validator.is_valid(data))
        return {
            "id": unique("evt_fz_"),
            "type": event_type,
            "schema_version": 1,
            "occurred_at": datetime.now(timezone.utc).isoformat(),
            "entity": draw(st.sampled_from(self.entities)),
            "data": data,
        }

    # -- sending ------------------------------------------------------------
    def send(self, body, headers=None, signature=None, system_code=None):
        response = signed_request(
            self.opener,
            "POST",
            f"{self.base_url()}/pss/v1/{system_code or self.psa.code}/events",
            self.credentials(self.psa),
            body,
            {
                **({"X-PSS-Signature": signature} if signature else {}),
                **(headers or {}),
            },
        )
        self.env.invalidate_all()
        return response

    def count(self):
        self.env.flush_all()
        self.env.cr.execute("SELECT count(*) FROM pss_message")
        return self.env.cr.fetchone()[0]

    @staticmethod
    def say(figures):
        """Print the figures (captured by pytest) and append them to
        ``PSS_FUZZ_FIGURES`` for setup/test.sh to show after the summary."""
        line = f"pss-fuzz {json.dumps(figures)}"
        print(line)
        if FIGURES_FILE:
            with open(FIGURES_FILE, "a", encoding="utf-8") as figures_file:
                figures_file.write(line + "\n")

    def report(self, name, statuses, **extra):
        accepted = statuses[200] + statuses[202]
        refused = {code: n for code, n in sorted(statuses.items()) if code >= 400}
        figures = {
            "property": name,
            "requests": sum(statuses.values()),
            "accepted": accepted,
            "refused": refused,
            **extra,
        }
        self.say(figures)

    # -- (a) hostile requests -----------------------------------------------
    def hostile_request(self, draw):
        """(body, headers, signature header or None)."""
        kind = draw(
            st.sampled_from(
                [
                    "mutated",
                    "mutated",
                    "mutated",
                    "key",
                    "json",
                    "bytes",
                    "headers",
                    "route",
                ]
            )
        )
        headers = {}
        signature = None
        if kind == "bytes":
            return draw(st.binary(min_size=0, max_size=200)), headers, signature
        if kind == "json":
            shape = draw(st.sampled_from(["any", "batch", "data"]))
            if shape == "data":
                document = {**self.valid_event(draw), "data": draw(hostile_json)}
            elif shape == "batch":
                document = {"events": draw(hostile_json)}
            else:
                document = draw(hostile_json)
            return dumps(document), headers, signature
        event = self.valid_event(draw)
        if draw(st.booleans()):
            event = {"events": [event]}
        if kind == "mutated":
            path = draw(st.sampled_from(list(paths_of(event))[1:]))
            event = replaced(event, path, draw(hostile_json))
        elif kind == "key":
            path = draw(
                st.sampled_from(
                    [p for p in paths_of(event) if isinstance(_at(event, p), dict)]
                )
            )
            target = dict(_at(event, path))
            target[draw(hostile_text)] = draw(hostile_scalar)
            event = replaced(event, path, target)
        else:
            body = dumps(event)
            creds = self.credentials(self.psa)
            now = int(time.time())
            choice = draw(st.sampled_from(["content-type", "key", "signature", "auth"]))
            if kind == "route":
                # No system has this code: 401 whatever it holds (%00,
                # non-ASCII, 300 characters).
                code = draw(
                    st.one_of(
                        st.sampled_from(["ps%00a", "%C3%A9", "x" * 300]),
                        st.text(
                            st.characters(codec="ascii", categories=["L", "N"]),
                            min_size=1,
                            max_size=70,
                        ),
                    )
                )
                headers["X-PSS-System-Code"] = code  # recorded for the report
                choice = "route"
            if choice == "auth":
                headers["Authorization"] = latin1(draw(hostile_text))
            elif choice == "content-type":
                headers["Content-Type"] = draw(
                    st.sampled_from(
                        [
                            "text/plain",
                            "application/json; charset=latin-1",
                            "application/x-www-form-urlencoded",
                            "",
                            "application/json; charset=utf-16",
                        ]
                    )
                )
            elif choice == "key":
                headers["Idempotency-Key"] = latin1(draw(hostile_text))
            elif choice == "signature":
                mac = compute(creds["signing_secret"], now, body)
                arabic = str(now).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
                signature = latin1(
                    draw(
                        st.one_of(
                            st.sampled_from(
                                [
                                    f"t={arabic},v1={mac}",
                                    f"t=\u00b9\u00b2,v1={mac}",
                                    f"t={'1' * 5000},v1={mac}",
                                    f"t={'0' * 4990}{now},v1={mac}",
                                    f"t={now - 10**6},v1={mac}",
                                    f"t={now},v1={mac[:-1]}",
                                    "t=,v1=",
                                    ",,,",
                                ]
                            ),
                            hostile_text.filter(bool),
                        )
                    )
                )
            return body, headers, signature
        return dumps(event), headers, signature

    @fuzz_settings(HOSTILE_EXAMPLES)
    @given(st.data())
    def _hostile_property(self, data):
        body, headers, signature = self.hostile_request(data.draw)
        note(f"body={body[:2000]!r} headers={headers!r} signature={signature!r}")
        system_code = headers.pop("X-PSS-System-Code", None)
        before = self.count()
        response = self.send(body, headers, signature, system_code=system_code)
        status = response.status_code
        self._statuses[status] += 1
        self.assertLess(status, 500, response.text)
        self.assertIn(status, self.documented_statuses(), response.text)
        if status >= 400:
            self.assertEqual(
                response.headers["Content-Type"].split(";")[0], PROBLEM, response.text
            )
            self.assertEqual(response.json()["status"], status)
            self.assertEqual(self.count(), before, "a refused request stored something")

    def test_hostile_requests_never_answer_5xx_and_store_nothing_when_refused(self):
        type(self)._statuses = Counter()
        try:
            self._hostile_property()
        finally:
            self.report("hostile", self._statuses)

    # -- (b) schema-valid events ---------------------------------------------
    def valid_property(self, event_type):
        @fuzz_settings(VALID_EXAMPLES_PER_TYPE)
        @given(st.data())
        def prop(data):
            event = self.valid_event(data.draw, event_type)
            note(json.dumps(event))
            response = self.send(dumps(event))
            self._statuses[response.status_code] += 1
            self.assertIn(response.status_code, (200, 202), response.text)
            (entry,) = response.json()["results"]
            self.env["pss.message"]._process_queue("in", commit=False, system=self.psa)
            message = self.env["pss.message"].browse(entry["id"])
            self.assertNotEqual(
                message.error_category,
                "internal",
                f"{message.event_type} failed inside: {message.last_error}",
            )
            self._states[message.state] += 1

        prop()

    def test_schema_valid_events_are_accepted_and_never_fail_inside(self):
        type(self)._statuses = Counter()
        type(self)._states = Counter()
        types = self.event_types()
        self.assertGreaterEqual(len(types), 8, types)
        try:
            for event_type in types:
                with self.subTest(event_type=event_type):
                    self.valid_property(event_type)
        finally:
            self.report(
                "schema-valid",
                self._statuses,
                types=len(types),
                states=dict(sorted(self._states.items())),
            )


def _at(document, path):
    for part in path:
        document = document[part]
    return document
