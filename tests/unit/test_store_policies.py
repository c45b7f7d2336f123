"""Eviction policies and automove: LRU and S3-FIFO units, scan resistance, size-mix change."""

from __future__ import annotations

from pathlib import Path
from zlib import crc32

import pytest

from resp_server.config import MIB, StoreConfig
from resp_server.store.adaptive import SAMPLE, AdaptivePolicy
from resp_server.store.arc import ARCPolicy
from resp_server.store.automove import ClassStats, page_sources, reclaim_order
from resp_server.store.items import Item
from resp_server.store.keyspace import Keyspace
from resp_server.store.lru import LRUPolicy
from resp_server.store.policies import make_policy
from resp_server.store.s3fifo import S3FIFOPolicy
from resp_server.store.slabs import SlabAllocator
from tests.unit.helpers import PAGE, cap_for, make_ks, pattern, present

ROOT = Path(__file__).resolve().parents[2]


def items(n: int) -> list[Item]:
    s = SlabAllocator(PAGE, [64, PAGE])
    out = []
    for i in range(n):
        it = Item(s, b"k%d" % i, 1, (i,), 0)
        it.stamp = i
        out.append(it)
    return out


# --- LRU ----------------------------------------------------------------------------------
def test_lru_victim_order_touch_and_pins() -> None:
    pol = LRUPolicy()
    its = items(5)
    for it in its:
        pol.insert(it)
    its[0].stamp = 10                   # the keyspace stamps an access, then calls touch
    pol.touch(its[0])
    assert pol.evict_step() is its[1]
    its[1].refcount = 1
    assert pol.evict_step() is its[2] and pol.oldest() == 2
    pol.remove(its[2])
    assert pol.evict_step() is its[3]
    assert list(pol) == [its[1], its[3], its[4], its[0]]
    pol.check_invariants()


def test_volatile_and_noeviction_victims() -> None:
    its = items(3)
    vol = make_policy("volatile-lru")
    noev = make_policy("noeviction")
    for it in its:
        vol.insert(it)
        noev.insert(it)
    assert vol.evict_step() is None
    its[2].expire_at = 5
    assert vol.evict_step() is its[2] and noev.evict_step() is None and not noev.can_evict(its[0])


# --- S3-FIFO ------------------------------------------------------------------------------
def test_s3fifo_one_offs_leave_through_small_and_ghost_readmits_to_main() -> None:
    pol = S3FIFOPolicy()
    its = items(20)
    for it in its:
        pol.insert(it)
    assert len(pol.small) == 20 and not pol.main
    pol.touch(its[0])
    v = pol.evict_step()                    # its[0] was reused: promoted; its[1] goes
    assert v is its[1] and its[0] in pol.main
    pol.remove(v, evicted=True)
    assert hash(its[1].key) in pol.ghost
    back = Item(its[1]._slabs, its[1].key, 1, (99,), 0)
    pol.insert(back)                    # a ghost hit goes straight to main
    assert back in pol.main and hash(back.key) not in pol.ghost
    pol.check_invariants()


def test_s3fifo_main_is_clock_and_skips_pins() -> None:
    pol = S3FIFOPolicy()
    its = items(3)
    for it in its:
        pol.insert(it)
        pol.touch(it)
        pol.touch(it)
    assert pol.peek_victim() is its[0] and len(pol.small) == 3      # a peek moves nothing
    assert [it.freq for it in its] == [2, 2, 2]
    v = pol.evict_step()                # all three reused: promoted; two CLOCK passes age them
    assert v is its[0] and len(pol.main) == 3 and not pol.small
    assert [it.freq for it in its] == [0, 0, 0]
    its[0].refcount = 1
    assert pol.peek_victim() is its[1]
    assert pol.evict_step() is its[1]   # pinned its[0] skipped
    for it in its:
        it.refcount = 1
    assert pol.evict_step() is None and pol.peek_victim() is None
    pol.check_invariants()


def test_allkeys_lfu_maps_to_s3fifo() -> None:
    assert isinstance(make_policy("allkeys-lfu"), S3FIFOPolicy)


