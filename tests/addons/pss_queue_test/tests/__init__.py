from . import test_queue_engine, test_queue_runs, test_queue_security
