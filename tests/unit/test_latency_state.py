"""Latency state (resp_server/latency.py) and the texts of commands/latency_report.py.

Expected figures are what redis-server 7.0.15 printed for the same durations (the live
comparison is tests/live/test_latency.py)."""

from __future__ import annotations

from resp_server.commands.latency import parse_percentiles
from resp_server.commands.latency_report import DISABLED, NO_SPIKES, doctor, graph
from resp_server.latency import (
    TS_LEN,
    EventSeries,
    Latency,
    cdf,
    format_percentile,
    percentiles_line,
)
from tests.unit.helpers import PAGE, cap_for, make_ks


def test_histogram_cdf_matches_redis() -> None:
    """LATENCY HISTOGRAM buckets: a 10 us SET is `16 1`; 250 ms and 150 ms sleeps `270532 2`."""
    assert cdf({10: 1}) == [(16, 1)]
    assert cdf({250_000: 1, 150_000: 1}) == [(270532, 2)]
    assert cdf({0: 3, 1: 1, 2: 2, 900: 1}) == [(1, 4), (2, 6), (1056, 7)]
    assert cdf({2_000_000: 1}) == []            # past the last log level: Redis prints nothing


def test_percentiles_line_and_names() -> None:
    assert percentiles_line({10: 1}, (50.0, 99.0, 99.9)) == "p50=10.047,p99=10.047,p99.9=10.047"
    assert percentiles_line({10: 1}, (0.0, 100.0)) == "p0=9.984,p100=10.047"
    assert percentiles_line({10: 1}, ()) == ""
    assert [format_percentile(p) for p in (50.0, 99.9, 99.99999, 0.0, 100.0)] == [
        "50", "99.9", "99.99999", "0", "100"]


def test_parse_percentiles_as_redis() -> None:
    assert parse_percentiles("") == ()
    assert parse_percentiles("99.99999 12.5") == (99.99999, 12.5)
    for bad, why in ((" 50   99 ", "Invalid"), ("50 abc", "Invalid"), ("1_0", "Invalid"),
                     ("101", "should sit between"), ("-1", "should sit between")):
        try:
            parse_percentiles(bad)
        except ValueError as e:
            assert why in str(e)
        else:
            raise AssertionError(bad)


def test_event_series_keeps_one_sample_per_second_and_160() -> None:
    s = EventSeries()
    s.add(100, 5)
    s.add(100, 3)                                   # same second, smaller: ignored
    s.add(100, 9)                                   # same second, larger: replaces
    assert list(s.samples) == [(100, 9)] and s.max == 9
    for t in range(101, 101 + TS_LEN):
        s.add(t, 1)
    assert len(s.samples) == TS_LEN and s.samples[0] == (101, 1) and s.max == 9


def test_monitor_threshold_and_reset() -> None:
    lat = Latency()
    lat.sample("command", 500)                      # threshold 0: the monitor is off
    assert lat.events == {}
    lat.set_threshold(100)
    lat.sample("command", 99)
    lat.sample("command", 100)
    lat.sample("expire-cycle", 300)
    assert list(lat.events) == ["command", "expire-cycle"]
    assert lat.reset(["COMMAND", "nope", "command"]) == 1
    assert lat.reset() == 1 and lat.events == {}


def test_graph_and_doctor_texts() -> None:
    s = EventSeries()
    s.add(1000, 250)
    assert graph("command", s, now=1004) == (
        "command - high 250 ms, low 250 ms (all time high 250 ms)\n" + "-" * 80 + "\n"
        " \n \n \n_\n \n4\ns\n")
    s.add(1001, 150)
    assert graph("command", s, now=1060).splitlines()[2:] == [
        "# ", "| ", "| ", "|_", "  ", "15", "m9", " s"]
    lat = Latency()
    assert doctor(lat, 10000, 10) == DISABLED
    lat.set_threshold(100)
    assert doctor(lat, 10000, 10) == NO_SPIKES or "huge pages" in doctor(lat, 10000, 10)
    lat.events["command"] = s
    text = doctor(lat, 10000, 10, now=1001)
    assert text.startswith("Dave, I have observed latency spikes in this Redis instance.")
    assert ("1. command: 2 latency spikes (average 200ms, mean deviation 50ms, period 0.50 sec). "
            "Worst all time event 250ms.\n") in text
    assert "- Check your Slow Log" in text and "- Deleting, expiring or evicting" in text


def test_evicting_allocation_reports_an_eviction_cycle() -> None:
    """The store times an allocation that evicts (and only while a hook is set)."""
    for keys in (3, 100):                           # evicting for key overhead, for pages
        ks = make_ks(maxmemory=cap_for(2, keys))
        cycles: list[int] = []
        ks.on_eviction_cycle = cycles.append
        value = b"v" * (PAGE // 2)
        for i in range(12):
            ks.store(0, b"key%05d" % i, value)
        assert ks.stats.evicted_keys > 0
        assert cycles and all(ms >= 0 for ms in cycles)
        n, evicted = len(cycles), ks.stats.evicted_keys
        ks.on_eviction_cycle = None
        ks.store(0, b"key99999", value)
        assert len(cycles) == n and ks.stats.evicted_keys > evicted
