"""Faults: clients killed mid-SET and mid-GET, half-closed sockets, 1,000 concurrent connections
doing mixed work (every value checked), SIGTERM under load. Servers run with --debug-invariants
yes (check_invariants() after every command) and a log file that must stay free of tracebacks."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import resource
import signal
import socket
import struct
import threading
import time
from collections.abc import Iterator

import hiredis
import pytest
import redis

from tests.hardening.helpers import (
    LoggedServer,
    chunks_used,
    cmd,
    info,
    record,
    start_logged,
    wait_for,
)

MIB = 1 << 20


@pytest.fixture
def srv() -> Iterator[LoggedServer]:
    sp = start_logged("--maxmemory", "512mb", "--debug-invariants", "yes")
    yield sp
    sp.stop()
    sp.assert_clean_log()


def _abort(s: socket.socket) -> None:
    """Close with a reset (SO_LINGER 0), like a killed process with unread data."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def _settled(sp: LoggedServer, chunks: int) -> bool:
    m = info(sp)
    return m["reservations"] == "0" and m["pinned_zombies"] == "0" and chunks_used(sp) == chunks


@pytest.mark.parametrize("size", [1000, 40_000, 3 * MIB + 5, 40 * MIB])
@pytest.mark.parametrize("how", ["close", "reset"])
def test_killed_mid_set(srv, size, how):
    r = redis.Redis(port=srv.port)
    r.set("keep", b"k" * 100_000)
    base = chunks_used(srv)
    for request in (cmd("SET", "half", b"v" * size), cmd("MSET", "m1", b"a" * size, "m2", b"b" * size)):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        s.sendall(request[: len(request) * 3 // 4])        # the second MSET value is half sent
        time.sleep(0.05)
        s.close() if how == "close" else _abort(s)
        assert wait_for(lambda: _settled(srv, base)), (info(srv), chunks_used(srv), base)
        record("bad inputs tried", 1)
    assert r.exists("half", "m1", "m2") == 0
    assert r.get("keep") == b"k" * 100_000
    record("values verified", 1)
    r.close()


@pytest.mark.parametrize("how", ["close", "reset"])
def test_killed_mid_get(srv, how):
    r = redis.Redis(port=srv.port)
    value = os.urandom(32 * MIB)
    base = chunks_used(srv)
    r.set("big", value)
    for _ in range(3):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        s.sendall(cmd("GET", "big") * 4)
        s.recv(MIB)                                     # part of the first reply
        s.close() if how == "close" else _abort(s)
    r.set("big", b"replaced")                           # frees the old chunks once unpinned
    assert wait_for(lambda: _settled(srv, base + 1)), (info(srv), chunks_used(srv), base)
    r.set("big", value)
    assert r.get("big") == value
    record("values verified", 1)
    r.close()


def test_half_closed_socket_gets_all_replies(srv):
    r = redis.Redis(port=srv.port)
    values = {f"h{i}": os.urandom(random.Random(i).choice([10, 5000, 70_000, 2 * MIB])) for i in range(40)}
    for k, v in values.items():
        r.set(k, v)
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=20)
    req = b"".join(cmd("GET", k) for k in values) * 5 + cmd("SET", "after", "1") + cmd("INCR", "after")
    s.sendall(req)
    s.shutdown(socket.SHUT_WR)
    reader = hiredis.Reader()
    replies = []
    while True:
        data = s.recv(MIB)
        if not data:
            break
        reader.feed(data)
        while (x := reader.gets()) is not False:
            replies.append(x)
    s.close()
    assert replies[-2:] == [b"OK", 2]
    assert replies[:-2] == list(values.values()) * 5
    record("values verified", len(replies))
    r.close()


# --- 1,000 concurrent connections -------------------------------------------------------------

N_CONN = 1000
OPS = 12


def _value(conn: int, op: int) -> bytes:
    rnd = random.Random(conn * 1000 + op)
    size = int(10 ** rnd.uniform(1, 5.3))                # 10 B .. 200 KB, log-uniform
    return rnd.randbytes(size)


async def _client(port: int, conn: int, start: asyncio.Event, stats: dict[str, int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    parser = hiredis.Reader()

    async def call(*args) -> object:
        writer.write(cmd(*args))
        while (x := parser.gets()) is False:
            data = await reader.read(1 << 20)
            if not data:
                raise EOFError
            parser.feed(data)
        return x

    assert await call("PING") == b"PONG"
    stats["held"] += 1
    await start.wait()
    mine: dict[bytes, bytes] = {}
    for op in range(OPS):
        key = b"c%d:%d" % (conn, op)
        v = _value(conn, op)
        assert await call("SET", key, v) == b"OK"
        mine[key] = hashlib.sha256(v).digest()
        await call("INCR", "shared:counter")
        if op % 3 == 2:
            keys = list(mine)[-3:]
            got = await call("MGET", *keys)
            assert [hashlib.sha256(g).digest() for g in got] == [mine[k] for k in keys]
            stats["verified"] += len(keys)
        if op % 4 == 3:
            assert await call("DEL", key) == 1
            del mine[key]
    for key, digest in mine.items():                     # read everything back
        got = await call("GET", key)
        assert got is not None and hashlib.sha256(got).digest() == digest, key
        stats["verified"] += 1
    writer.close()
    await writer.wait_closed()


async def _many(port: int) -> dict[str, int]:
    stats = {"held": 0, "verified": 0}
    start = asyncio.Event()
    tasks = [asyncio.create_task(_client(port, i, start, stats)) for i in range(N_CONN)]
    deadline = time.monotonic() + 30
    while stats["held"] < N_CONN and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    stats["held_at_once"] = stats["held"]
    start.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 90)
    return stats


def test_thousand_concurrent_connections():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 3 * N_CONN + 200
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            pytest.skip(f"fd limit {hard} is too low for {N_CONN} connections")
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    sp = start_logged("--maxmemory", "1gb", "--debug-invariants", "no")   # server inherits the limit
    try:
        stats = asyncio.run(_many(sp.port))
        assert stats["held_at_once"] == N_CONN
        r = redis.Redis(port=sp.port)
        assert int(r.get("shared:counter")) == N_CONN * OPS
        assert int(info(sp, "stats")["total_connections_received"]) >= N_CONN
        assert int(info(sp, "stats").get("evicted_keys", 0)) == 0
        record("connections held at once", stats["held_at_once"], "max")
        record("values verified", stats["verified"])
        r.close()
    finally:
        sp.stop()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    sp.assert_clean_log()


# --- SIGTERM under load -------------------------------------------------------------------

def _drain_all(socks: list[socket.socket]) -> list[bytearray]:
    """Read every socket to EOF (or reset) concurrently; what each received."""
    out = [bytearray() for _ in socks]

    def drain(i: int) -> None:
        try:
            while chunk := socks[i].recv(4 * MIB):
                out[i] += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    threads = [threading.Thread(target=drain, args=(i,)) for i in range(len(socks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_sigterm_under_load_finishes_replies_and_exits_0():
    sp = start_logged("--maxmemory", "512mb")
    r = redis.Redis(port=sp.port)
    big = os.urandom(32 * MIB)
    r.set("big", big)
    r.close()
    # a slow reader in the middle of a 32 MiB reply
    slow = socket.create_connection(("127.0.0.1", sp.port), timeout=10)
    slow.sendall(cmd("GET", "big"))
    head = slow.recv(MIB)
    # pipelining clients
    busy = []
    for i in range(20):
        s = socket.create_connection(("127.0.0.1", sp.port), timeout=10)
        s.sendall(b"".join(cmd("SET", f"l{i}:{j}", os.urandom(100)) + cmd("GET", "big" if j == 0 else f"l{i}:{j}")
                           for j in range(50)))
        busy.append(s)
    time.sleep(0.1)
    sp.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    assert sp.proc.poll() is None                        # still draining the slow reader ...
    with pytest.raises(ConnectionRefusedError):          # ... but no longer accepting
        socket.create_connection(("127.0.0.1", sp.port), timeout=2).close()
    # every client is read at once, in parallel (the server's grace for replies in flight is
    # SHUTDOWN_GRACE: read one after the other, 20 x 32 MiB could outlast it on a busy machine)
    received = _drain_all([slow, *busy])
    # the slow reader still gets its whole value
    data = bytearray(head) + received[0]
    slow.close()
    want = b"$%d\r\n" % len(big) + big + b"\r\n"
    assert data == want
    # every busy client got only whole replies before its connection closed
    complete = 0
    for s, raw in zip(busy, received[1:], strict=True):
        reader = hiredis.Reader()
        reader.feed(raw)
        size = 0
        while (x := reader.gets()) is not False:
            complete += 1
            assert isinstance(x, bytes)
            size += 5 if x == b"OK" else len(b"$%d\r\n\r\n" % len(x)) + len(x)
        assert size == len(raw), "a reply was cut short"
        s.close()
    assert sp.proc.wait(15) == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", sp.port), timeout=2).close()
    record("values verified", 1)
    record("replies finished during SIGTERM", complete)
    sp.assert_clean_log()


def test_sigterm_with_unread_requests_does_not_reset_replies():
    """A client whose reading the server paused (96 MiB of replies pending, 20,000 more requests
    unread): on SIGTERM its three replies arrive whole - closing with unread input would make
    the kernel reset the connection and drop them - and the unread requests are dropped."""
    sp = start_logged("--maxmemory", "512mb")
    try:
        r = redis.Redis(port=sp.port)
        big = os.urandom(32 * MIB)
        r.set("big", big)
        r.close()
        s = socket.create_connection(("127.0.0.1", sp.port), timeout=10)
        s.sendall(cmd("GET", "big") * 3 + cmd("PING") * 20_000)
        time.sleep(0.3)
        sp.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        raw = bytearray()
        while chunk := s.recv(4 * MIB):
            raw += chunk
        s.close()
        want = b"$%d\r\n" % len(big) + big + b"\r\n"
        assert len(raw) % len(want) == 0 and len(raw) >= len(want), len(raw)
        assert raw == want * (len(raw) // len(want))
        assert sp.proc.wait(10) == 0
        record("values verified", len(raw) // len(want))
    finally:
        sp.stop()
    sp.assert_clean_log()
