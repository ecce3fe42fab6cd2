"""Client for pushing signed events to the pss Odoo addons over HTTP.

Usage::

    from pss_client import PssClient

    with PssClient("https://odoo.example.com", "crm", api_key, secret) as client:
        entry = client.send_event(envelope)
        final = client.wait_for(entry["id"])
"""

__version__ = "1.1.0"

# __version__ is set first: client.py imports it.
from .client import (
    FINAL_STATES,
    PssClient,
    PssClientError,
    PssConnectionError,
    PssHTTPError,
    PssWaitTimeout,
)
from .signing import sign, verify

__all__ = [
    "FINAL_STATES",
    "PssClient",
    "PssClientError",
    "PssConnectionError",
    "PssHTTPError",
    "PssWaitTimeout",
    "__version__",
    "sign",
    "verify",
]
