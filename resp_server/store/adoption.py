"""The store's side of a warm restart: a read-only view for saving, and adoption of saved items.

warm.py (the metadata save/adopt code) reaches the keyspace only through these methods:
  layout()                 the options that shape slab memory (a mismatch means "start cold")
  page_table()             class id, POOL or DROPPED per page id
  linked_items()           (db index, item) of every linked item, expired or not
  eviction_order(cid)      class cid's members from the eviction end (coldest first), whatever
                           the policy: the Policy protocol's iteration order
  restore_pages(table)     a fresh keyspace takes the saved page table (chunks all free)
  adopt_item(...)          link an item onto chunks already holding its value (no copy, no
                           allocation); it joins no policy yet
  adopt_order(cid, items)  insert adopted items into class cid's policy, coldest first
  adoption_done()          free stacks rebuilt, stamps continued, the cap enforced, checked
Re-inserting each class coldest-first keeps the next evictions those that would have come under
exact LRU (the order *is* the stamps, and stamps are kept). Under S3-FIFO the items keep their
`freq` counters and their order, but every item restarts in the probation queue (the S/M split
and the ghost hashes are not kept): items that had been reused are promoted again on the first
eviction pass. Items pinned at shutdown are adopted like any other (pins belong to connections
that no longer exist); zombies and reservations are not linked, so their chunks come back free.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from resp_server.store.accounting import overhead
from resp_server.store.items import Item

if TYPE_CHECKING:
    from resp_server.store.db import Db
    from resp_server.store.policy import Policy
    from resp_server.store.slabs import SlabAllocator


class AdoptionMixin:
    """Save-side view and adopt-side entry points of a Keyspace (see the module docstring)."""

    _slabs: SlabAllocator
    _policies: list[Policy]
    _policy_name: str
    _last_stamp: int
    _maxmemory: int
    dbs: list[Db]
    key_bytes: int
    _adopt_members: int = 0                  # policy memberships the adopted items need

    if TYPE_CHECKING:
        def _shrink_to_cap(self) -> None: ...
        def _peak(self) -> None: ...

    # --- saving -----------------------------------------------------------------------------
    def layout(self) -> dict[str, Any]:
        s = self._slabs
        return {"slab_page_size": s.page_size, "slab_sizes": list(s.sizes),
                "databases": len(self.dbs)}

    def page_table(self) -> list[int]:
        return list(self._slabs.page_class)

    def linked_items(self) -> Iterator[tuple[int, Item]]:
        for d in self.dbs:
            for item in d.items.values():
                yield d.index, item

    def eviction_order(self, cid: int) -> list[Item]:
        return list(self._policies[cid])

    # --- adopting ---------------------------------------------------------------------------
    def restore_pages(self, table: list[int]) -> None:
        self._slabs.restore(table)

    def adopt_item(self, db: int, key: bytes, chunks: tuple[int, ...], cls: int, length: int,
                   expire_at: int | None, stamp: int, freq: int) -> Item:
        """Link key onto `chunks` (value order) of a restored page table; ValueError when the
        chunks do not fit the layout of a `length`-byte value or are taken already."""
        s = self._slabs
        full, tail = (0, bisect_left(s.sizes, length)) if length <= s.max_chunk else s.layout(length)
        d = self.dbs[db]
        if tail != cls or full + 1 != len(chunks) or key in d.items:
            raise ValueError(f"saved item {key!r} does not match the slab layout")
        item = Item(s, key, length, chunks, cls)
        for h in chunks[:-1]:
            s.claim(s.largest, h, item)
        s.claim(cls, chunks[-1], item)
        s.classes[s.largest].payload += full * s.max_chunk
        s.classes[cls].payload += length - full * s.max_chunk
        item.expire_at = expire_at
        item.stamp = stamp
        item.freq = freq
        self.key_bytes += overhead(key)
        self._adopt_members += 1 if full == 0 or cls == s.largest else 2
        d.add(item)
        if stamp > self._last_stamp:
            self._last_stamp = stamp
        return item

    def adopt_order(self, cid: int, items: list[Item]) -> None:
        pol = self._policies[cid]
        for item in items:
            freq = item.freq
            pol.insert(item)
            item.freq = freq                   # S3-FIFO's insert starts at 0: keep the count

    def adoption_done(self) -> None:
        self._slabs.claims_done()
        members = sum(len(p) for p in self._policies)
        if members != self._adopt_members:
            raise ValueError(f"the eviction order lists {members} of {self._adopt_members} "
                             "memberships of the adopted items")
        self._shrink_to_cap()
        self._peak()
