"""Memory accounting of the keyspace: what `used_memory` counts, what the cap limits, INFO.

used_memory = bytes of pages assigned to classes + KEY_OVERHEAD + key length per key (linked items
and zombies) - a fixed estimate of the Python objects per key (Item, dict/index/policy entries,
the key itself). Pooled pages (emptied by a flush or a page release) are not "used" but are still
held by the process, so the hard cap is on `pages held + key overhead <= maxmemory` (`_held`).
A reservation holds RESERVED_KEY_BYTES of key overhead for its future key.

Invariant (checked in checks.py): `key_bytes` = sum of overhead(key) over linked items and zombies
+ RESERVED_KEY_BYTES per live reservation; with a cap, no zombies and not flagged over the cap,
`_held() <= maxmemory`. Units: bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resp_server.store.policy import policy_state

if TYPE_CHECKING:
    from resp_server.store.items import Item, Reservation
    from resp_server.store.leases import Leases
    from resp_server.store.policy import Policy
    from resp_server.store.slabs import SlabAllocator

KEY_OVERHEAD = 800          # bytes of Python objects per key beyond the key bytes (measured: ~780-980
                            # per key with dict, policy and index slack: RSS beyond the
                            # accounted bytes stays < 200 B per key)
RESERVED_KEY_BYTES = KEY_OVERHEAD + 1024   # key overhead a reservation holds for its future key


def overhead(key: bytes) -> int:
    """Accounted bytes of a key beyond its value's chunks."""
    return KEY_OVERHEAD + len(key)


class KeyspaceStats:
    """Counters read by INFO stats (Redis names)."""

    __slots__ = ("keyspace_hits", "keyspace_misses", "evicted_keys", "expired_keys",
                 "slab_reassigns", "deferred_frees")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.keyspace_hits = 0
        self.keyspace_misses = 0
        self.evicted_keys = 0
        self.expired_keys = 0
        self.slab_reassigns = 0       # pages moved between classes (or released to the pool)
        self.deferred_frees = 0       # items freed at their last unpin

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


class AccountingMixin:
    """Totals, the cap test and the INFO memory / slab reports of a Keyspace."""

    _slabs: SlabAllocator
    _maxmemory: int
    _policy_name: str
    _policies: list[Policy]
    leases: Leases
    _zombies: set[Item]
    _reservations: set[Reservation]
    key_bytes: int
    used_memory_peak: int
    stats: KeyspaceStats

    if TYPE_CHECKING:
        def _shrink_to_cap(self) -> None: ...
        def peek(self, db: int, key: bytes) -> Item | None: ...

    @property
    def used_memory(self) -> int:
        s = self._slabs
        return s.page_bytes - s.pool_bytes + self.key_bytes

    def _held(self) -> int:
        """What the cap limits: all live pages (pool included) + key overhead."""
        s = self._slabs
        return s.live_pages * s.page_size + self.key_bytes

    def enforce_maxmemory(self) -> bool:
        """Evict down to the cap; True when memory stays over it (nothing more can be evicted:
        deny writes). Redis runs this before every denyoom command (performEvictions)."""
        if not self._maxmemory or self._held() <= self._maxmemory:
            return False
        self._shrink_to_cap()
        return self._held() > self._maxmemory

    def _peak(self) -> None:
        used = self.used_memory
        if used > self.used_memory_peak:
            self.used_memory_peak = used

    def memory_usage(self, db: int, key: bytes) -> int | None:
        item = self.peek(db, key)
        if item is None:
            return None
        return item.chunk_bytes + overhead(key)

    def info_memory(self) -> dict[str, Any]:
        s = self._slabs
        used = self.used_memory
        wasted = sum(s.wasted_bytes(c) for c in s.classes)
        return {
            "used_memory": used,
            "used_memory_peak": max(self.used_memory_peak, used),
            "used_memory_dataset": used - self.key_bytes,
            "used_memory_overhead": self.key_bytes,
            "maxmemory_policy_state": policy_state(self._policies),
            "slab_page_size": s.page_size,
            "slab_classes": len(s.classes),
            "slab_pages": s.live_pages,
            "slab_pool_pages": len(s.pool),
            "slab_bytes": s.page_bytes,
            "slab_wasted_bytes": wasted,
            "slab_reassigns": self.stats.slab_reassigns,
            "keys_overhead_bytes": self.key_bytes,
            "pinned_zombies": len(self._zombies),
            "lookup_leases": len(self.leases),
            "lookup_leases_released_by_read": self.leases.released,
            "lookup_leases_timed_out": self.leases.timed_out,
            "reservations": len(self._reservations),
        }

    def info_slabs(self) -> list[dict[str, int]]:
        """Per class with pages (or evictions): chunk size, pages, chunks used/free, waste."""
        s = self._slabs
        out = []
        for c in s.classes:
            if not c.pages and not c.evictions and not c.moved_out:
                continue
            out.append({
                "id": c.cid, "chunk_size": c.size, "chunks_per_page": c.per_page,
                "pages": len(c.pages), "chunks_used": c.chunks_used, "chunks_free": len(c.free),
                "items": len(self._policies[c.cid]), "evictions": c.evictions,
                "bytes_wasted": s.wasted_bytes(c), "pages_moved_in": c.moved_in,
                "pages_moved_out": c.moved_out,
            })
        return out
