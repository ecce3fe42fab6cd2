from . import (
    test_lib_credentials,
    test_lib_intake,
    test_lib_jsonpath,
    test_lib_metrics,
    test_lib_openapi,
    test_lib_problem,
    test_lib_ratelimit,
)
