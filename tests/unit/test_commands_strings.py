"""String commands through dispatch.execute: replies and error texts as Redis 7.0 gives them."""

from __future__ import annotations

import pytest

from resp_server.resp.replies import OK
from tests.unit.helpers import NOW, Env, env_at, run_script


def test_get_set_basics() -> None:
    run_script(Env(), [
        ("GET", "k", None),
        ("SET", "k", "v", OK),
        ("GET", "k", b"v"),
        ("SET", "k", b"\x00\xff" * 100, OK),
        ("STRLEN", "k", 200),
        ("STRLEN", "nokey", 0),
        ("get", "a", "b", "ERR wrong number of arguments for 'get' command"),
    ])


@pytest.mark.parametrize("args, err", [
    (("NX", "XX"), "ERR syntax error"),
    (("EX", "0"), "ERR invalid expire time in 'set' command"),
    (("PX", "-1"), "ERR invalid expire time in 'set' command"),
    (("EXAT", "0"), "ERR invalid expire time in 'set' command"),
    (("EX", "abc"), "ERR value is not an integer or out of range"),
    (("EX", "10", "KEEPTTL"), "ERR syntax error"),
    (("KEEPTTL", "PX", "10"), "ERR syntax error"),
    (("PX", "10", "EX", "10"), "ERR syntax error"),
    (("EX",), "ERR syntax error"),
    (("PERSIST",), "ERR syntax error"),
    (("FOO",), "ERR syntax error"),
    (("EX", "9223372036854776"), "ERR invalid expire time in 'set' command"),
    (("PX", "9223372036854775807"), "ERR invalid expire time in 'set' command"),
])
def test_set_option_errors(args: tuple, err: str) -> None:
    assert Env().err("SET", "k", "v", *args) == err


def test_set_conditions_and_get() -> None:
    run_script(env_at(), [
        ("SET", "k", "v", "NX", "GET", None),
        ("SET", "k", "v2", "NX", "GET", b"v"),
        ("GET", "k", b"v"),
        ("SET", "k", "v3", "XX", "GET", b"v"),
        ("SET", "nk", "v", "XX", None),
        ("SET", "nk", "v", "XX", "GET", None),
        ("SET", "k", "v4", "GET", "GET", b"v3"),
        ("SET", "k", "v", "NX", "NX", None),
        ("SETNX", "k", "x", 0),
        ("SETNX", "k2", "x", 1),
    ])


