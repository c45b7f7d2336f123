"""Property tests: random store/delete/lookup/pin/unpin/reserve/expire/rename/flush sequences.

A rule-based state machine drives a Keyspace under a tiny cap (so eviction and page moves
happen all the time) with debug_invariants on - check_invariants() runs after every step - and a
model of the last value written per key. Cache semantics: a key is either absent (evicted,
expired) or holds exactly its last value; a deleted key is absent; a pinned item's bytes never
change until unpinned. Values are non-repeating patterns, so overlapping chunks would show.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from resp_server.store import OOMError
from resp_server.store.items import Item, Reservation
from tests.unit.helpers import PAGE, Clock, cap_for, make_ks, pattern

SIZES = [0, 1, 63, 64, 65, 500, 4000, PAGE // 3, PAGE - 1, PAGE, PAGE + 1, 2 * PAGE + 100, 3 * PAGE]
KEYS = [b"k%d" % i for i in range(12)]
POLICY_NAMES = ["allkeys-lru", "allkeys-s3fifo", "volatile-lru", "noeviction"]


class KeyspaceMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.seed = 0
        self.model: dict[tuple[int, bytes], tuple[bytes, int | None]] = {}
        self.pins: list[tuple[Item, bytes]] = []
        self.reservations: list[tuple[Reservation, bytes]] = []

    @initialize(policy=st.sampled_from(POLICY_NAMES), pages=st.integers(6, 14),
                explicit=st.booleans())
    def setup(self, policy: str, pages: int, explicit: bool) -> None:
        sizes = (64, 600, 5000, PAGE // 3, PAGE) if explicit else ()
        self.ks = make_ks(maxmemory=cap_for(pages, 10), policy=policy, sizes=sizes,
                          clock=self.clock)

    def value(self, size: int) -> bytes:
        self.seed += 1
        return pattern(self.seed, size)

    @rule(db=st.integers(0, 1), key=st.sampled_from(KEYS), size=st.sampled_from(SIZES),
          ttl=st.one_of(st.none(), st.integers(1, 50)))
    def store(self, db: int, key: bytes, size: int, ttl: int | None) -> None:
        v = self.value(size)
        at = None if ttl is None else self.clock.t + ttl
        try:
            self.ks.store(db, key, v, expire_at=at)
        except OOMError:
            return
        self.model[(db, key)] = (v, at)

    @rule(db=st.integers(0, 1), key=st.sampled_from(KEYS), size=st.sampled_from(SIZES))
    def reserve_and_store(self, db: int, key: bytes, size: int) -> None:
        v = self.value(size)
        try:
            res = self.ks.reserve(size)
        except OOMError:
            return
        _fill(res, v)
        try:
            self.ks.store(db, key, res)
        except OOMError:
            self.ks.release(res)
            return
        self.model[(db, key)] = (v, None)

    @rule(size=st.sampled_from(SIZES))
    def reserve_hold(self, size: int) -> None:
        if len(self.reservations) >= 2:
            return
        v = self.value(size)
        try:
            res = self.ks.reserve(size)
        except OOMError:
            return
        _fill(res, v)
        self.reservations.append((res, v))

    @precondition(lambda self: self.reservations)
    @rule()
    def release(self) -> None:
        res, v = self.reservations.pop()
        assert b"".join(res.views()) == v, "reserved bytes changed while held"
        self.ks.release(res)

    @rule(db=st.integers(0, 1), key=st.sampled_from(KEYS))
    def delete(self, db: int, key: bytes) -> None:
        self.ks.delete(db, key)
        self.model.pop((db, key), None)

    @rule(db=st.integers(0, 1), key=st.sampled_from(KEYS))
    def lookup(self, db: int, key: bytes) -> None:
        item = self.ks.lookup(db, key)
        self.check_key(db, key, item)

    @rule(db=st.integers(0, 1), key=st.sampled_from(KEYS))
    def pin(self, db: int, key: bytes) -> None:
        item = self.ks.lookup(db, key)
        if item is not None and len(self.pins) < 4:
            self.ks.pin(item)
            self.pins.append((item, item.to_bytes()))

    @precondition(lambda self: self.pins)
    @rule(i=st.integers(0, 3))
    def unpin(self, i: int) -> None:
        item, v = self.pins.pop(i % len(self.pins))
        assert item.to_bytes() == v, "pinned item changed"
        self.ks.unpin(item)

    @rule(ms=st.integers(1, 30))
    def advance_clock(self, ms: int) -> None:
        self.clock.advance(ms)

    @rule()
    def active_expire(self) -> None:
        self.ks.active_expire_cycle(10)

    @rule(db=st.integers(0, 1), src=st.sampled_from(KEYS), dst=st.sampled_from(KEYS))
    def rename(self, db: int, src: bytes, dst: bytes) -> None:
        if self.ks.peek(db, src) is None:
            self.model.pop((db, src), None)
            return
        self.ks.rename(db, src, dst)
        if src != dst:
            self.model[(db, dst)] = self.model.pop((db, src))

    @rule(src=st.sampled_from(KEYS), dst=st.sampled_from(KEYS), replace=st.booleans())
    def copy(self, src: bytes, dst: bytes, replace: bool) -> None:
        if self.ks.peek(0, src) is None:
            self.model.pop((0, src), None)
            return
        try:
            done = self.ks.copy(0, src, 1, dst, replace)
        except OOMError:
            return
        if done:
            self.model[(1, dst)] = self.model[(0, src)]

    @rule(key=st.sampled_from(KEYS))
    def move(self, key: bytes) -> None:
        if self.ks.move(0, key, 1):
            self.model[(1, key)] = self.model.pop((0, key))

    @rule()
    def swapdb(self) -> None:
        self.ks.swapdb(0, 1)
        self.model = {(1 - db, k): v for (db, k), v in self.model.items()}

    @rule(db=st.integers(0, 1), key=st.sampled_from(KEYS), ttl=st.one_of(st.none(), st.integers(0, 40)))
    def set_expire(self, db: int, key: bytes, ttl: int | None) -> None:
        at = None if ttl is None else self.clock.t + ttl
        if self.ks.peek(db, key) is None:
            self.model.pop((db, key), None)
            return
        self.ks.set_expire(db, key, at)
        if at is not None and at <= self.clock.t:
            del self.model[(db, key)]
        else:
            self.model[(db, key)] = (self.model[(db, key)][0], at)

    @rule(db=st.integers(0, 1))
    def scan_all(self, db: int) -> None:
        cursor, seen = 0, []
        while True:
            cursor, keys = self.ks.scan(db, cursor, 3)
            seen.extend(keys)
            if not cursor:
                break
        assert sorted(seen) == sorted(self.ks.keys(db))

    @rule(db=st.integers(0, 1))
    def flushdb(self, db: int) -> None:
        self.ks.flushdb(db)
        for k in [k for k in self.model if k[0] == db]:
            del self.model[k]

    @rule(pages=st.integers(4, 14))
    def set_maxmemory(self, pages: int) -> None:
        self.ks.set_maxmemory(cap_for(pages, 10))

    @rule(policy=st.sampled_from(POLICY_NAMES))
    def set_policy(self, policy: str) -> None:
        self.ks.set_policy(policy)

    def check_key(self, db: int, key: bytes, item: Item | None) -> None:
        expect = self.model.get((db, key))
        if item is None:
            return                                   # evicted or expired: allowed for a cache
        assert expect is not None, f"{key!r} present after delete"
        v, at = expect
        assert item.to_bytes() == v, f"{key!r}: wrong bytes"
        assert at is None or self.clock.t < at, f"{key!r} served after expiry"

    @invariant()
    def pinned_bytes_stable(self) -> None:
        for item, v in self.pins:
            assert item.to_bytes() == v

    @invariant()
    def every_key_matches_model(self) -> None:
        if not hasattr(self, "ks"):
            return
        for db in (0, 1):
            for key, item in list(self.ks.dbs[db].items.items()):
                if item.expire_at is None or item.expire_at > self.clock.t:
                    self.check_key(db, key, item)

    def teardown(self) -> None:
        if not hasattr(self, "ks"):
            return
        for item, _ in self.pins:
            self.ks.unpin(item)
        for res, _ in self.reservations:
            self.ks.release(res)
        self.ks.flushall()
        self.ks.check_invariants()
        assert sum(c.chunks_used for c in self.ks.slabs.classes) == 0, "chunks leaked"
        assert self.ks.key_bytes == 0, "key overhead leaked"


def _fill(res: Reservation, v: bytes) -> None:
    off = 0
    for view in res.views():
        view[:] = v[off:off + len(view)]
        off += len(view)


KeyspaceMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
TestKeyspaceMachine = KeyspaceMachine.TestCase
