from . import pss_close_actions, pss_close_figures

# isort: split
from . import (
    pss_close,
    pss_handler_control_totals,
    pss_recon_dashboard,
    pss_recon_line,
    pss_recon_run,
    pss_recon_run_checks,
    pss_recon_statement,
    pss_recon_statement_line,
    pss_recon_tolerance,
    pss_run,
    pss_system,
    res_company,
)
