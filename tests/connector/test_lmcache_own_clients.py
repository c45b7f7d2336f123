"""LMCache 0.5.6's own clients on our server and on a real redis-server (optional: skipped
unless lmcache and torch import): the native `resp://` client (C++, RESP2, worker threads with
blocking sockets) and the `valkey://` standalone client (GLIDE; skipped without glide_sync).

The client compares reply bytes exactly (`+OK\\r\\n`, `:0\\r\\n` / `:1\\r\\n`), expects a GET bulk of
the chunk's size and never reconnects, so any byte of ours that differs from Redis's, or an idle
connection we close, fails these tests (or hangs them: each wait is bounded). Covered: store,
prefix lookup and retrieve of 64 chunks of 1 MiB through the batched paths (the batched GET
pipelines ~32 MB tiles, so 64 MiB takes several), single-key put/get/exists, and workers left idle
for longer than a tick (the server's `timeout` is 0, as it must stay for this client).
"""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

lmcache = pytest.importorskip("lmcache", reason="lmcache not installed (optional extra: pip install lmcache==0.5.6)")
torch = pytest.importorskip("torch", reason="torch not installed (needed by lmcache)")

from lmcache.utils import CacheEngineKey  # noqa: E402
from lmcache.v1.config import LMCacheEngineConfig  # noqa: E402
from lmcache.v1.metadata import LMCacheMetadata  # noqa: E402
from lmcache.v1.storage_backend.connector import CreateConnector  # noqa: E402
from lmcache.v1.storage_backend.local_cpu_backend import LocalCPUBackend  # noqa: E402

CHUNKS = 64
KV_SHAPE = (8, 2, 256, 2, 64)      # layers, k/v, tokens, kv heads, head dim: 1 MiB bf16 chunks
IDLE_SECONDS = 2.5                 # longer than the server's tick: an idle reaper would have run
WAIT = 60.0                        # seconds any one LMCache call may take


def run(loop, coro):
    return asyncio.run_coroutine_threadsafe(coro, loop).result(WAIT)


@pytest.fixture
def resp(target, loop):
    """LMCache's RESPConnector on the target, its backend and metadata; closed by parts
    (RESPConnector.close() deadlocks on its own loop in 0.5.6)."""
    cfg = LMCacheEngineConfig.from_defaults(
        chunk_size=256, local_cpu=False, max_local_cpu_size=0.25, remote_serde="naive",
        save_unfull_chunk=False, extra_config={"save_chunk_meta": False, "resp_num_threads": 4})
    md = LMCacheMetadata(model_name="Qwen/resp", world_size=1, local_world_size=1, worker_id=0,
                         local_worker_id=0, kv_dtype=torch.bfloat16, kv_shape=KV_SHAPE)
    backend = LocalCPUBackend(cfg, md)
    conn = CreateConnector(target.url.replace("redis://", "resp://"), loop, backend, cfg, md)
    yield conn, md, backend
    run(loop, conn._connector.pq_executor.shutdown_async(wait=False))
    conn._connector.client.close()


@pytest.fixture
def valkey(target, loop):
    """LMCache's ValkeyConnector (GLIDE, standalone mode) on the target."""
    pytest.importorskip("glide_sync", reason="valkey-glide-sync not installed")
    cfg = LMCacheEngineConfig.from_defaults(
        chunk_size=256, local_cpu=False, max_local_cpu_size=0.25, remote_serde="naive",
        save_unfull_chunk=False, extra_config={"save_chunk_meta": False,
                                               "valkey_mode": "standalone"})
    md = LMCacheMetadata(model_name="Qwen/resp", world_size=1, local_world_size=1, worker_id=0,
                         local_worker_id=0, kv_dtype=torch.bfloat16, kv_shape=KV_SHAPE)
    backend = LocalCPUBackend(cfg, md)
    conn = CreateConnector(target.url.replace("redis://", "valkey://"), loop, backend, cfg, md)
    yield conn, md, backend
    run(loop, conn.close())


def _key(i: int, salt: int) -> CacheEngineKey:
    return CacheEngineKey("Qwen/resp", 1, 0, (salt << 20) + i, torch.bfloat16)


def _filled(backend, md, seed: int):
    """A MemoryObj of non-repeating bf16 data plus the reference a put drops."""
    obj = backend.allocate(md.get_shapes(256), md.get_dtypes(), None)
    g = torch.Generator().manual_seed(seed)
    obj.tensor.copy_(torch.randn(obj.tensor.shape, generator=g).to(torch.bfloat16))
    obj.ref_count_up()
    return obj


def test_resp_64_chunks(resp, loop):
    _store_lookup_retrieve(*resp, loop)


def test_valkey_64_chunks(valkey, loop):
    _store_lookup_retrieve(*valkey, loop)


def _store_lookup_retrieve(conn, md, backend, loop) -> None:
    """64 chunks: batched put, prefix lookup, batched get (bytes compared), single GETs."""
    salt = int(np.random.randint(1 << 30))
    keys = [_key(i, salt) for i in range(CHUNKS)]
    objs = [_filled(backend, md, 1000 + i) for i in range(CHUNKS)]
    want = [bytes(o.byte_array) for o in objs]
    assert len(want[0]) == 1 << 20
    assert run(loop, conn.batched_async_contains("l0", keys)) == 0
    run(loop, conn.batched_put(keys, objs))
    assert run(loop, conn.batched_async_contains("l1", [*keys, _key(CHUNKS, salt)])) == CHUNKS
    got = run(loop, conn.batched_get(keys))              # tiled pipeline: 64 MiB
    assert [bytes(g.byte_array) == w for g, w in zip(got, want, strict=True)] == [True] * CHUNKS
    for g in got:
        g.ref_count_down()
    for i in (0, CHUNKS // 2, CHUNKS - 1):                # single-key GETs of present chunks
        one = run(loop, conn.get(keys[i]))
        assert bytes(one.byte_array) == want[i]
        one.ref_count_down()
    assert run(loop, conn.exists(keys[1])) and not run(loop, conn.exists(_key(CHUNKS, salt)))


def test_idle_workers_are_never_closed(resp, loop):
    """The client never reconnects: after its workers idled, every operation still works."""
    conn, md, backend = resp
    salt = int(np.random.randint(1 << 30))
    keys = [_key(i, salt) for i in range(8)]
    objs = [_filled(backend, md, 2000 + i) for i in range(8)]
    want = [bytes(o.byte_array) for o in objs]
    run(loop, conn.batched_put(keys[:4], objs[:4]))
    time.sleep(IDLE_SECONDS)
    run(loop, conn.put(keys[4], objs[4]))
    run(loop, conn.batched_put(keys[5:], objs[5:]))
    assert run(loop, conn.exists(keys[4])) and not run(loop, conn.exists(_key(99, salt)))
    assert run(loop, conn.batched_async_contains("l2", keys)) == 8
    got = run(loop, conn.batched_get(keys))
    assert [bytes(g.byte_array) == w for g, w in zip(got, want, strict=True)] == [True] * 8
