"""Items and reservations: a value's chunks in slab memory plus the key's metadata (items.c).

A value occupies a *layout* of chunks: zero or more full chunks of the largest class (a chain,
memcached's chunked items) followed by one tail chunk of the best-fitting class `cls`. `chunks`
is the tuple of chunk handles in value order, so `views()` returns one memoryview per chunk and
the connection sends them with scatter-gather writes (or receives into them with recv_into).

A Reservation is the same layout not yet linked to a key: the connection fills its writable views
straight from the socket and `Keyspace.store()` adopts the chunks without a copy (or `release()`
gives them back). An Item is a layout linked under a key in one database (`db` is the Db object,
None once unlinked). `refcount` counts pins: a pinned item is never evicted, moved or overwritten
in place; unlinked while pinned it becomes a zombie whose chunks are freed by the last unpin.

`stamp` orders accesses exactly: clock ms << STAMP_TICK_BITS, or one more than the previous
stamp when that is not larger (several accesses in one millisecond, a wall clock stepping back),
so stamps strictly increase; `atime_ms` (OBJECT IDLETIME) is `stamp >> BITS`.
`freq` is the S3-FIFO 2-bit access counter; `lfu` is Redis's LFU field, kept only under an LFU
policy (lfu.py, OBJECT FREQ).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from resp_server.store.slabs import HANDLE_SHIFT, INDEX_MASK

if TYPE_CHECKING:
    from resp_server.store.slabs import SlabAllocator


class Home(Protocol):
    """What an item knows of the database holding it (db.py's Db)."""

    index: int

    def remove(self, item: Item) -> None: ...

STAMP_TICK_BITS = 20   # room for 1M accesses per millisecond before the ms part creeps (Python: ~10k)


class OOMError(Exception):
    """Memory cannot be found for a write: noeviction, all candidates pinned, or too big."""


class Chunked:
    """A value layout in slab memory: chunk handles, tail class and length in bytes."""

    __slots__ = ("length", "chunks", "cls", "_slabs")

    def __init__(self, slabs: SlabAllocator, length: int, chunks: tuple[int, ...], cls: int) -> None:
        self._slabs = slabs
        self.length = length              # value bytes
        self.chunks = chunks              # chunk handles in value order
        self.cls = cls                    # class id of the last chunk; the others are largest-class

    def views(self) -> list[memoryview]:
        """Memoryviews of the value, one per chunk, in order, summing to `length` bytes."""
        s = self._slabs
        chunks = self.chunks
        if len(chunks) == 1:
            h = chunks[0]
            off = (h & INDEX_MASK) * s.sizes[self.cls]
            return [s.mvs[h >> HANDLE_SHIFT][off:off + self.length]]  # type: ignore[index]
        return _chain_views(s, chunks, self.cls, self.length)

    def to_bytes(self) -> bytes:
        chunks = self.chunks
        if len(chunks) == 1:
            s = self._slabs
            h = chunks[0]
            off = (h & INDEX_MASK) * s.sizes[self.cls]
            return bytes(s.mvs[h >> HANDLE_SHIFT][off:off + self.length])  # type: ignore[index]
        return b"".join(self.views())

    @property
    def chunk_bytes(self) -> int:
        """Slab bytes held: chunk sizes summed."""
        s = self._slabs
        return (len(self.chunks) - 1) * s.max_chunk + s.sizes[self.cls]


def _chain_views(s: SlabAllocator, chunks: tuple[int, ...], cls: int, length: int) -> list[memoryview]:
    out = []
    big = s.max_chunk
    for h in chunks[:-1]:
        off = (h & INDEX_MASK) * big
        out.append(s.mvs[h >> HANDLE_SHIFT][off:off + big])  # type: ignore[index]
    last = chunks[-1]
    off = (last & INDEX_MASK) * s.sizes[cls]
    out.append(s.mvs[last >> HANDLE_SHIFT][off:off + length - big * (len(chunks) - 1)])  # type: ignore[index]
    return out


class Item(Chunked):
    """A value linked under a key (see module docstring for pins and zombies)."""

    __slots__ = ("key", "db", "expire_at", "refcount", "stamp", "freq", "lfu", "seq", "ttl_idx",
                 "slot")

    def __init__(self, slabs: SlabAllocator, key: bytes, length: int, chunks: tuple[int, ...],
                 cls: int) -> None:
        self._slabs = slabs
        self.length = length
        self.chunks = chunks
        self.cls = cls
        self.key = key
        self.db: Home | None = None          # database holding the item; None when unlinked
        self.expire_at: int | None = None  # absolute ms, None = no TTL
        self.refcount = 0                  # pins held by readers (connections sending it)
        self.stamp = 0                     # last access (strictly increasing, see above)
        self.freq = 0                      # S3-FIFO access counter, 0..3
        self.lfu = 0                       # (minutes << 8) | counter under LFU policies (lfu.py)
        self.seq = 0                       # insertion sequence in its db (SCAN cursor order)
        self.ttl_idx = -1                  # index in the db's TTL array, -1 without TTL
        self.slot = -1                     # the key's cluster hash slot once the GET/SET lane has
                                           # asked (commands/fastpath.py); -1 until then

    @property
    def atime_ms(self) -> int:
        """Last access time (ms since the epoch), for OBJECT IDLETIME."""
        return self.stamp >> STAMP_TICK_BITS

    @property
    def linked(self) -> bool:
        return self.db is not None

    def __repr__(self) -> str:
        return f"Item({self.key!r}, len={self.length}, cls={self.cls}, pins={self.refcount})"


class Reservation(Chunked):
    """Writable slab space for a value being received; adopted by store() or released."""

    __slots__ = ("consumed",)

    def __init__(self, slabs: SlabAllocator, length: int, chunks: tuple[int, ...], cls: int) -> None:
        super().__init__(slabs, length, chunks, cls)
        self.consumed = False              # set by Keyspace.store()/release(): chunks handed on

    def __repr__(self) -> str:
        return f"Reservation(len={self.length}, chunks={len(self.chunks)}, consumed={self.consumed})"
