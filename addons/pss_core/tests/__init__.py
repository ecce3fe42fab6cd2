from . import (
    test_group_currency,
    test_lib_backoff,
    test_lib_crypto,
    test_lib_delivery,
    test_lib_failures,
    test_lib_locks,
    test_lib_outcomes,
    test_lib_plan,
    test_lib_schemas,
    test_lib_sender,
    test_lib_signature,
    test_lib_tracecontext,
)
