"""`ChunkClient` (blocking) and `AsyncChunkClient` (asyncio): numpy chunks over GET/SET/MGET.

One key per chunk; the value is the serde header plus the raw (or LZ4) tensor bytes (serde.py).
Every public call is one round trip on one pooled connection:

    put / batch_put        SET, pipelined for a batch; arrays are sent from their own memory
    get / get_into         GET; payload received straight into a new array / the caller's buffer
    batch_get(_into)       one MGET for the whole batch
    prefix_hits            pipelined EXISTS; the length of the leading run of present keys
    delete, exists, ping

Pool: idle connections are reused last-in first-out; at most `max_connections` exist at once
(callers wait for a free one). Reconnect: if a call fails with a connection error on a connection
that had served before (server restarted, idle socket dropped), every idle connection is dropped and
the call is retried once on a fresh connection. All operations are idempotent, so the retry is safe.
Timeouts are not retried. Stream-safe errors (bad chunk header, wrong-size destination, error reply)
leave the connection in the pool; anything else closes it.

The asyncio client runs the same ops on non-blocking sockets; for rediss:// it runs the blocking
client in worker threads instead (asyncio's own sockets cannot read TLS into a caller's buffer).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from . import ops
from .cluster_map import cluster_wanted as _cluster_wanted
from .config import ClientConfig, parse_url
from .connection import AsyncConnection, Connection
from .keys import with_namespace
from .resp import ProtocolError
from .serde import ChunkHeader, SerdeError, byte_view, empty_for, encode

Key = str | bytes
SCAN_COUNT = 1000  # keys per SCAN step in keys()
OpFactory = Callable[[], ops.Op]
T = TypeVar("T")
Each = T | Sequence[T]  # one value for every item of a batch, or one per item


class _Plans:
    """What both clients share: config, key and value encoding, and the op plus its result."""

    def __init__(self, url: str | ClientConfig, **options: Any) -> None:
        self.config = url if isinstance(url, ClientConfig) else parse_url(url, **options)

    def _key(self, key: Key) -> bytes:
        return with_namespace(key, self.config.namespace)

    def _put_op(self, keys: Sequence[Key], arrays: Sequence[object], dtype_name: Each[str | None],
                fmt: Each[int]) -> ops.Op:
        n = len(keys)
        if len(arrays) != n:
            raise ValueError(f"{n} keys but {len(arrays)} arrays")
        names, fmts = _each(dtype_name, n), _each(fmt, n)
        values = [encode(a, self.config.serde, names[i], fmts[i]) for i, a in enumerate(arrays)]
        return ops.put_many([self._key(k) for k in keys], values)

    def _get_op(self, keys: Sequence[Key], sinks: Sequence[ops.Sink], batch: bool,
                return_errors: bool = False) -> ops.Op:
        wire = [self._key(k) for k in keys]
        if batch:
            return ops.get_many(wire, sinks, return_errors)
        return ops.get_one(wire[0], sinks[0])


def _each(value: object, n: int) -> list:
    """A per-item option: one value for all items, or a sequence of n values."""
    if isinstance(value, list | tuple):
        if len(value) != n:
            raise ValueError(f"expected {n} per-item values, got {len(value)}")
        return list(value)
    return [value] * n


class _NewArrays:
    """Sinks that allocate an array of the stored dtype and shape for each found chunk."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.arrays: list[np.ndarray | None] = [None] * n

    def reset(self) -> list[ops.Sink]:
        """Forget arrays of an earlier attempt; the sinks for a (re)try."""
        self.arrays = [None] * self.n
        return [self.sink(i) for i in range(self.n)]

    def sink(self, i: int) -> ops.Sink:
        def make(header: ChunkHeader) -> memoryview:
            arr = empty_for(header)
            self.arrays[i] = arr
            return byte_view(arr, writable=True)

        return make


def _into(out: object) -> ops.Sink:
    view = byte_view(out, writable=True)
    return lambda header: view


