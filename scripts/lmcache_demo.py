"""Store and fetch one prompt's KV chunks the way LMCache does, and print hits and GB/s.

    python scripts/lmcache_demo.py --url redis://127.0.0.1:6380 [--model qwen-0.5b] [--chunks 8]
        [--stored 6] [--mode auto|lmcache|client] [--serde naive|lz4] [--repeat 3]

A prompt of `--chunks` chunks (256 tokens each) gets LMCache-style keys whose hashes form a prefix
chain; the first `--stored` chunks are written, then the prompt is looked up ("how many leading
chunks exist": one round trip) and exactly those chunks are fetched (one MGET).

--mode lmcache (the default when lmcache is importable) goes through LMCache 0.5.6 itself: our
plugin `connector.lmcache.RespConnector` is loaded by `CreateConnector` from
`remote_storage_plugins`, chunks are MemoryObjs from a LocalCPUBackend. --mode client uses
`connector.ChunkClient` alone (numpy, no torch). Data is checked bit for bit after the fetch.
Each step's best time over --repeat runs is reported (the first run pays page faults).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

try:                                   # installed: we are resp_kvcache.scripts.lmcache_demo
    from ..connector import ChunkClient, ChunkKey
except ImportError:                    # run as a file from a checkout
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from connector import ChunkClient, ChunkKey

PLUGIN_MODULE = ChunkClient.__module__.rsplit(".", 1)[0] + ".lmcache"
"""Our LMCache plugin's module_path: resp_kvcache.connector.lmcache, or connector.lmcache."""

CHUNK_TOKENS = 256


@dataclass(frozen=True)
class Model:
    name: str
    layers: int
    kv_heads: int
    head_dim: int

    @property
    def chunk_shape(self) -> tuple[int, int, int, int]:  # LMCache KV_2LTD
        return (2, self.layers, CHUNK_TOKENS, self.kv_heads * self.head_dim)

    @property
    def chunk_bytes(self) -> int:
        return int(np.prod(self.chunk_shape)) * 2  # bf16


MODELS = {
    "qwen-0.5b": Model("Qwen/Qwen2.5-0.5B-Instruct", 24, 2, 64),  # 3 MiB chunks
    "qwen-7b": Model("Qwen/Qwen2.5-7B-Instruct", 28, 4, 128),  # 14 MiB
    "llama-8b": Model("meta-llama/Meta-Llama-3-8B-Instruct", 32, 8, 128),  # 32 MiB
}


def prefix_hashes(prompt_id: str, n: int) -> list[int]:
    """Chunk i's hash covers chunks 0..i (a chain), as in LMCache."""
    out, h = [], b""
    for i in range(n):
        h = hashlib.blake2b(h + f"{prompt_id}/{i}".encode(), digest_size=8).digest()
        out.append(int.from_bytes(h, "little") >> 1)
    return out


def gbps(nbytes: int, seconds: float) -> str:
    return f"{nbytes / seconds / 1e9:.2f} GB/s" if seconds > 0 else "-"


def report(label: str, hits: int, wanted: int, put_bytes: int, put_s: float, get_bytes: int,
           get_s: float, lookup_s: float) -> None:
    print(f"[{label}] prefix hits: {hits}/{wanted} chunks (lookup {lookup_s * 1e3:.2f} ms, one round trip)")
    print(f"[{label}] put  {put_bytes / 2**20:8.1f} MiB in {put_s * 1e3:8.1f} ms  {gbps(put_bytes, put_s)}")
    print(f"[{label}] get  {get_bytes / 2**20:8.1f} MiB in {get_s * 1e3:8.1f} ms  {gbps(get_bytes, get_s)}")


