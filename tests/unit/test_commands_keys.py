"""Keyspace commands and Redis glob patterns, through dispatch.execute."""

from __future__ import annotations

import pytest

from resp_server.commands.glob import glob_match
from resp_server.resp.replies import OK, Status
from tests.unit.helpers import NOW, Env, env_at, run_script


def test_del_exists_touch_type() -> None:
    run_script(Env(), [
        ("MSET", "a", "1", "b", "2", OK),
        ("EXISTS", "a", "a", "nokey", 2),
        ("TOUCH", "a", "nokey", 1),
        ("TYPE", "a", Status(b"string")),
        ("TYPE", "nokey", Status(b"none")),
        ("DEL", "a", "b", "nokey", 2),
        ("UNLINK", "a", 0),
        ("DEL", "ERR wrong number of arguments for 'del' command"),
    ])


def test_expire_options() -> None:
    run_script(env_at(), [
        ("SET", "a", "1", OK),
        ("EXPIRE", "a", "abc", "ERR value is not an integer or out of range"),
        ("EXPIRE", "a", "10", "NX", "XX",
         "ERR NX and XX, GT or LT options at the same time are not compatible"),
        ("EXPIRE", "a", "10", "GT", "LT",
         "ERR GT and LT options at the same time are not compatible"),
        ("EXPIRE", "a", "10", "FOO", "ERR Unsupported option FOO"),
        ("EXPIRE", "a", "10", "XX", 0),
        ("EXPIRE", "a", "10", "GT", 0),            # no TTL counts as infinite
        ("EXPIRE", "a", "10", "NX", 1),
        ("EXPIRE", "a", "20", "NX", 0),
        ("EXPIRE", "a", "5", "GT", 0),
        ("EXPIRE", "a", "50", "GT", 1),
        ("EXPIRE", "a", "100", "LT", 0),
        ("EXPIRE", "a", "30", "LT", 1),
        ("TTL", "a", 30),
        ("EXPIRE", "a", "40", "XX", 1),
        ("PERSIST", "a", 1),
        ("PERSIST", "a", 0),
        ("EXPIRE", "a", "40", "LT", 1),            # no TTL: LT always sets
        ("EXPIRE", "nokey", "10", 0),
        ("EXPIRE", "a", "9999999999999999", "ERR invalid expire time in 'expire' command"),
        ("PEXPIRE", "a", "9223372036854775807", "ERR invalid expire time in 'pexpire' command"),
        ("EXPIRE", "a", "-9999999999999999", "ERR invalid expire time in 'expire' command"),
    ])


