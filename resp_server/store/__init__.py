"""The memory layer: slab pages, items, LRU/S3-FIFO eviction and the keyspace.

Layers (arrows point down only):  keyspace -> items + eviction policy -> slabs.
Only `Keyspace` is used by the protocol/commands layer; nothing above this package
touches pages, chunks or policies directly.

Contract used by resp_server.commands / resp_server.connection
-------------------------------------------------------------
Keys are `bytes`; databases are ints 0..databases-1; times are integer milliseconds
since the epoch (`Keyspace.clock()`); expire_at is None for "no TTL".

Keyspace(cfg: StoreConfig, clock=time_ms)
  lookup(db, key, touch=True) -> Item | None      lazy expiry; touch -> LRU bump + hit/miss stats
  peek(db, key) -> Item | None                     lazy expiry, no LRU bump, no stats
  reserve(nbytes) -> Reservation                   unlinked writable slab space; evicts as needed;
                                                   raises OOMError when it cannot fit (noeviction,
                                                   or everything pinned / bigger than maxmemory)
  release(res)                                     give back a Reservation never stored
                                                   (store() sets res.consumed = True on adoption)
  enforce_maxmemory() -> bool                         True when a denyoom command must be refused:
                                                   used_memory > maxmemory and nothing evictable
                                                   (noeviction, or volatile-lru without TTL keys)
  store(db, key, value, expire_at=None, keep_ttl=False) -> Item
        value: bytes | bytearray | memoryview (copied into slabs) or a filled Reservation
        (adopted without copy). Replaces any previous item atomically.
  delete(db, key) -> bool
  set_expire(db, key, at_ms | None) -> bool        None = persist; a time <= now deletes the key
  rename(db, src, dst) ; move(src_db, key, dst_db) -> bool ; swapdb(a, b)
  copy(src_db, src, dst_db, dst, replace) -> bool
  flushdb(db) ; flushall()
  dbsize(db) ; expires_count(db) ; keys(db) -> iterator of bytes ; random_key(db) -> bytes | None
  scan(db, cursor, count) -> (next_cursor, list[bytes])   (Redis SCAN guarantees for stable keys)
  pin(item) / unpin(item)                          refcount; pinned items are never evicted, moved
                                                   or overwritten in place; an item replaced or
                                                   deleted while pinned frees its memory at unpin
  active_expire_cycle(budget_ms) -> int            sampled expiry, bounded time
  memory_usage(db, key) -> int | None
  used_memory, maxmemory (attrs) ; stats (hits, misses, evicted_keys, expired_keys, ...)
  info_memory() -> dict ; info_slabs() -> list[dict]
  check_invariants()                               raises AssertionError on any broken invariant
  on_modify: Callable[[int, bytes | None], None] | None
        called for every change of a key's value/existence/TTL (set, delete, expire, evict,
        rename, flush with key=None) - WATCH builds on it.

Item (read-only for callers): key, length, expire_at, views() -> list[memoryview] (the value, in
order, summing to length), to_bytes(), lru/frequency metadata used by OBJECT.
Reservation: length, views() -> list[memoryview] writable, summing to exactly length.

Additions (all additive; see keyspace.py for details)
-----------------------------------------------------
Imports: `from resp_server.store import Keyspace, OOMError, Item, Reservation`.
  set_maxmemory(n) / `ks.maxmemory = n`           CONFIG SET maxmemory; lowering evicts down at once
  set_policy(name) ; policy (attr)                CONFIG SET maxmemory-policy, rebuilt in access order
  set_expire(...) -> False also for None on a key without TTL (PERSIST's 0)
  rename(db, src, dst) raises KeyError when src is missing; move(...) is False when src_db == dst_db
  stats: keyspace_hits, keyspace_misses, evicted_keys, expired_keys,
         slab_reassigns, deferred_frees; stats.reset() (CONFIG RESETSTAT); stats.as_dict()
  info_memory(): the store's own figures (INFO derives the rest, commands/info.py): used_memory,
         used_memory_peak, used_memory_dataset, used_memory_overhead, maxmemory_policy_state,
         slab_page_size,
         slab_classes, slab_pages, slab_pool_pages, slab_bytes, slab_wasted_bytes, slab_reassigns,
         keys_overhead_bytes, pinned_zombies, reservations
  info_slabs(): per class with pages: class, chunk_size, chunks_per_page, pages, chunks_used,
         chunks_free, items, evictions, bytes_wasted, pages_moved_in, pages_moved_out
  Item.atime_ms (OBJECT IDLETIME = now - atime_ms), Item.lfu (OBJECT FREQ: Redis's LFU counter under
         an LFU policy, lfu.py), Item.refcount (pins)
  used_memory counts KEY_OVERHEAD + len(key) bytes per key on top of slab pages.
Warm restart (--memory-file): `warm.open_keyspace(cfg) -> (Keyspace, WarmStore | None)`; the
  WarmStore's close(ks, save) at exit writes the metadata and the clean marker (see warm.py,
  memfile.py; adoption.py is the keyspace's side).
"""

from resp_server.store.items import Item, OOMError, Reservation  # noqa: E402
from resp_server.store.keyspace import Keyspace  # noqa: E402

__all__ = ["Item", "Keyspace", "OOMError", "Reservation"]
