from . import pss_handler_test_notified, pss_handler_test_record, pss_test_record
