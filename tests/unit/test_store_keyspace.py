"""Keyspace units: values, chains, reservations, pins, eviction, expiry, key commands, SCAN.

Every keyspace here runs with debug_invariants, so check_invariants() runs after every step.
"""

from __future__ import annotations

import pytest

from resp_server.config import StoreConfig
from resp_server.store import Keyspace, OOMError
from resp_server.store.keyspace import KEY_OVERHEAD
from tests.unit.helpers import PAGE, Clock, cap_for, make_ks, pattern, present


# --- values -------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 63, 64, 65, 1000, PAGE // 2, PAGE - 1, PAGE, PAGE + 1,
                               3 * PAGE, 3 * PAGE + 77, 5 * PAGE + PAGE // 2])
def test_store_lookup_roundtrip(n: int) -> None:
    ks = make_ks()
    value = pattern(n, n)
    item = ks.store(0, b"k", value)
    assert item.length == n and item.to_bytes() == value
    views = ks.lookup(0, b"k").views()  # type: ignore[union-attr]
    assert b"".join(views) == value and sum(len(v) for v in views) == n
    assert len(views) == max(1, -(-n // PAGE))


def test_many_values_do_not_overlap() -> None:
    ks = make_ks()
    sizes = [10, 100, 500, 3000, PAGE // 3, PAGE + 5, 2 * PAGE + 999]
    for i in range(60):
        ks.store(0, b"k%d" % i, pattern(i, sizes[i % len(sizes)]))
    for i in range(60):
        assert ks.peek(0, b"k%d" % i).to_bytes() == pattern(i, sizes[i % len(sizes)])  # type: ignore[union-attr]


def test_overwrite_same_layout_is_in_place() -> None:
    ks = make_ks()
    a = ks.store(0, b"k", pattern(1, 100))
    b = ks.store(0, b"k", pattern(2, 101))
    assert a is b and b.to_bytes() == pattern(2, 101)
    c = ks.store(0, b"k", pattern(3, 5000))          # another class: a new item
    assert c is not a and c.to_bytes() == pattern(3, 5000)
    assert ks.dbsize(0) == 1


def test_store_clears_or_keeps_ttl() -> None:
    clock = Clock()
    ks = make_ks(clock=clock)
    ks.store(0, b"k", b"v", expire_at=clock.t + 1000)
    ks.store(0, b"k", b"w", keep_ttl=True)
    assert ks.peek(0, b"k").expire_at == clock.t + 1000  # type: ignore[union-attr]
    ks.store(0, b"k", b"x" * 5000, keep_ttl=True)      # new item, TTL carried over
    assert ks.peek(0, b"k").expire_at == clock.t + 1000  # type: ignore[union-attr]
    ks.store(0, b"k", b"y")
    assert ks.peek(0, b"k").expire_at is None and ks.expires_count(0) == 0  # type: ignore[union-attr]
    ks.store(0, b"k", b"z", expire_at=clock.t + 10)
    clock.advance(10)
    ks.store(0, b"k", b"w", keep_ttl=True)              # KEEPTTL on an expired key: no TTL
    assert ks.peek(0, b"k").expire_at is None and ks.stats.expired_keys == 1  # type: ignore[union-attr]


def test_memoryview_and_bytearray_values() -> None:
    ks = make_ks()
    big = pattern(9, 2 * PAGE + 10)
    ks.store(0, b"a", memoryview(big))
    ks.store(0, b"b", bytearray(big))
    assert ks.peek(0, b"a").to_bytes() == big == ks.peek(0, b"b").to_bytes()  # type: ignore[union-attr]


# --- reservations (zero copy) -------------------------------------------------------------
def test_reservation_adopted_without_copy() -> None:
    ks = make_ks()
    value = pattern(5, 3 * PAGE + 123)
    res = ks.reserve(len(value))
    views = res.views()
    off = 0
    for v in views:
        v[:] = value[off:off + len(v)]
        off += len(v)
    item = ks.store(0, b"big", res)
    assert res.consumed and item.chunks == res.chunks
    assert item.to_bytes() == value
    views[0][:4] = b"ABCD"                            # the same memory: no copy was made
    assert item.to_bytes()[:4] == b"ABCD"


def test_reserve_release_leaks_nothing() -> None:
    ks = make_ks(maxmemory=cap_for(8, 4))
    for i in range(50):
        res = ks.reserve(PAGE * (1 + i % 4) + i)
        ks.release(res)
        ks.release(res)                               # idempotent
    assert ks.slabs.live_pages <= 8
    assert sum(c.chunks_used for c in ks.slabs.classes) == 0
    assert ks.info_memory()["reservations"] == 0


def test_reserve_reuses_pages_without_new_bytearrays() -> None:
    ks = make_ks(maxmemory=cap_for(4, 2))
    ks.release(ks.reserve(3 * PAGE))
    pages = list(ks.slabs.pages)
    for _ in range(10):
        ks.release(ks.reserve(3 * PAGE))
    assert all(a is b for a, b in zip(pages, ks.slabs.pages, strict=True))


def test_reservation_too_big_or_noeviction_raises() -> None:
    ks = make_ks(maxmemory=cap_for(2, 1))
    with pytest.raises(OOMError):
        ks.reserve(3 * PAGE)
    ks = make_ks(maxmemory=cap_for(2, 2), policy="noeviction")
    ks.store(0, b"a", pattern(1, PAGE))
    ks.store(0, b"b", pattern(2, PAGE))
    with pytest.raises(OOMError):
        ks.reserve(PAGE)
    with pytest.raises(OOMError):
        ks.store(0, b"c", b"x" * PAGE)
    assert ks.peek(0, b"a") is not None and ks.peek(0, b"c") is None


def test_reservation_refused_key_gives_chunks_back() -> None:
    ks = make_ks(maxmemory=PAGE + 10, policy="noeviction")   # no room for any key overhead
    with pytest.raises(OOMError):          # a reservation holds room for its future key
        ks.reserve(PAGE)
    assert sum(c.chunks_used for c in ks.slabs.classes) == 0
    ks.check_invariants()


def test_reservation_holds_room_for_its_key() -> None:
    ks = make_ks(maxmemory=2 * PAGE + 2000, policy="noeviction")
    res = ks.reserve(PAGE)
    with pytest.raises(OOMError):          # the second one would leave no room for two keys
        ks.reserve(PAGE)
    ks.check_invariants()
    ks.store(0, b"k", res)                 # never fails for want of key overhead
    ks.check_invariants()
    assert ks.peek(0, b"k").length == PAGE


# --- pins and deferred free ---------------------------------------------------------------
def test_pinned_item_replaced_keeps_its_bytes_until_unpin() -> None:
    ks = make_ks()
    old = ks.store(0, b"k", pattern(1, 3 * PAGE))
    ks.pin(old)
    views = old.views()
    new = ks.store(0, b"k", pattern(2, 3 * PAGE))     # same layout, but pinned: not in place
    assert new is not old and ks.peek(0, b"k") is new
    assert b"".join(views) == pattern(1, 3 * PAGE)
    used = sum(c.chunks_used for c in ks.slabs.classes)
    ks.unpin(old)
    assert sum(c.chunks_used for c in ks.slabs.classes) == used - 3
    assert ks.stats.deferred_frees == 1


def test_pinned_item_deleted_or_flushed_is_freed_at_unpin() -> None:
    ks = make_ks()
    a = ks.store(0, b"a", pattern(1, 100))
    b = ks.store(0, b"b", pattern(2, 100))
    ks.pin(a)
    ks.pin(b)
    ks.pin(b)
    assert ks.delete(0, b"a")
    ks.flushall()
    assert a.to_bytes() == pattern(1, 100) and b.to_bytes() == pattern(2, 100)
    ks.unpin(a)
    ks.unpin(b)
    assert b.to_bytes() == pattern(2, 100)
    ks.unpin(b)
    assert sum(c.chunks_used for c in ks.slabs.classes) == 0 and ks.key_bytes == 0


# --- eviction -----------------------------------------------------------------------------
def fill_lru(ks: Keyspace, n: int, size: int = PAGE // 4) -> list[bytes]:
    keys = [b"key%05d" % i for i in range(n)]
    for i, k in enumerate(keys):
        ks.store(0, k, pattern(i, size))
    return keys


def test_exact_lru_eviction_order() -> None:
    ks = make_ks(maxmemory=cap_for(4, 16), sizes=(PAGE // 4,))
    evicted: list[bytes] = []
    ks.on_modify = lambda db, key: evicted.append(key)  # type: ignore[assignment,arg-type]
    keys = fill_lru(ks, 16)
    for k in keys[:4]:
        ks.lookup(0, k)
    evicted.clear()
    for i in range(16, 20):
        ks.store(0, b"key%05d" % i, pattern(i, PAGE // 4))
    assert [k for k in evicted if k not in {b"key%05d" % i for i in range(16, 20)}] == keys[4:8]
    assert present(ks, keys) == keys[:4] + keys[8:]
    assert ks.stats.evicted_keys == 4
    assert ks.info_slabs()[0]["evictions"] == 4


def test_eviction_skips_pinned_items() -> None:
    ks = make_ks(maxmemory=cap_for(4, 16), sizes=(PAGE // 4,))
    keys = fill_lru(ks, 16)
    oldest = ks.peek(0, keys[0])
    ks.pin(oldest)  # type: ignore[arg-type]
    ks.store(0, b"new", pattern(99, PAGE // 4))
    assert present(ks, keys[:2]) == [keys[0]]
    ks.unpin(oldest)  # type: ignore[arg-type]


def test_all_pinned_means_oom() -> None:
    ks = make_ks(maxmemory=cap_for(2, 8), sizes=(PAGE // 4,))
    items = [ks.store(0, b"k%d" % i, pattern(i, PAGE // 4)) for i in range(8)]
    for it in items:
        ks.pin(it)
    with pytest.raises(OOMError):
        ks.store(0, b"x", b"y" * 100)
    for it in items:
        ks.unpin(it)
    ks.store(0, b"x", b"y" * 100)


def test_eviction_of_chains_frees_enough() -> None:
    ks = make_ks(maxmemory=cap_for(10, 4))
    for i in range(12):
        ks.store(0, b"c%d" % i, pattern(i, 3 * PAGE))
        assert ks.used_memory <= ks.maxmemory
    assert present(ks, [b"c%d" % i for i in range(12)]) == [b"c9", b"c10", b"c11"]


def test_volatile_lru_evicts_only_ttl_keys() -> None:
    clock = Clock()
    ks = make_ks(maxmemory=cap_for(2, 8), sizes=(PAGE // 4,), policy="volatile-lru", clock=clock)
    for i in range(8):
        ks.store(0, b"k%d" % i, pattern(i, PAGE // 4),
                 expire_at=clock.t + 10_000 if i in (3, 5) else None)
    ks.store(0, b"n1", pattern(50, PAGE // 4))
    ks.store(0, b"n2", pattern(51, PAGE // 4))
    assert ks.peek(0, b"k3") is None and ks.peek(0, b"k5") is None and ks.peek(0, b"k0") is not None
    with pytest.raises(OOMError):
        ks.store(0, b"n3", pattern(52, PAGE // 4))


def test_noeviction_over_maxmemory_after_lowering_with_pins() -> None:
    ks = make_ks(maxmemory=cap_for(4, 4), sizes=(PAGE // 4,))
    items = [ks.store(0, b"k%d" % i, pattern(i, PAGE // 4)) for i in range(4)]
    for it in items:
        ks.pin(it)
    ks.set_maxmemory(PAGE // 2)
    assert ks.enforce_maxmemory()
    for it in items:
        ks.unpin(it)                                  # the last unpin lets the cap be reached
    assert not ks.enforce_maxmemory()
    assert ks.dbsize(0) == 0 and ks.used_memory <= PAGE // 2


def test_lowering_maxmemory_evicts_and_drops_pages() -> None:
    ks = make_ks(maxmemory=cap_for(8, 8))
    for i in range(8):
        ks.store(0, b"k%d" % i, pattern(i, PAGE))
    ks.set_maxmemory(cap_for(3, 3))
    assert ks.slabs.live_pages <= 3 and ks.used_memory <= ks.maxmemory
    assert present(ks, [b"k%d" % i for i in range(8)]) == [b"k5", b"k6", b"k7"]
    ks.maxmemory = 0                                  # attribute form works too
    for i in range(20):
        ks.store(0, b"u%d" % i, pattern(i, PAGE))
    assert ks.dbsize(0) == 23


def test_key_overhead_counts_toward_cap() -> None:
    ks = make_ks(maxmemory=PAGE + 10 * (KEY_OVERHEAD + 4))
    for i in range(100):
        ks.store(0, b"k%03d" % i, b"v")
    assert ks.dbsize(0) == 10 and ks.used_memory <= ks.maxmemory


# --- expiry -------------------------------------------------------------------------------
def test_lazy_expiry_on_lookup_and_peek() -> None:
    clock = Clock()
    ks = make_ks(clock=clock)
    ks.store(0, b"a", b"1", expire_at=clock.t + 100)
    ks.store(0, b"b", b"2", expire_at=clock.t + 200)
    clock.advance(150)
    assert ks.lookup(0, b"a") is None and ks.peek(0, b"b") is not None
    clock.advance(100)
    assert ks.peek(0, b"b") is None
    assert ks.stats.expired_keys == 2 and ks.stats.keyspace_misses == 1 and ks.dbsize(0) == 0


def test_active_expire_cycle_samples_until_done() -> None:
    clock = Clock()
    ks = make_ks(clock=clock)
    for i in range(400):
        ks.store(0, b"t%d" % i, b"v", expire_at=clock.t + (100 if i % 4 else 10_000))
        ks.store(1, b"p%d" % i, b"v")
    clock.advance(1000)
    total = 0
    for _ in range(100):
        total += ks.active_expire_cycle(50)
        if ks.expires_count(0) <= 100:
            break
    assert total == 300 and ks.dbsize(0) == 100 and ks.dbsize(1) == 400
    assert ks.stats.expired_keys == 300


def test_set_expire_persist_and_past_time() -> None:
    clock = Clock()
    ks = make_ks(clock=clock)
    ks.store(0, b"k", b"v")
    assert not ks.set_expire(0, b"k", None)           # PERSIST of a key without TTL
    assert ks.set_expire(0, b"k", clock.t + 50) and ks.expires_count(0) == 1
    assert ks.set_expire(0, b"k", None) and ks.expires_count(0) == 0
    assert ks.set_expire(0, b"k", clock.t) and ks.peek(0, b"k") is None
    assert not ks.set_expire(0, b"missing", clock.t + 5)


# --- key commands -------------------------------------------------------------------------
def test_rename_move_swapdb_copy() -> None:
    clock = Clock()
    ks = make_ks(clock=clock)
    ks.store(0, b"a", pattern(1, 3 * PAGE), expire_at=clock.t + 500)
    ks.store(0, b"b", b"old")
    ks.rename(0, b"a", b"b")
    assert ks.peek(0, b"a") is None and ks.peek(0, b"b").to_bytes() == pattern(1, 3 * PAGE)  # type: ignore[union-attr]
    assert ks.peek(0, b"b").expire_at == clock.t + 500  # type: ignore[union-attr]
    with pytest.raises(KeyError):
        ks.rename(0, b"zz", b"yy")
    assert ks.move(0, b"b", 3) and ks.peek(3, b"b") is not None and ks.dbsize(0) == 0
    ks.store(0, b"b", b"x")
    assert not ks.move(0, b"b", 3)
    ks.swapdb(0, 3)
    assert ks.peek(0, b"b").length == 3 * PAGE and ks.peek(3, b"b").to_bytes() == b"x"  # type: ignore[union-attr]
    assert ks.copy(0, b"b", 5, b"c", False)
    assert ks.peek(5, b"c").to_bytes() == pattern(1, 3 * PAGE)  # type: ignore[union-attr]
    assert ks.peek(5, b"c").expire_at == clock.t + 500  # type: ignore[union-attr]
    assert not ks.copy(0, b"b", 5, b"c", False) and ks.copy(3, b"b", 5, b"c", True)
    assert ks.peek(5, b"c").to_bytes() == b"x"  # type: ignore[union-attr]
    assert not ks.copy(0, b"nope", 5, b"c", True)


def test_flushdb_flushall_return_pages_to_pool() -> None:
    ks = make_ks()
    for db in (0, 1):
        for i in range(30):
            ks.store(db, b"k%d" % i, pattern(i, 3000))
    ks.flushdb(0)
    assert ks.dbsize(0) == 0 and ks.dbsize(1) == 30
    ks.flushall()
    assert ks.used_memory == 0 and ks.slabs.live_pages == len(ks.slabs.pool) > 0
    pages = ks.slabs.live_pages
    ks.store(0, b"again", pattern(1, 3000))
    assert ks.slabs.live_pages == pages


def test_on_modify_events() -> None:
    clock = Clock()
    ks = make_ks(clock=clock)
    events: list[tuple[int, bytes | None]] = []
    ks.on_modify = lambda db, key: events.append((db, key))  # type: ignore[assignment]
    ks.store(0, b"a", b"1")
    ks.set_expire(0, b"a", clock.t + 10)
    ks.rename(0, b"a", b"b")
    ks.delete(0, b"b")
    ks.store(2, b"c", b"1")
    ks.flushdb(2)
    assert events == [(0, b"a"), (0, b"a"), (0, b"a"), (0, b"b"), (0, b"b"), (2, b"c"), (2, None)]


def test_keys_dbsize_random_key_memory_usage() -> None:
    clock = Clock()
    ks = make_ks(clock=clock)
    for i in range(50):
        ks.store(0, b"k%d" % i, b"v" * 100, expire_at=clock.t + 10 if i < 10 else None)
    clock.advance(20)
    assert sorted(ks.keys(0)) == sorted(b"k%d" % i for i in range(10, 50))
    assert ks.dbsize(0) == 50                          # expired keys linger until touched
    for _ in range(20):
        assert ks.random_key(0) in {b"k%d" % i for i in range(10, 50)}
    assert ks.random_key(7) is None
    usage = ks.memory_usage(0, b"k20")
    assert usage == 104 + KEY_OVERHEAD + 3 or usage >= 100 + KEY_OVERHEAD
    assert ks.memory_usage(0, b"nope") is None


def test_scan_returns_every_stable_key_despite_churn() -> None:
    ks = Keyspace(StoreConfig(slab_page_size=PAGE))   # no per-step checks: 10k keys

    stable = {b"s%05d" % i for i in range(3000)}
    for i, k in enumerate(sorted(stable)):
        ks.store(0, k, b"v")
        ks.store(0, b"x%05d" % i, b"v")
    seen: list[bytes] = []
    cursor, churn = 0, 0
    while True:
        cursor, keys = ks.scan(0, cursor, 7)
        seen.extend(keys)
        for _ in range(3):                           # deletes and inserts during the scan
            ks.delete(0, b"x%05d" % churn)
            ks.store(0, b"n%05d" % churn, b"v")
            churn += 1
        ks.store(0, b"s%05d" % (churn % 3000), b"overwrite")
        if cursor == 0:
            break
    assert stable <= set(seen)
    assert len(seen) == len(set(seen))               # this index never repeats a key
    ks.check_invariants()


def test_stats_and_info() -> None:
    ks = make_ks(maxmemory=cap_for(4, 16), sizes=(PAGE // 4,))
    fill_lru(ks, 20)
    ks.lookup(0, b"key00019")
    ks.lookup(0, b"key00000")
    st = ks.stats
    assert (st.keyspace_hits, st.keyspace_misses, st.evicted_keys) == (1, 1, 4)
    mem = ks.info_memory()
    for name in ("used_memory", "used_memory_peak", "used_memory_dataset", "slab_pages",
                 "slab_bytes", "slab_wasted_bytes", "maxmemory_policy_state"):
        assert name in mem
    assert mem["used_memory"] <= ks.maxmemory and mem["slab_pages"] == 4
    (slab,) = ks.info_slabs()
    assert slab["chunk_size"] == PAGE // 4 and slab["chunks_used"] == 16 and slab["chunks_free"] == 0
    assert slab["evictions"] == 4 and slab["bytes_wasted"] == 0


def test_item_exposes_idle_time_and_frequency() -> None:
    clock = Clock()
    ks = make_ks(clock=clock, policy="allkeys-lfu")
    ks.store(0, b"k", b"v")
    clock.advance(5000)
    item = ks.peek(0, b"k")
    assert clock.t - item.atime_ms == 5000 and ks.lfu_frequency(item) == 5  # type: ignore[arg-type]
    ks.lookup(0, b"k")                   # at the initial count the increment is certain
    assert item.atime_ms == clock.t and ks.lfu_frequency(item) == 6  # type: ignore[union-attr, arg-type]
    clock.advance(4 * 60_000)            # lfu-decay-time 1: one step per idle minute
    assert ks.lfu_frequency(item) == 2  # type: ignore[arg-type]


def test_prealloc_fills_pool_and_is_reused() -> None:
    cfg = StoreConfig(maxmemory=4 * PAGE + 4096, slab_page_size=PAGE, prealloc=True)
    ks = Keyspace(cfg)
    assert len(ks.slabs.pool) == 4
    ks.store(0, b"k", pattern(1, PAGE // 2))
    assert ks.slabs.live_pages == 4 and len(ks.slabs.pool) == 3


def test_check_invariants_detects_corruption() -> None:
    ks = make_ks()
    ks.store(0, b"a", b"v")
    ks.key_bytes += 1
    with pytest.raises(AssertionError, match="key overhead"):
        ks.check_invariants()
    ks.key_bytes -= 1
    item = ks.peek(0, b"a")
    ks._policies[item.cls].remove(item)  # type: ignore[union-attr]
    with pytest.raises(AssertionError, match="policy"):
        ks.check_invariants()


def test_set_policy_at_runtime_keeps_items() -> None:
    ks = make_ks(maxmemory=cap_for(4, 16), sizes=(PAGE // 4,))
    keys = fill_lru(ks, 16)
    ks.lookup(0, keys[0])
    ks.set_policy("allkeys-s3fifo")
    ks.set_policy("allkeys-lru")
    ks.store(0, b"new", pattern(1, PAGE // 4))
    assert ks.peek(0, keys[0]) is not None and ks.peek(0, keys[1]) is None
    with pytest.raises(ValueError):
        ks.set_policy("random")


def test_automove_cycle_returns_spare_empty_pages_to_pool() -> None:
    ks = make_ks()
    keys = [b"k%d" % i for i in range(200)]
    for i, k in enumerate(keys):
        ks.store(0, k, pattern(i, 3000))
    pages = len(ks.info_slabs()[0] and ks.slabs.classes[ks.slabs.class_for(3000)].pages)
    for k in keys[:-5]:
        ks.delete(0, k)
    used = ks.used_memory
    moved = ks.active_expire_cycle(1)                  # runs the background automove too
    assert ks.automove_cycle() == 0
    c = ks.slabs.classes[ks.slabs.class_for(3000)]
    assert c.empty_pages == 1 and len(c.pages) < pages and ks.used_memory < used
    assert moved == 0 and len(ks.slabs.pool) == pages - len(c.pages)
    for i, k in enumerate(keys[-5:]):
        assert ks.peek(0, k).to_bytes() == pattern(195 + i, 3000)  # type: ignore[union-attr]


def test_key_overhead_estimate_is_within_200_bytes_of_python_memory() -> None:
    import gc
    import tracemalloc

    ks = Keyspace(StoreConfig(slab_page_size=PAGE))
    ks.store(0, b"warm", b"x")
    keys = [b"key:%012d" % i for i in range(20000)]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for k in keys:
        ks.store(0, k, b"v" * 100)
    gc.collect()
    per_key = (tracemalloc.get_traced_memory()[0] - before) / len(keys)
    tracemalloc.stop()
    pages = ks.slabs.page_bytes / len(keys)
    assert per_key - pages <= KEY_OVERHEAD + 200, per_key - pages
    print(f"python bytes per key beyond slab pages: {per_key - pages:.0f}")


def test_stamps_strictly_increase_when_the_clock_steps_back() -> None:
    # Exact LRU orders by stamps: a wall clock stepping back must not make new accesses older.
    from resp_server.config import StoreConfig
    from resp_server.store.keyspace import Keyspace

    now = [1_000_000]
    ks = Keyspace(StoreConfig(policy="allkeys-lru", debug_invariants=True), clock=lambda: now[0])
    for k in (b"a", b"b", b"c"):
        ks.store(0, k, b"v")
    now[0] -= 60_000                                     # NTP steps the clock back a minute
    ks.lookup(0, b"a")
    ks.store(0, b"b", b"w")
    items = ks.dbs[0].items
    assert items[b"c"].stamp < items[b"a"].stamp < items[b"b"].stamp
    assert [i.key for i in ks._policies[items[b"c"].cls]] == [b"c", b"a", b"b"]
