"""Warm restart at the store level: a Keyspace over a memory file, saved and re-adopted.

Real files (a private directory on /dev/shm, or tmp), no server: check_invariants() after each
adoption ties allocator, items, policies and totals; what must not come back (reservations in
flight, replaced values held by pins, expired keys) is checked to be gone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

from resp_server.config import MIB, StoreConfig
from resp_server.store.keyspace import Keyspace
from resp_server.store.memfile import CLEAN, DIRTY, HEADER_BYTES
from resp_server.store.warm import WarmStore


@pytest.fixture
def path() -> Iterator[str]:
    d = tempfile.mkdtemp(prefix="resp-warm-unit-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    yield os.path.join(d, "ks.mem")
    shutil.rmtree(d, ignore_errors=True)


def cfg(path: str, **kw: object) -> StoreConfig:
    base: dict[str, object] = {"maxmemory": 32 * MIB, "memory_file": path, "policy": "allkeys-lru"}
    return StoreConfig(**{**base, **kw})  # type: ignore[arg-type]


def reopen(ks: Keyspace, warm: WarmStore, c: StoreConfig, clock=None) -> tuple[Keyspace, WarmStore]:
    assert warm.close(ks, save=True)
    w2 = WarmStore(c)
    ks2 = w2.open(clock) if clock else w2.open()
    ks2.check_invariants()
    return ks2, w2


def pattern(i: int, n: int) -> bytes:
    """Non-repeating bytes: overlapping or swapped chunks would show."""
    return (b"%08d|" % i * (n // 9 + 1))[:n]


def test_values_chains_ttls_and_order_come_back(path: str) -> None:
    c = cfg(path)
    w = WarmStore(c)
    ks = w.open()
    now = ks.clock()
    sizes = [10, 100, 3000, 70_000, MIB, 3 * MIB + 5]
    for i, n in enumerate(sizes * 5):
        ks.store(i % 3, b"k%d" % i, pattern(i, n), expire_at=now + 60_000 if i % 2 else None)
    for i in range(0, 30, 4):
        ks.lookup(i % 3, b"k%d" % i)
    orders = [[it.key for it in ks.eviction_order(cid)] for cid in range(len(ks.slabs.sizes))]
    used = ks.used_memory
    ks2, w2 = reopen(ks, w, c)
    assert w2.info.adopted_keys == 30 and w2.info.cold_reason == ""
    for i, n in enumerate(sizes * 5):
        item = ks2.peek(i % 3, b"k%d" % i)
        assert item is not None and item.to_bytes() == pattern(i, n)
        assert item.expire_at == (now + 60_000 if i % 2 else None)
    assert [[it.key for it in ks2.eviction_order(cid)] for cid in range(len(ks2.slabs.sizes))] == orders
    assert ks2.used_memory == used
    ks2.store(0, b"more", pattern(99, 5000))     # allocation works on the adopted pages
    ks2.check_invariants()
    w2.close(ks2, save=False)


def test_in_flight_memory_is_not_adopted(path: str) -> None:
    """A reservation being received and a replaced value still pinned by a reply stay behind."""
    c = cfg(path)
    w = WarmStore(c)
    ks = w.open()
    ks.store(0, b"kept", pattern(1, 5000))
    ks.store(0, b"old", pattern(2, 5000))
    pinned = ks.lookup(0, b"old")
    assert pinned is not None
    ks.pin(pinned)
    ks.store(0, b"old", pattern(3, 5000))          # the pinned value becomes a zombie
    res = ks.reserve(200_000)
    ks2, w2 = reopen(ks, w, c)
    assert ks2.dbsize(0) == 2 and ks2.info_memory()["reservations"] == 0
    assert ks2.peek(0, b"old").to_bytes() == pattern(3, 5000)  # type: ignore[union-attr]
    assert ks2.slabs.classes[ks2.slabs.class_for(5000)].chunks_used == 2
    del res
    w2.close(ks2, save=False)


def test_expired_during_downtime_are_dropped(path: str) -> None:
    c = cfg(path)
    t = [1_000_000]
    w = WarmStore(c)
    ks = w.open(lambda: t[0])
    ks.store(0, b"short", b"x" * 100, expire_at=t[0] + 1000)
    ks.store(0, b"long", b"y" * 100, expire_at=t[0] + 100_000)
    t[0] += 5000
    ks2, w2 = reopen(ks, w, c, clock=lambda: t[0])
    assert w2.info.adopted_keys == 1 and w2.info.expired_keys == 1
    assert ks2.peek(0, b"short") is None and ks2.peek(0, b"long") is not None
    w2.close(ks2, save=False)


def test_lower_maxmemory_evicts_the_coldest_after_adoption(path: str) -> None:
    c = cfg(path)
    w = WarmStore(c)
    ks = w.open()
    for i in range(20):
        ks.store(0, b"k%d" % i, pattern(i, MIB))
    ks2, w2 = reopen(ks, w, cfg(path, maxmemory=12 * MIB))
    assert 0 < ks2.dbsize(0) < 20
    survivors = {int(k[1:]) for k in ks2.keys(0)}
    assert survivors == set(range(20 - len(survivors), 20))    # the oldest went first
    w2.close(ks2, save=False)


def test_s3fifo_keeps_frequency_counters(path: str) -> None:
    c = cfg(path, policy="allkeys-s3fifo")
    w = WarmStore(c)
    ks = w.open()
    for i in range(10):
        ks.store(0, b"k%d" % i, b"v" * 100)
    for _ in range(3):
        ks.lookup(0, b"k4")
    ks2, w2 = reopen(ks, w, c)
    assert ks2.peek(0, b"k4").freq == 3 and ks2.peek(0, b"k5").freq == 0  # type: ignore[union-attr]
    w2.close(ks2, save=False)


def test_mapping_grows_with_maxmemory_and_marker_states(path: str) -> None:
    c = cfg(path, maxmemory=4 * MIB)
    w = WarmStore(c)
    ks = w.open()
    assert w.file.marker.state == b""              # a new file
    with open(path, "rb") as f:
        assert DIRTY in f.read(64)                  # marked dirty before the first write
    ks.set_maxmemory(16 * MIB)                      # CONFIG SET maxmemory: pages beyond the file
    for i in range(12):
        ks.store(0, b"k%d" % i, pattern(i, MIB))
    assert os.path.getsize(path) >= HEADER_BYTES + 12 * MIB
    ks2, w2 = reopen(ks, w, c)
    assert w2.file.marker.state == CLEAN
    # adopted under the configured 4 MiB cap: the coldest were evicted down to it
    assert ks2.dbsize(0) < 12 and ks2.peek(0, b"k11").to_bytes() == pattern(11, MIB)  # type: ignore[union-attr]
    w2.close(ks2, save=False)


def test_memory_file_needs_maxmemory() -> None:
    with pytest.raises(ValueError, match="memory-file needs maxmemory"):
        StoreConfig(memory_file="/dev/shm/x.mem")


def test_adopt_refuses_chunks_that_do_not_fit(path: str) -> None:
    """A saved row naming a chunk of another class, a taken chunk or a wrong chain: ValueError
    (warm.py turns it into a cold start)."""
    ks = Keyspace(StoreConfig(maxmemory=8 * MIB))
    cid = ks.slabs.class_for(100)
    ks.restore_pages([cid, ks.slabs.largest])
    h = 0 << 32                                       # chunk 0 of page 0 (class cid)
    ks.adopt_item(0, b"a", (h,), cid, 100, None, 1, 0)
    with pytest.raises(ValueError):
        ks.adopt_item(0, b"b", (h,), cid, 100, None, 2, 0)            # taken
    with pytest.raises(ValueError):
        ks.adopt_item(0, b"c", ((1 << 32),), cid, 100, None, 3, 0)   # page of another class
    with pytest.raises(ValueError):
        ks.adopt_item(0, b"d", (h + 1,), cid, 5000, None, 4, 0)      # length of another class
    with pytest.raises(ValueError):
        ks.adopt_item(0, b"a", (h + 2,), cid, 100, None, 5, 0)       # key adopted already


class Crash(BaseException):
    """A process dying at this point (SIGKILL, power cut): nothing after it runs."""


@pytest.mark.parametrize("change", ["lower maxmemory", "layout changed"])
def test_crash_while_a_start_changes_pages_is_never_adopted(path: str, change: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A start that punches pages out (the cap lowered: evicted pages dropped; a cold start: the
    whole mapping wiped) and dies half-way must leave the file not CLEAN: the next start with the
    old options would otherwise adopt items whose bytes are gone (zeros served as values)."""
    from resp_server.store.memfile import MemoryFile
    c = cfg(path)
    w = WarmStore(c)
    ks = w.open()
    for i in range(20):
        ks.store(0, b"k%d" % i, pattern(i, MIB))
    assert w.close(ks, save=True)
    real_discard, real_wipe = MemoryFile.discard, MemoryFile.wipe
    punched = [0]

    def discard(self: MemoryFile, pid: int) -> None:
        real_discard(self, pid)
        punched[0] += 1
        if punched[0] == 3:
            raise Crash

    def wipe(self: MemoryFile) -> None:
        real_wipe(self)
        raise Crash

    monkeypatch.setattr(MemoryFile, "discard", discard)
    monkeypatch.setattr(MemoryFile, "wipe", wipe)
    c2 = cfg(path, maxmemory=8 * MIB) if change == "lower maxmemory" else cfg(path, databases=4)
    w2 = WarmStore(c2)
    with pytest.raises(Crash):
        w2.open()
    w2.file.close()                                   # the dead process's lock goes with it
    monkeypatch.undo()
    w3 = WarmStore(c)
    ks3 = w3.open()
    ks3.check_invariants()
    assert w3.info.cold_reason.startswith("not marked clean"), w3.info.cold_reason
    assert ks3.dbsize(0) == 0
    w3.close(ks3, save=False)
