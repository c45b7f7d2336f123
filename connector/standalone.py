"""`StandaloneClient` (blocking) and `AsyncStandaloneClient` (asyncio): one Redis server.

One key per chunk; the value is the serde header plus the raw (or LZ4) tensor bytes (serde.py).
Every public call is one round trip on one pooled connection:

    put / batch_put        SET, pipelined for a batch; arrays are sent from their own memory
    get / get_into         GET; payload received straight into a new array / the caller's buffer
    batch_get(_into)       one MGET for the whole batch
    prefix_hits            pipelined EXISTS; the length of the leading run of present keys
    delete, exists, ping   (keys() is a SCAN loop, several round trips)

What a call sends and returns is written once, as a plans.Plans program; the two classes only
drive it: `_run` is one op on one pooled connection with the reconnect rule of pools.py (all
operations are idempotent, so its single retry is safe). For rediss:// the asyncio client runs the
blocking one in worker threads (asyncio's own sockets cannot read TLS into a caller's buffer).

These are the per-node clients of the cluster clients too; callers use client.ChunkClient /
client.AsyncChunkClient, which pick standalone or cluster from the URL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops
from .config import ClientConfig
from .plans import Each, Key, OpFactory, Plans, Program, T, drive, drive_async
from .pools import ATTEMPTS, AsyncPool, SyncPool
from .serde import ChunkHeader

DEFAULT_URL = "redis://127.0.0.1:6379"


class StandaloneClient(Plans):
    """Blocking chunk client; thread-safe (each call takes its own pooled connection)."""

    def __init__(self, url: str | ClientConfig = DEFAULT_URL, **options: Any) -> None:
        options.pop("cluster_detect", None)
        super().__init__(url, **options)
        self._pool = SyncPool(self.config)

    def _run(self, make_op: OpFactory) -> Any:
        for attempt in ATTEMPTS:
            conn = self._pool.acquire()
            try:
                result = conn.run(make_op())
            except BaseException as exc:
                if self._pool.settle(conn, exc, attempt):
                    continue
                raise
            self._pool.release(conn, healthy=True)
            return result
        raise AssertionError("unreachable")

    def _drive(self, program: Program[T]) -> T:
        return drive(program, self._run)

    # -- writes -------------------------------------------------------------------------------
    def put(self, key: Key, array: object, *, dtype_name: str | None = None, fmt: int = 0) -> None:
        """Store one chunk (numpy array or C-contiguous buffer); `dtype_name` e.g. "bfloat16"."""
        self._drive(self._plan_batch_put([key], [array], dtype_name, fmt))

    def batch_put(self, keys: Sequence[Key], arrays: Sequence[object], *,
                  dtype_name: Each[str | None] = None, fmt: Each[int] = 0) -> None:
        """Store several chunks with pipelined SETs in one round trip (dtype_name / fmt: one for
        all, or a list with one per array)."""
        self._drive(self._plan_batch_put(keys, arrays, dtype_name, fmt))

    def delete(self, *keys: Key) -> int:
        """Delete keys; returns how many existed."""
        return self._drive(self._plan_delete(keys))

    # -- reads --------------------------------------------------------------------------------
    def get(self, key: Key) -> np.ndarray | None:
        """The stored chunk as a new array (bfloat16 as uint16, fp8 as uint8), or None."""
        return self._drive(self._plan_get(key))

    def get_with_header(self, key: Key) -> tuple[np.ndarray, ChunkHeader] | None:
        """The stored chunk and its decoded header (dtype name, shape, LMCache format)."""
        return self._drive(self._plan_get_with_header(key))

    def get_into(self, key: Key, out: object) -> bool:
        """Read a chunk into `out` (exactly its size); False when the key is absent."""
        return self._drive(self._plan_get_into(key, out))

    def batch_get(self, keys: Sequence[Key]) -> list[np.ndarray | None]:
        """One MGET; a new array per found key, None per missing key."""
        return self._drive(self._plan_batch_get(keys))

    def batch_get_into(self, keys: Sequence[Key], outs: Sequence[object]) -> list[bool]:
        """One MGET straight into the caller's buffers; True where the chunk was found."""
        return self._drive(self._plan_batch_get_into(keys, outs))

    def get_with_sink(self, key: Key, sink: ops.Sink) -> ChunkHeader | None:
        """GET into whatever buffer `sink(header)` returns once the header is validated."""
        return self._drive(self._plan_get_with_sink(key, sink))

    def batch_get_with_sinks(self, keys: Sequence[Key], sinks: Sequence[ops.Sink],
                             return_errors: bool = False) -> list[ChunkHeader | Exception | None]:
        """One MGET; each found chunk goes into the buffer its sink returns for its header.
        With `return_errors`, a key's stream-safe error is returned in its place."""
        return self._drive(self._plan_batch_get_with_sinks(keys, sinks, return_errors))

    def exists(self, key: Key) -> bool:
        return self._drive(self._plan_exists(key))

    def prefix_hits(self, keys: Sequence[Key]) -> int:
        """Length of the leading run of present keys (pipelined EXISTS, one round trip)."""
        return self._drive(self._plan_prefix_hits(keys))

    def keys(self, pattern: str = "*") -> list[bytes]:
        """Wire keys matching `pattern` inside this client's namespace (SCAN, several trips)."""
        return self._drive(self._plan_keys(pattern))

    def ping(self) -> bool:
        return self._drive(self._plan_ping())

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> StandaloneClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncStandaloneClient(Plans):
    """asyncio chunk client with the same methods as `StandaloneClient`, as coroutines."""

    def __init__(self, url: str | ClientConfig = DEFAULT_URL, **options: Any) -> None:
        options.pop("cluster_detect", None)
        super().__init__(url, **options)
        self._pool = AsyncPool(self.config)
        self._threaded = StandaloneClient(self.config) if self.config.tls else None

    async def _run(self, make_op: OpFactory) -> Any:
        if self._threaded is not None:
            return await asyncio.to_thread(self._threaded._run, make_op)
        for attempt in ATTEMPTS:
            conn = await self._pool.acquire()
            try:
                result = await conn.run(make_op())
            except BaseException as exc:
                if self._pool.settle(conn, exc, attempt):
                    continue
                raise
            self._pool.release(conn, healthy=True)
            return result
        raise AssertionError("unreachable")

    async def _drive(self, program: Program[T]) -> T:
        return await drive_async(program, self._run)

    async def put(self, key: Key, array: object, *, dtype_name: str | None = None,
                  fmt: int = 0) -> None:
        await self._drive(self._plan_batch_put([key], [array], dtype_name, fmt))

    async def batch_put(self, keys: Sequence[Key], arrays: Sequence[object], *,
                        dtype_name: Each[str | None] = None, fmt: Each[int] = 0) -> None:
        await self._drive(self._plan_batch_put(keys, arrays, dtype_name, fmt))

    async def delete(self, *keys: Key) -> int:
        return await self._drive(self._plan_delete(keys))

    async def get(self, key: Key) -> np.ndarray | None:
        return await self._drive(self._plan_get(key))

    async def get_with_header(self, key: Key) -> tuple[np.ndarray, ChunkHeader] | None:
        return await self._drive(self._plan_get_with_header(key))

    async def get_into(self, key: Key, out: object) -> bool:
        return await self._drive(self._plan_get_into(key, out))

    async def batch_get(self, keys: Sequence[Key]) -> list[np.ndarray | None]:
        return await self._drive(self._plan_batch_get(keys))

    async def batch_get_into(self, keys: Sequence[Key], outs: Sequence[object]) -> list[bool]:
        return await self._drive(self._plan_batch_get_into(keys, outs))

    async def get_with_sink(self, key: Key, sink: ops.Sink) -> ChunkHeader | None:
        return await self._drive(self._plan_get_with_sink(key, sink))

    async def batch_get_with_sinks(self, keys: Sequence[Key], sinks: Sequence[ops.Sink],
                                   return_errors: bool = False) -> list[ChunkHeader | Exception | None]:
        return await self._drive(self._plan_batch_get_with_sinks(keys, sinks, return_errors))

    async def exists(self, key: Key) -> bool:
        return await self._drive(self._plan_exists(key))

    async def prefix_hits(self, keys: Sequence[Key]) -> int:
        return await self._drive(self._plan_prefix_hits(keys))

    async def keys(self, pattern: str = "*") -> list[bytes]:
        return await self._drive(self._plan_keys(pattern))

    async def ping(self) -> bool:
        return await self._drive(self._plan_ping())

    async def close(self) -> None:
        self._pool.close()
        if self._threaded is not None:
            self._threaded.close()

    async def __aenter__(self) -> AsyncStandaloneClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
