"""Exact LRU for one slab class, with lazy promotion: a min-heap of (stamp, seq, item) entries.

An access costs nothing here: the keyspace writes the item's `stamp` (its access time, strictly
increasing) and `touch` has nothing left to do, where an ordered list would relink a node on
every hit (with a large key set, cache misses on every GET). The heap catches up when a victim
is wanted (`evict_step`): the top entry is the smallest stamp *recorded*; if its item has been accessed since
(item.stamp differs), it is re-keyed with the current stamp and the search goes on; if its item
has left the policy (or was re-inserted), the entry is dropped. Recorded stamps never exceed
current ones, so a top entry whose stamp is current is the least recently used member: the order
is exact, not sampled. Each access re-keys at most one entry later: amortised O(log n) in C.
`peek_victim` answers the same question without touching the heap (automove and the cross-class
choice ask it; queries never change the cache).

Pinned items are skipped (and, under volatile-lru, TTL-less ones: a volatile search is O(members)
in the worst case - Redis samples instead; exact order was chosen over speed in that rare mode).
Removed items leave their entries behind until they surface or the heap is rebuilt (more than
twice the members plus REBUILD_SLACK entries).

Invariants: `members` maps each member to the sequence number of its one live entry, which is
in `heap` with a stamp never greater than the item's; every other entry is dead (its item is no
longer a member, or the member's live entry has another sequence number - so an item removed and
inserted again with the same stamp, as RESTORE's re-filing does, never has two live entries).
"""

from __future__ import annotations

from collections.abc import Iterator
from heapq import heapify, heappop, heappush, heapreplace
from itertools import count
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resp_server.store.items import Item

REBUILD_SLACK = 1024      # dead entries tolerated beyond the members before the heap is rebuilt


class LRUPolicy:
    __slots__ = ("name", "evicts", "volatile", "members", "heap", "seq")
    touches = False            # the stamp is all an access changes: the keyspace skips touch()

    def __init__(self, name: str = "allkeys-lru", volatile: bool = False, evicts: bool = True) -> None:
        self.name = name
        self.evicts = evicts                               # False: noeviction
        self.volatile = volatile                           # only items with a TTL are victims
        self.members: dict[Item, int] = {}                 # item -> seq of its live entry
        self.heap: list[tuple[int, int, Item]] = []        # (recorded stamp, seq, item)
        self.seq = count()                                 # tie-break: items never compare

    def insert(self, item: Item) -> None:
        seq = self.members[item] = next(self.seq)
        heappush(self.heap, (item.stamp, seq, item))

    def touch(self, item: Item) -> None:
        pass  # the keyspace has written item.stamp; evict_step() re-keys lazily

    def remove(self, item: Item, evicted: bool = False) -> None:
        del self.members[item]
        if len(self.heap) > 2 * len(self.members) + REBUILD_SLACK:
            self._rebuild()

    def can_evict(self, item: Item) -> bool:
        return self.evicts and not item.refcount and (not self.volatile or item.expire_at is not None)

    def evict_step(self) -> Item | None:
        """The least recently used evictable member (left in place; the keyspace unlinks it).
        Mutates the representation only: stale heap entries are re-keyed or dropped on the way."""
        if not self.evicts:
            return None
        heap, members, volatile = self.heap, self.members, self.volatile
        skipped: list[tuple[int, int, Item]] = []
        found = None
        while heap:
            stamp, seq, item = heap[0]
            if members.get(item) != seq:
                heappop(heap)                              # dead entry
            elif item.stamp != stamp:
                seq = members[item] = next(self.seq)       # accessed since: re-key, go on
                heapreplace(heap, (item.stamp, seq, item))
            elif item.refcount or (volatile and item.expire_at is None):
                skipped.append(heappop(heap))              # least recent, but may not go
            else:
                found = item
                break
        for entry in skipped:
            heappush(heap, entry)
        return found

    def peek_victim(self) -> Item | None:
        """What evict_step() would return, read-only: a best-first walk of the heap's nodes
        (by position, nothing popped) in which an entry whose item was accessed since stands in
        at its current stamp. The first live, current, evictable entry is the least recent one."""
        if not self.evicts:
            return None
        heap, members, volatile = self.heap, self.members, self.volatile
        frontier: list[tuple[int, int, int]] = [(heap[0][0], 0, 0)] if heap else []
        n = len(heap)
        while frontier:                         # (stamp, kind 0 = heap node / 1 = stand-in, pos)
            stamp, kind, pos = heappop(frontier)
            _, seq, item = heap[pos]
            if kind == 0:
                for child in (2 * pos + 1, 2 * pos + 2):
                    if child < n:
                        heappush(frontier, (heap[child][0], 0, child))
                if members.get(item) != seq:
                    continue                    # dead entry
                if item.stamp != stamp:
                    heappush(frontier, (item.stamp, 1, pos))
                    continue
            if not item.refcount and not (volatile and item.expire_at is None):
                return item
        return None

    def oldest(self) -> int | None:
        v = self.peek_victim()
        return None if v is None else v.stamp

    def _rebuild(self) -> None:
        self.heap = [(item.stamp, seq, item) for item, seq in self.members.items()]
        heapify(self.heap)

    def __len__(self) -> int:
        return len(self.members)

    def __iter__(self) -> Iterator[Item]:
        """Members from the eviction end (least recently used first)."""
        return iter(sorted(self.members, key=_stamp_of))

    def __contains__(self, item: object) -> bool:
        return item in self.members

    def check_invariants(self) -> None:
        live = {}
        for stamp, seq, item in self.heap:
            if self.members.get(item) == seq:
                assert id(item) not in live, f"LRU: two live entries for {item!r}"
                live[id(item)] = item
                assert stamp <= item.stamp, f"LRU: recorded stamp of {item!r} is ahead of its access"
        assert len(live) == len(self.members), \
            f"LRU: {len(self.members)} members but {len(live)} live heap entries"
        assert len(self.heap) <= 2 * len(self.members) + REBUILD_SLACK + 1, "LRU: dead entries not rebuilt"


def _stamp_of(item: Item) -> int:
    return item.stamp
