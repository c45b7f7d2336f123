"""SETBIT / BITFIELD writes that change nothing, on ours and on real redis-server 7.0.

Redis's bitops.c stores (and counts in `rdb_changes_since_last_save`, and signals to WATCH) only
when the key is new, the value grew, or a written bit / field changed; BITFIELD counts one change
per SET/INCRBY that changed its field. Both servers run the same commands; the dirty-count
deltas and the EXEC outcomes under WATCH must be the same (Redis's tests/unit/bitops.tcl
"SETBIT/BITFIELD only increase dirty when the value changed").
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.conftest import ServerProc, start_ours, start_redis

STEPS = [
    ["SETBIT", "foo", "0", "0"],                          # new key: +1
    ["BITFIELD", "foo2", "SET", "i5", "0", "0"],          # new key: +1
    ["SETBIT", "foo", "0", "0"],                          # no change
    ["BITFIELD", "foo2", "SET", "i5", "0", "0"],          # no change
    ["SETBIT", "foo", "0", "1"],                          # change
    ["SETBIT", "foo", "0", "1"],
    ["BITFIELD", "foo2", "SET", "i5", "0", "1", "SET", "u2", "5", "0", "INCRBY", "u3", "0", "0"],
    ["BITFIELD", "foo2", "SET", "i5", "0", "1"],
    ["BITFIELD", "foo3", "INCRBY", "i5", "0", "1"],       # INCRBY that changes: +1 each
    ["BITFIELD", "foo3", "INCRBY", "i5", "0", "1"],
    ["BITFIELD", "foo3", "GET", "i5", "0"],               # only GETs: nothing
    ["BITFIELD", "foo3", "OVERFLOW", "FAIL", "INCRBY", "i5", "0", "100"],   # FAIL: nothing
    ["SETBIT", "foo", "90", "0"],                          # length grows: +1
    ["BITFIELD", "foo2", "SET", "i5", "90", "0"],          # length grows: +1
]


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[ServerProc, ServerProc]]:
    ours = start_ours("--maxmemory", "64mb")
    theirs = start_redis()
    yield ours, theirs
    ours.stop()
    theirs.stop()


def _dirty(r: redis.Redis) -> int:
    return int(r.info("persistence")["rdb_changes_since_last_save"])


def _deltas(port: int) -> list[tuple[object, int]]:
    r = redis.Redis(port=port)
    r.delete("foo", "foo2", "foo3")
    out = []
    for cmd in STEPS:
        before = _dirty(r)
        reply = r.execute_command(*cmd)
        out.append((reply, _dirty(r) - before))
    r.close()
    return out


def test_dirty_counts_only_changes(pair: tuple[ServerProc, ServerProc]) -> None:
    ours, theirs = pair
    expected = _deltas(theirs.port)
    assert [d for _, d in expected] == [1, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1]
    assert _deltas(ours.port) == expected


def _watch_outcomes(port: int) -> list[object]:
    """For each write, does a WATCH on its key survive it (EXEC runs) or not (None)?"""
    r = redis.Redis(port=port)
    r.delete("w")
    r.setbit("w", 7, 1)
    writes = [["SETBIT", "w", "7", "1"], ["SETBIT", "w", "7", "0"],
              ["BITFIELD", "w", "SET", "u8", "0", "0"], ["BITFIELD", "w", "SET", "u8", "0", "3"],
              ["SETBIT", "w", "100", "0"]]
    out = []
    for cmd in writes:
        with r.pipeline(transaction=True) as p:
            p.watch("w")
            other = redis.Redis(port=port)
            other.execute_command(*cmd)
            other.close()
            p.multi()
            p.get("w")
            try:
                out.append(p.execute())
            except redis.WatchError:
                out.append(None)
    r.close()
    return out


def test_watch_survives_writes_that_change_nothing(pair: tuple[ServerProc, ServerProc]) -> None:
    ours, theirs = pair
    expected = _watch_outcomes(theirs.port)
    assert [x is None for x in expected] == [False, True, False, True, True]
    assert _watch_outcomes(ours.port) == expected
