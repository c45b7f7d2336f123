"""LMCache integration (optional: skipped unless lmcache 0.5.6 and torch are importable).

Drives, against our server and a real redis-server:
- our plugin `connector.lmcache.RespConnector` loaded the way LMCache loads third-party plugins
  (`remote_storage_plugins` + extra_config, through `CreateConnector`), and through LMCache's own
  `RemoteBackend` (put task, blocking get, batched get, contains);
- LMCache's stock `redis://` connector (redis-py, two keys per chunk).
CPU only: LocalCPUBackend allocates from host memory.
"""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest
import redis

lmcache = pytest.importorskip("lmcache", reason="lmcache not installed (optional extra: pip install lmcache==0.5.6)")
torch = pytest.importorskip("torch", reason="torch not installed (needed by lmcache)")

from lmcache.utils import CacheEngineKey  # noqa: E402
from lmcache.v1.config import LMCacheEngineConfig  # noqa: E402
from lmcache.v1.metadata import LMCacheMetadata  # noqa: E402
from lmcache.v1.storage_backend.connector import CreateConnector  # noqa: E402
from lmcache.v1.storage_backend.local_cpu_backend import LocalCPUBackend  # noqa: E402

PLUGIN = "respcache"
KV_SHAPE = (4, 2, 256, 2, 64)  # layers, k/v, chunk tokens, kv heads, head dim -> 512 KiB bf16 chunks


def make_backend(url: str, **extra: object):
    extra_config = {
        f"remote_storage_plugin.{PLUGIN}.module_path": "connector.lmcache",
        f"remote_storage_plugin.{PLUGIN}.class_name": "RespConnector",
        "resp_url": url,
        **extra,
    }
    cfg = LMCacheEngineConfig.from_defaults(
        chunk_size=256, local_cpu=False, max_local_cpu_size=0.25, remote_serde="naive",
        remote_storage_plugins=[PLUGIN], extra_config=extra_config)
    md = LMCacheMetadata(model_name="Qwen/test", world_size=1, local_world_size=1, worker_id=0,
                         local_worker_id=0, kv_dtype=torch.bfloat16, kv_shape=KV_SHAPE)
    return cfg, md, LocalCPUBackend(cfg, md)


def run(loop, coro, timeout: float = 30):
    return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)


def new_key(i: int, salt: int) -> CacheEngineKey:
    return CacheEngineKey("Qwen/test", 1, 0, (salt << 20) + i, torch.bfloat16)


class Expected:
    """What a MemoryObj held when it was put (LMCache may free the object after the put)."""

    def __init__(self, obj) -> None:
        self.shapes = list(obj.get_shapes())
        self.fmt = obj.get_memory_format()
        self.data = bytes(obj.byte_array)


def filled(backend, md, seed: int, tokens: int = 256):
    """A MemoryObj of random bf16 data, with one extra reference for the put to drop
    (LMCache's connector wrapper calls ref_count_down after every put)."""
    obj = backend.allocate(md.get_shapes(tokens), md.get_dtypes(), None)
    g = torch.Generator().manual_seed(seed)
    obj.tensor.copy_(torch.randn(obj.tensor.shape, generator=g).to(torch.bfloat16))
    obj.ref_count_up()
    return obj


def same(got, want) -> bool:
    want = want if isinstance(want, Expected) else Expected(want)
    return (got is not None and list(got.get_shapes()) == want.shapes
            and got.get_memory_format() == want.fmt and bytes(got.byte_array) == want.data)


@pytest.fixture
def plugin(target, loop):
    cfg, md, backend = make_backend(target.url)
    conn = CreateConnector(f"plugin://{PLUGIN}", loop, backend, cfg, md, plugin_name=PLUGIN)
    yield conn, md, backend
    run(loop, conn.close())


def test_plugin_is_loaded_through_lmcache(plugin):
    conn, _, _ = plugin
    assert "RespConnector" in repr(conn)


def test_plugin_put_get_exists(plugin, loop):
    conn, md, backend = plugin
    salt = np.random.randint(1 << 30)
    key, obj = new_key(0, salt), filled(backend, md, 1)
    assert not run(loop, conn.exists(key))
    run(loop, conn.put(key, obj))
    assert run(loop, conn.exists(key)) and conn.exists_sync(key)
    got = run(loop, conn.get(key))
    assert same(got, obj)
    assert run(loop, conn.get(new_key(1, salt))) is None
    assert key.to_string() in run(loop, conn.list())
    assert run(loop, conn.ping()) == 0
    assert conn.remove_sync(key) and not conn.exists_sync(key)


