"""Policy glue: access stamps and the membership of items in the per-class eviction policies.

Every access gives an item a fresh stamp (clock ms << STAMP_TICK_BITS, or one more than the last
stamp), so stamps strictly increase and exact LRU orders by them. A single-chunk item is a member
of its class's policy; a chained item of its tail class's and of the largest class's (a chain
frees memory in both). The policies themselves live in policy.py / lru.py / s3fifo.py; this
module only inserts, touches and removes. Under an LFU policy it also keeps each item's Redis LFU
counter (lfu.py) for OBJECT FREQ. Invariant (checks.py): the policies hold exactly the
linked items, each in the classes `_policy_classes` names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.config import LFU_POLICIES, POLICIES
from resp_server.store import lfu
from resp_server.store.items import STAMP_TICK_BITS, Chunked, Item
from resp_server.store.policies import make_policy
from resp_server.store.policy import Policy

if TYPE_CHECKING:
    from resp_server.store.leases import Leases
    from resp_server.store.slabs import SlabAllocator


class OrderingMixin:
    """Stamps and policy membership of a Keyspace's items."""

    _slabs: SlabAllocator
    _policies: list[Policy]
    _policy_name: str
    _last_stamp: int
    _lfu: bool                      # an LFU policy is selected: keep Item.lfu
    lfu_log_factor: int
    lfu_decay_time: int
    leases: Leases

    if TYPE_CHECKING:
        def clock(self) -> int: ...
        def unpin(self, item: Item) -> None: ...

    def set_policy(self, name: str) -> None:
        """CONFIG SET maxmemory-policy: rebuild every class's policy in access (stamp) order."""
        if name not in POLICIES:
            raise ValueError(f"maxmemory-policy must be one of {', '.join(POLICIES)}")
        for cid, old in enumerate(self._policies):
            new = make_policy(name)
            for item in sorted(old, key=_stamp_of):
                new.insert(item)
            self._policies[cid] = new
        self._policy_name = name
        was_lfu, self._lfu = self._lfu, name in LFU_POLICIES
        if self._lfu and not was_lfu:
            field = lfu.fresh(self.clock())
            for pol in self._policies:
                for item in pol:
                    item.lfu = field

    def lfu_frequency(self, item: Item) -> int:
        """OBJECT FREQ: the item's LFU counter decayed to now (not stored)."""
        return lfu.decayed(item.lfu, self.clock(), self.lfu_decay_time)

    def set_lfu_frequency(self, item: Item, counter: int) -> None:
        """RESTORE ... FREQ: the item's LFU counter, capped at 255, stamped now."""
        item.lfu = lfu.fresh(self.clock(), counter)

    def bump(self, item: Item, now: int) -> None:
        """An access to a live item at time `now` (ms): new stamp, LRU/frequency bump; a read
        ends the item's lookup lease (leases.py)."""
        if self.leases.deadlines and self.leases.release(item):
            self.unpin(item)
        item.stamp = self._stamp_at(now)
        if self._lfu:
            item.lfu = lfu.accessed(item.lfu, now, self.lfu_log_factor, self.lfu_decay_time)
        pols = self._policies
        if pols[item.cls].touches:
            pols[item.cls].touch(item)
            if len(item.chunks) > 1 and item.cls != self._slabs.largest:
                pols[self._slabs.largest].touch(item)

    def _new_stamp(self) -> int:
        return self._stamp_at(self.clock())

    def _stamp_at(self, now: int) -> int:
        """A fresh access stamp: `now` (ms) shifted left, or one more than the last stamp -
        strictly increasing even within a millisecond or when the wall clock steps back (exact
        LRU orders by stamps). read_view and rewrite inline it (the GET/SET lane)."""
        stamp = now << STAMP_TICK_BITS
        if stamp <= self._last_stamp:
            stamp = self._last_stamp + 1
        self._last_stamp = stamp
        return stamp

    def _policy_classes(self, item: Chunked) -> tuple[int, ...]:
        big = self._slabs.largest
        if len(item.chunks) > 1 and item.cls != big:
            return (item.cls, big)
        return (item.cls,)

    def _policy_insert(self, item: Item) -> None:
        if self._lfu:
            item.lfu = lfu.fresh(self.clock())
        if len(item.chunks) == 1:
            self._policies[item.cls].insert(item)
            return
        for cid in self._policy_classes(item):
            self._policies[cid].insert(item)

    def _policy_remove(self, item: Item, evicted: bool) -> None:
        if len(item.chunks) == 1:
            self._policies[item.cls].remove(item, evicted)
            return
        for cid in self._policy_classes(item):
            self._policies[cid].remove(item, evicted)


def _stamp_of(item: Item) -> int:
    return item.stamp
