"""The store's side of a warm restart: a read-only view for saving, and adoption of saved items.

warm.py (the metadata save/adopt code) reaches the keyspace only through these methods:
  layout()                 the options that shape slab memory (a mismatch means "start cold")
  page_table()             class id, POOL or DROPPED per page id
  linked_items()           (db index, item) of every linked item, expired or not
  eviction_order(cid)      class cid's members from the eviction end (coldest first), whatever
                           the policy: the Policy protocol's iteration order
  restore_pages(table)     a fresh keyspace takes the saved page table (chunks all free)
  adopt_item(...)          link an item onto chunks already holding its value (no copy, no
                           allocation); it joins no policy yet. adopt_items(rows): many at once
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
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from resp_server.store import lfu
from resp_server.store.accounting import KEY_OVERHEAD
from resp_server.store.items import Item
from resp_server.store.slabs import HANDLE_SHIFT, INDEX_MASK

Row = tuple[int, bytes, tuple[int, ...], int, int, "int | None", int, int]
""" (db, key, chunk handles in value order, tail class, length, expire-at ms or None, stamp, freq) """

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
    _lfu: bool
    dbs: list[Db]
    key_bytes: int
    _adopt_members: int = 0                  # policy memberships the adopted items need

    if TYPE_CHECKING:
        def clock(self) -> int: ...
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
        return self.adopt_items([(db, key, chunks, cls, length, expire_at, stamp, freq)])[0]

    def adopt_items(self, rows: Iterable[Row]) -> list[Item]:
        """adopt_item() for many rows (one loop with the lookups hoisted: adoption costs per key)."""
        s = self._slabs
        sizes, big, classes = s.sizes, s.max_chunk, s.classes
        owners, page_class, page_used = s.owners, s.page_class, s.page_used
        dbs = self.dbs
        out = []
        key_bytes = members = 0
        last = self._last_stamp
        lfu_field = lfu.fresh(self.clock()) if self._lfu else 0   # not saved: restarts at 5
        for db, key, chunks, cls, length, expire_at, stamp, freq in rows:
            d = dbs[db]
            item = Item(s, key, length, chunks, cls)
            if length <= big:
                h = chunks[0]
                pid, idx = h >> HANDLE_SHIFT, h & INDEX_MASK
                if len(chunks) != 1 or cls != bisect_left(sizes, length) or key in d.items \
                        or not 0 <= pid < len(page_class) or page_class[pid] != cls \
                        or idx >= classes[cls].per_page or owners[pid][idx] is not None:  # type: ignore[index]
                    raise ValueError(f"saved item {key!r} does not fit the slab layout")
                owners[pid][idx] = item  # type: ignore[index]
                if not page_used[pid]:
                    classes[cls].empty_pages -= 1
                page_used[pid] += 1
                classes[cls].payload += length
                members += 1
            else:
                members += self._adopt_chain(item, d)
            item.expire_at = expire_at
            item.stamp = stamp
            item.freq = freq
            item.lfu = lfu_field
            key_bytes += KEY_OVERHEAD + len(key)
            d.add(item)
            if stamp > last:
                last = stamp
            out.append(item)
        self._last_stamp = last
        self.key_bytes += key_bytes
        self._adopt_members += members
        return out

    def _adopt_chain(self, item: Item, d: Db) -> int:
        """Claim a chained item's chunks; its number of policy memberships (1 or 2)."""
        s = self._slabs
        chunks, cls, length = item.chunks, item.cls, item.length
        full, tail = s.layout(length)
        if tail != cls or full + 1 != len(chunks) or item.key in d.items:
            raise ValueError(f"saved item {item.key!r} does not fit the slab layout")
        for h in chunks[:-1]:
            s.claim(s.largest, h, item)
        s.claim(cls, chunks[-1], item)
        s.classes[s.largest].payload += full * s.max_chunk
        s.classes[cls].payload += length - full * s.max_chunk
        return 1 if cls == s.largest else 2

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
