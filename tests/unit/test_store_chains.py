"""Pipeline chains (store/ordering.py): the accesses between chain_begin and chain_end are
stamped head first, deeper members older, all newer than anything before the chain; an item's
stamp never decreases; exact LRU therefore evicts a chain from its tail. Off, stamps follow
access order."""

from __future__ import annotations

from resp_server.store.ordering import CHAIN_SPAN
from tests.unit.helpers import make_ks


def _stamps(ks, keys: list[bytes]) -> list[int]:
    items = ks.dbs[0].items
    return [items[k].stamp for k in keys]


def test_a_chain_is_stamped_head_first_and_newer_than_what_came_before() -> None:
    ks = make_ks()
    ks.store(0, b"old", b"v")
    ks.store(0, b"c0", b"v")
    ks.chain_begin()
    assert ks.lookup(0, b"c0") is not None                  # the hit, then the chain's writes
    for i in range(1, 6):
        ks.store(0, b"c%d" % i, b"v")
    ks.chain_end()
    chain = _stamps(ks, [b"c%d" % i for i in range(6)])
    assert chain == sorted(chain, reverse=True) and len(set(chain)) == 6
    assert min(chain) > ks.dbs[0].items[b"old"].stamp
    ks.lookup(0, b"old")                                     # outside a chain: the newest again
    assert ks.dbs[0].items[b"old"].stamp > max(chain)
    ks.check_invariants()


def test_a_chain_resumed_after_another_connections_access_goes_on_below_its_head() -> None:
    """chain_end's state given to chain_begin continues the chain (a pipeline read twice)."""
    ks = make_ks()
    ks.chain_begin()
    ks.store(0, b"a", b"v")
    ks.store(0, b"b", b"v")
    state = ks.chain_end()
    ks.store(0, b"other", b"v")                               # another connection, no chain
    ks.chain_begin(state)
    ks.store(0, b"c", b"v")
    ks.chain_end()
    a, b, c, other = _stamps(ks, [b"a", b"b", b"c", b"other"])
    assert other > a > b > c
    ks.chain_begin()                                          # not resumed: a new, newer head
    ks.store(0, b"d", b"v")
    ks.chain_end()
    assert _stamps(ks, [b"d"])[0] > other
    ks.check_invariants()


def test_a_key_accessed_twice_in_a_chain_keeps_its_higher_stamp() -> None:
    ks = make_ks()
    ks.chain_begin()
    ks.store(0, b"a", b"v")
    ks.store(0, b"b", b"v")
    first = ks.dbs[0].items[b"a"].stamp
    ks.lookup(0, b"a")
    ks.chain_end()
    assert ks.dbs[0].items[b"a"].stamp == first > ks.dbs[0].items[b"b"].stamp
    ks.check_invariants()


def test_a_chain_longer_than_its_span_starts_a_newer_one() -> None:
    ks = make_ks()
    keys = [b"k%d" % i for i in range(CHAIN_SPAN + 3)]
    ks.chain_begin()
    for k in keys:
        ks.store(0, k, b"v")
    ks.chain_end()
    s = _stamps(ks, keys)
    assert s[:CHAIN_SPAN] == sorted(s[:CHAIN_SPAN], reverse=True)
    assert min(s[CHAIN_SPAN:]) > max(s[:CHAIN_SPAN])          # the second head is newer
    assert len(set(s)) == len(s)


def test_exact_lru_evicts_a_chain_from_its_tail() -> None:
    value = b"x" * 1000
    ks = make_ks(maxmemory=400_000)
    ks.chain_begin()
    chain = [b"chain%02d" % i for i in range(20)]
    for k in chain:
        ks.store(0, k, value)
    ks.chain_end()
    seen_partial = False
    for i in range(2000):
        ks.store(0, b"f%d" % i, value)                       # each write its own round trip
        present = [k in ks.dbs[0].items for k in chain]
        assert present == sorted(present, reverse=True), present   # always a prefix
        seen_partial |= any(present) and not all(present)
        if not any(present):
            break
    assert seen_partial and not any(present)
    ks.check_invariants()


def test_off_stamps_follow_access_order() -> None:
    ks = make_ks(pipeline_chains=False)
    ks.chain_begin()
    for i in range(5):
        ks.store(0, b"c%d" % i, b"v")
    ks.chain_end()
    s = _stamps(ks, [b"c%d" % i for i in range(5)])
    assert s == sorted(s) and len(set(s)) == 5
