"""DUMP / RESTORE / MIGRATE between our servers and real redis-server 7, both directions, live.

Payloads cross servers unchanged: a DUMP taken on real Redis RESTOREs here and ours RESTOREs
there, and for the same value both DUMP the same bytes (ints, plain strings, LZF-compressed
strings past 20 bytes, values across several slab chunks). MIGRATE moves keys (single key and
KEYS form, COPY, REPLACE, AUTH, AUTH2) ours -> Redis, Redis -> ours and ours -> ours.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.conftest import ServerProc, free_port, start_ours, start_redis

VALUES = [
    b"", b"0", b"-1", b"127", b"-128", b"128", b"32767", b"-32769", b"2147483647", b"-2147483648",
    b"2147483648", b"9223372036854775807", b"007", b"+1", b"1.5", b"hello",
    b"a" * 20, b"a" * 21, b"abc" * 30, b"x y z " * 50, bytes(range(256)) * 4,
    b"kv-cache-chunk " * 20000,                          # ~300 KB, compressible, several chunks
    bytes((i * 7919) % 251 for i in range(100_000)),     # 100 KB, not compressible
]


@pytest.fixture(scope="module")
def ours() -> Iterator[ServerProc]:
    sp = start_ours("--maxmemory", "256mb")
    yield sp
    sp.stop()


@pytest.fixture(scope="module")
def ours2() -> Iterator[ServerProc]:
    sp = start_ours("--maxmemory", "256mb", "--requirepass", "pw2")
    yield sp
    sp.stop()


@pytest.fixture(scope="module")
def real() -> Iterator[ServerProc]:
    sp = start_redis("--maxmemory", "256mb")
    yield sp
    sp.stop()


def _client(sp: ServerProc, password: str | None = None) -> redis.Redis:
    r = redis.Redis(port=sp.port, password=password, socket_timeout=20)
    r.flushall()
    return r


@pytest.mark.parametrize("value", VALUES, ids=lambda v: f"{len(v)}B:{v[:12]!r}")
def test_dump_identical_and_restores_both_ways(ours: ServerProc, real: ServerProc,
                                               value: bytes) -> None:
    o, r = _client(ours), _client(real)
    o.set("k", value)
    r.set("k", value)
    ours_dump, redis_dump = o.dump("k"), r.dump("k")
    assert ours_dump == redis_dump
    assert o.restore("from-redis", 0, redis_dump) == b"OK"
    assert r.restore("from-ours", 0, ours_dump) == b"OK"
    assert o.get("from-redis") == value
    assert r.get("from-ours") == value


def test_lzf_and_int_encodings_are_used(ours: ServerProc) -> None:
    """The payload kinds the cross test relies on really occur (type byte, encoding byte)."""
    o = _client(ours)
    o.set("lz", b"abc" * 30)
    o.set("i", b"12345")
    assert o.dump("lz")[1] == 0xC3            # LZF
    assert o.dump("i")[1] == 0xC1             # int16


def test_restore_ttl_both_ways(ours: ServerProc, real: ServerProc) -> None:
    o, r = _client(ours), _client(real)
    r.set("k", b"v" * 100, px=500_000)
    payload = r.dump("k")
    o.restore("k", 400_000, payload)
    assert 390_000 < o.pttl("k") <= 400_000
    o.restore("k", 0, payload, replace=True)
    assert o.ttl("k") == -1
    with pytest.raises(redis.ResponseError, match="BUSYKEY"):
        o.restore("k", 0, payload)


def _fill(r: redis.Redis) -> dict[bytes, bytes]:
    data = {b"a": b"1", b"b": b"x" * 70_000, b"c": b"compress me " * 100}
    for k, v in data.items():
        r.set(k, v)
    r.pexpire(b"c", 300_000)
    return data


@pytest.mark.parametrize("direction", ["ours->redis", "redis->ours", "ours->ours"])
def test_migrate_single_and_keys(ours: ServerProc, ours2: ServerProc, real: ServerProc,
                                 direction: str) -> None:
    pairs = {"ours->redis": (ours, real, None), "redis->ours": (real, ours, None),
             "ours->ours": (ours, ours2, "pw2")}
    src_sp, dst_sp, pw = pairs[direction]
    src, dst = _client(src_sp), _client(dst_sp, pw)
    data = _fill(src)
    auth = ["AUTH", pw] if pw else []
    assert src.execute_command("MIGRATE", "127.0.0.1", dst_sp.port, "a", 0, 5000, *auth) == b"OK"
    assert src.exists("a") == 0 and dst.get("a") == b"1"
    assert src.execute_command("MIGRATE", "127.0.0.1", dst_sp.port, "", 0, 5000, "COPY", *auth,
                               "KEYS", "b", "c", "nokey") == b"OK"
    assert src.get("b") == data[b"b"] and dst.get("b") == data[b"b"]
    assert dst.get("c") == data[b"c"] and 250_000 < dst.pttl("c") <= 300_000
    with pytest.raises(redis.ResponseError, match="Target instance replied with error: BUSYKEY"):
        src.execute_command("MIGRATE", "127.0.0.1", dst_sp.port, "b", 0, 5000, *auth)
    assert src.exists("b") == 1
    src.set("b", "new")
    assert src.execute_command("MIGRATE", "127.0.0.1", dst_sp.port, "b", 0, 5000, "REPLACE",
                               *auth) == b"OK"
    assert dst.get("b") == b"new" and src.exists("b") == 0
    assert src.execute_command("MIGRATE", "127.0.0.1", dst_sp.port, "gone", 0, 5000) == b"NOKEY"


def test_migrate_to_db_and_auth2(ours: ServerProc, ours2: ServerProc) -> None:
    src, dst = _client(ours), _client(ours2, "pw2")
    src.set("k", "v")
    assert src.execute_command("MIGRATE", "127.0.0.1", ours2.port, "k", 3, 5000,
                               "AUTH2", "default", "pw2") == b"OK"
    dst.execute_command("SELECT", 3)
    assert dst.get("k") == b"v"
    src.set("k", "v")
    with pytest.raises(redis.ResponseError, match="Target instance replied with error: WRONGPASS"):
        src.execute_command("MIGRATE", "127.0.0.1", ours2.port, "k", 0, 5000, "AUTH", "bad")
    with pytest.raises(redis.ResponseError, match="Target instance replied with error: NOAUTH"):
        src.execute_command("MIGRATE", "127.0.0.1", ours2.port, "k", 0, 5000)
    assert src.get("k") == b"v"


def test_migrate_errors_match_redis(ours: ServerProc, real: ServerProc) -> None:
    """Argument errors and an unreachable target: the same replies from both servers."""
    dead = free_port()
    cases = [
        ["MIGRATE", "127.0.0.1", dead, "k", 0, 200],
        ["MIGRATE", "127.0.0.1", dead, "k", 0, 200, "KEYS", "k"],
        ["MIGRATE", "127.0.0.1", dead, "", 0, 200, "FOO"],
        ["MIGRATE", "127.0.0.1", dead, "", 0, 200, "AUTH"],
        ["MIGRATE", "127.0.0.1", dead, "", 0, 200, "AUTH2", "u"],
        ["MIGRATE", "127.0.0.1", dead, "", "x", 200, "KEYS", "k"],
        ["MIGRATE", "127.0.0.1", dead, "", 0, "y", "KEYS", "k"],
        ["MIGRATE", "127.0.0.1", dead, "", 0, 200, "KEYS"],
        ["MIGRATE", "127.0.0.1", dead, "nokey", 0, 200],
    ]
    for sp in (ours, real):
        _client(sp).set("k", "v")
    for args in cases:
        got = []
        for sp in (ours, real):
            try:
                got.append(_client_noflush(sp).execute_command(*args))
            except redis.ResponseError as e:
                got.append(f"error: {e}")
        assert got[0] == got[1], args


def _client_noflush(sp: ServerProc) -> redis.Redis:
    return redis.Redis(port=sp.port, socket_timeout=20)


def test_monitor_redacts_migrate_auth(ours: ServerProc, real: ServerProc) -> None:
    """MONITOR shows MIGRATE's AUTH / AUTH2 arguments as "(redacted)", as Redis 7 does."""
    dead = free_port()
    lines = []
    for sp in (ours, real):
        mon = redis.Redis(port=sp.port, socket_timeout=10).monitor()
        with mon as m:
            c = _client_noflush(sp)
            try:
                c.execute_command("MIGRATE", "127.0.0.1", dead, "", 0, 100, "AUTH", "secret",
                                  "AUTH2", "user", "pw", "KEYS", "nokey")
            except redis.ResponseError:
                pass
            for _ in range(20):
                cmd = m.next_command()["command"]
                if cmd.startswith("MIGRATE"):
                    lines.append(cmd)
                    break
    assert lines[0] == lines[1]
    assert "secret" not in lines[0] and "(redacted)" in lines[0]


