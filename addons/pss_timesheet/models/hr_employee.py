from odoo import fields, models
from odoo.tools.sql import create_index


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    pss_resource_kind = fields.Selection(
        [("employee", "Employee"), ("contractor", "Contractor")],
        string="Resource Kind",
        readonly=True,
        copy=False,
        groups="hr.group_hr_user",
        help="Set by resource.upserted from the HRIS.",
    )
    pss_vendor_partner_id = fields.Many2one(
        "res.partner",
        string="Contractor Vendor",
        readonly=True,
        copy=False,
        groups="hr.group_hr_user",
        help="Vendor partner of a contractor (bills for their time).",
    )
    pss_cost_ids = fields.One2many(
        "pss.resource.cost",
        "employee_id",
        string="Hourly Cost History",
        groups="hr.group_hr_user",
    )

    def init(self):
        res = super().init()
        # resource.upserted matches a new resource to an employee of the
        # entity by work e-mail, case- and blank-insensitive
        # (pss.handler.resource.upserted._pss_employees_by_email).
        create_index(
            self.env.cr,
            "hr_employee_pss_work_email_index",
            self._table,
            ["company_id", "lower(btrim(work_email))"],
            where="work_email IS NOT NULL",
        )
        return res
