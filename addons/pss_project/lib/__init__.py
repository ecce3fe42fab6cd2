"""Plain-Python helpers of pss_project (no ORM), unit-tested without Odoo."""

from . import dedupe, hierarchy, periods
