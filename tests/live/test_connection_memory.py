"""Memory is a promise under connection churn and idle connections (live server, real sockets).

- Churn: rounds of 2,000 connections, each opened, used for one PING or SET and closed, must not
  grow the server's RSS: a closed connection is freed by reference counting at once (no cycles
  left for the cycle collector), and reads land in one shared buffer, so nothing stays behind.
- Idle: connections that never send a byte (unauthenticated, under requirepass) hold no read
  buffer; each costs its Python objects and nothing more.
The bounds are the README's; Redis 7.0.15 on the same runs: churn 11 -> 34 MiB, idle 1.4 KiB each.
"""

from __future__ import annotations

import resource
import socket
import time
from collections.abc import Iterator

import pytest

from tests.conftest import ServerProc, start_ours
from tests.live.helpers import rss

MIB = 1024 * 1024
CHURN_ROUNDS = 20
CHURN_CONNS = 2000
CHURN_SLACK = 16 * MIB          # RSS after all rounds <= RSS before + this
IDLE_CONNS = 5000
IDLE_MAX_EACH = 24 * 1024       # bytes of RSS per idle connection


@pytest.fixture
def many_fds() -> Iterator[None]:
    """Raise this process's open-file limit (the server inherits it) for thousands of sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * IDLE_CONNS + 256
    if hard != resource.RLIM_INFINITY and hard < need:
        pytest.skip(f"open-file hard limit {hard} < {need}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _settled_rss(sp: ServerProc) -> int:
    """RSS once it stops moving (the server finished handling closes), at most 3 s."""
    last = rss(sp.proc.pid)
    for _ in range(30):
        time.sleep(0.1)
        now = rss(sp.proc.pid)
        if now == last:
            break
        last = now
    return last


def _churn_round(port: int, n: int) -> None:
    socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(n)]
    for i, s in enumerate(socks):
        s.sendall(b"SET k%d v\r\n" % i if i % 2 else b"PING\r\n")
    for s in socks:
        assert s.recv(100) in (b"+OK\r\n", b"+PONG\r\n")
    for s in socks:
        s.close()


def test_connection_churn_leaves_rss_flat(many_fds: None) -> None:
    sp = start_ours("--maxmemory", "256mb", "--maxclients", "10000")
    try:
        before = _settled_rss(sp)
        t0 = time.monotonic()
        for _ in range(CHURN_ROUNDS):
            _churn_round(sp.port, CHURN_CONNS)
            assert time.monotonic() - t0 < 120, "churn rounds took too long"
        after = _settled_rss(sp)
        assert after <= before + CHURN_SLACK, (
            f"RSS {before / MIB:.1f} -> {after / MIB:.1f} MiB after "
            f"{CHURN_ROUNDS} x {CHURN_CONNS} connections")
    finally:
        sp.stop()


def test_idle_unauthenticated_connections_are_cheap(many_fds: None) -> None:
    sp = start_ours("--maxmemory", "256mb", "--maxclients", "10000", "--requirepass", "pw")
    socks: list[socket.socket] = []
    try:
        before = _settled_rss(sp)
        socks = [socket.create_connection(("127.0.0.1", sp.port), timeout=10)
                 for _ in range(IDLE_CONNS)]
        probe = socks[-1]
        probe.sendall(b"PING\r\n")                     # all accepted: the last one is answered
        assert probe.recv(100).startswith(b"-NOAUTH")
        each = (_settled_rss(sp) - before) / IDLE_CONNS
        assert each <= IDLE_MAX_EACH, f"{each / 1024:.1f} KiB per idle connection"
    finally:
        for s in socks:
            s.close()
        sp.stop()
