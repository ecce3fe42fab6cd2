"""Plain-Python helpers of pss_core: no ORM, unit-tested without a database."""
