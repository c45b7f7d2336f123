"""W1: chunk SET/GET of big values (3 MiB and 32 MiB), 1 and 4 connections, plus the ceiling.

Clients:
- `raw`: scripts.rawclient — SET sends `[header, memoryview, CRLF]` with sendmsg, GET reads the
  reply with recv_into into a preallocated, pre-touched buffer; so the server is what is measured.
- `redis-py`: redis.Redis (hiredis parser when installed), bytes in and out — what users run.
- `ceiling`: scripts.ceiling — the same socket calls against a sink that does no work.
With N connections, N threads each run their share of the operations after a common barrier;
GB/s = all payload bytes / wall time from the first start to the last finish. Each connection
writes and reads its own key (overwrites), so memory stays at N values per size.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

import redis

from .bench_core import MIB, Case, Env, Stopwatch, size_label, throughput_metrics
from .ceiling import Sink, SinkClient, start_sink
from .rawclient import RawClient

SIZES = (3 * MIB, 32 * MIB)       # Qwen2.5-0.5B and Llama-3-8B chunks (256 tokens, bf16)
CONNS = (1, 4)
BUDGET_FULL = 256 * MIB           # payload bytes per measurement (raw client, ceiling)
BUDGET_QUICK = 48 * MIB
REDIS_PY_SHARE = 0.5              # redis-py is slow: it moves half the budget
MIN_OPS = 2                       # per connection
BARRIER_TIMEOUT_S = 120

Worker = tuple[Callable[[], None], Callable[[], None]]      # (one timed op, close)

_payloads: dict[int, bytearray] = {}
_buffers: dict[tuple[int, int], bytearray] = {}


def payload(size: int) -> bytearray:
    """A non-repeating value of `size` bytes, made once per size."""
    if size not in _payloads:
        _payloads[size] = bytearray(os.urandom(size))
    return _payloads[size]


def read_buffer(size: int, slot: int) -> memoryview:
    """A preallocated, pre-touched receive buffer per (size, connection slot)."""
    key = (size, slot)
    if key not in _buffers:
        buf = bytearray(size)
        buf[::4096] = b"\x01" * len(range(0, size, 4096))
        _buffers[key] = buf
    return memoryview(_buffers[key])


def ops_per_conn(env: Env, size: int, conns: int, share: float = 1.0) -> int:
    budget = (BUDGET_QUICK if env.quick else BUDGET_FULL) * share
    return max(MIN_OPS, int(budget // (size * conns)))


def run_parallel(conns: int, n_ops: int, make: Callable[[int], Worker]) -> tuple[float, list[float]]:
    """Run n_ops timed ops on each of `conns` threads; return (wall seconds, latencies)."""
    barrier = threading.Barrier(conns)
    starts, ends = [0.0] * conns, [0.0] * conns
    lats: list[float] = []
    errors: list[BaseException] = []

    def body(i: int) -> None:
        try:
            op, close = make(i)
            try:
                barrier.wait(BARRIER_TIMEOUT_S)
                sw = Stopwatch()
                starts[i] = time.perf_counter()
                for _ in range(n_ops):
                    with sw:
                        op()
                ends[i] = time.perf_counter()
                lats.extend(sw.samples)
            finally:
                close()
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    real = [e for e in errors if not isinstance(e, threading.BrokenBarrierError)]
    if errors:
        raise (real or errors)[0]
    return max(ends) - min(starts), lats


def _key(size: int, slot: int) -> bytes:
    return b"bench:w1:%d:%d" % (size, slot)


def raw_worker(env: Env, server: str, op: str, size: int, slot: int) -> Worker:
    t = env.shared(server)
    c = RawClient(t.host, t.port)
    key, value, buf = _key(size, slot), memoryview(payload(size)), read_buffer(size, slot)
    c.set_from(key, value)                          # warm-up, and the key GET reads

    def get() -> None:
        if c.get_into(key, buf) != size:
            raise RuntimeError(f"GET {key!r}: missing or wrong size (evicted?)")

    fn = (lambda: c.set_from(key, value)) if op == "SET" else get
    fn()
    return fn, c.close


def redispy_worker(env: Env, server: str, op: str, size: int, slot: int) -> Worker:
    t = env.shared(server)
    r = redis.Redis(host=t.host, port=t.port, socket_timeout=120)
    key, value = _key(size, slot), bytes(payload(size))
    r.set(key, value)

    def get() -> None:
        v = r.get(key)
        if v is None or len(v) != size:
            raise RuntimeError(f"GET {key!r}: missing or wrong size (evicted?)")

    fn = (lambda: r.set(key, value)) if op == "SET" else get
    fn()
    return fn, r.close


def ceiling_worker(env: Env, op: str, size: int, slot: int, n_ops: int) -> Worker:
    sink = env.resource("sink", _make_sink)
    assert isinstance(sink, Sink)
    c = SinkClient(sink.port)
    c.start_job(b"S" if op == "SET" else b"R", size, n_ops + 1)
    value, buf = memoryview(payload(size)), read_buffer(size, slot)
    fn = (lambda: c.send_one(value)) if op == "SET" else (lambda: c.recv_one(buf))
    fn()
    return fn, c.close


def _make_sink() -> tuple[object, Callable[[], None]]:
    sink = start_sink()
    return sink, sink.stop


def measure(env: Env, server: str, client: str, op: str, size: int, conns: int) -> dict[str, float]:
    """One W1 measurement: `client` does `op` of `size` bytes on `conns` connections."""
    share = 1.0 if client != "redis-py" else REDIS_PY_SHARE
    if client != "ceiling":
        env.reset(server)
    n = ops_per_conn(env, size, conns, share)
    if client == "raw":
        wall, lats = run_parallel(conns, n, lambda i: raw_worker(env, server, op, size, i))
    elif client == "redis-py":
        wall, lats = run_parallel(conns, n, lambda i: redispy_worker(env, server, op, size, i))
    else:
        wall, lats = run_parallel(conns, n, lambda i: ceiling_worker(env, op, size, i, n))
    return throughput_metrics(n * conns * size, wall, lats)


def cases() -> list[Case]:
    """Ceiling first (per size/conns/op), then raw and redis-py on both servers."""
    out: list[Case] = []
    for size in SIZES:
        for conns in CONNS:
            for op in ("SET", "GET"):
                meta = {"size": size, "conns": conns, "op": op}
                label = f"{op} {size_label(size)} x{conns}"
                out.append(Case("ceiling", f"socket {label}", _bind("ceiling", op, size, conns),
                                "GB/s", ("machine",), {**meta, "client": "ceiling"}))
                for client in ("raw", "redis-py"):
                    out.append(Case("W1", f"{client} {label}", _bind(client, op, size, conns),
                                    "GB/s", meta={**meta, "client": client}))
    return out


def _bind(client: str, op: str, size: int, conns: int) -> Callable[[Env, str], dict[str, float]]:
    return lambda env, server: measure(env, server, client, op, size, conns)
