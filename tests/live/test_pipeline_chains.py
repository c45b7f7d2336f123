"""Pipeline chains over a real socket: keys written in one pipeline (one read) are evicted by exact
LRU from the last one written back to the first, so what survives is always a prefix; with
`pipeline-chains no` (flag and CONFIG SET) the first written goes first, as in plain LRU."""

from __future__ import annotations

import time

from scripts.rawclient import RawClient, encode
from tests.conftest import start_ours

VALUE = b"x" * 100
CHAIN = [b"chain:%02d" % i for i in range(20)]


def _write_chain(c: RawClient, split: bool) -> None:
    """CHAIN's SETs as one pipeline; `split`: sent in two parts cut inside a command (as TCP may
    deliver a long pipeline), the second part 50 ms later, so the server reads it twice."""
    data = b"".join(encode("SET", k, VALUE) for k in CHAIN)
    cut = len(data) // 2 + 7 if split else len(data)
    c.send_raw(data[:cut])
    if split:
        time.sleep(0.05)
        c.send_raw(data[cut:])
    assert all(r == b"OK" for r in c.read_replies(len(CHAIN)))


def _survivors_while_filling(c: RawClient, split: bool = False) -> list[list[bool]]:
    """Write CHAIN in one pipeline, then other keys one round trip each; the presence pattern
    of CHAIN after each write (EXISTS leases are off on this server) until none is left."""
    _write_chain(c, split)
    seen = []
    for i in range(20_000):
        c.call("SET", b"fill:%d" % i, VALUE)
        present = [r == 1 for r in c.pipeline([("EXISTS", k) for k in CHAIN])]
        if seen and present == seen[-1]:
            continue
        seen.append(present)
        if not any(present):
            break
    return seen


def test_a_pipelined_chain_is_evicted_from_its_tail_and_the_flag_turns_it_off() -> None:
    server = start_ours("--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru",
                        "--lookup-lease-ms", "0")
    try:
        with RawClient("127.0.0.1", server.port) as c:
            assert c.call("CONFIG", "GET", "pipeline-chains") == [b"pipeline-chains", b"yes"]
            seen = _survivors_while_filling(c)
            assert len(seen) > 2 and not any(seen[-1]), seen
            for present in seen:
                assert present == sorted(present, reverse=True), present      # a prefix
            assert c.call("CONFIG", "SET", "pipeline-chains", "no") == b"OK"
            assert c.call("CONFIG", "GET", "pipeline-chains") == [b"pipeline-chains", b"no"]
            c.call("FLUSHALL")
            seen = _survivors_while_filling(c)
            assert not seen[1][0] and seen[1][-1], seen[:2]      # the head left first
    finally:
        server.stop()


def test_a_pipeline_read_in_two_parts_is_still_one_chain() -> None:
    """A read that ends inside a command continues the connection's chain in the next read."""
    server = start_ours("--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru",
                        "--lookup-lease-ms", "0")
    try:
        with RawClient("127.0.0.1", server.port) as c:
            seen = _survivors_while_filling(c, split=True)
            assert len(seen) > 2 and not any(seen[-1]), seen
            for present in seen:
                assert present == sorted(present, reverse=True), present      # a prefix
    finally:
        server.stop()


def test_the_flag_is_read_from_the_command_line() -> None:
    server = start_ours("--pipeline-chains", "no")
    try:
        with RawClient("127.0.0.1", server.port) as c:
            assert c.call("CONFIG", "GET", "pipeline-chains") == [b"pipeline-chains", b"no"]
    finally:
        server.stop()
