"""Grammar fuzz: random option lists and odd numbers for the commands that parse options, ours vs Redis.

Each example starts from the same small keyspace on both servers (a string, an integer, a float, a
key with a TTL, a missing key), sends one generated command as literal RESP, and compares the raw
reply and afterwards the value and TTL class of every key. The generator mixes valid and invalid
option words (any case, repeated, conflicting, missing their argument) with numbers around the
interesting boundaries, so error precedence (syntax vs integer vs invalid-expire) is exercised.
Bounded and derandomized.
"""

from __future__ import annotations

import re

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from tests.compat.conftest import Pair
from tests.compat.wire import RawConn, parse

KEYS = [b"s", b"i", b"f", b"t", b"missing"]
SETUP = [
    [b"FLUSHALL"], [b"SET", b"s", b"hello"], [b"SET", b"i", b"42"], [b"SET", b"f", b"1.5"],
    [b"SET", b"t", b"v", b"EX", b"1000"],
]
NUMBERS = [b"0", b"1", b"-1", b"10", b"100", b"1000", b"-100", b"9223372036854775807",
           b"-9223372036854775808", b"9223372036854775808", b"4102444800", b"4102444800000",
           b"1.5", b"abc", b"", b" 1", b"+1", b"01", b"1e3", b"0x10", b"9223372036854775",
           b"9223372036854776", b"536870911", b"536870912", b"-0", b"inf", b"nan"]
SET_WORDS = [b"EX", b"PX", b"EXAT", b"PXAT", b"NX", b"XX", b"KEEPTTL", b"GET", b"ex", b"nX",
             b"keepttl", b"get", b"PERSIST", b"FOO"]
GETEX_WORDS = [b"EX", b"PX", b"EXAT", b"PXAT", b"PERSIST", b"persist", b"px", b"KEEPTTL", b"NX"]
EXPIRE_WORDS = [b"NX", b"XX", b"GT", b"LT", b"nx", b"gt", b"FOO"]
COPY_WORDS = [b"DB", b"REPLACE", b"replace", b"db", b"FOO"]
SCAN_WORDS = [b"MATCH", b"COUNT", b"TYPE", b"match", b"count", b"type", b"FOO"]

word_or_number = st.one_of(st.sampled_from(NUMBERS), st.sampled_from([b"string", b"*", b"s*"]))


def options(words: list[bytes]) -> st.SearchStrategy[list[bytes]]:
    """Option words, each possibly followed by a number (or not: a missing argument)."""
    item = st.tuples(st.sampled_from(words), st.lists(word_or_number, max_size=1))
    return st.lists(item, max_size=4).map(lambda xs: [b for w, n in xs for b in (w, *n)])


key = st.sampled_from(KEYS)
num = st.sampled_from(NUMBERS)

COMMANDS = st.one_of(
    st.tuples(st.just(b"SET"), key, st.sampled_from([b"v", b"7", b""]), options(SET_WORDS)),
    st.tuples(st.just(b"GETEX"), key, options(GETEX_WORDS)),
    st.tuples(st.sampled_from([b"EXPIRE", b"PEXPIRE", b"EXPIREAT", b"PEXPIREAT"]), key, num,
              options(EXPIRE_WORDS)),
    st.tuples(st.sampled_from([b"SETEX", b"PSETEX"]), key, num, st.just([b"v"])),
    st.tuples(st.sampled_from([b"INCRBY", b"DECRBY", b"INCRBYFLOAT", b"APPEND"]), key, num),
    st.tuples(st.sampled_from([b"INCR", b"DECR", b"GETDEL", b"STRLEN", b"TTL",
                               b"EXPIRETIME", b"PERSIST", b"TYPE", b"OBJECT ENCODING"]), key),
    st.tuples(st.just(b"GETRANGE"), key, num, num),
    st.tuples(st.just(b"SETRANGE"), key, num, st.sampled_from([b"", b"xy"])),
    st.tuples(st.just(b"COPY"), key, key, options(COPY_WORDS)),
    st.tuples(st.sampled_from([b"RENAME", b"RENAMENX"]), key, key),
    st.tuples(st.just(b"MOVE"), key, num),
    st.tuples(st.just(b"SCAN"), num, options(SCAN_WORDS)),
    st.tuples(st.sampled_from([b"SELECT", b"SWAPDB 0", b"SWAPDB", b"FLUSHDB", b"FLUSHALL"]),
              st.lists(st.one_of(num, st.sampled_from([b"15", b"16", b"ASYNC", b"SYNC"])),
                       max_size=2)),
)


MS_WORDS = {b"PX", b"PSETEX", b"PEXPIRE"}
RACY_MS = {b"1", b"10", b"100"}
"""A relative expiry this short may or may not have passed when the state is read back."""

