"""pss-send, run in-process against the local server."""

import json

import pytest

from pss_client.cli import main
from pss_client_testserver import API_KEY, SECRET, SYSTEM, make_envelope


@pytest.fixture
def credentials(monkeypatch):
    monkeypatch.setenv("PSS_API_KEY", API_KEY)
    monkeypatch.setenv("PSS_SIGNING_SECRET", SECRET)


def write(tmp_path, document, name="events.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def run(server, *args):
    return main(["--url", server.url, "--system", SYSTEM, *args])


def lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_single_envelope_exit_0(server, credentials, tmp_path, capsys):
    path = write(tmp_path, make_envelope(1))
    assert run(server, "--idempotency-key", "k1", path) == 0
    [entry] = lines(capsys)
    assert entry["event_id"] == "evt_00001"
    assert entry["state"] == "pending"
    [request] = server.requests
    assert request.headers["Idempotency-Key"] == "k1"
    assert request.signature_ok


@pytest.mark.parametrize("wrap", [list, lambda events: {"events": events}])
def test_lists_and_events_documents(server, credentials, tmp_path, capsys, wrap):
    events = [make_envelope(n) for n in range(3)]
    path = write(tmp_path, wrap(events))
    assert run(server, "--batch-size", "2", path) == 0
    assert [e["event_id"] for e in lines(capsys)] == [e["id"] for e in events]
    assert len(server.event_requests()) == 2


def test_keys_from_options(server, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("PSS_API_KEY", raising=False)
    monkeypatch.delenv("PSS_SIGNING_SECRET", raising=False)
    path = write(tmp_path, make_envelope(1))
    assert run(server, "--api-key", API_KEY, "--secret", SECRET, path) == 0
    assert len(lines(capsys)) == 1


def test_wait_prints_final_states(server, credentials, tmp_path, capsys):
    path = write(tmp_path, [make_envelope(1), make_envelope(2)])
    assert run(server, "--wait", "--interval", "0", path) == 0
    output = lines(capsys)
    assert [line["state"] for line in output] == ["pending", "pending", "done", "done"]
    assert [line["id"] for line in output[2:]] == [line["id"] for line in output[:2]]


def test_wait_exit_1_when_a_message_ends_dead(server, credentials, tmp_path, capsys):
    server.final_states["evt_00002"] = "dead"
    path = write(tmp_path, [make_envelope(1), make_envelope(2)])
    assert run(server, "--wait", "--interval", "0", path) == 1
    assert [line["state"] for line in lines(capsys)[2:]] == ["done", "dead"]


def test_wait_timeout_exit_1(server, credentials, tmp_path, capsys):
    path = write(tmp_path, make_envelope(1))
    args = ("--wait", "--wait-timeout", "0", "--interval", "0", path)
    assert run(server, *args) == 1
    accepted, waited = lines(capsys)
    assert waited["id"] == accepted["id"]
    assert "error" in waited
    assert waited["last"]["state"] == "pending"


def test_rejected_event_exit_1(server, credentials, tmp_path, capsys):
    errors = [{"path": "data.lines[3].hours", "message": "too many"}]
    server.problem(422, "Unprocessable", "schema", errors=errors)
    path = write(tmp_path, make_envelope(1))
    assert run(server, path) == 1
    [line] = lines(capsys)
    assert line["error"]["status"] == 422
    assert line["error"]["errors"] == errors


def test_partial_batch_failure_prints_accepted_then_error(
    server, credentials, tmp_path, capsys
):
    server.queue(202, {"results": [{"id": 1, "event_id": "evt_00000"}]})
    server.problem(400, "Bad Request")
    path = write(tmp_path, [make_envelope(0), make_envelope(1)])
    assert run(server, "--batch-size", "1", path) == 1
    first, second = lines(capsys)
    assert first["event_id"] == "evt_00000"
    assert second["error"]["status"] == 400


def test_failed_state_in_result_exit_1(server, credentials, tmp_path, capsys):
    entry = {"id": 5, "event_id": "evt_00001", "state": "dead"}
    server.queue(200, {"results": [entry]})
    assert run(server, write(tmp_path, make_envelope(1))) == 1


def test_missing_results_exit_1(server, credentials, tmp_path, capsys):
    server.queue(202, {"results": []})
    assert run(server, write(tmp_path, [make_envelope(1)])) == 1


def test_unreachable_server_exit_1(credentials, tmp_path, capsys, free_port):
    path = write(tmp_path, make_envelope(1))
    argv = ["--url", f"http://127.0.0.1:{free_port}", "--system", SYSTEM]
    assert main([*argv, "--max-retries", "0", path]) == 1
    [line] = lines(capsys)
    assert "error" in line


@pytest.mark.parametrize(
    "argv",
    [
        [],  # nothing at all
        ["--system", SYSTEM, "FILE"],  # no --url
        ["--url", "http://127.0.0.1:1", "FILE"],  # no --system
        ["--url", "http://127.0.0.1:1", "--system", SYSTEM],  # no file
        ["--url", "http://127.0.0.1:1", "--system", SYSTEM, "--batch-size", "x"],
    ],
    ids=["empty", "no-url", "no-system", "no-file", "bad-int"],
)
def test_argparse_usage_errors_exit_2(credentials, argv, capsys):
    assert main(argv) == 2
    assert "usage" in capsys.readouterr().err


def test_missing_credentials_exit_2(server, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("PSS_API_KEY", raising=False)
    monkeypatch.setenv("PSS_SIGNING_SECRET", SECRET)
    path = write(tmp_path, make_envelope(1))
    assert run(server, path) == 2
    assert "PSS_API_KEY" in capsys.readouterr().err
    monkeypatch.setenv("PSS_API_KEY", API_KEY)
    monkeypatch.delenv("PSS_SIGNING_SECRET")
    assert run(server, path) == 2
    assert "PSS_SIGNING_SECRET" in capsys.readouterr().err
    assert server.requests == []


BAD_INPUTS = {
    "missing-file": (None, []),
    "not-json": ("{not json", []),
    "empty-list": ("[]", []),
    "not-objects": ("[1, 2]", []),
    "events-not-list": ('{"events": {}}', []),
    "scalar": ("42", []),
    "idempotency-key-with-list": (
        json.dumps([make_envelope(1)]),
        ["--idempotency-key", "k"],
    ),
    "batch-size-too-big": (json.dumps(make_envelope(1)), ["--batch-size", "501"]),
}


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("case", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_exit_2(server, tmp_path, capsys, case):
    content, extra = case
    path = tmp_path / "input.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert run(server, *extra, str(path)) == 2
    assert "error" in capsys.readouterr().err
    assert server.requests == []


def test_help_exit_0(capsys):
    assert main(["--help"]) == 0
    assert "pss-send" in capsys.readouterr().out
