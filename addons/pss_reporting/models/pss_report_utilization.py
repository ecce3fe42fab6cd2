from odoo import fields, models, tools


class PssReportUtilization(models.Model):
    """Utilization per month and resource (entity and practice of the
    resource): billable approved hours and planned hours against capacity.

    Capacity is an SQL approximation of the resource's working calendar: the
    hours of its attendances on each weekday of the month (lunch breaks and
    two-week calendars aside: both weeks count half), less the days covered
    by its time off and the public holidays of its calendar (resource
    calendar leaves, which validated time off of hr_holidays creates).
    Planned hours are those of the PSA's assignments, each week counted in
    the month of its Monday. Months run from the first timesheet or planned
    week to six months ahead of today, for the active employees.
    """

    _name = "pss.report.utilization"
    _inherit = "pss.report.mixin"
    _description = "Utilization (KPI)"
    _auto = False
    _order = "month desc, company_id, employee_id"
    _pss_ratios = {
        "utilization": ("billable_hours", "capacity_hours"),
        "planned_utilization": ("planned_hours", "capacity_hours"),
    }
    _pss_api_columns = (
        "id",
        "month",
        "company_id",
        "department_id",
        "employee_id",
        "capacity_hours",
        "billable_hours",
        "approved_hours",
        "planned_hours",
        "utilization",
        "planned_utilization",
    )

    month = fields.Date(readonly=True)
    department_id = fields.Many2one("hr.department", string="Practice", readonly=True)
    employee_id = fields.Many2one("hr.employee", string="Resource", readonly=True)
    capacity_hours = fields.Float(readonly=True, digits=(16, 2))
    billable_hours = fields.Float(
        string="Billable Approved Hours", readonly=True, digits=(16, 2)
    )
    approved_hours = fields.Float(
        string="All Approved Hours", readonly=True, digits=(16, 2)
    )
    planned_hours = fields.Float(readonly=True, digits=(16, 2))
    utilization = fields.Float(
        string="Utilization (%)", readonly=True, group_operator="avg"
    )
    planned_utilization = fields.Float(
        string="Planned Utilization (%)", readonly=True, group_operator="avg"
    )

    def init(self):
        self._pss_create_functions()
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
            WITH bounds AS (
                SELECT date_trunc('month', LEAST(
                           (SELECT MIN(date) FROM account_analytic_line
                             WHERE project_id IS NOT NULL),
                           (SELECT MIN(week_start) FROM pss_assignment_line),
                           CURRENT_DATE))::date AS first_month,
                       (date_trunc('month', GREATEST(
                           (SELECT MAX(date) FROM account_analytic_line
                             WHERE project_id IS NOT NULL),
                           (SELECT MAX(week_start) FROM pss_assignment_line),
                           CURRENT_DATE + 183))
                        + interval '1 month - 1 day')::date AS last_day
            ),
            days AS (
                SELECT d::date AS day, EXTRACT(ISODOW FROM d)::integer AS isodow
                  FROM bounds, generate_series(bounds.first_month,
                                               bounds.last_day,
                                               interval '1 day') d
            ),
            weekday_hours AS (
                SELECT a.calendar_id, a.dayofweek::integer + 1 AS isodow,
                       SUM((a.hour_to - a.hour_from)
                           * CASE WHEN a.week_type IS NOT NULL THEN 0.5 ELSE 1 END)
                           AS hours
                  FROM resource_calendar_attendance a
                 WHERE a.display_type IS NULL
                   AND COALESCE(a.day_period, '') != 'lunch'
                   AND a.resource_id IS NULL
              GROUP BY a.calendar_id, a.dayofweek
            ),
            emp AS (
                SELECT e.id AS employee_id, e.company_id, e.department_id,
                       e.resource_id,
                       COALESCE(e.resource_calendar_id, r.calendar_id) AS calendar_id
                  FROM hr_employee e
                  JOIN resource_resource r ON r.id = e.resource_id
                 WHERE e.active
            ),
            leave_days AS (
                SELECT DISTINCT l.resource_id, l.calendar_id, d.day
                  FROM resource_calendar_leaves l
                  JOIN days d ON d.day BETWEEN l.date_from::date AND l.date_to::date
                 WHERE l.time_type IS DISTINCT FROM 'other'
            ),
            capacity AS (
                SELECT emp.employee_id,
                       date_trunc('month', d.day)::date AS month,
                       SUM(w.hours) AS hours
                  FROM emp
                  JOIN weekday_hours w ON w.calendar_id = emp.calendar_id
                  JOIN days d ON d.isodow = w.isodow
                 WHERE NOT EXISTS (
                           SELECT 1 FROM leave_days ld
                            WHERE ld.day = d.day
                              AND (ld.resource_id = emp.resource_id
                                   OR (ld.resource_id IS NULL
                                       AND (ld.calendar_id IS NULL
                                            OR ld.calendar_id = emp.calendar_id))))
              GROUP BY emp.employee_id, date_trunc('month', d.day)
            ),
            time AS (
                SELECT aal.employee_id, date_trunc('month', aal.date)::date AS month,
                       SUM(CASE WHEN aal.timesheet_invoice_type LIKE 'billable%'
                                THEN aal.unit_amount ELSE 0 END) AS billable,
                       SUM(aal.unit_amount) AS approved
                  FROM account_analytic_line aal
                 WHERE aal.project_id IS NOT NULL AND aal.pss_approved
                   AND aal.employee_id IS NOT NULL
              GROUP BY aal.employee_id, date_trunc('month', aal.date)
            ),
            planned AS (
                SELECT a.employee_id, date_trunc('month', l.week_start)::date AS month,
                       SUM(l.hours) AS hours
                  FROM pss_assignment_line l
                  JOIN pss_assignment a ON a.id = l.assignment_id
              GROUP BY a.employee_id, date_trunc('month', l.week_start)
            ),
            grid AS (
                SELECT employee_id, month FROM capacity
                UNION SELECT employee_id, month FROM time
                UNION SELECT employee_id, month FROM planned
            )
            SELECT (g.employee_id::bigint * 100000
                    + EXTRACT(YEAR FROM g.month)::integer * 12
                    + EXTRACT(MONTH FROM g.month)::integer - 1) AS id,
                   g.month,
                   e.company_id,
                   e.department_id,
                   g.employee_id,
                   c.currency_id,
                   pss_reporting_group_currency() AS group_currency_id,
                   COALESCE(cap.hours, 0) AS capacity_hours,
                   COALESCE(t.billable, 0) AS billable_hours,
                   COALESCE(t.approved, 0) AS approved_hours,
                   COALESCE(p.hours, 0) AS planned_hours,
                   CASE WHEN cap.hours > 0
                        THEN ROUND((100 * COALESCE(t.billable, 0)
                                    / cap.hours)::numeric, 2)
                        ELSE 0 END AS utilization,
                   CASE WHEN cap.hours > 0
                        THEN ROUND((100 * COALESCE(p.hours, 0) / cap.hours)::numeric, 2)
                        ELSE 0 END AS planned_utilization
              FROM grid g
              JOIN hr_employee e ON e.id = g.employee_id
              JOIN res_company c ON c.id = e.company_id
         LEFT JOIN capacity cap ON cap.employee_id = g.employee_id
                               AND cap.month = g.month
         LEFT JOIN time t ON t.employee_id = g.employee_id AND t.month = g.month
         LEFT JOIN planned p ON p.employee_id = g.employee_id AND p.month = g.month
            )
            """
        )
