"""OBJECT FREQ under allkeys-lfu: the same Redis LFU counter on ours and on a real redis-server.

RESTORE ... FREQ sets it (capped at 255), a new key starts at 5, every read with lfu-log-factor 0
adds one, and lfu-log-factor / lfu-decay-time are read from the command line and CONFIG SET.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.conftest import ServerProc, start_ours, start_redis

LFU_ARGS = ("--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lfu", "--lfu-log-factor", "0")


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[ServerProc, ServerProc]]:
    ours, real = start_ours(*LFU_ARGS), start_redis(*LFU_ARGS)
    try:
        yield ours, real
    finally:
        ours.stop()
        real.stop()


def _script(port: int) -> list[object]:
    r = redis.Redis(port=port)
    r.flushall()
    out: list[object] = [r.config_get("lfu-*")]
    payload = redis.Redis(port=port).dump(b"nothing") or _payload(r)
    for freq in (100, 255, 0):
        r.restore(f"f{freq}", 0, payload, frequency=freq)
        out.append(r.object("freq", f"f{freq}"))
    out.append(_restore_error(r, payload, 256))
    r.set("k", "v")
    out.append(r.object("freq", "k"))
    for _ in range(3):
        r.get("k")
    out.append(r.object("freq", "k"))
    r.set("k", "w")                      # an overwrite is an access too (lookupKeyWrite)
    out.append(r.object("freq", "k"))
    r.config_set("lfu-log-factor", 10)
    r.config_set("lfu-decay-time", 0)
    out.append(r.config_get("lfu-*"))
    return out


def _payload(r: redis.Redis) -> bytes:
    r.set("tmp", "hello")
    payload = r.dump("tmp")
    r.delete("tmp")
    assert payload is not None
    return payload


def _restore_error(r: redis.Redis, payload: bytes, freq: int) -> str:
    try:
        r.restore("bad", 0, payload, frequency=freq)
    except redis.ResponseError as exc:
        return str(exc)
    return "stored"


def test_lfu_counter_matches_redis(pair: tuple[ServerProc, ServerProc]) -> None:
    ours, real = pair
    got, want = _script(ours.port), _script(real.port)
    assert got == want
    assert got[1:4] == [100, 255, 0] and got[5:8] == [5, 8, 9]     # what both agree on, spelled out
