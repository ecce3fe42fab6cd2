from . import (
    ir_http,
    pss_api_intake,
    pss_api_metric,
    pss_api_rate_window,
    pss_system,
    pss_system_credential,
)
