"""The eviction policy interface: one policy object per slab class (policies.py builds them).

A policy orders the items holding chunks of one class and names the next victim when that class
needs memory (eviction runs in the allocation path, per class, as in memcached). A chained item
(chunks in the largest class plus a tail elsewhere) is a member of both classes' policies (under
S3-FIFO its one `freq` counter is shared by both queues).
Queries never change the cache: `peek_victim()` is read-only (Caffeine's `coldest()` snapshot) -
the member the policy would give up next, exact for LRU and an estimate for the queue policies
(whose next step may first promote or age items); `oldest()` is that item's stamp, for automove's
comparison of classes. Only `evict_step()` advances the policy (promotions, CLOCK passes, window
moves) and returns an evictable (unpinned, unleased, and for volatile policies TTL-bearing) item
that is still a member - the keyspace then unlinks it, which calls `remove(item, evicted=True)`. Iteration yields the members from the eviction end (used to rebuild under a new policy
and by check_invariants).

Names (maxmemory-policy, policies.py): allkeys-adaptive (the default, see config.py: ARC, exact LRU and S3-FIFO
over the same members, the evicting one chosen by dueling shadow caches; adaptive.py),
allkeys-arc (ARC alone), allkeys-lru (exact LRU), volatile-lru (exact LRU over keys with a TTL),
noeviction (LRU order kept, evict_step() is always None), allkeys-s3fifo and allkeys-lfu (both
S3-FIFO: frequency-aware and scan-resistant; see s3fifo.py for why LFU maps to it).
docs/eviction.md explains each in two sentences and gives the measurements.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
    def peek_victim(self) -> Item | None: ...
    def evict_step(self) -> Item | None: ...
    def oldest(self) -> int | None: ...
    def can_evict(self, item: Item) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Item]: ...
    def __contains__(self, item: object) -> bool: ...
    def check_invariants(self) -> None: ...


def policy_state(policies: Sequence[Policy]) -> str:
    """INFO's maxmemory_policy_state: the adaptive policy's state per class that holds items
    (`c<class>:<state>` joined by `;`), or `-` for policies that do not adapt."""
    parts = [f"c{cid}:{pol.state()}" for cid, pol in enumerate(policies)
             if len(pol) and hasattr(pol, "state")]
    return ";".join(parts) or "-"
