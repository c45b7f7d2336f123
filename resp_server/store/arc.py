"""Adaptive Replacement Cache for one slab class (Megiddo & Modha, FAST'03). `allkeys-arc`.

Two lists of members: T1 holds items seen once since they entered (a FIFO: its members leave on
their first re-access), T2 items accessed again (an exact LRU with lazy promotion, lru.py, so a
hit on a T2 member costs one membership test). Two ghost lists of key hashes remember what left
each: B1 (evicted from T1) and B2 (evicted from T2). The target share of T1, `p`, adapts on every
ghost hit: a key that comes back through B1 says "T1 was too small" (p grows by
ADAPT × max(1, |B2|/|B1|) items), one through B2 the opposite; such a returning key enters T2. To
evict, T1's oldest item goes while T1 is over its target (or T2 is empty), else T2's least recent.

Departures from the paper, both for prefix caches whose conversation turns come minutes apart:
each ghost list keeps up to GHOST_FACTOR × c hashes (the paper: |T1|+|B1| <= c, total <= 2c), so
a chunk evicted long before its next turn is still recognised; with ghosts this large, ghost hits
are frequent and p moves ADAPT (a quarter) of the paper's step. `c` is the member count when a
ghost is added (a slab class has no fixed item count; it is full when it evicts). Both are
per-instance (`adapt`, `ghost_factor`): the default policy also runs a wide ARC (WIDE_GHOST_FACTOR,
WIDE_ADAPT) that recognises turns further apart and follows them faster (docs/eviction.md).
Pinned items are never evicted: they are skipped in place. Invariants: every member is in exactly
one of T1, T2; 0 <= p <= 1; each ghost list within max(GHOST_MIN, ghost_factor × c), c taken at
the list's last growth.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from resp_server.store.lru import LRUPolicy

if TYPE_CHECKING:
    from resp_server.store.items import Item

GHOST_FACTOR = 1.0   # ghost hashes kept per list, × members
ADAPT = 0.25         # share of the paper's p step per ghost hit
GHOST_MIN = 64        # ghost entries kept even for tiny classes
P_INITIAL = 0.5       # T1's starting share (ARC starts at 0; either converges within a cache turn)
WIDE_GHOST_FACTOR = 3.0   # the wide variant (an expert of allkeys-adaptive): longer ghost lists
WIDE_ADAPT = 0.5          # ... and twice the p step


class ARCPolicy:
    __slots__ = ("name", "evicts", "t1", "t2", "b1", "b2", "p", "ghost_hits", "adapt",
                 "ghost_factor", "ghost_cap")
    touches = True             # an access moves the item to T2

    def __init__(self, name: str = "allkeys-arc", adapt: float = ADAPT,
                 ghost_factor: float = GHOST_FACTOR) -> None:
        self.name = name
        self.evicts = True
        self.adapt = adapt                                 # share of the paper's p step
        self.ghost_factor = ghost_factor                   # ghost hashes per list, × members
        self.ghost_cap = GHOST_MIN                         # each list's bound at its last growth
        self.t1: OrderedDict[Item, None] = OrderedDict()   # seen once, least recent first
        self.t2 = LRUPolicy()                              # seen again: exact LRU by stamp
        self.b1: OrderedDict[int, None] = OrderedDict()    # key hashes evicted from T1
        self.b2: OrderedDict[int, None] = OrderedDict()    # key hashes evicted from T2
        self.p = P_INITIAL                                 # target share of T1 (adapted)
        self.ghost_hits = [0, 0]                           # B1, B2 hits (INFO)

    def insert(self, item: Item) -> None:
        h = hash(item.key)
        if h in self.b1:
            n = max(1, len(self))
            self.p = min(1.0, self.p + self.adapt * max(1.0, len(self.b2) / len(self.b1)) / n)
            del self.b1[h]
            self.ghost_hits[0] += 1
            self.t2.insert(item)
        elif h in self.b2:
            n = max(1, len(self))
            self.p = max(0.0, self.p - self.adapt * max(1.0, len(self.b1) / len(self.b2)) / n)
            del self.b2[h]
            self.ghost_hits[1] += 1
            self.t2.insert(item)
        else:
            self.t1[item] = None

    def touch(self, item: Item) -> None:
        """The keyspace has written item.stamp: a T2 member needs nothing more (T2's heap
        re-keys lazily); a T1 member moves to T2."""
        t1 = self.t1
        if item in t1:
            del t1[item]
            self.t2.insert(item)

    def remove(self, item: Item, evicted: bool = False) -> None:
        if item in self.t1:
            del self.t1[item]
            if evicted:
                self._remember(self.b1, item)
        else:
            self.t2.remove(item)
            if evicted:
                self._remember(self.b2, item)

    def _remember(self, ghost: OrderedDict[int, None], item: Item) -> None:
        ghost[hash(item.key)] = None
        c = len(self.t1) + len(self.t2.members) + 1        # the class was full: its capacity
        limit = self.ghost_factor * c
        if limit < GHOST_MIN:
            limit = GHOST_MIN
        self.ghost_cap = limit
        b1, b2 = self.b1, self.b2
        while len(b1) > limit:
            b1.popitem(last=False)
        while len(b2) > limit:
            b2.popitem(last=False)

    def can_evict(self, item: Item) -> bool:
        return not item.refcount

    def evict_step(self) -> Item | None:
        """The next item to evict (left in place; T2's heap may re-key stale entries)."""
        if self._t1_over():
            return _first_unpinned(self.t1) or self.t2.evict_step()
        return self.t2.evict_step() or _first_unpinned(self.t1)

    def peek_victim(self) -> Item | None:
        if self._t1_over():
            return _first_unpinned(self.t1) or self.t2.peek_victim()
        return self.t2.peek_victim() or _first_unpinned(self.t1)

    def _t1_over(self) -> bool:
        t1, t2 = len(self.t1), len(self.t2.members)
        return t1 > 0 and (t1 > self.p * (t1 + t2) or not t2)

    def oldest(self) -> int | None:
        v = self.peek_victim()
        return None if v is None else v.stamp

    def state(self) -> str:
        """Adaptation state for INFO: T1's target share, list sizes and ghost hits."""
        return (f"p={self.p:.4f},t1={len(self.t1)},t2={len(self.t2)},b1={len(self.b1)},"
                f"b2={len(self.b2)},b1_hits={self.ghost_hits[0]},b2_hits={self.ghost_hits[1]}")

    def __len__(self) -> int:
        return len(self.t1) + len(self.t2.members)

    def __iter__(self) -> Iterator[Item]:
        return iter([*self.t1, *self.t2])

    def __contains__(self, item: object) -> bool:
        return item in self.t1 or item in self.t2

    def check_invariants(self) -> None:
        self.t2.check_invariants()
        both = self.t1.keys() & self.t2.members.keys()
        assert not both, f"ARC: {len(both)} items in both T1 and T2"
        assert 0.0 <= self.p <= 1.0, f"ARC: p {self.p} out of range"
        limit = self.ghost_cap      # members may have left (removed, not evicted) since
        assert len(self.b1) <= limit, "ARC: B1 over its bound"
        assert len(self.b2) <= limit, "ARC: B2 over its bound"


def wide_arc() -> ARCPolicy:
    """The wide ARC expert of allkeys-adaptive (not selectable alone)."""
    return ARCPolicy("arc-wide", WIDE_ADAPT, WIDE_GHOST_FACTOR)


def _first_unpinned(q: OrderedDict[Item, None]) -> Item | None:
    for item in q:
        if not item.refcount:
            return item
    return None
