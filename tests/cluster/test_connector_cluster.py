"""Our connector against three of our cluster nodes: routing, MOVED, auto-detection, faults.

The fault test kills one node with SIGKILL in the middle of LMCache-style traffic (batched puts
and gets through the connector): no exception may reach the caller, the hit rate falls to the
share of the surviving nodes, and the node restarted (empty) on its port is used again within
seconds. A node that hangs (SIGSTOP) costs one socket timeout, then behaves as a dead one; the
asyncio client gets the same kill while its batches are in flight."""

from __future__ import annotations

import asyncio
import logging
import signal
import time

import numpy as np
import pytest
import redis

from connector import AsyncChunkClient, ChunkClient
from connector.cluster import ClusterChunkClient
from connector.cluster_async import AsyncClusterChunkClient
from connector.cluster_map import key_slot, parse_cluster_url
from tests.cluster.conftest import nodes_arg, start_our_cluster, stop_all
from tests.conftest import start_ours

pytestmark = pytest.mark.timeout(180)
CHUNK = 4096                     # float32 elements per test chunk (16 KiB)


def _url(procs) -> str:
    return "redis-cluster://" + ",".join(f"127.0.0.1:{sp.port}" for sp in procs[:2])


def _chunks(n: int, seed: int = 0) -> tuple[list[str], list[np.ndarray]]:
    keys = [f"model@1@0@{seed:x}{i:060x}@bfloat16" for i in range(n)]
    return keys, [np.arange(CHUNK, dtype=np.float32) + i + seed for i in range(n)]


def test_slot_function_agrees_with_the_server(our_cluster):
    r = redis.Redis(port=our_cluster[0].port)
    for k in (b"a", b"{x}y", b"", b"model@1@0@abc@bfloat16", b"{}z"):
        assert key_slot(k) == r.cluster("keyslot", k)
    r.close()


def test_url_parsing():
    seeds, cfg = parse_cluster_url("redis-cluster://u:p%40w@h1:7000,h2:7001/?socket_timeout=3")
    assert seeds == [("h1", 7000), ("h2", 7001)]
    assert (cfg.username, cfg.password, cfg.socket_timeout) == ("u", "p@w", 3.0)
    with pytest.raises(ValueError):
        parse_cluster_url("redis-cluster://")


def test_sync_roundtrip_spreads_over_nodes(our_cluster):
    keys, arrays = _chunks(60)
    with ChunkClient(_url(our_cluster)) as c:
        assert isinstance(c, ClusterChunkClient)
        c.batch_put(keys, arrays)
        outs = [np.empty(CHUNK, np.float32) for _ in keys]
        assert c.batch_get_into(keys, outs) == [True] * 60
        assert all((o == a).all() for o, a in zip(outs, arrays, strict=True))
        assert c.prefix_hits(keys[:10] + ["absent"] + keys[10:]) == 10
        assert c.get("absent") is None and c.exists(keys[3])
        sizes = [redis.Redis(port=sp.port).dbsize() for sp in our_cluster]
        assert min(sizes) > 5 and sum(sizes) == 60
        assert len(c.map.nodes()) == 3 and c.stats.missed_keys == 0
        assert c.describe() == "redis-cluster://" + ",".join(       # what logs name: the pool
            f"127.0.0.1:{sp.port}" for sp in our_cluster)
        assert c.delete(*keys) == 60


def test_async_roundtrip(our_cluster):
    keys, arrays = _chunks(40, seed=1)

    async def run() -> None:
        async with AsyncChunkClient(_url(our_cluster)) as c:
            assert isinstance(c, AsyncClusterChunkClient)
            await c.batch_put(keys, arrays)
            got = await c.batch_get(keys)
            assert all((g == a).all() for g, a in zip(got, arrays, strict=True))
            assert await c.prefix_hits(keys) == 40
            assert await c.delete(*keys) == 40
    asyncio.run(run())


