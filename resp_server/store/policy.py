"""Eviction policy interface and factory: one policy object per slab class.

A policy orders the items holding chunks of one class and names the next victim when that class
needs memory (eviction runs in the allocation path, per class, as in memcached). A chained item
(chunks in the largest class plus a tail elsewhere) is a member of both classes' policies (under
S3-FIFO its one `freq` counter is shared by both queues).
`victim()` returns an evictable (unpinned, and for volatile policies TTL-bearing) item that is
still a member - the keyspace then unlinks it, which calls `remove(item, evicted=True)`.
`oldest()` is the stamp of the item the policy would give up first, for automove's comparison of
classes. Iteration yields the members from the eviction end (used to rebuild under a new policy
and by check_invariants).

Names (maxmemory-policy): allkeys-lru (exact LRU, default), volatile-lru (exact LRU over keys with
a TTL), noeviction (LRU order kept, victim() is always None), allkeys-s3fifo and allkeys-lfu (both
S3-FIFO: a frequency-aware, scan-resistant policy; see s3fifo.py for why LFU maps to it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from resp_server.store.items import Item


class Policy(Protocol):
    name: str
    evicts: bool                     # False for noeviction
    touches: bool                    # False: touch() does nothing (the keyspace may skip it)

    def insert(self, item: Item) -> None: ...
    def touch(self, item: Item) -> None: ...
    def remove(self, item: Item, evicted: bool = False) -> None: ...
    def victim(self) -> Item | None: ...
    def oldest(self) -> int | None: ...
    def can_evict(self, item: Item) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Item]: ...
    def __contains__(self, item: object) -> bool: ...
    def check_invariants(self) -> None: ...


def make_policy(name: str) -> Policy:
    """A fresh, empty policy object for one class."""
    from resp_server.store.lru import LRUPolicy
    from resp_server.store.s3fifo import S3FIFOPolicy

    if name == "allkeys-lru":
        return LRUPolicy(name)
    if name == "volatile-lru":
        return LRUPolicy(name, volatile=True)
    if name == "noeviction":
        return LRUPolicy(name, evicts=False)
    if name in ("allkeys-s3fifo", "allkeys-lfu"):
        return S3FIFOPolicy(name)
    raise ValueError(f"unknown maxmemory-policy {name!r}")
