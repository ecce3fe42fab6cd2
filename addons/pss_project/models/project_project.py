from collections import defaultdict

from odoo import api, fields, models

from . import pss_source_mixin  # noqa: F401 (defines the mixin first)


class ProjectProject(models.Model):
    _name = "project.project"
    _inherit = ["project.project", "pss.source.mixin"]

    pss_practice = fields.Char(
        string="Practice", readonly=True, copy=False, help="Service line"
    )

    # ------------------------------------------------------------------
    # Rate-card roles -> employee mapping (project.sale.line.employee.map)
    # ------------------------------------------------------------------
    @api.model
    def _pss_employee_map_vals(self, projects, employees=None):
        """Map entries missing for ``projects`` (one per employee and project).

        An employee whose job position is the job of a rate-card role (value
        map kind ``role_job``) is billed at that role's current line. Entries
        that exist (made by hand or earlier) are never changed here.
        """
        projects = projects.filtered(
            lambda p: p.pss_billing_model == "time_and_materials" and p.sale_order_id
        )
        if not projects:
            return []
        orders = projects.sale_order_id
        current = self.env["sale.order.line"]._pss_current_role_lines(orders)
        lines_by_job = defaultdict(list)
        for (order_id, _role), line in current.items():
            if line.pss_job_id:
                lines_by_job[(order_id, line.pss_job_id.id)].append(line)
        if not lines_by_job:
            return []
        job_ids = list({job_id for _order, job_id in lines_by_job})
        domain = [
            ("job_id", "in", job_ids),
            ("company_id", "in", projects.company_id.ids),
        ]
        if employees is not None:
            domain.append(("id", "in", employees.ids))
        # hr.employee.public: readable by every internal user, same ids.
        found = self.env["hr.employee.public"].search_read(
            domain, ["job_id", "company_id"], load=None
        )
        existing = {
            (entry.project_id.id, entry.employee_id.id)
            for entry in projects.sale_line_employee_ids
        }
        vals_list = []
        for project in projects:
            for employee in found:
                if employee["company_id"] != project.company_id.id:
                    continue
                if (project.id, employee["id"]) in existing:
                    continue
                lines = lines_by_job.get((project.sale_order_id.id, employee["job_id"]))
                if not lines:
                    continue
                existing.add((project.id, employee["id"]))
                vals_list.append(
                    {
                        "project_id": project.id,
                        "employee_id": employee["id"],
                        "sale_line_id": min(lines, key=lambda line: line.sequence).id,
                    }
                )
        return vals_list

    def _pss_sync_employee_map(self, employees=None):
        vals_list = self._pss_employee_map_vals(self, employees)
        if vals_list:
            self.env["project.sale.line.employee.map"].create(vals_list)
        return vals_list

    # ------------------------------------------------------------------
    # Effective-dated rates: time goes to the role line in force on its date
    # ------------------------------------------------------------------
    def _update_timesheets_sale_line_id(self):
        # Odoo moves every unbilled timesheet of a mapped employee to the map's
        # line; put the ones of a rate-card role back on the line of their date.
        result = super()._update_timesheets_sale_line_id()
        self._pss_reroute_timesheets()
        return result

    def _pss_reroute_timesheets(self, from_date=None):
        """Unbilled timesheets on a role line move to the line of their date.

        Like Odoo's own rerouting this runs as superuser: it only follows the
        rate card, for the timesheets of these projects.
        """
        if not self:
            return 0
        domain = [
            ("project_id", "in", self.ids),
            ("so_line.pss_role", "!=", False),
            ("is_so_line_edited", "=", False),
            "|",
            ("timesheet_invoice_id", "=", False),
            ("timesheet_invoice_id.state", "=", "cancel"),
        ]
        if from_date:
            domain.append(("date", ">=", from_date))
        timesheets = self.env["account.analytic.line"].sudo().search(domain)
        moves = defaultdict(list)
        for timesheet in timesheets:
            target = timesheet.so_line._pss_rate_line_on(timesheet.date)
            if target != timesheet.so_line:
                moves[target].append(timesheet.id)
        for line, ids in moves.items():
            timesheets.browse(ids).write({"so_line": line.id})
        return sum(len(ids) for ids in moves.values())
