"""Connection memory, ours vs a real redis-server side by side: churn and idle connections.

- churn: ROUNDS x CONNS connections, each opened, used for one PING or SET and closed; RSS of the
  server before and after (a closed connection must leave nothing behind).
- idle: IDLE connections that never send a byte (unauthenticated, under requirepass); RSS
  growth per connection.
Both servers run with the same maxmemory; each is started fresh per measurement. Usage:
`python -m scripts.bench_conns [--rounds 20] [--conns 2000] [--idle 5000]`. The bounds are held
by tests/live/test_connection_memory.py; this prints the figures for the README and notes.
"""

from __future__ import annotations

import argparse
import resource
import socket
import time

from .servers import Target, start_ours, start_redis

MIB = 1024 * 1024


def _settled_rss(t: Target) -> int:
    """RSS once it stops moving (at most 3 s)."""
    last = t.rss_bytes() or 0
    for _ in range(30):
        time.sleep(0.1)
        now = t.rss_bytes() or 0
        if now == last:
            break
        last = now
    return last


def churn(t: Target, rounds: int, conns: int) -> tuple[int, int]:
    """(RSS before, RSS after) `rounds` x `conns` one-command connections."""
    before = _settled_rss(t)
    for _ in range(rounds):
        socks = [socket.create_connection((t.host, t.port), timeout=10) for _ in range(conns)]
        for i, s in enumerate(socks):
            s.sendall(b"SET k%d v\r\n" % i if i % 2 else b"PING\r\n")
        for s in socks:
            s.recv(100)
            s.close()
    return before, _settled_rss(t)


def idle(t: Target, n: int) -> float:
    """RSS bytes per connection that never sends anything."""
    before = _settled_rss(t)
    socks = [socket.create_connection((t.host, t.port), timeout=10) for _ in range(n)]
    try:
        return (_settled_rss(t) - before) / n
    finally:
        for s in socks:
            s.close()


def _require_password(t: Target) -> None:
    """CONFIG SET requirepass (after start: the start-up check pings without a password)."""
    with socket.create_connection((t.host, t.port), timeout=10) as s:
        s.sendall(b"CONFIG SET requirepass pw\r\n")
        assert s.recv(100) == b"+OK\r\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--conns", type=int, default=2000)
    ap.add_argument("--idle", type=int, default=5000)
    ap.add_argument("--maxmemory", type=int, default=256 * MIB)
    a = ap.parse_args(argv)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))   # the servers inherit it
    limits = ("--maxclients", str(a.idle + 100))
    print(f"| server | churn {a.rounds} x {a.conns}: RSS before -> after | idle: KiB each |")
    print("|---|---|---|")
    for start in (start_ours, start_redis):
        t = start(a.maxmemory, extra=limits)
        try:
            before, after = churn(t, a.rounds, a.conns)
        finally:
            t.stop()
        t = start(a.maxmemory, extra=limits)
        try:
            _require_password(t)
            each = idle(t, a.idle)
        finally:
            t.stop()
        print(f"| {t.name} | {before / MIB:.0f} -> {after / MIB:.0f} MiB | {each / 1024:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
