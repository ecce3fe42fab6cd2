"""Metrics buffer and Prometheus text format, without a database."""

import math
import threading

from odoo.tests import BaseCase

from odoo.addons.pss_api.lib.metrics import (
    Family,
    MetricsBuffer,
    format_exposition,
    format_value,
    histogram_samples,
    labels_key,
)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class TestLibMetrics(BaseCase):
    def test_labels_key_is_canonical(self):
        assert labels_key({"b": 1, "a": "x"}) == labels_key({"a": "x", "b": "1"})
        assert labels_key(None) == "{}"

    def test_buffer_adds_up_and_drains_sorted_per_database(self):
        buffer = MetricsBuffer()
        buffer.inc("db1", "c_total", {"reason": "x"})
        buffer.inc("db1", "c_total", {"reason": "x"}, 2)
        buffer.inc("db2", "c_total")
        assert buffer.drain("db1") == [("c_total", '{"reason":"x"}', 3)]
        assert buffer.drain("db1") == []
        assert buffer.drain("db2") == [("c_total", "{}", 1)]

    def test_buffer_is_due_once_per_interval_and_restores_failed_flushes(self):
        clock = Clock()
        buffer = MetricsBuffer(interval=1.0, clock=clock)
        assert not buffer.due("db")
        buffer.inc("db", "c_total")
        assert buffer.due("db")
        rows = buffer.drain("db")
        buffer.inc("db", "c_total")
        assert not buffer.due("db")
        clock.now += 1.0
        assert buffer.due("db")
        buffer.restore("db", rows)
        assert buffer.pending("db") == {("c_total", "{}"): 2}

    def test_buffer_is_thread_safe(self):
        buffer = MetricsBuffer()

        def work():
            for _i in range(1000):
                buffer.inc("db", "c_total")

        threads = [threading.Thread(target=work) for _i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert buffer.drain("db") == [("c_total", "{}", 8000)]

    def test_observe_stores_non_cumulative_buckets_and_sum(self):
        buffer = MetricsBuffer()
        for seconds in (0.004, 0.02, 0.02, 30):
            buffer.observe(
                "db", "lat_seconds", {"system": "crm"}, seconds, (0.01, 0.05)
            )
        rows = {(name, key): value for name, key, value in buffer.drain("db")}
        assert rows[("lat_seconds_bucket", '{"le":"0.01","system":"crm"}')] == 1
        assert rows[("lat_seconds_bucket", '{"le":"0.05","system":"crm"}')] == 2
        assert rows[("lat_seconds_bucket", '{"le":"+Inf","system":"crm"}')] == 1
        assert math.isclose(rows[("lat_seconds_sum", '{"system":"crm"}')], 30.044)

    def test_histogram_samples_are_cumulative_with_inf_sum_and_count(self):
        rows = [
            ("lat_seconds_bucket", {"le": "0.01", "system": "crm"}, 1),
            ("lat_seconds_bucket", {"le": "0.05", "system": "crm"}, 2),
            ("lat_seconds_bucket", {"le": "+Inf", "system": "crm"}, 1),
            ("lat_seconds_sum", {"system": "crm"}, 30.044),
        ]
        family = histogram_samples(
            Family("lat_seconds", "histogram", "Latency"), rows, (0.01, 0.05, 0.1)
        )
        text = format_exposition([family])
        assert text.splitlines() == [
            "# HELP lat_seconds Latency",
            "# TYPE lat_seconds histogram",
            'lat_seconds_bucket{system="crm",le="0.01"} 1',
            'lat_seconds_bucket{system="crm",le="0.05"} 3',
            'lat_seconds_bucket{system="crm",le="0.1"} 3',
            'lat_seconds_bucket{system="crm",le="+Inf"} 4',
            'lat_seconds_sum{system="crm"} 30.044',
            'lat_seconds_count{system="crm"} 4',
        ]

    def test_exposition_escapes_label_values_and_help(self):
        family = Family("x_total", "counter", "Help with \\ and\nnewline")
        family.add(3, {"system": 'a"b\\c\nd'})
        family.add(1.5)
        assert format_exposition([family]) == (
            "# HELP x_total Help with \\\\ and\\nnewline\n"
            "# TYPE x_total counter\n"
            'x_total{system="a\\"b\\\\c\\nd"} 3\n'
            "x_total 1.5\n"
        )

    def test_format_value(self):
        assert format_value(3) == "3"
        assert format_value(3.0) == "3"
        assert format_value(0.25) == "0.25"
        assert format_value(math.inf) == "+Inf"
        assert format_value(-math.inf) == "-Inf"
        assert format_value(math.nan) == "NaN"
        assert format_value(True) == "1"
