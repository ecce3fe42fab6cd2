from odoo import api, models


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    @api.model_create_multi
    def create(self, vals_list):
        employees = super().create(vals_list)
        employees.filtered("job_id")._pss_map_to_engagements()
        return employees

    def write(self, vals):
        result = super().write(vals)
        if {"job_id", "company_id", "active"} & set(vals):
            self.filtered(lambda e: e.job_id and e.active)._pss_map_to_engagements()
        return result

    def _pss_map_to_engagements(self):
        """Bill a new (or newly positioned) employee at the rate of the role of
        their job on the open time-and-materials engagements of their company.

        Runs as superuser like Odoo's own project/task generation from sale
        orders: whoever creates the employee (HR, the HRIS technical user)
        need not be allowed to edit projects.
        """
        if not self:
            return
        lines = (
            self.env["sale.order.line"]
            .sudo()
            .search(
                [
                    ("pss_job_id", "in", self.job_id.ids),
                    ("state", "=", "sale"),
                    ("company_id", "in", self.company_id.ids),
                ]
            )
        )
        if not lines:
            return
        projects = (
            self.env["project.project"]
            .sudo()
            .search(
                [
                    ("pss_billing_model", "=", "time_and_materials"),
                    ("sale_line_id.order_id", "in", lines.order_id.ids),
                ]
            )
        )
        projects._pss_sync_employee_map(employees=self)
