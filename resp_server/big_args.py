"""Where one connection's big bulk arguments go (32 KiB and more): the parser asks `sink_for`.

A value that a SET-like command (the table's `bigvalue` flag) will store is received straight
into slab chunks reserved for it (Keyspace.reserve), so it is never copied. When the cap leaves no
room, the answer depends on whether memory will come back: while other values are in flight or
pinned (`memory_in_flight`) it is None - the connection stops reading and retries later - for up
to MEMORY_WAIT seconds; otherwise (noeviction, a value that can never fit, or waited too long) a
DiscardSink, which reads and drops the bytes so the command answers OOM. Arguments of other
commands go to a plain ByteSink. `release` gives back a reservation the parser dropped.
The time spent waiting is LATENCY's bigvalue-wait event.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from resp_server.resp.sinks import ByteSink, DiscardSink
from resp_server.store.items import OOMError

if TYPE_CHECKING:
    from resp_server.latency import Latency
    from resp_server.store.keyspace import Keyspace

MEMORY_WAIT = 5.0                 # seconds a big value may wait for in-flight memory before OOM


class BigArgs:
    __slots__ = ("_keyspace", "_latency", "_commands", "wait_since")

    def __init__(self, keyspace: Keyspace, latency: Latency, bigvalue_commands: frozenset) -> None:
        self._keyspace = keyspace
        self._latency = latency
        self._commands = bigvalue_commands    # lower-case names flagged bigvalue
        self.wait_since = 0.0                 # monotonic time a big value started waiting

    def sink_for(self, argv: list, length: int) -> object | None:
        """The sink for a big argument of `length` bytes of the request so far in `argv`."""
        name = argv[0].lower() if argv and isinstance(argv[0], bytes) else b""
        if name not in self._commands or len(argv) < 2:
            return ByteSink(length)
        ks = self._keyspace
        try:
            sink = ks.reserve(length)
        except OOMError:
            waited = time.monotonic() - self.wait_since if self.wait_since else 0.0
            if ks.policy == "noeviction" or not ks.could_fit(length) or waited > MEMORY_WAIT \
                    or not ks.memory_in_flight():
                self.end_wait()
                return DiscardSink(length)
            if not self.wait_since:
                self.wait_since = time.monotonic()
            return None
        self.end_wait()
        return sink

    def end_wait(self) -> None:
        """A big value stops waiting for memory (it got it, or is refused)."""
        if self.wait_since:
            waited = time.monotonic() - self.wait_since
            self._latency.sample("bigvalue-wait", int(waited * 1000))
            self.wait_since = 0.0

    def release(self, sink: object) -> None:
        if not isinstance(sink, ByteSink) and not getattr(sink, "consumed", False):
            self._keyspace.release(sink)
