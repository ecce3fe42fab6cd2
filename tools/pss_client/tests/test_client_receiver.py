"""pss-receive: verifies signatures, prints events once, answers like a receiver."""

import io
import json
import threading

import pytest
import requests

from pss_client.receiver import make_server
from pss_client.signing import sign

SECRET = "outbound-secret"


@pytest.fixture
def receiver():
    out = io.StringIO()
    server = make_server("127.0.0.1", 0, [SECRET], out=out)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/crm/hooks/pss"
    yield url, out
    server.shutdown()
    server.server_close()


def post(url, event, secret=SECRET, key="uuid-1"):
    body = json.dumps(event).encode()
    return requests.post(
        url,
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-PSS-Signature": sign(secret, body),
            "Idempotency-Key": key,
        },
        timeout=5,
    )


def test_signed_event_is_printed_once_and_redelivery_acknowledged(receiver):
    url, out = receiver
    event = {"id": "e1", "type": "project.created", "data": {"project_id": 7}}
    first = post(url, event)
    again = post(url, event)
    assert (first.status_code, first.json()["duplicate"]) == (200, False)
    assert (again.status_code, again.json()["duplicate"]) == (200, True)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 1
    assert lines[0]["event"]["data"]["project_id"] == 7
    assert lines[0]["idempotency_key"] == "uuid-1"
    assert lines[0]["path"] == "/crm/hooks/pss"


def test_wrong_signature_is_refused_and_not_printed(receiver):
    url, out = receiver
    answer = post(url, {"id": "e2"}, secret="someone-else")
    assert answer.status_code == 401
    assert out.getvalue() == ""


def test_body_that_is_not_json_is_a_400(receiver):
    url, out = receiver
    body = b"not json"
    answer = requests.post(
        url, data=body, headers={"X-PSS-Signature": sign(SECRET, body)}, timeout=5
    )
    assert answer.status_code == 400
    assert out.getvalue() == ""
