from . import test_lib, test_schemas