class _SyncPool:
    """LIFO pool of blocking connections, at most `max_connections` alive."""

    def __init__(self, cfg: ClientConfig) -> None:
        self.cfg = cfg
        self._idle: list[Connection] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(cfg.max_connections)
        self._closed = False

    def acquire(self) -> Connection:
        if self._closed:
            raise ConnectionError("client is closed")
        self._slots.acquire()
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is not None:
            conn.reused = True
            return conn
        try:
            return Connection(self.cfg)
        except BaseException:
            self._slots.release()
            raise

    def release(self, conn: Connection, healthy: bool) -> None:
        with self._lock:
            if healthy and not self._closed:
                self._idle.append(conn)
                conn = None  # type: ignore[assignment]
        if conn is not None:
            conn.close()
        self._slots.release()

    def drop_idle(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for c in idle:
            c.close()

    def close(self) -> None:
        self._closed = True
        self.drop_idle()


def _retryable(exc: BaseException, conn_reused: bool) -> bool:
    return (
        conn_reused
        and isinstance(exc, ConnectionError | OSError)
        and not isinstance(exc, TimeoutError | ProtocolError | ops.HandshakeError)
    )


class ChunkClient(_Plans):
    """Blocking chunk client; thread-safe (each call takes its own pooled connection).
    A redis-cluster:// URL (or a cluster node's redis:// URL) makes a cluster.ClusterChunkClient
    instead, with the same methods."""

    def __new__(cls, url: str | ClientConfig = "redis://127.0.0.1:6379", **options: Any) -> Any:
        if cls is ChunkClient and _cluster_wanted(url, dict(options)):
            from .cluster import ClusterChunkClient

            options.pop("cluster_detect", None)
            return ClusterChunkClient(url, **options)
        return super().__new__(cls)

    def __init__(self, url: str | ClientConfig = "redis://127.0.0.1:6379", **options: Any) -> None:
        options.pop("cluster_detect", None)
        super().__init__(url, **options)
        self._pool = _SyncPool(self.config)

    def _run(self, make_op: OpFactory) -> Any:
        for attempt in (0, 1):
            conn = self._pool.acquire()
            try:
                result = conn.run(make_op())
            except ops.STREAM_SAFE:
                self._pool.release(conn, healthy=True)
                raise
            except BaseException as exc:
                self._pool.release(conn, healthy=False)
                if attempt == 0 and _retryable(exc, conn.reused):
                    self._pool.drop_idle()
                    continue
                raise
            self._pool.release(conn, healthy=True)
            return result
        raise AssertionError("unreachable")

    # -- writes -------------------------------------------------------------------------------
    def put(self, key: Key, array: object, *, dtype_name: str | None = None, fmt: int = 0) -> None:
        """Store one chunk (numpy array or C-contiguous buffer); `dtype_name` e.g. "bfloat16"."""
        self._run(lambda: self._put_op([key], [array], dtype_name, fmt))

    def batch_put(self, keys: Sequence[Key], arrays: Sequence[object], *,
                  dtype_name: Each[str | None] = None, fmt: Each[int] = 0) -> None:
        """Store several chunks with pipelined SETs in one round trip (dtype_name / fmt: one for
        all, or a list with one per array)."""
        if keys:
            self._run(lambda: self._put_op(keys, arrays, dtype_name, fmt))

    def delete(self, *keys: Key) -> int:
        """Delete keys; returns how many existed."""
        if not keys:
            return 0
        return self._run(lambda: ops.simple(b"DEL", *[self._key(k) for k in keys]))

    # -- reads --------------------------------------------------------------------------------
    def get(self, key: Key) -> np.ndarray | None:
        """The stored chunk as a new array (bfloat16 as uint16, fp8 as uint8), or None."""
        found = self.get_with_header(key)
        return None if found is None else found[0]

    def get_with_header(self, key: Key) -> tuple[np.ndarray, ChunkHeader] | None:
        """The stored chunk and its decoded header (dtype name, shape, LMCache format)."""
        sinks = _NewArrays(1)
        header = self._run(lambda: self._get_op([key], sinks.reset(), batch=False))
        return None if header is None else (sinks.arrays[0], header)  # type: ignore[return-value]

    def get_into(self, key: Key, out: object) -> bool:
        """Read a chunk into `out` (exactly its size); False when the key is absent."""
        sink = _into(out)
        return self._run(lambda: self._get_op([key], [sink], batch=False)) is not None

    def batch_get(self, keys: Sequence[Key]) -> list[np.ndarray | None]:
        """One MGET; a new array per found key, None per missing key."""
        if not keys:
            return []
        sinks = _NewArrays(len(keys))
        self._run(lambda: self._get_op(keys, sinks.reset(), batch=True))
        return sinks.arrays

    def batch_get_into(self, keys: Sequence[Key], outs: Sequence[object]) -> list[bool]:
        """One MGET straight into the caller's buffers; True where the chunk was found."""
        if len(keys) != len(outs):
            raise ValueError(f"{len(keys)} keys but {len(outs)} buffers")
        if not keys:
            return []
        sinks = [_into(o) for o in outs]
        headers = self._run(lambda: self._get_op(keys, sinks, batch=True))
        return [h is not None for h in headers]

    def exists(self, key: Key) -> bool:
        return bool(self._run(lambda: ops.simple(b"EXISTS", self._key(key))))

    def prefix_hits(self, keys: Sequence[Key]) -> int:
        """Length of the leading run of present keys (pipelined EXISTS, one round trip)."""
        if not keys:
            return 0
        present = self._run(lambda: ops.exists_many([self._key(k) for k in keys]))
        return _leading_true(present)

    def get_with_sink(self, key: Key, sink: ops.Sink) -> ChunkHeader | None:
        """GET into whatever buffer `sink(header)` returns once the header is validated."""
        return self._run(lambda: self._get_op([key], [sink], batch=False))

    def batch_get_with_sinks(self, keys: Sequence[Key], sinks: Sequence[ops.Sink],
                             return_errors: bool = False) -> list[ChunkHeader | Exception | None]:
        """One MGET; each found chunk goes into the buffer its sink returns for its header.
        With `return_errors`, a key's stream-safe error is returned in its place."""
        if not keys:
            return []
        return self._run(lambda: self._get_op(keys, sinks, True, return_errors))

    def keys(self, pattern: str = "*") -> list[bytes]:
        """Wire keys matching `pattern` inside this client's namespace (SCAN, several trips)."""
        match = self._key(pattern)
        found: list[bytes] = []
        cursor: bytes = b"0"
        while True:
            cursor, batch = self._run(lambda c=cursor: _scan(c, match))
            found.extend(batch)
            if cursor == b"0":
                return found

    def ping(self) -> bool:
        return self._run(lambda: ops.simple(b"PING")) == b"PONG"

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> ChunkClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _scan(cursor: bytes, match: bytes) -> ops.Op:
    return ops.simple(b"SCAN", cursor, b"MATCH", match, b"COUNT", SCAN_COUNT)


def _leading_true(flags: Sequence[bool]) -> int:
    for i, f in enumerate(flags):
        if not f:
            return i
    return len(flags)


class _AsyncPool:
    """LIFO pool of asyncio connections (bound to the loop that made them)."""

    def __init__(self, cfg: ClientConfig) -> None:
        self.cfg = cfg
        self._idle: list[AsyncConnection] = []
        self._slots: asyncio.Semaphore | None = None
        self._closed = False

    async def acquire(self) -> AsyncConnection:
        if self._closed:
            raise ConnectionError("client is closed")
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.cfg.max_connections)
        await self._slots.acquire()
        if self._idle:
            conn = self._idle.pop()
            conn.reused = True
            return conn
        try:
            return await AsyncConnection.open(self.cfg)
        except BaseException:
            self._slots.release()
            raise

    def release(self, conn: AsyncConnection, healthy: bool) -> None:
        if healthy and not self._closed:
            self._idle.append(conn)
        else:
            conn.close()
        assert self._slots is not None
        self._slots.release()

    def drop_idle(self) -> None:
        idle, self._idle = self._idle, []
        for c in idle:
            c.close()

    def close(self) -> None:
        self._closed = True
        self.drop_idle()


