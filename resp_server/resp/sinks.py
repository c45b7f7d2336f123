"""Where a big argument is received: slab reservations (store), or these two plain sinks.

A sink is any object with `views()`: writable memoryviews summing to exactly the argument's
length, and `consumed` (True once its bytes belong to someone: nothing to release). The parser
asks the connection's sink factory for one when a bulk header announces BIG_ARG bytes or more
(Redis's PROTO_MBULK_BIG_ARG); a store Reservation adopts the bytes without a copy, a ByteSink
holds them for commands that do not store values, a DiscardSink drops them (the command will
answer OOM) without holding memory outside maxmemory.
"""

from __future__ import annotations

import mmap

BIG_ARG = 32 * 1024               # bulk arguments of this size or more get a sink of their own
LAZY_MIN = 1024 * 1024            # plain big-argument buffers this big are committed lazily (mmap)


class ByteSink:
    """A plain buffer sink for big arguments of commands that do not store them in slabs.

    From LAZY_MIN bytes on, the value is received into an anonymous mapping whose pages the
    kernel commits only as bytes arrive: announcing a 512 MiB argument costs nothing until it is
    sent (`bytearray(n)` would zero, and so commit, all of it at once). The finished argument is
    `value()`: the bytearray, or the received bytes copied out of the mapping."""

    __slots__ = ("buf", "length", "consumed")

    def __init__(self, length: int) -> None:
        self.buf: bytearray | mmap.mmap = (mmap.mmap(-1, length) if length >= LAZY_MIN
                                           else bytearray(length))
        self.length = length
        self.consumed = False

    def views(self) -> list[memoryview]:
        return [memoryview(self.buf)]

    def value(self) -> bytes | bytearray:
        return self.buf if isinstance(self.buf, bytearray) else self.buf[:]


_SCRATCH = memoryview(bytearray(1024 * 1024))   # where refused big values are received and dropped


class DiscardSink:
    """A sink that receives a big argument and keeps none of it (the command will answer OOM).

    Its views all alias one shared 1 MiB scratch buffer, so a value that can get no slab memory
    is drained from the socket without holding memory outside maxmemory."""

    __slots__ = ("length", "consumed")

    def __init__(self, length: int) -> None:
        self.length = length
        self.consumed = True     # nothing to release

    def views(self) -> list[memoryview]:
        full, rest = divmod(self.length, len(_SCRATCH))
        return [_SCRATCH] * full + ([_SCRATCH[:rest]] if rest else [])
