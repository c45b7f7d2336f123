"""Live eviction under a 16 MiB cap: exact LRU order, noeviction's OOM reply, volatile-lru.

Values are non-repeating patterns derived from key + counter (helpers.pattern), so a chunk
shared by two items or a view at a wrong offset is caught by the byte-exact reads. The LRU test
keeps a model of the access order (SET and GET are accesses, EXISTS/KEYS are not) and checks
after every write that the keys which disappeared are exactly the oldest ones of the model.
"""

from __future__ import annotations

import socket
from collections import OrderedDict

import pytest

from scripts.rawclient import RawClient, RespError
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

CAP = 16 * MIB
OOM = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"


class LruModel:
    """Keys in access order (least recent first) and the counter of each key's current value."""

    def __init__(self, c: RawClient, size: int) -> None:
        self.c = c
        self.size = size
        self.order: OrderedDict[bytes, int] = OrderedDict()
        self.counter = 0
        self.evicted = 0

    def value(self, key: bytes) -> bytes:
        return pattern(key, self.order[key], self.size)

    def set(self, key: bytes) -> list[bytes]:
        """SET key to a fresh value; returns the keys evicted by it (checked to be the oldest)."""
        self.counter += 1
        self.c.set_from(key, memoryview(pattern(key, self.counter, self.size)))
        self.order[key] = self.counter
        self.order.move_to_end(key)
        present = keys(self.c)
        gone = [k for k in self.order if k not in present]
        oldest = list(self.order)[:len(gone)]
        assert gone == oldest, (
            f"SET {key!r} evicted {gone!r}, but exact LRU order says {oldest!r} go first")
        assert key not in gone, f"SET {key!r} evicted the key it just wrote"
        for k in gone:
            del self.order[k]
        assert set(self.order) == present, f"unexpected keys: {present - set(self.order)!r}"
        self.evicted += len(gone)
        return gone

    def get(self, key: bytes) -> None:
        """GET key (an access): must be present and byte-exact."""
        assert get_exact(self.c, key, self.value(key)), f"{key!r} missing"
        self.order.move_to_end(key)


@pytest.mark.parametrize("size", [
    pytest.param(90 * KIB + 7, id="90KiB-10-per-page"),
    pytest.param(280 * KIB + 11, id="280KiB-3-per-page"),
    pytest.param(MIB - 100, id="1MiB-one-chunk"),
    pytest.param(2 * MIB + 300 * KIB + 5, id="2.3MiB-chain"),
])
def test_exact_lru_eviction_order(size: int) -> None:
    debug = ("--debug-invariants", "yes") if size >= 256 * KIB else ()   # (150 keys: too slow)
    with server("--maxmemory", "16mb", *debug) as sp, client(sp) as c:
        m = LruModel(c, size)
        i = 0
        while not m.evicted:                       # fill until the first eviction
            m.set(b"lru:%d" % i)
            i += 1
            assert i < 200, "no eviction after 200 writes under a 16 MiB cap"
        capacity = len(m.order)
        assert capacity * size <= CAP
        # Touch some of the oldest keys (GET and an overwrite) and write more: the untouched
        # oldest must go first, in order; the touched ones survive.
        oldest = list(m.order)
        touched = [oldest[0], oldest[2], oldest[4]]
        for k in touched[:2]:
            m.get(k)
        m.set(touched[2])                          # an overwrite is an access too
        untouched = [k for k in oldest if k not in touched][:capacity - len(touched)]
        before = info_int(c, "stats", "evicted_keys")
        for _ in range(capacity - len(touched)):
            m.set(b"lru:%d" % i)
            i += 1
        present = keys(c)
        assert all(k in present for k in touched), f"touched keys evicted: {touched!r}"
        assert not present & set(untouched), "untouched old keys survived newer writes"
        evicted = info_int(c, "stats", "evicted_keys")
        assert evicted > before
        assert evicted == m.evicted, f"INFO evicted_keys {evicted} != {m.evicted} keys gone"
        assert sum(s["evictions"] for s in slabs(c).values()) == evicted
        for k in list(m.order):                    # every survivor is byte-exact
            assert get_exact(c, k, m.value(k))
        mem = info(c, "memory")
        used = int(mem["used_memory"])
        assert used <= CAP and int(mem["reservations"]) == 0
        print(f"\nLRU {size} B values: capacity {capacity} keys under 16 MiB, {evicted} evicted "
              f"in exact order, used_memory {used / MIB:.2f} MiB, {i} writes")


def _raw_set(sock: socket.socket, key: bytes, value: bytes) -> bytes:
    """SET over a plain socket; returns the exact reply line."""
    sock.sendall(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n" % (len(key), key, len(value))
                 + value + b"\r\n")
    line = b""
    while not line.endswith(b"\r\n"):
        chunk = sock.recv(1)
        assert chunk, "server closed the connection"
        line += chunk
    return line


