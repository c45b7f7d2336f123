"""Policy glue: access stamps and the membership of items in the per-class eviction policies.

Every access gives an item a fresh stamp (clock ms << STAMP_TICK_BITS, or one more than the last
stamp), so stamps strictly increase and exact LRU orders by them - except inside a pipeline chain:
while a connection runs one read's worth of pipelined commands (`chain_begin` .. `chain_end`;
a read that ends inside a command is continued by the next one),
the first access takes a stamp CHAIN_SPAN - 1 above the last one and each later access one less
(LMCache reads a prompt's chunks first to last, then writes the rest in order), so a chain's
deeper chunks are older than its head and exact LRU (ARC's T2) evicts a prefix from its tail,
never its head first (a cached tail behind an evicted head is dead memory). The whole chain is
still newer than every earlier access, and an item's stamp never decreases (a key accessed twice
in one chain keeps its first, higher stamp). `--pipeline-chains no` turns it off.
A single-chunk item is a member
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

CHAIN_SPAN = 256                # stamps reserved below a chain's head (longer chains start anew)


class OrderingMixin:
    """Stamps and policy membership of a Keyspace's items."""

    _slabs: SlabAllocator
    _policies: list[Policy]
    _policy_name: str
    _last_stamp: int
    _chaining: bool                 # a connection is running a pipelined read (chain_begin)
    _chain_next: int                # the next chain member's stamp (a head's stamp - k)
    _chain_floor: int               # chain members stay above this (the last stamp before the head)
    pipeline_chains: bool           # CONFIG SET pipeline-chains
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
        self._restamp(item, now)
        if self._lfu:
            item.lfu = lfu.accessed(item.lfu, now, self.lfu_log_factor, self.lfu_decay_time)
        pols = self._policies
        if pols[item.cls].touches:
            pols[item.cls].touch(item)
            if len(item.chunks) > 1 and item.cls != self._slabs.largest:
                pols[self._slabs.largest].touch(item)

    def _restamp(self, item: Item, now: int) -> None:
        """An access's stamp for `item`; kept when the item's is higher (earlier in a chain)."""
        stamp = self._stamp_at(now)
        if stamp > item.stamp:
            item.stamp = stamp

    def _new_stamp(self) -> int:
        return self._stamp_at(self.clock())

    def chain_begin(self, resume: tuple[int, int] | None = None) -> None:
        """A connection starts running the commands of one read: its accesses form a chain, or
        continue `resume` (what chain_end returned when its previous read ended inside a
        command: one pipeline that arrived in two reads is still one chain)."""
        self._chaining = self.pipeline_chains
        self._chain_next, self._chain_floor = resume if resume is not None else (0, 0)

    def chain_end(self) -> tuple[int, int]:
        """The chain's state, for a chain_begin that continues it."""
        self._chaining = False
        return self._chain_next, self._chain_floor

    def _stamp_at(self, now: int) -> int:
        """A fresh access stamp: `now` (ms) shifted left, or one more than the last stamp -
        strictly increasing even within a millisecond or when the wall clock steps back (exact
        LRU orders by stamps); in a chain, the next member's stamp (module docstring). Callers
        keep an item's stamp when it is higher (accessed earlier in the same chain)."""
        if self._chaining:
            stamp = self._chain_next
            if stamp > self._chain_floor:
                self._chain_next = stamp - 1
                return stamp
        stamp = now << STAMP_TICK_BITS
        if stamp <= self._last_stamp:
            stamp = self._last_stamp + 1
        if self._chaining:                  # a head: room below it for CHAIN_SPAN - 1 members
            self._chain_floor = self._last_stamp if self._last_stamp > stamp - CHAIN_SPAN \
                else stamp - CHAIN_SPAN
            stamp = self._chain_floor + CHAIN_SPAN
            self._chain_next = stamp - 1
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
