"""project.created (outbound): the Odoo ids of an applied engagement."""

from pydantic import Field

from odoo.addons.pss_core.schemas.common import ExternalId, StrictModel

__all__ = ["ProjectCreated"]


class ProjectCreated(StrictModel):
    engagement_external_id: ExternalId
    version: int = Field(ge=1)
    project_id: int
    project_name: str
    sale_order_id: int
    sale_order_name: str
    analytic_account_id: int
    analytic_account: str = Field(description="Analytic account code (or name)")
    customer_id: int
    customer_external_id: ExternalId
