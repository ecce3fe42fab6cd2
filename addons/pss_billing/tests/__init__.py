from . import test_billing_run, test_lib, test_lib_billing
