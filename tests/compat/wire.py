"""Literal RESP for the differential suite: encode requests, cut one raw reply, parse it to values.

The runner compares the raw bytes of each reply, so the reader never re-encodes anything: it
buffers what the socket gives, finds where exactly one complete reply (RESP2 or RESP3, nested to
any depth) ends, and returns that slice. `parse` turns the same bytes into tagged tuples
`(kind, payload)` for the looser comparisons (shape, tolerance, order-insensitive).
"""

from __future__ import annotations

import socket
from typing import Any

from scripts import rawclient

CRLF = b"\r\n"
EOF_REPLY = b"<connection closed>"
"""Stand-in reply when the server closed the connection instead of answering."""
TIMEOUT_REPLY = b"<no reply within the timeout>"
"""Stand-in reply when the server kept silent; the connection is then dropped."""

_AGGREGATES = {ord("*"): "array", ord("~"): "set", ord(">"): "push"}
_LINES = {ord("+"): "simple", ord("-"): "error", ord(":"): "int", ord(","): "double",
          ord("("): "bignum", ord("#"): "bool"}
_BLOBS = {ord("$"): "bulk", ord("!"): "bloberror", ord("="): "verbatim"}

Value = tuple[str, Any]


class Incomplete(Exception):
    """The buffer holds only part of a reply."""


def encode(args: list[bytes]) -> bytes:
    """One request as a RESP array of bulk strings (scripts/rawclient.py's encoder)."""
    return rawclient.encode(*args)


def _line(buf: bytes, pos: int) -> tuple[bytes, int]:
    end = buf.find(CRLF, pos)
    if end < 0:
        raise Incomplete
    return buf[pos:end], end + 2


def parse_at(buf: bytes, pos: int = 0) -> tuple[Value, int]:
    """Parse one reply starting at `pos`; returns (value, position after it)."""
    if pos >= len(buf):
        raise Incomplete
    t = buf[pos]
    head, nxt = _line(buf, pos + 1)
    if t in _LINES:
        kind = _LINES[t]
        return (kind, int(head) if kind == "int" else head), nxt
    if t == ord("_"):
        return ("null", None), nxt
    n = int(head)
    if t in _BLOBS:
        if n < 0:
            return ("nullbulk", None), nxt
        if len(buf) < nxt + n + 2:
            raise Incomplete
        return (_BLOBS[t], buf[nxt:nxt + n]), nxt + n + 2
    if t in _AGGREGATES or t in (ord("%"), ord("|")):
        if n < 0:
            return ("nullarray", None), nxt
        count = n * 2 if t in (ord("%"), ord("|")) else n
        items = []
        for _ in range(count):
            v, nxt = parse_at(buf, nxt)
            items.append(v)
        if t in (ord("%"), ord("|")):
            pairs = list(zip(items[0::2], items[1::2], strict=True))
            return ("map" if t == ord("%") else "attribute", pairs), nxt
        return (_AGGREGATES[t], items), nxt
    raise ValueError(f"unknown RESP type byte {bytes([t])!r} in {buf[pos:pos + 40]!r}")


def parse(raw: bytes) -> Value:
    """Parse exactly one complete reply."""
    if raw in (EOF_REPLY, TIMEOUT_REPLY):
        return ("no reply", raw)
    value, end = parse_at(raw)
    if end != len(raw):
        raise ValueError(f"trailing bytes after reply: {raw[end:end + 40]!r}")
    return value


class RawConn:
    """A blocking socket that sends literal RESP and returns each reply's raw bytes."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 3.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        self.closed = False

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_reply(self) -> bytes:
        """Raw bytes of the next complete reply, or EOF_REPLY if the server closed."""
        while True:
            if self.buf:
                try:
                    _, end = parse_at(self.buf)
                except Incomplete:
                    pass
                else:
                    raw, self.buf = self.buf[:end], self.buf[end:]
                    return raw
            try:
                chunk = self.sock.recv(1 << 20)
            except ConnectionResetError:
                chunk = b""
            except TimeoutError:
                self.closed = True
                self.close()
                return self.buf + TIMEOUT_REPLY
            if not chunk:
                self.closed = True
                if self.buf:
                    raw, self.buf = self.buf, b""
                    return raw + b" " + EOF_REPLY
                return EOF_REPLY
            self.buf += chunk

    def call(self, args: list[bytes]) -> bytes:
        self.send(encode(args))
        return self.read_reply()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
