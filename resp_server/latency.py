"""Latency state of one server: per-command latency histograms and the latency monitor.

Two Redis 7.0 mechanisms, both owned by the ServerState (no process-global state):

- Latency tracking (`latency-tracking`, INFO latencystats, LATENCY HISTOGRAM). Every command's
  duration in whole microseconds is counted in its CommandStat's `hist` ({usec: calls}): one dict
  update per command. Redis keeps an HdrHistogram per command (values in ns from 1 ns to 1 s, 2
  significant figures: 256 sub-buckets per power of two) and records `usec * 1000`; the same
  buckets are computed from our counts when asked, so the printed values are Redis's.
- The latency monitor (`latency-monitor-threshold` in ms, 0 = off; LATENCY LATEST / HISTORY /
  RESET / GRAPH / DOCTOR). An event whose duration in ms reaches the threshold is kept per event
  name as Redis's latencyTimeSeries: the last 160 samples, at most one per second (a second
  sample in the same second keeps the larger), and the all-time maximum.

Units: histogram values in microseconds (ns in the HdrHistogram math), event durations in
milliseconds, sample times in unix seconds.
"""

from __future__ import annotations

import time
from collections import deque

MIN_NS, MAX_NS = 1, 1_000_000_000       # LATENCY_HISTOGRAM_MIN_VALUE / MAX_VALUE
SUB_BUCKET_BITS = 8                     # 2 significant figures: 256 sub-buckets
TOP_NS = 1 << 30                        # first value past the histogram's last bucket
CDF_FIRST_NS = 1024                     # LATENCY HISTOGRAM: log buckets from 1024 ns, base 2
PERCENTILES = (50.0, 99.0, 99.9)        # latency-tracking-info-percentiles default
TS_LEN = 160                            # LATENCY_TS_LEN: samples kept per event
NEVER = 1 << 62                         # an alert threshold no duration reaches

EVENTS = ("command", "fast-command", "eviction-cycle", "expire-cycle", "bigvalue-wait")
"""Events this server records; bigvalue-wait (ours) is a big value waiting for memory."""


# --- HdrHistogram arithmetic (2 significant figures, unit 1 ns) -------------------------------

def bucket_low(ns: int) -> int:
    """The lowest value HdrHistogram stores `ns` as (after Redis's clamping to 1 ns .. 1 s)."""
    ns = MIN_NS if ns < MIN_NS else MAX_NS if ns > MAX_NS else ns
    shift = max(0, (ns | 0xFF).bit_length() - SUB_BUCKET_BITS)
    return (ns >> shift) << shift


def bucket_high(low: int) -> int:
    """highest_equivalent_value of the bucket starting at `low`."""
    shift = max(0, (low | 0xFF).bit_length() - SUB_BUCKET_BITS)
    return low + (1 << shift) - 1


def buckets(hist: dict[int, int]) -> list[tuple[int, int]]:
    """{usec: calls} as sorted (bucket lowest ns, calls): what Redis's histogram holds."""
    out: dict[int, int] = {}
    for usec, n in hist.items():
        low = bucket_low(usec * 1000)
        out[low] = out.get(low, 0) + n
    return sorted(out.items())


def value_at_percentile(hist: dict[int, int], percentile: float) -> int:
    """hdr_value_at_percentile in ns: the bucket reaching the percentile's count, its highest
    equivalent value (its lowest for percentile 0)."""
    bs = buckets(hist)
    total = sum(n for _, n in bs)
    want = max(1, int(min(percentile, 100.0) / 100 * total + 0.5))
    seen = 0
    for low, n in bs:
        seen += n
        if seen >= want:
            return low if percentile == 0 else bucket_high(low)
    return 0


def cdf(hist: dict[int, int]) -> list[tuple[int, int]]:
    """LATENCY HISTOGRAM's histogram_usec: (usec, cumulative calls) at log levels 1024 ns * 2^k,
    each the level's bucket's highest value in whole usec, only where the count grew (Redis's
    hdr_iter_log walk; levels past the last bucket are never reached)."""
    bs = buckets(hist)
    out: list[tuple[int, int]] = []
    level, i, seen, last = CDF_FIRST_NS, 0, 0, 0
    while level < TOP_NS and i < len(bs):
        while i < len(bs) and bs[i][0] <= level:
            seen += bs[i][1]
            i += 1
        if seen > last:
            out.append((bucket_high(bucket_low(level)) // 1000, seen))
            last = seen
        level <<= 1
    return out


def format_percentile(p: float) -> str:
    """%f with trailing zeros trimmed, as Redis prints percentiles (`50`, `99.9`)."""
    return f"{p:f}".rstrip("0").rstrip(".")


def percentiles_line(hist: dict[int, int], percentiles: tuple[float, ...]) -> str:
    """The value of INFO's latency_percentiles_usec_<cmd>: p50=..,p99=.. in usec, 3 decimals."""
    return ",".join(f"p{format_percentile(p)}={value_at_percentile(hist, p) / 1000:.3f}"
                    for p in percentiles)


# --- the latency monitor ----------------------------------------------------------------------

class EventSeries:
    """One event's samples: (unix second, ms) oldest first, and the all-time maximum."""

    __slots__ = ("samples", "max")

    def __init__(self) -> None:
        self.samples: deque[tuple[int, int]] = deque(maxlen=TS_LEN)
        self.max = 0

    def add(self, now: int, ms: int) -> None:
        if ms > self.max:
            self.max = ms
        s = self.samples
        if s and s[-1][0] == now:
            if ms > s[-1][1]:
                s[-1] = (now, ms)
            return
        s.append((now, ms))


class Latency:
    """A server's latency settings and monitor events (see the module docstring)."""

    __slots__ = ("tracking", "percentiles", "threshold_ms", "alert_usec", "events")

    def __init__(self, tracking: bool = True, threshold_ms: int = 0) -> None:
        self.tracking = tracking                 # latency-tracking: fill CommandStat.hist
        self.percentiles: tuple[float, ...] = PERCENTILES
        self.threshold_ms = 0
        self.alert_usec = NEVER                  # a command this long is a monitor sample
        self.events: dict[str, EventSeries] = {}
        self.set_threshold(threshold_ms)

    def set_threshold(self, ms: int) -> None:
        """CONFIG SET latency-monitor-threshold (0 turns the monitor off)."""
        self.threshold_ms = ms
        self.alert_usec = ms * 1000 if ms > 0 else NEVER

    def sample(self, event: str, ms: int) -> None:
        """latencyAddSampleIfNeeded: keep `ms` when the monitor is on and it reaches the
        threshold."""
        if self.threshold_ms and ms >= self.threshold_ms:
            series = self.events.get(event)
            if series is None:
                series = self.events[event] = EventSeries()
            series.add(int(time.time()), ms)

    def reset(self, names: list[str] | None = None) -> int:
        """LATENCY RESET: drop the named events (case-insensitive), or all; how many dropped."""
        if names is None:
            n = len(self.events)
            self.events.clear()
            return n
        dropped = 0
        for name in names:
            for event in [e for e in self.events if e.lower() == name.lower()]:
                del self.events[event]
                dropped += 1
        return dropped
