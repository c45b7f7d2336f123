"""Minimal sans-IO RESP2/RESP3 client codec with read-into-destination for big bulk strings.

Encoding: `encode_command(args)` returns a list of buffers for scatter-gather sending. Small
arguments are framed together into one `bytes`; an argument of `BIG_ARG` bytes or more (or a `Parts`
argument made of several buffers, e.g. a chunk header plus the array's memory) is emitted as its
own memoryview(s), so a 32 MiB value is never copied or joined on the way out.

Decoding: readers are generators that never touch a socket. A reader *yields* a writable
memoryview and is *sent back* how many bytes the I/O driver wrote into it (0 = EOF); when done it
returns its result through StopIteration. The drivers (client.py) are three lines for a blocking
socket (`sock.recv_into`) and for asyncio (`loop.sock_recv_into`); tests drive the same readers
from byte strings split at every position.

Invariant of `ReadBuffer`: bytes `buf[start:end]` have been received and not consumed. Lines and
small values are parsed from there. `read_exact_into(rb, dst)` first drains what is buffered, then
yields `dst` itself so the kernel writes the rest of a payload straight into its final memory.
Error replies are returned as `ReplyError` values (not raised) so a pipeline can read on.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Sequence
from typing import Any

BIG_ARG = 16 * 1024  # bytes; arguments this large are sent as their own buffer (no copy)
READ_BUFFER = 64 * 1024  # bytes; initial read buffer (grows only for longer lines)
CRLF = b"\r\n"

Buffer = bytes | bytearray | memoryview
Reader = Generator[memoryview, int, Any]


class ProtocolError(ConnectionError):
    """The byte stream is not valid RESP; the connection must be dropped."""


class ReplyError(Exception):
    """An error reply from the server (`-ERR ...`)."""


class Parts(tuple):
    """One bulk argument made of several buffers sent back to back (header + payload)."""

    __slots__ = ()

    @property
    def nbytes(self) -> int:
        return sum(memoryview(p).nbytes for p in self)


def _int(text: bytes) -> int:
    try:
        return int(text)
    except ValueError:
        raise ProtocolError(f"bad length or integer {text[:40]!r}") from None


def _arg_bytes(arg: object) -> Buffer:
    if isinstance(arg, bytes | bytearray | memoryview):
        return arg
    if isinstance(arg, str):
        return arg.encode()
    if isinstance(arg, int | float):
        return str(arg).encode()
    raise TypeError(f"cannot send argument of type {type(arg).__name__}")


def encode_command(args: Sequence[object]) -> list[Buffer]:
    """RESP multibulk framing of `args` as a list of buffers (small ones coalesced)."""
    out: list[Buffer] = []
    small = bytearray(b"*%d\r\n" % len(args))
    for arg in args:
        if isinstance(arg, Parts):
            small += b"$%d\r\n" % arg.nbytes
            out.append(bytes(small))
            out.extend(p if isinstance(p, bytes) else memoryview(p) for p in arg)
            small = bytearray(CRLF)
            continue
        data = _arg_bytes(arg)
        n = memoryview(data).nbytes
        small += b"$%d\r\n" % n
        if n >= BIG_ARG:
            out.append(bytes(small))
            out.append(memoryview(data))
            small = bytearray(CRLF)
        else:
            small += data
            small += CRLF
    out.append(bytes(small))
    return out


def encode_pipeline(commands: Iterable[Sequence[object]]) -> list[Buffer]:
    """All commands' buffers in order, for one send."""
    out: list[Buffer] = []
    for cmd in commands:
        parts = encode_command(cmd)
        if out and isinstance(out[-1], bytes) and isinstance(parts[0], bytes):
            out[-1] += parts[0]  # join small frames of neighbouring commands
            out.extend(parts[1:])
        else:
            out.extend(parts)
    return out


class ReadBuffer:
    """Received-but-unconsumed bytes of one connection (see module invariant)."""

    __slots__ = ("buf", "view", "start", "end")

    def __init__(self, size: int = READ_BUFFER) -> None:
        self.buf = bytearray(size)
        self.view = memoryview(self.buf)
        self.start = 0
        self.end = 0

    @property
    def available(self) -> int:
        return self.end - self.start

    def free_space(self) -> memoryview:
        """Room after `end`, compacting (or growing, when full) first."""
        if self.start == self.end:
            self.start = self.end = 0
        elif self.end == len(self.buf):
            if self.start == 0:
                self._grow()
            else:
                n = self.available
                self.view[:n] = self.view[self.start : self.end]
                self.start, self.end = 0, n
        return self.view[self.end :]

    def _grow(self) -> None:
        bigger = bytearray(len(self.buf) * 2)
        bigger[: self.end] = self.view[: self.end]
        self.view.release()
        self.buf, self.view = bigger, memoryview(bigger)

    def take(self, n: int) -> bytes:
        data = bytes(self.view[self.start : self.start + n])
        self.start += n
        return data


def fill(rb: ReadBuffer) -> Reader:
    """Receive more bytes into the read buffer."""
    got = yield rb.free_space()
    if not got:
        raise ConnectionError("server closed the connection")
    rb.end += got


