"""Fixtures for the pss_client tests (no Odoo needed)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
# Test the source tree next to this folder (installed or not), and make the
# helper module importable whatever pytest's import mode.
for _path in (str(_HERE), str(_HERE.parent)):
    while _path in sys.path:
        sys.path.remove(_path)
    sys.path.insert(0, _path)

from pss_client_testserver import (  # noqa: E402
    API_KEY,
    SECRET,
    SYSTEM,
    FakeTime,
    PssTestServer,
    make_envelope,
)


@pytest.fixture
def server():
    srv = PssTestServer()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def make_client(server, fake_time):
    from pss_client import PssClient

    clients = []

    def factory(**overrides):
        options = {
            "base_url": server.url,
            "system": SYSTEM,
            "api_key": API_KEY,
            "signing_secret": SECRET,
            "sleep": fake_time.sleep,
            "clock": fake_time.clock,
        }
        options.update(overrides)
        client = PssClient(**options)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def envelope():
    return make_envelope


@pytest.fixture
def free_port():
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def load_registry():
    """Shadow pytest-odoo's autouse fixture of that name for these tests.

    When the pytest-odoo plugin is active it loads an Odoo registry before the
    first test, which fails without a database; the client needs neither.
    """
