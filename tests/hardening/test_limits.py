"""Limits with Redis's names and messages: maxclients, proto-max-bulk-len, client-query-buffer-limit,
client-output-buffer-limit (normal class, hard and soft), timeout, multibulk/inline bounds; and back-pressure: a
client that pipelines GETs but never reads must not grow the server (ours vs real Redis), nor pin
the cache so that other clients' writes fail."""

from __future__ import annotations

import hashlib
import os
import socket
import time

import hiredis
import pytest
import redis

from tests.conftest import ServerProc, start_ours, start_redis
from tests.hardening.helpers import Raw, cmd, info, record, rss_bytes, wait_for

MIB = 1 << 20


def _reply_then_close(sp: ServerProc, data: bytes) -> bytes:
    with Raw(sp.port) as r:
        r.send(data)
        try:
            return r.read_until_closed()
        except ConnectionResetError:
            return b"<reset>"


def _both(*args: str):
    ours, real = start_ours(*args), start_redis(*args)
    return ours, real


def test_maxclients_as_redis():
    ours, real = _both("--maxclients", "4")
    try:
        for sp in (ours, real):
            held = [Raw(sp.port) for _ in range(4)]
            for r in held:
                assert r.call("PING") == b"PONG"
            assert _reply_then_close(sp, b"") == b"-ERR max number of clients reached\r\n"
            held.pop().close()
            time.sleep(0.2)
            with Raw(sp.port) as r:                     # a slot is free again
                assert r.call("PING") == b"PONG"
            for r in held:
                r.close()
        record("bad inputs tried", 2)
    finally:
        ours.stop()
        real.stop()


PROTOCOL_LIMITS = [
    b"*1\r\n$1048577\r\n",                      # one byte over proto-max-bulk-len 1mb
    b"*1\r\n$-2\r\n",
    b"*2147483648\r\n",
    b"x" * (64 * 1024 + 1),                     # inline request without newline, > 64 KiB
    b"*" + b"1" * (64 * 1024 + 1),              # multibulk count line > 64 KiB
    b"*1\r\n$" + b"1" * (64 * 1024 + 1),        # bulk count line > 64 KiB
]


def test_protocol_limits_as_redis():
    ours, real = _both("--proto-max-bulk-len", "1mb")
    try:
        for data in PROTOCOL_LIMITS:
            got = [_reply_then_close(sp, data) for sp in (ours, real)]
            assert got[0] == got[1], data[:30]
            assert got[0].startswith(b"-ERR Protocol error: ")
            record("bad inputs tried", 1)
        # exactly proto-max-bulk-len is fine
        r = redis.Redis(port=ours.port)
        v = os.urandom(MIB)
        r.set("max", v)
        assert r.get("max") == v
        record("values verified", 1)
        r.close()
    finally:
        ours.stop()
        real.stop()


def test_multibulk_count_bound():
    """Redis allows INT_MAX arguments; we stop at 1M (the request is refused before any work)."""
    sp = start_ours()
    try:
        assert _reply_then_close(sp, b"*1048577\r\n") == b"-ERR Protocol error: invalid multibulk length\r\n"
        with Raw(sp.port) as r:                       # 1M arguments are accepted
            r.send(b"*1048576\r\n$4\r\nPING\r\n")
            assert not r.closed_by_peer(0.3)
        record("bad inputs tried", 2)
    finally:
        sp.stop()


def test_client_query_buffer_limit():
    """Arguments held outside slab memory count against client-query-buffer-limit."""
    sp = start_ours("--client-query-buffer-limit", "2mb")
    try:
        base = rss_bytes(sp.proc.pid)
        for data in (
            b"*5000\r\n$4\r\nMSET\r\n" + b"$1000\r\n" + b"k" * 1000 + b"\r\n",   # many small args
            b"*2\r\n$4\r\nECHO\r\n$3145728\r\n",                               # one big plain arg
        ):
            with Raw(sp.port) as r:
                r.send(data)
                body = b"$1000\r\n" + b"v" * 1000 + b"\r\n"
                try:
                    for _ in range(3000):
                        r.send(body if data.startswith(b"*5000") else b"z" * 1000)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                assert r.closed_by_peer(5)
            record("bad inputs tried", 1)
        assert rss_bytes(sp.proc.pid) - base < 32 * MIB
        r = redis.Redis(port=sp.port)                 # values stored in slabs are not limited
        v = os.urandom(3 * MIB)
        r.set("big", v)
        assert r.get("big") == v and r.ping()
        r.close()
    finally:
        sp.stop()



