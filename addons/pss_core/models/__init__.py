# The queue engine's steps first: pss.message inherits them.
from . import (
    pss_message_claim,
    pss_message_cron,
    pss_message_crypto,
    pss_message_dispatch,
    pss_message_enqueue,
    pss_message_outbound,
    pss_message_outcome,
    pss_message_runner,
)

# isort: split
from . import pss_mail_thread

# isort: split
from . import (
    pss_binding,
    pss_event_type,
    pss_handler,
    pss_message,
    pss_message_record,
    pss_message_stats,
    pss_period_run,
    pss_run,
    pss_storable_text,
    pss_system,
    pss_value_map,
    res_company,
    res_config_settings,
)
