from . import (
    test_indexes,
    test_lib_expense_plan,
    test_lib_resource_plan,
    test_lib_timesheet_plan,
    test_schemas,
    test_timesheet_integrity,
    test_timesheet_queue,
    test_timesheet_security,
)
