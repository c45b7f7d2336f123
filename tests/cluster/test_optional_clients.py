"""Optional extras against three of our cluster nodes: LMCache 0.5.6 (its stock
`redis-cluster://` connector, alone and through `RemoteBackend`; its `valkey://` connector in
`valkey_mode: cluster`; our plugin with a redis-cluster:// resp_url) and Valkey GLIDE's cluster
client. The RemoteBackend and valkey:// cases run the same steps on a real Redis 7 cluster of the
same topology too. Each test skips with the reason when its package is not installed."""

from __future__ import annotations

import asyncio
import threading

import pytest
import redis

pytestmark = pytest.mark.timeout(120)


def _cluster_url(procs) -> str:
    return "redis-cluster://" + ",".join(f"127.0.0.1:{sp.port}" for sp in procs)


def _lmcache_parts(extra: dict):
    pytest.importorskip("lmcache", reason="lmcache not installed (optional: pip install lmcache==0.5.6)")
    torch = pytest.importorskip("torch", reason="torch not installed (needed by lmcache)")
    from lmcache.v1.config import LMCacheEngineConfig
    from lmcache.v1.metadata import LMCacheMetadata
    from lmcache.v1.storage_backend.local_cpu_backend import LocalCPUBackend

    cfg = LMCacheEngineConfig.from_defaults(
        chunk_size=256, local_cpu=False, max_local_cpu_size=0.25, remote_serde="naive",
        remote_storage_plugins=["respcache"], extra_config=extra)
    md = LMCacheMetadata(model_name="Qwen/test", world_size=1, local_world_size=1, worker_id=0,
                         local_worker_id=0, kv_dtype=torch.bfloat16, kv_shape=(2, 2, 256, 2, 64))
    return torch, cfg, md, LocalCPUBackend(cfg, md)


def _roundtrip(loop, torch, conn, backend, md) -> None:
    from lmcache.utils import CacheEngineKey

    def run(coro):
        return asyncio.run_coroutine_threadsafe(coro, loop).result(30)

    keys = [CacheEngineKey("Qwen/test", 1, 0, 77_000 + i, torch.bfloat16) for i in range(12)]
    want = []
    for i, k in enumerate(keys):
        obj = backend.allocate(md.get_shapes(256), md.get_dtypes(), None)
        obj.tensor.fill_(i)
        obj.ref_count_up()
        want.append(bytes(obj.byte_array))
        run(conn.put(k, obj))
    for k, w in zip(keys, want, strict=True):
        got = run(conn.get(k))
        assert got is not None and bytes(got.byte_array) == w


def test_lmcache_stock_redis_cluster(our_cluster, loop):
    torch, cfg, md, backend = _lmcache_parts({})
    from lmcache.v1.storage_backend.connector import CreateConnector

    conn = CreateConnector(_cluster_url(our_cluster), loop, backend, cfg, md)
    _roundtrip(loop, torch, conn, backend, md)


@pytest.mark.parametrize("class_name", ["RespConnector", "RespConnector@respcache"])
def test_lmcache_our_plugin_on_a_cluster(our_cluster, loop, class_name):
    """The instance's own resp_url: found as the only one given, or named by the class name
    (LMCache 0.5.6 builds plugin connectors without telling them their instance name)."""
    torch, cfg, md, backend = _lmcache_parts({
        "remote_storage_plugin.respcache.module_path": "connector.lmcache",
        "remote_storage_plugin.respcache.class_name": class_name,
        "remote_storage_plugin.respcache.resp_url": _cluster_url(our_cluster)})
    from lmcache.v1.storage_backend.connector import CreateConnector

    conn = CreateConnector("plugin://respcache", loop, backend, cfg, md, plugin_name="respcache")
    assert f"<RespConnector {_cluster_url(our_cluster)}>" in repr(conn)     # logs name the pool
    _roundtrip(loop, torch, conn, backend, md)
    asyncio.run_coroutine_threadsafe(conn.close(), loop).result(30)


def test_glide_cluster_client(our_cluster):
    glide = pytest.importorskip("glide_sync", reason="valkey-glide-sync not installed (optional)")
    cfg = glide.GlideClusterClientConfiguration(
        [glide.NodeAddress("127.0.0.1", sp.port) for sp in our_cluster])
    client = glide.GlideClusterClient.create(cfg)
    try:
        for i in range(50):
            assert client.set(f"g{i}", f"v{i}") == "OK"
        assert client.get("g7") == b"v7"
    finally:
        client.close()


def _flush(procs) -> None:
    for sp in procs:
        r = redis.Redis(port=sp.port)
        r.flushall()
        r.close()


def _dbsizes(procs) -> list[int]:
    """Each node's key count, then the nodes flushed."""
    out = []
    for sp in procs:
        r = redis.Redis(port=sp.port)
        out.append(r.dbsize())
        r.flushall()
        r.close()
    return out


