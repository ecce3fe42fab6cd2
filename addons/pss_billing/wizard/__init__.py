from . import pss_time_approve_wizard
