"""Redis's LFU counter (store/lfu.py) and its upkeep by the keyspace under LFU policies only."""

from __future__ import annotations

from resp_server.store import lfu
from tests.unit.helpers import Clock, make_ks

MIN = 60_000


def test_fresh_field_starts_at_init_value_and_caps() -> None:
    assert lfu.decayed(lfu.fresh(10 * MIN), 10 * MIN, 1) == lfu.LFU_INIT_VAL
    assert lfu.decayed(lfu.fresh(0, 1000), 0, 1) == 255
    assert lfu.decayed(lfu.fresh(0, -3), 0, 1) == 0


def test_decay_is_one_step_per_decay_time_minutes_and_wraps() -> None:
    field = lfu.fresh(100 * MIN, 50)
    assert lfu.decayed(field, 107 * MIN, 1) == 43
    assert lfu.decayed(field, 107 * MIN, 2) == 47
    assert lfu.decayed(field, 10_000 * MIN, 1) == 0
    assert lfu.decayed(field, 10_000 * MIN, 0) == 50          # decay time 0: never decays
    late = lfu.fresh(65_530 * MIN, 20)                         # the 16-bit minute clock wraps
    assert lfu.decayed(late, (65_536 + 3) * MIN, 1) == 20 - 8


def test_increment_is_logarithmic() -> None:
    field = lfu.fresh(0)
    for _ in range(2000):
        field = lfu.accessed(field, 0, 10, 1)
    counter = field & 0xFF
    assert 10 < counter < 40, counter       # Redis: ~18 after 1k hits at factor 10, far below 255
    field = lfu.fresh(0)
    for _ in range(300):
        field = lfu.accessed(field, 0, 0, 1)  # factor 0: every access counts, up to the cap
    assert field & 0xFF == 255


def test_keyspace_keeps_counter_only_under_lfu() -> None:
    clock = Clock()
    ks = make_ks(clock=clock, policy="allkeys-lru")
    ks.store(0, b"k", b"v")
    item = ks.lookup(0, b"k")
    assert item is not None and item.lfu == 0               # LRU pays nothing
    ks.set_policy("allkeys-lfu")                            # switching starts every key at 5
    assert ks.lfu_frequency(item) == lfu.LFU_INIT_VAL
    ks.restore_access(item, None, 100)
    assert ks.lfu_frequency(item) == 100
    ks.lfu_log_factor = 0
    ks.lookup(0, b"k")
    assert ks.lfu_frequency(item) == 101
    ks.check_invariants()