def test_noeviction_refuses_writes_with_redis_oom_and_serves_reads() -> None:
    size = MIB - 64
    with server("--maxmemory", "16mb", "--maxmemory-policy", "noeviction",
                "--debug-invariants", "yes") as sp, client(sp) as c, \
            socket.create_connection(("127.0.0.1", sp.port), timeout=30) as raw:
        stored: list[bytes] = []
        reply = b""
        for i in range(40):
            key = b"ne:%d" % i
            reply = _raw_set(raw, key, pattern(key, 0, size))
            if reply != b"+OK\r\n":
                break
            stored.append(key)
        assert reply == OOM, f"SET past the cap answered {reply!r}"
        assert 10 <= len(stored) <= 16
        # Small values (parsed in the read buffer, not reserved) are refused the same way,
        # and the connection that got OOM for a big value is still in sync.
        assert _raw_set(raw, b"ne:small", b"x" * 100) == OOM
        assert _raw_set(raw, b"ne:big", pattern(b"ne:big", 0, 3 * MIB)) == OOM
        assert info_int(c, "stats", "evicted_keys") == 0
        assert keys(c) == set(stored)
        for k in stored:                                   # reads still work, byte-exact
            assert get_exact(c, k, pattern(k, 0, size))
        reply = set_reply(c, b"ne:viaclient", pattern(b"x", 0, size))
        assert isinstance(reply, RespError) and str(reply) == OOM[1:-2].decode(), reply
        # Deleting makes room again.
        assert c.call("DEL", stored[0], stored[1]) == 2
        assert _raw_set(raw, b"ne:after", pattern(b"ne:after", 0, size)) == b"+OK\r\n"
        assert get_exact(c, b"ne:after", pattern(b"ne:after", 0, size))
        mem = info(c, "memory")
        assert int(mem["used_memory"]) <= CAP
        print(f"\nnoeviction: {len(stored)} x {size} B stored, then -OOM; reads served")


def test_volatile_lru_evicts_only_keys_with_ttl() -> None:
    size = MIB - 64
    with server("--maxmemory", "16mb", "--maxmemory-policy", "volatile-lru",
                "--debug-invariants", "yes") as sp, client(sp) as c:
        persistent = [b"vp:%d" % i for i in range(6)]
        for k in persistent:
            c.set_from(k, memoryview(pattern(k, 0, size)))
        volatile: list[bytes] = []
        for i in range(30):                                # 36 MiB through a 16 MiB cap
            k = b"vv:%d" % i
            assert set_reply(c, k, pattern(k, 0, size), b"EX", b"1000") == b"OK"
            volatile.append(k)
        present = keys(c)
        assert set(persistent) <= present, f"persistent keys evicted: {set(persistent) - present!r}"
        alive = [k for k in volatile if k in present]
        gone = [k for k in volatile if k not in present]
        assert gone and gone == volatile[:len(gone)], "volatile keys not evicted oldest first"
        assert info_int(c, "stats", "evicted_keys") == len(gone)
        for k in persistent + alive:
            assert get_exact(c, k, pattern(k, 0, size))
        # Only TTL-less keys left to evict: writes past the cap are refused with OOM.
        assert c.call("DEL", *alive) == len(alive)
        refused = 0
        for i in range(20):
            k = b"vp2:%d" % i
            reply = set_reply(c, k, pattern(k, 0, size))
            if reply != b"OK":
                assert isinstance(reply, RespError) and str(reply) == OOM[1:-2].decode(), reply
                refused += 1
        assert refused, "volatile-lru with no TTL keys accepted writes past the cap"
        assert set(persistent) <= keys(c)
        print(f"\nvolatile-lru: {len(gone)} TTL keys evicted oldest first, 6 persistent kept, "
              f"{refused} writes refused once only persistent keys were left")


def test_refused_oversized_value_leaves_the_cache_writable() -> None:
    """A SET whose value (+ key) cannot fit the cap is refused; the memory it reserved (and
    evicted for) must be usable at once by the next write, not only after a background cycle."""
    with server("--maxmemory", "16mb") as sp, client(sp) as c:
        assert set_reply(c, b"a", b"x" * 100) == b"OK"
        big = pattern(b"too-big", 0, 16 * MIB - 1000)
        c.send_raw(b"*3\r\n$3\r\nSET\r\n$7\r\ntoo-big\r\n$%d\r\n" % len(big))
        c.send_raw(big)
        c.send_raw(b"\r\n*3\r\n$3\r\nSET\r\n$5\r\nsmall\r\n$3\r\nyes\r\n")   # same write burst
        refused, after = c.read_replies(2)
        assert isinstance(refused, RespError) and str(refused) == OOM[1:-2].decode()
        assert after == b"OK", f"SET of 3 bytes into an empty 16 MiB cache answered {after!r}"
        assert c.call("GET", b"small") == b"yes"
        assert int(info(c, "memory")["used_memory"]) <= CAP


@pytest.mark.parametrize("size", [
    pytest.param(16 * MIB - 1000, id="16MiB-1000B-16-one-MiB-chunks"),
    pytest.param(15 * MIB + 400 * KIB, id="15.4MiB-chain-with-a-tail-page"),
])
def test_refused_oversized_value_evicts_nothing(size: int) -> None:
    with server("--maxmemory", "16mb") as sp, client(sp) as c:
        kept = [b"keep:%d" % i for i in range(5)]
        for k in kept:
            assert set_reply(c, k, pattern(k, 0, MIB - 100)) == b"OK"
        reply = set_reply(c, b"too-big", pattern(b"too-big", 0, size))
        assert isinstance(reply, RespError) and str(reply) == OOM[1:-2].decode(), reply
        evicted = info_int(c, "stats", "evicted_keys")
        assert evicted == 0 and keys(c) == set(kept), (
            f"the refused {size} B SET evicted {evicted} keys first")
