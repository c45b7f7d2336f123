"""Exact LRU for one slab class: an OrderedDict of items, least recently used first.

`touch` is `move_to_end` (O(1), in C); the victim is the first member that may be evicted:
pinned items are skipped (so are TTL-less items under volatile-lru, which makes a volatile victim
search O(members) in the worst case - Redis samples instead; exact order was chosen over speed in
that rare mode). Invariant: `order` holds each member exactly once, values are None.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resp_server.store.items import Item


class LRUPolicy:
    __slots__ = ("name", "evicts", "volatile", "order")

    def __init__(self, name: str = "allkeys-lru", volatile: bool = False, evicts: bool = True) -> None:
        self.name = name
        self.evicts = evicts                               # False: noeviction
        self.volatile = volatile                           # only items with a TTL are victims
        self.order: OrderedDict[Item, None] = OrderedDict()  # LRU first

    def insert(self, item: Item) -> None:
        self.order[item] = None

    def touch(self, item: Item) -> None:
        self.order.move_to_end(item)

    def remove(self, item: Item, evicted: bool = False) -> None:
        del self.order[item]

    def can_evict(self, item: Item) -> bool:
        return self.evicts and not item.refcount and (not self.volatile or item.expire_at is not None)

    def victim(self) -> Item | None:
        if not self.evicts:
            return None
        volatile = self.volatile
        for item in self.order:
            if item.refcount or (volatile and item.expire_at is None):
                continue
            return item
        return None

    def oldest(self) -> int | None:
        v = self.victim()
        return None if v is None else v.stamp

    def __len__(self) -> int:
        return len(self.order)

    def __iter__(self) -> Iterator[Item]:
        return iter(list(self.order))

    def __contains__(self, item: object) -> bool:
        return item in self.order

    def check_invariants(self) -> None:
        assert all(v is None for v in self.order.values()), "LRU: unexpected values"
