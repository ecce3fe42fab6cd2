"""``pss-simulate``: a month of a services group's integrations, for real.

Drives any pss server through its signed HTTP API, as the group's CRM, PSA
and HRIS would: the events of :mod:`pss_client.scenario` (customers,
engagements, people, approved time, expenses, staffing plans, amendments,
milestones, control totals, and the faults integrations meet), sent phase
after phase; after each step it polls the status of what it sent until the
server has applied it (``GET /pss/v1/<system>/messages/<id>``). The PSA's
outbound endpoint is a local :mod:`pss_client.receiver`, down for the first
part of the month so that the server's deliveries retry, then up.

It prints a summary: events sent, accepted, duplicates answered, refused
(per HTTP status), messages applied, parked, dead, released, ignored as
stale, what the receivers got back, the control totals' planned variances,
and checks of each fault's expected outcome (exit code 1 when one fails).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from . import __version__
from .cli import EXIT_FAILED, EXIT_OK, UsageError, run_main
from .client import PssClient, PssClientError, PssHTTPError
from .receiver import make_server
from .scenario import (
    DEFAULT_ENTITIES,
    DEFAULT_SEED,
    DEFAULT_WEEKS,
    Config,
    Scenario,
    build_scenario,
    default_start,
    parse_entities,
)

__all__ = ["Receiver", "Simulation", "UsageError", "load_credentials", "main"]

#: States after which the simulator stops waiting for a message (parked
#: ones may still be released by a later event).
SETTLED = frozenset({"done", "dead", "parked", "cancelled"})


class Receiver:
    """A :mod:`pss_client.receiver` in a thread, keeping what it received."""

    def __init__(self, system: str, port: int, secrets: list[str], host="127.0.0.1"):
        self.system = system
        self.host = host
        self.port = port
        self.secrets = secrets
        self.events: list[dict] = []
        self.started_at: float | None = None
        self._server = None
        self._thread = None
        self._lock = threading.Lock()

    def write(self, text: str) -> None:  # the receiver's output stream
        for line in text.splitlines():
            if line.strip():
                with self._lock:
                    self.events.append(json.loads(line)["event"])

    def flush(self) -> None:
        pass

    def start(self) -> None:
        if self._server is not None:
            return
        self._server = make_server(self.host, self.port, self.secrets, out=self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.started_at = time.monotonic()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def probe(self) -> None:
        """Fail now (OSError) if the port is taken, not mid-month."""
        if self._server is None and self.port:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                # As the HTTP server binds: a port in TIME_WAIT is free.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((self.host, self.port))

    @property
    def running(self) -> bool:
        return self._server is not None

    def count(self, event_type: str) -> int:
        with self._lock:
            return sum(1 for e in self.events if e.get("type") == event_type)

    def of_type(self, event_type: str) -> list[dict]:
        with self._lock:
            return [e for e in self.events if e.get("type") == event_type]


class Simulation:
    """Sends a :class:`Scenario` through ``clients`` ({role: PssClient}).

    ``receivers`` ({role: Receiver}) stand for the systems' outbound
    endpoints; the PSA's is down until the scenario brings it up, unless
    ``outage`` is False. ``settle_hook``, when given, is called before every
    round of status polls (a test without cron workers applies the queue
    there). ``log`` gets progress lines.
    """

    def __init__(
        self,
        scenario: Scenario,
        clients: dict[str, PssClient],
        receivers: dict[str, Receiver] | None = None,
        *,
        outage: bool = True,
        settle_hook: Callable[[], Any] | None = None,
        timeout: float = 180.0,
        outbound_timeout: float = 150.0,
        poll_interval: float = 0.5,
        log: Callable[[str], Any] | None = None,
    ):
        self.scenario = scenario
        self.clients = clients
        self.receivers = receivers or {}
        self.outage = outage
        self.settle_hook = settle_hook
        self.timeout = timeout
        self.outbound_timeout = outbound_timeout
        self.poll_interval = poll_interval
        self.log = log or (lambda text: None)
        self.statuses: Counter = Counter()
        self.sent = 0
        self.accepted = 0
        self.duplicates = 0
        self.refused: Counter = Counter()
        self.refusals: list[dict] = []
        #: event id -> (role, message id)
        self.messages: dict[str, tuple[str, int]] = {}
        #: (role, message id) -> last status document
        self.status: dict[tuple[str, int], dict] = {}
        self.ever_parked: set[tuple[str, int]] = set()
        self.outage_seconds: float | None = None
        self.started = time.monotonic()
        self.timed_out = False
        for client in clients.values():
            client.session.hooks["response"].append(self._count_response)

    # -- sending ---------------------------------------------------------------
    def _count_response(self, response, *args, **kwargs):
        if response.request.method == "POST":
            self.statuses[response.status_code] += 1

    def _elapsed(self) -> str:
        return f"[{time.monotonic() - self.started:6.1f}s]"

    def _note_entries(self, role, envelopes, entries):
        keys = []
        for envelope, entry in zip(envelopes, entries, strict=False):
            key = (role, int(entry["id"]))
            self.messages[envelope["id"]] = key
            keys.append(key)
            if entry.get("duplicate"):
                self.duplicates += 1
            else:
                self.accepted += 1
        return keys

    def _refuse(self, events, error: PssClientError, count: int):
        status = error.status if isinstance(error, PssHTTPError) else "no answer"
        self.refused[status] += count
        self.refusals.append(
            {
                "status": status,
                "events": [e["id"] for e in events],
                "detail": getattr(error, "detail", None) or str(error),
                "errors": getattr(error, "errors", [])[:5],
            }
        )

    def send_step(self, step) -> list[tuple[str, int]]:
        client = self.clients.get(step.role)
        if client is None:
            self.log(
                f"{self._elapsed()}   {step.label}: no {step.role} system, skipped"
            )
            return []
        self.sent += len(step.events)
        keys = []
        if step.single:
            for envelope in step.events:
                try:
                    entry = client.send_event(envelope)
                except PssClientError as error:
                    self._refuse([envelope], error, 1)
                    continue
                keys += self._note_entries(step.role, [envelope], [entry])
        else:
            try:
                entries = client.send_events(step.events)
            except PssClientError as error:
                entries = error.results
                self._refuse(
                    step.events[len(entries) :], error, len(step.events) - len(entries)
                )
            keys += self._note_entries(step.role, step.events, entries)
        new = sum(1 for k in keys if k not in self.status)
        self.log(
            f"{self._elapsed()}   {client.system}: {step.label}: "
            f"{len(step.events)} sent, {len(keys)} accepted"
            + (f" ({len(keys) - new} already known)" if len(keys) != new else "")
            + (
                f", {len(step.events) - len(keys)} refused"
                if len(keys) < len(step.events)
                else ""
            )
        )
        return keys

    # -- polling ---------------------------------------------------------------
    def poll(self, key) -> dict:
        role, message_id = key
        status = self.clients[role].get_message(message_id)
        self.status[key] = status
        if status.get("state") == "parked":
            self.ever_parked.add(key)
        return status

    def settle(self, keys, done: Callable[[], bool] | None = None) -> bool:
        """Poll ``keys`` until each is settled (and ``done()`` is true)."""
        waiting = list(dict.fromkeys(keys))
        deadline = time.monotonic() + self.timeout
        interval = self.poll_interval
        while True:
            if self.settle_hook is not None:
                self.settle_hook()
            still = []
            for index, key in enumerate(waiting):
                if self.poll(key).get("state") not in SETTLED:
                    # The queue applies roughly in order: the rest is later.
                    still = waiting[index:]
                    break
            waiting = still
            if not waiting and (done is None or done()):
                return True
            if time.monotonic() > deadline:
                self.timed_out = True
                self.log(
                    f"{self._elapsed()}   gave up waiting after {self.timeout:.0f} s: "
                    f"{len(waiting)} message(s) not settled"
                )
                return False
            time.sleep(interval)
            interval = min(interval * 1.5, 3.0)

    # -- the run -----------------------------------------------------------------
    def run(self) -> dict:
        scenario = self.scenario
        psa_receiver = self.receivers.get("psa")
        for receiver in self.receivers.values():
            if receiver is psa_receiver and self.outage:
                receiver.probe()
                continue
            receiver.start()
        down_since = time.monotonic()
        if psa_receiver is not None and self.outage:
            self.log(
                f"{self._elapsed()} the PSA's receiver (port {psa_receiver.port}) "
                "is down: what the server sends it retries"
            )
        try:
            for phase in scenario.phases:
                self.log(f"{self._elapsed()} {phase.name}")
                for step in phase.steps:
                    keys = self.send_step(step)
                    self.settle(keys)
                if (
                    phase.receiver_up_after
                    and psa_receiver
                    and not psa_receiver.running
                ):
                    psa_receiver.start()
                    self.outage_seconds = time.monotonic() - down_since
                    self.log(
                        f"{self._elapsed()} the PSA's receiver is up after "
                        f"{self.outage_seconds:.0f} s"
                    )
            self.finish()
        finally:
            for receiver in self.receivers.values():
                receiver.stop()
        return self.summary()

    def finish(self):
        """Wait for the queue to drain (parked messages released as
        expected) and for the rejected lines to reach the PSA's receiver."""
        expected = self.scenario.expected
        keys = list(dict.fromkeys(self.messages.values()))
        self.log(f"{self._elapsed()} waiting for the queue to drain")

        def drained():
            parked = sum(
                1 for k in keys if self.status.get(k, {}).get("state") == "parked"
            )
            if parked <= expected["parked"]:
                return True
            # Re-read the parked ones: a release may be on its way.
            for key in keys:
                if self.status.get(key, {}).get("state") == "parked":
                    self.poll(key)
            return False

        self.settle(keys, done=drained)
        receiver = self.receivers.get("psa")
        if receiver is not None and expected["rejected_events"]:
            self.log(
                f"{self._elapsed()} waiting for {expected['rejected_events']} "
                "timesheet.rejected at the PSA's receiver"
            )
            deadline = time.monotonic() + self.outbound_timeout
            while receiver.count("timesheet.rejected") < expected["rejected_events"]:
                if self.settle_hook is not None:
                    self.settle_hook()
                if time.monotonic() > deadline:
                    self.timed_out = True
                    self.log(f"{self._elapsed()}   not all arrived")
                    break
                time.sleep(1.0)
        # The final word on every message.
        for key in keys:
            self.poll(key)

    # -- the summary ---------------------------------------------------------------
    def summary(self) -> dict:
        scenario = self.scenario
        config = scenario.config
        expected = scenario.expected
        ids = expected["ids"]
        states = Counter(s.get("state") for s in self.status.values())
        by_type: dict[str, Counter] = {}
        lines = Counter()
        for status in self.status.values():
            by_type.setdefault(status.get("type") or "?", Counter())[
                status.get("state")
            ] += 1
            if status.get("type") == "timesheet.approved":
                for result in status.get("results") or ():
                    if result.get("model") == "account.analytic.line":
                        lines[result.get("operation")] += 1

        def state_of(event_id):
            key = self.messages.get(event_id)
            return self.status.get(key, {}).get("state") if key else "refused"

        released = [
            e
            for e in ids["released"]
            if e in self.messages
            and self.messages[e] in self.ever_parked
            and state_of(e) == "done"
        ]
        stale = [
            e
            for e in ids["stale"]
            if state_of(e) == "done"
            and not self.status[self.messages[e]].get("results")
        ]
        outbound = {}
        for role, receiver in self.receivers.items():
            counts = Counter(e.get("type") for e in receiver.events)
            outbound[role] = {
                "system": self.clients[role].system if role in self.clients else role,
                "received": dict(counts),
            }
        rejected_lines = 0
        if "psa" in self.receivers:
            rejected = self.receivers["psa"].of_type("timesheet.rejected")
            rejected_lines = sum(len(e["data"].get("lines", [])) for e in rejected)
            outbound["psa"]["rejected_lines"] = rejected_lines
            if self.outage_seconds is not None:
                outbound["psa"]["down_seconds"] = round(self.outage_seconds, 1)
        checks = []

        def check(what, want, got):
            checks.append(
                {"check": what, "expected": want, "actual": got, "ok": want == got}
            )

        check(
            "refused at the door (per HTTP status)",
            {str(k): v for k, v in sorted(expected["refused"].items())},
            {str(k): v for k, v in sorted(self.refused.items())},
        )
        check(
            "duplicates answered with the original",
            expected["duplicates"],
            self.duplicates,
        )
        check(
            "dead (unmapped expense category)",
            expected["dead"],
            sum(1 for e in ids["dead"] if state_of(e) == "dead"),
        )
        check(
            "parked (a contractor Odoo does not know)",
            expected["parked"],
            sum(1 for e in ids["parked"] if state_of(e) == "parked"),
        )
        check(
            "parked, then released (a late person)", expected["released"], len(released)
        )
        check("older versions ignored (done, no change)", expected["stale"], len(stale))
        if "psa" in self.receivers:
            check(
                "timesheet.rejected received by the PSA",
                expected["rejected_events"],
                self.receivers["psa"].count("timesheet.rejected"),
            )
            check("lines rejected back", expected["rejected_lines"], rejected_lines)
        others = sum(
            count
            for state, count in states.items()
            if state not in ("done", "dead", "parked")
        )
        check("messages neither done, dead nor parked", 0, others)
        return {
            "version": __version__,
            "seed": config.seed,
            "period": expected["period"],
            "statement_period": expected["statement_period"],
            "weeks": config.weeks,
            "entities": [e.code for e in config.entities],
            "systems": {r: c.system for r, c in self.clients.items()},
            "duration_seconds": round(time.monotonic() - self.started, 1),
            "requests": {str(k): v for k, v in sorted(self.statuses.items())},
            "events": {
                "sent": self.sent,
                "accepted": self.accepted,
                "duplicates": self.duplicates,
                "refused": {str(k): v for k, v in sorted(self.refused.items())},
            },
            "messages": {
                "total": len(self.status),
                **{str(k): v for k, v in sorted(states.items())},
            },
            "messages_by_type": {
                t: dict(sorted(c.items())) for t, c in sorted(by_type.items())
            },
            "timesheet_lines": dict(lines),
            "released": len(released),
            "stale_ignored": len(stale),
            "outbound": outbound,
            "control_totals": {
                "statements": sum(
                    1
                    for _p, _s, e in scenario.envelopes()
                    if e["type"] == "control.totals"
                ),
                "variances": scenario.variances,
            },
            "refusals": self.refusals,
            "checks": checks,
            "ok": all(c["ok"] for c in checks) and not self.timed_out,
            "timed_out": self.timed_out,
        }


