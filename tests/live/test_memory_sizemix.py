"""Memory follows the workload: a size-mix change under a small cap moves pages between classes.

The cache is filled (past its cap) with values of one size class, then the writes switch to a
different size class and go on. Every write must succeed (a full cache evicts, never answers
OOM), pages must move from the old class to the new one (INFO slabs pages_moved_out/in), the new
class must end up holding most of the memory, and every surviving value must be byte-exact.
The per-class eviction counts are printed (pytest -s): they are the figures of issue 3's note.

Two scenarios: the default 1.25-factor classes (100 KiB values, 10 per 1 MiB page, replaced by
2 MiB chains of 1 MiB chunks) and the issue's own example with explicit classes
(`--slab-sizes 3mb,14mb,32mb`: 3 MiB values replaced by 32 MiB values; the 32 MiB page then
holds ten 3 MiB chunks, so a 100 MiB cap holds three pages).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.live.helpers import (
    KIB,
    MIB,
    client,
    get_exact,
    info,
    info_int,
    keys,
    pattern,
    server,
    set_reply,
    slabs,
)


@dataclass(frozen=True)
class Mix:
    name: str
    args: tuple[str, ...]
    cap: int
    small: int          # value size before the change
    big: int            # value size after
    small_writes: int
    big_writes: int


MIXES = [
    Mix("100KiB->2MiB", ("--maxmemory", "16mb"), 16 * MIB, 100 * KIB + 3, 2 * MIB - 5, 300, 30),
    Mix("3MiB->32MiB", ("--maxmemory", "100mb", "--slab-sizes", "3mb,14mb,32mb"), 100 * MIB,
        3 * MIB - 1, 32 * MIB - 7, 60, 8),
]


def _fmt(sl: dict[int, dict[str, int]]) -> str:
    return "; ".join(f"class {cid} ({s['chunk_size']} B): pages={s['pages']} "
                     f"used={s['chunks_used']} evictions={s['evictions']} "
                     f"moved_in={s['pages_moved_in']} moved_out={s['pages_moved_out']}"
                     for cid, s in sorted(sl.items()))


@pytest.mark.parametrize("mix", MIXES, ids=[m.name for m in MIXES])
def test_size_mix_change_moves_pages(mix: Mix) -> None:
    with server(*mix.args, "--debug-invariants", "yes") as sp, client(sp) as c:
        written: dict[bytes, tuple[int, int]] = {}          # key -> (size, counter)
        for i in range(mix.small_writes):
            k = b"s:%d" % i
            assert set_reply(c, k, pattern(k, 0, mix.small)) == b"OK", f"SET {k!r}"
            written[k] = (mix.small, 0)
        before = slabs(c)
        evicted_before = info_int(c, "stats", "evicted_keys")
        assert evicted_before > 0, "the first phase did not fill the cache"
        small_cls = max(before, key=lambda cid: before[cid]["chunks_used"])
        for i in range(mix.big_writes):
            k = b"b:%d" % i
            reply = set_reply(c, k, pattern(k, 0, mix.big))
            assert reply == b"OK", f"SET {k!r} of {mix.big} B after the size change: {reply!r}"
            written[k] = (mix.big, 0)
        after = slabs(c)
        mem = info(c, "memory")
        evicted = info_int(c, "stats", "evicted_keys")
        present = keys(c)
        for k in sorted(present):
            size, counter = written[k]
            assert get_exact(c, k, pattern(k, counter, size)), f"{k!r} vanished"
        bigs = [k for k in present if k.startswith(b"b:")]
        smalls = [k for k in present if k.startswith(b"s:")]
        print(f"\nsize mix {mix.name} under {mix.cap // MIB} MiB:")
        print(f"  before: {_fmt(before)}")
        print(f"  after:  {_fmt(after)}")
        print("  evictions by class after the change (total, of which since the change): "
              + ", ".join(f"class {cid} ({s['chunk_size']} B) {s['evictions']} "
                          f"(+{s['evictions'] - before.get(cid, {}).get('evictions', 0)})"
                          for cid, s in sorted(after.items())))
        print(f"  evicted_keys {evicted_before} before the change, {evicted} after; "
              f"slab_reassigns {mem['slab_reassigns']}; keys left: {len(bigs)} big, "
              f"{len(smalls)} small; used_memory {int(mem['used_memory']) / MIB:.1f} MiB")
        assert sum(s["evictions"] for s in after.values()) == evicted
        assert after[small_cls]["pages_moved_out"] > before[small_cls].get("pages_moved_out", 0), \
            "no page left the old size class"
        assert after[small_cls]["pages"] < before[small_cls]["pages"]
        assert int(mem["slab_reassigns"]) > 0
        assert after[small_cls]["evictions"] > before[small_cls]["evictions"]
        # The new size class holds most of the memory: at most one page short of what the cap
        # can hold of big values.
        fit = mix.cap // sp_layout_bytes(after, mix.big)
        assert len(bigs) >= fit - 1, f"only {len(bigs)} big values kept, {fit} fit the cap"
        assert int(mem["used_memory"]) <= mix.cap
        assert int(mem["reservations"]) == 0


def sp_layout_bytes(sl: dict[int, dict[str, int]], size: int) -> int:
    """Chunk bytes a value of `size` takes with the classes listed in INFO slabs (chains of the
    largest class plus the best-fitting tail)."""
    sizes = sorted(s["chunk_size"] for s in sl.values())
    largest = sizes[-1]
    full, rest = divmod(size, largest)
    if rest == 0:
        return full * largest
    return full * largest + min(s for s in sizes if s >= rest)
