"""Per-command latency percentiles: `INFO latencystats` and the `latency-tracking` config.

Redis 7 keeps one HDR histogram per command (values in ns, 1 ns .. 1 s, 2 significant figures)
and INFO prints `latency_percentiles_usec_<cmd>:p50=..,p99=..,p99.9=..` in microseconds with 3
decimals, each the highest value equivalent to the bucket holding that percentile. We record the
same thing: the duration in whole microseconds times 1000, bucketed the way HdrHistogram does
(256 sub-buckets per power of two), so the printed values are Redis's.

Tracking costs a few dictionary operations per command, so it is off by default here (CONFIG GET
latency-tracking says `no`; Redis defaults to yes). `CONFIG SET latency-tracking yes` turns it
on; the `# Latencystats` header is printed either way, as Redis does when it is off. Enabled
servers are listed in ENABLED (keyed by id, holding the ServerState, so the id stays unique);
the dispatcher records only when that dict is not empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resp_server.state import ServerState

MIN_NS, MAX_NS = 1, 1_000_000_000       # LATENCY_HISTOGRAM_MIN_VALUE / MAX_VALUE
SUB_BUCKET_BITS = 8                     # 2 significant figures: 256 sub-buckets
PERCENTILES = (50.0, 99.0, 99.9)        # latency-tracking-info-percentiles default


class LatencyTracker:
    """One server's histograms: command name -> {bucket lowest value (ns): count}."""

    __slots__ = ("server", "hists")

    def __init__(self, server: ServerState) -> None:
        self.server = server
        self.hists: dict[str, dict[int, int]] = {}

    def record(self, name: str, usec: int) -> None:
        h = self.hists.get(name)
        if h is None:
            h = self.hists[name] = {}
        low = bucket_low(usec * 1000)
        h[low] = h.get(low, 0) + 1

    def reset(self) -> None:
        self.hists.clear()

    def lines(self) -> list[tuple[str, str]]:
        """INFO latencystats fields, one per command that ran since the last reset."""
        out = []
        for name, h in self.hists.items():
            values = ",".join(f"p{p:g}={value_at_percentile(h, p) / 1000:.3f}"
                              for p in PERCENTILES)
            out.append((f"latency_percentiles_usec_{name}", values))
        return out


ENABLED: dict[int, LatencyTracker] = {}


def bucket_low(ns: int) -> int:
    """The lowest value HdrHistogram stores `ns` as (after Redis's clamping to 1 ns .. 1 s)."""
    ns = MIN_NS if ns < MIN_NS else MAX_NS if ns > MAX_NS else ns
    shift = max(0, (ns | 0xFF).bit_length() - SUB_BUCKET_BITS)
    return (ns >> shift) << shift


def _bucket_high(low: int) -> int:
    shift = max(0, (low | 0xFF).bit_length() - SUB_BUCKET_BITS)
    return low + (1 << shift) - 1


def value_at_percentile(h: dict[int, int], percentile: float) -> int:
    """hdr_value_at_percentile: highest equivalent value of the bucket reaching the percentile."""
    total = sum(h.values())
    want = max(1, int(min(percentile, 100.0) / 100 * total + 0.5))
    seen = 0
    for low in sorted(h):
        seen += h[low]
        if seen >= want:
            return _bucket_high(low)
    return 0


def tracker(server: ServerState) -> LatencyTracker | None:
    return ENABLED.get(id(server))


def set_tracking(server: ServerState, on: object) -> None:
    """CONFIG SET latency-tracking yes|no (off drops the histograms, as Redis frees them)."""
    if on:
        if id(server) not in ENABLED:
            ENABLED[id(server)] = LatencyTracker(server)
    else:
        ENABLED.pop(id(server), None)


def record(server: ServerState, name: str, usec: int) -> None:
    t = ENABLED.get(id(server))
    if t is not None:
        t.record(name, usec)


def reset(server: ServerState) -> None:
    """CONFIG RESETSTAT."""
    t = ENABLED.get(id(server))
    if t is not None:
        t.reset()