def _past_query_limit(sp: ServerProc) -> bytes:
    """PING, then a 2 MiB ECHO argument under a 1 MiB client-query-buffer-limit: what the server
    sends after PONG until it closes."""
    with Raw(sp.port) as r:
        assert r.call("PING") == b"PONG"
        r.send(b"*2\r\n$4\r\nECHO\r\n$2097152\r\n")
        try:
            for _ in range(32):
                r.send(b"z" * 65536)
                time.sleep(0.005)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            return r.read_until_closed()
        except ConnectionResetError:
            return b""


def test_query_buffer_limit_closes_without_reply():
    """Redis 7.0 closes a client past client-query-buffer-limit silently (it only logs it; no
    error reply, no error stat, no INFO counter before 7.2): so does ours."""
    ours, real = _both("--client-query-buffer-limit", "1mb")
    try:
        for sp in (ours, real):
            assert _past_query_limit(sp) == b"", sp
            with Raw(sp.port) as r:
                stats = r.call("INFO", "errorstats")
                assert r.call("PING") == b"PONG"
            assert b"errorstat" not in stats, (sp, stats)
        assert "client_query_buffer_limit_disconnections" not in info(real, "stats")
        record("bad inputs tried", 1)
    finally:
        ours.stop()
        real.stop()

def test_announced_big_arguments_cost_nothing_until_sent():
    """Twenty clients announce a 512 MiB argument (proto-max-bulk-len) and send 1 KiB of it:
    the server commits memory for what arrives, not for what is announced."""
    sp = start_ours()
    try:
        base = rss_bytes(sp.proc.pid)
        socks = []
        for _ in range(20):
            r = Raw(sp.port)
            r.send(b"*2\r\n$4\r\nECHO\r\n$536870912\r\n" + b"e" * 1024)
            socks.append(r)
        time.sleep(0.5)
        grown = rss_bytes(sp.proc.pid) - base
        for r in socks:
            r.close()
        record("bad inputs tried", len(socks))
        assert grown < 32 * MIB, grown
        with Raw(sp.port) as r:                      # a whole big plain argument still works
            v = os.urandom(3 * MIB)
            assert r.call("ECHO", v) == v
    finally:
        sp.stop()


def test_client_output_buffer_limit_disconnects():
    args = ("--client-output-buffer-limit", "normal 4mb 0 0")
    ours, real = _both(*args)
    try:
        for sp in (ours, real):
            r = redis.Redis(port=sp.port)
            r.set("big", os.urandom(MIB))
            assert len(r.get("big")) == MIB           # one reply under the limit is fine
            s = socket.create_connection(("127.0.0.1", sp.port), timeout=10)
            s.sendall(cmd("GET", "big") * 200)
            time.sleep(0.5)                           # the server fills its output buffer
            got = 0
            try:                                      # then we drain: the server cut us off
                while data := s.recv(1 << 20):
                    got += len(data)
            except ConnectionResetError:
                pass
            assert got < 64 * MIB, (sp, got)          # far from the 200 MiB of replies asked
            assert r.ping() and len(r.client_list()) == 1
            s.close()
            r.close()
        record("bad inputs tried", 1)
    finally:
        ours.stop()
        real.stop()



def _stall_until_closed(sp: ServerProc, r: redis.Redis, request: bytes, limit: float) -> float:
    """Pipeline `request` on a client named "stall" that never reads; seconds from its first
    byte until the server dropped it (gone from CLIENT LIST), or `limit` if it never did."""
    s = socket.create_connection(("127.0.0.1", sp.port), timeout=10)
    s.sendall(cmd("CLIENT", "SETNAME", "stall"))
    assert s.recv(100) == b"+OK\r\n"
    s.setblocking(False)
    data, sent, t0 = request * 2000, 0, time.monotonic()
    try:
        while time.monotonic() - t0 < limit:
            try:
                sent += s.send(data[sent:sent + 65536]) if sent < len(data) else 0
            except BlockingIOError:
                pass
            except (BrokenPipeError, ConnectionResetError):
                pass                                  # closed: CLIENT LIST will say so
            if not any(c["name"] == "stall" for c in r.client_list()):
                return time.monotonic() - t0
            time.sleep(0.02)
        return limit
    finally:
        s.close()


def _read_for(sp: ServerProc, request: bytes, seconds: float, depth: int = 8) -> int:
    """A client that pipelines `depth` requests and reads every reply, for `seconds`."""
    replies = 0
    with Raw(sp.port) as c:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            c.send(request * depth)
            for _ in range(depth):
                assert isinstance(c.reply(), bytes)
            replies += depth
        assert c.call("PING") == b"PONG"              # still connected
    return replies


