from . import pss_ic_balance_resolve, pss_ic_run_wizard