def read_line(rb: ReadBuffer) -> Reader:
    """One CRLF-terminated line, without the CRLF."""
    scan = rb.start
    while True:
        i = rb.buf.find(CRLF, scan, rb.end)
        if i >= 0:
            line = bytes(rb.view[rb.start : i])
            rb.start = i + 2
            return line
        scan = max(rb.start, rb.end - 1)
        offset = rb.start
        yield from fill(rb)
        scan += rb.start - offset  # compaction may have moved the data


def read_exact(rb: ReadBuffer, n: int) -> Reader:
    """Exactly `n` bytes as `bytes` (small values only)."""
    while rb.available < n:
        yield from fill(rb)
    return rb.take(n)


def read_exact_into(rb: ReadBuffer, dst: memoryview) -> Reader:
    """Fill `dst` completely: buffered bytes first, then the socket writes into `dst` itself."""
    n = dst.nbytes
    done = min(n, rb.available)
    if done:
        dst[:done] = rb.view[rb.start : rb.start + done]
        rb.start += done
    while done < n:
        got = yield dst[done:]
        if not got:
            raise ConnectionError("server closed the connection in the middle of a value")
        done += got
    return n


def skip(rb: ReadBuffer, n: int) -> Reader:
    """Consume and discard `n` bytes (a value we refuse to use)."""
    while n:
        if not rb.available:
            yield from fill(rb)
        k = min(n, rb.available)
        rb.start += k
        n -= k


def expect_crlf(rb: ReadBuffer) -> Reader:
    tail = yield from read_exact(rb, 2)
    if tail != CRLF:
        raise ProtocolError(f"expected CRLF after a bulk string, got {tail!r}")


def read_reply(rb: ReadBuffer) -> Reader:
    """One complete reply as Python values: bytes (bulk and simple strings), int, None, list,
    dict (RESP3 map), set, bool, float; errors as `ReplyError` instances."""
    line = yield from read_line(rb)
    if not line:
        raise ProtocolError("empty reply line")
    kind, rest = line[:1], line[1:]
    if kind in (b"$", b"="):
        n = _int(rest)
        if n < 0:
            return None
        data = yield from read_exact(rb, n + 2)
        return data[:-2] if kind == b"$" else data[4:-2]  # verbatim drops "txt:"
    if kind in (b"*", b">", b"~", b"%"):
        return (yield from _read_aggregate(rb, kind, _int(rest)))
    return _scalar(kind, rest)


def _read_aggregate(rb: ReadBuffer, kind: bytes, n: int) -> Reader:
    if n < 0:
        return None
    if kind == b"%":
        out = {}
        for _ in range(n):
            k = yield from read_reply(rb)
            out[k] = yield from read_reply(rb)
        return out
    items = []
    for _ in range(n):
        items.append((yield from read_reply(rb)))
    return set(items) if kind == b"~" else items


def _scalar(kind: bytes, rest: bytes) -> object:
    if kind == b"+":
        return rest
    if kind == b"-":
        return ReplyError(rest.decode(errors="replace"))
    if kind == b":":
        return _int(rest)
    if kind == b"_":
        return None
    if kind == b"#":
        return rest == b"t"
    if kind == b",":
        return float(rest)
    if kind == b"(":
        return _int(rest)
    raise ProtocolError(f"unknown RESP type byte {kind!r}")


def read_bulk_length(rb: ReadBuffer) -> Reader:
    """The header of a reply expected to be a bulk string: its length, -1 for a null, or a
    `ReplyError`. Any other reply type is a protocol error for the caller."""
    line = yield from read_line(rb)
    kind = line[:1]
    if kind == b"$":
        return _int(line[1:])
    if kind == b"_":
        return -1
    if kind == b"-":
        return ReplyError(line[1:].decode(errors="replace"))
    raise ProtocolError(f"expected a bulk string reply, got {line[:40]!r}")


def read_array_length(rb: ReadBuffer) -> Reader:
    """The header of an array reply (MGET): its length, or a `ReplyError`."""
    line = yield from read_line(rb)
    kind = line[:1]
    if kind == b"*":
        return _int(line[1:])
    if kind == b"-":
        return ReplyError(line[1:].decode(errors="replace"))
    raise ProtocolError(f"expected an array reply, got {line[:40]!r}")


def feed(reader: Reader, data: bytes, split: Iterable[int] = ()) -> Any:
    """Drive a reader from `data` (test helper): delivers it in pieces cut at `split` offsets."""
    cuts = sorted(set(split)) + [len(data)]
    pos = 0
    pieces = []
    for c in cuts:
        pieces.append(data[pos:c])
        pos = c
    pieces = [p for p in pieces if p]
    try:
        mv = next(reader)
        while True:
            if not pieces:
                reader.send(0)
            piece = pieces[0]
            k = min(len(piece), mv.nbytes)
            mv[:k] = piece[:k]
            pieces[0] = piece[k:]
            if not pieces[0]:
                pieces.pop(0)
            mv = reader.send(k)
    except StopIteration as stop:
        return stop.value
