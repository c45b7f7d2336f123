"""A minimal blocking RESP2 client over one socket, built so that the server is what is measured.

Big values never pass through Python objects:
- `set_from(key, view)` sends `[header, view, CRLF]` with `socket.sendmsg` (scatter-gather, no join);
- `get_into(key, buf)` reads the `$N` header, then `recv_into` straight into a caller-owned,
  preallocated (and pre-touched) buffer; only the bytes that arrived together with the header are
  copied (at most one small read).
Small commands go through `pipeline()`: one `sendall` of all encoded commands, then the replies are
parsed by hiredis's C Reader. The connection speaks RESP2 (it never sends HELLO), so servers reply
with RESP2 types only. Not thread-safe: one client per thread.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Sequence

import hiredis

CRLF = b"\r\n"
HEADER_READ = 64 * 1024          # bytes per recv while looking for a reply header
SOCK_BUF = 4 * 1024 * 1024       # SO_SNDBUF/SO_RCVBUF hint for big values
MAX_SEND_PARTS = 1024            # bound on sendmsg retries for one command (partial sends)


class RespError(Exception):
    """An error reply (-ERR ...) from the server."""


def encode(*args: bytes | bytearray | memoryview | str | int) -> bytes:
    """One command as a RESP2 multibulk: the one request encoder of the tools and the tests."""
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        b = bytes(a) if isinstance(a, (bytes, bytearray, memoryview)) else str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(parts)


class RawClient:
    """One blocking connection; see the module docstring."""

    def __init__(self, host: str, port: int, timeout: float = 60.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for opt in (socket.SO_SNDBUF, socket.SO_RCVBUF):
            self.sock.setsockopt(socket.SOL_SOCKET, opt, SOCK_BUF)
        self._hdr = bytearray(HEADER_READ)
        self._left = memoryview(b"")      # bytes read past the last parsed header
        self._reader = hiredis.Reader(replyError=RespError)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- small commands ---------------------------------------------------------------------

    def call(self, *args: bytes | str | int) -> object:
        """Send one command, return its reply (raises RespError on an error reply)."""
        reply = self.pipeline([args])[0]
        if isinstance(reply, RespError):
            raise reply
        return reply

    def pipeline(self, commands: Iterable[Sequence[bytes | str | int]]) -> list[object]:
        """Send all commands in one write, return their replies (errors returned, not raised)."""
        cmds = list(commands)
        self.sock.sendall(b"".join(encode(*c) for c in cmds))
        return self.read_replies(len(cmds))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_replies(self, n: int) -> list[object]:
        """Read exactly n replies (small ones: they are parsed by hiredis)."""
        assert not self._left, "read_replies after a partial get_into"
        out: list[object] = []
        while len(out) < n:
            reply = self._reader.gets()
            if reply is False:
                nbytes = self.sock.recv_into(self._hdr)
                if nbytes == 0:
                    raise ConnectionError("server closed the connection")
                self._reader.feed(self._hdr, 0, nbytes)
                continue
            out.append(reply)
        return out

    # --- big values -------------------------------------------------------------------------

    def set_from(self, key: bytes, value: memoryview) -> None:
        """SET key value, sending the value from the caller's buffer without copying it."""
        head = b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n" % (len(key), key, value.nbytes)
        self._sendmsg_all([memoryview(head), value.cast("B"), memoryview(CRLF)])
        reply = self.read_replies(1)[0]
        if reply != b"OK":
            raise RespError(f"SET failed: {reply!r}")

    def _sendmsg_all(self, parts: list[memoryview]) -> None:
        for _ in range(MAX_SEND_PARTS * 64):
            sent = self.sock.sendmsg(parts)
            while parts and sent >= parts[0].nbytes:
                sent -= parts[0].nbytes
                parts.pop(0)
            if not parts:
                return
            parts[0] = parts[0][sent:]
        raise RuntimeError("sendmsg made no progress")

    def get_into(self, key: bytes, buf: memoryview) -> int:
        """GET key into `buf`; returns the value length, or -1 for a missing key.

        `buf` must hold the value; a larger reply raises ValueError (the connection is then
        unusable and should be closed).
        """
        self.sock.sendall(b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(key), key))
        return self.read_bulk_into(buf)

    def read_bulk_into(self, buf: memoryview) -> int:
        """Read one bulk-string reply into buf (see get_into)."""
        line = self._read_line()
        if line[:1] != b"$":
            raise RespError(line.decode(errors="replace"))
        n = int(line[1:])
        if n < 0:
            return -1
        if n > buf.nbytes:
            raise ValueError(f"reply of {n} bytes does not fit a {buf.nbytes}-byte buffer")
        self._read_exact_into(buf[:n])
        crlf = bytearray(2)
        self._read_exact_into(memoryview(crlf))
        return n

    def _read_line(self) -> bytes:
        data = bytes(self._left)
        for _ in range(1024):
            pos = data.find(CRLF)
            if pos >= 0:
                self._left = memoryview(data)[pos + 2:]
                return data[:pos]
            nbytes = self.sock.recv_into(self._hdr)
            if nbytes == 0:
                raise ConnectionError("server closed the connection")
            data += self._hdr[:nbytes]
        raise RespError("reply header too long")

    def _read_exact_into(self, dest: memoryview) -> None:
        take = min(len(self._left), dest.nbytes)
        if take:
            dest[:take] = self._left[:take]
            self._left = self._left[take:]
        pos, end = take, dest.nbytes
        while pos < end:
            nbytes = self.sock.recv_into(dest[pos:])
            if nbytes == 0:
                raise ConnectionError("server closed the connection")
            pos += nbytes
