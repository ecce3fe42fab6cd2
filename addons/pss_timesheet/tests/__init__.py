from . import (
    test_indexes,
    test_schemas,
    test_timesheet_integrity,
    test_timesheet_queue,
    test_timesheet_security,
)
