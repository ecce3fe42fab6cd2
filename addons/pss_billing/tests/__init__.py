from . import test_billing_run, test_lib
