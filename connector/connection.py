"""One socket to the server, blocking (`Connection`) or asyncio (`AsyncConnection`).

Both run `ops.Op` plans: send the op's buffers with scatter-gather `sendmsg` (partial sends advance
through the list; at most IOV_MAX buffers per call; a 32 MiB payload goes out as the caller's own
memoryview), then drive the op's reader: every memoryview it yields is filled by `recv_into`
directly, so payload bytes land in their destination without an intermediate `bytes`.

TLS sockets have no `sendmsg`; they send buffer by buffer with `sendall` (TLS copies anyway).
The asyncio flavour uses `loop.sock_recv_into` and a non-blocking `sendmsg` that waits for
writability; its idle timeout is re-armed on every transfer, like a blocking socket's timeout.
A connection whose op raised anything but a stream-safe error (ops.STREAM_SAFE) is closed.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Sequence

from .config import ClientConfig
from .ops import Op, handshake
from .resp import Buffer, ReadBuffer, Reader

IOV_MAX = 512  # buffers per sendmsg call; Linux allows 1024


def _byte_views(parts: Sequence[Buffer]) -> list[memoryview]:
    views = []
    for p in parts:
        mv = memoryview(p)
        if mv.format != "B" or mv.ndim != 1:
            mv = mv.cast("B")
        if mv.nbytes:
            views.append(mv)
    return views


def _advance(views: list[memoryview], i: int, sent: int) -> int:
    """Drop `sent` bytes from views[i:], returning the index of the first unsent view."""
    while sent:
        n = views[i].nbytes
        if sent >= n:
            sent -= n
            i += 1
        else:
            views[i] = views[i][sent:]
            sent = 0
    return i


def _ssl_context(cfg: ClientConfig) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=cfg.ssl_ca_certs)
    ctx.check_hostname = cfg.ssl_check_hostname and cfg.ssl_cert_reqs != "none"
    ctx.verify_mode = {"none": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL,
                       "required": ssl.CERT_REQUIRED}[cfg.ssl_cert_reqs]
    if cfg.ssl_certfile:
        ctx.load_cert_chain(cfg.ssl_certfile, cfg.ssl_keyfile)
    return ctx


def open_socket(cfg: ClientConfig) -> socket.socket:
    """A connected blocking socket (TCP_NODELAY, TLS-wrapped for rediss://)."""
    if cfg.unix_path:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(cfg.connect_timeout)
        try:
            sock.connect(cfg.unix_path)
        except BaseException:
            sock.close()
            raise
    else:
        sock = socket.create_connection((cfg.host, cfg.port), timeout=cfg.connect_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if cfg.tls:
        sock = _ssl_context(cfg).wrap_socket(sock, server_hostname=cfg.host)
    sock.settimeout(cfg.socket_timeout)
    return sock


def _hello(cfg: ClientConfig) -> Op | None:
    return handshake(cfg.protocol, cfg.username, cfg.password, cfg.db, cfg.client_name)


class Connection:
    """A blocking connection; `run(op)` is one round trip."""

    def __init__(self, cfg: ClientConfig) -> None:
        self.sock = open_socket(cfg)
        self.rb = ReadBuffer()
        self.reused = False  # set by the pool when handed out a second time
        self._scatter = not isinstance(self.sock, ssl.SSLSocket)
        hello = _hello(cfg)
        if hello is not None:
            try:
                self.run(hello)
            except BaseException:
                self.close()
                raise

    def run(self, op: Op) -> object:
        self.send(op.send)
        return self.drive(op.read(self.rb))

    def send(self, parts: Sequence[Buffer]) -> None:
        views = _byte_views(parts)
        if not self._scatter:
            for v in views:
                self.sock.sendall(v)
            return
        i = 0
        while i < len(views):
            i = _advance(views, i, self.sock.sendmsg(views[i : i + IOV_MAX]))

    def drive(self, reader: Reader) -> object:
        recv_into = self.sock.recv_into
        try:
            mv = next(reader)
            while True:
                mv = reader.send(recv_into(mv))
        except StopIteration as stop:
            return stop.value

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class AsyncConnection:
    """An asyncio connection on a non-blocking socket (TCP or unix; no TLS)."""

    def __init__(self, cfg: ClientConfig, sock: socket.socket) -> None:
        self.cfg = cfg
        self.sock = sock
        self.rb = ReadBuffer()
        self.reused = False
        self.loop = asyncio.get_running_loop()

    @classmethod
    async def open(cls, cfg: ClientConfig) -> AsyncConnection:
        if cfg.tls:
            raise ValueError("AsyncConnection has no TLS; AsyncChunkClient uses threads for rediss://")
        loop = asyncio.get_running_loop()
        if cfg.unix_path:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            addr: object = cfg.unix_path
        else:
            info = await loop.getaddrinfo(cfg.host, cfg.port, type=socket.SOCK_STREAM)
            family, _, _, _, addr = info[0]
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        try:
            async with asyncio.timeout(cfg.connect_timeout):
                await loop.sock_connect(sock, addr)
            conn = cls(cfg, sock)
            hello = _hello(cfg)
            if hello is not None:
                await conn.run(hello)
        except BaseException:
            sock.close()
            raise
        return conn

    async def run(self, op: Op) -> object:
        timeout = self.cfg.socket_timeout
        async with asyncio.timeout(timeout) as cm:
            await self.send(op.send, cm, timeout)
            return await self.drive(op.read(self.rb), cm, timeout)

    def _rearm(self, cm: asyncio.Timeout, timeout: float | None) -> None:
        if timeout is not None:
            cm.reschedule(self.loop.time() + timeout)

    async def send(self, parts: Sequence[Buffer], cm: asyncio.Timeout, timeout: float | None) -> None:
        views = _byte_views(parts)
        i = 0
        while i < len(views):
            try:
                sent = self.sock.sendmsg(views[i : i + IOV_MAX])
            except (BlockingIOError, InterruptedError):
                await self._writable()
                continue
            i = _advance(views, i, sent)
            self._rearm(cm, timeout)

    async def _writable(self) -> None:
        fut = self.loop.create_future()
        fd = self.sock.fileno()

        def ready() -> None:
            if not fut.done():
                fut.set_result(None)

        self.loop.add_writer(fd, ready)
        try:
            await fut
        finally:
            self.loop.remove_writer(fd)

    async def drive(self, reader: Reader, cm: asyncio.Timeout, timeout: float | None) -> object:
        recv_into = self.loop.sock_recv_into
        sock = self.sock
        try:
            mv = next(reader)
            while True:
                got = await recv_into(sock, mv)
                self._rearm(cm, timeout)
                mv = reader.send(got)
        except StopIteration as stop:
            return stop.value

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
