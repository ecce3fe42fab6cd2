"""Fixed-window rate limit maths, without a database."""

from datetime import datetime

from odoo.tests import BaseCase

from odoo.addons.pss_api.lib.ratelimit import decide, retry_after, window_start


class TestLibRatelimit(BaseCase):
    def test_window_start(self):
        assert window_start(datetime(2026, 11, 20, 10, 0, 59, 999)) == datetime(
            2026, 11, 20, 10, 0
        )
        assert window_start(datetime(2026, 11, 20, 10, 1)) == datetime(
            2026, 11, 20, 10, 1
        )
        assert window_start(datetime(2026, 11, 20, 10, 7, 30), 300) == datetime(
            2026, 11, 20, 10, 5
        )

    def test_retry_after_is_the_rest_of_the_window_at_least_one_second(self):
        assert retry_after(datetime(2026, 11, 20, 10, 0, 10)) == 50
        assert retry_after(datetime(2026, 11, 20, 10, 0, 0)) == 60
        assert retry_after(datetime(2026, 11, 20, 10, 0, 59, 500000)) == 1
        assert retry_after(datetime(2026, 11, 20, 10, 0, 10, 1)) == 50

    def test_decide(self):
        now = datetime(2026, 11, 20, 10, 0, 40)
        allowed = decide(3, 3, now)
        assert allowed.allowed and allowed.remaining == 0
        assert "Retry-After" not in allowed.headers()
        refused = decide(4, 3, now)
        assert not refused.allowed
        assert refused.headers() == {
            "RateLimit-Limit": "3",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": "20",
            "Retry-After": "20",
        }
        assert decide(10**6, 0, now).allowed
