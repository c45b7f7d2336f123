"""The read side of a connection: where received bytes land, and the TCP receive watermark.

Invariant (memory follows pending input, not connections): outside a read, a connection holds a
buffer of its own only while it has received part of a request it cannot run yet (its unparsed
tail). Reads land in one read buffer shared by all connections of a server (`SharedReadBuffer`);
the connection parses what is complete straight out of it and `settle()` then copies the
incomplete tail, if any, into a private buffer (Redis 7.4's reusable query buffer). Idle and
one-request connections therefore cost no read buffer at all, and a closed connection leaves
nothing behind. The shared buffer is safe to reuse because the loop is single-threaded, each read
is followed at once by its processing, and the parser copies every argument it keeps.

A private buffer starts at PRIVATE_MIN bytes and doubles as a long request of small arguments
arrives; `room()` refuses to grow it past client-query-buffer-limit (the caller closes the client).

`Watermark` keeps SO_RCVLOWAT of a TCP socket: raised while a big value arrives so the kernel wakes
us for larger reads, never above what the value still lacks (its CRLF excluded: the only bytes
certain to come), and lowered to 1 the moment the value completes or is abandoned - a read that
the kernel never reports (bytes below the watermark) would never come.
"""

from __future__ import annotations

import socket

SHARED_SIZE = 256 * 1024          # the server's shared read buffer: at most this much per read
PRIVATE_MIN = 16 * 1024           # a connection's own buffer when it has an incomplete request
MIN_FREE = 4 * 1024               # free space guaranteed in a private buffer before a read
RCVLOWAT = 512 * 1024             # SO_RCVLOWAT while a big value arrives

_EMPTY = bytearray()              # the buffer of a connection that holds none (never resized)


class SharedReadBuffer:
    """One per server: every connection's reads land here unless it has an incomplete request."""

    __slots__ = ("buf", "view")

    def __init__(self, size: int = SHARED_SIZE) -> None:
        self.buf = bytearray(size)
        self.view = memoryview(self.buf)


class InputBuffer:
    """Received, not yet parsed bytes of one connection: `buf[start:end]`."""

    __slots__ = ("shared", "buf", "view", "start", "end", "private")

    def __init__(self, shared: SharedReadBuffer) -> None:
        self.shared = shared
        self.buf = _EMPTY
        self.view = memoryview(_EMPTY)
        self.start = 0                 # first unparsed byte
        self.end = 0                   # end of received bytes
        self.private = False           # buf is this connection's own (an incomplete request)

    def pending(self) -> int:
        return self.end - self.start

    def free(self) -> int:
        return len(self.buf) - self.end if self.private else 0

    def room(self, limit: int) -> memoryview | None:
        """Where the next read goes; None when a private buffer would have to grow past `limit`
        (client-query-buffer-limit)."""
        if not self.private:
            self.buf, self.view = self.shared.buf, self.shared.view
            self.start = self.end = 0
            return self.view
        if len(self.buf) - self.end < MIN_FREE and not self._make_room(limit):
            return None
        return self.view[self.end:]

    def received(self, n: int) -> None:
        self.end += n

    def settle(self, pos: int) -> None:
        """Parsing stopped at `pos`: keep buf[pos:end] (an incomplete request, or requests left
        for later) in a private buffer, or hold nothing when all was consumed."""
        if pos >= self.end:
            self.drop()
            return
        if self.private:
            self.start = pos
            return
        used = self.end - pos
        own = bytearray(max(PRIVATE_MIN, 2 * used))
        with self.view[pos:self.end] as tail:
            own[:used] = tail
        self._own(own, used)

    def drop(self) -> None:
        """Forget every unparsed byte and hold no buffer."""
        if self.private:
            self.view.release()
        self.buf, self.view = _EMPTY, memoryview(_EMPTY)
        self.start = self.end = 0
        self.private = False

    def _own(self, buf: bytearray, used: int) -> None:
        if self.private:
            self.view.release()
        self.buf, self.view = buf, memoryview(buf)
        self.start, self.end = 0, used
        self.private = True

    def _make_room(self, limit: int) -> bool:
        used = self.end - self.start
        if self.start and used <= len(self.buf) // 2:
            self.buf[:used] = self.buf[self.start:self.end]
            self.start, self.end = 0, used
            return True
        if len(self.buf) * 2 > limit + PRIVATE_MIN:
            return False
        new = bytearray(max(len(self.buf) * 2, used + MIN_FREE))
        new[:used] = self.view[self.start:self.end]
        self._own(new, used)
        return True


class Watermark:
    """SO_RCVLOWAT of one TCP socket (no-op for TLS and unix sockets: `sock` None)."""

    __slots__ = ("sock", "value")

    def __init__(self, sock: socket.socket | None) -> None:
        self.sock = sock
        self.value = 1 if sock is not None else 0    # 0: not used on this connection

    def for_value_left(self, left: int) -> None:
        """A big value lacks `left` bytes (0: complete or abandoned)."""
        want = RCVLOWAT if left >= RCVLOWAT else 1
        if self.value and want != self.value:
            self.set(want)

    def set(self, n: int) -> None:
        self.value = n
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, n)
        except OSError:
            self.value = 0                 # not supported here: stop trying
