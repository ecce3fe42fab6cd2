from . import (
    account_analytic_line,
    hr_employee,
    hr_expense,
    pss_handler_expense_approved,
    pss_handler_resource_upserted,
    pss_handler_timesheet_approved,
    pss_handler_timesheet_rejected,
    pss_handler_timesheet_voided,
    pss_message,
    pss_resource_cost,
    pss_timesheet_exception,
    pss_timesheet_shared,
)