@pytest.mark.parametrize("kind", ["ours", "redis"])
def test_debug_set_active_expire_and_restore_absttl_in_the_past(kind: str) -> None:
    """Redis's dump.tcl "RESTORE with ABSTTL in the past": with DEBUG SET-ACTIVE-EXPIRE 0 the
    background cycle stops (an expired, untouched key stays counted by DBSIZE), a RESTORE whose
    absolute TTL has passed stores nothing, and SET-ACTIVE-EXPIRE 1 resumes the cycle."""
    import time

    sp = (start_ours("--maxmemory", "64mb", "--enable-debug-command", "yes") if kind == "ours"
          else start_redis("--enable-debug-command", "yes"))
    try:
        r = redis.Redis(port=sp.port)
        r.set("foo", "bar")
        payload = r.dump("foo")
        assert r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
        now = int(time.time() * 1000)
        assert r.restore("foo", now - 3000, payload, replace=True, absttl=True)
        with pytest.raises(redis.ResponseError, match="no such key"):
            r.execute_command("DEBUG", "OBJECT", "foo")
        r.set("gone", "x", px=20)
        time.sleep(0.4)                       # several server ticks
        assert r.dbsize() == 1                # expired, never touched, not collected
        assert r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"
        deadline = time.monotonic() + 5
        while r.dbsize() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert r.dbsize() == 0
        r.close()
    finally:
        sp.stop()
