"""Keyspace access for command handlers: read and write lookups, storing, values as bytes.

Reads (`read`) count keyspace hits/misses and bump the LRU unless the client asked CLIENT
NO-TOUCH; write-path lookups (`peek`) do neither, as Redis's lookupKeyWrite. `put` maps the
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
    """lookupKeyRead: the live item or None; counts a hit or a miss."""
    ks = c.server.keyspace
    return ks.lookup(c.db if db is None else db, key, touch=not c.no_touch)


def peek(c: ClientState, key: bytes, db: int | None = None):
    """lookupKeyWrite: the live item or None; no LRU bump, no stats."""
    return c.server.keyspace.peek(c.db if db is None else db, key)


def put(c: ClientState, key: bytes, value, expire_at: int | None = None,
        keep_ttl: bool = False):
    """Store a value (bytes or an adopted Reservation); OOM becomes Redis's OOM error."""
    try:
        return c.server.keyspace.store(c.db, key, value, expire_at=expire_at, keep_ttl=keep_ttl)
    except OOMError:
        raise RespError(ERR_OOM) from None


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
