"""Shared pieces of resp-bench: the environment of servers, a benchmark case, timing helpers.

- `Env` owns the servers under test. The shared pair (`ours`, `redis`) serves W1–W3 for the whole
  run; `Env.fresh()` yields a server in a known empty state for W4/W5: a newly started process when
  the bench manages servers, or the given URL after FLUSHALL + CONFIG SET when it does not.
- A `Case` is one measurement that can run against any server name and returns named metrics
  (e.g. `{"GB/s": 1.2, "p50 ms": 25.0}`); the bench alternates servers per case and repetition.
Units: sizes in bytes, throughput in GB/s (1e9 bytes/s), latency in milliseconds.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field

from .rawclient import RawClient
from .servers import Target, start_ours, start_redis, target_from_url

GB = 1e9
MIB = 1024 * 1024
SERVERS = ("ours", "redis")


@dataclass
class Env:
    """Servers under test and run-wide settings."""

    maxmemory: int
    quick: bool = False
    ours_url: str = ""
    redis_url: str = ""
    ours_extra: tuple[str, ...] = ()
    _shared: dict[str, Target] = field(default_factory=dict)
    _resources: dict[str, tuple[object, Callable[[], None]]] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)

    @property
    def managed(self) -> bool:
        """True when the bench starts servers itself (no URLs given)."""
        return not (self.ours_url or self.redis_url)

    def shared(self, name: str) -> Target:
        """The long-lived server `name` ("ours"/"redis"), started on first use."""
        if name not in self._shared:
            self._shared[name] = self._make(name, self.maxmemory, "allkeys-lru")
        return self._shared[name]

    def _make(self, name: str, maxmemory: int, policy: str) -> Target:
        url = self.ours_url if name == "ours" else self.redis_url
        if url:
            target = target_from_url(name, url)
            configure(target, maxmemory, policy)
            return target
        if name == "ours":
            return start_ours(maxmemory, policy, self.ours_extra)
        return start_redis(maxmemory, policy)

    @contextmanager
    def fresh(self, name: str, maxmemory: int | None = None,
              policy: str = "allkeys-lru") -> Iterator[Target]:
        """A server in an empty state with the given memory cap and policy."""
        mem = self.maxmemory if maxmemory is None else maxmemory
        url = self.ours_url if name == "ours" else self.redis_url
        if url:
            target = target_from_url(name, url)
            flushall(target)
            configure(target, mem, policy)
            try:
                yield target
            finally:
                flushall(target)
                configure(target, self.maxmemory, "allkeys-lru")
            return
        target = (start_ours if name == "ours" else start_redis)(
            mem, policy, self.ours_extra if name == "ours" else ())
        try:
            yield target
        finally:
            target.stop()

    def exclusive(self, name: str) -> AbstractContextManager[object]:
        """Held around fresh() by concurrent users: a server given by URL serves one at a time."""
        url = self.ours_url if name == "ours" else self.redis_url
        if not url:
            return nullcontext()
        return self._locks.setdefault(name, threading.Lock())

    def reset(self, name: str) -> None:
        """FLUSHALL the shared server `name`: earlier cases' keys never meet eviction."""
        flushall(self.shared(name))

    def resource(self, key: str, make: Callable[[], tuple[object, Callable[[], None]]]) -> object:
        """A helper shared by cases (e.g. the ceiling sink): `make()` returns (obj, stop)."""
        if key not in self._resources:
            self._resources[key] = make()
        return self._resources[key][0]

    def close(self) -> None:
        for target in self._shared.values():
            target.stop()
        self._shared.clear()
        for _, stop in self._resources.values():
            stop()
        self._resources.clear()


def configure(target: Target, maxmemory: int, policy: str) -> None:
    """CONFIG SET maxmemory and maxmemory-policy (used only for servers given by URL)."""
    with RawClient(target.host, target.port) as c:
        c.call("CONFIG", "SET", "maxmemory", str(maxmemory))
        c.call("CONFIG", "SET", "maxmemory-policy", policy)


def flushall(target: Target) -> None:
    with RawClient(target.host, target.port) as c:
        c.call("FLUSHALL")


@dataclass
class Case:
    """One measurement, run on each server in `servers` in every repetition."""

    workload: str                                   # "W1" .. "W4", or "ceiling"
    name: str                                       # e.g. "raw GET 32MiB x4"
    run: Callable[[Env, str], dict[str, float]]     # (env, server name) -> metrics
    primary: str                                    # the metric that ratios and bars use
    servers: tuple[str, ...] = SERVERS
    meta: dict[str, object] = field(default_factory=dict)   # size, conns, op, client ...


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))
    return s[k]


def summarize(values: list[float]) -> dict[str, float]:
    """Median, min, max of repeated measurements."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def throughput_metrics(nbytes: int, wall_s: float, latencies_s: list[float]) -> dict[str, float]:
    """GB/s over the wall time plus per-operation p50/p99 latencies."""
    return {
        "GB/s": nbytes / wall_s / GB,
        "p50 ms": percentile(latencies_s, 50) * 1e3,
        "p99 ms": percentile(latencies_s, 99) * 1e3,
    }


class Stopwatch:
    """Collects per-operation latencies: `with sw: op()`."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._t0 = 0.0

    def __enter__(self) -> Stopwatch:
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.samples.append(time.perf_counter() - self._t0)


def size_label(nbytes: int) -> str:
    return f"{nbytes // MIB}MiB" if nbytes % MIB == 0 else f"{nbytes}B"
