from . import (
    test_intercompany_charging,
    test_intercompany_correction,
    test_intercompany_queue,
    test_intercompany_security,
    test_lib_pricing,
    test_lib_pricing_costs,
)
