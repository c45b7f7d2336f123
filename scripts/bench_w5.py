"""W5: useful-prefix hit rate and dead capacity on synthetic LMCache traces, per eviction policy.

For each trace (scripts.traces: chat, rag, mixed), each capacity (a fraction of the trace's distinct
chunks) and each server configuration (ours: allkeys-lru / allkeys-s3fifo / allkeys-lfu; Redis:
allkeys-lru / allkeys-lfu), a fresh server replays the trace with LMCache's protocol:

    round trip 1   EXISTS k0 .. EXISTS k(n-1), pipelined: h = leading run of present chunks
    round trip 2   MGET k0..k(h-1) (the hits), plus SET kj <value> for every missing j >= h

Values are VALUE bytes (4 KiB by default). Capacity is equalised in chunks, not bytes: for every
configuration a calibration fills a fresh server at two maxmemory settings and fits
chunks = (maxmemory - base) / per_chunk (per_chunk is reported: bytes of memory per cached chunk);
each run starts its server at the fitted maxmemory, fills it with dummy chunks, corrects maxmemory
with CONFIG SET until DBSIZE is within 0.3% of the target (allocators round to pages: the best of a
few tries is kept), FLUSHALLs, replays, and reports the chunks it really held (DBSIZE at the sample
points).
Metrics: useful-prefix hit rate (leading chunks found ÷ chunks requested, all requests) and dead
capacity (share of cached chunks whose prefix is not all cached; keys listed with SCAN at sample
points in the second half of the trace). An exact-LRU simulation at the same capacity (and the
unbounded ceiling) is shown beside. Redis's LRU and LFU read a clock with 1-second ticks (and LFU
decays per minute), so Redis runs are paced by the trace's timestamps (`speed` 1.0 = real time, the
trace's 200 requests/s); a faster replay would put the whole cache into one tick and turn Redis's
LRU into random eviction. Our policies keep an exact order and no clock, so our runs go unpaced.
Paced runs go in parallel (one trace's worth at a time), unpaced runs one per core, each against
its own server. Extra runs of ours-LRU at `less_memory` × capacity check the bar
"reaches Redis LRU's hit rate with ≥ 15% less memory". One run per configuration: hit rates do not
depend on timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from typing import Any

from . import bench_w5_families as families
from . import traces
from .bench_core import Env
from .bench_w5_report import (
    LESS_MEMORY_AIM,
    LESS_MEMORY_FRACTIONS,
    markdown,
    verdicts,
)
from .rawclient import RawClient, RespError
from .servers import Target

__all__ = ["markdown", "options_from_args", "run", "verdicts", "Replayer"]

VALUE = 4096
CONFIGS: tuple[tuple[str, str], ...] = (
    ("ours", "allkeys-adaptive"), ("ours", "allkeys-lru"), ("ours", "allkeys-s3fifo"),
    ("redis", "allkeys-lru"), ("redis", "allkeys-lfu"),
)
PACED = ("redis",)                  # servers whose eviction reads a wall clock (LRU/LFU ticks);
                                    # ours orders items exactly, so its runs go unpaced
FULL = {"requests": 10_000, "traces": ("kimi", "mooncake", "chat", "rag", "mixed"),
        "fractions": (0.05, 0.10, 0.20, 0.40), "speed": 20.0}   # Redis paced 20x: docs/eviction.md
QUICK = {"requests": 2_500, "traces": ("chat",), "fractions": (0.10,), "speed": 4.0}
SAMPLES = 4                          # dead-capacity sample points per run
CAL_BATCH = 500                      # SETs per pipeline while calibrating
CAL_OVERFILL = 1.3                   # write this many times the wanted capacity
SETTLE_TRIES = 4                     # CONFIG SET maxmemory corrections per run
SETTLE_TOPUP = 0.1                   # extra SETs after a correction, × capacity, to reach it
CAPACITY_TOLERANCE = 0.003           # held chunks within 0.3% of the target is good enough
DUMMY = 1 << 62                      # chunk ids of calibration keys (never in a trace)
SCAN_COUNT = 5000
MAX_SCAN_STEPS = 10_000


@dataclass(frozen=True)
class W5Options:
    requests: int
    traces: tuple[str, ...]
    fractions: tuple[float, ...]
    seed: int = 1
    value: int = VALUE
    samples: int = SAMPLES
    speed: float = 1.0           # replay speed vs the trace's clock (1.0 = real time, 0 = unpaced)
    parallel: int = 0            # concurrent unpaced runs (0 = one per core)
    configs: tuple[tuple[str, str], ...] = CONFIGS


def options_from_args(args: argparse.Namespace) -> W5Options:
    base = QUICK if args.quick else FULL
    names = tuple(t for t in args.w5_traces.split(",") if t) or base["traces"]
    fracs = tuple(float(f) for f in args.w5_fractions.split(",") if f) or base["fractions"]
    speed = base["speed"] if args.w5_speed is None else args.w5_speed
    return W5Options(args.w5_requests or base["requests"], names, fracs, args.seed,
                     speed=speed, parallel=args.w5_parallel)


# --- the replay client --------------------------------------------------------------------------

class Replayer:
    """Sends one trace's requests over a raw connection; keys are encoded once per chunk."""

    def __init__(self, client: RawClient, value: int) -> None:
        self.c = client
        self._enc: dict[int, bytes] = {}
        body = bytes(range(256)) * (value // 256 + 1)
        self.set_tail = b"$%d\r\n%s\r\n" % (value, body[:value])
        self.errors = 0

    def key(self, chunk: int) -> bytes:
        enc = self._enc.get(chunk)
        if enc is None:
            k = traces.chunk_key(chunk).encode()
            enc = self._enc[chunk] = b"$%d\r\n%s\r\n" % (len(k), k)
        return enc

    def lookup(self, req: Sequence[int]) -> list[object]:
        """Round trip 1: pipelined EXISTS of every chunk; the replies (1 = present)."""
        self.c.send_raw(b"".join([b"*2\r\n$6\r\nEXISTS\r\n" + self.key(c) for c in req]))
        return self.c.read_replies(len(req))

    def fetch_store(self, req: Sequence[int], flags: Sequence[object]) -> tuple[int, int]:
        """Round trip 2: MGET the leading run the lookup reported, SET the chunks it did not.
        Returns (leading chunks fetched, chunks the lookup reported that the GET then missed)."""
        ks = [self.key(c) for c in req]
        h = 0
        while h < len(ks) and flags[h] == 1:
            h += 1
        parts = [b"*%d\r\n$4\r\nMGET\r\n" % (h + 1) + b"".join(ks[:h])] if h else []
        parts += [b"*3\r\n$3\r\nSET\r\n" + k + self.set_tail
                  for k, f in zip(ks[h:], flags[h:], strict=True) if f != 1]
        if not parts:
            return 0, 0
        self.c.send_raw(b"".join(parts))
        replies = self.c.read_replies(len(parts))
        self.errors += sum(isinstance(r, RespError) for r in replies)
        if not (h and isinstance(replies[0], list)):
            return 0, 0
        got = [v is not None for v in replies[0]]
        fetched = got.index(False) if False in got else h
        return fetched, h - sum(got)

    def request(self, req: Sequence[int]) -> int:
        """One LMCache lookup + fetch + store; returns the leading chunks actually fetched."""
        return self.fetch_store(req, self.lookup(req))[0]


def _pace(due: float) -> None:
    """Sleep until `due` (perf_counter seconds); a late run just goes on at full speed."""
    wait = due - time.perf_counter()
    if wait > 0:
        time.sleep(wait)


def list_chunks(c: RawClient) -> list[int]:
    """Chunk ids of every key in the database (SCAN; KEYS * if SCAN is missing)."""
    keys: list[bytes] = []
    cursor = b"0"
    try:
        for _ in range(MAX_SCAN_STEPS):
            cursor, batch = c.call("SCAN", cursor, "COUNT", SCAN_COUNT)  # type: ignore[misc]
            keys.extend(batch)
            if cursor == b"0":
                break
    except RespError:
        keys = list(c.call("KEYS", "*"))  # type: ignore[arg-type]
    return [int(k.split(b"@")[3], 16) for k in set(keys) if k.count(b"@") == 4]


def replay(target: Target, trace: traces.Trace, parents: dict[int, int],
           opts: W5Options, speed: float) -> dict[str, Any]:
    """Replay `trace` on `target` (paced at `speed` × the trace's clock; 0 = unpaced);
    hit rate, dead capacity and DBSIZE at the sample points."""
    points = traces.sample_points(len(trace.requests), opts.samples)
    hits = requested = 0
    dead: list[float] = []
    sizes: list[int] = []
    gone = warm_hits = warm_requested = 0
    warm_from = families.warm_from(trace)
    t0 = time.perf_counter()
    with RawClient(target.host, target.port) as c:
        rp = Replayer(c, opts.value)
        flags = rp.lookup(trace.requests[0]) if trace.requests else []
        for idx, req in enumerate(trace.requests):
            if speed > 0:
                _pace(t0 + trace.times[idx] / speed)
            # the next request's lookup runs before this one's GET/SETs (two LMCache workers
            # sharing the server): this one's writes may evict what that lookup found
            nxt = rp.lookup(trace.requests[idx + 1]) if idx + 1 < len(trace.requests) else []
            got, lost = rp.fetch_store(req, flags)
            flags = nxt
            hits += got
            gone += lost
            requested += len(req)
            if trace.times[idx] >= warm_from:
                warm_hits += got
                warm_requested += len(req)
            if idx in points:
                share, n = traces.dead_share(list_chunks(c), parents)
                dead.append(share)
                sizes.append(n)
    seconds = time.perf_counter() - t0
    return {"hit_rate": hits / requested, "dead": statistics.fmean(dead) if dead else None,
            "warm_hit_rate": warm_hits / warm_requested if warm_requested else None,
            "found_then_gone": gone,
            "capacity": round(statistics.median(sizes)) if sizes else None,
            "seconds": seconds, "errors": rp.errors, "rate": len(trace.requests) / seconds}


# --- capacity calibration -----------------------------------------------------------------------

@dataclass
class Fit:
    """chunks held ≈ (maxmemory - base) / per_chunk, for one server configuration."""

    base: float
    per_chunk: float

    def maxmemory(self, chunks: int) -> int:
        return int(self.base + (chunks + 0.5) * self.per_chunk)


def _fill(c: RawClient, rp: Replayer, first: int, count: int) -> int:
    """SET `count` dummy chunks numbered from `first` (pipelined); returns DBSIZE."""
    for start in range(first, first + count, CAL_BATCH):
        batch = range(start, min(first + count, start + CAL_BATCH))
        c.send_raw(b"".join(b"*3\r\n$3\r\nSET\r\n" + rp.key(DUMMY + i) + rp.set_tail for i in batch))
        c.read_replies(len(batch))
    return int(c.call("DBSIZE"))  # type: ignore[arg-type]


def held_after_fill(target: Target, keys: int, value: int) -> int:
    """Write `keys` distinct VALUE-byte values (pipelined), then read DBSIZE."""
    with RawClient(target.host, target.port) as c:
        return _fill(c, Replayer(c, value), 0, keys)


def settle_capacity(target: Target, chunks: int, mem: int, per_chunk: float, value: int,
                    at_most: bool) -> tuple[int, int]:
    """Tune maxmemory (CONFIG SET) until the server holds `chunks` ± CAPACITY_TOLERANCE; then
    FLUSHALL. Returns (maxmemory, chunks held). With `at_most`, prefer settings holding no more
    than `chunks`. Allocators round to pages, so the best of a few tries is kept."""
    with RawClient(target.host, target.port) as c:
        rp = Replayer(c, value)
        written = int(chunks * CAL_OVERFILL)
        tries = [(mem, _fill(c, rp, 0, written))]
        for _ in range(SETTLE_TRIES):
            m, held = tries[-1]
            if abs(held - chunks) <= max(2, chunks * CAPACITY_TOLERANCE) and not (at_most and held > chunks):
                break
            m = max(1 << 20, int(m + (chunks - held + (0.5 if at_most else 0)) * per_chunk))
            c.call("CONFIG", "SET", "maxmemory", str(m))
            top_up = max(CAL_BATCH, int(chunks * SETTLE_TOPUP))
            tries.append((m, _fill(c, rp, written, top_up)))
            written += top_up
        best = min(tries, key=lambda t: (at_most and t[1] > chunks, abs(t[1] - chunks)))
        c.call("CONFIG", "SET", "maxmemory", str(best[0]))
        c.call("FLUSHALL")
    return best


def calibrate(env: Env, server: str, policy: str, lo: int, hi: int, value: int) -> Fit:
    """Two fills (at the maxmemory a rough guess gives for lo and hi chunks) -> a linear fit."""
    guess = value + 1024
    points = []
    for chunks in (lo, hi):
        mem = int(4 * 1024 * 1024 + chunks * guess)
        with env.fresh(server, mem, policy) as t:
            held = held_after_fill(t, int(chunks * CAL_OVERFILL), value)
        points.append((mem, held))
    (m1, c1), (m2, c2) = points
    per = (m2 - m1) / max(1, c2 - c1)
    return Fit(m1 - c1 * per, per)


# --- the whole workload -----------------------------------------------------------------------

@dataclass
class Run:
    trace: str
    fraction: float
    config: str                  # e.g. "ours allkeys-lru"
    server: str
    policy: str
    target: int                  # chunks the cache should hold
    maxmemory: int
    hit_rate: float | None = None
    warm_hit_rate: float | None = None   # counted from the warm-up on (families.warm_from)
    found_then_gone: int = 0             # GETs that missed after the lookup said present
    dead: float | None = None
    capacity: int | None = None  # chunks it did hold during the replay (DBSIZE)
    settled: int | None = None   # chunks it held when its maxmemory was tuned
    seconds: float = 0.0
    rate: float = 0.0            # requests per second achieved (the trace's nominal rate is 200)
    errors: int = 0
    extra: bool = False          # a less-memory run for the bar
    error: str = ""


def run(env: Env, opts: W5Options, progress: Callable[[int, str], Any]) -> dict[str, Any]:
    """Generate traces, calibrate, replay every (trace, fraction, config); the W5 record."""
    t0 = time.monotonic()
    made = {name: families.make(name, opts.requests, opts.seed) for name in opts.traces}
    distinct = {name: tr.distinct() for name, tr in made.items()}
    refs = {name: _references(tr, distinct[name], opts.fractions) for name, tr in made.items()}
    plan = _plan(opts, distinct)
    lo, hi = min(r.target for r in plan), max(r.target for r in plan)
    fits: dict[str, Fit | str] = {}
    with progress(len(opts.configs) + len(plan), "W5 replay") as bar:
        for server, policy in opts.configs:
            bar.set_postfix_str(f"calibrate {server} {policy}")
            fits[f"{server} {policy}"] = _try_fit(env, server, policy, lo, hi, opts.value)
            bar.update(1)
        bar.set_postfix_str(f"replaying {len(plan)} runs")
        _replay_all(env, plan, made, fits, opts, bar)
    record = {
        "options": asdict(opts), "distinct": distinct, "references": refs,
        "fits": {k: (asdict(v) if isinstance(v, Fit) else v) for k, v in fits.items()},
        "runs": [asdict(r) for r in plan], "seconds": time.monotonic() - t0,
    }
    record["verdicts"] = verdicts(record)
    return record


def _replay_all(env: Env, plan: list[Run], made: dict[str, traces.Trace],
                fits: dict[str, Fit | str], opts: W5Options, bar: Any) -> None:
    """Paced runs (mostly asleep) share one pool, sized to one trace's worth; unpaced runs
    (CPU-bound) share another with one worker per core. Both pools run at the same time."""
    for tr in made.values():
        _parents(tr)
    paced = [r for r in plan if r.server in PACED and opts.speed > 0]
    unpaced = [r for r in plan if r not in paced]
    per_trace = max(1, len(paced) // max(1, len(made)))
    cpu = opts.parallel or max(1, os.cpu_count() or 1)
    with ThreadPoolExecutor(per_trace) as p_pool, ThreadPoolExecutor(cpu) as u_pool:
        jobs = [p_pool.submit(_execute, env, r, made[r.trace], fits[r.config], opts) for r in paced]
        jobs += [u_pool.submit(_execute, env, r, made[r.trace], fits[r.config], opts)
                 for r in unpaced]
        for job in as_completed(jobs):
            job.result()
            bar.update(1)


def _references(tr: traces.Trace, distinct: int, fractions: Sequence[float]) -> dict[str, Any]:
    ceiling = traces.simulate(tr, None, samples=0).hit_rate
    belady = {f"{f:.4f}": families.belady_rates(tr, max(1, round(f * distinct))) for f in fractions}
    lru = {}
    for f in sorted(set(fractions) | {f * LESS_MEMORY_AIM for f in LESS_MEMORY_FRACTIONS}):
        res = traces.simulate(tr, max(1, round(f * distinct)), samples=2)
        lru[f"{f:.4f}"] = {"hit_rate": res.hit_rate, "dead": statistics.fmean(res.dead)}
    return {"ceiling": ceiling, "exact_lru": lru, "belady": belady,
            "ceiling_warm": families.ceiling_rates(tr)[1]}


def _plan(opts: W5Options, distinct: dict[str, int]) -> list[Run]:
    plan: list[Run] = []
    for name in opts.traces:
        for f in opts.fractions:
            for server, policy in opts.configs:
                plan.append(Run(name, f, f"{server} {policy}", server, policy,
                                max(1, round(f * distinct[name])), 0))
            if f in LESS_MEMORY_FRACTIONS and ("ours", "allkeys-lru") in opts.configs:
                plan.append(Run(name, f, "ours allkeys-lru", "ours", "allkeys-lru",
                                max(1, round(f * LESS_MEMORY_AIM * distinct[name])), 0, extra=True))
    return plan


def _try_fit(env: Env, server: str, policy: str, lo: int, hi: int, value: int) -> Fit | str:
    try:
        return calibrate(env, server, policy, lo, max(hi, lo + 2000), value)
    except Exception as exc:  # noqa: BLE001 - a policy the server lacks fails only its runs
        return f"{type(exc).__name__}: {exc}"[:200]


def _execute(env: Env, r: Run, tr: traces.Trace, fit: Fit | str, opts: W5Options) -> None:
    if isinstance(fit, str):
        r.error = f"calibration failed: {fit}"
        return
    r.maxmemory = fit.maxmemory(r.target)
    try:
        with env.exclusive(r.server), env.fresh(r.server, r.maxmemory, r.policy) as t:
            r.maxmemory, r.settled = settle_capacity(t, r.target, r.maxmemory, fit.per_chunk,
                                                     opts.value, at_most=r.extra)
            res = replay(t, tr, _parents(tr), opts, opts.speed if r.server in PACED else 0.0)
    except Exception as exc:  # noqa: BLE001 - record and go on
        r.error = f"{type(exc).__name__}: {exc}"[:200]
        return
    r.hit_rate, r.dead, r.capacity = res["hit_rate"], res["dead"], res["capacity"]
    r.warm_hit_rate, r.found_then_gone = res["warm_hit_rate"], res["found_then_gone"]
    r.seconds, r.errors, r.rate = res["seconds"], res["errors"], res["rate"]


_parents_cache: dict[int, dict[int, int]] = {}


def _parents(tr: traces.Trace) -> dict[int, int]:
    if id(tr) not in _parents_cache:
        _parents_cache[id(tr)] = tr.parents()
    return _parents_cache[id(tr)]


# --- verdicts and tables ------------------------------------------------------------------------
