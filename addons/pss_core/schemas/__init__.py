"""Canonical payload schemas (pydantic v2), one module per domain.

Pure Python: importable and testable without Odoo.
"""

from . import common
from .envelope import Envelope, EnvelopeBatch

__all__ = ["Envelope", "EnvelopeBatch", "common"]