def run_client(url: str, model: Model, chunks: int, stored: int, serde: str, repeat: int) -> None:
    keys = [ChunkKey(model.name, 1, 0, h, "bfloat16").to_string()
            for h in prefix_hashes(f"demo-{os.getpid()}", chunks)]
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 1 << 16, model.chunk_shape, dtype=np.uint16) for _ in range(stored)]
    outs = [np.ones(model.chunk_shape, np.uint16) for _ in range(chunks)]  # touched buffers
    best = [float("inf")] * 3
    with ChunkClient(url, serde=serde) as c:
        for _ in range(repeat):
            t0 = time.perf_counter()
            c.batch_put(keys[:stored], arrays, dtype_name="bfloat16", fmt=1)
            t1 = time.perf_counter()
            hits = c.prefix_hits(keys)
            t2 = time.perf_counter()
            found = c.batch_get_into(keys[:hits], outs[:hits])
            t3 = time.perf_counter()
            assert all(found) and all(np.array_equal(a, o) for a, o in zip(arrays, outs, strict=False))
            best = [min(b, t) for b, t in zip(best, (t1 - t0, t2 - t1, t3 - t2), strict=True)]
        c.delete(*keys)
    report("ChunkClient", hits, chunks, stored * model.chunk_bytes, best[0],
           hits * model.chunk_bytes, best[2], best[1])


def _connector(scheme: str, url: str, staging_gb: float, serde: str, md_args: dict, loop):
    """LMCache's remote connector for `scheme`: our plugin, or LMCache's own redis:// / resp://
    (resp:// needs save_chunk_meta and save_unfull_chunk off). A redis-cluster:// `url` gives
    LMCache's RedisClusterConnector (scheme redis) or valkey:// in cluster mode (scheme valkey)."""
    from lmcache.v1.config import LMCacheEngineConfig
    from lmcache.v1.metadata import LMCacheMetadata
    from lmcache.v1.storage_backend.connector import CreateConnector
    from lmcache.v1.storage_backend.local_cpu_backend import LocalCPUBackend

    common = dict(chunk_size=CHUNK_TOKENS, local_cpu=False, max_local_cpu_size=staging_gb,
                  remote_serde="naive")
    if scheme == "plugin":
        extra = {"remote_storage_plugin.respcache.module_path": PLUGIN_MODULE,
                 "remote_storage_plugin.respcache.class_name": "RespConnector",
                 "resp_url": url, "resp_serde": serde}
        cfg = LMCacheEngineConfig.from_defaults(**common, remote_storage_plugins=["respcache"],
                                                extra_config=extra)
    else:
        extra = {"save_chunk_meta": False}
        if scheme == "valkey" and url.startswith("redis-cluster://"):
            extra["valkey_mode"] = "cluster"           # GLIDE's cluster client, seeded by one node
        cfg = LMCacheEngineConfig.from_defaults(**common, save_unfull_chunk=False,
                                                extra_config=extra)
    md = LMCacheMetadata(**md_args)
    backend = LocalCPUBackend(cfg, md)
    if scheme == "plugin":
        return CreateConnector("plugin://respcache", loop, backend, cfg, md,
                               plugin_name="respcache"), md, backend
    if scheme == "valkey" and url.startswith("redis-cluster://"):
        url = "redis://" + url.removeprefix("redis-cluster://").split(",")[0]
    target = url.replace("redis://", f"{scheme}://", 1)
    return CreateConnector(target, loop, backend, cfg, md), md, backend


async def _put_all(conn, keys: list, objs: list) -> None:
    if conn.support_batched_put():
        await conn.batched_put(keys, objs)
    else:
        for k, o in zip(keys, objs, strict=True):
            await conn.put(k, o)


async def _get_all(conn, keys: list) -> list:
    if conn.support_batched_get():
        return await conn.batched_get(keys)
    return [await conn.get(k) for k in keys]