def _key(torch, i: int):
    from lmcache.utils import CacheEngineKey
    return CacheEngineKey("Qwen/test", 1, 0, 91_000 + i, torch.bfloat16)


def _objs(backend, md, n: int) -> tuple[list, list[bytes]]:
    objs = []
    for i in range(n):
        obj = backend.allocate(md.get_shapes(256), md.get_dtypes(), None)
        obj.tensor.fill_(i + 1)
        obj.ref_count_up()
        objs.append(obj)
    return objs, [bytes(o.byte_array) for o in objs]


@pytest.mark.parametrize("pool", ["our_cluster", "redis_cluster"])
def test_lmcache_remote_backend_on_redis_cluster_url(pool, request, loop):
    """LMCache's RemoteBackend with `remote_url: redis-cluster://...` (what a stock LMCache
    config builds): put task, batched put, contains, blocking get and batched get, keys spread
    over every node; on ours and on a real Redis cluster alike."""
    torch, _, md, backend = _lmcache_parts({})        # skips before any cluster is started
    procs = request.getfixturevalue(pool)
    _flush(procs)
    from lmcache.v1.config import LMCacheEngineConfig
    from lmcache.v1.storage_backend.remote_backend import RemoteBackend

    cfg = LMCacheEngineConfig.from_defaults(
        chunk_size=256, local_cpu=False, max_local_cpu_size=0.25, remote_serde="naive",
        remote_url=_cluster_url(procs))
    rb = RemoteBackend(cfg, md, loop, backend)
    n = 24
    keys = [_key(torch, i) for i in range(n)]
    objs, want = _objs(backend, md, n)
    assert rb.batched_contains(keys) == 0
    rb.submit_put_task(keys[0], objs[0]).result(30)
    rb.batched_submit_put_task(keys[1:], objs[1:])
    for _ in range(200):                      # the batched put completes in the background
        if rb.batched_contains(keys) == n:
            break
        threading.Event().wait(0.05)
    assert rb.contains(keys[0]) and rb.batched_contains(keys) == n
    assert bytes(rb.get_blocking(keys[5]).byte_array) == want[5]
    got = rb.batched_get_blocking(keys)
    assert [g is not None and bytes(g.byte_array) == w for g, w in zip(got, want, strict=True)] \
        == [True] * n
    # not rb.close(): LMCache 0.5.6's RedisClusterConnector.close() awaits a blocking executor
    # shutdown on its own loop (the deadlock test_lmcache.py notes for RedisConnector)
    asyncio.run_coroutine_threadsafe(rb.connection._connector.cluster.aclose(), loop).result(30)
    sizes = _dbsizes(procs)
    assert sum(sizes) == 2 * n and min(sizes) > 0          # two keys per chunk, on every node


@pytest.mark.parametrize("pool", ["our_cluster", "redis_cluster"])
def test_lmcache_valkey_cluster_mode(pool, request, loop):
    """LMCache's `valkey://` connector with `valkey_mode: cluster` (GLIDE's cluster client
    seeded with one node): batched put, prefix lookup, batched and single gets."""
    pytest.importorskip("glide_sync", reason="valkey-glide-sync not installed (optional)")
    torch, _, md, backend = _lmcache_parts({})        # skips before any cluster is started
    procs = request.getfixturevalue(pool)
    _flush(procs)
    from lmcache.v1.config import LMCacheEngineConfig
    from lmcache.v1.storage_backend.connector import CreateConnector

    cfg = LMCacheEngineConfig.from_defaults(
        chunk_size=256, local_cpu=False, max_local_cpu_size=0.25, remote_serde="naive",
        save_unfull_chunk=False, extra_config={"save_chunk_meta": False,
                                               "valkey_mode": "cluster"})
    conn = CreateConnector(f"valkey://127.0.0.1:{procs[1].port}", loop, backend, cfg, md)

    def run(coro):
        return asyncio.run_coroutine_threadsafe(coro, loop).result(60)

    n = 24
    keys = [_key(torch, 100 + i) for i in range(n)]
    objs, want = _objs(backend, md, n)
    try:
        assert run(conn.batched_async_contains("l0", keys)) == 0
        run(conn.batched_put(keys, objs))
        assert run(conn.batched_async_contains("l1", [*keys, _key(torch, 999)])) == n
        got = run(conn.batched_get(keys))
        assert [bytes(g.byte_array) == w for g, w in zip(got, want, strict=True)] == [True] * n
        assert bytes(run(conn.get(keys[7])).byte_array) == want[7]
        assert run(conn.exists(keys[3])) and not run(conn.exists(_key(torch, 999)))
    finally:
        run(conn.close())
    sizes = _dbsizes(procs)
    assert sum(sizes) == n and min(sizes) > 0               # one key per chunk, on every node
