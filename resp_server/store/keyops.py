"""Key-level operations across databases: RENAME, MOVE, SWAPDB, COPY, FLUSH*, iteration, SCAN.

They move or duplicate linked items between keys and databases through the same link/unlink
paths as writes, so accounting, policies and db indexes stay in step; every change is reported
through `_notify` (WATCH). SCAN order and guarantees: see db.py. Iteration skips expired keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from resp_server.store.items import Item, OOMError

if TYPE_CHECKING:
    from resp_server.store.db import Db
    from resp_server.store.items import Chunked
    from resp_server.store.slabs import SlabAllocator

RANDOM_KEY_TRIES = 100      # RANDOMKEY gives up skipping expired keys after this many draws


class KeyOpsMixin:
    """Operations on whole keys and databases of a Keyspace."""

    _slabs: SlabAllocator
    dbs: list[Db]
    key_bytes: int

    if TYPE_CHECKING:
        def clock(self) -> int: ...
        def peek(self, db: int, key: bytes) -> Item | None: ...
        def pin(self, item: Item) -> None: ...
        def unpin(self, item: Item) -> None: ...
        def _unlink(self, item: Item, evicted: bool = False) -> None: ...
        def _drop(self, item: Item) -> None: ...
        def _notify(self, db: int, key: bytes | None) -> None: ...
        def _alloc_layout(self, obj: Chunked, length: int) -> None: ...
        def _free_layout(self, obj: Chunked) -> None: ...
        def _link(self, d: Db, item: Item, expire_at: int | None, keep_ttl: bool) -> Item: ...
        def _policy_remove(self, item: Item, evicted: bool) -> None: ...
        def _release_empty_pages(self) -> int: ...

    def rename(self, db: int, src: bytes, dst: bytes) -> None:
        """Move src's value to dst (dst replaced); KeyError when src does not exist."""
        item = self.peek(db, src)
        if item is None:
            raise KeyError(src)
        if src == dst:
            return
        d = self.dbs[db]
        old = self.peek(db, dst)
        if old is not None:
            self._unlink(old)
        d.remove(item)
        item.key = dst
        item.slot = -1                            # the lane's cached cluster slot is src's
        self.key_bytes += len(dst) - len(src)
        d.add(item)
        self._notify(db, src)
        self._notify(db, dst)

    def move(self, src_db: int, key: bytes, dst_db: int) -> bool:
        """MOVE: False when key is missing in src_db or already present in dst_db."""
        item = self.peek(src_db, key)
        if item is None or src_db == dst_db or self.peek(dst_db, key) is not None:
            return False
        self.dbs[src_db].remove(item)
        self.dbs[dst_db].add(item)
        self._notify(src_db, key)
        self._notify(dst_db, key)
        return True

    def swapdb(self, a: int, b: int) -> None:
        dbs = self.dbs
        dbs[a], dbs[b] = dbs[b], dbs[a]
        dbs[a].index, dbs[b].index = a, b
        self._notify(a, None)
        self._notify(b, None)

    def copy(self, src_db: int, src: bytes, dst_db: int, dst: bytes, replace: bool) -> bool:
        """COPY: duplicate the value (and TTL); False if src is missing or dst exists w/o replace."""
        item = self.peek(src_db, src)
        if item is None or (src_db == dst_db and src == dst):
            return False
        if self.peek(dst_db, dst) is not None and not replace:
            return False
        self.pin(item)                      # allocation below must not evict the source
        try:
            new = Item(self._slabs, dst, item.length, (), 0)
            self._alloc_layout(new, item.length)
            for target, source in zip(new.views(), item.views(), strict=True):
                target[:] = source
            try:
                self._link(self.dbs[dst_db], new, item.expire_at, False)
            except OOMError:
                self._free_layout(new)
                raise
        finally:
            self.unpin(item)
        return True

    def flushdb(self, db: int) -> None:
        self._flush(self.dbs[db])
        self._release_empty_pages()
        self._notify(db, None)

    def flushall(self) -> None:
        for d in self.dbs:
            self._flush(d)
        self._release_empty_pages()
        for d in self.dbs:
            self._notify(d.index, None)

    def _flush(self, d: Db) -> None:
        for item in d.clear():
            self._policy_remove(item, False)
            self._drop(item)

    def dbsize(self, db: int) -> int:
        return len(self.dbs[db].items)

    def expires_count(self, db: int) -> int:
        return len(self.dbs[db].ttl)

    def keys(self, db: int) -> Iterator[bytes]:
        """Live keys (expired ones skipped), from a snapshot."""
        now = self.clock()
        for key, item in list(self.dbs[db].items.items()):
            if item.expire_at is None or item.expire_at > now:
                yield key

    def random_key(self, db: int) -> bytes | None:
        d = self.dbs[db]
        for _ in range(RANDOM_KEY_TRIES):
            key = d.random_key()
            if key is None or self.peek(db, key) is not None:
                return key
        return d.random_key()

    def scan(self, db: int, cursor: int, count: int = 10) -> tuple[int, list[bytes]]:
        """One SCAN step: every key present for the whole scan is returned once (see db.py)."""
        nxt, keys = self.dbs[db].scan(cursor, max(1, count))
        return nxt, [k for k in keys if self.peek(db, k) is not None]
