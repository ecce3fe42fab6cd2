from . import pss_ic_run_wizard
