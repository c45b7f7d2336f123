"""Hypothesis over offsets and ranges: bitmap, BITFIELD and LCS commands, ours vs real Redis and
fakeredis.

Each example builds one value and runs a list of generated commands on it: SETBIT at offsets up
to a few KiB, GETBIT, BITCOUNT and BITPOS with byte and bit ranges (negative, reversed, past the
end), BITOP, BITFIELD GET/SET/INCRBY with every overflow mode and `#n` offsets, LCS. Ours must
equal real Redis 7.0 exactly (errors included). fakeredis is compared too, and must agree with
ours wherever it agrees with real Redis (fakeredis's own deviations are not ours); at least some
steps must be answered alike by all three, so the comparison cannot be vacuous.
Bounded: 60 examples of up to 12 commands, on one pair of servers.
"""

from __future__ import annotations

from typing import Any

import fakeredis
import hypothesis.strategies as st
import pytest
import redis
from hypothesis import HealthCheck, given, settings

from tests.compat.conftest import Pair

BIT_OFF = st.integers(min_value=0, max_value=4 * 8 * 1024)
RANGE = st.integers(min_value=-70, max_value=70)
UNIT = st.sampled_from([[], ["BYTE"], ["BIT"], ["bit"]])
TYPES = st.sampled_from(["u1", "u3", "u8", "u16", "u31", "u63", "i1", "i5", "i8", "i32", "i64"])
FIELD_OFF = st.one_of(st.integers(min_value=0, max_value=600).map(str),
                      st.integers(min_value=0, max_value=40).map(lambda n: f"#{n}"))
NUMBER = st.sampled_from([0, 1, -1, 2, 127, -128, 255, 256, 65535, 2**31, -(2**31), 2**62,
                          2**63 - 1, -(2**63)]).map(str)
OVERFLOW = st.sampled_from([[], ["OVERFLOW", "WRAP"], ["OVERFLOW", "SAT"], ["OVERFLOW", "FAIL"]])


def _bitfield_op() -> st.SearchStrategy[list[str]]:
    get = st.tuples(TYPES, FIELD_OFF).map(lambda t: ["GET", *t])
    put = st.tuples(st.sampled_from(["SET", "INCRBY"]), TYPES, FIELD_OFF, NUMBER).map(list)
    return st.tuples(OVERFLOW, st.one_of(get, put)).map(lambda t: t[0] + t[1])


COMMANDS = st.one_of(
    st.tuples(BIT_OFF, st.sampled_from(["0", "1"])).map(lambda t: ["SETBIT", "k", str(t[0]), t[1]]),
    BIT_OFF.map(lambda o: ["GETBIT", "k", str(o)]),
    st.just(["BITCOUNT", "k"]),
    st.tuples(RANGE, RANGE, UNIT).map(lambda t: ["BITCOUNT", "k", str(t[0]), str(t[1]), *t[2]]),
    st.sampled_from(["0", "1"]).map(lambda b: ["BITPOS", "k", b]),
    st.tuples(st.sampled_from(["0", "1"]), RANGE).map(lambda t: ["BITPOS", "k", t[0], str(t[1])]),
    st.tuples(st.sampled_from(["0", "1"]), RANGE, RANGE, UNIT).map(
        lambda t: ["BITPOS", "k", t[0], str(t[1]), str(t[2]), *t[3]]),
    st.sampled_from(["AND", "OR", "XOR"]).map(lambda op: ["BITOP", op, "d", "k", "j"]),
    st.just(["BITOP", "NOT", "d", "k"]),
    st.lists(_bitfield_op(), min_size=1, max_size=4).map(
        lambda ops: ["BITFIELD", "k", *[a for op in ops for a in op]]),
    st.lists(st.tuples(TYPES, FIELD_OFF), min_size=1, max_size=3).map(
        lambda ops: ["BITFIELD_RO", "k", *[a for t in ops for a in ("GET", *t)]]),
    st.sampled_from([[], ["LEN"], ["IDX"], ["IDX", "WITHMATCHLEN", "MINMATCHLEN", "2"]]).map(
        lambda opts: ["LCS", "k", "j", *opts]),
    st.just(["GET", "k"]), st.just(["GET", "d"]),
)
VALUE = st.one_of(st.binary(max_size=40), st.sampled_from([b"", b"foobar", b"12345", b"\xff" * 9]))


def _call(r: Any, args: list[str]) -> Any:
    try:
        return r.execute_command(*args)
    except redis.ResponseError as e:          # fakeredis raises redis-py's errors too
        return ("error", str(e))


@pytest.fixture(scope="module")
def clients(pair: Pair):
    ours = redis.Redis(port=pair.ours.port, protocol=2)
    real = redis.Redis(port=pair.redis.port, protocol=2)
    fake = fakeredis.FakeRedis(protocol=2)
    yield ours, real, fake
    for r in (ours, real, fake):
        r.close()


AGREED = {"all three": 0}


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(k=VALUE, j=VALUE, commands=st.lists(COMMANDS, min_size=1, max_size=12))
def test_bit_commands_match_redis_and_fakeredis(clients, k: bytes, j: bytes,
                                                commands: list[list[str]]) -> None:
    ours, real, fake = clients
    for r in clients:
        r.flushall()
        r.set("k", k)
        r.set("j", j)
    for args in commands:
        got, want, fake_got = _call(ours, args), _call(real, args), _call(fake, args)
        assert got == want, args
        if fake_got == want:
            AGREED["all three"] += 1
    assert ours.get("k") == real.get("k") and ours.get("d") == real.get("d")


def test_fakeredis_comparison_was_not_vacuous() -> None:
    """Runs after the property test in file order: some replies matched all three servers."""
    if AGREED["all three"] == 0:
        pytest.skip("the property test did not run first (selected alone)")
    assert AGREED["all three"] > 50
