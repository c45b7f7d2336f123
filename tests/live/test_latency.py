"""LATENCY, INFO latencystats and the latency settings, compared byte for byte with a real
redis-server 7.0.15 (both servers private to the test, fed the same commands).

Timestamps and measured durations differ between two servers; they are masked (digits of the
event lines, the sparkline and its labels) before comparing, everything else must be equal."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.compat.wire import RawConn
from tests.conftest import ServerProc, start_ours, start_redis


@pytest.fixture
def pair() -> Iterator[tuple[RawConn, RawConn]]:
    theirs = start_redis("--enable-debug-command", "yes")
    ours: ServerProc | None = None
    try:
        ours = start_ours("--enable-debug-command", "yes")
        a, b = RawConn(theirs.port), RawConn(ours.port)
        yield a, b
        a.close()
        b.close()
    finally:
        theirs.stop()
        if ours is not None:
            ours.stop()


def both(pair: tuple[RawConn, RawConn], *args: str) -> tuple[bytes, bytes]:
    argv = [a.encode() for a in args]
    return pair[0].call(argv), pair[1].call(argv)


def same(pair: tuple[RawConn, RawConn], *args: str, mask=lambda b: b) -> bytes:
    theirs, ours = both(pair, *args)
    assert mask(ours) == mask(theirs), (args, theirs, ours)
    return ours


def _digits(raw: bytes) -> bytes:
    return re.sub(rb"\d+", b"N", raw)


def _fields(raw: bytes) -> bytes:
    """INFO text with numbers masked and lines sorted (Redis lists commands in hash order)."""
    return b"\n".join(sorted(set(_digits(raw).split(b"\r\n"))))


def _graph(raw: bytes) -> bytes:
    """Mask numbers, and the sparkline rows (their shape depends on the durations)."""
    head, _, body = raw.partition(b"-" * 80)
    return _digits(head) + re.sub(rb"[^\r\n]", b"x", body)


def _no_thp(raw: bytes) -> bytes:
    """DOCTOR's huge-pages advice depends on the process (Python may use THP, Redis not)."""
    text = re.sub(rb"- I detected a non zero amount of anonymous huge pages[^\n]*\n", b"", raw)
    text = text.replace(b"\nI have a few advices for you:\n\n\r\n", b"\r\n")
    body = text.split(b"\r\n", 1)[1] if text[:1] == b"$" else text
    return b"$" + str(len(body) - 2).encode() + b"\r\n" + body if text[:1] == b"$" else text


def test_monitor_off_answers_as_redis(pair) -> None:
    for args in (("LATENCY", "LATEST"), ("LATENCY", "HISTORY", "command"),
                 ("LATENCY", "RESET"), ("LATENCY", "RESET", "command", "nope"),
                 ("LATENCY", "GRAPH", "command"), ("LATENCY", "HELP"), ("LATENCY", "foo"),
                 ("LATENCY", "LATEST", "x"), ("LATENCY", "HISTORY"), ("LATENCY",),
                 ("LATENCY", "HISTOGRAM", "nosuchcommand"), ("LATENCY", "DOCTOR"),
                 ("CONFIG", "GET", "latency-tracking"),
                 ("CONFIG", "GET", "latency-monitor-threshold"),
                 ("CONFIG", "GET", "latency-tracking-info-percentiles")):
        same(pair, *args, mask=_no_thp)


def test_events_answer_as_redis(pair) -> None:
    """DEBUG SLEEP over the threshold: a `command` event on both, same shapes and texts."""
    same(pair, "CONFIG", "SET", "latency-monitor-threshold", "100")
    same(pair, "DEBUG", "SLEEP", "0.2")
    same(pair, "DEBUG", "SLEEP", "0")                # under the threshold: no sample
    ours = same(pair, "LATENCY", "LATEST", mask=_digits)
    assert re.fullmatch(rb"\*1\r\n\*4\r\n\$7\r\ncommand\r\n:\d+\r\n:(\d+)\r\n:\1\r\n", ours)
    assert int(re.findall(rb":(\d+)", ours)[1]) >= 200
    same(pair, "LATENCY", "HISTORY", "command", mask=_digits)
    same(pair, "LATENCY", "GRAPH", "command", mask=_graph)
    same(pair, "LATENCY", "DOCTOR", mask=lambda b: _digits(_no_thp(b)))
    same(pair, "LATENCY", "RESET", "COMMAND", "command")
    same(pair, "LATENCY", "LATEST")


def test_histogram_and_latencystats_as_redis(pair) -> None:
    same(pair, "CONFIG", "RESETSTAT")
    same(pair, "SET", "k", "v")
    same(pair, "LATENCY", "HISTOGRAM", "set", "GET", "client", mask=_digits)
    same(pair, "LATENCY", "HISTOGRAM", "config", mask=_digits)
    ours = same(pair, "INFO", "latencystats", mask=_fields)
    assert re.search(rb"latency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},"
                     rb"p99\.9=\d+\.\d{3}\r\n", ours)
    for value in ("0 100", "", "50", "101", "abc", " 50   99 ", "99.99999 12.5"):
        same(pair, "CONFIG", "SET", "latency-tracking-info-percentiles", value)
        same(pair, "CONFIG", "GET", "latency-tracking-info-percentiles")
        same(pair, "INFO", "latencystats", mask=_fields)
    same(pair, "CONFIG", "SET", "latency-tracking", "no")
    same(pair, "INFO", "latencystats")
    same(pair, "LATENCY", "HISTOGRAM", "set", mask=_digits)   # kept, no longer filled
    same(pair, "CONFIG", "RESETSTAT")
    same(pair, "LATENCY", "HISTOGRAM")


def test_resp3_replies_as_redis(pair) -> None:
    same(pair, "HELLO", "3", mask=lambda b: b[:1])
    same(pair, "CONFIG", "SET", "latency-monitor-threshold", "50")
    same(pair, "DEBUG", "SLEEP", "0.1")
    same(pair, "LATENCY", "LATEST", mask=_digits)
    same(pair, "LATENCY", "GRAPH", "command", mask=_graph)
    same(pair, "LATENCY", "DOCTOR", mask=lambda b: _digits(_no_thp(b)))
    same(pair, "LATENCY", "HISTOGRAM", "debug", mask=_digits)


def test_state_belongs_to_each_server() -> None:
    """Two servers in one test: settings and events of one never show on the other."""
    a, b = (start_ours("--enable-debug-command", "yes") for _ in range(2))
    try:
        ca, cb = RawConn(a.port), RawConn(b.port)
        ca.call([b"CONFIG", b"SET", b"latency-monitor-threshold", b"10"])
        ca.call([b"DEBUG", b"SLEEP", b"0.05"])
        assert ca.call([b"LATENCY", b"LATEST"]).startswith(b"*1\r\n")
        assert cb.call([b"LATENCY", b"LATEST"]) == b"*0\r\n"
        assert cb.call([b"CONFIG", b"GET", b"latency-monitor-threshold"]).endswith(b"$1\r\n0\r\n")
        ca.close()
        cb.close()
    finally:
        a.stop()
        b.stop()
