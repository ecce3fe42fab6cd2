"""The name a queue worker signs its leases and runs with (plain Python)."""

import os
import socket
import uuid

__all__ = ["worker_id"]


def worker_id():
    """host:pid:random, unique per call (one per run of the queue)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
