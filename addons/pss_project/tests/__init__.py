from . import test_lib, test_lib_customers, test_lib_engagements, test_schemas
