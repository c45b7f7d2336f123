"""The keyspace: databases of key -> Item over slab memory; the only door to memory.

Writes find memory in the allocation path, per slab class, in this order (memcached's model):
a free chunk of the class; a page from the pool or a new page while it fits under maxmemory; a
page moved from another class (automove.py decides which, `_take_page` evicts that page's items
and reassigns it); finally the class's own eviction victim (exact LRU, or S3-FIFO). Pinned items
are never evicted, moved or overwritten in place: a pinned item that is replaced or deleted is
unlinked at once and becomes a zombie whose chunks are freed by its last unpin (deferred free).

Memory accounting. `used_memory` = bytes of pages assigned to classes + KEY_OVERHEAD + key length
per key (linked items and zombies) - a fixed estimate of the Python objects per key (Item,
dict/index/policy entries, the key itself). Pooled pages (emptied by a flush or a page release)
are not "used" but are still held by the process, so the hard cap is on
`pages held + key overhead <= maxmemory`; pooled pages are reused first and dropped (freed)
before anything is evicted for key overhead. maxmemory = 0 means no cap.

Small values overwritten with a value of the same layout (redis-benchmark's SET) are written in
place by one slice assignment when the item is not pinned; store(Reservation) adopts the chunks
the socket was received into (zero copy). Expiry is lazy on lookup/peek plus Redis's sampled
active cycle. SCAN order and guarantees: see db.py.

check_invariants() ties the layers: allocator structure, every chunk's owner is a linked item, a
zombie or a live reservation holding exactly that chunk; policies hold exactly the linked items
(per class); db indexes agree; payload and key-overhead totals recompute; the cap holds.
"""

from __future__ import annotations

import functools
import os
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import Any

from resp_server.config import POLICIES, StoreConfig
from resp_server.store.automove import ClassStats, page_sources, reclaim_order
from resp_server.store.db import Db
from resp_server.store.items import STAMP_TICK_BITS, Chunked, Item, OOMError, Reservation
from resp_server.store.policy import Policy, make_policy
from resp_server.store.slabs import HANDLE_SHIFT, INDEX_MASK, SlabAllocator, class_sizes

__all__ = ["Keyspace", "KeyspaceStats", "OOMError", "KEY_OVERHEAD", "time_ms"]

KEY_OVERHEAD = 800          # bytes of Python objects per key beyond the key bytes (measured: ~780-980
                            # per key with dict, policy and index slack: RSS beyond the
                            # accounted bytes stays < 200 B per key)
RESERVED_KEY_BYTES = KEY_OVERHEAD + 1024   # key overhead a reservation holds for its future key
EXPIRE_SAMPLE = 20          # keys sampled per active-expiry round (Redis: 20)
EXPIRE_REPEAT_PCT = 25      # repeat a db's round while more than this % of the sample expired
RANDOM_KEY_TRIES = 100      # RANDOMKEY gives up skipping expired keys after this many draws
SPARE_EMPTY_PAGES = 1       # empty pages a class keeps through the background cycle (no churn)

MUTATORS = ("lookup", "bump", "read_view", "rewrite", "peek", "reserve", "release", "store", "delete", "set_expire", "rename",
            "move", "swapdb", "copy", "flushdb", "flushall", "pin", "unpin",
            "active_expire_cycle", "automove_cycle", "set_maxmemory", "set_policy",
            "over_maxmemory", "scan", "random_key")


def time_ms() -> int:
    return int(time.time() * 1000)


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

    @property
    def hits(self) -> int:
        return self.keyspace_hits

    @property
    def misses(self) -> int:
        return self.keyspace_misses

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