def run_scan_workload(policy: str) -> float:
    """Hot set of 20 keys re-read between bursts of one-off keys; returns the hot hit ratio."""
    ks = Keyspace(StoreConfig(maxmemory=cap_for(25, 100, keylen=6), policy=policy,
                              slab_page_size=PAGE, slab_sizes=(PAGE // 4,)))
    hot = [b"h%05d" % i for i in range(20)]
    for i, k in enumerate(hot):
        ks.store(0, k, pattern(i, PAGE // 4))
        ks.lookup(0, k)
    hits = total = 0
    for burst in range(30):
        for j in range(150):            # one-off scan keys, never read again
            ks.store(0, b"o%05d" % (burst * 150 + j), pattern(j, PAGE // 4))
        for i, k in enumerate(hot):
            total += 1
            if ks.lookup(0, k) is not None:
                hits += 1
            else:
                ks.store(0, k, pattern(i, PAGE // 4))
    ks.check_invariants()
    return hits / total


def test_s3fifo_hot_set_survives_scans_that_flush_lru() -> None:
    lru = run_scan_workload("allkeys-lru")
    s3 = run_scan_workload("allkeys-s3fifo")
    assert lru < 0.1, lru               # 150 one-offs through a 100-chunk cache flush LRU ...
    assert s3 > 0.9, s3                 # ... but not the reused keys under S3-FIFO


# --- automove policy (pure) ---------------------------------------------------------------
def cs(cid: int, pages: int = 1, per_page: int = 4, free: int = 0, empty: int = 0,
       oldest: int | None = None) -> ClassStats:
    return ClassStats(cid, pages, per_page, free, empty, oldest)


def test_page_sources_tiers() -> None:
    stats = [cs(0, oldest=10), cs(1, free=4, oldest=50), cs(2, empty=1, free=4, oldest=90),
             cs(3, oldest=95), cs(4, pages=0)]
    assert page_sources(stats, dst=3, now=100) == [2, 1, 0]
    assert page_sources(stats, dst=0, now=100) == [2, 1]     # nobody older than dst by 2x
    taker_without_items = [cs(0, oldest=80), cs(1, oldest=None), cs(5, pages=0)]
    assert page_sources(taker_without_items, dst=5, now=100) == [0]
    assert reclaim_order([cs(0, oldest=5), cs(1, oldest=1)], now=10) == [1, 0]


# --- size-mix change (automove mechanism in the allocation path) -------------------------
def test_size_mix_change_moves_pages_between_classes() -> None:
    """16 MiB cap: fill with 3 MiB values, switch to 1 MiB values, then back."""
    ks = make_ks(maxmemory=16 * MIB, page=MIB, sizes=(MIB, 3 * MIB))
    big = [b"big%02d" % i for i in range(8)]
    for i, k in enumerate(big):
        ks.store(0, k, pattern(i, 3 * MIB - 100))
    (cls3,) = ks.info_slabs()
    assert cls3["chunk_size"] == 3 * MIB and cls3["pages"] == 5
    small = [b"small%02d" % i for i in range(20)]
    for i, k in enumerate(small):
        ks.store(0, k, pattern(100 + i, MIB - 100))
    by_size = {s["chunk_size"]: s for s in ks.info_slabs()}
    assert by_size[MIB]["pages"] == 5 and by_size[3 * MIB]["pages"] == 0
    assert present(ks, small) == small[-15:]          # 5 pages x 3 chunks of the new size
    assert by_size[3 * MIB]["evictions"] == 8 and by_size[MIB]["evictions"] == 5
    assert ks.stats.slab_reassigns == 5
    for i, k in enumerate(small[-15:]):
        assert ks.peek(0, k).to_bytes() == pattern(105 + i, MIB - 100)  # type: ignore[union-attr]
    for i, k in enumerate(big[:3]):                   # and back again
        ks.store(0, k, pattern(i, 3 * MIB - 100))
    by_size = {s["chunk_size"]: s for s in ks.info_slabs()}
    assert by_size[3 * MIB]["pages"] == 3 and by_size[MIB]["pages"] == 2
    assert present(ks, big) == big[:3] and ks.used_memory <= ks.maxmemory


def test_size_mix_change_default_classes_chain_to_small() -> None:
    """Default factor classes: 3 MiB chains fill the cap, then 100 KiB values take over."""
    ks = make_ks(maxmemory=16 * MIB, page=MIB)
    for i in range(6):
        ks.store(0, b"chain%d" % i, pattern(i, 3 * MIB))
    small = [b"s%03d" % i for i in range(150)]
    for i, k in enumerate(small):
        ks.store(0, k, pattern(i, 100 * 1024))
    slabs = ks.info_slabs()
    largest = max(slabs, key=lambda s: s["chunk_size"])
    assert largest["chunk_size"] == MIB and largest["evictions"] >= 5
    mid = [s for s in slabs if s["chunk_size"] < MIB and s["pages"]]
    assert sum(s["pages"] for s in mid) >= 14
    assert len(present(ks, small)) >= 100
    assert ks.used_memory <= ks.maxmemory


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-s3fifo", "allkeys-arc", "allkeys-adaptive"])
def test_size_mix_change_skips_pinned_pages(policy: str) -> None:
    ks = make_ks(maxmemory=cap_for(4, 16, page=3 * PAGE), page=PAGE, sizes=(PAGE, 3 * PAGE),
                 policy=policy)
    pinned = ks.store(0, b"p", pattern(1, 3 * PAGE - 10))
    ks.pin(pinned)
    for i in range(3):
        ks.store(0, b"b%d" % i, pattern(i, 3 * PAGE - 10))
    for i in range(12):
        ks.store(0, b"s%d" % i, pattern(i, PAGE - 10))
    assert ks.peek(0, b"p") is pinned and pinned.to_bytes() == pattern(1, 3 * PAGE - 10)
    by_size = {s["chunk_size"]: s for s in ks.info_slabs()}
    assert by_size[3 * PAGE]["pages"] == 1 and by_size[PAGE]["pages"] == 3
    ks.unpin(pinned)


# --- ARC (the default) ---------------------------------------------------------------------
def test_arc_reuse_moves_to_t2_and_ghost_hits_adapt_p() -> None:
    pol = ARCPolicy()
    its = items(10)
    for it in its:
        pol.insert(it)
        pol.check_invariants()
    assert len(pol.t1) == 10 and not pol.t2
    pol.touch(its[0])                   # reused: T2
    assert its[0] in pol.t2 and pol.peek_victim() is its[1]
    p0 = pol.p
    for _ in range(3):                  # T1 over its share: its least recent items go, to B1
        v = pol.evict_step()
        assert v is not None and v in pol.t1
        pol.remove(v, evicted=True)
        pol.check_invariants()
    assert hash(its[1].key) in pol.b1
    back = Item(its[1]._slabs, its[1].key, 1, (99,), 0)
    pol.insert(back)                    # came back through B1: T1 was too small
    assert back in pol.t2 and pol.p > p0 and pol.ghost_hits == [1, 0]
    assert "p=" in pol.state()
    pol.check_invariants()


def test_wide_arc_recognises_turns_further_apart_and_steps_twice() -> None:
    """A key evicted 200 evictions ago (twice a 100-member class) is forgotten by ARC's 1x ghost
    list but is a ghost hit in the wide ARC's 3x list, whose p then moves twice ARC's step."""
    from resp_server.store.arc import WIDE_ADAPT, WIDE_GHOST_FACTOR, wide_arc
    assert WIDE_GHOST_FACTOR * 100 > 200 > 100 and WIDE_ADAPT == 2 * ARCPolicy().adapt
    outcome = {}
    for pol in (ARCPolicy(), wide_arc(), ARCPolicy(ghost_factor=WIDE_GHOST_FACTOR)):
        pool = items(301)
        for it in pool[:100]:
            pol.insert(it)
        for it in pool[100:300]:
            v = pol.evict_step()
            assert v is not None
            pol.remove(v, evicted=True)
            pol.insert(it)
            pol.check_invariants()
        p0 = pol.p
        back = Item(pool[0]._slabs, pool[0].key, 1, (7,), 0)
        pol.insert(back)
        pol.check_invariants()
        outcome[(pol.adapt, pol.ghost_factor)] = (back in pol.t2, pol.ghost_hits[0], pol.p - p0)
    plain, wide, slow = outcome.values()
    assert plain == (False, 0, 0.0)
    assert wide[:2] == (True, 1) and slow[:2] == (True, 1)
    assert wide[2] == pytest.approx(2 * slow[2]) and slow[2] > 0


def test_arc_skips_pins_and_peek_is_pure() -> None:
    pol = ARCPolicy()
    its = items(4)
    for it in its:
        pol.insert(it)
    its[0].refcount = 1
    before = (list(pol.t1), list(pol.t2), pol.p)
    assert pol.peek_victim() is its[1]
    assert (list(pol.t1), list(pol.t2), pol.p) == before
    assert pol.evict_step() is its[1]
    for it in its:
        it.refcount = 1
    assert pol.evict_step() is None and pol.oldest() is None


@pytest.mark.parametrize("seed", [1, 2])
def test_arc_random_ops_keep_invariants(seed: int) -> None:
    """Inserts, accesses, evictions and removals at random; invariants after every step."""
    import random
    rng = random.Random(seed)
    pol = ARCPolicy()
    pool = items(200)
    members: set[Item] = set()
    for step in range(3000):
        it = rng.choice(pool)
        it.stamp = 1000 + step          # the keyspace stamps every insert and access
        r = rng.random()
        if it not in members and r < 0.5:
            if len(members) >= 50:
                v = pol.evict_step()
                assert v is not None and v in members and not v.refcount
                pol.remove(v, evicted=True)
                members.discard(v)
            pol.insert(it)
            members.add(it)
        elif it in members and r < 0.9:
            pol.touch(it)
        elif it in members:
            pol.remove(it)
            members.discard(it)
        assert set(pol) == members and len(pol) == len(members)
        pol.check_invariants()


def test_default_policy_is_adaptive() -> None:
    assert StoreConfig().policy == "allkeys-adaptive"
    assert isinstance(make_policy("allkeys-adaptive"), AdaptivePolicy)
    assert isinstance(make_policy("allkeys-arc"), ARCPolicy)


@pytest.mark.parametrize("seed", [1, 2])
def test_adaptive_random_ops_keep_invariants_and_follow_the_best_shadow(seed: int) -> None:
    """Random inserts/accesses/evictions/removals with pins; invariants after every step. The
    expert evicting is always the one whose shadow scores highest."""
    import random
    rng = random.Random(seed)
    pol = AdaptivePolicy()
    pool = items(400)
    members: set[Item] = set()
    stamp = 1000
    for _ in range(3000):
        it = rng.choice(pool[:100] if rng.random() < 0.7 else pool)
        stamp += 1
        if it not in members:
            if len(members) >= 64:
                v = pol.evict_step()
                assert v is not None and v in members and not v.refcount
                pol.remove(v, evicted=True)
                members.discard(v)
            it.stamp = stamp
            it.refcount = int(rng.random() < 0.05)
            pol.insert(it)
            members.add(it)
        elif rng.random() < 0.9:
            it.stamp = stamp
            it.refcount = 0                 # the pin ends (a send drained)
            pol.touch(it)
        else:
            pol.remove(it)
            members.discard(it)
        assert set(pol) == members
        assert set(pol.sampled) == {m for m in members if not crc32(m.key) % SAMPLE}
        assert pol.score[pol.use] == max(pol.score)
        pol.check_invariants()
    assert "expert=" in pol.state() and max(pol.score) > 0



def test_adaptive_evicts_as_exact_lru_until_a_shadow_leads() -> None:
    """No sampled key, so no shadow evidence: the default evicts the least recently used item
    (A, reused once, long ago), where ARC would evict the oldest item seen only once (B)."""
    s = SlabAllocator(PAGE, [64, PAGE])
    keys = [k for k in (b"u%d" % i for i in range(100)) if crc32(k) % SAMPLE][:4]
    a, b, c, d = (Item(s, k, 1, (i,), 0) for i, k in enumerate(keys))
    pol, arc = AdaptivePolicy(), ARCPolicy()
    for stamp, (op, it) in enumerate([("ins", a), ("touch", a), ("ins", b), ("ins", c),
                                      ("ins", d)], start=1):
        it.stamp = stamp
        for p in (pol, arc):
            if op == "ins":
                p.insert(it)
            else:
                p.touch(it)
    assert pol.score == [0.0] * 4 and "expert=lru" in pol.state()
    assert arc.evict_step() is b
    assert pol.peek_victim() is a and pol.evict_step() is a
    pol.check_invariants()


_DUEL_RUN = """
from scripts import policy_sim, traces
tr = traces.generate("chat", 1500, 3, traces.TraceParams())
out, pol = policy_sim.simulate(tr, 300, "allkeys-adaptive")
print(out.hits, pol.state())
"""


def test_adaptive_sample_does_not_follow_the_hash_salt() -> None:
    """The duel's sample is chosen by crc32 of the key: two processes with different hash salts
    replay a trace to the same hits, scores and switches (with Python's salted hash() they do not)."""
    import os
    import subprocess
    import sys
    outs = set()
    for salt in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": salt}
        res = subprocess.run([sys.executable, "-c", _DUEL_RUN], capture_output=True, text=True,
                             env=env, timeout=120, check=True, cwd=ROOT)
        outs.add(res.stdout.strip())
    assert len(outs) == 1 and "switches=" in outs.pop()
