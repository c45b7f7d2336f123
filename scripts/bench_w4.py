"""W4: memory. Fill a fresh server to 3 × maxmemory with 3 MiB values, then read its RSS.

Each repetition gets a server in an empty state (a new process when the bench manages servers),
writes distinct keys of 3 MiB (non-repeating bytes) with the raw client until 3 × maxmemory bytes
were sent, waits briefly, then reads VmRSS and VmHWM (peak) from /proc/PID/status. An eviction
policy must keep the data under maxmemory; the bar is RSS ≤ 1.10 × maxmemory + 64 MiB.
Metrics: RSS (MiB), RSS ÷ maxmemory, peak RSS (MiB), keys kept, SETs refused (OOM errors).
"""

from __future__ import annotations

import time

from .bench_core import MIB, Case, Env
from .bench_w1 import payload
from .rawclient import RawClient, RespError
from .servers import Target, rss_of

VALUE = 3 * MIB
FILL_FACTOR = 3
SETTLE_S = 0.5            # let lazy frees and allocator purges run before reading RSS
MAX_ERRORS = 20           # stop filling after this many refused SETs


def fill(target: Target, maxmemory: int) -> tuple[int, int]:
    """Write FILL_FACTOR × maxmemory bytes of VALUE-byte values; return (keys, errors)."""
    n = FILL_FACTOR * maxmemory // VALUE
    value = memoryview(payload(VALUE))
    errors = 0
    with RawClient(target.host, target.port) as c:
        for i in range(n):
            try:
                c.set_from(b"bench:w4:%08d" % i, value)
            except RespError:
                errors += 1
                if errors >= MAX_ERRORS:
                    break
        keys = int(c.call("DBSIZE"))
    return keys, errors


def measure(env: Env, server: str) -> dict[str, float]:
    with env.fresh(server) as target:
        pid = target.pid()
        if pid is None:
            raise RuntimeError(f"{server}: cannot find the server's PID to read its RSS")
        keys, errors = fill(target, env.maxmemory)
        time.sleep(SETTLE_S)
        rss, peak = rss_of(pid) or 0, rss_of(pid, "VmHWM") or 0
    return {
        "RSS MiB": rss / MIB,
        "RSS/maxmemory": rss / env.maxmemory,
        "peak RSS MiB": peak / MIB,
        "keys kept": float(keys),
        "SET errors": float(errors),
    }


def bar_limit_mib(maxmemory: int) -> float:
    """The W4 bar: RSS ≤ 1.10 × maxmemory + 64 MiB, in MiB."""
    return (1.10 * maxmemory + 64 * MIB) / MIB


def cases() -> list[Case]:
    return [Case("W4", "fill 3x maxmemory, 3MiB values", measure, "RSS MiB",
                 meta={"value": VALUE, "fill_factor": FILL_FACTOR})]
