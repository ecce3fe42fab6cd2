from . import (
    test_close,
    test_lib,
    test_lib_control_totals,
    test_lib_run_figures,
    test_lib_tolerance_properties,
    test_reconcile,
)
