"""S3-FIFO for one slab class (Yang et al., SOSP'23): scan-resistant, keeps shared prefixes.

Three FIFO queues. New items enter the small probation queue S (about SMALL_RATIO of the
members), or the main queue M directly when their key's hash is in the ghost queue G (recently
evicted from S: the key came back, so it is reused). An access only bumps the item's 2-bit
`freq` (no queue movement, hence cheap). To evict: while S holds at least SMALL_RATIO of the
members (or M is empty), the oldest of S is promoted to M if it was accessed at least
PROMOTE_FREQ times while on probation, else it is evicted and its key hash remembered in G;
otherwise the oldest of M is evicted if its freq is 0, else reinserted at M's head with freq - 1
(CLOCK). One-off keys (a scan, a one-off prompt) therefore leave through S quickly while the
reused shared prefixes (system prompts, documents) live in M.

allkeys-lfu maps here: S3-FIFO is frequency-aware (a 2-bit counter with decay by one per pass of
M), needs O(1) work per access and, unlike an exact LFU heap, no log-n reordering in Python.

Pinned items are never evicted: they are rotated to the head of their queue unchanged. G holds
at most max(members at its last insertion, GHOST_MIN) hashes. Invariants: every member is in exactly one of S and M;
freq is within 0..FREQ_MAX.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resp_server.store.items import Item

SMALL_RATIO = 0.10   # share of members kept in the probation queue (paper: 10%)
PROMOTE_FREQ = 1     # accesses while on probation to be promoted (one reuse marks a shared chunk)
FREQ_MAX = 3         # 2-bit counter
GHOST_MIN = 64       # ghost entries kept even for tiny classes


class S3FIFOPolicy:
    __slots__ = ("name", "evicts", "small", "main", "ghost")
    touches = True             # an access bumps freq

    def __init__(self, name: str = "allkeys-s3fifo") -> None:
        self.name = name
        self.evicts = True
        self.small: OrderedDict[Item, None] = OrderedDict()   # probation FIFO, oldest first
        self.main: OrderedDict[Item, None] = OrderedDict()    # main FIFO (CLOCK), oldest first
        self.ghost: OrderedDict[int, None] = OrderedDict()    # hashes of keys evicted from small

    def insert(self, item: Item) -> None:
        item.freq = 0
        h = hash(item.key)
        if h in self.ghost:
            del self.ghost[h]
            self.main[item] = None
        else:
            self.small[item] = None

    def touch(self, item: Item) -> None:
        if item.freq < FREQ_MAX:
            item.freq += 1

    def remove(self, item: Item, evicted: bool = False) -> None:
        if item in self.small:
            del self.small[item]
            if evicted:
                self._remember(item)
        else:
            del self.main[item]

    def _remember(self, item: Item) -> None:
        ghost = self.ghost
        ghost[hash(item.key)] = None
        limit = max(len(self.small) + len(self.main), GHOST_MIN)
        while len(ghost) > limit:
            ghost.popitem(last=False)

    def can_evict(self, item: Item) -> bool:
        return not item.refcount

    def evict_step(self) -> Item | None:
        """The next item to evict (left in place; promotions and CLOCK passes happen here), or
        None only when every member is pinned. Terminates: promotions (at most one per member
        of S) and freq decrements (at most FREQ_MAX per member) are finite, and between two of
        them a queue is rotated at most once around (its pinned items), after which the other
        queue is tried even when the size rule prefers this one."""
        small, main = self.small, self.main
        pinned_small = pinned_main = 0          # pinned items rotated in a row, per queue
        while True:
            try_small = len(small) > pinned_small
            try_main = len(main) > pinned_main
            if not (try_small or try_main):
                return None
            if try_small and (not try_main or len(small) >= SMALL_RATIO * len(self)):
                item = next(iter(small))
                if item.freq >= PROMOTE_FREQ:
                    del small[item]
                    main[item] = None
                    pinned_small = 0
                elif item.refcount:
                    small.move_to_end(item)
                    pinned_small += 1
                else:
                    return item
            else:
                item = next(iter(main))
                if item.freq > 0:
                    item.freq -= 1
                    main.move_to_end(item)
                    pinned_main = 0
                elif item.refcount:
                    main.move_to_end(item)
                    pinned_main += 1
                else:
                    return item

    def peek_victim(self) -> Item | None:
        """Read-only estimate of evict_step(): the first evictable member that would leave
        without a promotion or a CLOCK pass (freq low enough), in eviction order; else the
        first evictable member at all. Nothing moves and no counter changes."""
        small_first = self.small and (not self.main or len(self.small) >= SMALL_RATIO * len(self))
        order = (self.small, self.main) if small_first else (self.main, self.small)
        fallback = None
        for q in order:
            limit = PROMOTE_FREQ if q is self.small else 1
            for item in q:
                if not item.refcount:
                    if item.freq < limit:
                        return item
                    fallback = fallback or item
        return fallback

    def oldest(self) -> int | None:
        """Stamp of the oldest unpinned member of S or M (an age estimate for automove)."""
        best = None
        for q in (self.small, self.main):
            for item in q:
                if not item.refcount:
                    if best is None or item.stamp < best:
                        best = item.stamp
                    break
        return best

    def __len__(self) -> int:
        return len(self.small) + len(self.main)

    def __iter__(self) -> Iterator[Item]:
        return iter(list(self.small) + list(self.main))

    def __contains__(self, item: object) -> bool:
        return item in self.small or item in self.main

    def check_invariants(self) -> None:
        both = self.small.keys() & self.main.keys()
        assert not both, f"S3-FIFO: {len(both)} items in both small and main"
        for item in self:
            assert 0 <= item.freq <= FREQ_MAX, f"S3-FIFO: freq {item.freq} out of range"
