"""Fuzzing: hypothesis over the request parser (mutated valid requests, random bytes, huge and
negative lengths, every split) and over whole requests against a live server started with
--debug-invariants yes (check_invariants() after every command). Atheris runs the parser target
for a bounded number of inputs when it is installed.

Oracles: the parser's fast path and general path agree, a split input parses like the whole,
no sink outlives its request; the live server answers a healthy client throughout (bounded
latency), keeps no reservation or pin, logs no traceback, and stays up."""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from tests.hardening.fuzzing import CORPUS, INTERESTING, MUTATIONS, mutate, random_input, run
from tests.hardening.helpers import LoggedServer, Raw, info, record, start_logged, wait_for

mutation = st.tuples(st.sampled_from(MUTATIONS), st.integers(0, 1 << 20),
                     st.one_of(st.binary(max_size=8), st.sampled_from(INTERESTING)))
pipeline = st.lists(st.sampled_from(CORPUS), min_size=1, max_size=4).map(b"".join)
fuzz_input = st.one_of(
    st.tuples(pipeline, st.lists(mutation, max_size=4)).map(lambda t: mutate(*t)),
    st.binary(max_size=300),
)


# --- parser -----------------------------------------------------------------------------------

@settings(max_examples=400, deadline=None)
@given(data=fuzz_input, cuts=st.lists(st.integers(0, 1 << 17), max_size=5))
def test_parser_paths_agree_and_leak_nothing(data, cuts):
    results = [run(data, c, batch) for c in ([], cuts) for batch in (False, True)]
    first = results[0]
    for d in results:
        assert not d.live, "a sink outlived its request"
        assert (d.out, d.error) == (first.out, first.error)
    record("bad inputs tried", 1)
    record("fuzz inputs: parser, hypothesis", 1)


@settings(max_examples=200, deadline=None)
@given(n=st.sampled_from([-1, -2, -(2**63), 2**31, 2**32, 2**63, 10**30, 536870913]),
       where=st.sampled_from(["count", "bulk"]))
def test_huge_and_negative_lengths(n, where):
    data = b"*%d\r\n$3\r\nGET\r\n" % n if where == "count" else b"*2\r\n$3\r\nGET\r\n$%d\r\n" % n
    for batch in (False, True):
        d = run(data + b"x" * 100, [], batch)
        assert not d.live
        if where == "count" and n < 0:
            continue            # like Redis: `*-1` is skipped, the rest parses as inline lines
        assert d.error is not None and d.out == [], (n, where, d.out)


# --- live server --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[LoggedServer]:
    sp = start_logged("--maxmemory", "64mb", "--debug-invariants", "yes")
    yield sp
    sp.stop()
    sp.assert_clean_log()


