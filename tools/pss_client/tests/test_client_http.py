"""PssClient against a real local HTTP server: requests, answers and retries."""

import calendar
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from pss_client import PssClient, PssClientError, PssHTTPError
from pss_client.client import PssConnectionError, PssWaitTimeout, parse_retry_after
from pss_client.signing import verify
from pss_client_testserver import API_KEY, SECRET, SYSTEM


def canonical(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


class CountingSession(requests.Session):
    """Records the keyword arguments of every request the client makes."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def request(self, method, url, **kwargs):
        self.calls.append({"method": method, "url": url, **kwargs})
        return super().request(method, url, **kwargs)


# -- happy paths -----------------------------------------------------------------


def test_send_event_posts_signed_exact_bytes(server, make_client, envelope):
    event = envelope(1)
    entry = make_client().send_event(event)

    assert entry == {
        "id": 1,
        "event_id": "evt_00001",
        "state": "pending",
        "status_url": f"/pss/v1/{SYSTEM}/messages/1",
    }
    [request] = server.requests
    assert request.method == "POST"
    assert request.path == f"/pss/v1/{SYSTEM}/events"
    assert request.body == canonical(event)
    assert request.signature_ok
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["Content-Type"] == "application/json"
    assert "Idempotency-Key" not in request.headers


def test_send_event_passes_the_idempotency_key(server, make_client, envelope):
    make_client().send_event(envelope(1), idempotency_key="key-42")
    assert server.requests[0].headers["Idempotency-Key"] == "key-42"


def test_single_entry_in_a_list_is_handled_too(server, make_client, envelope):
    server.single_entry_as_object = False
    assert make_client().send_event(envelope(3))["event_id"] == "evt_00003"


def test_bare_entry_body_is_handled(server, make_client, envelope):
    entry = {"id": 9, "event_id": "evt_00001", "state": "pending"}
    server.queue(202, entry)
    assert make_client().send_event(envelope(1)) == entry


def test_duplicate_answer_200_returns_the_original_entry(
    server, make_client, envelope, fake_time
):
    original = {"id": 7, "event_id": "evt_00001", "state": "done"}
    server.queue(200, {"results": [original]})
    assert make_client().send_event(envelope(1)) == original
    assert len(server.requests) == 1
    assert fake_time.sleeps == []


def test_get_message_and_health_are_signed_over_empty_body(server, make_client):
    client = make_client()
    entry = client.send_event({"id": "evt_x", "type": "t", "data": {}})
    status = client.get_message(entry["id"])
    assert status == {"id": entry["id"], "state": "pending"}
    assert client.health() == {"status": "ok"}

    get_message, health = server.requests[1:]
    assert get_message.method == "GET"
    assert get_message.path == f"/pss/v1/{SYSTEM}/messages/{entry['id']}"
    assert health.path == "/pss/v1/health"
    for request in (get_message, health):
        assert request.body == b""
        assert verify(request.headers["X-PSS-Signature"], b"", [SECRET])
        assert request.headers["Authorization"] == f"Bearer {API_KEY}"


def test_base_url_trailing_slash_and_system_quoting(server, make_client):
    client = make_client(base_url=server.url + "/", system="a b")
    client.send_event({"id": "evt_1"})
    assert server.requests[0].path == "/pss/v1/a%20b/events"


def test_wait_for_polls_until_a_final_state(server, make_client, envelope):
    client = make_client(sleep=lambda seconds: None)
    entry = client.send_event(envelope(1))
    status = client.wait_for(entry["id"], interval=0)
    assert status == {"id": entry["id"], "state": "done"}
    assert len(server.requests) == 1 + 3  # pending, processing, done


def test_wait_for_reports_dead_messages(server, make_client, envelope):
    server.final_states["evt_00001"] = "dead"
    client = make_client(sleep=lambda seconds: None)
    entry = client.send_event(envelope(1))
    assert client.wait_for(entry["id"], interval=0)["state"] == "dead"


def test_wait_for_times_out(server, make_client, envelope):
    client = make_client(sleep=lambda seconds: None)
    entry = client.send_event(envelope(1))
    with pytest.raises(PssWaitTimeout) as info:
        client.wait_for(entry["id"], states=("cancelled",), timeout=0.2, interval=0)
    assert info.value.last == {"id": entry["id"], "state": "done"}


def test_unknown_message_raises_404(server, make_client):
    with pytest.raises(PssHTTPError) as info:
        make_client().get_message(12345)
    assert info.value.status == 404


# -- errors that are not retried ---------------------------------------------------

ERRORS = [
    {"path": "data.lines[3].hours", "message": "must be <= 24"},
    {"path": "entity", "message": "unknown company"},
]


@pytest.mark.parametrize("status", [400, 409, 413, 415, 422])
def test_client_errors_raise_with_problem_and_are_not_retried(
    server, make_client, envelope, fake_time, status
):
    server.problem(status, "Unprocessable", "schema errors", errors=ERRORS)
    with pytest.raises(PssHTTPError) as info:
        make_client().send_event(envelope(1))

    error = info.value
    assert error.status == status
    assert error.errors == ERRORS
    assert error.problem["title"] == "Unprocessable"
    assert error.problem["detail"] == "schema errors"
    assert "data.lines[3].hours" in str(error)
    assert len(server.requests) == 1
    assert fake_time.sleeps == []


def test_bad_api_key_raises_401_without_retry(server, make_client, envelope):
    with pytest.raises(PssHTTPError) as info:
        make_client(api_key="wrong").send_event(envelope(1))
    assert info.value.status == 401
    assert info.value.errors == []
    assert len(server.requests) == 1


def test_bad_signature_raises_403_without_retry(server, make_client, envelope):
    with pytest.raises(PssHTTPError) as info:
        make_client(signing_secret="wrong").send_event(envelope(1))
    assert info.value.status == 403
    assert len(server.requests) == 1


def test_error_without_problem_document(server, make_client, envelope):
    server.queue(400, b"plain text failure", content_type="text/plain")
    with pytest.raises(PssHTTPError) as info:
        make_client().send_event(envelope(1))
    assert info.value.status == 400
    assert info.value.problem["detail"] == "plain text failure"
    assert info.value.errors == []


def test_non_json_success_body_raises(server, make_client, envelope):
    server.queue(202, b"<html>", content_type="text/html")
    with pytest.raises(PssClientError, match="not JSON"):
        make_client().send_event(envelope(1))


# -- retries ---------------------------------------------------------------------


def test_429_retry_after_is_honoured_then_success(
    server, make_client, envelope, fake_time
):
    server.problem(429, "Too Many Requests", headers={"Retry-After": "7"})
    entry = make_client().send_event(envelope(1))

    assert entry["event_id"] == "evt_00001"
    assert len(server.requests) == 2
    assert len(fake_time.sleeps) == 1
    assert fake_time.sleeps[0] >= 7


def test_retry_after_wins_over_larger_backoff_only_when_longer(
    server, make_client, envelope, fake_time, monkeypatch
):
    monkeypatch.setattr("pss_client.client.random.uniform", lambda low, high: high)
    server.problem(429, "Too Many Requests", headers={"Retry-After": "1"})
    make_client(backoff_base=4).send_event(envelope(1))
    assert fake_time.sleeps == [4]


def test_503_is_retried_then_success(server, make_client, envelope, fake_time):
    server.problem(503, "Service Unavailable")
    server.queue(502, b"bad gateway", content_type="text/plain")
    entry = make_client().send_event(envelope(1))
    assert entry["event_id"] == "evt_00001"
    assert len(server.requests) == 3
    assert len(fake_time.sleeps) == 2


def test_backoff_is_exponential_with_full_jitter_and_capped(
    server, make_client, envelope, fake_time, monkeypatch
):
    bounds = []

    def uniform(low, high):
        bounds.append((low, high))
        return high

    monkeypatch.setattr("pss_client.client.random.uniform", uniform)
    for _ in range(5):
        server.problem(503, "Service Unavailable")
    make_client(backoff_base=0.5, backoff_cap=3).send_event(envelope(1))
    assert bounds == [(0, 0.5), (0, 1.0), (0, 2.0), (0, 3), (0, 3)]
    assert fake_time.sleeps == [0.5, 1.0, 2.0, 3, 3]


def test_5xx_gives_up_after_max_retries(server, make_client, envelope, fake_time):
    for _ in range(10):
        server.problem(500, "Internal Server Error", "boom")
    with pytest.raises(PssHTTPError) as info:
        make_client(max_retries=3).send_event(envelope(1))
    assert info.value.status == 500
    assert info.value.detail == "boom"
    assert len(server.requests) == 4
    assert len(fake_time.sleeps) == 3


def test_429_gives_up_after_max_retries_with_retry_after(
    server, make_client, envelope, fake_time
):
    for _ in range(3):
        server.problem(429, "Too Many Requests", headers={"Retry-After": "2"})
    with pytest.raises(PssHTTPError) as info:
        make_client(max_retries=2).send_event(envelope(1))
    assert info.value.status == 429
    assert info.value.retry_after == 2
    assert len(server.requests) == 3
    assert all(seconds >= 2 for seconds in fake_time.sleeps)


def test_retries_resend_identical_bytes_with_fresh_signatures(
    server, make_client, envelope, fake_time
):
    server.problem(503, "Service Unavailable", headers={"Retry-After": "2"})
    server.problem(429, "Too Many Requests", headers={"Retry-After": "3"})
    event = envelope(1)
    make_client().send_event(event, idempotency_key="idem-1")

    first, second, third = server.requests
    assert first.body == second.body == third.body == canonical(event)
    assert first.timestamp < second.timestamp < third.timestamp
    assert second.timestamp - first.timestamp >= 2
    assert third.timestamp - second.timestamp >= 3
    signatures = {r.headers["X-PSS-Signature"] for r in server.requests}
    assert len(signatures) == 3
    assert all(r.signature_ok for r in server.requests)
    assert {r.headers["Idempotency-Key"] for r in server.requests} == {"idem-1"}


def test_connection_refused_is_retried_then_raises(free_port, fake_time):
    session = CountingSession()
    client = PssClient(
        f"http://127.0.0.1:{free_port}",
        SYSTEM,
        API_KEY,
        SECRET,
        max_retries=3,
        session=session,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
    )
    with pytest.raises(PssConnectionError) as info:
        client.send_event({"id": "evt_1"})
    assert isinstance(info.value, PssClientError)
    assert isinstance(info.value.__cause__, requests.exceptions.ConnectionError)
    assert len(session.calls) == 4
    assert len(fake_time.sleeps) == 3
    bodies = {call["data"] for call in session.calls}
    assert bodies == {canonical({"id": "evt_1"})}


def test_read_timeout_is_retried(server, envelope, fake_time):
    server.queue(202, {"results": []}, delay=1.5)
    session = CountingSession()
    client = PssClient(
        server.url,
        SYSTEM,
        API_KEY,
        SECRET,
        timeout=(2, 0.3),
        session=session,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
    )
    entry = client.send_event(envelope(1))
    assert entry["event_id"] == "evt_00001"
    assert len(session.calls) == 2
    assert len(fake_time.sleeps) == 1


def test_every_request_passes_a_timeout(server, envelope):
    session = CountingSession()
    client = PssClient(server.url, SYSTEM, API_KEY, SECRET, session=session)
    entry = client.send_event(envelope(1))
    client.send_events([envelope(2), envelope(3)])
    client.get_message(entry["id"])
    client.health()
    assert len(session.calls) == 4
    assert all(call["timeout"] == (5, 30) for call in session.calls)
    assert all(call["allow_redirects"] is False for call in session.calls)


def test_timeout_none_is_refused():
    with pytest.raises(ValueError, match="timeout"):
        PssClient("http://127.0.0.1:1", SYSTEM, API_KEY, SECRET, timeout=None)


def test_parse_retry_after():
    assert parse_retry_after("5") == 5
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after("-3") == 0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    when = calendar.timegm((2026, 10, 21, 7, 28, 0))
    date = "Wed, 21 Oct 2026 07:28:00 GMT"
    assert parse_retry_after(date, now=when - 10) == 10
    assert parse_retry_after(date, now=when + 10) == 0


def test_the_package_does_not_import_odoo():
    source = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(source))
    code = (
        "import sys, pss_client, pss_client.cli; "
        "assert 'odoo' not in sys.modules, 'odoo imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
