"""Command-table flags that change behaviour do so, as in Redis (the table is the one source).

- `skip_slowlog`: EXEC is left out of SLOWLOG (its queued commands are logged), compared with a
  real redis-server on the same session.
- `bigvalue`: the commands whose big values are received into slab reservations are exactly those
  the table flags.
"""

from __future__ import annotations

import redis

from resp_server.commands.dispatch import BIGVALUE_COMMANDS, TABLE
from tests.conftest import start_ours, start_redis


def _slowlog_names(port: int) -> list[str]:
    r = redis.Redis(port=port)
    r.config_set("slowlog-log-slower-than", 0)
    r.slowlog_reset()
    pipe = r.pipeline(transaction=True)
    pipe.set("a", "1")
    pipe.get("a")
    pipe.execute()
    names = [e["command"].split()[0].decode().lower() for e in r.slowlog_get(128)]
    r.close()
    return [n for n in reversed(names) if n not in ("slowlog", "config")]


def test_exec_is_not_in_slowlog_like_redis() -> None:
    ours, real = start_ours(), start_redis()
    try:
        got, want = _slowlog_names(ours.port), _slowlog_names(real.port)
    finally:
        ours.stop()
        real.stop()
    assert "exec" not in want and got == want


def test_bigvalue_commands_come_from_the_table() -> None:
    assert BIGVALUE_COMMANDS == {n for n, s in TABLE.items() if "bigvalue" in s.flags}
    assert {b"set", b"setnx", b"setex", b"psetex", b"getset", b"mset", b"msetnx"} <= BIGVALUE_COMMANDS
