"""Sans-IO incremental request parser: RESP multibulk and inline commands, with a big-argument path.

The parser reads from a caller-owned bytearray between `pos` and `end` and returns one command
(a list of arguments) at a time, or None when more bytes are needed. `parse_batch` is the fast
path for pipelines of small requests: hiredis's C reader parses the whole buffer when it holds
only complete requests of bulk strings (checked: no partial tail, no other RESP types), else a
tight pure-Python loop over one bytes copy; anything unusual is left to the general path. Its state (the arguments
parsed so far, how many are left, the length of the pending bulk) survives between calls, so a
request split at any byte boundary parses the same as one delivered whole.

Big-argument path (Redis's PROTO_MBULK_BIG_ARG): when a bulk header announces `BIG_ARG` bytes or
more, the parser asks `sink_factory(argv_so_far, length)` for a sink - an object with a writable
`views()` list summing to exactly `length` bytes (a store Reservation, or a plain ByteSink). Bytes
already buffered are copied into the sink; the rest of the value is received by the connection
straight into `sink_view()` (BufferedProtocol.get_buffer), then `sink_advance(n)`. When the sink is
full the parser expects the trailing CRLF and the completed sink becomes the argument (a store
Reservation as is; a ByteSink as its bytearray).

Invariants: `pos` only moves forward over fully consumed bytes; a sink is either owned by the
parser (in flight, `self.sink`), placed in `argv`, or released via `discard()`. Errors raise
ProtocolError with Redis's message; the connection replies it and closes that client only
(QueryBufferLimit, past client-query-buffer-limit: closed without a reply, as Redis does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from resp_server.resp.batch import FAST_BATCH_MAX, HiredisBatch, parse_batch_py
from resp_server.resp.inline import split_inline
from resp_server.resp.numbers import parse_ll
from resp_server.resp.sinks import BIG_ARG, ByteSink, DiscardSink

__all__ = ["BIG_ARG", "ByteSink", "DiscardSink", "FixedLimits", "Limits", "ProtocolError",
           "QueryBufferLimit", "RequestParser", "split_inline"]

INLINE_MAX = 64 * 1024            # longest inline request / header line (Redis PROTO_INLINE_MAX_SIZE)
MULTIBULK_MAX = 1024 * 1024       # most arguments in one request (Redis caps at INT_MAX; be sane)
INT_MAX = 2**31 - 1               # Redis's bound on a multibulk count ("invalid multibulk length")
UNAUTH_MULTIBULK_MAX = 10         # unauthenticated clients may not send more arguments than this
UNAUTH_BULK_MAX = 16 * 1024       # ... nor longer bulk strings than this


class ProtocolError(Exception):
    """A malformed request; the message is the Redis error text (without the leading '-')."""


class QueryBufferLimit(ProtocolError):
    """client-query-buffer-limit passed: like Redis, the connection closes without a reply."""


SinkFactory = Callable[[list, int], object]   # returns a sink, or None: "no memory yet, retry"


class Limits(Protocol):
    """The request limits a parser enforces (the server's live settings: ServerState)."""

    proto_max_bulk_len: int            # longest bulk argument
    client_query_buffer_limit: int     # bound on a request's bytes held outside slab memory


@dataclass
class FixedLimits:
    """Limits that do not change (parser tests, fuzzers); Redis's defaults."""

    proto_max_bulk_len: int = 512 * 1024 * 1024
    client_query_buffer_limit: int = 1024 * 1024 * 1024


def _no_sink(argv: list, n: int) -> object:
    return DiscardSink(n)


def _no_release(sink: object) -> None:
    return None


class RequestParser:
    __slots__ = ("argv", "remaining", "bulk_len", "sink", "sink_views", "sink_index",
                 "sink_offset", "sink_left", "sink_crlf", "sink_factory", "release",
                 "limits", "authenticated", "held", "blocked", "batch")

    def __init__(self, sink_factory: SinkFactory | None = None,
                 release: Callable[[object], None] | None = None,
                 limits: Limits | None = None) -> None:
        self.argv: list = []           # arguments of the request being parsed
        self.remaining = 0             # arguments still expected (0: at a request boundary)
        self.bulk_len = -1             # length of the bulk whose header was read, else -1
        self.sink: object | None = None  # big argument in flight
        self.sink_views: list[memoryview] = []
        self.sink_index = 0            # view being filled
        self.sink_offset = 0           # offset inside that view
        self.sink_left = 0             # bytes of the big argument still to receive
        self.sink_crlf = False         # big argument complete, its CRLF still expected
        self.sink_factory = sink_factory or (lambda argv, n: ByteSink(n))
        self.release = release or (lambda sink: None)
        self.limits = limits or FixedLimits()   # read at every check: CONFIG SET applies at once
        self.authenticated = True
        self.held = 0                  # bytes of this request's arguments held outside slab memory
        self.blocked = False           # a big argument waits for memory (sink_factory gave None)
        self.batch: HiredisBatch | None = None   # the C batch parser (made at first use)

    # --- the big-argument path, driven by the connection ---------------------------------
    def sink_view(self) -> memoryview:
        """Writable region of the sink where the next received bytes go."""
        v = self.sink_views[self.sink_index]
        return v[self.sink_offset:]

    def sink_advance(self, n: int) -> None:
        self.sink_left -= n
        self.sink_offset += n
        while self.sink_index < len(self.sink_views) and \
                self.sink_offset >= len(self.sink_views[self.sink_index]):
            self.sink_offset -= len(self.sink_views[self.sink_index])
            self.sink_index += 1
        if self.sink_left == 0:
            self.sink_crlf = True

    def sink_received(self) -> int:
        """Bytes of the big argument in flight received so far (0 when there is none)."""
        if self.sink is None:
            return 0
        return sum(len(v) for v in self.sink_views) - self.sink_left

    def _sink_fill(self, data: memoryview) -> None:
        """Copy bytes already buffered into the sink (at most sink_left bytes)."""
        done = 0
        while done < len(data):
            v = self.sink_view()
            n = min(len(v), len(data) - done)
            v[:n] = data[done:done + n]
            done += n
            self.sink_advance(n)

    def close(self) -> None:
        """The connection is gone: discard what is half-parsed and drop the callbacks into it, so
        that connection and parser hold no reference cycle (freed by refcount, not by the
        cycle collector)."""
        self.discard()
        self.sink_factory = _no_sink
        self.release = _no_release
        self.batch = None

    def discard(self) -> None:
        """Drop a half-parsed request (connection closed or protocol error): release its sinks."""
        for a in self.argv:
            if not isinstance(a, bytes | bytearray):
                self.release(a)
        self.blocked = False
        if self.sink is not None:
            self.release(self.sink)
        self.sink = None
        self.sink_views = []
        self.sink_left = 0
        self.sink_crlf = False
        self.argv = []
        self.remaining = 0
        self.bulk_len = -1
        self.held = 0

    # --- parsing ------------------------------------------------------------------------------
    def parse_batch(self, buf: bytearray, pos: int, end: int, out: list) -> int:
        """Fast path: append every complete request of a buffered pipeline (at most
        FAST_BATCH_MAX bytes, so a bulk in it is at most that big: it was received with its
        header and is copied once, like Redis's query buffer) to `out`; return the position of
        the first byte not consumed. Stops (leaving the rest to `parse`) at anything unusual: an
        inline command, a malformed request, or an incomplete one (batch.py)."""
        if self.remaining or self.sink_crlf or not 0 < end - pos <= FAST_BATCH_MAX \
                or not self.authenticated or buf[pos] != 42:
            return pos
        if self.batch is None:
            self.batch = HiredisBatch()
        got = self.batch.parse(buf, pos, end)
        if got is not None:
            out.extend(got)
            return end
        return parse_batch_py(buf, pos, end, out)

    def parse(self, buf: bytearray, pos: int, end: int) -> tuple[list | None, int]:
        """Parse one command from buf[pos:end]. Returns (argv or None, new pos)."""
        while self.remaining == 0 and not self.sink_crlf:
            if pos >= end:
                return None, pos
            if buf[pos] != 42:  # '*'
                argv, new = self._inline(buf, pos, end)
                if argv or new == pos:
                    return argv, new
                pos = new  # empty line: skip it
                continue
            pos = self._multibulk_header(buf, pos, end)
            if pos < 0:
                return None, -pos - 1
        return self._bulks(buf, pos, end)

    def _multibulk_header(self, buf: bytearray, pos: int, end: int) -> int:
        """Read `*N\r\n`; returns the position after it, or -(pos+1) when incomplete."""
        nl = buf.find(b"\r\n", pos, end)
        if nl < 0:
            if end - pos > INLINE_MAX:
                raise ProtocolError("ERR Protocol error: too big mbulk count string")
            return -pos - 1
        n = parse_ll(buf[pos + 1:nl])
        if n is None:
            raise ProtocolError("ERR Protocol error: invalid multibulk length")
        if n > INT_MAX:
            raise ProtocolError("ERR Protocol error: invalid multibulk length")
        if n > UNAUTH_MULTIBULK_MAX and not self.authenticated:
            raise ProtocolError("ERR Protocol error: unauthenticated multibulk length")
        if n > MULTIBULK_MAX:
            raise ProtocolError("ERR Protocol error: invalid multibulk length")
        if n > 0:
            self.remaining = n
            self.argv = []
        return nl + 2  # n <= 0: Redis ignores empty multibulks

    def _bulks(self, buf: bytearray, pos: int, end: int) -> tuple[list | None, int]:
        argv = self.argv
        while self.remaining:
            if self.sink_crlf:
                if end - pos < 2:
                    return None, pos
                pos += 2  # like Redis, the 2 bytes after a bulk are skipped, not checked
                sink = self.sink
                argv.append(sink.value() if isinstance(sink, ByteSink) else sink)
                self.sink = None
                self.sink_views = []
                self.sink_crlf = False
                self.remaining -= 1
                continue
            if self.sink_left:
                return None, pos  # the connection feeds the sink directly
            n = self.bulk_len
            if n < 0:
                if pos >= end:
                    return None, pos
                if buf[pos] != 36:  # '$'
                    got = chr(buf[pos])
                    raise ProtocolError(f"ERR Protocol error: expected '$', got '{got}'")
                nl = buf.find(b"\r\n", pos, end)
                if nl < 0:
                    if end - pos > INLINE_MAX:
                        raise ProtocolError("ERR Protocol error: too big bulk count string")
                    return None, pos
                n = self._bulk_len(buf, pos, nl)
                pos = nl + 2
                if n < BIG_ARG:
                    self._hold(n)
                self.bulk_len = n
            if n >= BIG_ARG:
                new = self._start_sink(buf, pos, end, n)
                if new < 0:
                    return None, pos   # blocked: no memory for it yet; the connection retries
                pos = new
                continue
            if end - pos < n + 2:
                return None, pos
            argv.append(bytes(buf[pos:pos + n]))
            pos += n + 2
            self.bulk_len = -1
            self.remaining -= 1
        self.argv = []
        self.held = 0
        return argv, pos

    def _bulk_len(self, buf: bytearray, pos: int, nl: int) -> int:
        n = parse_ll(buf[pos + 1:nl])
        if n is None:
            raise ProtocolError("ERR Protocol error: invalid bulk length")
        if n < 0 or n > self.limits.proto_max_bulk_len:
            raise ProtocolError("ERR Protocol error: invalid bulk length")
        if n > UNAUTH_BULK_MAX and not self.authenticated:
            raise ProtocolError("ERR Protocol error: unauthenticated bulk length")
        return n

    def _hold(self, n: int) -> None:
        """Count n more bytes of this request held outside slab memory (small arguments, plain
        buffers of big ones) against client-query-buffer-limit."""
        self.held += n
        if self.held > self.limits.client_query_buffer_limit:
            raise QueryBufferLimit("client reached max query buffer length")

    def _start_sink(self, buf: bytearray, pos: int, end: int, n: int) -> int:
        """Get a sink for a big argument and move buffered bytes into it; -1 when blocked."""
        sink = self.sink_factory(self.argv, n)
        if sink is None:
            self.blocked = True
            return -1
        self.blocked = False
        self.bulk_len = -1
        self.sink = sink
        if isinstance(sink, ByteSink):
            self._hold(n)              # on error, discard() releases the sink
        self.sink_views = [v.cast("B") if v.format != "B" else v for v in sink.views()]
        self.sink_index = 0
        self.sink_offset = 0
        self.sink_left = n
        self.sink_crlf = False
        take = min(n, end - pos)
        if take:
            self._sink_fill(memoryview(buf)[pos:pos + take])
        elif n == 0:
            self.sink_crlf = True
        return pos + take

    def _inline(self, buf: bytearray, pos: int, end: int) -> tuple[list | None, int]:
        nl = buf.find(b"\n", pos, end)
        if nl < 0:
            if end - pos > INLINE_MAX:
                raise ProtocolError("ERR Protocol error: too big inline request")
            return None, pos
        line = bytes(buf[pos:nl])
        if line.endswith(b"\r"):
            line = line[:-1]
        argv = split_inline(line)
        if argv is None:
            raise ProtocolError("ERR Protocol error: unbalanced quotes in request")
        return (argv or None), nl + 1










