"""PssClient.send_events: batches of at most 500 events and under 5 MB."""

import json

import pytest

from pss_client import PssHTTPError
from pss_client.client import MAX_BATCH_BYTES
from pss_client_testserver import SERVER_MAX_BYTES


def _event_ids(request):
    return [event["id"] for event in request.json()["events"]]


def test_splits_at_500_events(server, make_client, envelope):
    events = [envelope(n) for n in range(1201)]
    results = make_client().send_events(events)

    requests_ = server.event_requests()
    assert [len(r.json()["events"]) for r in requests_] == [500, 500, 201]
    assert all(r.signature_ok for r in requests_)
    # every event sent once, in order, and the results concatenated in order
    sent = [event_id for r in requests_ for event_id in _event_ids(r)]
    assert sent == [event["id"] for event in events]
    assert [entry["event_id"] for entry in results] == sent
    assert len({entry["id"] for entry in results}) == 1201


def test_batch_body_is_the_compact_serialization(server, make_client, envelope):
    events = [envelope(1), envelope(2)]
    make_client().send_events(events)
    [request] = server.event_requests()
    expected = json.dumps(
        {"events": events}, separators=(",", ":"), ensure_ascii=False
    ).encode()
    assert request.body == expected


def test_smaller_batch_size(server, make_client, envelope):
    make_client().send_events([envelope(n) for n in range(5)], batch_size=2)
    assert [len(r.json()["events"]) for r in server.event_requests()] == [2, 2, 1]


def test_accepts_any_iterable(server, make_client, envelope):
    results = make_client().send_events(envelope(n) for n in range(3))
    assert len(results) == 3
    assert len(server.event_requests()) == 1


def test_splits_by_body_size(server, make_client, envelope):
    # ~1 MB per event: four fit under 5,000,000 bytes, five do not.
    events = [envelope(n, data={"blob": "x" * 1_000_000}) for n in range(10)]
    results = make_client().send_events(events)

    requests_ = server.event_requests()
    assert [len(r.json()["events"]) for r in requests_] == [4, 4, 2]
    assert all(len(r.body) <= MAX_BATCH_BYTES for r in requests_)
    assert MAX_BATCH_BYTES <= SERVER_MAX_BYTES
    assert [entry["event_id"] for entry in results] == [e["id"] for e in events]


def test_size_limit_is_exact(server, make_client, envelope):
    events = [envelope(n) for n in range(3)]
    sizes = [
        len(json.dumps(e, separators=(",", ":"), ensure_ascii=False).encode())
        for e in events
    ]
    two_events = len(b'{"events":[') + sizes[0] + 1 + sizes[1] + len(b"]}")
    make_client(max_batch_bytes=two_events).send_events(events)
    requests_ = server.event_requests()
    assert [len(r.json()["events"]) for r in requests_] == [2, 1]
    assert len(requests_[0].body) == two_events


def test_an_oversized_event_travels_alone(server, make_client, envelope):
    events = [envelope(1), envelope(2, data={"blob": "x" * 500}), envelope(3)]
    make_client(max_batch_bytes=300).send_events(events)
    assert [_event_ids(r) for r in server.event_requests()] == [
        ["evt_00001"],
        ["evt_00002"],
        ["evt_00003"],
    ]


def test_empty_input_sends_nothing(server, make_client):
    assert make_client().send_events([]) == []
    assert server.requests == []


@pytest.mark.parametrize("batch_size", [0, 501])
def test_batch_size_out_of_range(make_client, batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        make_client().send_events([{"id": "evt_1"}], batch_size=batch_size)


def test_failure_carries_results_of_earlier_batches(server, make_client, envelope):
    server.queue(
        202, {"results": [{"id": 1, "event_id": "evt_00000", "state": "pending"}]}
    )
    server.problem(422, "Unprocessable", errors=[{"path": "data", "message": "x"}])
    with pytest.raises(PssHTTPError) as info:
        make_client().send_events([envelope(0), envelope(1)], batch_size=1)
    assert info.value.status == 422
    assert [entry["event_id"] for entry in info.value.results] == ["evt_00000"]
    assert len(server.event_requests()) == 2