def test_auto_detect(our_cluster, server):
    c = ChunkClient(f"redis://127.0.0.1:{our_cluster[2].port}")
    assert isinstance(c, ClusterChunkClient)
    c.close()
    plain = ChunkClient(f"redis://127.0.0.1:{our_cluster[2].port}", cluster_detect=False)
    assert not isinstance(plain, ClusterChunkClient)
    plain.close()
    standalone = ChunkClient(server.url)
    assert not isinstance(standalone, ClusterChunkClient) and standalone.ping()
    standalone.close()


def test_moved_refreshes_the_slot_map():
    procs = start_our_cluster(2)
    try:
        keys, arrays = _chunks(40, seed=2)
        with ChunkClient(_url(procs)) as c:
            c.batch_put(keys, arrays)
            assert c.stats.redirects == 0 and c.map.refreshes == 1
            everything_on_0 = f"127.0.0.1:{procs[0].port}@0-16383 127.0.0.1:{procs[1].port}"
            for sp in procs:
                redis.Redis(port=sp.port).config_set("cluster-nodes", everything_on_0)
            time.sleep(0.6)                             # past the refresh rate limit
            c.batch_put(keys, arrays)                    # half of them redirected, then stored
            assert c.stats.redirects > 0 and c.map.refreshes == 2
            assert c.map.nodes() == [("127.0.0.1", procs[0].port)]
            outs = [np.empty(CHUNK, np.float32) for _ in keys]
            assert c.batch_get_into(keys, outs) == [True] * 40
            assert redis.Redis(port=procs[0].port).dbsize() == 40
    finally:
        stop_all(procs)


def _hit_rate(c: ChunkClient, keys: list[str]) -> float:
    outs = [np.empty(CHUNK, np.float32) for _ in keys]
    return sum(c.batch_get_into(keys, outs)) / len(keys)


@pytest.mark.slow
def test_kill_one_node_during_traffic(caplog):
    procs = start_our_cluster(3)
    victim = procs[1]
    try:
        keys, arrays = _chunks(300, seed=3)
        c = ChunkClient(_url(procs))
        c.batch_put(keys, arrays)
        assert _hit_rate(c, keys) == 1.0
        on_victim = sum(c.map.owner[key_slot(k.encode())][1] == victim.port for k in keys)
        victim.proc.kill()                              # SIGKILL, mid-traffic
        victim.proc.wait(10)
        with caplog.at_level(logging.WARNING, logger="connector.cluster"):
            rates = []
            for _ in range(5):                           # traffic goes on, no exception
                c.batch_put(keys[:30], arrays[:30])
                rates.append(_hit_rate(c, keys))
                assert c.prefix_hits(keys) <= len(keys)
        expected = 1 - on_victim / len(keys)
        assert all(abs(r - expected) < 1e-9 for r in rates), (rates, expected)
        assert 0.5 < expected < 0.85                     # about a third of the keys were there
        assert c.stats.missed_keys >= 5 * on_victim and c.stats.skipped_puts > 0
        assert sum("unavailable" in r.message for r in caplog.records) <= 2   # once per interval
        # restart it empty on the same port: used again within seconds
        procs[1] = start_ours("--cluster-enabled", "yes", "--cluster-nodes",
                              nodes_arg([sp.port for sp in procs]), port=victim.port)
        back = time.monotonic()
        deadline = back + 10
        while time.monotonic() < deadline:
            c.batch_put(keys, arrays)
            if _hit_rate(c, keys) == 1.0:
                break
            time.sleep(0.1)
        assert _hit_rate(c, keys) == 1.0 and time.monotonic() - back < 5
        c.close()
    finally:
        stop_all(procs)


