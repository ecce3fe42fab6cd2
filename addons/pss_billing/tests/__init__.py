from . import test_billing_run, test_lib, test_lib_billing, test_lib_periods_properties