def render(summary: dict) -> str:
    """The summary as text, for people."""
    events = summary["events"]
    messages = dict(summary["messages"])
    total = messages.pop("total")
    out = [
        f"pss-simulate {summary['version']}: {summary['weeks']} week(s) "
        f"{summary['period'][0]} to {summary['period'][1]}, seed {summary['seed']}, "
        f"entities {', '.join(summary['entities'])}, "
        f"{summary['duration_seconds']} s",
        f"  events sent          {events['sent']}",
        f"    accepted (new)     {events['accepted']}",
        f"    duplicates         {events['duplicates']}  (answered with the original)",
        "    refused            "
        + (
            ", ".join(f"{n} x HTTP {s}" for s, n in events["refused"].items()) or "none"
        ),
        "  requests (POST)      "
        + ", ".join(f"{n} x {s}" for s, n in summary["requests"].items()),
        f"  messages             {total}: "
        + ", ".join(f"{n} {s}" for s, n in messages.items()),
        f"    released after parking  {summary['released']}",
        f"    older versions ignored  {summary['stale_ignored']}",
        "  timesheet lines      "
        + (
            ", ".join(
                f"{n} {op}" for op, n in sorted(summary["timesheet_lines"].items())
            )
            or "none"
        ),
    ]
    for info in summary["outbound"].values():
        text = ", ".join(f"{n} {t}" for t, n in sorted(info["received"].items()))
        extra = ""
        if "rejected_lines" in info:
            extra += f" ({info['rejected_lines']} line(s) rejected back)"
        if "down_seconds" in info:
            extra += f", after {info['down_seconds']:.0f} s down"
        out.append(f"  {info['system']} receiver     {text or 'nothing'}{extra}")
    totals = summary["control_totals"]
    out.append(
        f"  control.totals       {totals['statements']} statement(s), "
        f"{len(totals['variances'])} variance(s) for the reconciliation "
        "(PSA minus Odoo, as on the screens):"
    )
    for variance in totals["variances"]:
        out.append(
            f"    {variance['entity']}: {variance['what']} {variance['hours']} h "
            f"({variance['why']})"
        )
    out.append("  checks")
    for item in summary["checks"]:
        mark = "ok  " if item["ok"] else "FAIL"
        out.append(
            f"    {mark} {item['check']}: {item['actual']}"
            + ("" if item["ok"] else f" (expected {item['expected']})")
        )
    if summary["timed_out"]:
        out.append("  FAIL: gave up waiting for the server (see the log above)")
    return "\n".join(out)


