from . import (
    account_analytic_line,
    account_move,
    pss_ic_agreement,
    pss_ic_agreement_rate,
    pss_ic_balance,
    pss_ic_charge,
    pss_ic_charge_line,
    pss_ic_run,
    pss_run,
)
