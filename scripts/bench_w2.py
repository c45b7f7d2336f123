"""W2: batches of chunks through our connector, and the redis-py path LMCache users have today.

- `connector batch_put 8xS`: ChunkClient.batch_put of 8 arrays of S bytes (pipelined SETs, values
  sent from the arrays' memory);
- `connector batch_get_into 8xS`: one MGET read straight into 8 preallocated, touched arrays;
- `redis-py MGET 8xS`: redis.Redis.mget of the same 8 stored chunks (bytes objects come back).
S is 3 MiB or 32 MiB. GB/s counts the tensor payload (8 × S) over the batch time; p50/p99 are per
batch. The connector (connector.client.ChunkClient) is imported lazily: when it is missing, W2 is
skipped with a message. The bar: ours' batch_get_into of 8×32 MiB ≥ 3× redis-py MGET from Redis.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis

from .bench_core import MIB, Case, Env, Stopwatch, size_label, throughput_metrics
from .bench_w1 import payload

CHUNKS = 8
SIZES = (3 * MIB, 32 * MIB)
BUDGET_FULL = 512 * MIB            # payload bytes per measurement
BUDGET_QUICK = 64 * MIB
MIN_BATCHES = 2

_outs: dict[int, list[Any]] = {}


def chunk_client() -> type:
    """The connector's ChunkClient: resp_kvcache.connector when installed (we are
    resp_kvcache.scripts), the top-level connector/ folder in a checkout."""
    try:
        from ..connector.client import ChunkClient
    except ImportError:
        from connector.client import ChunkClient
    return ChunkClient


def connector_available() -> tuple[bool, str]:
    try:
        chunk_client()
    except ImportError as exc:
        return False, f"connector.client.ChunkClient is not importable ({exc})"
    return True, ""


def _arrays(size: int) -> list[Any]:
    import numpy as np
    buf = np.frombuffer(payload(size), dtype=np.uint8)
    return [buf] * CHUNKS


def _out_arrays(size: int) -> list[Any]:
    """Preallocated, touched destination arrays (fresh pages would fault at ~1 GB/s)."""
    import numpy as np
    if size not in _outs:
        _outs[size] = [np.ones(size, dtype=np.uint8) for _ in range(CHUNKS)]
    return _outs[size]


def _keys(size: int) -> list[str]:
    return [f"bench:w2:{size}:{i}" for i in range(CHUNKS)]


def batches(env: Env, size: int) -> int:
    budget = BUDGET_QUICK if env.quick else BUDGET_FULL
    return max(MIN_BATCHES, budget // (CHUNKS * size))


def _timed(n: int, op: Callable[[], None]) -> tuple[float, list[float]]:
    op()                                    # warm-up: connections, pages, keys
    sw = Stopwatch()
    t0 = time.perf_counter()
    for _ in range(n):
        with sw:
            op()
    return time.perf_counter() - t0, sw.samples


def measure(env: Env, server: str, what: str, size: int) -> dict[str, float]:
    ChunkClient = chunk_client()  # noqa: N806
    t = env.shared(server)
    env.reset(server)
    keys, arrays, n = _keys(size), _arrays(size), batches(env, size)
    if what == "mget":
        n = max(1, n // 2)                 # redis-py is slow; half the budget
    with ChunkClient(t.url) as client:
        client.batch_put(keys, arrays)
        if what == "put":
            wall, lats = _timed(n, lambda: client.batch_put(keys, arrays))
        elif what == "get_into":
            outs = _out_arrays(size)

            def get() -> None:
                if not all(client.batch_get_into(keys, outs)):
                    raise RuntimeError("batch_get_into: chunks missing (evicted?)")
            wall, lats = _timed(n, get)
        else:
            wall, lats = _redispy_mget(t.host, t.port, keys, size, n)
    return throughput_metrics(n * CHUNKS * size, wall, lats)


def _redispy_mget(host: str, port: int, keys: list[str], size: int, n: int) -> tuple[float, list[float]]:
    r = redis.Redis(host=host, port=port, socket_timeout=120)
    try:
        def get() -> None:
            vals = r.mget(keys)
            if any(v is None or len(v) < size for v in vals):
                raise RuntimeError("MGET: chunks missing (evicted?)")
        return _timed(n, get)
    finally:
        r.close()


def cases() -> list[Case]:
    out: list[Case] = []
    for size in SIZES:
        label = f"{CHUNKS}x{size_label(size)}"
        meta = {"size": size, "chunks": CHUNKS}
        out.append(Case("W2", f"connector batch_put {label}", _bind("put", size), "GB/s",
                        meta={**meta, "op": "put"}))
        out.append(Case("W2", f"connector batch_get_into {label}", _bind("get_into", size),
                        "GB/s", meta={**meta, "op": "get_into"}))
        out.append(Case("W2", f"redis-py MGET {label}", _bind("mget", size), "GB/s",
                        meta={**meta, "op": "mget"}))
    return out


def _bind(what: str, size: int) -> Callable[[Env, str], dict[str, float]]:
    return lambda env, server: measure(env, server, what, size)
