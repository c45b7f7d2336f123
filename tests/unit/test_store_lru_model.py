"""Model tests of eviction: exact LRU against an OrderedDict reference, and queries that must not
change the cache (issue: a victim query once promoted items and re-keyed the heap).

The LRU model drives a real Keyspace (one slab class, a tight cap) with random SETs of new and
existing keys, GETs, pins and unpins; after every step the keys that vanished must be exactly the
least recently used unpinned keys of the reference, in order, and invariants must hold.
"""

from __future__ import annotations

import random
from collections import OrderedDict

import pytest

from resp_server.store.items import Item
from resp_server.store.lru import LRUPolicy
from resp_server.store.s3fifo import S3FIFOPolicy
from resp_server.store.slabs import SlabAllocator
from tests.unit.helpers import PAGE, cap_for, make_ks, pattern

CHUNK = PAGE // 4
STEPS = 800


def _evicted_in_order(ref: OrderedDict[bytes, None], pinned: set[bytes], gone: set[bytes],
                      writing: bytes | None) -> list[bytes]:
    """The first len(gone) unpinned keys of the reference (least recent first)."""
    order = [k for k in ref if k not in pinned and k != writing]
    return order[:len(gone)]


@pytest.mark.parametrize("seed", [1, 2])
def test_exact_lru_matches_ordereddict_under_pins_and_overwrites(seed: int) -> None:
    rng = random.Random(seed)
    ks = make_ks(maxmemory=cap_for(6, 24, keylen=4), sizes=(CHUNK,), policy="allkeys-lru")
    ref: OrderedDict[bytes, None] = OrderedDict()     # present keys, least recent first
    pins: dict[bytes, Item] = {}
    universe = [b"k%03d" % i for i in range(60)]
    for step in range(STEPS):
        before = set(ref)
        op = rng.random()
        key = rng.choice(universe)
        writing = None
        if op < 0.5:
            writing = key
            ks.store(0, key, pattern(step, CHUNK - 8 - rng.randrange(8)))
        elif op < 0.8:
            if ks.lookup(0, key) is not None:
                ref.move_to_end(key)
        elif op < 0.9 and key in ref and key not in pins:
            pins[key] = ks.peek(0, key)               # type: ignore[assignment]
            ks.pin(pins[key])
        elif pins:
            ks.unpin(pins.pop(rng.choice(sorted(pins))))
        now = {k for k in universe if ks.peek(0, k) is not None}
        gone = before - now - ({writing} if writing else set())
        expect = _evicted_in_order(ref, set(pins), gone, writing)
        assert sorted(gone) == sorted(expect), (step, gone, expect)
        for k in gone:
            del ref[k]
        if writing is not None:
            ref[writing] = None
            ref.move_to_end(writing)
        assert set(ref) == now
        ks.check_invariants()
    for item in pins.values():
        ks.unpin(item)
    ks.check_invariants()


def _items(n: int) -> list[Item]:
    s = SlabAllocator(PAGE, [64, PAGE])
    out = []
    for i in range(n):
        it = Item(s, b"k%d" % i, 1, (i,), 0)
        it.stamp = i + 1
        out.append(it)
    return out


def test_lru_peek_victim_is_pure_and_agrees_with_evict_step() -> None:
    rng = random.Random(5)
    pol = LRUPolicy()
    its = _items(50)
    for it in its:
        pol.insert(it)
    stamp = 100
    for _ in range(300):
        it = rng.choice(its)
        stamp += 1
        it.stamp = stamp                          # an access the heap has not seen yet
        it.refcount = int(rng.random() < 0.2)
        heap = list(pol.heap)
        members = dict(pol.members)
        peeked = pol.peek_victim()
        assert pol.heap == heap and pol.members == members      # the query changed nothing
        unpinned = [x for x in its if not x.refcount]
        assert peeked is (min(unpinned, key=lambda x: x.stamp) if unpinned else None)
        assert pol.evict_step() is peeked
        pol.check_invariants()


def test_s3fifo_peek_and_oldest_change_nothing() -> None:
    pol = S3FIFOPolicy()
    its = _items(5)
    for it in its:
        pol.insert(it)
        pol.touch(it)
    snapshot = (list(pol.small), list(pol.main), [it.freq for it in its])
    assert pol.peek_victim() is its[0] and pol.oldest() == 1
    assert (list(pol.small), list(pol.main), [it.freq for it in its]) == snapshot


def test_cross_class_query_leaves_untouched_classes_alone() -> None:
    """Choosing a class to evict from asks every class for its coldest item (read-only); only
    the chosen class steps. Five reused items of the other class stay on probation."""
    ks = make_ks(sizes=(CHUNK, PAGE), policy="allkeys-s3fifo")
    for i in range(12):
        ks.store(0, b"s%03d" % i, pattern(i, CHUNK - 100))      # older: this class is chosen
    for i in range(5):
        ks.store(0, b"b%03d" % i, pattern(i, PAGE - 100))
        ks.lookup(0, b"b%03d" % i)
    big = ks._policies[1]
    assert isinstance(big, S3FIFOPolicy) and len(big.small) == 5
    victim = ks._oldest_victim()
    assert victim is not None and victim.key == b"s000"
    assert len(big.small) == 5 and not big.main and [it.freq for it in big.small] == [1] * 5
    ks.check_invariants()


def test_lru_reinsert_with_the_same_stamp_keeps_one_live_entry() -> None:
    """RESTORE re-files an item (remove, insert) without a new access: one live entry only."""
    pol = LRUPolicy()
    its = _items(3)
    for it in its:
        pol.insert(it)
    pol.remove(its[0])
    pol.insert(its[0])                    # same stamp as its dead entry
    pol.check_invariants()
    assert pol.evict_step() is its[0]
    pol.remove(its[0], evicted=True)
    assert pol.evict_step() is its[1] and len(pol) == 2
    pol.check_invariants()