def test_set_expiry_variants() -> None:
    env = env_at()
    run_script(env, [
        ("SET", "k", "v", "EX", "10", "EX", "20", OK),
        ("PTTL", "k", 20_000),
        ("SET", "k", "v", "PX", "1500", OK),
        ("TTL", "k", 2),                          # (1500 + 500) // 1000, Redis's rounding
        ("SET", "k", "v", "KEEPTTL", OK),
        ("PTTL", "k", 1500),
        ("SET", "k", "v", OK),
        ("TTL", "k", -1),
        ("SET", "k", "v", "EXAT", str(NOW // 1000 + 100), OK),
        ("TTL", "k", 100),
        ("SET", "k", "v", "PXAT", str(NOW + 5), OK),
        ("PTTL", "k", 5),
        ("SET", "k", "v", "EXAT", "1", OK),       # already in the past: the key is gone
        ("EXISTS", "k", 0),
        ("SETEX", "k", "0", "v", "ERR invalid expire time in 'setex' command"),
        ("PSETEX", "k", "0", "v", "ERR invalid expire time in 'psetex' command"),
        ("SETEX", "k", "abc", "v", "ERR value is not an integer or out of range"),
        ("SETEX", "k", "7", "v", OK),
        ("TTL", "k", 7),
        ("PSETEX", "k", "700", "v", OK),
        ("PTTL", "k", 700),
    ])


def test_getset_getdel_getex() -> None:
    env = env_at()
    run_script(env, [
        ("GETSET", "k", "1", None),
        ("GETSET", "k", "2", b"1"),
        ("GETDEL", "k", b"2"),
        ("GETDEL", "k", None),
        ("GETEX", "nokey", "EX", "0", None),      # lookup first, then validation
        ("SET", "k", "v", OK),
        ("GETEX", "k", "EX", "0", "ERR invalid expire time in 'getex' command"),
        ("GETEX", "k", "EX", "10", "PX", "10", "ERR syntax error"),
        ("GETEX", "k", "KEEPTTL", "ERR syntax error"),
        ("GETEX", "k", "FOO", "ERR syntax error"),
        ("GETEX", "k", "EX", "100", b"v"),
        ("TTL", "k", 100),
        ("GETEX", "k", "PERSIST", b"v"),
        ("TTL", "k", -1),
        ("GETEX", "k", "PERSIST", "PERSIST", b"v"),
        ("GETEX", "k", "PXAT", str(NOW + 50), b"v"),
        ("PTTL", "k", 50),
        ("GETEX", "k", "EXAT", "1", b"v"),
        ("EXISTS", "k", 0),
    ])


def test_mget_mset_msetnx() -> None:
    run_script(Env(), [
        ("MSET", "a", "1", "b", "2", OK),
        ("MGET", "a", "nokey", "b", [b"1", None, b"2"]),
        ("MSET", "a", "ERR wrong number of arguments for 'mset' command"),
        ("MSET", "a", "1", "b", "ERR wrong number of arguments for 'mset' command"),
        ("MSETNX", "a", "1", "b", "ERR wrong number of arguments for 'msetnx' command"),
        ("MSETNX", "a", "9", "x", "1", 0),
        ("GET", "x", None),
        ("MSETNX", "x", "1", "y", "2", 1),
        ("MGET", "x", "y", [b"1", b"2"]),
    ])


def test_append_and_ranges() -> None:
    run_script(Env(), [
        ("APPEND", "s", "Hello", 5),
        ("APPEND", "s", " World", 11),
        ("GETRANGE", "s", "0", "4", b"Hello"),
        ("GETRANGE", "s", "-5", "-1", b"World"),
        ("GETRANGE", "s", "-100", "-200", b""),
        ("GETRANGE", "s", "5", "1", b""),
        ("GETRANGE", "s", "0", "-1", b"Hello World"),
        ("GETRANGE", "s", "-3", "100", b"rld"),
        ("GETRANGE", "s", "100", "200", b""),
        ("GETRANGE", "s", "a", "b", "ERR value is not an integer or out of range"),
        ("GETRANGE", "nokey", "0", "-1", b""),
        ("SUBSTR", "s", "0", "1", b"He"),
        ("SETRANGE", "s", "-1", "x", "ERR offset is out of range"),
        ("SETRANGE", "s", "536870912", "x",
         "ERR string exceeds maximum allowed size (proto-max-bulk-len)"),
        ("SETRANGE", "s", "6", "Redis", 11),
        ("GET", "s", b"Hello Redis"),
        ("SETRANGE", "s", "0", "", 11),
        ("SETRANGE", "nokey", "3", "", 0),
        ("EXISTS", "nokey", 0),
        ("SETRANGE", "pad", "3", "ab", 5),
        ("GET", "pad", b"\x00\x00\x00ab"),
    ])


def test_append_keeps_ttl_and_grows_past_chunk_classes() -> None:
    env = env_at()
    env.ok("SET", "k", "x", "EX", "100")
    for _ in range(12):                       # 1 byte doubling up to 4 KiB: many size classes
        value = env("GET", "k")
        assert env("APPEND", "k", value) == 2 * len(value)
    assert env("STRLEN", "k") == 4096
    assert env("TTL", "k") == 100


def test_incr_family() -> None:
    run_script(Env(), [
        ("INCR", "n", 1),
        ("INCRBY", "n", "41", 42),
        ("DECR", "n", 41),
        ("DECRBY", "n", "50", -9),
        ("INCR", "n", -8),
        ("SET", "n", "9", OK),
        ("INCR", "n", 10),                        # one byte longer than before
        ("INCRBY", "n", "-20", -10),
        ("SET", "n", "9223372036854775807", OK),
        ("INCR", "n", "ERR increment or decrement would overflow"),
        ("SET", "n", "-9223372036854775808", OK),
        ("DECR", "n", "ERR increment or decrement would overflow"),
        ("SET", "n", "1", OK),
        ("DECRBY", "n", "-9223372036854775808", "ERR decrement would overflow"),
        ("INCRBY", "n", "x", "ERR value is not an integer or out of range"),
        ("INCRBY", "n", "+1", "ERR value is not an integer or out of range"),
    ])


@pytest.mark.parametrize("value", ["abc", "007", " 7", "7 ", "-0", "+7", "1.5", "", "1" * 21])
def test_incr_rejects_non_integers(value: str) -> None:
    env = Env()
    env.ok("SET", "n", value)
    assert env.err("INCR", "n") == "ERR value is not an integer or out of range"


def test_incr_keeps_ttl() -> None:
    env = env_at()
    env.ok("SET", "n", "1", "EX", "100")
    assert env("INCR", "n") == 2
    assert env("TTL", "n") == 100


@pytest.mark.parametrize("start, incr, want", [
    ("10.5", "0.1", b"10.6"),
    ("10", "0.1", b"10.1"),
    ("3.0e3", "200", b"3200"),
    ("1", "-1", b"0"),
    ("5", "1.0e0", b"6"),
    ("1", "0x10", b"17"),
    ("1", ".5", b"1.5"),
    ("1", "5.", b"6"),
    ("1", "+1.5", b"2.5"),
    ("1", "1e-4940", b"1"),
    (None, "5e-3", b"0.005"),
    ("7.0", "0", b"7"),
    ("1", "1.23456789012345678", b"2.23456789012345678"),
])
def test_incrbyfloat_long_double(start: str | None, incr: str, want: bytes) -> None:
    env = Env()
    if start is not None:
        env.ok("SET", "f", start)
    assert env("INCRBYFLOAT", "f", incr) == want
    assert env("GET", "f") == want


@pytest.mark.parametrize("start, incr, err", [
    ("1", "abc", "ERR value is not a valid float"),
    ("1", " 1", "ERR value is not a valid float"),
    ("1", "1 ", "ERR value is not a valid float"),
    ("1", "nan", "ERR value is not a valid float"),
    ("1", "1e5000", "ERR value is not a valid float"),
    ("1", "1e-5000", "ERR value is not a valid float"),
    ("1", "1e", "ERR value is not a valid float"),
    ("1", "inf", "ERR increment would produce NaN or Infinity"),
    ("abc", "1", "ERR value is not a valid float"),
])
def test_incrbyfloat_errors(start: str, incr: str, err: str) -> None:
    env = Env()
    env.ok("SET", "f", start)
    assert env.err("INCRBYFLOAT", "f", incr) == err


def test_incrbyfloat_huge_value_prints_all_digits() -> None:
    env = Env()
    env.ok("SET", "f", "9223372036854775807")
    out = env("INCRBYFLOAT", "f", "1e400")
    assert isinstance(out, bytes) and len(out) == 401
    assert out.startswith(b"10000000000000000000281880683947586514586453433629")


def test_big_value_roundtrip_across_chunks() -> None:
    env = Env()
    value = bytes(range(256)) * 1000          # 256 KB: several slab pages' worth of chunks
    env.ok("SET", "big", value)
    assert env("GET", "big") == value
    assert env("GETRANGE", "big", "70000", "70009") == value[70000:70010]
    assert env("STRLEN", "big") == len(value)


def test_mset_with_big_keys_and_values_as_received_buffers() -> None:
    env = Env()
    ks = env.server.keyspace
    big_key = b"k" * 40_000
    res_key, res_val = ks.reserve(len(big_key)), ks.reserve(50_000)
    for res, fill in ((res_key, big_key), (res_val, b"v" * 50_000)):
        pos = 0
        for v in res.views():
            v[:] = fill[pos:pos + len(v)]
            pos += len(v)
    from resp_server.commands import dispatch

    argv = [b"MSET", b"a", bytearray(b"x" * 40_000), res_key, res_val]
    reply = dispatch.execute(env.c, argv, big=True)
    assert reply == OK
    ks.check_invariants()
    assert env("STRLEN", "a") == 40_000
    assert env("GET", big_key) == b"v" * 50_000
    assert res_val.consumed and res_key.consumed          # adopted, and released
