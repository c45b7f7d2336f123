"""Keyspace access for command handlers: read and write lookups, storing, values as bytes.

Reads (`read`) count keyspace hits/misses and bump the LRU unless the client asked CLIENT
NO-TOUCH; `read_notouch` counts without the bump (Redis's LOOKUP_NOTOUCH); write-path lookups
(`peek`) do neither, as Redis's lookupKeyWrite. `put` maps the
store's OOMError onto Redis's OOM reply. Times are integer milliseconds since the epoch, the
store's clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.resp.replies import ERR_OOM, RespError
from resp_server.store.items import Item, OOMError

if TYPE_CHECKING:
    from resp_server.client import ClientState


def read(c: ClientState, key: bytes, db: int | None = None):
    """lookupKeyRead: the live item or None; counts a hit or a miss, bumps the LRU (not for a
    CLIENT NO-TOUCH client, whose lookups still count)."""
    if c.no_touch:
        item = read_notouch(c, key, db)
    else:
        item = c.server.keyspace.lookup(c.db if db is None else db, key)
    if item is None:
        c.server.stats.kv_get_misses += 1      # INFO stats kv_get_misses (a value read missed)
    return item


def read_notouch(c: ClientState, key: bytes, db: int | None = None):
    """lookupKeyReadWithFlags(LOOKUP_NOTOUCH): counts a hit or a miss, no LRU bump (EXISTS,
    TYPE, TTL & co, OBJECT)."""
    ks = c.server.keyspace
    item = ks.peek(c.db if db is None else db, key)
    if item is None:
        ks.stats.keyspace_misses += 1
    else:
        ks.stats.keyspace_hits += 1
    return item


def peek(c: ClientState, key: bytes, db: int | None = None):
    """lookupKeyWrite: the live item or None; no LRU bump, no stats."""
    return c.server.keyspace.peek(c.db if db is None else db, key)


def put(c: ClientState, key: bytes, value, expire_at: int | None = None,
        keep_ttl: bool = False):
    """Store a value (bytes or an adopted Reservation); OOM becomes Redis's OOM error.

    A new value is never "raw" by history (the store may reuse the item for it)."""
    try:
        item = c.server.keyspace.store(c.db, key, value, expire_at=expire_at, keep_ttl=keep_ttl)
    except OOMError:
        raise RespError(ERR_OOM) from None
    marks = c.server.object_marks
    if marks:
        marks.forget(item)
    return item


# Object history (APPEND/SETRANGE's "raw", COPY's "unshared"): the server's ObjectMarks
# (object_marks.py), asked through these helpers.

def mark_raw(c: ClientState, item: Item | None) -> None:
    """The value under this item is now a raw string (APPEND, SETRANGE; COPY of a raw one)."""
    c.server.object_marks.mark(item, "raw")


def mark_unshared(c: ClientState, item: Item | None) -> None:
    """The value under this item is a private copy (COPY): never a shared integer."""
    c.server.object_marks.mark(item, "unshared")


def is_raw(c: ClientState, item: Item | None) -> bool:
    """True when APPEND or SETRANGE made this value (OBJECT ENCODING answers "raw")."""
    return c.server.object_marks.kind(item) == "raw"


def is_unshared(c: ClientState, item: Item | None) -> bool:
    """True for values COPY, APPEND or SETRANGE made (never Redis's shared integers)."""
    return c.server.object_marks.kind(item) is not None


def now_ms(c: ClientState) -> int:
    """The store's clock: integer milliseconds since the epoch."""
    return c.server.keyspace.clock()


def value_bytes(item) -> bytes:
    """An item's value copied out of slab memory (for values about to change or vanish)."""
    return item.to_bytes()


def value_slice(item, start: int, stop: int) -> bytes:
    """Bytes [start, stop) of an item's value, gathered from its views without a full copy."""
    out = []
    pos = 0
    for v in item.views():
        n = len(v)
        if pos + n > start and pos < stop:
            out.append(v[max(0, start - pos):min(n, stop - pos)])
        pos += n
        if pos >= stop:
            break
    return b"".join(out)


def is_item(value: object) -> bool:
    """True for a store Item reply."""
    return isinstance(value, Item)
