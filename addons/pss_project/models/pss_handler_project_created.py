from odoo import models

from ..schemas.project_created import ProjectCreated


class PssHandlerProjectCreated(models.AbstractModel):
    """project.created (outbound): Odoo ids of an applied engagement, sent
    back to the system the engagement came from."""

    _name = "pss.handler.project.created"
    _inherit = "pss.handler"
    _description = "project.created (outbound)"
    _pss_event_type = "project.created"
    _pss_direction = "out"
    _pss_schema = ProjectCreated
    _pss_description = "Project, sale order and analytic account of an engagement"
