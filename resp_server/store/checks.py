"""check_invariants() for the keyspace: ties allocator, items, policies, dbs and totals together.

Checked: allocator structure; every chunk's owner is a linked item, a zombie or a live
reservation holding exactly that chunk, on a page of the right class; policies hold exactly the
linked items (per class); db indexes agree; payload and key-overhead totals recompute; the cap
holds. With StoreConfig.debug_invariants every mutating method runs the check after itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from resp_server.store.accounting import RESERVED_KEY_BYTES, overhead
from resp_server.store.slabs import HANDLE_SHIFT

if TYPE_CHECKING:
    from resp_server.store.db import Db
    from resp_server.store.items import Chunked, Item, Reservation
    from resp_server.store.leases import Leases
    from resp_server.store.policy import Policy
    from resp_server.store.slabs import SlabAllocator

MUTATORS = ("lookup", "bump", "read_view", "rewrite", "peek", "reserve", "release", "store", "delete", "set_expire", "rename",
            "move", "swapdb", "copy", "flushdb", "flushall", "pin", "unpin",
            "active_expire_cycle", "automove_cycle", "set_maxmemory", "set_policy",
            "enforce_maxmemory", "lease", "scan", "random_key")


class ChecksMixin:
    """Whole-keyspace consistency checks (unit tests call them after every operation)."""

    _slabs: SlabAllocator
    _policies: list[Policy]
    _maxmemory: int
    _over_cap: bool
    _zombies: set[Item]
    _reservations: set[Reservation]
    dbs: list[Db]
    key_bytes: int
    pinned_items: int
    leases: Leases

    if TYPE_CHECKING:
        def _held(self) -> int: ...
        def _policy_classes(self, item: Chunked) -> tuple[int, ...]: ...

    def check_invariants(self) -> None:
        """Raise AssertionError unless allocator, items, policies, dbs and totals all agree."""
        s = self._slabs
        s.check_invariants()
        self.leases.check_invariants()
        linked = self._check_dbs()
        for z in self._zombies:
            assert z.db is None and z.refcount > 0, f"zombie {z!r} is linked or unpinned"
        pinned = sum(1 for i in [*linked, *self._zombies] if i.refcount)
        assert pinned == self.pinned_items, f"pinned_items {self.pinned_items} != {pinned}"
        holders: list[Chunked] = [*linked, *self._zombies, *self._reservations]
        self._check_owners(holders)
        self._check_policies(linked)
        self._check_totals(linked)

    def _check_dbs(self) -> list[Item]:
        linked: list[Item] = []
        for i, d in enumerate(self.dbs):
            assert d.index == i, f"db at {i} thinks it is {d.index}"
            d.check_invariants()
            linked.extend(d.items.values())
        return linked

    def _check_owners(self, holders: list[Chunked]) -> None:
        s = self._slabs
        owned = 0
        for obj in holders:
            for i, h in enumerate(obj.chunks):
                owner = s.owner(h)
                assert owner is obj, f"chunk {h:#x} of {obj!r} is owned by {owner!r}"
                cid = obj.cls if i == len(obj.chunks) - 1 else s.largest
                assert s.page_class[h >> HANDLE_SHIFT] == cid, f"chunk {h:#x} of {obj!r} not on a class {cid} page"
            owned += len(obj.chunks)
        used = sum(c.chunks_used for c in s.classes)
        assert owned == used, f"{used} chunks in use but items/zombies/reservations hold {owned}"

    def _check_policies(self, linked: list[Item]) -> None:
        expect: list[set[int]] = [set() for _ in self._policies]
        for item in linked:
            for cid in self._policy_classes(item):
                expect[cid].add(id(item))
        for cid, pol in enumerate(self._policies):
            pol.check_invariants()
            got = {id(i) for i in pol}
            assert len(got) == len(pol), f"class {cid}: policy lists an item twice"
            assert got == expect[cid], f"class {cid}: policy has {len(got)} items, keyspace {len(expect[cid])}"

    def _check_totals(self, linked: list[Item]) -> None:
        s = self._slabs
        payload = [0] * len(s.classes)
        for obj in [*linked, *self._zombies, *self._reservations]:
            full = len(obj.chunks) - 1
            payload[s.largest] += full * s.max_chunk
            payload[obj.cls] += obj.length - full * s.max_chunk
        for c in s.classes:
            assert c.payload == payload[c.cid], f"class {c.cid}: payload {c.payload} != {payload[c.cid]}"
        keys = sum(overhead(i.key) for i in [*linked, *self._zombies]) + \
            RESERVED_KEY_BYTES * len(self._reservations)
        assert keys == self.key_bytes, f"key overhead {self.key_bytes} != recomputed {keys}"
        if self._maxmemory and not self._zombies and not self._over_cap:
            assert self._held() <= self._maxmemory, f"held {self._held()} > maxmemory {self._maxmemory}"

    def _wrap_checked(self) -> None:
        """debug_invariants: run check_invariants() after every mutating method."""
        for name in MUTATORS:
            method = getattr(self, name)

            @functools.wraps(method)
            def checked(*args: Any, _m: Callable[..., Any] = method, **kw: Any) -> Any:
                try:
                    return _m(*args, **kw)
                finally:
                    self.check_invariants()

            setattr(self, name, checked)
