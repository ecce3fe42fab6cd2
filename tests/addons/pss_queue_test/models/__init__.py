from . import pss_test_record
from . import pss_handler_test_record
from . import pss_handler_test_notified
