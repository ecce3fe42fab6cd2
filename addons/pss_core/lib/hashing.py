"""Stable hashes of payloads (plain Python)."""

import hashlib
import json

__all__ = ["canonical_json", "payload_hash"]


def canonical_json(data):
    """Stable serialisation used for hashing payloads."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def payload_hash(data):
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()