def test_plugin_batches_and_prefix(plugin, loop):
    conn, md, backend = plugin
    salt = np.random.randint(1 << 30)
    keys = [new_key(i, salt) for i in range(5)]
    objs = [filled(backend, md, i) for i in range(4)] + [filled(backend, md, 9, tokens=100)]
    run(loop, conn.batched_put(keys, objs))
    conn.remove_sync(keys[2])
    assert run(loop, conn.batched_async_contains("lookup", keys)) == 2
    assert conn.batched_contains(keys) == 2
    got = run(loop, conn.batched_get(keys))
    assert got[2] is None
    assert [same(g, o) for g, o in zip(got, objs, strict=True) if g is not None] == [True] * 4
    assert got[4].get_shapes()[0][2] == 100  # partial chunk keeps its token count
    prefix = run(loop, conn.batched_get_non_blocking("lookup", keys))
    assert len(prefix) == 2 and same(prefix[1], objs[1])


def test_plugin_corrupt_chunk_is_a_miss(plugin, loop, target):
    conn, md, backend = plugin
    salt = np.random.randint(1 << 30)
    good, bad = new_key(0, salt), new_key(1, salt)
    run(loop, conn.put(good, filled(backend, md, 3)))
    redis.Redis.from_url(target.url, protocol=2).set(bad.to_string(), b"\0" * 4096)
    assert run(loop, conn.get(bad)) is None
    got = run(loop, conn.batched_get([bad, good]))
    assert got[0] is None and got[1] is not None


def test_plugin_through_remote_backend(target, loop):
    from lmcache.v1.storage_backend.remote_backend import RemoteBackend

    cfg, md, backend = make_backend(target.url)
    rb = RemoteBackend(cfg, md, loop, backend, plugin_name=PLUGIN)
    salt = np.random.randint(1 << 30)
    keys = [new_key(i, salt) for i in range(3)]
    objs = [filled(backend, md, 10 + i) for i in range(3)]
    want = [Expected(o) for o in objs]
    rb.submit_put_task(keys[0], objs[0]).result(10)
    rb.batched_submit_put_task(keys[1:], objs[1:])
    for _ in range(100):  # batched put completes asynchronously
        if rb.batched_contains(keys) == 3:
            break
        threading.Event().wait(0.05)
    assert rb.contains(keys[0]) and rb.batched_contains(keys) == 3
    assert same(rb.get_blocking(keys[0]), want[0])
    got = rb.batched_get_blocking(keys)
    assert [same(g, w) for g, w in zip(got, want, strict=True)] == [True] * 3
    rb.close()


def test_lmcache_stock_redis_connector(target, loop):
    """LMCache's own redis:// connector (redis-py, RESP3 HELLO, 2 keys per chunk) on the target."""
    cfg, md, backend = make_backend(target.url)
    conn = CreateConnector(target.url, loop, backend, cfg, md)
    salt = np.random.randint(1 << 30)
    key, obj = new_key(0, salt), filled(backend, md, 5)
    assert not run(loop, conn.exists(key))
    run(loop, conn.put(key, obj))
    assert run(loop, conn.exists(key))
    assert same(run(loop, conn.get(key)), obj)
    assert target_keys(target, key) == {key.to_string() + "kv_bytes", key.to_string() + "metadata"}
    # Not conn.close(): in LMCache 0.5.6 RedisConnector.close() awaits a *blocking*
    # pq_executor.shutdown() that waits on its own event loop, which deadlocks that loop.
    run(loop, conn._connector.connection.aclose())


def target_keys(target, key) -> set[str]:
    r = redis.Redis.from_url(target.url, protocol=2, decode_responses=True)
    return set(r.keys(key.to_string() + "*"))


def test_lmcache_stock_resp_connector(target, loop):
    """LMCache's native resp:// connector (C++ RESP2 client, one key per chunk) on the target."""
    cfg, md, backend = make_backend(target.url)
    conn = CreateConnector(target.url.replace("redis://", "resp://"), loop, backend, cfg, md)
    salt = np.random.randint(1 << 30)
    keys = [new_key(i, salt) for i in range(3)]
    objs = [filled(backend, md, 20 + i) for i in range(3)]
    want = [Expected(o) for o in objs]
    assert not run(loop, conn.exists(keys[0]))
    run(loop, conn.put(keys[0], objs[0]))
    # Not conn.exists_sync(): LMCache 0.5.6's native client registers a sync call's future only
    # after submitting it, from another thread than the loop that drains completions; a fast
    # reply is dropped and the caller waits forever (seen against both servers).
    assert run(loop, conn.exists(keys[0]))
    assert same(run(loop, conn.get(keys[0])), want[0])
    run(loop, conn.batched_put(keys[1:], objs[1:]))
    assert run(loop, conn.batched_async_contains("l", [*keys, new_key(9, salt)])) == 3
    got = run(loop, conn.batched_get(keys))
    assert [same(g, w) for g, w in zip(got, want, strict=True)] == [True] * 3
    # LMCache's RESPConnector.close() has the same loop deadlock as RedisConnector.close();
    # close its parts directly (a second, unclosed native client in one process can hang).
    run(loop, conn._connector.pq_executor.shutdown_async(wait=False))
    conn._connector.client.close()
