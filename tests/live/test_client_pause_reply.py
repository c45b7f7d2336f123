"""CLIENT PAUSE / UNPAUSE, CLIENT REPLY ON|OFF|SKIP, CLIENT NO-EVICT / NO-TOUCH, live.

Every scenario runs on our server and on real redis-server 7.0 (`target` fixture), so the same
assertions hold for both; raw RESP bytes are compared where replies are suppressed. Cases follow
Redis's tests/unit/pause.tcl and introspection.tcl (those not needing replication or scripts).
NO-TOUCH is Redis 7.2 (our redis-server is 7.0): it is tested on ours only, by its documented
semantics (OBJECT IDLETIME is not reset by a read; TOUCH still resets it).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import redis

from scripts.rawclient import encode
from tests.conftest import ServerProc, start_ours, start_redis


@pytest.fixture(scope="module", params=["ours", "redis"])
def target(request) -> Iterator[ServerProc]:
    sp = start_ours() if request.param == "ours" else start_redis()
    yield sp
    sp.stop()


def _raw(sp: ServerProc) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", sp.port), timeout=5)
    return s


def _send(s: socket.socket, *cmds: list[str]) -> None:
    s.sendall(b"".join(encode(*args) for args in cmds))


def _read_until(s: socket.socket, marker: bytes, limit_s: float = 5.0) -> bytes:
    data = b""
    deadline = time.monotonic() + limit_s
    while marker not in data and time.monotonic() < deadline:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_reply_off_skip_on_raw_bytes(target: ServerProc) -> None:
    s = _raw(target)
    try:
        _send(s, ["CLIENT", "REPLY", "OFF"], ["SET", "a", "1"], ["GET", "a"], ["NOSUCH"],
              ["CLIENT", "REPLY", "FOO"], ["CLIENT", "REPLY", "ON"], ["GET", "a"],
              ["CLIENT", "REPLY", "SKIP"], ["GET", "a"], ["ECHO", "seen"],
              ["CLIENT", "REPLY", "SKIP"], ["CLIENT", "REPLY", "ON"], ["PING"],
              ["CLIENT", "REPLY", "OFF"], ["CLIENT", "REPLY", "SKIP"], ["GET", "a"],
              ["CLIENT", "REPLY", "ON"], ["MULTI"], ["SET", "b", "2"], ["EXEC"],
              ["CLIENT", "REPLY", "SKIP"], ["MULTI"], ["GET", "b"], ["EXEC"],
              ["ECHO", "end"])
        got = _read_until(s, b"$3\r\nend\r\n")
    finally:
        s.close()
    assert got == (b"+OK\r\n$1\r\n1\r\n$4\r\nseen\r\n+OK\r\n+PONG\r\n+OK\r\n+OK\r\n+QUEUED\r\n"
                   b"*1\r\n+OK\r\n+QUEUED\r\n*1\r\n$1\r\n2\r\n$3\r\nend\r\n")


def test_reply_off_with_pipelined_fast_commands(target: ServerProc) -> None:
    """Plain GET/SET pipelines (our fast lane) honour REPLY OFF too."""
    s = _raw(target)
    try:
        _send(s, ["CLIENT", "REPLY", "OFF"], *[["SET", f"k{i}", "v"] for i in range(50)],
              *[["GET", f"k{i}"] for i in range(50)], ["CLIENT", "REPLY", "ON"])
        assert _read_until(s, b"+OK\r\n") == b"+OK\r\n"
    finally:
        s.close()


def test_pause_write_blocks_writes_not_reads(target: ServerProc) -> None:
    r = redis.Redis(port=target.port, socket_timeout=10)
    r.set("foo", "bar")
    assert r.execute_command("CLIENT", "PAUSE", 100000, "WRITE") == b"OK"
    try:
        other = redis.Redis(port=target.port, socket_timeout=10)
        assert other.get("foo") == b"bar" and other.ping()
        assert r.info("clients")["blocked_clients"] == 0
        done: list[object] = []
        writer = threading.Thread(target=lambda: done.append(other.set("foo", "new")))
        writer.start()
        _wait_blocked(r, 1)
        assert r.get("foo") == b"bar" and not done
        with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
            r.execute_command("SET", "foo")          # syntax errors answer at once
    finally:
        assert r.execute_command("CLIENT", "UNPAUSE") == b"OK"
    writer.join(10)
    assert done == [True] and r.get("foo") == b"new"
    assert r.info("clients")["blocked_clients"] == 0


def test_pause_write_blocks_exec_with_writes_only(target: ServerProc) -> None:
    r = redis.Redis(port=target.port, socket_timeout=10)
    r.set("foo", "bar")
    p = redis.Redis(port=target.port, socket_timeout=10)
    reader = p.pipeline(transaction=True)
    reader.ping().get("foo")
    r.execute_command("CLIENT", "PAUSE", 100000, "WRITE")
    try:
        assert reader.execute() == [True, b"bar"]
        results: list[object] = []
        writer = p.pipeline(transaction=True)
        writer.set("foo", "x")
        t = threading.Thread(target=lambda: results.append(writer.execute()))
        t.start()
        _wait_blocked(r, 1)
    finally:
        r.execute_command("CLIENT", "UNPAUSE")
    t.join(10)
    assert results == [[True]]


def test_pause_all_blocks_everything_until_timeout(target: ServerProc) -> None:
    r = redis.Redis(port=target.port, socket_timeout=10)
    t0 = time.monotonic()
    assert r.execute_command("CLIENT", "PAUSE", 300, "ALL") == b"OK"
    assert r.ping() is True
    assert time.monotonic() - t0 >= 0.25
    assert r.execute_command("CLIENT", "PAUSE", 300, "ALL") == b"OK"
    t1 = time.monotonic()
    assert r.execute_command("CLIENT", "UNPAUSE") == b"OK"   # ALL holds UNPAUSE too
    assert time.monotonic() - t1 >= 0.25


def test_pause_keeps_stricter_mode_and_later_end(target: ServerProc) -> None:
    r = redis.Redis(port=target.port, socket_timeout=10)
    other = redis.Redis(port=target.port, socket_timeout=10)
    other.set("foo", "bar")
    t0 = time.monotonic()
    r.execute_command("CLIENT", "PAUSE", 400, "ALL")
    other_done: list[float] = []
    t = threading.Thread(target=lambda: (other.get("foo"),
                                         other_done.append(time.monotonic() - t0)))
    t.start()
    r.execute_command("CLIENT", "PAUSE", 20, "WRITE")    # waits for the ALL pause itself
    t.join(10)
    assert other_done and other_done[0] >= 0.35


def test_pause_errors(target: ServerProc) -> None:
    r = redis.Redis(port=target.port, socket_timeout=10)
    cases = {
        ("CLIENT", "PAUSE", "-1"): "timeout is negative",
        ("CLIENT", "PAUSE", "abc"): "timeout is not an integer or out of range",
        ("CLIENT", "PAUSE", "10", "FOO"): "CLIENT PAUSE mode must be WRITE or ALL",
        ("CLIENT", "PAUSE", "10", "ALL", "x"): "unknown subcommand or wrong number of arguments "
                                               "for 'PAUSE'. Try CLIENT HELP.",
        ("CLIENT", "PAUSE"): "wrong number of arguments for 'client|pause' command",
        ("CLIENT", "UNPAUSE", "x"): "wrong number of arguments for 'client|unpause' command",
        ("CLIENT", "REPLY", "FOO"): "syntax error",
        ("CLIENT", "NO-EVICT", "maybe"): "syntax error",
    }
    for args, msg in cases.items():
        with pytest.raises(redis.ResponseError) as e:
            r.execute_command(*args)
        assert str(e.value) == msg
    assert r.execute_command("CLIENT", "PAUSE", "0", "write") == b"OK"
    assert r.execute_command("CLIENT", "NO-EVICT", "on") == b"OK"
    assert r.execute_command("CLIENT", "NO-EVICT", "OFF") == b"OK"


def _wait_blocked(r: redis.Redis, n: int) -> None:
    deadline = time.monotonic() + 5
    while r.info("clients")["blocked_clients"] < n and time.monotonic() < deadline:
        time.sleep(0.02)
    assert r.info("clients")["blocked_clients"] == n


def test_no_touch_keeps_idle_time() -> None:
    sp = start_ours()
    try:
        r = redis.Redis(port=sp.port, socket_timeout=10)
        r.set("k", "v")
        r.set("t", "v")
        time.sleep(2.1)
        assert r.execute_command("CLIENT", "NO-TOUCH", "ON") == b"OK"
        assert r.get("k") == b"v" and r.getrange("k", 0, 0) == b"v" and r.strlen("k") == 1
        assert r.execute_command("OBJECT", "IDLETIME", "k") >= 2
        assert r.touch("t") == 1                             # TOUCH still touches
        assert r.execute_command("OBJECT", "IDLETIME", "t") == 0
        assert r.execute_command("CLIENT", "NO-TOUCH", "OFF") == b"OK"
        r.get("k")
        assert r.execute_command("OBJECT", "IDLETIME", "k") == 0
        with pytest.raises(redis.ResponseError, match="syntax error"):
            r.execute_command("CLIENT", "NO-TOUCH", "maybe")
    finally:
        sp.stop()


def test_pipeline_behind_a_held_write_keeps_its_order(target: ServerProc) -> None:
    """Commands pipelined after a held write wait behind it (reads too), then all run in order."""
    r = redis.Redis(port=target.port, socket_timeout=10)
    r.delete("x")
    r.execute_command("CLIENT", "PAUSE", 100000, "WRITE")
    s = _raw(target)
    try:
        _send(s, ["GET", "x"], ["SET", "x", "1"], ["GET", "x"], ["INCR", "x"], ["ECHO", "end"])
        first = _read_until(s, b"$-1\r\n")
        assert first == b"$-1\r\n"                         # the read before the write answers
        _wait_blocked(r, 1)
        s.settimeout(0.3)
        with pytest.raises(TimeoutError):
            s.recv(100)                                    # nothing else while paused
        s.settimeout(5)
        r.execute_command("CLIENT", "UNPAUSE")
        assert _read_until(s, b"$3\r\nend\r\n") == b"+OK\r\n$1\r\n1\r\n:2\r\n$3\r\nend\r\n"
    finally:
        r.execute_command("CLIENT", "UNPAUSE")
        s.close()
