"""The keyspace: databases of key -> Item over slab memory; the only door to memory.

`Keyspace` is assembled from one module per seam, each a mixin over the same state:
  keyspace.py    state, configuration, reads (lookup/peek, the GET lane), reservations, writes
                 (store, the SET lane, link/adopt, delete, TTLs)
  keyops.py      rename, move, swapdb, copy, flushes, key iteration and SCAN
  alloc.py       the allocation path: free chunk, new/pooled page, page move, eviction; the cap
  accounting.py  used_memory, what the cap limits, stats counters, INFO memory/slabs
  expiry.py      lazy expiry's unlink and the sampled active cycle
  ordering.py    policy glue: access stamps, membership in the per-class eviction policies
  pins.py        pins, zombies and deferred free (the one place an unlinked item is freed)
  adoption.py    warm restart: the read-only view warm.py saves, and adoption of saved items
  checks.py      check_invariants() across all of them
Only this module's `Keyspace` (and `time_ms`, KEY_OVERHEAD) are imported from outside the package.

Small values overwritten with a value of the same layout (redis-benchmark's SET) are written in
place by one slice assignment when the item is not pinned; store(Reservation) adopts the chunks
the socket was received into (zero copy). Invariants: see checks.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from resp_server.config import LFU_POLICIES, StoreConfig
from resp_server.store import lfu
from resp_server.store.accounting import (
    KEY_OVERHEAD,
    RESERVED_KEY_BYTES,
    AccountingMixin,
    KeyspaceStats,
    overhead,
)
from resp_server.store.adoption import AdoptionMixin
from resp_server.store.alloc import AllocMixin, write_value
from resp_server.store.checks import ChecksMixin
from resp_server.store.db import Db
from resp_server.store.expiry import ExpiryMixin
from resp_server.store.items import STAMP_TICK_BITS, Item, OOMError, Reservation
from resp_server.store.keyops import KeyOpsMixin
from resp_server.store.leases import Leases
from resp_server.store.ordering import OrderingMixin
from resp_server.store.pins import PinsMixin
from resp_server.store.policies import make_policy
from resp_server.store.policy import Policy
from resp_server.store.slabs import HANDLE_SHIFT, INDEX_MASK, SlabAllocator, class_sizes

if TYPE_CHECKING:
    from resp_server.store.memfile import MemoryFile

__all__ = ["Keyspace", "KeyspaceStats", "OOMError", "KEY_OVERHEAD", "time_ms"]


def time_ms() -> int:
    return int(time.time() * 1000)


class Keyspace(KeyOpsMixin, ExpiryMixin, AllocMixin, PinsMixin, OrderingMixin, AccountingMixin,
               AdoptionMixin, ChecksMixin):
    """Databases 0..n-1 over one slab allocator; see the package docstring for the contract."""

    def __init__(self, cfg: StoreConfig, clock: Callable[[], int] = time_ms,
                 backing: MemoryFile | None = None) -> None:
        self.cfg = cfg
        self.clock = clock
        page_size, sizes = class_sizes(cfg.slab_page_size, cfg.slab_min_chunk,
                                       cfg.slab_growth_factor, cfg.slab_sizes)
        self._slabs = SlabAllocator(page_size, sizes, backing)
        self.dbs = [Db(i) for i in range(cfg.databases)]
        self._policy_name = cfg.policy
        self._policies: list[Policy] = [make_policy(cfg.policy) for _ in sizes]
        self._lfu = cfg.policy in LFU_POLICIES
        self.lfu_log_factor = cfg.lfu_log_factor      # CONFIG SET lfu-log-factor / -decay-time
        self.lfu_decay_time = cfg.lfu_decay_time
        self._maxmemory = cfg.maxmemory
        self.key_bytes = 0                            # accounted overhead of linked items + zombies
        self.pinned_items = 0                         # items with refcount > 0 (linked or zombie)
        self._zombies: set[Item] = set()              # unlinked while pinned: freed at last unpin
        self._reservations: set[Reservation] = set()  # live, not yet stored or released
        self._last_stamp = 0                          # stamps strictly increase (see _new_stamp)
        self._chaining = False                        # pipeline chains (ordering.py)
        self._chain_next = self._chain_floor = 0
        self.pipeline_chains = cfg.pipeline_chains
        self._over_cap = False                        # cap lowered below pinned memory: shrink later
        self._expire_db = 0                           # next db for the active expiry cycle
        self.used_memory_peak = 0
        self.stats = KeyspaceStats()
        self.leases = Leases(cfg.lookup_lease_ms)     # lookup leases (pins until read, leases.py)
        self.on_modify: Callable[[int, bytes | None], None] | None = None
        self.on_eviction_cycle: Callable[[int], None] | None = None   # ms of one evicting refill
        if backing is None:                           # warm.py preallocates after adopting
            self.prealloc_pages()
        if cfg.debug_invariants:
            self._wrap_checked()

    def prealloc_pages(self) -> None:
        """StoreConfig.prealloc: fill the pool up to maxmemory with touched pages."""
        if self.cfg.prealloc and self._maxmemory:
            s = self._slabs
            for _ in range(self._maxmemory // s.page_size - s.live_pages):
                s.new_page(touch=True)

    # --- configuration --------------------------------------------------------------------
    @property
    def maxmemory(self) -> int:
        return self._maxmemory

    @maxmemory.setter
    def maxmemory(self, n: int) -> None:
        self.set_maxmemory(n)

    @property
    def policy(self) -> str:
        return self._policy_name

    @property
    def slabs(self) -> SlabAllocator:
        return self._slabs

    def set_maxmemory(self, n: int) -> None:
        """CONFIG SET maxmemory: a lower cap evicts (and releases pages) down to it at once."""
        if n < 0:
            raise ValueError("maxmemory must be >= 0")
        self._maxmemory = n
        self._shrink_to_cap()

    # --- reads ----------------------------------------------------------------------------
    def lookup(self, db: int, key: bytes, touch: bool = True) -> Item | None:
        """The live item under key (lazy expiry); touch bumps LRU/frequency and counts hit/miss."""
        item = self.dbs[db].items.get(key)
        if not touch:
            return self.peek(db, key) if item is not None else None
        if item is None:
            self.stats.keyspace_misses += 1
            return None
        now = self.clock()
        if item.expire_at is not None and item.expire_at <= now:
            self._expire(item)
            self.stats.keyspace_misses += 1
            return None
        self.stats.keyspace_hits += 1
        self.bump(item, now)
        return item

    def peek(self, db: int, key: bytes) -> Item | None:
        """The live item under key (lazy expiry), without LRU bump or stats."""
        item = self.dbs[db].items.get(key)
        if item is not None and item.expire_at is not None and item.expire_at <= self.clock():
            self._expire(item)
            return None
        return item

    def read_view(self, item: Item, now: int) -> memoryview:
        """GET's common case: bump a live single-chunk item at time `now` and return its value's
        memoryview (valid until the item changes; the caller copies it out at once)."""
        if self.leases.deadlines and self.leases.release(item):
            self.unpin(item)
        self._restamp(item, now)
        if self._lfu:
            item.lfu = lfu.accessed(item.lfu, now, self.lfu_log_factor, self.lfu_decay_time)
        cls = item.cls
        pol = self._policies[cls]
        if pol.touches:
            pol.touch(item)
        s = self._slabs
        h = item.chunks[0]
        off = (h & INDEX_MASK) * s.sizes[cls]
        return s.mvs[h >> HANDLE_SHIFT][off:off + item.length]  # type: ignore[index]

    def lease(self, db: int, item: Item, now: int) -> None:
        """A lookup (EXISTS) found `item`: pin it until it is read or the lease times out."""
        leases = self.leases
        if not leases.ms:
            return
        for done in leases.expired(now):
            self.unpin(done)
        if leases.grant(item, now):
            self.pin(item)
        oldest = leases.over_limit(len(self.dbs[db].items))
        if oldest is not None:
            self.unpin(oldest)

    # --- reservations ---------------------------------------------------------------------
    def reserve(self, nbytes: int) -> Reservation:
        """Unlinked writable slab space for a value of nbytes (evicts as needed).

        A reservation also holds RESERVED_KEY_BYTES of key overhead, so that storing it later
        never fails for want of room for its key while other reservations fill the cache."""
        res = Reservation(self._slabs, nbytes, (), 0)
        self._alloc_layout(res, nbytes)
        try:
            self._fit_overhead(RESERVED_KEY_BYTES)
        except OOMError:
            self._free_layout(res)
            raise
        self.key_bytes += RESERVED_KEY_BYTES
        self._reservations.add(res)
        return res

    def release(self, res: Reservation) -> None:
        """Give back a reservation that was not stored (idempotent)."""
        if res.consumed:
            return
        res.consumed = True
        self._reservations.discard(res)
        self.key_bytes -= RESERVED_KEY_BYTES
        self._free_layout(res)

    # --- writes ---------------------------------------------------------------------------
    def store(self, db: int, key: bytes, value: Any, expire_at: int | None = None,
              keep_ttl: bool = False) -> Item:
        """Set key to value (bytes-like, copied; or a filled Reservation, adopted)."""
        d = self.dbs[db]
        if isinstance(value, Reservation):
            return self._adopt(d, key, value, expire_at, keep_ttl)
        n = value.nbytes if isinstance(value, memoryview) else len(value)
        old = d.items.get(key)
        if old is not None and old.expire_at is not None and old.expire_at <= self.clock():
            self._expire(old)                 # an expired key is not "kept" (KEEPTTL)
            old = None
        if old is not None and not old.refcount and self._same_layout(old, n):
            return self._overwrite(d, old, value, n, expire_at, keep_ttl)
        item = Item(self._slabs, key, n, (), 0)
        self._alloc_layout(item, n)
        write_value(item, value)
        try:
            return self._link(d, item, expire_at, keep_ttl)
        except OOMError:
            self._free_layout(item)
            raise

    def rewrite(self, item: Item, value: bytes, now: int) -> bool:
        """SET's common case, in place: a live, unpinned, single-chunk item without TTL whose
        class also fits `value` gets the new bytes in its own chunk (one slice assignment).
        False - nothing changed - when any of that does not hold; the caller uses store()."""
        n = len(value)
        cls = item.cls
        s = self._slabs
        sizes = s.sizes
        if item.refcount or item.expire_at is not None or len(item.chunks) != 1 \
                or n > sizes[cls] or (cls and n <= sizes[cls - 1]):
            return False
        s.classes[cls].payload += n - item.length
        item.length = n
        h = item.chunks[0]
        off = (h & INDEX_MASK) * sizes[cls]
        s.mvs[h >> HANDLE_SHIFT][off:off + n] = value
        self._restamp(item, now)
        if self._lfu:                  # Redis: SET's lookupKeyWrite counts as an access
            item.lfu = lfu.accessed(item.lfu, now, self.lfu_log_factor, self.lfu_decay_time)
        pol = self._policies[cls]
        if pol.touches:
            pol.touch(item)
        if self.on_modify is not None:
            self.on_modify(item.db.index, item.key)  # type: ignore[union-attr]
        return True

    def _same_layout(self, old: Item, n: int) -> bool:
        s = self._slabs
        if len(old.chunks) == 1:
            cls = old.cls
            return n <= s.sizes[cls] and (cls == 0 or n > s.sizes[cls - 1])
        return s.layout(n) == (len(old.chunks) - 1, old.cls)

    def _overwrite(self, d: Db, item: Item, value: Any, n: int, expire_at: int | None,
                   keep_ttl: bool) -> Item:
        """Write a same-layout value into an unpinned item's own chunks."""
        self._slabs.classes[item.cls].payload += n - item.length
        item.length = n
        write_value(item, value)
        if not keep_ttl and expire_at != item.expire_at:
            self._retime(d, item, expire_at)
        self.bump(item, self.clock())
        self._notify(d.index, item.key)
        return item

    def _retime(self, d: Db, item: Item, expire_at: int | None) -> None:
        item.expire_at = expire_at
        if expire_at is None:
            if item.ttl_idx >= 0:
                d.ttl_remove(item)
        else:
            d.ttl_add(item)

    def _adopt(self, d: Db, key: bytes, res: Reservation, expire_at: int | None,
               keep_ttl: bool) -> Item:
        """Link a filled reservation's chunks under key without copying."""
        if res.consumed:
            raise ValueError("reservation already stored or released")
        old = d.items.get(key)
        if old is not None and old.expire_at is not None and old.expire_at <= self.clock():
            self._expire(old)
        item = Item(self._slabs, key, res.length, res.chunks, res.cls)
        self._set_owners(item, item)
        self.key_bytes -= RESERVED_KEY_BYTES      # the key's real overhead replaces the allowance
        try:
            self._link(d, item, expire_at, keep_ttl)
        except OOMError:
            self.key_bytes += RESERVED_KEY_BYTES
            self._set_owners(res, res)
            raise
        res.consumed = True
        self._reservations.discard(res)
        return item

    def _link(self, d: Db, item: Item, expire_at: int | None, keep_ttl: bool) -> Item:
        """Put a filled, unlinked item under its key, replacing (and freeing) any old item."""
        key = item.key
        old = d.items.get(key)
        cap = self._maxmemory
        if (old is None or old.refcount) and cap and self._held() + overhead(key) > cap:
            self._fit_overhead(overhead(key))   # may raise OOMError: caller cleans up
            old = d.items.get(key)               # fitting may have evicted the old item
        self.key_bytes += overhead(key)
        item.stamp = self._new_stamp()
        if old is None:
            item.expire_at = expire_at
            d.add(item)
        else:
            item.expire_at = old.expire_at if keep_ttl else expire_at
            d.replace(old, item)
            self._policy_remove(old, False)
            self._drop(old)
        self._policy_insert(item)
        self._notify(d.index, key)
        return item

    def delete(self, db: int, key: bytes) -> bool:
        item = self.peek(db, key)
        if item is None:
            return False
        self._unlink(item)
        self._notify(db, key)
        return True

    def restore_access(self, item: Item, atime_ms: int | None, freq: int | None) -> None:
        """RESTORE's IDLETIME / FREQ: file a linked item as last accessed at `atime_ms` and/or
        with LFU counter `freq` (capped at 255, lfu.py)."""
        self._policy_remove(item, False)
        if atime_ms is not None:
            item.stamp = max(0, atime_ms) << STAMP_TICK_BITS
        self._policy_insert(item)
        if freq is not None:
            self.set_lfu_frequency(item, freq)

    def set_expire(self, db: int, key: bytes, at_ms: int | None) -> bool:
        """Set (or with None remove) a key's TTL; a time already past deletes the key.

        Returns False when the key does not exist, or for None when it had no TTL (PERSIST).
        """
        item = self.peek(db, key)
        if item is None:
            return False
        if at_ms is None:
            if item.expire_at is None:
                return False
            self._retime(item.db, item, None)  # type: ignore[arg-type]
        elif at_ms <= self.clock():
            self._unlink(item)
        else:
            self._retime(item.db, item, at_ms)  # type: ignore[arg-type]
        self._notify(db, key)
        return True

    def _notify(self, db: int, key: bytes | None) -> None:
        if self.on_modify is not None:
            self.on_modify(db, key)
