"""The allocation path: where a write finds memory, per slab class (memcached's model).

In this order: a free chunk of the class; a page from the pool or a new page while it fits under
maxmemory; a page moved from another class (automove.py decides which, `_take_page` evicts that
page's items and reassigns it); finally the class's own eviction victim (exact LRU, or S3-FIFO).
Pinned items are never evicted or moved. Key overhead is made room for by dropping pooled and
empty pages before evicting; a lowered cap shrinks the same way (`_shrink_to_cap`).
Invariant: every chunk handed out is owned by exactly the object it was allocated for, and class
payload totals change by exactly the value bytes placed or freed.
"""

from __future__ import annotations

import functools
import time
from bisect import bisect_left
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from resp_server.store.accounting import KEY_OVERHEAD
from resp_server.store.automove import ClassStats, page_sources, reclaim_order
from resp_server.store.items import Chunked, Item, OOMError
from resp_server.store.slabs import HANDLE_SHIFT

if TYPE_CHECKING:
    from resp_server.store.accounting import KeyspaceStats
    from resp_server.store.policy import Policy
    from resp_server.store.slabs import SlabAllocator


def _eviction_cycle(method: Callable) -> Callable:
    """Time a method that may evict; report its ms to `on_eviction_cycle` when it evicted
    (LATENCY's eviction-cycle event: one allocation's evictions). Free when no hook is set."""
    @functools.wraps(method)
    def timed(self: AllocMixin, *args: Any) -> Any:
        hook = self.on_eviction_cycle
        if hook is None:
            return method(self, *args)
        evicted, t0 = self.stats.evicted_keys, time.perf_counter_ns()
        try:
            return method(self, *args)
        finally:
            if self.stats.evicted_keys != evicted:
                hook((time.perf_counter_ns() - t0) // 1_000_000)
    return timed


class AllocMixin:
    """Chunks for layouts, eviction inside allocation, page moves and the cap."""

    on_eviction_cycle: Callable[[int], None] | None   # set while LATENCY's monitor is on
    _slabs: SlabAllocator
    _policies: list[Policy]
    _maxmemory: int
    _over_cap: bool
    stats: KeyspaceStats

    if TYPE_CHECKING:
        def _held(self) -> int: ...
        def _peak(self) -> None: ...
        def _new_stamp(self) -> int: ...
        def _unlink(self, item: Item, evicted: bool = False) -> None: ...
        def _notify(self, db: int, key: bytes | None) -> None: ...

    def could_fit(self, length: int) -> bool:
        """Could a value of `length` bytes be stored at all, were the cache empty?"""
        if not self._maxmemory:
            return True
        full, _ = self._slabs.layout(length)
        return (full + 1) * self._slabs.page_size + KEY_OVERHEAD <= self._maxmemory

    def _alloc_layout(self, obj: Chunked, length: int) -> None:
        """Give obj the chunks for a value of `length` bytes, evicting/moving pages as needed."""
        s = self._slabs
        if length <= s.max_chunk:                          # fast path: one chunk
            cid = bisect_left(s.sizes, length)
            c = s.classes[cid]
            if not c.free and not self._refill(cid):
                raise OOMError(f"no memory for a chunk of {c.size} bytes under maxmemory")
            obj.chunks = (s.alloc(cid, obj),)
            obj.cls = cid
            obj.length = length
            c.payload += length
            return
        full, tail = s.layout(length)
        # Even an empty cache needs a page per full chunk plus one for the tail, and the key's
        # overhead: refuse at once rather than evict everything first.
        if not self.could_fit(length):
            raise OOMError(f"a value of {length} bytes cannot fit in maxmemory {self._maxmemory}")
        chunks: list[int] = []
        try:
            for _ in range(full):
                chunks.append(self._chunk(s.largest, obj))
            chunks.append(self._chunk(tail, obj))
        except OOMError:
            for h in chunks:
                s.free(s.largest, h)
            raise
        obj.chunks = tuple(chunks)
        obj.cls = tail
        obj.length = length
        s.classes[s.largest].payload += full * s.max_chunk
        s.classes[tail].payload += length - full * s.max_chunk

    def _chunk(self, cid: int, owner: object) -> int:
        s = self._slabs
        if not s.classes[cid].free and not self._refill(cid):
            raise OOMError(f"no memory for a chunk of {s.sizes[cid]} bytes under maxmemory")
        return s.alloc(cid, owner)

    @_eviction_cycle
    def _refill(self, cid: int) -> bool:
        """Make class cid have a free chunk: new page, page move, or eviction within the class."""
        c = self._slabs.classes[cid]
        while not c.free:
            if self._grow(cid) or self._steal_page(cid):
                return True
            victim = self._policies[cid].evict_step()
            if victim is None:
                return False
            self._evict(victim, cid)
        return True

    def _grow(self, cid: int) -> bool:
        """Assign a pooled page, or a new one if it fits under the cap."""
        s = self._slabs
        if not s.pool:
            if self._maxmemory and self._held() + s.page_size > self._maxmemory:
                return False
            s.new_page()
        s.assign(s.pool[-1], cid)
        self._peak()
        return True

    def _steal_page(self, cid: int) -> bool:
        """Automove in the allocation path: take a page from a donor class (automove.py)."""
        s = self._slabs
        if s.active_classes - (1 if s.classes[cid].pages else 0) <= 0:
            return False                      # no other class holds a page
        now = self._new_stamp()
        for src in page_sources(self._class_stats(), cid, now):
            if self._take_page(src, cid):
                return True
        return False

    def _class_stats(self) -> list[ClassStats]:
        out = []
        for c in self._slabs.classes:
            if c.pages:
                out.append(ClassStats(c.cid, len(c.pages), c.per_page, len(c.free), c.empty_pages,
                                      self._policies[c.cid].oldest()))
        return out

    def _take_page(self, src: int, dst: int | None) -> bool:
        """Mechanism of a page move: empty one page of src (evicting), give it to dst or the pool."""
        s = self._slabs
        pid = s.empty_page(src)
        if pid is None:
            pid = self._pick_page(src)
            if pid is None:
                return False
            for owner in s.page_owners(pid):
                self._evict(owner, src)  # type: ignore[arg-type]
        if dst is None:
            s.unassign(pid)
        else:
            s.reassign(pid, dst)
        self.stats.slab_reassigns += 1
        return True

    def _pick_page(self, src: int) -> int | None:
        """A page of class src whose items may all be evicted now (no pins): the page of the
        class's LRU victim, else the least used page."""
        s = self._slabs
        victim = self._policies[src].evict_step()
        if victim is not None:
            h = victim.chunks[-1] if victim.cls == src else victim.chunks[0]
            pid = h >> HANDLE_SHIFT
            if all(self._evictable(o) for o in s.page_owners(pid)):
                return pid
        for pid in sorted(s.classes[src].pages, key=s.page_used.__getitem__):
            if all(self._evictable(o) for o in s.page_owners(pid)):
                return pid
        return None

    def _evictable(self, owner: object) -> bool:
        return (isinstance(owner, Item) and owner.db is not None
                and self._policies[owner.cls].can_evict(owner))

    def _evict(self, item: Item, cid: int) -> None:
        d = item.db
        key = item.key
        self._slabs.classes[cid].evictions += 1
        self.stats.evicted_keys += 1
        self._unlink(item, evicted=True)
        self._notify(d.index, key)  # type: ignore[union-attr]

    @_eviction_cycle
    def _fit_overhead(self, extra: int) -> None:
        """Make room for `extra` bytes of key overhead: drop pooled and empty pages, then evict."""
        cap = self._maxmemory
        if not cap:
            return
        while self._held() + extra > cap:
            if self._slabs.drop_pool_page() or self._release_empty_pages():
                continue
            victim = self._oldest_victim()
            if victim is None:
                raise OOMError("no evictable key left for the key overhead under maxmemory")
            self._evict(victim, victim.cls)

    def _oldest_victim(self) -> Item | None:
        """The next victim of the class whose coldest item is oldest: asked of every class with
        the read-only peek_victim(); only the chosen class's policy then steps (evict_step)."""
        best: Item | None = None
        cid = 0
        for c in self._slabs.classes:
            if c.pages:
                v = self._policies[c.cid].peek_victim()
                if v is not None and (best is None or v.stamp < best.stamp):
                    best, cid = v, c.cid
        return None if best is None else self._policies[cid].evict_step()

    @_eviction_cycle
    def _shrink_to_cap(self) -> None:
        """Release memory until the cap holds (or only pinned memory is left)."""
        s = self._slabs
        cap = self._maxmemory
        self._over_cap = False
        while cap and self._held() > cap:
            if s.drop_pool_page() or self._release_empty_pages():
                continue
            now = self._new_stamp()
            if any(self._take_page(src, None) for src in reclaim_order(self._class_stats(), now)):
                continue
            victim = self._oldest_victim()
            if victim is None:
                self._over_cap = True     # only pinned memory left: retried at unpin
                return
            self._evict(victim, victim.cls)

    def _release_empty_pages(self) -> int:
        """Return every page with no chunk in use to the pool (after flushes)."""
        s = self._slabs
        return sum(s.unassign_empty(c.cid) for c in s.classes if c.empty_pages)

    def _free_layout(self, obj: Chunked) -> None:
        s = self._slabs
        chunks = obj.chunks
        full = len(chunks) - 1
        if full:
            for h in chunks[:-1]:
                s.free(s.largest, h)
            s.classes[s.largest].payload -= full * s.max_chunk
        s.free(obj.cls, chunks[-1])
        s.classes[obj.cls].payload -= obj.length - full * s.max_chunk

    def _set_owners(self, obj: Chunked, owner: object) -> None:
        for h in obj.chunks:
            self._slabs.set_owner(h, owner)


def write_value(item: Chunked, value: Any) -> None:
    """Copy a bytes-like value into the item's chunks (one memcpy per chunk)."""
    views = item.views()
    if len(views) == 1:
        views[0][:] = value
        return
    src = memoryview(value).cast("B")
    off = 0
    for v in views:
        n = len(v)
        v[:] = src[off:off + n]
        off += n
