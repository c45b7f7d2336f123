"""One database: key -> Item, plus the TTL index (active expiry) and the SCAN index.

SCAN. Each key gets an insertion sequence number `seq` when it enters the database (it keeps it
when its value is overwritten; a renamed or moved key is a new key). Keys are grouped in blocks
of BLOCK keys by `seq // BLOCK`; each block is a dict whose iteration order is seq order, and
`block_ids` lists the non-empty blocks in ascending order. The cursor is the next seq to visit,
so a key present for the whole scan is returned exactly once (its seq never changes and the
cursor only grows); keys added during the scan may or may not be returned, like Redis. A SCAN
call costs O(count + BLOCK).

TTL index: items with a TTL sit in the array `ttl` at index `item.ttl_idx` (swap-remove), so
active expiry samples random TTL keys in O(1).

Invariants: `items`, the blocks and the ttl array agree (check_invariants).
"""

from __future__ import annotations

import random
from bisect import bisect_left
from itertools import islice
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resp_server.store.items import Item

BLOCK = 1024   # keys per SCAN block: bounds the work of one SCAN call beyond `count`


class Db:
    __slots__ = ("index", "items", "ttl", "blocks", "block_ids", "next_seq")

    def __init__(self, index: int) -> None:
        self.index = index                          # database number (changes on SWAPDB)
        self.items: dict[bytes, Item] = {}          # the keyspace proper
        self.ttl: list[Item] = []                   # items with a TTL (unordered)
        self.blocks: dict[int, dict[bytes, int]] = {}   # seq // BLOCK -> {key: seq}
        self.block_ids: list[int] = []              # non-empty block numbers, ascending
        self.next_seq = 1                           # seq of the next new key (0 = scan start)

    # --- membership -------------------------------------------------------------------------
    def add(self, item: Item) -> None:
        """Insert a key that is not present yet."""
        seq = self.next_seq
        self.next_seq = seq + 1
        item.seq = seq
        item.db = self
        self.items[item.key] = item
        b = seq // BLOCK
        block = self.blocks.get(b)
        if block is None:
            block = self.blocks[b] = {}
            self.block_ids.append(b)
        block[item.key] = seq
        if item.expire_at is not None:
            self.ttl_add(item)

    def replace(self, old: Item, new: Item) -> None:
        """Put `new` in place of `old` under the same key (same seq, TTL index updated)."""
        new.seq = old.seq
        new.db = self
        self.items[new.key] = new
        if old.ttl_idx >= 0:
            self.ttl_remove(old)
        old.db = None
        if new.expire_at is not None:
            self.ttl_add(new)

    def remove(self, item: Item) -> None:
        """Unlink an item (its key must map to it)."""
        del self.items[item.key]
        b = item.seq // BLOCK
        block = self.blocks[b]
        del block[item.key]
        if not block:
            del self.blocks[b]
            del self.block_ids[bisect_left(self.block_ids, b)]
        if item.ttl_idx >= 0:
            self.ttl_remove(item)
        item.db = None

    def clear(self) -> list[Item]:
        """Forget every key; returns the items (still marked linked to nothing)."""
        items = list(self.items.values())
        for item in items:
            item.db = None
            item.ttl_idx = -1
        self.items = {}
        self.ttl = []
        self.blocks = {}
        self.block_ids = []
        return items

    # --- TTL index --------------------------------------------------------------------------
    def ttl_add(self, item: Item) -> None:
        if item.ttl_idx < 0:
            item.ttl_idx = len(self.ttl)
            self.ttl.append(item)

    def ttl_remove(self, item: Item) -> None:
        i = item.ttl_idx
        last = self.ttl.pop()
        if last is not item:
            self.ttl[i] = last
            last.ttl_idx = i
        item.ttl_idx = -1

    def ttl_sample(self, n: int) -> list[Item]:
        ttl = self.ttl
        if len(ttl) <= n:
            return list(ttl)
        return [ttl[random.randrange(len(ttl))] for _ in range(n)]

    # --- iteration --------------------------------------------------------------------------
    def scan(self, cursor: int, count: int) -> tuple[int, list[bytes]]:
        """Up to about `count` keys with seq >= cursor, in seq order, and the next cursor (0 = done)."""
        out: list[bytes] = []
        ids = self.block_ids
        i = bisect_left(ids, cursor // BLOCK)
        while i < len(ids):
            for key, seq in self.blocks[ids[i]].items():
                if seq < cursor:
                    continue
                if len(out) >= count:
                    return seq, out
                out.append(key)
            i += 1
        return 0, out

    def random_key(self) -> bytes | None:
        if not self.block_ids:
            return None
        block = self.blocks[random.choice(self.block_ids)]
        return next(islice(block, random.randrange(len(block)), None))

    # --- invariants -------------------------------------------------------------------------
    def check_invariants(self) -> None:
        n = 0
        assert self.block_ids == sorted(self.blocks), f"db{self.index}: block ids out of order"
        for b, block in self.blocks.items():
            assert block, f"db{self.index}: empty block {b} kept"
            last = -1
            for key, seq in block.items():
                item = self.items.get(key)
                assert item is not None and item.seq == seq, f"db{self.index}: scan index has stale {key!r}"
                assert seq // BLOCK == b and seq > last, f"db{self.index}: block {b} out of seq order"
                last = seq
                n += 1
        assert n == len(self.items), f"db{self.index}: scan index has {n} keys, dict {len(self.items)}"
        for i, item in enumerate(self.ttl):
            assert item.ttl_idx == i and item.expire_at is not None, f"db{self.index}: bad TTL slot {i}"
            assert self.items.get(item.key) is item, f"db{self.index}: TTL index has unlinked {item.key!r}"
        nttl = sum(item.expire_at is not None for item in self.items.values())
        assert nttl == len(self.ttl), f"db{self.index}: {nttl} keys with TTL, index holds {len(self.ttl)}"
        for key, item in self.items.items():
            assert item.key == key and item.db is self, f"db{self.index}: item under {key!r} disagrees"
