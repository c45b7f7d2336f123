"""Slab automove policy: which class should give a page to a class that needs one.

This is the *policy* half of memcached's slab_automove; the *mechanism* (evict the items on one
page, then reassign the page) lives in Keyspace._take_page and SlabAllocator.reassign. Everything
here is a pure function of per-class statistics, so it is unit-tested without memory.

When class `dst` has no free chunk and no new page fits under maxmemory, the allocation path asks
`page_sources(stats, dst, now)` for donors, best first:
  tier 0  a class holding a page with no chunk in use (a move costs no eviction);
  tier 1  a class with at least one page's worth of free chunks (its emptiest page costs few
          evictions);
  tier 2  a class whose least recently used evictable item is older than dst's - or any class
          with an evictable item when dst has none. For one-chunk-per-page classes (multi-MiB
          values) "older" is exact: the move evicts just that item, so across such classes
          eviction follows one global LRU. For many-chunk pages the donor must be older by
          AGE_RATIO (ages measured from `now` in access stamps): the ratio is hysteresis, since
          such a move evicts a whole page of items and two classes of similar age must not trade
          pages back and forth.
An empty list means: evict within dst itself (exact LRU order within the class).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

AGE_RATIO = 2.0   # donor's oldest item must be this many times older than the taker's


@dataclass(frozen=True, slots=True)
class ClassStats:
    cid: int
    pages: int                 # pages assigned to the class
    per_page: int              # chunks per page
    free_chunks: int           # chunks on the free stack
    empty_pages: int           # pages with no chunk in use
    oldest: int | None         # stamp of the next evictable item; None if none can be evicted


def page_sources(stats: Sequence[ClassStats], dst: int, now: int,
                 ratio: float = AGE_RATIO) -> list[int]:
    """Donor class ids for a page wanted by class dst, best first (see module docstring)."""
    taker = next((s for s in stats if s.cid == dst), None)
    taker_oldest = taker.oldest if taker is not None else None
    ranked: list[tuple[int, int, int]] = []
    for s in stats:
        if s.cid == dst or s.pages == 0:
            continue
        tier = _tier(s, taker_oldest, now, ratio)
        if tier is not None:
            ranked.append((tier, s.oldest if s.oldest is not None else now, s.cid))
    ranked.sort()
    return [cid for _, _, cid in ranked]


def _tier(s: ClassStats, taker_oldest: int | None, now: int, ratio: float) -> int | None:
    if s.empty_pages:
        return 0
    if s.free_chunks >= s.per_page:
        return 1
    if s.oldest is None:
        return None
    if taker_oldest is None:
        return 2
    if s.per_page == 1 and s.oldest < taker_oldest:
        return 2
    if (now - s.oldest) > ratio * (now - taker_oldest):
        return 2
    return None


def reclaim_order(stats: Sequence[ClassStats], now: int) -> list[int]:
    """Classes to take pages from when memory must shrink (lowered maxmemory), best first."""
    return page_sources(stats, -1, now, ratio=0.0)
