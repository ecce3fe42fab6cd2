from . import (
    pss_assignment,
    pss_assignment_line,
    pss_handler_assignment_updated,
    pss_report,
    pss_report_backlog,
    pss_report_dashboard,
    pss_report_engagement,
    pss_report_utilization,
    pss_system,
)