# -- command line ---------------------------------------------------------------


def _env_name(code: str, what: str) -> str:
    return f"PSS_{re.sub(r'[^A-Za-z0-9]', '_', code).upper()}_{what}"


def load_credentials(path: str | None, codes: Sequence[str]) -> dict[str, dict]:
    """{system code: {"api_key", "signing_secret", ...}} from a JSON file
    (``path``, or $PSS_SIM_CREDENTIALS), else from the environment variables
    ``PSS_<CODE>_API_KEY`` and ``PSS_<CODE>_SIGNING_SECRET``."""
    path = path or os.environ.get("PSS_SIM_CREDENTIALS")
    found: dict[str, dict] = {}
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc}") from exc
        except ValueError as exc:
            raise UsageError(f"{path} is not valid JSON: {exc}") from exc
        if not isinstance(document, dict):
            raise UsageError(f"{path}: expected {{system code: {{...}}}}")
        found = {k: v for k, v in document.items() if isinstance(v, dict)}
    for code in codes:
        entry = dict(found.get(code) or {})
        entry.setdefault("api_key", os.environ.get(_env_name(code, "API_KEY")))
        entry.setdefault(
            "signing_secret", os.environ.get(_env_name(code, "SIGNING_SECRET"))
        )
        if not entry["api_key"] or not entry["signing_secret"]:
            raise UsageError(
                f"no credentials for system {code!r}: give them in the credentials "
                f"file or in {_env_name(code, 'API_KEY')} and "
                f"{_env_name(code, 'SIGNING_SECRET')}"
            )
        found[code] = entry
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pss-simulate",
        description="Send a month of a services group's events (CRM, PSA, HRIS) "
        "to a pss server through its signed API, with the faults integrations "
        "meet, and print what became of them.",
    )
    parser.add_argument("--url", required=True, help="server base URL")
    parser.add_argument(
        "--credentials",
        help="JSON file {system code: {api_key, signing_secret[, outbound_secret]"
        "[, entity_codes]}} (default: $PSS_SIM_CREDENTIALS, else the variables "
        "PSS_<CODE>_API_KEY and PSS_<CODE>_SIGNING_SECRET)",
    )
    parser.add_argument("--crm", default="crm", help="CRM system code (%(default)s)")
    parser.add_argument("--psa", default="psa", help="PSA system code (%(default)s)")
    parser.add_argument(
        "--hris",
        default="hris",
        help="HRIS system code (%(default)s); empty: the PSA sends every person",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="random seed (%(default)s)"
    )
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        help="first Monday (default: the WEEKS whole weeks before today)",
    )
    parser.add_argument(
        "--weeks", type=int, default=DEFAULT_WEEKS, help="weeks (%(default)s)"
    )
    parser.add_argument(
        "--entities",
        default=DEFAULT_ENTITIES,
        help="entity codes with their currencies (%(default)s)",
    )
    parser.add_argument(
        "--hris-entities",
        help="entities whose people come from the HRIS, comma-separated "
        "(default: those of its entity_codes, else all but the first)",
    )
    parser.add_argument(
        "--people", type=int, default=4, help="people per entity (%(default)s)"
    )
    parser.add_argument(
        "--receiver",
        action="append",
        default=[],
        metavar="ROLE=PORT",
        help="run the outbound receiver of the crm or psa system on this port "
        "of 127.0.0.1 (its outbound_secret from the credentials file); the "
        "PSA's is down for the first part of the month",
    )
    parser.add_argument(
        "--no-outage", action="store_true", help="keep the PSA's receiver up"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=180.0,
        help="seconds to wait for a step to be applied (%(default)s)",
    )
    parser.add_argument(
        "--outbound-timeout",
        type=float,
        default=150.0,
        help="seconds to wait for the rejected lines at the PSA's receiver "
        "(%(default)s)",
    )
    parser.add_argument("--summary", help="also write the summary to this JSON file")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the events as JSON lines (role, event) and send nothing",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    return parser


