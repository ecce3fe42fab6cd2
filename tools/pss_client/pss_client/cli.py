"""``pss-send``: push event envelopes from a JSON file to a pss server.

Exit codes: 0 when every event was accepted (and, with ``--wait``, reached the
state ``done``), 1 when any failed, 2 for usage errors (bad arguments, missing
credentials, unreadable or malformed input file).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

from . import __version__
from .client import (
    FINAL_STATES,
    MAX_BATCH_EVENTS,
    PssClient,
    PssClientError,
    PssHTTPError,
    PssWaitTimeout,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

#: Result entry states that mean the event will not be (or was not) applied.
FAILED_STATES = frozenset({"dead", "cancelled", "rejected", "error", "failed"})
#: The only final state that counts as success with ``--wait``.
SUCCESS_STATE = "done"


class UsageError(Exception):
    """Bad command line or input file (exit code 2)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pss-send",
        description=(
            "Send event envelopes to a pss server. FILE holds one envelope, a "
            'list of envelopes or {"events": [...]} ("-" reads standard input). '
            "Prints one JSON line per result."
        ),
    )
    parser.add_argument("--url", required=True, help="server base URL")
    parser.add_argument("--system", required=True, help="source system code")
    parser.add_argument(
        "--api-key", help="API key (default: environment variable PSS_API_KEY)"
    )
    parser.add_argument(
        "--secret",
        help="signing secret (default: environment variable PSS_SIGNING_SECRET)",
    )
    parser.add_argument(
        "--idempotency-key",
        help="Idempotency-Key header (only when FILE holds a single envelope)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=MAX_BATCH_EVENTS,
        help=f"events per request, at most {MAX_BATCH_EVENTS} (default: %(default)s)",
    )
    parser.add_argument(
        "--wait",
        action="store_true",
        help="wait until every message reaches a final state and print it",
    )
    parser.add_argument(
        "--wait-timeout",
        type=float,
        default=30.0,
        help="seconds to wait for all messages with --wait (default: %(default)s)",
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=0.5,
        help="seconds between status polls with --wait (default: %(default)s)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="read timeout of one request in seconds (default: %(default)s)",
    )
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=5.0,
        help="connect timeout of one request in seconds (default: %(default)s)",
    )
    parser.add_argument(
        "--max-retries",
        type=int,
        default=5,
        help="retries on 429, 5xx and network errors (default: %(default)s)",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    parser.add_argument("file", metavar="FILE.json", help="input file, or -")
    return parser


def _load_events(path: str) -> tuple[list[dict], bool]:
    """Return the envelopes in ``path`` and whether it held a single envelope."""
    try:
        if path == "-":
            document = json.load(sys.stdin)
        else:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
    except ValueError as exc:
        raise UsageError(f"{path} is not valid JSON: {exc}") from exc

    single = False
    if isinstance(document, dict) and "events" in document:
        events = document["events"]
        if not isinstance(events, list):
            raise UsageError(f'{path}: "events" must be a list')
    elif isinstance(document, dict):
        events, single = [document], True
    elif isinstance(document, list):
        events = document
    else:
        raise UsageError(f"{path}: expected an envelope, a list or {{'events': [...]}}")
    if not events:
        raise UsageError(f"{path} holds no event")
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            raise UsageError(f"{path}: event #{index} is not a JSON object")
    return events, single


def _emit(document: Any) -> None:
    print(json.dumps(document, ensure_ascii=False), flush=True)


def _error_document(exc: PssClientError) -> dict:
    if isinstance(exc, PssHTTPError):
        error: dict[str, Any] = {
            "status": exc.status,
            "title": exc.title,
            "detail": exc.detail,
            "errors": exc.errors,
        }
        if exc.problem.get("type"):
            error["type"] = exc.problem["type"]
        return {"error": error}
    return {"error": {"message": str(exc)}}


def _entry_failed(entry: Any) -> bool:
    if not isinstance(entry, dict):
        return True
    return "error" in entry or "errors" in entry or entry.get("state") in FAILED_STATES


def _wait_all(client: PssClient, entries: list[dict], args: argparse.Namespace) -> bool:
    """Wait for every message, print its final status; tell whether all are done."""
    ok = True
    deadline = time.monotonic() + args.wait_timeout
    for entry in entries:
        message_id = entry.get("id") if isinstance(entry, dict) else None
        if message_id is None:
            ok = False
            continue
        remaining = max(0.0, deadline - time.monotonic())
        try:
            status = client.wait_for(
                message_id, FINAL_STATES, timeout=remaining, interval=args.interval
            )
        except PssWaitTimeout as exc:
            _emit({"id": message_id, "error": {"message": str(exc)}, "last": exc.last})
            ok = False
            continue
        except PssClientError as exc:
            _emit({"id": message_id, **_error_document(exc)})
            ok = False
            continue
        _emit(status)
        if status.get("state") != SUCCESS_STATE:
            ok = False
    return ok


def run(args: argparse.Namespace) -> int:
    api_key = args.api_key or os.environ.get("PSS_API_KEY")
    secret = args.secret or os.environ.get("PSS_SIGNING_SECRET")
    if not api_key:
        raise UsageError("no API key: pass --api-key or set PSS_API_KEY")
    if not secret:
        raise UsageError("no signing secret: pass --secret or set PSS_SIGNING_SECRET")
    if not 1 <= args.batch_size <= MAX_BATCH_EVENTS:
        raise UsageError(f"--batch-size must be between 1 and {MAX_BATCH_EVENTS}")
    if args.max_retries < 0:
        raise UsageError("--max-retries must be >= 0")
    if args.timeout <= 0 or args.connect_timeout <= 0:
        raise UsageError("timeouts must be positive")
    events, single = _load_events(args.file)
    if args.idempotency_key and not single:
        raise UsageError("--idempotency-key needs a file holding a single envelope")

    client = PssClient(
        args.url,
        args.system,
        api_key,
        secret,
        timeout=(args.connect_timeout, args.timeout),
        max_retries=args.max_retries,
    )
    with client:
        try:
            if single:
                entries = [client.send_event(events[0], args.idempotency_key)]
            else:
                entries = client.send_events(events, batch_size=args.batch_size)
        except PssClientError as exc:
            for entry in exc.results:
                _emit(entry)
            _emit(_error_document(exc))
            print(f"pss-send: {exc}", file=sys.stderr)
            return EXIT_FAILED

        ok = True
        for entry in entries:
            _emit(entry)
            if _entry_failed(entry):
                ok = False
        if len(entries) != len(events):
            _emit(
                {
                    "error": {
                        "message": f"sent {len(events)} event(s) but the server "
                        f"returned {len(entries)} result(s)"
                    }
                }
            )
            ok = False
        if args.wait:
            accepted = [entry for entry in entries if not _entry_failed(entry)]
            ok = _wait_all(client, accepted, args) and ok
    return EXIT_OK if ok else EXIT_FAILED


def run_main(prog, build, run_args, argv=None, failures=()) -> int:
    """The entry point of a pss command: parse, run, map errors to exit codes.

    ``UsageError`` exits 2 with the usage; the exceptions in ``failures`` exit
    1 with their message; argparse's own exits (--help, --version, bad usage)
    keep their codes.
    """
    parser = build()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help / --version (0) or bad usage (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        return run_args(args)
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except tuple(failures) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    return run_main("pss-send", build_parser, run, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