def run_lmcache(url: str, model: Model, chunks: int, stored: int, serde: str, repeat: int,
                scheme: str = "plugin") -> None:
    import asyncio
    import threading

    import torch
    from lmcache.utils import CacheEngineKey

    staging_gb = (stored + chunks + 2) * model.chunk_bytes / 2**30
    md_args = dict(model_name=model.name, world_size=1, local_world_size=1, worker_id=0,
                   local_worker_id=0, kv_dtype=torch.bfloat16,
                   kv_shape=(model.layers, 2, CHUNK_TOKENS, model.kv_heads, model.head_dim))
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()

    def run(coro):
        return asyncio.run_coroutine_threadsafe(coro, loop).result(120)

    conn, md, backend = _connector(scheme, url, staging_gb, serde, md_args, loop)
    keys = [CacheEngineKey(model.name, 1, 0, h, torch.bfloat16)
            for h in prefix_hashes(f"demo-{os.getpid()}", chunks)]
    objs, want = [], []
    for i in range(stored):
        obj = backend.allocate(md.get_shapes(), md.get_dtypes(), None)
        obj.tensor.copy_(torch.randn(obj.tensor.shape, generator=torch.Generator().manual_seed(i)))
        objs.append(obj)
        want.append(bytes(obj.byte_array))
    best = [float("inf")] * 3
    for _ in range(repeat):
        for obj in objs:
            obj.ref_count_up()  # LMCache's wrapper drops one reference after each put
        t0 = time.perf_counter()
        run(_put_all(conn, keys[:stored], objs))
        t1 = time.perf_counter()
        hits = run(conn.batched_async_contains("demo", keys))
        t2 = time.perf_counter()
        got = run(_get_all(conn, keys[:hits]))
        t3 = time.perf_counter()
        assert all(g is not None and bytes(g.byte_array) == w for g, w in zip(got, want, strict=False))
        for g in got:
            g.ref_count_down()
        best = [min(b, t) for b, t in zip(best, (t1 - t0, t2 - t1, t3 - t2), strict=True)]
    report(f"LMCache {scheme} {conn!r}", hits, chunks, stored * model.chunk_bytes, best[0],
           hits * model.chunk_bytes, best[2], best[1])
    for obj in objs:
        obj.ref_count_down()
    if scheme == "plugin":
        for k in keys:
            conn.remove_sync(k)
        run(conn.close())
    elif scheme == "resp":       # RESPConnector.close() deadlocks on its loop in 0.5.6
        run(conn._connector.pq_executor.shutdown_async(wait=False))
        conn._connector.client.close()
    loop.call_soon_threadsafe(loop.stop)     # (RedisConnector.close() deadlocks too: not called)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="redis://127.0.0.1:6380")
    ap.add_argument("--model", default="qwen-0.5b", choices=sorted(MODELS))
    ap.add_argument("--chunks", type=int, default=8, help="chunks in the prompt")
    ap.add_argument("--stored", type=int, default=6, help="leading chunks stored before the lookup")
    ap.add_argument("--mode", default="auto", choices=("auto", "lmcache", "client"))
    ap.add_argument("--serde", default="naive", choices=("naive", "lz4"))
    ap.add_argument("--repeat", type=int, default=3, help="runs; the best time of each step is shown")
    ap.add_argument("--scheme", default="plugin", choices=("plugin", "redis", "resp", "valkey"),
                    help="lmcache mode: our plugin, or LMCache's own redis://, resp:// or valkey:// client")
    a = ap.parse_args(argv)
    stored = min(a.stored, a.chunks)
    mode = a.mode
    if mode == "auto":
        try:
            import lmcache  # noqa: F401
            mode = "lmcache"
        except ImportError:
            mode = "client"
            print("lmcache not importable: using ChunkClient alone")
    model = MODELS[a.model]
    print(f"{model.name}: {a.chunks} chunks of {model.chunk_bytes / 2**20:.1f} MiB, "
          f"{stored} stored, server {a.url}")
    if mode == "lmcache":
        run_lmcache(a.url, model, a.chunks, stored, a.serde, max(1, a.repeat), a.scheme)
    else:
        run_client(a.url, model, a.chunks, stored, a.serde, max(1, a.repeat))


if __name__ == "__main__":
    main()
