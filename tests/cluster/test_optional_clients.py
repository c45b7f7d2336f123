"""Optional extras against three of our cluster nodes: LMCache 0.5.6 (its stock
`redis-cluster://` connector, and our plugin with a redis-cluster:// resp_url) and Valkey GLIDE's
cluster client. Each test skips with the reason when its package is not installed."""

from __future__ import annotations

import asyncio

import pytest

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
