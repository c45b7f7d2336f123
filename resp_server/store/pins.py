"""Pins and unlinking: when an item leaves the keyspace its memory is freed now or at last unpin.

A reader that keeps an item's memoryviews past a call (a reply being sent) pins it; pinned items
are never evicted, moved or overwritten in place. An item unlinked while pinned (replaced,
deleted, expired) becomes a zombie whose chunks the last unpin frees (deferred free), and a cap
that could not be met because of pins is retried then. Invariants (checks.py): zombies are
unlinked and pinned; `pinned_items` = items (linked or zombie) with refcount > 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.store.accounting import overhead

if TYPE_CHECKING:
    from resp_server.store.accounting import KeyspaceStats
    from resp_server.store.items import Chunked, Item, Reservation


class PinsMixin:
    """pin/unpin, zombies and the one place an unlinked item's memory is given back."""

    pinned_items: int
    key_bytes: int
    _zombies: set[Item]
    _reservations: set[Reservation]
    _over_cap: bool
    stats: KeyspaceStats

    if TYPE_CHECKING:
        def _policy_remove(self, item: Item, evicted: bool) -> None: ...
        def _free_layout(self, obj: Chunked) -> None: ...
        def _shrink_to_cap(self) -> None: ...

    def pin(self, item: Item) -> None:
        """Hold an item's memory (a reply is being sent from its views)."""
        if not item.refcount:
            self.pinned_items += 1
        item.refcount += 1

    def memory_in_flight(self) -> bool:
        """Is memory held by something that will let go by itself (reservations being filled,
        pinned items being sent)? A write refused for memory may then succeed if it waits."""
        return bool(self._reservations) or self.pinned_items > 0

    def unpin(self, item: Item) -> None:
        """Drop one pin; the last pin of a replaced/deleted item frees its chunks."""
        assert item.refcount > 0, f"unpin of unpinned {item!r}"
        item.refcount -= 1
        if not item.refcount:
            self.pinned_items -= 1
        if not item.refcount and item.db is None and item in self._zombies:
            self._zombies.remove(item)
            self._free_item(item)
            self.stats.deferred_frees += 1
        if self._over_cap and not item.refcount:
            self._shrink_to_cap()

    def _unlink(self, item: Item, evicted: bool = False) -> None:
        item.db.remove(item)  # type: ignore[union-attr]
        self._policy_remove(item, evicted)
        self._drop(item)

    def _drop(self, item: Item) -> None:
        """An item just left the keyspace: free it now, or at its last unpin."""
        if item.refcount:
            self._zombies.add(item)
        else:
            self._free_item(item)

    def _free_item(self, item: Item) -> None:
        self.key_bytes -= overhead(item.key)
        self._free_layout(item)
