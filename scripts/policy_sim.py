"""Offline replay of prefix-cache traces against the server's own eviction policy classes.

`simulate(trace, capacity, policy)` drives one policy object (resp_server.store.policies.make_policy,
the same code the server runs per slab class) with the LMCache protocol W5 sends: count the
leading chunks present (no access), access them in order, insert the missing chunks after them,
evicting through `evict_step()` whenever the cache holds `capacity` chunks. `belady()` is the
offline reference (evict the cached chunk whose next request is farthest away; chunks of the
current request are never evicted while it is stored), `simulate(..., None)` the unbounded ceiling.

Hits are counted over the whole trace and from `warmup_s` on (the trace README asks for both).
Items are light stand-ins with the attributes a policy reads (key, stamp, refcount, freq,
expire_at); stamps increase by one per access, as the keyspace's do.
"""

from __future__ import annotations

import gzip
import heapq
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from resp_server.store.policies import make_policy
from resp_server.store.policy import Policy

from . import traces

WARMUP_S = 600.0          # the trace README's warm-up: count hits from minute 10 on as well


class SimItem:
    """What a policy reads of an Item."""

    __slots__ = ("key", "stamp", "refcount", "freq", "expire_at", "cls", "chunks")

    def __init__(self, key: bytes, stamp: int) -> None:
        self.key = key
        self.stamp = stamp
        self.refcount = 0
        self.freq = 0
        self.expire_at = None
        self.cls = 0
        self.chunks = (0,)


@dataclass
class Outcome:
    hits: int = 0
    requested: int = 0
    warm_hits: int = 0
    warm_requested: int = 0

    @property
    def hit_rate(self) -> float:
        return self.hits / self.requested if self.requested else 0.0

    @property
    def warm_rate(self) -> float:
        return self.warm_hits / self.warm_requested if self.warm_requested else 0.0

    def count(self, h: int, n: int, t: float, warmup_s: float) -> None:
        self.hits += h
        self.requested += n
        if t >= warmup_s:
            self.warm_hits += h
            self.warm_requested += n


def load_mooncake(path: str | Path, name: str | None = None) -> traces.Trace:
    """A Mooncake FAST'25 trace (.jsonl or .jsonl.gz): one request per line, `hash_ids` are the
    prompt's 512-token blocks, prefix-chained; `timestamp` in ms."""
    p = Path(path)
    opener = gzip.open if p.suffix == ".gz" else open
    reqs: list[tuple[int, ...]] = []
    times: list[float] = []
    with opener(p, "rt") as f:  # type: ignore[operator]
        for line in f:
            if line.strip():
                rec = json.loads(line)
                reqs.append(tuple(rec["hash_ids"]))
                times.append(rec["timestamp"] / 1000.0)
    return traces.Trace(name or p.name.split(".")[0], 0, reqs, ["trace"] * len(reqs), times)


def simulate(trace: traces.Trace, capacity: int | None, policy: str = "allkeys-lru",
             warmup_s: float = WARMUP_S, make: Callable[[str], Policy] = make_policy,
             ) -> tuple[Outcome, Policy]:
    """Replay on one policy object holding at most `capacity` chunks (None: unbounded)."""
    pol = make(policy)
    cache: dict[int, SimItem] = {}
    out = Outcome()
    stamp = 0
    for req, t in zip(trace.requests, trace.times, strict=True):
        h = 0
        while h < len(req) and req[h] in cache:
            h += 1
        for c in req[:h]:
            it = cache[c]
            stamp += 1
            it.stamp = stamp
            if pol.touches:
                pol.touch(it)
        for c in req[h:]:
            if c in cache:
                continue
            if capacity is not None and len(cache) >= capacity:
                victim = pol.evict_step()
                assert victim is not None, "nothing evictable in an unpinned cache"
                pol.remove(victim, evicted=True)
                del cache[int(victim.key)]
            stamp += 1
            it = cache[c] = SimItem(b"%d" % c, stamp)
            pol.insert(it)
        out.count(h, len(req), t, warmup_s)
    return out, pol


def _next_uses(trace: traces.Trace) -> Iterator[list[int]]:
    """Per request, per chunk: the index of the next request asking for it (or a big number)."""
    never = len(trace.requests) + 1
    last: dict[int, int] = {}
    out: list[list[int]] = [[] for _ in trace.requests]
    for i in range(len(trace.requests) - 1, -1, -1):
        req = trace.requests[i]
        out[i] = [last.get(c, never) for c in req]
        for c in req:
            last[c] = i
    return iter(out)


def belady(trace: traces.Trace, capacity: int, warmup_s: float = WARMUP_S) -> Outcome:
    """Offline optimum (Belady/MIN by next use) under the same protocol."""
    cache: dict[int, int] = {}                    # chunk -> next use
    heap: list[tuple[int, int]] = []              # (-next use, chunk), lazily invalidated
    out = Outcome()
    for req, t, nxt in zip(trace.requests, trace.times, _next_uses(trace), strict=True):
        h = 0
        while h < len(req) and req[h] in cache:
            h += 1
        for c, n in zip(req, nxt, strict=True):
            if c in cache or len(cache) < capacity:
                cache[c] = n
                heapq.heappush(heap, (-n, c))
                continue
            while True:                           # evict the farthest next use (if farther)
                neg, v = heap[0]
                if cache.get(v) != -neg:
                    heapq.heappop(heap)
                    continue
                break
            if -neg > n:
                heapq.heappop(heap)
                del cache[v]
                cache[c] = n
                heapq.heappush(heap, (-n, c))
        out.count(h, len(req), t, warmup_s)
    return out


def ceiling(trace: traces.Trace, warmup_s: float = WARMUP_S) -> Outcome:
    seen: set[int] = set()
    out = Outcome()
    for req, t in zip(trace.requests, trace.times, strict=True):
        h = 0
        while h < len(req) and req[h] in seen:
            h += 1
        seen.update(req)
        out.count(h, len(req), t, warmup_s)
    return out
