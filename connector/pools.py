"""Connection pools of the standalone clients, and the one reconnect rule both apply.

Pool: idle connections are reused last-in first-out; at most `max_connections` exist at once
(callers wait for a free slot). The bookkeeping (idle list, closed flag, what a failure does to the
connection) is `_Idle`, shared; `SyncPool` and `AsyncPool` differ only in how they wait for a slot
and open a connection.

Reconnect (`settle`): a stream-safe error (bad chunk header, wrong-size destination, error reply)
leaves the connection in the pool; anything else closes it. A connection error on a connection that
had served before (server restarted, idle socket dropped) drops every idle connection and asks for
one retry on a fresh connection; timeouts, protocol and handshake errors are never retried.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Protocol

from . import ops
from .config import ClientConfig
from .connection import AsyncConnection, Connection
from .resp import ProtocolError

ATTEMPTS = (0, 1)  # first try + one retry on a fresh connection


class _Conn(Protocol):
    reused: bool

    def close(self) -> None: ...


def retryable(exc: BaseException, conn_reused: bool) -> bool:
    """A failure worth one retry: a connection error on a connection that had served before."""
    return (
        conn_reused
        and isinstance(exc, ConnectionError | OSError)
        and not isinstance(exc, TimeoutError | ProtocolError | ops.HandshakeError)
    )


class _Idle:
    """Idle connections (LIFO) and the closed flag; thread-safe."""

    def __init__(self, cfg: ClientConfig) -> None:
        self.cfg = cfg
        self._idle: list = []
        self._lock = threading.Lock()
        self._closed = False
        self._slots: threading.BoundedSemaphore | asyncio.Semaphore | None = None

    def _check_open(self) -> None:
        if self._closed:
            raise ConnectionError("client is closed")

    def _pop_idle(self) -> _Conn | None:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is not None:
            conn.reused = True
        return conn

    def _check_in(self, conn: _Conn, healthy: bool) -> None:
        with self._lock:
            if healthy and not self._closed:
                self._idle.append(conn)
                return
        conn.close()

    def release(self, conn: _Conn, healthy: bool) -> None:
        """Give back a connection taken by `acquire`: kept idle when healthy, else closed."""
        self._check_in(conn, healthy)
        assert self._slots is not None
        self._slots.release()

    def settle(self, conn: _Conn, exc: BaseException, attempt: int) -> bool:
        """Release `conn` after `exc` was raised on it; True when the call should be retried."""
        if isinstance(exc, ops.STREAM_SAFE):
            self.release(conn, healthy=True)
            return False
        self.release(conn, healthy=False)
        if attempt == ATTEMPTS[0] and retryable(exc, conn.reused):
            self.drop_idle()
            return True
        return False

    def drop_idle(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for c in idle:
            c.close()

    def close(self) -> None:
        self._closed = True
        self.drop_idle()


class SyncPool(_Idle):
    """Blocking connections; callers over the limit block on a semaphore."""

    def __init__(self, cfg: ClientConfig) -> None:
        super().__init__(cfg)
        self._slots = threading.BoundedSemaphore(cfg.max_connections)

    def acquire(self) -> Connection:
        self._check_open()
        self._slots.acquire()
        conn = self._pop_idle()
        if conn is not None:
            return conn  # type: ignore[return-value]
        try:
            return Connection(self.cfg)
        except BaseException:
            self._slots.release()
            raise


class AsyncPool(_Idle):
    """asyncio connections (bound to the loop that made them); the semaphore is made on first use,
    inside that loop."""

    async def acquire(self) -> AsyncConnection:
        self._check_open()
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.cfg.max_connections)
        await self._slots.acquire()  # type: ignore[misc]
        conn = self._pop_idle()
        if conn is not None:
            return conn  # type: ignore[return-value]
        try:
            return await AsyncConnection.open(self.cfg)
        except BaseException:
            self._slots.release()
            raise
