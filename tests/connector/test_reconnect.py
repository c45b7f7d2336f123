"""Server restart mid-use: pooled connections go stale, the client reconnects (one retry)."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from connector import AsyncChunkClient, ChunkClient

SERVERS = ("ours", "redis")


@pytest.mark.parametrize("kind", SERVERS)
def test_sync_client_survives_restart(kind, private_server):
    sp = private_server(kind)
    port = sp.port
    arr = np.arange(4096, dtype=np.float16)
    try:
        with ChunkClient(sp.url, max_connections=2, connect_timeout=2) as c:
            c.put("a", arr)
            assert c.prefix_hits(["a", "b"]) == 1
            sp.stop()
            with pytest.raises(ConnectionError):
                c.get("a")  # server down: the retry cannot connect either
            sp = private_server(kind, port)
            assert c.get("a") is None  # stale pooled socket replaced; data did not survive
            c.put("a", arr)
            assert np.array_equal(c.get("a"), arr)
            sp.stop()
            sp = private_server(kind, port)
            c.batch_put(["x", "y"], [arr, arr])  # first call after restart, on a stale socket
            assert c.prefix_hits(["x", "y"]) == 2
    finally:
        sp.stop()


@pytest.mark.parametrize("kind", SERVERS)
def test_async_client_survives_restart(kind, private_server):
    sp = private_server(kind)
    port = sp.port

    async def main() -> None:
        nonlocal sp
        async with AsyncChunkClient(sp.url, connect_timeout=2) as c:
            await asyncio.gather(*(c.put(f"k{i}", np.ones(100, np.uint8)) for i in range(4)))
            sp.stop()
            sp = private_server(kind, port)
            assert await c.prefix_hits([f"k{i}" for i in range(4)]) == 0
            await c.put("k0", np.ones(100, np.uint8))
            assert await c.exists("k0")

    try:
        asyncio.run(main())
    finally:
        sp.stop()