@pytest.mark.slow
def test_hung_node_times_out_into_misses():
    """A node that stops answering (SIGSTOP: connections still accepted, no reply) costs one
    socket timeout, then its keys are misses and its puts skipped without waiting, no exception;
    once it answers again (SIGCONT) it is used again, its keys still there."""
    procs = start_our_cluster(3)
    hung = procs[2]
    try:
        keys, arrays = _chunks(90, seed=4)
        c = ChunkClient(_url(procs) + "/?socket_timeout=0.5")
        c.batch_put(keys, arrays)
        on_hung = sum(c.map.owner[key_slot(k.encode())][1] == hung.port for k in keys)
        assert 15 < on_hung < 50
        hung.proc.send_signal(signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            rate = _hit_rate(c, keys)                    # one timeout, then a miss per key
            first = time.monotonic() - t0
            c.batch_put(keys[:30], arrays[:30])          # inside the backoff: skipped at once
            rates = [_hit_rate(c, keys) for _ in range(3)]
            assert rate == pytest.approx(1 - on_hung / len(keys)) and set(rates) == {rate}
            assert 0.4 <= first < 5
            assert c.stats.node_failures >= 1 and c.stats.skipped_puts > 0
        finally:
            hung.proc.send_signal(signal.SIGCONT)
        deadline = time.monotonic() + 10
        while _hit_rate(c, keys) < 1.0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _hit_rate(c, keys) == 1.0                 # back, nothing lost while paused
        c.close()
    finally:
        for sp in procs:
            sp.proc.send_signal(signal.SIGCONT)
        stop_all(procs)


@pytest.mark.slow
def test_async_client_survives_a_node_killed_mid_batch():
    """The asyncio client: SIGKILL lands while batches are in flight; every call returns (no
    exception), the dead node's keys are misses, and the node restarted empty is used again."""
    procs = start_our_cluster(3)
    victim = procs[0]
    keys, arrays = _chunks(120, seed=5)

    async def traffic(c, stop: asyncio.Event, rates: list[float]) -> None:
        for _ in range(2000):                            # bounded in count and time (below)
            if stop.is_set():
                return
            await c.batch_put(keys[:12], arrays[:12])
            got = await c.batch_get(keys)
            rates.append(sum(g is not None for g in got) / len(keys))

    async def run() -> None:
        async with AsyncChunkClient(_url(procs[1:]) + "/?socket_timeout=2") as c:
            await c.batch_put(keys, arrays)
            on_victim = sum(c.map.owner[key_slot(k.encode())][1] == victim.port for k in keys)
            stop, rates = asyncio.Event(), []
            task = asyncio.create_task(traffic(c, stop, rates))
            await asyncio.sleep(0.3)
            victim.proc.kill()                           # mid-traffic
            await asyncio.sleep(1.0)
            stop.set()
            await asyncio.wait_for(task, 30)             # re-raises anything the traffic hit
            expected = 1 - on_victim / len(keys)
            assert rates[0] == 1.0 and rates[-1] == pytest.approx(expected)
            assert all(r >= expected - 1e-9 for r in rates)
            assert c.stats.missed_keys > 0 and c.stats.node_failures > 0
            procs[0] = start_ours("--cluster-enabled", "yes", "--cluster-nodes",
                                  nodes_arg([sp.port for sp in procs]), port=victim.port)
            back, rate = time.monotonic(), 0.0
            while time.monotonic() - back < 10:
                await c.batch_put(keys, arrays)
                rate = sum(g is not None for g in await c.batch_get(keys)) / len(keys)
                if rate == 1.0:
                    break
                await asyncio.sleep(0.1)
            assert rate == 1.0 and time.monotonic() - back < 5
    try:
        asyncio.run(run())
    finally:
        stop_all(procs)


def test_lmcache_options_per_plugin_instance():
    """Two plugin instances, two pools: the scoped key wins over the global one (no lmcache
    needed: this is the option lookup RespConnector runs first)."""
    from types import SimpleNamespace

    from connector.lmcache import _options, _plugin_name
    cfg = SimpleNamespace(extra_config={
        "resp_url": "redis://127.0.0.1:6380", "resp_serde": "lz4",
        "remote_storage_plugin.poolb.resp_url": "redis-cluster://10.0.0.1:7000,10.0.0.2:7000"})
    assert _options(cfg)["url"] == "redis://127.0.0.1:6380"
    assert _options(cfg, "poola")["url"] == "redis://127.0.0.1:6380"
    b = _options(cfg, "poolb")
    assert b["url"].startswith("redis-cluster://") and b["serde"] == "lz4"
    assert _plugin_name({"context": SimpleNamespace(plugin_name="poolb")}) == "poolb"
    assert _plugin_name({}) is None
