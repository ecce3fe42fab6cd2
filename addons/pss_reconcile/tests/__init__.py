from . import test_close, test_lib, test_reconcile