def _throw(port: int, data: bytes, abrupt: bool) -> bytes:
    """Send data on a fresh connection; either reset it at once, or half-close and read what the
    server answers until it closes (bounded)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        try:
            s.sendall(data)
        except OSError:
            return b""
        if abrupt:
            return b""
        s.shutdown(socket.SHUT_WR)
        out = b""
        try:
            while len(out) < 8 << 20 and (chunk := s.recv(1 << 20)):
                out += chunk
        except ConnectionResetError:
            pass
        return out
    finally:
        s.close()


def _healthy(sp: LoggedServer, tag: str) -> None:
    with Raw(sp.port, timeout=5) as r:
        v = os.urandom(50_000)
        assert r.call("SELECT", "0") == b"OK"
        assert r.call("SET", f"healthy:{tag}", v) == b"OK"
        assert hashlib.sha256(r.call("GET", f"healthy:{tag}")).digest() == hashlib.sha256(v).digest()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=fuzz_input, abrupt=st.booleans())
def test_live_whole_requests(fuzz_server, data, abrupt):
    reply = _throw(fuzz_server.port, data, abrupt)
    assert b"internal error" not in reply
    record("bad inputs tried", 1)
    record("fuzz inputs: live server", 1)


@pytest.fixture(scope="module")
def fast_server() -> Iterator[LoggedServer]:
    sp = start_logged("--maxmemory", "64mb")
    yield sp
    sp.stop()
    sp.assert_clean_log()


def test_live_burst_checked(fuzz_server):
    """320 inputs with check_invariants() after every command (about 20 ms each)."""
    _burst(fuzz_server, 320)


def test_live_burst_fast(fast_server):
    """3,000 inputs at full speed."""
    _burst(fast_server, 3000)


def _burst(sp: LoggedServer, n_inputs: int, width: int = 32) -> None:
    """Seeded random inputs on `width` concurrent throwaway connections while a healthy client
    keeps writing and reading checksummed values; its slowest round trip stays bounded."""
    worst = 0.0
    verified = 0

    async def attacker(rnd: random.Random, count: int) -> None:
        for _ in range(count):
            data = random_input(rnd)
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", sp.port)
            except OSError:
                continue
            try:
                writer.write(data)
                if rnd.random() < 0.3:
                    writer.transport.abort()
                    continue
                writer.write_eof()
                got = 0
                while got < 8 << 20:
                    chunk = await asyncio.wait_for(reader.read(1 << 20), 10)
                    if not chunk:
                        break
                    got += len(chunk)
                    assert b"internal error" not in chunk
            except (ConnectionError, OSError):
                pass
            finally:
                writer.close()

    async def healthy(stop: asyncio.Event) -> None:
        nonlocal worst, verified
        rnd = random.Random(7)
        reader, writer = await asyncio.open_connection("127.0.0.1", sp.port)
        while not stop.is_set():
            v = rnd.randbytes(rnd.choice([100, 20_000, 300_000]))
            t0 = time.monotonic()
            writer.write(b"*3\r\n$3\r\nSET\r\n$6\r\nh:live\r\n$%d\r\n%s\r\n"
                         b"*2\r\n$3\r\nGET\r\n$6\r\nh:live\r\n" % (len(v), v))
            want = b"+OK\r\n$%d\r\n%s\r\n" % (len(v), v)
            got = await asyncio.wait_for(reader.readexactly(5), 10)
            got += await asyncio.wait_for(reader.readuntil(b"\r\n"), 10)
            if got != want[:len(got)]:
                # another client may FLUSHDB/SWAPDB/MOVE between our SET and GET: only nil then
                assert got == b"+OK\r\n$-1\r\n", got[:40]
            else:
                got += await asyncio.wait_for(reader.readexactly(len(want) - len(got)), 10)
                assert got == want
                verified += 1
            worst = max(worst, time.monotonic() - t0)
            await asyncio.sleep(0.005)
        writer.close()

    async def main() -> None:
        stop = asyncio.Event()
        h = asyncio.create_task(healthy(stop))
        await asyncio.gather(*(attacker(random.Random(seed), n_inputs // width)
                               for seed in range(width)))
        stop.set()
        await h

    asyncio.run(asyncio.wait_for(main(), 100))
    record("bad inputs tried", n_inputs // width * width)
    record("fuzz inputs: live server", n_inputs // width * width)
    record("values verified", verified)
    record("healthy client worst round trip ms during fuzzing", int(worst * 1000), "max")
    assert worst < 2.0
    _healthy(sp, "after-burst")
    assert wait_for(lambda: info(sp)["reservations"] == "0" and info(sp)["pinned_zombies"] == "0", 10)
    assert sp.proc.poll() is None


# --- atheris ------------------------------------------------------------------------------

def test_atheris_parser_target(tmp_path):
    if importlib.util.find_spec("atheris") is None:
        pytest.skip("atheris is not installed (pip install atheris)")
    runs = 30000
    out = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "hardening", "atheris_parser.py"),
                          f"-runs={runs}", "-max_len=2048", f"-artifact_prefix={tmp_path}/"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-4000:]
    record("bad inputs tried", runs)
    record("fuzz inputs: parser, atheris", runs)
