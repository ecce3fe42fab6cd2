"""Plain-Python helpers of pss_api: no ORM, unit-tested without a database."""
