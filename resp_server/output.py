"""One connection's output: replies on their way to the transport and the slab pins they hold.

The ReplyWriter encodes replies; a stored value of 16 KiB or more becomes a memoryview of slab
memory, pinned through the pin function this queue hands the writer, and recorded with it. The
queue alone releases those pins: once the transport has sent everything (`drained`), or when the
connection goes (`close`). Invariant: every pin taken for this queue is released exactly once,
and `inflight_bytes` (also reported to the owner's server-wide count) is the length of the pinned
items the transport may still be sending.

Back-pressure facts live here too: `copied` counts bytes copied into the transport since it was
last empty, and `over_bounds` says whether the connection should stop reading.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from resp_server.resp.encoder import ReplyWriter

if TYPE_CHECKING:
    import asyncio

    from resp_server.stats import Stats
    from resp_server.store.keyspace import Keyspace


class OutputQueue:
    __slots__ = ("writer", "inflight", "inflight_bytes", "copied", "_unpin", "_stats",
                 "_add_pinned", "_tls")

    def __init__(self, keyspace: Keyspace, stats: Stats, add_pinned: Callable[[int], None],
                 tls: bool) -> None:
        self.writer = ReplyWriter(pin=keyspace.pin)
        self.writer.stats = stats           # INFO stats kv_served_bytes & co
        self.inflight: list = []            # pinned items whose memory the transport may hold
        self.inflight_bytes = 0
        self.copied = 0                     # bytes copied to the transport since it was empty
        self._unpin = keyspace.unpin
        self._stats = stats
        self._add_pinned = add_pinned       # the server's count of unsent pinned bytes
        self._tls = tls

    def pending(self, t: asyncio.Transport | None) -> int:
        """Unsent reply bytes: in the transport plus encoded and not yet handed to it."""
        return (t.get_write_buffer_size() if t is not None else 0) + self.writer.pending()

    def flush(self, t: asyncio.Transport | None) -> int:
        """Hand the encoded replies to `t`. Returns the bytes `t` still holds afterwards (0: all
        sent, pins released), or -1 when nothing was written (nothing encoded, or `t` closed)."""
        w = self.writer
        if not w.parts:                      # the common case: only small replies, one write
            if not w.small:
                return -1
            data = bytes(w.small)
            w.small.clear()
            if t is None or t.is_closing():
                return -1
            t.write(data)
            self._stats.total_net_output_bytes += len(data)
            return self._written(t, len(data)) if self.inflight or t.get_write_buffer_size() else -1
        parts, pins = w.take()
        if t is None or t.is_closing():
            for item in pins:
                self._unpin(item)
            return -1
        n = 0
        for p in parts:
            t.write(p)
            n += len(p)
        self._stats.total_net_output_bytes += n
        pinned = 0
        if pins:
            pinned = sum(i.length for i in pins)
            self.inflight.extend(pins)
            self.inflight_bytes += pinned
            self._add_pinned(pinned)
        return self._written(t, n if self._tls else n - pinned)   # TLS: every byte is a copy

    def _written(self, t: asyncio.Transport, copied: int) -> int:
        pending = t.get_write_buffer_size()
        if pending == 0:
            self.drained()
        else:
            self.copied += copied
        return pending

    def over_bounds(self, pending: int, pause_copied: int,
                    pinned_over: Callable[[int], bool]) -> bool:
        """Do the unsent replies exceed the copied bound, or the server's pinned bounds?"""
        return min(pending, self.copied) > pause_copied or \
            bool(self.inflight_bytes and pinned_over(self.inflight_bytes))

    def drained(self) -> None:
        """The transport has sent everything: the pins go, the copy count restarts."""
        if self.inflight:
            unpin = self._unpin
            for item in self.inflight:
                unpin(item)
            self._add_pinned(-self.inflight_bytes)
            self.inflight = []
            self.inflight_bytes = 0
        self.copied = 0

    def close(self) -> None:
        """The connection is gone: release every pin, sent or still only encoded."""
        self.drained()
        _, pins = self.writer.take()
        for item in pins:
            self._unpin(item)
