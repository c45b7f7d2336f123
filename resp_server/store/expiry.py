"""Expiry of the keyspace: lazy on lookup/peek (keyspace.py) plus Redis's sampled active cycle.

The active cycle visits the databases round robin from where the last one stopped; per db it
samples EXPIRE_SAMPLE keys with a TTL, expires those past due and repeats while more than
EXPIRE_REPEAT_PCT % of the sample had expired, all within a time budget (ms). The background half
of automove rides along (automove_cycle). Invariant: an expired key is unlinked exactly like a
delete (policies, db indexes, accounting) and counted in stats.expired_keys.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resp_server.store.accounting import KeyspaceStats
    from resp_server.store.db import Db
    from resp_server.store.items import Item
    from resp_server.store.leases import Leases
    from resp_server.store.slabs import SlabAllocator

EXPIRE_SAMPLE = 20          # keys sampled per active-expiry round (Redis: 20)
EXPIRE_REPEAT_PCT = 25      # repeat a db's round while more than this % of the sample expired
SPARE_EMPTY_PAGES = 1       # empty pages a class keeps through the background cycle (no churn)


class ExpiryMixin:
    """Expiring one item, and the bounded background cycle."""

    _slabs: SlabAllocator
    dbs: list[Db]
    _expire_db: int
    stats: KeyspaceStats
    leases: Leases

    if TYPE_CHECKING:
        def clock(self) -> int: ...
        def unpin(self, item: Item) -> None: ...
        def _unlink(self, item: Item, evicted: bool = False) -> None: ...
        def _notify(self, db: int, key: bytes | None) -> None: ...

    def _expire(self, item: Item) -> None:
        d = item.db
        key = item.key
        self._unlink(item)
        self.stats.expired_keys += 1
        self._notify(d.index, key)  # type: ignore[union-attr]

    def active_expire_cycle(self, budget_ms: float = 1.0) -> int:
        """Redis's active expiry: sample TTL keys per db, repeat while >25% expired; bounded time."""
        deadline = time.perf_counter() + budget_ms / 1000.0
        now = self.clock()
        expired = 0
        n = len(self.dbs)
        for i in range(n):
            d = self.dbs[(self._expire_db + i) % n]
            expired += self._expire_db_round(d, now, deadline)
            if time.perf_counter() >= deadline:
                self._expire_db = (self._expire_db + i + 1) % n
                break
        for done in self.leases.expired(now):
            self.unpin(done)
        self.automove_cycle()
        return expired

    def automove_cycle(self) -> int:
        """Background half of automove (run with active expiry): classes keep at most
        SPARE_EMPTY_PAGES empty pages; the rest go to the pool, where any class that starts
        to grow takes them without eviction (and used_memory drops after mass deletes)."""
        s = self._slabs
        return sum(s.unassign_empty(c.cid, keep=SPARE_EMPTY_PAGES)
                   for c in s.classes if c.empty_pages > SPARE_EMPTY_PAGES)

    def _expire_db_round(self, d: Db, now: int, deadline: float) -> int:
        expired = 0
        while d.ttl:
            sample = d.ttl_sample(EXPIRE_SAMPLE)
            hit = 0
            for item in sample:
                if item.db is d and item.expire_at is not None and item.expire_at <= now:
                    self._expire(item)
                    hit += 1
            expired += hit
            if hit * 100 <= EXPIRE_REPEAT_PCT * len(sample) or time.perf_counter() >= deadline:
                break
        return expired
