"""Pure units: slots, the cluster-nodes parser, topology invariants, the router's key walk."""

from __future__ import annotations

import pytest

from resp_server.cluster.slots import SLOTS, even_split, key_slot, parse_ranges, ranges_of
from resp_server.cluster.topology import build, node_id, parse_entries


def test_crc16_xmodem_check_value():
    assert key_slot(b"123456789") == 0x31C3 % SLOTS          # CRC-16/XMODEM check value


@pytest.mark.parametrize("key,tag", [(b"{user1000}.following", b"user1000"),
                                     (b"foo{}{bar}", b"foo{}{bar}"), (b"foo{{bar}}zap", b"{bar"),
                                     (b"foo{bar}{zap}", b"bar"), (b"{}", b"{}"), (b"a{b", b"a{b")])
def test_hash_tags_as_redis_documents(key, tag):
    assert key_slot(key) == key_slot(tag)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 16, 100])
def test_even_split_covers_every_slot_once(n):
    ranges = even_split(n)
    assert len(ranges) == n and ranges[0][0] == 0 and ranges[-1][1] == SLOTS - 1
    assert all(a[1] + 1 == b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    sizes = [e - s + 1 for s, e in ranges]
    assert max(sizes) - min(sizes) <= 1


def test_ranges_roundtrip():
    assert parse_ranges("0-5,7,9-9") == [(0, 5), (7, 7), (9, 9)]
    assert ranges_of([0, 1, 2, 5, 6, 9]) == [(0, 2), (5, 6), (9, 9)]
    for bad in ("5-1", "16384", "-1", "a-b", "1-"):
        with pytest.raises(ValueError):
            parse_ranges(bad)


def _check(topo) -> None:
    """Invariant: owner[] and each node's ranges describe the same assignment."""
    for i, n in enumerate(topo.nodes):
        assert ranges_of([s for s in range(SLOTS) if topo.owner[s] == i]) == list(n.ranges)
    assert topo.assigned == sum(1 for o in topo.owner if o >= 0)


def test_build_even_and_explicit():
    t = build("127.0.0.1:7000,127.0.0.1:7001 127.0.0.1:7002", ("127.0.0.1", 7001))
    _check(t)
    assert t.myself == 1 and [n.ranges for n in t.nodes] == [(r,) for r in even_split(3)]
    assert [n.epoch for n in t.nodes] == [1, 2, 3] and t.nodes[2].id == node_id("127.0.0.1", 7002)
    t = build("a:1@0-100,200 b:2@101-199 201-16383 [::1]:3", ("::1", 3))
    _check(t)
    assert t.myself == 2 and t.nodes[2].ranges == () and t.assigned == SLOTS
    assert t.nodes[0].ranges == ((0, 100), (200, 200))
    t = build("a:1@0-99", ("a", 1))
    _check(t)
    assert t.assigned == 100 and t.owner[100] == -1


def test_ids_agree_and_look_like_redis_ids():
    i = node_id("10.0.0.1", 7000)
    assert len(i) == 40 and int(i, 16) >= 0 and i == node_id("10.0.0.1", 7000)
    assert i != node_id("10.0.0.1", 7001)


def test_find_myself():
    assert build("h1:7000 h2:7000", ("h3", 7000)).myself == -1
    assert build("h1:7000 h2:7001", ("h3", 7001), strict_host=False).myself == 1
    assert build("h1:7000 h2:7000", ("h3", 7000), strict_host=False).myself == -1   # ambiguous


@pytest.mark.parametrize("bad", ["", "nohost", "h:0", "h:70000", "h:1 h:1", "h:1@0-10 g:2@5",
                                 "h:1@x", "@0-1", "5-6 h:1"])
def test_bad_lists_are_refused(bad):
    with pytest.raises(ValueError):
        build(bad, ("h", 1))


def test_parse_entries_keeps_order():
    assert parse_entries("b:2 a:1") == [("b", 2, None), ("a", 1, None)]
