from . import (
    test_assignments,
    test_figures,
    test_kpis,
    test_lib,
    test_lib_assignment_plan,
    test_read_api,
)
