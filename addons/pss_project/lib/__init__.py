"""Plain-Python helpers of pss_project (no ORM), unit-tested without Odoo."""

from . import customers, dedupe, engagements, hierarchy, milestones, periods
