"""Canonical payloads owned by pss_project (schema version 1).

Pure Python (pydantic v2): importable and testable without Odoo.
"""

from . import customer, engagement, milestone, project_created
from .customer import Customer, CustomerUpserted
from .engagement import (
    BILLING_MODELS,
    EngagementAmended,
    EngagementWon,
    MilestoneLine,
    RateCardLine,
    Retainer,
)
from .milestone import MilestoneReached
from .project_created import ProjectCreated

__all__ = [
    "BILLING_MODELS",
    "Customer",
    "CustomerUpserted",
    "EngagementAmended",
    "EngagementWon",
    "MilestoneLine",
    "MilestoneReached",
    "ProjectCreated",
    "RateCardLine",
    "Retainer",
    "customer",
    "engagement",
    "milestone",
    "project_created",
]
