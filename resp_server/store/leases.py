"""Lookup leases: a chunk that a lookup (EXISTS) reported present stays until it is read.

LMCache asks whether a prompt's chunks exist (pipelined EXISTS) and then GETs the leading run it
was told about; if another client's writes evict a chunk in between, the GET misses although the
lookup said yes ("found-then-gone"), and the engine must recompute a prefix it had planned to
load. Mooncake's store grants a lease on ExistKey for the same reason. Here a lookup that finds an
item leases it for `ms` milliseconds: a lease is a pin (the keyspace's own pin/unpin), so eviction
and page moves skip the item exactly as they skip an item being sent. The next read of the item
releases its lease; otherwise it times out.

Invariants: `deadlines` maps each leased item to its deadline (ms), in non-decreasing deadline
order (one lease length, a clock that does not step back; a renewal moves the item to the end);
each leased item holds exactly one pin for its lease; at most `limit(items)` leases are held
(the oldest is released first), so leases can never pin more than a fixed share of the keys.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resp_server.store.items import Item

LEASE_SHARE = 8        # leases held at most: 1/LEASE_SHARE of the database's keys ...
LEASE_MIN = 64         # ... but at least this many


class Leases:
    __slots__ = ("ms", "deadlines", "granted", "released", "timed_out")

    def __init__(self, ms: int) -> None:
        self.ms = ms                                        # lease length; 0 = no leases
        self.deadlines: OrderedDict[Item, int] = OrderedDict()
        self.granted = 0                                    # leases granted (INFO)
        self.released = 0                                   # released by a read
        self.timed_out = 0                                  # released by their deadline or the cap

    def grant(self, item: Item, now: int) -> bool:
        """Lease `item` until now + ms; True when it was not leased before (the caller pins it)."""
        fresh = item not in self.deadlines
        self.deadlines[item] = now + self.ms
        self.deadlines.move_to_end(item)
        self.granted += 1
        return fresh

    def over_limit(self, keys: int) -> Item | None:
        """The oldest lease when more are held than `keys` allows (the caller unpins it)."""
        if len(self.deadlines) <= max(LEASE_MIN, keys // LEASE_SHARE):
            return None
        item, _ = self.deadlines.popitem(last=False)
        self.timed_out += 1
        return item

    def release(self, item: Item) -> bool:
        """End item's lease on a read; True when it had one (the caller unpins it)."""
        if self.deadlines.pop(item, None) is None:
            return False
        self.released += 1
        return True

    def expired(self, now: int) -> list[Item]:
        """Remove and return the leases whose deadline has passed (the caller unpins them)."""
        out = []
        d = self.deadlines
        while d:
            item, deadline = next(iter(d.items()))
            if deadline > now:
                break
            del d[item]
            out.append(item)
        self.timed_out += len(out)
        return out

    def __len__(self) -> int:
        return len(self.deadlines)

    def check_invariants(self) -> None:
        last = None
        for item, deadline in self.deadlines.items():
            assert item.refcount > 0, f"leased {item!r} holds no pin"
            assert last is None or deadline >= last, "lease deadlines out of order"
            last = deadline
