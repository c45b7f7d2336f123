"""S3-FIFO's evict_step() finds an evictable item whenever one exists (the allkeys OOM race).

Under verifying readers every chunk is read (freq > 0) and some are pinned while being sent. The
victim search used a step budget computed before promotions and spun on whichever queue the
size rule preferred, so it gave up (None: the write answered -OOM) with evictable items left.
"""

from __future__ import annotations

import random

from resp_server.store.s3fifo import FREQ_MAX, S3FIFOPolicy


class FakeItem:
    __slots__ = ("key", "freq", "refcount", "stamp")

    def __init__(self, key: bytes) -> None:
        self.key, self.freq, self.refcount, self.stamp = key, 0, 0, 0


def _policy(n: int) -> tuple[S3FIFOPolicy, list[FakeItem]]:
    p = S3FIFOPolicy()
    items = [FakeItem(b"k%d" % i) for i in range(n)]
    for it in items:
        p.insert(it)
    return p, items


def test_victim_found_when_every_probation_item_was_read_often():
    p, items = _policy(20)
    for it in items:
        it.freq = FREQ_MAX                 # all promoted to main, each needing FREQ_MAX passes
    v = p.evict_step()
    assert v is not None and not v.refcount
    p.check_invariants()


def test_victim_found_in_main_when_probation_is_all_pinned():
    p, items = _policy(10)
    for it in items[:8]:
        it.freq = 1
    assert p.evict_step() is items[8]          # promotes 0..7 to main, then the first unread one
    items[8].refcount = items[9].refcount = 1
    for it in items[:8]:
        it.freq = 0
    v = p.evict_step()                         # small is all pinned and >= 10%: main must be tried
    assert v is not None and not v.refcount


def test_victim_found_in_probation_when_main_is_all_pinned():
    p, items = _policy(30)
    for it in items[:28]:
        it.freq = 1
    p.evict_step()                             # 0..27 promoted to main
    for it in items[:28]:
        it.refcount = 1
    v = p.evict_step()
    assert v in (items[28], items[29])


def test_victim_none_only_when_all_pinned_random():
    rng = random.Random(11)
    for _ in range(300):
        p, items = _policy(rng.randint(1, 40))
        for it in items:
            it.freq = rng.randint(0, FREQ_MAX)
            it.refcount = int(rng.random() < 0.5)
        for _ in range(rng.randint(0, 3)):
            v = p.evict_step()
            if v is not None:
                p.remove(v, evicted=True)
                items.remove(v)
        v = p.evict_step()
        if any(not it.refcount for it in items):
            assert v is not None and not v.refcount
        else:
            assert v is None
        p.check_invariants()