class AsyncChunkClient(_Plans):
    """asyncio chunk client with the same methods as `ChunkClient`, as coroutines (a cluster
    URL makes a cluster_async.AsyncClusterChunkClient, as for ChunkClient)."""

    def __new__(cls, url: str | ClientConfig = "redis://127.0.0.1:6379", **options: Any) -> Any:
        if cls is AsyncChunkClient and _cluster_wanted(url, dict(options)):
            from .cluster_async import AsyncClusterChunkClient

            options.pop("cluster_detect", None)
            return AsyncClusterChunkClient(url, **options)
        return super().__new__(cls)

    def __init__(self, url: str | ClientConfig = "redis://127.0.0.1:6379", **options: Any) -> None:
        options.pop("cluster_detect", None)
        super().__init__(url, **options)
        self._pool = _AsyncPool(self.config)
        self._threaded = ChunkClient(self.config) if self.config.tls else None

    async def _run(self, make_op: OpFactory) -> Any:
        if self._threaded is not None:
            return await asyncio.to_thread(self._threaded._run, make_op)
        for attempt in (0, 1):
            conn = await self._pool.acquire()
            try:
                result = await conn.run(make_op())
            except ops.STREAM_SAFE:
                self._pool.release(conn, healthy=True)
                raise
            except BaseException as exc:
                self._pool.release(conn, healthy=False)
                if attempt == 0 and _retryable(exc, conn.reused):
                    self._pool.drop_idle()
                    continue
                raise
            self._pool.release(conn, healthy=True)
            return result
        raise AssertionError("unreachable")

    async def put(self, key: Key, array: object, *, dtype_name: str | None = None, fmt: int = 0) -> None:
        await self._run(lambda: self._put_op([key], [array], dtype_name, fmt))

    async def batch_put(self, keys: Sequence[Key], arrays: Sequence[object], *,
                        dtype_name: Each[str | None] = None, fmt: Each[int] = 0) -> None:
        if keys:
            await self._run(lambda: self._put_op(keys, arrays, dtype_name, fmt))

    async def delete(self, *keys: Key) -> int:
        if not keys:
            return 0
        return await self._run(lambda: ops.simple(b"DEL", *[self._key(k) for k in keys]))

    async def get(self, key: Key) -> np.ndarray | None:
        found = await self.get_with_header(key)
        return None if found is None else found[0]

    async def get_with_header(self, key: Key) -> tuple[np.ndarray, ChunkHeader] | None:
        sinks = _NewArrays(1)
        header = await self._run(lambda: self._get_op([key], sinks.reset(), batch=False))
        return None if header is None else (sinks.arrays[0], header)  # type: ignore[return-value]

    async def get_into(self, key: Key, out: object) -> bool:
        sink = _into(out)
        return await self._run(lambda: self._get_op([key], [sink], batch=False)) is not None

    async def get_with_sink(self, key: Key, sink: ops.Sink) -> ChunkHeader | None:
        """GET into whatever buffer `sink(header)` returns once the header is validated."""
        return await self._run(lambda: self._get_op([key], [sink], batch=False))

    async def batch_get_with_sinks(self, keys: Sequence[Key], sinks: Sequence[ops.Sink],
                                   return_errors: bool = False) -> list[ChunkHeader | Exception | None]:
        """One MGET; each found chunk goes into the buffer its sink returns for its header.
        With `return_errors`, a key's stream-safe error is returned in its place."""
        if not keys:
            return []
        return await self._run(lambda: self._get_op(keys, sinks, True, return_errors))

    async def batch_get(self, keys: Sequence[Key]) -> list[np.ndarray | None]:
        if not keys:
            return []
        sinks = _NewArrays(len(keys))
        await self._run(lambda: self._get_op(keys, sinks.reset(), batch=True))
        return sinks.arrays

    async def batch_get_into(self, keys: Sequence[Key], outs: Sequence[object]) -> list[bool]:
        if len(keys) != len(outs):
            raise ValueError(f"{len(keys)} keys but {len(outs)} buffers")
        if not keys:
            return []
        sinks = [_into(o) for o in outs]
        headers = await self._run(lambda: self._get_op(keys, sinks, batch=True))
        return [h is not None for h in headers]

    async def exists(self, key: Key) -> bool:
        return bool(await self._run(lambda: ops.simple(b"EXISTS", self._key(key))))

    async def prefix_hits(self, keys: Sequence[Key]) -> int:
        if not keys:
            return 0
        present = await self._run(lambda: ops.exists_many([self._key(k) for k in keys]))
        return _leading_true(present)

    async def keys(self, pattern: str = "*") -> list[bytes]:
        """Wire keys matching `pattern` inside this client's namespace (SCAN, several trips)."""
        match = self._key(pattern)
        found: list[bytes] = []
        cursor = b"0"
        while True:
            cursor, batch = await self._run(lambda c=cursor: _scan(c, match))
            found.extend(batch)
            if cursor == b"0":
                return found

    async def ping(self) -> bool:
        return await self._run(lambda: ops.simple(b"PING")) == b"PONG"

    async def close(self) -> None:
        self._pool.close()
        if self._threaded is not None:
            self._threaded.close()

    async def __aenter__(self) -> AsyncChunkClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


__all__ = ["AsyncChunkClient", "ChunkClient", "SerdeError"]
