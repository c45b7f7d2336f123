"""Slab allocator units: class sizes, layouts, chunk alloc/free, page assignment and moves."""

from __future__ import annotations

import pytest

from resp_server.config import MIB
from resp_server.store.slabs import HANDLE_SHIFT, POOL, SlabAllocator, class_sizes


def make(page: int = 64 * 1024, sizes: tuple[int, ...] = ()) -> SlabAllocator:
    page, sz = class_sizes(page, 64, 1.25, sizes)
    return SlabAllocator(page, sz)


def test_factor_series_ends_at_page_size() -> None:
    page, sizes = class_sizes(MIB, 64, 1.25)
    assert page == MIB and sizes[0] == 64 and sizes[-1] == MIB
    assert sizes == sorted(set(sizes))
    pairs = zip(sizes, sizes[1:], strict=False)
    assert all(b <= a * 1.25 + 8 or b in (MIB, MIB // 2) for a, b in pairs)
    assert all(s % 8 == 0 for s in sizes)


def test_explicit_sizes_grow_page() -> None:
    page, sizes = class_sizes(MIB, 64, 1.25, (3 * MIB, 14 * MIB, 3 * MIB))
    assert sizes == [3 * MIB, 14 * MIB] and page == 14 * MIB


def test_layout_small_chain_and_exact_multiple() -> None:
    s = make()
    assert s.layout(1) == (0, 0)
    assert s.layout(65) == (0, 1)
    big = s.max_chunk
    assert s.layout(big) == (0, s.largest)
    assert s.layout(3 * big) == (2, s.largest)
    full, tail = s.layout(3 * big + 100)
    assert full == 3 and s.sizes[tail] >= 100 and (tail == 0 or s.sizes[tail - 1] < 100)
    assert s.layout_bytes(3 * big + 100) == 3 * big + s.sizes[tail]


def test_alloc_free_reuses_page_and_counts() -> None:
    s = make()
    pid = s.new_page()
    s.assign(pid, 0)
    s.check_invariants()
    c = s.classes[0]
    owner = object()
    handles = [s.alloc(0, owner) for _ in range(c.per_page)]
    assert len(set(handles)) == c.per_page and not c.free and c.empty_pages == 0
    assert {h >> HANDLE_SHIFT for h in handles} == {pid}
    s.check_invariants()
    for h in handles:
        s.free(0, h)
        s.check_invariants()
    assert c.empty_pages == 1 and len(c.free) == c.per_page
    again = s.alloc(0, owner)
    assert again == handles[-1]        # LIFO: last freed is reused first
    assert s.live_pages == 1


def test_views_of_distinct_chunks_do_not_overlap() -> None:
    s = make()
    s.assign(s.new_page(), 3)
    size = s.sizes[3]
    hs = [s.alloc(3, object()) for _ in range(10)]
    for i, h in enumerate(hs):
        s.view(3, h, size)[:] = bytes([i]) * size
    for i, h in enumerate(hs):
        assert bytes(s.view(3, h, size)) == bytes([i]) * size


def test_reassign_moves_empty_page_between_classes() -> None:
    s = make()
    pid = s.new_page()
    s.assign(pid, 0)
    h = s.alloc(0, object())
    with pytest.raises(AssertionError):
        s.reassign(pid, 5)              # a page with a used chunk cannot move
    s.free(0, h)
    s.reassign(pid, 5)
    s.check_invariants()
    assert s.page_class[pid] == 5 and not s.classes[0].pages and not s.classes[0].free
    assert len(s.classes[5].free) == s.classes[5].per_page and s.page_moves == 1


def test_unassign_empty_and_drop_pool_page() -> None:
    s = make()
    for cid in (0, 0, 2):
        s.assign(s.new_page(), cid)
    keep = s.alloc(0, object())
    assert s.unassign_empty(0) == 1
    s.check_invariants()
    assert len(s.pool) == 1 and s.page_class[s.pool[0]] == POOL
    assert s.drop_pool_page() and s.live_pages == 2
    s.check_invariants()
    pid = s.new_page()                  # reuses the dropped id
    assert pid in s.pool and len(s.pages) == 3
    s.free(0, keep)
    s.check_invariants()


def test_wasted_bytes_counts_slack_and_page_tail() -> None:
    s = make(page=64 * 1024, sizes=(1000,))
    s.assign(s.new_page(), 0)
    c = s.classes[0]
    s.alloc(0, object())
    c.payload += 10
    assert s.wasted_bytes(c) == (64 * 1024 - 65 * 1000) + 990


def test_check_invariants_catches_double_free() -> None:
    s = make()
    s.assign(s.new_page(), 0)
    h = s.alloc(0, object())
    s.free(0, h)
    s.classes[0].free.append(h)
    with pytest.raises(AssertionError, match="duplicate"):
        s.check_invariants()


def test_prealloc_touch_page() -> None:
    s = make()
    pid = s.new_page(touch=True)
    assert len(s.pages[pid]) == s.page_size and pid in s.pool  # type: ignore[arg-type]