NAMES = [b"name", b"with space", b"", b"a\nb", b"x" * 10, b"\xff", b"ok-name_1"]
CONNECTION_COMMANDS = st.one_of(
    st.tuples(st.just(b"HELLO"), st.lists(st.one_of(
        st.sampled_from([b"2", b"3", b"1", b"4", b"AUTH", b"SETNAME", b"default", b"pw", b"auth",
                         b"setname"]), st.sampled_from(NAMES)), max_size=5)),
    st.tuples(st.sampled_from([b"CLIENT SETNAME", b"CLIENT GETNAME", b"CLIENT NO-EVICT",
                               b"CLIENT SETINFO LIB-NAME", b"CLIENT SETINFO LIB-VER"]),
              st.lists(st.sampled_from(NAMES + [b"on", b"off"]), max_size=2)),
    st.tuples(st.sampled_from([b"PING", b"ECHO"]), st.lists(st.sampled_from(NAMES), max_size=2)),
    st.tuples(st.sampled_from([b"OBJECT ENCODING", b"OBJECT FREQ", b"OBJECT IDLETIME",
                               b"OBJECT REFCOUNT", b"OBJECT HELP", b"MEMORY USAGE"]),
              st.lists(st.one_of(key, st.sampled_from([b"SAMPLES", b"5", b"x"])), max_size=3)),
    st.tuples(st.sampled_from([b"CONFIG GET", b"CONFIG SET"]), st.lists(st.sampled_from(
        [b"maxmemory", b"maxmemory-policy", b"MAXMEMORY", b"databases", b"nosuch", b"1mb",
         b"300mb", b"allkeys-lru", b"noeviction", b"x", b"max*", b"*policy"]), max_size=4)),
    st.tuples(st.sampled_from([b"MGET", b"MSET", b"MSETNX", b"DEL", b"EXISTS", b"TOUCH",
                               b"UNLINK"]), st.lists(st.one_of(key, st.sampled_from([b"v", b"1"])),
                                                     max_size=5)),
)


def flatten(cmd: tuple) -> list[bytes]:
    out: list[bytes] = []
    for part in cmd:
        if isinstance(part, list):
            out.extend(part)
        else:
            out.extend(part.split(b" "))
    for i in range(len(out) - 1):  # keep millisecond expiries well clear of the read-back
        if out[i].upper() in MS_WORDS:
            for j in (i + 1, i + 2):
                if j < len(out) and out[j] in RACY_MS:
                    out[j] = b"100000"
    return out


def run(port: int, args: list[bytes], protocol: int = 2) -> list[bytes]:
    """Set up, run the command, then read back every key's value, TTL class and encoding."""
    c = RawConn(port)
    try:
        if protocol == 3:
            assert c.call([b"HELLO", b"3"]).startswith(b"%")
        for s in SETUP:
            c.call(s)
        reply = c.call(args)
        if args[0] == b"SCAN" and reply.startswith(b"*2\r\n$"):
            reply = b"<scan: array of 2>"  # cursors and batch order are not part of the contract
        reply = re.sub(rb"\$2\r\nid\r\n:\d+\r\n", b"$2\r\nid\r\n:<id>\r\n", reply)
        if args[:2] == [b"CONFIG", b"GET"] and reply.startswith((b"*", b"%")):
            kind, items = parse(reply)  # name/value pairs in hash order: compare as a map
            pairs = items if kind == "map" else list(zip(items[0::2], items[1::2], strict=True))
            reply = repr(sorted(pairs)).encode()
        if args[0] == b"MEMORY" and reply.startswith(b":"):
            reply = b"<memory usage>"
        if args[0] == b"CONFIG" and args[1:2] == [b"SET"]:
            c.call([b"CONFIG", b"SET", b"maxmemory", b"256mb", b"maxmemory-policy", b"allkeys-lru"])
        after = [reply]
        c.call([b"SELECT", b"0"])
        for k in KEYS:
            after.append(c.call([b"GET", k]))
            ttl = c.call([b"TTL", k])
            after.append(ttl if ttl in (b":-1\r\n", b":-2\r\n") else b"<ttl>")
        return after
    finally:
        c.close()


@pytest.fixture(scope="module")
def ports(pair: Pair) -> tuple[int, int]:
    return pair.redis.port, pair.ours.port


@pytest.mark.parametrize("protocol", [2, 3])
@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(cmd=COMMANDS)
def test_option_grammar_same_as_redis(ports: tuple[int, int], protocol: int, cmd: tuple) -> None:
    args = flatten(cmd)
    want, got = run(ports[0], args, protocol), run(ports[1], args, protocol)
    assert got == want, (args, want, got)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(cmd=CONNECTION_COMMANDS)
def test_connection_grammar_same_as_redis(ports: tuple[int, int], cmd: tuple) -> None:
    """HELLO/CLIENT/PING/ECHO/OBJECT/MEMORY/CONFIG and multi-key arities (HELLO ids masked)."""
    args = flatten(cmd)
    if args[:2] == [b"CLIENT", b"SETINFO"]:
        return  # Redis 7.2 (intended difference I2)
    want, got = run(ports[0], args), run(ports[1], args)
    assert got == want, (args, want, got)


INLINE_TOKENS = [b"a", b"hello", b'"dq"', b"'sq'", b'"a b"', b"'a b'", b'"\\x41\\x4a"', b'"\\n\\t\\r\\b\\a"',
                 b'"\\xZZ"', b'"\\\\"', b"'\\''", b"'\\x41'", b'"unterminated', b"'unterminated",
                 b'"closed"x', b"'closed'x", b'""', b"''", b'"\\"', b"\t", b"  ", b"\\x41"]  # \xff: see M24


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(cmd=st.sampled_from([b"ECHO", b"echo", b"SET k", b"PING", b"GET", b"XYZ"]),
       tokens=st.lists(st.sampled_from(INLINE_TOKENS), max_size=4),
       seps=st.lists(st.sampled_from([b" ", b"  ", b"\t", b""]), min_size=4, max_size=4))
def test_inline_parsing_same_as_redis(ports: tuple[int, int], cmd: bytes, tokens: list[bytes],
                                      seps: list[bytes]) -> None:
    """Inline commands (sdssplitargs): quotes, escapes, unbalanced quotes, odd separators."""
    line = cmd + b"".join(s + t for s, t in zip(seps, tokens, strict=False)) + b"\r\nPING\r\n"
    replies = []
    for port in ports:
        c = RawConn(port)
        try:
            c.send(line)
            replies.append([c.read_reply(), c.read_reply()])
        finally:
            c.close()
    assert replies[1] == replies[0], (line, replies)
