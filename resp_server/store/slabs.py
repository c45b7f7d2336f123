"""Slab allocator: fixed-size pages cut into chunks of one size class (memcached's slabs.c).

Memory is a set of pages, each a `bytearray` of `page_size` bytes that is created once (lazily, or
all at start-up with prealloc) and then reused for the life of the process: nothing on the hot path
allocates or resizes a page. A page is either in the free pool or assigned to exactly one size
class, which cuts it into `page_size // chunk_size` chunks and keeps the free ones on a LIFO stack
(the chunk freed last is reused first, while it is still warm in the CPU cache). Class sizes grow
from `min_chunk` by `growth_factor` up to the page size (the largest class holds one chunk per
page), or are given explicitly; values larger than the largest class are chains (see items.py).

A page changes class only when none of its chunks is in use: callers empty it first (evicting its
items) and then `unassign` it to the pool or `reassign` it to another class - the mechanism of a
page move; *which* class gives a page to which is decided by automove.py. Pages are dropped (the
bytearray released) only to honour a lowered memory cap.

With a memory file (memfile.py) a page is a view of page `pid` of one shared file mapping
instead of a bytearray; a warm restart rebuilds the page table with `restore()` and marks the
chunks of re-adopted items used with `claim()` + `claims_done()`.

A chunk handle is an int, `(page_id << 32) | chunk_index`; its byte offset is index * chunk_size.
`owners[page_id][index]` names what uses a chunk (an Item or a Reservation) or is None when free.

Invariants (`check_invariants`): every live page id is in the pool or in exactly one class's page
list; a free stack holds no duplicates and only chunks of its class's own pages; for every page,
used + free chunks = chunks per page, `owners` is None exactly for the free chunks and
`page_used` / `empty_pages` match; dropped page ids hold no memory.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resp_server.store.memfile import MemoryFile

HANDLE_SHIFT = 32                      # page id lives above the chunk index in a handle
INDEX_MASK = (1 << HANDLE_SHIFT) - 1
POOL = -1                              # page_class value of a page in the free pool
DROPPED = -2                           # page_class value of a released page id (reusable)
OS_PAGE = 4096                         # stride used to pre-touch pages (prealloc)


def class_sizes(page_size: int, min_chunk: int, factor: float,
                explicit: tuple[int, ...] = ()) -> tuple[int, list[int]]:
    """(effective page size, ascending chunk sizes) for a StoreConfig's slab settings.

    Explicit sizes are used as given (deduplicated) and the page grows to hold the largest one;
    otherwise sizes grow from `min_chunk` by `factor` (8-byte aligned) and end at the page size.
    """
    if explicit:
        sizes = sorted({int(s) for s in explicit if s > 0})
        return max(page_size, sizes[-1]), sizes
    sizes: list[int] = []
    size = max(8, min_chunk)
    while size < page_size // 2:
        sizes.append(size)
        size = max(size + 8, (int(size * factor) + 7) & ~7)
    sizes.append(page_size // 2)
    sizes.append(page_size)
    return page_size, sorted(set(sizes))


class SlabClass:
    """One size class: its pages, free chunk stack and counters."""

    __slots__ = ("cid", "size", "per_page", "pages", "free", "empty_pages", "payload",
                 "evictions", "moved_in", "moved_out")

    def __init__(self, cid: int, size: int, page_size: int) -> None:
        self.cid = cid
        self.size = size                        # bytes per chunk
        self.per_page = page_size // size       # chunks per page
        self.pages: list[int] = []              # page ids assigned to this class
        self.free: list[int] = []               # free chunk handles (LIFO stack)
        self.empty_pages = 0                    # pages whose chunks are all free
        self.payload = 0                        # value bytes stored in used chunks
        self.evictions = 0                      # items evicted to free memory of this class
        self.moved_in = 0                       # pages received from other classes / the pool
        self.moved_out = 0                      # pages given away

    @property
    def chunks_total(self) -> int:
        return len(self.pages) * self.per_page

    @property
    def chunks_used(self) -> int:
        return len(self.pages) * self.per_page - len(self.free)


class SlabAllocator:
    """Pages, size classes and chunk handles; knows nothing of keys, items or eviction."""

    def __init__(self, page_size: int, sizes: list[int], backing: MemoryFile | None = None) -> None:
        self.page_size = page_size
        self.backing = backing                               # memory file, or None: bytearrays
        self.sizes = list(sizes)                             # chunk size by class id, ascending
        self.classes = [SlabClass(i, s, page_size) for i, s in enumerate(sizes)]
        self.largest = len(sizes) - 1                        # class id of chain chunks
        self.max_chunk = sizes[-1]
        self.pages: list[bytearray | memoryview | None] = []  # by page id
        self.mvs: list[memoryview | None] = []               # one whole-page view per page
        self.page_class: list[int] = []                      # class id, POOL or DROPPED
        self.page_used: list[int] = []                       # chunks in use per page
        self.owners: list[list[object | None] | None] = []   # per page: owner of each chunk
        self.pool: list[int] = []                            # unassigned live pages
        self.dropped: list[int] = []                         # reusable ids of released pages
        self.live_pages = 0                                  # pages holding memory
        self.active_classes = 0                              # classes holding at least one page
        self.page_moves = 0                                  # class-to-class reassignments

    # --- sizes ------------------------------------------------------------------------------
    def class_for(self, nbytes: int) -> int:
        """Smallest class whose chunk holds nbytes; len(sizes) when it needs a chain."""
        return bisect_left(self.sizes, nbytes)

    def layout(self, nbytes: int) -> tuple[int, int]:
        """(number of full largest-class chunks before the tail, tail class id) for a value."""
        if nbytes <= self.max_chunk:
            return 0, bisect_left(self.sizes, nbytes)
        full, rest = divmod(nbytes, self.max_chunk)
        if rest == 0:
            return full - 1, self.largest
        return full, bisect_left(self.sizes, rest)

    def layout_bytes(self, nbytes: int) -> int:
        """Chunk bytes a value of nbytes occupies."""
        full, tail = self.layout(nbytes)
        return full * self.max_chunk + self.sizes[tail]

    # --- pages ------------------------------------------------------------------------------
    @property
    def page_bytes(self) -> int:
        """Bytes of all live pages (assigned or pooled): what the process holds."""
        return self.live_pages * self.page_size

    @property
    def pool_bytes(self) -> int:
        return len(self.pool) * self.page_size

    def new_page(self, touch: bool = False) -> int:
        """Create one page (a fresh bytearray, or a page of the memory file) in the pool."""
        if self.dropped:
            pid = self.dropped.pop()
            self.pages[pid], self.mvs[pid] = self._make_page(pid, touch)
            self.page_class[pid] = POOL
        else:
            pid = len(self.pages)
            page, mv = self._make_page(pid, touch)
            self.pages.append(page)
            self.mvs.append(mv)
            self.page_class.append(POOL)
            self.page_used.append(0)
            self.owners.append(None)
        self.pool.append(pid)
        self.live_pages += 1
        return pid

    def _make_page(self, pid: int, touch: bool) -> tuple[bytearray | memoryview, memoryview]:
        """(page object, whole-page view); touch faults the memory in now (a file page is only
        read: its bytes may be a warm restart's data)."""
        if self.backing is not None:
            mv = self.backing.page(pid)
            if touch:
                mv[::OS_PAGE].tobytes()
            return mv, mv
        page = bytearray(self.page_size)
        if touch:
            page[::OS_PAGE] = bytes(len(range(0, self.page_size, OS_PAGE)))
        return page, memoryview(page)

    def restore(self, page_class: list[int]) -> None:
        """Warm restart: rebuild a fresh allocator's page table - page id i in the pool (POOL),
        released (DROPPED) or in class page_class[i] with all its chunks free. The chunks of
        adopted items are then marked used with claim() and claims_done()."""
        assert not self.pages, "restore() needs a fresh allocator"
        for pid, cid in enumerate(page_class):
            if cid == DROPPED:
                self.pages.append(None)
                self.mvs.append(None)
                self.page_class.append(DROPPED)
                self.page_used.append(0)
                self.owners.append(None)
                self.dropped.append(pid)
                continue
            if self.new_page() != pid:
                raise AssertionError(f"page {pid} restored out of order")
            if cid >= 0:
                self.assign(pid, cid)
                self.classes[cid].moved_in -= 1    # a restored page was not moved

    def claim(self, cid: int, h: int, owner: object) -> None:
        """Mark free chunk h of class cid used by owner, leaving the free stack to claims_done()."""
        pid, idx = h >> HANDLE_SHIFT, h & INDEX_MASK
        if not 0 <= pid < len(self.page_class) or self.page_class[pid] != cid \
                or idx >= self.classes[cid].per_page:
            raise ValueError(f"chunk {h:#x} is not a chunk of class {cid}")
        slots = self.owners[pid]
        if slots[idx] is not None:  # type: ignore[index]
            raise ValueError(f"chunk {h:#x} claimed twice")
        slots[idx] = owner  # type: ignore[index]
        used = self.page_used[pid]
        if not used:
            self.classes[cid].empty_pages -= 1
        self.page_used[pid] = used + 1

    def claims_done(self) -> None:
        """Drop the claimed chunks from the free stacks (one pass per class)."""
        owners = self.owners
        for c in self.classes:
            if c.pages and len(c.free) != c.chunks_total - sum(self.page_used[p] for p in c.pages):
                c.free = [h for h in c.free
                          if owners[h >> HANDLE_SHIFT][h & INDEX_MASK] is None]  # type: ignore[index]

    def drop_pool_page(self) -> bool:
        """Release one pooled page's memory (to honour a lowered cap); False if the pool is empty."""
        if not self.pool:
            return False
        pid = self.pool.pop()
        mv = self.mvs[pid]
        if mv is not None:
            mv.release()
        self.pages[pid] = self.mvs[pid] = None
        if self.backing is not None:
            self.backing.discard(pid)
        self.page_class[pid] = DROPPED
        self.dropped.append(pid)
        self.live_pages -= 1
        return True

    def assign(self, pid: int, cid: int) -> None:
        """Give pooled page pid to class cid: all its chunks become free chunks of the class."""
        assert self.page_class[pid] == POOL, f"page {pid} is not in the pool"
        self.pool.remove(pid)
        c = self.classes[cid]
        self.page_class[pid] = cid
        self.page_used[pid] = 0
        self.owners[pid] = [None] * c.per_page
        base = pid << HANDLE_SHIFT
        c.free.extend(range(base + c.per_page - 1, base - 1, -1))
        c.pages.append(pid)
        if len(c.pages) == 1:
            self.active_classes += 1
        c.empty_pages += 1
        c.moved_in += 1

    def unassign(self, pid: int) -> None:
        """Return an empty page of a class to the pool (its free chunks leave the class's stack)."""
        cid = self.page_class[pid]
        assert cid >= 0 and self.page_used[pid] == 0, f"page {pid} is not an empty class page"
        c = self.classes[cid]
        c.free = [h for h in c.free if h >> HANDLE_SHIFT != pid]
        c.pages.remove(pid)
        if not c.pages:
            self.active_classes -= 1
        c.empty_pages -= 1
        c.moved_out += 1
        self.page_class[pid] = POOL
        self.owners[pid] = None
        self.pool.append(pid)

    def unassign_empty(self, cid: int, keep: int = 0) -> int:
        """Return the empty pages of class cid but `keep` to the pool (one pass over the stack)."""
        c = self.classes[cid]
        empty = {p for p in c.pages if not self.page_used[p]}
        for p in sorted(empty)[:keep]:
            empty.discard(p)
        if not empty:
            return 0
        c.free = [h for h in c.free if h >> HANDLE_SHIFT not in empty]
        c.pages = [p for p in c.pages if p not in empty]
        if not c.pages:
            self.active_classes -= 1
        c.empty_pages -= len(empty)
        c.moved_out += len(empty)
        for pid in sorted(empty):
            self.page_class[pid] = POOL
            self.owners[pid] = None
            self.pool.append(pid)
        return len(empty)

    def reassign(self, pid: int, cid: int) -> None:
        """Move an empty page from its class to class cid (memcached's slab_reassign)."""
        self.unassign(pid)
        self.assign(pid, cid)
        self.page_moves += 1

    def empty_page(self, cid: int) -> int | None:
        """Some page of class cid with no chunk in use, or None."""
        if not self.classes[cid].empty_pages:
            return None
        used = self.page_used
        return next((p for p in self.classes[cid].pages if not used[p]), None)

    # --- chunks -----------------------------------------------------------------------------
    def alloc(self, cid: int, owner: object) -> int:
        """Pop a free chunk of class cid (caller checked the stack is not empty)."""
        c = self.classes[cid]
        h = c.free.pop()
        pid = h >> HANDLE_SHIFT
        used = self.page_used[pid]
        if not used:
            c.empty_pages -= 1
        self.page_used[pid] = used + 1
        self.owners[pid][h & INDEX_MASK] = owner  # type: ignore[index]
        return h

    def free(self, cid: int, h: int) -> None:
        """Push chunk h back on its class's stack."""
        c = self.classes[cid]
        pid = h >> HANDLE_SHIFT
        self.owners[pid][h & INDEX_MASK] = None  # type: ignore[index]
        used = self.page_used[pid] - 1
        self.page_used[pid] = used
        if not used:
            c.empty_pages += 1
        c.free.append(h)

    def owner(self, h: int) -> object | None:
        return self.owners[h >> HANDLE_SHIFT][h & INDEX_MASK]  # type: ignore[index]

    def set_owner(self, h: int, owner: object) -> None:
        self.owners[h >> HANDLE_SHIFT][h & INDEX_MASK] = owner  # type: ignore[index]

    def page_owners(self, pid: int) -> list[object]:
        """Distinct owners of the used chunks of a page (order of first chunk)."""
        seen: dict[int, object] = {}
        for o in self.owners[pid] or ():
            if o is not None and id(o) not in seen:
                seen[id(o)] = o
        return list(seen.values())

    def view(self, cid: int, h: int, nbytes: int) -> memoryview:
        """Writable view of the first nbytes of chunk h of class cid."""
        off = (h & INDEX_MASK) * self.sizes[cid]
        return self.mvs[h >> HANDLE_SHIFT][off:off + nbytes]  # type: ignore[index]

    # --- reporting --------------------------------------------------------------------------
    def wasted_bytes(self, c: SlabClass) -> int:
        """Bytes of the class's pages not holding value bytes (chunk slack + page tails)."""
        tail = self.page_size - c.per_page * c.size
        return len(c.pages) * tail + c.chunks_used * c.size - c.payload

    # --- invariants -------------------------------------------------------------------------
    def check_invariants(self) -> None:
        """Raise AssertionError if pages, free stacks, owners or counters disagree."""
        seen_pages: dict[int, int] = {}
        for c in self.classes:
            for pid in c.pages:
                assert pid not in seen_pages, f"page {pid} in classes {seen_pages.get(pid)} and {c.cid}"
                assert self.page_class[pid] == c.cid, f"page {pid} listed in class {c.cid}, marked {self.page_class[pid]}"
                seen_pages[pid] = c.cid
            self._check_class(c)
        for pid in self.pool:
            assert pid not in seen_pages, f"page {pid} both pooled and in class {seen_pages[pid]}"
            assert self.page_class[pid] == POOL, f"pooled page {pid} marked {self.page_class[pid]}"
            seen_pages[pid] = POOL
        for pid in self.dropped:
            assert self.page_class[pid] == DROPPED and self.pages[pid] is None, f"dropped page {pid} holds memory"
        active = sum(1 for c in self.classes if c.pages)
        assert active == self.active_classes, f"active_classes {self.active_classes} != {active}"
        assert len(seen_pages) == self.live_pages, f"live pages {self.live_pages} != {len(seen_pages)} found"
        assert len(seen_pages) + len(self.dropped) == len(self.pages), "page ids unaccounted"

    def _check_class(self, c: SlabClass) -> None:
        assert len(set(c.free)) == len(c.free), f"class {c.cid}: duplicate chunks on the free stack"
        free_per_page: dict[int, int] = {}
        for h in c.free:
            pid, idx = h >> HANDLE_SHIFT, h & INDEX_MASK
            assert self.page_class[pid] == c.cid, f"class {c.cid}: free chunk {h:#x} on foreign page {pid}"
            assert idx < c.per_page, f"class {c.cid}: chunk index {idx} out of range"
            assert self.owners[pid][idx] is None, f"class {c.cid}: chunk {h:#x} both free and owned"  # type: ignore[index]
            free_per_page[pid] = free_per_page.get(pid, 0) + 1
        empty = 0
        for pid in c.pages:
            owned = sum(o is not None for o in self.owners[pid])  # type: ignore[union-attr]
            nfree = free_per_page.get(pid, 0)
            assert owned + nfree == c.per_page, f"class {c.cid} page {pid}: {owned} used + {nfree} free != {c.per_page}"
            assert self.page_used[pid] == owned, f"class {c.cid} page {pid}: page_used {self.page_used[pid]} != {owned}"
            empty += owned == 0
        assert empty == c.empty_pages, f"class {c.cid}: empty_pages {c.empty_pages} != {empty}"
