"""project.created (outbound): the Odoo ids of an applied engagement."""

from pydantic import Field

from odoo.addons.pss_core.schemas.common import (
    Count,
    ExternalId,
    StrictModel,
    Text,
    Version,
)

__all__ = ["ProjectCreated"]


class ProjectCreated(StrictModel):
    engagement_external_id: ExternalId
    version: Version
    project_id: Count
    project_name: Text
    sale_order_id: Count
    sale_order_name: Text
    analytic_account_id: Count
    analytic_account: Text = Field(description="Analytic account code (or name)")
    customer_id: Count
    customer_external_id: ExternalId