def test_ttl_family_and_absolute_times() -> None:
    run_script(env_at(), [
        ("SET", "a", "1", OK),
        ("TTL", "nokey", -2),
        ("PTTL", "nokey", -2),
        ("EXPIRETIME", "nokey", -2),
        ("TTL", "a", -1),
        ("EXPIRETIME", "a", -1),
        ("PEXPIRETIME", "a", -1),
        ("PEXPIRE", "a", "1499", 1),
        ("TTL", "a", 1),
        ("PTTL", "a", 1499),
        ("PEXPIRETIME", "a", NOW + 1499),
        ("EXPIRETIME", "a", (NOW + 1499 + 500) // 1000),
        ("EXPIREAT", "a", str(NOW // 1000 + 60), 1),
        ("TTL", "a", 60),
        ("PEXPIREAT", "a", str(NOW + 10), 1),
        ("PTTL", "a", 10),
        ("PEXPIREAT", "a", "1", 1),                # in the past: deleted, still replies 1
        ("EXISTS", "a", 0),
        ("SET", "a", "1", OK),
        ("EXPIRE", "a", "-1", 1),
        ("EXISTS", "a", 0),
        ("SET", "a", "1", OK),
        ("EXPIRE", "a", "0", 1),
        ("EXISTS", "a", 0),
    ])


def test_lazy_expiry_with_a_moving_clock() -> None:
    env = Env()
    now = [NOW]
    env.server.keyspace.clock = lambda: now[0]
    env.ok("SET", "k", "v", "PX", "100")
    now[0] += 99
    assert env("GET", "k") == b"v"
    now[0] += 1
    assert env("GET", "k") is None
    assert env("TTL", "k") == -2


def test_rename_renamenx() -> None:
    run_script(env_at(), [
        ("SET", "r1", "x", "EX", "100", OK),
        ("RENAME", "r1", "r2", OK),
        ("GET", "r2", b"x"),
        ("TTL", "r2", 100),
        ("RENAME", "nokey", "x", "ERR no such key"),
        ("RENAMENX", "nokey", "x", "ERR no such key"),
        ("RENAME", "r2", "r2", OK),
        ("RENAMENX", "r2", "r2", 0),
        ("SET", "r3", "y", OK),
        ("RENAMENX", "r2", "r3", 0),
        ("RENAMENX", "r2", "r4", 1),
        ("RENAME", "r4", "r3", OK),
        ("GET", "r3", b"x"),
        ("EXISTS", "r4", 0),
    ])


def test_copy_move_swapdb_select() -> None:
    run_script(Env(), [
        ("SET", "s", "v", OK),
        ("COPY", "s", "s", "ERR source and destination objects are the same"),
        ("COPY", "s", "d", 1),
        ("COPY", "s", "d", 0),
        ("COPY", "s", "d", "REPLACE", 1),
        ("COPY", "s", "d", "DB", "99", "ERR DB index is out of range"),
        ("COPY", "s", "d", "DB", "abc", "ERR value is not an integer or out of range"),
        ("COPY", "s", "d", "FOO", "ERR syntax error"),
        ("COPY", "s", "s", "DB", "1", 1),
        ("COPY", "nokey", "x", 0),
        ("MOVE", "s", "0", "ERR source and destination objects are the same"),
        ("MOVE", "s", "99", "ERR DB index is out of range"),
        ("MOVE", "s", "abc", "ERR value is not an integer or out of range"),
        ("MOVE", "s", "1", 0),                     # already there (COPY ... DB 1)
        ("MOVE", "d", "1", 1),
        ("MOVE", "nokey", "1", 0),
        ("SELECT", "16", "ERR DB index is out of range"),
        ("SELECT", "-1", "ERR DB index is out of range"),
        ("SELECT", "a", "ERR value is not an integer or out of range"),
        ("SELECT", "1", OK),
        ("MGET", "s", "d", [b"v", b"v"]),
        ("SWAPDB", "0", "a", "ERR invalid second DB index"),
        ("SWAPDB", "a", "0", "ERR invalid first DB index"),
        ("SWAPDB", "0", "99", "ERR DB index is out of range"),
        ("SWAPDB", "0", "0", OK),
        ("SWAPDB", "0", "1", OK),
        ("DBSIZE", 1),
        ("SELECT", "0", OK),
        ("DBSIZE", 2),
    ])


def test_flush_and_randomkey() -> None:
    run_script(Env(), [
        ("RANDOMKEY", None),
        ("SET", "only", "1", OK),
        ("RANDOMKEY", b"only"),
        ("FLUSHDB", "foo", "ERR syntax error"),
        ("FLUSHDB", "async", "sync", "ERR syntax error"),
        ("FLUSHALL", "foo", "ERR syntax error"),
        ("FLUSHDB", "ASYNC", OK),
        ("DBSIZE", 0),
        ("SET", "a", "1", OK),
        ("SELECT", "3", OK),
        ("SET", "b", "1", OK),
        ("FLUSHALL", "SYNC", OK),
        ("DBSIZE", 0),
        ("SELECT", "0", OK),
        ("DBSIZE", 0),
    ])


def test_keys_patterns() -> None:
    env = Env()
    env.ok("MSET", "h1", "1", "h2", "2", "hx", "3", "h[", "4", "a b", "5")
    assert sorted(env("KEYS", "h?")) == [b"h1", b"h2", b"h[", b"hx"]
    assert sorted(env("KEYS", "h[12]")) == [b"h1", b"h2"]
    assert sorted(env("KEYS", "h[^1]")) == [b"h2", b"h[", b"hx"]
    assert sorted(env("KEYS", "h[2-1]")) == [b"h1", b"h2"]
    assert env("KEYS", "h\\[") == [b"h["]
    assert env("KEYS", "a b") == [b"a b"]
    assert len(env("KEYS", "*")) == 5
    assert env("KEYS", "zz*") == []


def test_scan_iterates_everything_once() -> None:
    env = Env()
    keys = {b"key:%d" % i for i in range(200)}
    for k in keys:
        env.ok("SET", k, "v")
    seen: list[bytes] = []
    cursor = b"0"
    while True:
        cursor, batch = env("SCAN", cursor, "COUNT", "17")
        seen.extend(batch)
        if cursor == b"0":
            break
    assert sorted(seen) == sorted(keys)
    cursor, batch = env("SCAN", "0", "COUNT", "1000", "MATCH", "key:1?")
    assert cursor == b"0" and sorted(batch) == sorted(b"key:1%d" % i for i in range(10))
    assert env("SCAN", "0", "COUNT", "1000", "TYPE", "list") == [b"0", []]
    assert len(env("SCAN", "0", "COUNT", "1000", "TYPE", "string")[1]) == 200


@pytest.mark.parametrize("args, err", [
    (("abc",), "ERR invalid cursor"),
    (("18446744073709551616",), "ERR invalid cursor"),
    ((" 1",), "ERR invalid cursor"),
    (("0", "COUNT", "0"), "ERR syntax error"),
    (("0", "COUNT", "-1"), "ERR syntax error"),
    (("0", "COUNT", "abc"), "ERR value is not an integer or out of range"),
    (("0", "MATCH"), "ERR syntax error"),
    (("0", "FOO", "x"), "ERR syntax error"),
    (("0", "TYPE"), "ERR syntax error"),
])
def test_scan_errors(args: tuple, err: str) -> None:
    assert Env().err("SCAN", *args) == err


def test_scan_accepts_strtoul_cursors() -> None:
    env = Env()
    assert env("SCAN", "-1", "COUNT", "10")[0] is not None
    assert env("SCAN", "+0")[0] == b"0"
    env("MSET", "a", "1", "b", "2")
    assert sorted(env("SCAN", "")[1]) == [b"a", b"b"]          # no digits: cursor 0
    assert env.err("SCAN", "", "1") == "ERR syntax error"
    for bad in ("+", "-", " 1", "1 ", "abc", "18446744073709551616"):
        assert env.err("SCAN", bad) == "ERR invalid cursor", bad


def test_db_index_arguments_parse_as_int_first() -> None:
    env = Env()
    env("SET", "k", "v")
    int_range = "ERR value is out of range, value must between -2147483648 and 2147483647"
    assert env.err("COPY", "k", "k2", "DB", "2147483648") == int_range
    assert env.err("COPY", "k", "k2", "DB", "16") == "ERR DB index is out of range"
    assert env.err("SWAPDB", "16", "abc") == "ERR invalid second DB index"
    assert env.err("SWAPDB", "x", "16") == "ERR invalid first DB index"
    assert env.err("SWAPDB", "16", "0") == "ERR DB index is out of range"


@pytest.mark.parametrize("pattern, subject, match", [
    (b"*", b"anything", True),
    (b"h?llo", b"hello", True),
    (b"h?llo", b"hllo", False),
    (b"h*llo", b"heeeello", True),
    (b"h[ae]llo", b"hallo", True),
    (b"h[ae]llo", b"hillo", False),
    (b"h[^e]llo", b"hallo", True),
    (b"h[^e]llo", b"hello", False),
    (b"h[a-b]llo", b"hbllo", True),
    (b"h[b-a]llo", b"hbllo", True),            # reversed range
    (b"h\\*", b"h*", True),
    (b"h\\*", b"hx", False),
    (b"[abc", b"b", True),                     # unclosed set closes at the end
    (b"[a-]", b"]", True),                     # Redis quirk: ']' ends the range
    (b"[]", b"a", False),
    (b"a\\", b"a\\", True),                    # trailing backslash is literal
    (b"*.*", b"x.y", True),
    (b"a*b*c", b"abxbc", True),
    (b"\x00*", b"\x00\n", True),
    (b"?", b"\n", True),
])
def test_glob_matches_like_redis(pattern: bytes, subject: bytes, match: bool) -> None:
    assert glob_match(pattern, subject) is match


def test_glob_nocase() -> None:
    assert glob_match(b"MAXMEM*", b"maxmemory", nocase=True)
    assert not glob_match(b"MAXMEM*", b"maxmemory")


def test_object_encoding_raw_after_append_and_setrange() -> None:
    """Redis reports "raw" for strings APPEND (to an existing key) or SETRANGE made, whatever
    their content, until a new value is set; RENAME, MOVE and COPY keep it."""
    env = Env()
    enc = lambda k: env("OBJECT", "ENCODING", k)  # noqa: E731
    run_script(env, [
        ("APPEND", "a", "2", 1), ("SET", "b", "1", OK), ("APPEND", "b", "", 1),
        ("SETRANGE", "c", "0", "abc", 3), ("SET", "d", "12", OK), ("SETRANGE", "d", "0", "", 2),
    ])
    assert (enc("a"), enc("b"), enc("c"), enc("d")) == (b"int", b"raw", b"raw", b"int")
    env("SETRANGE", "d", "0", "3")
    env("COPY", "d", "d2")
    env("RENAME", "d", "d3")
    env("MOVE", "d3", "1")
    assert (enc("d2"), env("OBJECT", "REFCOUNT", "d2")) == (b"raw", 1)
    env("SELECT", "1")
    assert enc("d3") == b"raw"
    env("EXPIRE", "d3", "100")
    assert enc("d3") == b"raw"
    env("INCR", "d3")
    assert enc("d3") == b"int"
    for cmd in (("SET", "d3", "5"), ("GETSET", "d3", "7"), ("INCRBYFLOAT", "d3", "1")):
        env("APPEND", "d3", "1")
        assert enc("d3") == b"raw"
        env(*cmd)
        assert enc("d3") != b"raw", cmd
    env("APPEND", "d3", "1")
    env("SETNX", "d3", "1")
    env("SET", "d3", "1", "NX")
    assert enc("d3") == b"raw"                  # not set: still the appended value


def test_raw_marks_of_deleted_keys_are_swept() -> None:
    from resp_server.commands import dispatch

    env = Env()
    marks = env.c.server.object_marks
    for i in range(1500):
        key = b"k%d" % i
        for argv in ([b"SET", key, b"a"], [b"APPEND", key, b"b"], [b"DEL", key]):
            dispatch.execute(env.c, argv)   # no invariant check after each call: fast
    assert len(marks._marks) < 1000
    assert not Env().c.server.object_marks          # per server: another one starts clean


def test_notouch_lookups_count_hits_and_misses() -> None:
    """EXISTS, TYPE, the TTL family and OBJECT count like Redis's LOOKUP_NOTOUCH lookups."""
    env = Env()
    env("SET", "h", "1")
    st = env.server.keyspace.stats
    for cmd, hits, misses in [(("EXISTS", "h", "nope"), 1, 1), (("TYPE", "h"), 1, 0),
                              (("TTL", "h"), 1, 0), (("PTTL", "nope"), 0, 1),
                              (("EXPIRETIME", "h"), 1, 0), (("OBJECT", "ENCODING", "h"), 1, 0),
                              (("OBJECT", "REFCOUNT", "nope"), 0, 1), (("TOUCH", "h"), 1, 0),
                              (("EXPIRE", "h", "100"), 0, 0), (("MEMORY", "USAGE", "h"), 0, 0)]:
        before = (st.keyspace_hits, st.keyspace_misses)
        env(*cmd)
        assert (st.keyspace_hits - before[0], st.keyspace_misses - before[1]) == (hits, misses), cmd
    hits = st.keyspace_hits
    env("CLIENT", "NO-TOUCH", "ON")
    env("GET", "h")
    assert st.keyspace_hits == hits + 1             # NO-TOUCH lookups still count