def config_from_args(args, credentials: dict[str, dict] | None = None) -> Config:
    try:
        entities = parse_entities(args.entities)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    systems = {"crm": args.crm, "psa": args.psa, "hris": args.hris or None}
    aliases = {}
    for code, entry in (credentials or {}).items():
        if isinstance(entry.get("entity_codes"), dict):
            aliases[code] = {str(k): str(v) for k, v in entry["entity_codes"].items()}
    hris_entities = None
    if args.hris_entities is not None:
        hris_entities = [e.strip() for e in args.hris_entities.split(",") if e.strip()]
    elif systems["hris"] and aliases.get(systems["hris"]):
        hris_entities = [e.code for e in entities if e.code in aliases[systems["hris"]]]
    start = args.start or default_start(date.today(), args.weeks)
    try:
        return Config(
            start=start,
            weeks=args.weeks,
            seed=args.seed,
            entities=entities,
            systems=systems,
            hris_entities=hris_entities,
            aliases=aliases,
            people_per_entity=args.people,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def run(args) -> int:
    if args.dry_run:
        scenario = build_scenario(config_from_args(args))
        for phase, step, envelope in scenario.envelopes():
            line = {"phase": phase.name, "role": step.role, "event": envelope}
            print(json.dumps(line, ensure_ascii=False))
        return EXIT_OK
    codes = [c for c in (args.crm, args.psa, args.hris) if c]
    credentials = load_credentials(args.credentials, codes)
    config = config_from_args(args, credentials)
    scenario = build_scenario(config)
    clients = {
        role: PssClient(
            args.url,
            code,
            credentials[code]["api_key"],
            credentials[code]["signing_secret"],
            timeout=(5, 120),
        )
        for role, code in config.systems.items()
        if code
    }
    receivers = {}
    for item in args.receiver:
        role, _sep, port = item.partition("=")
        role = role.strip()
        if role not in clients or not port.strip().isdigit():
            raise UsageError(f"--receiver {item!r}: expected crm=PORT or psa=PORT")
        code = config.systems[role]
        secret = credentials[code].get("outbound_secret")
        if not secret:
            raise UsageError(
                f"--receiver {role}: no outbound_secret for {code!r} in the "
                "credentials file"
            )
        receivers[role] = Receiver(code, int(port), [secret])

    def log(text):
        if not args.quiet:
            print(text, file=sys.stderr, flush=True)

    log(
        f"pss-simulate: {config.weeks} week(s) from {config.start} (seed "
        f"{config.seed}) for {', '.join(e.code for e in config.entities)} "
        f"at {args.url}"
    )
    simulation = Simulation(
        scenario,
        clients,
        receivers,
        outage=not args.no_outage,
        timeout=args.timeout,
        outbound_timeout=args.outbound_timeout,
        log=log,
    )
    try:
        summary = simulation.run()
    finally:
        for client in clients.values():
            client.close()
    print(render(summary), flush=True)
    if args.summary:
        with open(args.summary, "w", encoding="utf-8") as handle:
            json.dump(summary, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
    return EXIT_OK if summary["ok"] else EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    # OSError: e.g. a receiver's port already in use.
    return run_main("pss-simulate", build_parser, run, argv, (PssClientError, OSError))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