class Keyspace:
    """Databases 0..n-1 over one slab allocator; see the package docstring for the contract."""

    def __init__(self, cfg: StoreConfig, clock: Callable[[], int] = time_ms) -> None:
        self.cfg = cfg
        self.clock = clock
        page_size, sizes = class_sizes(cfg.slab_page_size, cfg.slab_min_chunk,
                                       cfg.slab_growth_factor, cfg.slab_sizes)
        self._slabs = SlabAllocator(page_size, sizes)
        self.dbs = [Db(i) for i in range(cfg.databases)]
        self._policy_name = cfg.policy
        self._policies: list[Policy] = [make_policy(cfg.policy) for _ in sizes]
        self._maxmemory = cfg.maxmemory
        self.key_bytes = 0                            # accounted overhead of linked items + zombies
        self.pinned_items = 0                         # items with refcount > 0 (linked or zombie)
        self._zombies: set[Item] = set()              # unlinked while pinned: freed at last unpin
        self._reservations: set[Reservation] = set()  # live, not yet stored or released
        self._last_stamp = 0                          # stamps strictly increase (see _new_stamp)
        self._over_cap = False                        # cap lowered below pinned memory: shrink later
        self._expire_db = 0                           # next db for the active expiry cycle
        self.used_memory_peak = 0
        self.stats = KeyspaceStats()
        self.on_modify: Callable[[int, bytes | None], None] | None = None
        if cfg.prealloc and cfg.maxmemory:
            for _ in range(cfg.maxmemory // page_size):
                self._slabs.new_page(touch=True)
        if cfg.debug_invariants:
            self._wrap_checked()

    # --- configuration ----------------------------------------------------------------------
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

    def set_policy(self, name: str) -> None:
        """CONFIG SET maxmemory-policy: rebuild every class's policy in access (stamp) order."""
        if name not in POLICIES:
            raise ValueError(f"maxmemory-policy must be one of {', '.join(POLICIES)}")
        for cid, old in enumerate(self._policies):
            new = make_policy(name)
            for item in sorted(old, key=_stamp_of):
                new.insert(item)
            self._policies[cid] = new
        self._policy_name = name

    # --- memory totals ----------------------------------------------------------------------
    @property
    def used_memory(self) -> int:
        s = self._slabs
        return s.page_bytes - s.pool_bytes + self.key_bytes

    def _held(self) -> int:
        """What the cap limits: all live pages (pool included) + key overhead."""
        s = self._slabs
        return s.live_pages * s.page_size + self.key_bytes

    def over_maxmemory(self) -> bool:
        """True when memory is over the cap and nothing more can be evicted (deny writes)."""
        if not self._maxmemory or self._held() <= self._maxmemory:
            return False
        self._shrink_to_cap()
        return self._held() > self._maxmemory

    # --- reads ------------------------------------------------------------------------------
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

    def bump(self, item: Item, now: int) -> None:
        """An access to a live item at time `now` (ms): new stamp, LRU/frequency bump."""
        item.stamp = self._stamp_at(now)
        pols = self._policies
        if pols[item.cls].touches:
            pols[item.cls].touch(item)
            if len(item.chunks) > 1 and item.cls != self._slabs.largest:
                pols[self._slabs.largest].touch(item)

    def peek(self, db: int, key: bytes) -> Item | None:
        """The live item under key (lazy expiry), without LRU bump or stats."""
        item = self.dbs[db].items.get(key)
        if item is not None and item.expire_at is not None and item.expire_at <= self.clock():
            self._expire(item)
            return None
        return item

    def _new_stamp(self) -> int:
        return self._stamp_at(self.clock())

    def _stamp_at(self, now: int) -> int:
        """A fresh access stamp: `now` (ms) shifted left, or one more than the last stamp -
        strictly increasing even within a millisecond or when the wall clock steps back (exact
        LRU orders by stamps). read_view and rewrite inline it (the GET/SET lane)."""
        stamp = now << STAMP_TICK_BITS
        if stamp <= self._last_stamp:
            stamp = self._last_stamp + 1
        self._last_stamp = stamp
        return stamp

    # --- reservations -----------------------------------------------------------------------
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

    # --- writes -----------------------------------------------------------------------------
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
        _write(item, value)
        try:
            return self._link(d, item, expire_at, keep_ttl)
        except OOMError:
            self._free_layout(item)
            raise

    def read_view(self, item: Item, now: int) -> memoryview:
        """GET's common case: bump a live single-chunk item at time `now` and return its value's
        memoryview (valid until the item changes; the caller copies it out at once)."""
        stamp = now << STAMP_TICK_BITS
        if stamp <= self._last_stamp:
            stamp = self._last_stamp + 1
        item.stamp = self._last_stamp = stamp
        cls = item.cls
        pol = self._policies[cls]
        if pol.touches:
            pol.touch(item)
        s = self._slabs
        h = item.chunks[0]
        off = (h & INDEX_MASK) * s.sizes[cls]
        return s.mvs[h >> HANDLE_SHIFT][off:off + item.length]  # type: ignore[index]

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
        stamp = now << STAMP_TICK_BITS
        if stamp <= self._last_stamp:
            stamp = self._last_stamp + 1
        item.stamp = self._last_stamp = stamp
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
        _write(item, value)
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
        if (old is None or old.refcount) and cap and self._held() + _overhead(key) > cap:
            self._fit_overhead(_overhead(key))   # may raise OOMError: caller cleans up
            old = d.items.get(key)               # fitting may have evicted the old item
        self.key_bytes += _overhead(key)
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

    def rename(self, db: int, src: bytes, dst: bytes) -> None:
        """Move src's value to dst (dst replaced); KeyError when src does not exist."""
        item = self.peek(db, src)
        if item is None:
            raise KeyError(src)
        if src == dst:
            return
        d = self.dbs[db]
        old = self.peek(db, dst)
        if old is not None:
            self._unlink(old)
        d.remove(item)
        item.key = dst
        self.key_bytes += len(dst) - len(src)
        d.add(item)
        self._notify(db, src)
        self._notify(db, dst)

    def move(self, src_db: int, key: bytes, dst_db: int) -> bool:
        """MOVE: False when key is missing in src_db or already present in dst_db."""
        item = self.peek(src_db, key)
        if item is None or src_db == dst_db or self.peek(dst_db, key) is not None:
            return False
        self.dbs[src_db].remove(item)
        self.dbs[dst_db].add(item)
        self._notify(src_db, key)
        self._notify(dst_db, key)
        return True

    def swapdb(self, a: int, b: int) -> None:
        dbs = self.dbs
        dbs[a], dbs[b] = dbs[b], dbs[a]
        dbs[a].index, dbs[b].index = a, b
        self._notify(a, None)
        self._notify(b, None)

    def copy(self, src_db: int, src: bytes, dst_db: int, dst: bytes, replace: bool) -> bool:
        """COPY: duplicate the value (and TTL); False if src is missing or dst exists w/o replace."""
        item = self.peek(src_db, src)
        if item is None or (src_db == dst_db and src == dst):
            return False
        if self.peek(dst_db, dst) is not None and not replace:
            return False
        self.pin(item)                      # allocation below must not evict the source
        try:
            new = Item(self._slabs, dst, item.length, (), 0)
            self._alloc_layout(new, item.length)
            for target, source in zip(new.views(), item.views(), strict=True):
                target[:] = source
            try:
                self._link(self.dbs[dst_db], new, item.expire_at, False)
            except OOMError:
                self._free_layout(new)
                raise
        finally:
            self.unpin(item)
        return True

    def flushdb(self, db: int) -> None:
        self._flush(self.dbs[db])
        self._release_empty_pages()
        self._notify(db, None)

    def flushall(self) -> None:
        for d in self.dbs:
            self._flush(d)
        self._release_empty_pages()
        for d in self.dbs:
            self._notify(d.index, None)

    def _flush(self, d: Db) -> None:
        for item in d.clear():
            self._policy_remove(item, False)
            self._drop(item)

    # --- pins -------------------------------------------------------------------------------
    def pin(self, item: Item) -> None:
        """Hold an item's memory (a reply is being sent from its views)."""
        if not item.refcount:
            self.pinned_items += 1
        item.refcount += 1

    def memory_in_flight(self) -> bool:
        """Is memory held by something that will let go by itself (reservations being filled,
        pinned items being sent)? A write refused for memory may then succeed if it waits."""
        return bool(self._reservations) or self.pinned_items > 0

    def unpin(self, item: Item) -> None:
        """Drop one pin; the last pin of a replaced/deleted item frees its chunks."""
        assert item.refcount > 0, f"unpin of unpinned {item!r}"
        item.refcount -= 1
        if not item.refcount:
            self.pinned_items -= 1
        if not item.refcount and item.db is None and item in self._zombies:
            self._zombies.remove(item)
            self._free_item(item)
            self.stats.deferred_frees += 1
        if self._over_cap and not item.refcount:
            self._shrink_to_cap()

    # --- key iteration ----------------------------------------------------------------------
    def dbsize(self, db: int) -> int:
        return len(self.dbs[db].items)

    def expires_count(self, db: int) -> int:
        return len(self.dbs[db].ttl)

    def keys(self, db: int) -> Iterator[bytes]:
        """Live keys (expired ones skipped), from a snapshot."""
        now = self.clock()
        for key, item in list(self.dbs[db].items.items()):
            if item.expire_at is None or item.expire_at > now:
                yield key

    def random_key(self, db: int) -> bytes | None:
        d = self.dbs[db]
        for _ in range(RANDOM_KEY_TRIES):
            key = d.random_key()
            if key is None or self.peek(db, key) is not None:
                return key
        return d.random_key()

    def scan(self, db: int, cursor: int, count: int = 10) -> tuple[int, list[bytes]]:
        """One SCAN step: every key present for the whole scan is returned once (see db.py)."""
        nxt, keys = self.dbs[db].scan(cursor, max(1, count))
        return nxt, [k for k in keys if self.peek(db, k) is not None]

    # --- expiry -----------------------------------------------------------------------------
    def _expire(self, item: Item) -> None:
        d = item.db
        key = item.key
        self._unlink(item)
        self.stats.expired_keys += 1
        self._notify(d.index, key)  # type: ignore[union-attr]

    def active_expire_cycle(self, budget_ms: float = 1.0) -> int:
        """Redis's active expiry: sample TTL keys per db, repeat while >25% expired; bounded time."""
        deadline = time.perf_counter() + budget_ms / 1000.0
        now = self.clock()
        expired = 0
        n = len(self.dbs)
        for i in range(n):
            d = self.dbs[(self._expire_db + i) % n]
            expired += self._expire_db_round(d, now, deadline)
            if time.perf_counter() >= deadline:
                self._expire_db = (self._expire_db + i + 1) % n
                break
        self.automove_cycle()
        return expired

    def automove_cycle(self) -> int:
        """Background half of automove (run with active expiry): classes keep at most
        SPARE_EMPTY_PAGES empty pages; the rest go to the pool, where any class that starts
        to grow takes them without eviction (and used_memory drops after mass deletes)."""
        s = self._slabs
        return sum(s.unassign_empty(c.cid, keep=SPARE_EMPTY_PAGES)
                   for c in s.classes if c.empty_pages > SPARE_EMPTY_PAGES)

    def _expire_db_round(self, d: Db, now: int, deadline: float) -> int:
        expired = 0
        while d.ttl:
            sample = d.ttl_sample(EXPIRE_SAMPLE)
            hit = 0
            for item in sample:
                if item.db is d and item.expire_at is not None and item.expire_at <= now:
                    self._expire(item)
                    hit += 1
            expired += hit
            if hit * 100 <= EXPIRE_REPEAT_PCT * len(sample) or time.perf_counter() >= deadline:
                break
        return expired

    # --- allocation path --------------------------------------------------------------------
    def could_fit(self, length: int) -> bool:
        """Could a value of `length` bytes be stored at all, were the cache empty?"""
        if not self._maxmemory:
            return True
        full, _ = self._slabs.layout(length)
        return (full + 1) * self._slabs.page_size + KEY_OVERHEAD <= self._maxmemory

    def _alloc_layout(self, obj: Chunked, length: int) -> None:
        """Give obj the chunks for a value of `length` bytes, evicting/moving pages as needed."""
        s = self._slabs
        if length <= s.max_chunk:                          # fast path: one chunk
            cid = bisect_left(s.sizes, length)
            c = s.classes[cid]
            if not c.free and not self._refill(cid):
                raise OOMError(f"no memory for a chunk of {c.size} bytes under maxmemory")
            obj.chunks = (s.alloc(cid, obj),)
            obj.cls = cid
            obj.length = length
            c.payload += length
            return
        full, tail = s.layout(length)
        # Even an empty cache needs a page per full chunk plus one for the tail, and the key's
        # overhead: refuse at once rather than evict everything first.
        if not self.could_fit(length):
            raise OOMError(f"a value of {length} bytes cannot fit in maxmemory {self._maxmemory}")
        chunks: list[int] = []
        try:
            for _ in range(full):
                chunks.append(self._chunk(s.largest, obj))
            chunks.append(self._chunk(tail, obj))
        except OOMError:
            for h in chunks:
                s.free(s.largest, h)
            raise
        obj.chunks = tuple(chunks)
        obj.cls = tail
        obj.length = length
        s.classes[s.largest].payload += full * s.max_chunk
        s.classes[tail].payload += length - full * s.max_chunk

    def _chunk(self, cid: int, owner: object) -> int:
        s = self._slabs
        if not s.classes[cid].free and not self._refill(cid):
            raise OOMError(f"no memory for a chunk of {s.sizes[cid]} bytes under maxmemory")
        return s.alloc(cid, owner)

    def _refill(self, cid: int) -> bool:
        """Make class cid have a free chunk: new page, page move, or eviction within the class."""
        c = self._slabs.classes[cid]
        while not c.free:
            if self._grow(cid) or self._steal_page(cid):
                return True
            victim = self._policies[cid].victim()
            if victim is None:
                return False
            self._evict(victim, cid)
        return True

    def _grow(self, cid: int) -> bool:
        """Assign a pooled page, or a new one if it fits under the cap."""
        s = self._slabs
        if not s.pool:
            if self._maxmemory and self._held() + s.page_size > self._maxmemory:
                return False
            s.new_page()
        s.assign(s.pool[-1], cid)
        self._peak()
        return True

    def _steal_page(self, cid: int) -> bool:
        """Automove in the allocation path: take a page from a donor class (automove.py)."""
        s = self._slabs
        if s.active_classes - (1 if s.classes[cid].pages else 0) <= 0:
            return False                      # no other class holds a page
        now = self._new_stamp()
        for src in page_sources(self._class_stats(), cid, now):
            if self._take_page(src, cid):
                return True
        return False

    def _class_stats(self) -> list[ClassStats]:
        out = []
        for c in self._slabs.classes:
            if c.pages:
                out.append(ClassStats(c.cid, len(c.pages), c.per_page, len(c.free), c.empty_pages,
                                      self._policies[c.cid].oldest()))
        return out

    def _take_page(self, src: int, dst: int | None) -> bool:
        """Mechanism of a page move: empty one page of src (evicting), give it to dst or the pool."""
        s = self._slabs
        pid = s.empty_page(src)
        if pid is None:
            pid = self._pick_page(src)
            if pid is None:
                return False
            for owner in s.page_owners(pid):
                self._evict(owner, src)  # type: ignore[arg-type]
        if dst is None:
            s.unassign(pid)
        else:
            s.reassign(pid, dst)
        self.stats.slab_reassigns += 1
        return True

    def _pick_page(self, src: int) -> int | None:
        """A page of class src whose items may all be evicted now (no pins): the page of the
        class's LRU victim, else the least used page."""
        s = self._slabs
        victim = self._policies[src].victim()
        if victim is not None:
            h = victim.chunks[-1] if victim.cls == src else victim.chunks[0]
            pid = h >> HANDLE_SHIFT
            if all(self._evictable(o) for o in s.page_owners(pid)):
                return pid
        for pid in sorted(s.classes[src].pages, key=s.page_used.__getitem__):
            if all(self._evictable(o) for o in s.page_owners(pid)):
                return pid
        return None

    def _evictable(self, owner: object) -> bool:
        return (isinstance(owner, Item) and owner.db is not None
                and self._policies[owner.cls].can_evict(owner))

    def _evict(self, item: Item, cid: int) -> None:
        d = item.db
        key = item.key
        self._slabs.classes[cid].evictions += 1
        self.stats.evicted_keys += 1
        self._unlink(item, evicted=True)
        self._notify(d.index, key)  # type: ignore[union-attr]

    def _fit_overhead(self, extra: int) -> None:
        """Make room for `extra` bytes of key overhead: drop pooled and empty pages, then evict."""
        cap = self._maxmemory
        if not cap:
            return
        while self._held() + extra > cap:
            if self._slabs.drop_pool_page() or self._release_empty_pages():
                continue
            victim = self._oldest_victim()
            if victim is None:
                raise OOMError("no evictable key left for the key overhead under maxmemory")
            self._evict(victim, victim.cls)

    def _oldest_victim(self) -> Item | None:
        best: Item | None = None
        for c in self._slabs.classes:
            if c.pages:
                v = self._policies[c.cid].victim()
                if v is not None and (best is None or v.stamp < best.stamp):
                    best = v
        return best

    def _shrink_to_cap(self) -> None:
        """Release memory until the cap holds (or only pinned memory is left)."""
        s = self._slabs
        cap = self._maxmemory
        self._over_cap = False
        while cap and self._held() > cap:
            if s.drop_pool_page() or self._release_empty_pages():
                continue
            now = self._new_stamp()
            if any(self._take_page(src, None) for src in reclaim_order(self._class_stats(), now)):
                continue
            victim = self._oldest_victim()
            if victim is None:
                self._over_cap = True     # only pinned memory left: retried at unpin
                return
            self._evict(victim, victim.cls)

    def _release_empty_pages(self) -> int:
        """Return every page with no chunk in use to the pool (after flushes)."""
        s = self._slabs
        return sum(s.unassign_empty(c.cid) for c in s.classes if c.empty_pages)

    def _peak(self) -> None:
        used = self.used_memory
        if used > self.used_memory_peak:
            self.used_memory_peak = used

    # --- unlinking and freeing --------------------------------------------------------------
    def _unlink(self, item: Item, evicted: bool = False) -> None:
        item.db.remove(item)  # type: ignore[union-attr]
        self._policy_remove(item, evicted)
        self._drop(item)

    def _drop(self, item: Item) -> None:
        """An item just left the keyspace: free it now, or at its last unpin."""
        if item.refcount:
            self._zombies.add(item)
        else:
            self._free_item(item)

    def _free_item(self, item: Item) -> None:
        self.key_bytes -= _overhead(item.key)
        self._free_layout(item)

    def _free_layout(self, obj: Chunked) -> None:
        s = self._slabs
        chunks = obj.chunks
        full = len(chunks) - 1
        if full:
            for h in chunks[:-1]:
                s.free(s.largest, h)
            s.classes[s.largest].payload -= full * s.max_chunk
        s.free(obj.cls, chunks[-1])
        s.classes[obj.cls].payload -= obj.length - full * s.max_chunk

    def _set_owners(self, obj: Chunked, owner: object) -> None:
        for h in obj.chunks:
            self._slabs.set_owner(h, owner)

    def _policy_classes(self, item: Chunked) -> tuple[int, ...]:
        big = self._slabs.largest
        if len(item.chunks) > 1 and item.cls != big:
            return (item.cls, big)
        return (item.cls,)

    def _policy_insert(self, item: Item) -> None:
        if len(item.chunks) == 1:
            self._policies[item.cls].insert(item)
            return
        for cid in self._policy_classes(item):
            self._policies[cid].insert(item)

    def _policy_remove(self, item: Item, evicted: bool) -> None:
        if len(item.chunks) == 1:
            self._policies[item.cls].remove(item, evicted)
            return
        for cid in self._policy_classes(item):
            self._policies[cid].remove(item, evicted)

    def _notify(self, db: int, key: bytes | None) -> None:
        if self.on_modify is not None:
            self.on_modify(db, key)

    # --- introspection ----------------------------------------------------------------------
    def memory_usage(self, db: int, key: bytes) -> int | None:
        item = self.peek(db, key)
        if item is None:
            return None
        return item.chunk_bytes + _overhead(key)

    def info_memory(self) -> dict[str, Any]:
        s = self._slabs
        used = self.used_memory
        rss = _rss_bytes()
        wasted = sum(s.wasted_bytes(c) for c in s.classes)
        return {
            "used_memory": used,
            "used_memory_human": _human(used),
            "used_memory_rss": rss,
            "used_memory_rss_human": _human(rss),
            "used_memory_peak": max(self.used_memory_peak, used),
            "used_memory_peak_human": _human(max(self.used_memory_peak, used)),
            "used_memory_dataset": used - self.key_bytes,
            "used_memory_overhead": self.key_bytes,
            "maxmemory": self._maxmemory,
            "maxmemory_human": _human(self._maxmemory),
            "maxmemory_policy": self._policy_name,
            "mem_fragmentation_ratio": round(rss / used, 2) if used else 0.0,
            "slab_page_size": s.page_size,
            "slab_classes": len(s.classes),
            "slab_pages": s.live_pages,
            "slab_pool_pages": len(s.pool),
            "slab_bytes": s.page_bytes,
            "slab_wasted_bytes": wasted,
            "slab_reassigns": self.stats.slab_reassigns,
            "keys_overhead_bytes": self.key_bytes,
            "pinned_zombies": len(self._zombies),
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

    # --- invariants -------------------------------------------------------------------------
    def check_invariants(self) -> None:
        """Raise AssertionError unless allocator, items, policies, dbs and totals all agree."""
        s = self._slabs
        s.check_invariants()
        linked = self._check_dbs()
        for z in self._zombies:
            assert z.db is None and z.refcount > 0, f"zombie {z!r} is linked or unpinned"
        pinned = sum(1 for i in [*linked, *self._zombies] if i.refcount)
        assert pinned == self.pinned_items, f"pinned_items {self.pinned_items} != {pinned}"
        holders: list[Chunked] = [*linked, *self._zombies, *self._reservations]
        self._check_owners(holders)
        self._check_policies(linked)
        self._check_totals(linked)

    def _check_dbs(self) -> list[Item]:
        linked: list[Item] = []
        for i, d in enumerate(self.dbs):
            assert d.index == i, f"db at {i} thinks it is {d.index}"
            d.check_invariants()
            linked.extend(d.items.values())
        return linked

    def _check_owners(self, holders: list[Chunked]) -> None:
        s = self._slabs
        owned = 0
        for obj in holders:
            for i, h in enumerate(obj.chunks):
                owner = s.owner(h)
                assert owner is obj, f"chunk {h:#x} of {obj!r} is owned by {owner!r}"
                cid = obj.cls if i == len(obj.chunks) - 1 else s.largest
                assert s.page_class[h >> HANDLE_SHIFT] == cid, f"chunk {h:#x} of {obj!r} not on a class {cid} page"
            owned += len(obj.chunks)
        used = sum(c.chunks_used for c in s.classes)
        assert owned == used, f"{used} chunks in use but items/zombies/reservations hold {owned}"

    def _check_policies(self, linked: list[Item]) -> None:
        expect: list[set[int]] = [set() for _ in self._policies]
        for item in linked:
            for cid in self._policy_classes(item):
                expect[cid].add(id(item))
        for cid, pol in enumerate(self._policies):
            pol.check_invariants()
            got = {id(i) for i in pol}
            assert len(got) == len(pol), f"class {cid}: policy lists an item twice"
            assert got == expect[cid], f"class {cid}: policy has {len(got)} items, keyspace {len(expect[cid])}"

    def _check_totals(self, linked: list[Item]) -> None:
        s = self._slabs
        payload = [0] * len(s.classes)
        for obj in [*linked, *self._zombies, *self._reservations]:
            full = len(obj.chunks) - 1
            payload[s.largest] += full * s.max_chunk
            payload[obj.cls] += obj.length - full * s.max_chunk
        for c in s.classes:
            assert c.payload == payload[c.cid], f"class {c.cid}: payload {c.payload} != {payload[c.cid]}"
        keys = sum(_overhead(i.key) for i in [*linked, *self._zombies]) + \
            RESERVED_KEY_BYTES * len(self._reservations)
        assert keys == self.key_bytes, f"key overhead {self.key_bytes} != recomputed {keys}"
        if self._maxmemory and not self._zombies and not self._over_cap:
            assert self._held() <= self._maxmemory, f"held {self._held()} > maxmemory {self._maxmemory}"

    def _wrap_checked(self) -> None:
        """debug_invariants: run check_invariants() after every mutating method."""
        for name in MUTATORS:
            method = getattr(self, name)

            @functools.wraps(method)
            def checked(*args: Any, _m: Callable[..., Any] = method, **kw: Any) -> Any:
                try:
                    return _m(*args, **kw)
                finally:
                    self.check_invariants()

            setattr(self, name, checked)


def _overhead(key: bytes) -> int:
    return KEY_OVERHEAD + len(key)


def _stamp_of(item: Item) -> int:
    return item.stamp


def _write(item: Chunked, value: Any) -> None:
    """Copy a bytes-like value into the item's chunks (one memcpy per chunk)."""
    views = item.views()
    if len(views) == 1:
        views[0][:] = value
        return
    src = memoryview(value).cast("B")
    off = 0
    for v in views:
        n = len(v)
        v[:] = src[off:off + n]
        off += n


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _human(n: int) -> str:
    for unit, size in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if n >= size:
            return f"{n / size:.2f}{unit}"
    return f"{n}B"