def test_client_output_buffer_soft_limit():
    """`normal 0 4mb 1`: a client pipelining GETs of a 1 MiB value and never reading stays over
    4 MiB of unsent replies and is closed once that lasted more than a second (Redis closes it
    after 1-2 s: its clock ticks in whole seconds); a client that reads its replies, though each
    batch of 8 passes 4 MiB for a moment, is never closed. Ours and Redis alike."""
    ours, real = _both("--client-output-buffer-limit", "normal 0 4mb 1")
    try:
        for sp in (ours, real):
            r = redis.Redis(port=sp.port)
            r.set("big", os.urandom(MIB))
            closed_after = _stall_until_closed(sp, r, cmd("GET", "big"), limit=8.0)
            assert 1.0 <= closed_after < 5.0, (sp, closed_after)
            assert _read_for(sp, cmd("GET", "big"), seconds=2.5) > 8
            assert r.ping() and len(r.client_list()) == 1
            r.close()
        record("bad inputs tried", 1)
    finally:
        ours.stop()
        real.stop()

def test_timeout_closes_idle_clients():
    sp = start_ours("--timeout", "1", "--hz", "20")
    try:
        idle = Raw(sp.port)
        assert idle.call("PING") == b"PONG"
        busy = Raw(sp.port)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 2.5:
            assert busy.call("PING") == b"PONG"
            time.sleep(0.2)
        assert idle.closed_by_peer(2.0)
        assert busy.call("PING") == b"PONG"
        busy.close()
        idle.close()
    finally:
        sp.stop()


# --- back-pressure ---------------------------------------------------------------------------

def _stall(sp: ServerProc, request: bytes, count: int) -> socket.socket:
    """Send `count` pipelined copies of request on a socket that never reads; returns it once
    everything is sent or the server stopped reading for 1 s. (No tiny SO_RCVBUF: with a 4 KiB
    window loopback TCP crawls at ~40 KB/s, for Redis too.)"""
    s = socket.create_connection(("127.0.0.1", sp.port), timeout=10)
    s.setblocking(False)
    data = request * count
    sent, last = 0, time.monotonic()
    while sent < len(data) and time.monotonic() - last < 1.0:
        try:
            sent += s.send(data[sent:sent + 65536])
            last = time.monotonic()
        except BlockingIOError:
            time.sleep(0.01)
    return s


def _peak_rss(pid: int, seconds: float) -> int:
    peak, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        peak = max(peak, rss_bytes(pid))
        time.sleep(0.05)
    return peak


@pytest.mark.parametrize("count,size", [(2000, MIB), (200_000, 1000)], ids=["2000xGET-1MiB", "200kxGET-1KB"])
def test_non_reading_client_rss_ours_vs_redis(count, size):
    grown = {}
    for name, start in (("ours", start_ours), ("redis", start_redis)):
        sp = start("--maxmemory", "256mb")
        try:
            r = redis.Redis(port=sp.port)
            value = os.urandom(size)
            r.set("v", value)
            base = rss_bytes(sp.proc.pid)
            s = _stall(sp, cmd("GET", "v"), count)
            grown[name] = _peak_rss(sp.proc.pid, 2.0 if name == "ours" else 4.0) - base
            assert r.ping()                                   # the server serves others
            if name == "ours":
                # the stalled client gets its replies, intact, once it reads
                s.setblocking(True)
                s.settimeout(10)
                reader = hiredis.Reader()
                digest = hashlib.sha256(value).digest()
                n = 300 if size < 100_000 else 8
                for _ in range(n):
                    while (got := reader.gets()) is False:
                        reader.feed(s.recv(1 << 20))
                    assert hashlib.sha256(got).digest() == digest
                record("values verified", n)
            s.close()
            r.close()
        finally:
            sp.stop()
    key = f"non-reading client {count}x{size}B rss growth MiB"
    record(f"{key} ours", grown["ours"] // MIB, "max")
    record(f"{key} redis", grown["redis"] // MIB, "max")
    assert grown["ours"] < 48 * MIB, grown


def test_stalled_reader_does_not_block_writes():
    """A full 64 MiB cache; a client GETs every key and never reads. Pinned replies are bounded
    (maxmemory/8 per client), so other clients' writes still evict and succeed."""
    sp = start_ours("--maxmemory", "64mb")
    try:
        r = redis.Redis(port=sp.port)
        v = os.urandom(MIB)
        for i in range(80):
            r.set(f"k{i}", v)
        keys = r.keys("*")
        s = _stall(sp, b"".join(cmd("GET", k) for k in keys), 3)
        time.sleep(0.3)
        for i in range(100, 200):
            assert r.set(f"k{i}", v)
        assert r.get("k199") == v
        assert int(info(sp, "stats")["evicted_keys"]) > 0
        s.close()
        assert wait_for(lambda: int(info(sp)["pinned_zombies"]) == 0)
        r.close()
    finally:
        sp.stop()
