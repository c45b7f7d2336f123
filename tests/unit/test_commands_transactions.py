"""MULTI / EXEC / DISCARD / WATCH / UNWATCH through dispatch, including WATCH across clients."""

from __future__ import annotations

from resp_server.resp.replies import NULL_ARRAY, OK, PONG, QUEUED, RespError
from tests.unit.helpers import Env


def test_exec_runs_queue_in_order() -> None:
    env = Env()
    env.ok("MULTI")
    assert env("SET", "q", "1") == QUEUED
    assert env("INCR", "q") == QUEUED
    assert env("GET", "q") == QUEUED
    assert env("PING") == QUEUED
    assert env("EXEC") == [OK, 2, b"2", PONG]
    assert env.c.multi is None


def test_exec_item_replies_survive_later_overwrites() -> None:
    env = Env()
    env.ok("SET", "k", "old")
    env.ok("MULTI")
    env("GET", "k")
    env("SET", "k", "new")
    env("GET", "k")
    assert env("EXEC") == [b"old", OK, b"new"]


def test_runtime_errors_do_not_abort() -> None:
    env = Env()
    env.ok("MULTI")
    env("SET", "q", "abc")
    env("INCR", "q")
    env("GET", "q")
    out = env("EXEC")
    assert out[0] == OK and out[2] == b"abc"
    assert isinstance(out[1], RespError)
    assert out[1].msg == "ERR value is not an integer or out of range"


def test_queueing_errors_abort_with_execabort() -> None:
    env = Env()
    env.ok("MULTI")
    env("SET", "q", "1")
    assert env.err("LPUSH", "x", "y").startswith("ERR unknown command 'LPUSH'")
    assert env.err("GET") == "ERR wrong number of arguments for 'get' command"
    assert env.err("EXEC") == "EXECABORT Transaction discarded because of previous errors."
    assert env("GET", "q") is None
    assert env.c.multi is None


def test_multi_errors() -> None:
    env = Env()
    assert env.err("EXEC") == "ERR EXEC without MULTI"
    assert env.err("DISCARD") == "ERR DISCARD without MULTI"
    assert env.err("MULTI", "x") == "ERR wrong number of arguments for 'multi' command"
    env.ok("MULTI")
    assert env.err("MULTI") == "ERR MULTI calls can not be nested"
    assert env.err("WATCH", "k") == "ERR WATCH inside MULTI is not allowed"
    assert env("SET", "q", "2") == QUEUED
    assert env("EXEC") == [OK]                  # neither error flagged the transaction


def test_discard_drops_the_queue() -> None:
    env = Env()
    env.ok("MULTI")
    env("SET", "q", "2")
    env.ok("DISCARD")
    assert env("GET", "q") is None
    assert env.err("EXEC") == "ERR EXEC without MULTI"


def test_watch_aborts_when_another_client_writes() -> None:
    env = Env()
    other = env.client()
    env.ok("WATCH", "k")
    assert env("SET", "k", "theirs", client=other) == OK
    env.ok("MULTI")
    env("SET", "k", "mine")
    assert env("EXEC") is NULL_ARRAY
    assert env("GET", "k") == b"theirs"
    env.ok("WATCH", "k")                        # the abort forgot old watches
    env.ok("MULTI")
    env("SET", "k", "mine")
    assert env("EXEC") == [OK]


def test_watch_sees_deletes_expires_and_flushes() -> None:
    env = Env()
    other = env.client()
    for change in (("DEL", "k"), ("EXPIRE", "k", "100"), ("FLUSHALL",), ("FLUSHDB",),
                   ("SWAPDB", "0", "1")):
        env.ok("SET", "k", "v")
        env.ok("WATCH", "k")
        env(*change, client=other)
        env.ok("MULTI")
        env("GET", "k")
        assert env("EXEC") is NULL_ARRAY, change


def test_watch_other_db_or_key_does_not_abort() -> None:
    env = Env()
    other = env.client()
    env.ok("WATCH", "k")
    env("SELECT", "1", client=other)
    env("SET", "k", "x", client=other)
    env("SET", "j", "x")
    env.ok("MULTI")
    env("GET", "k")
    assert env("EXEC") == [None]


def test_unwatch_and_own_writes() -> None:
    env = Env()
    other = env.client()
    env.ok("WATCH", "k")
    env.ok("UNWATCH")
    env("SET", "k", "x", client=other)
    env.ok("MULTI")
    env("SET", "k", "mine")
    assert env("EXEC") == [OK]
    assert env.server.watchers == {}


def test_discard_and_exec_forget_watches() -> None:
    env = Env()
    env.ok("WATCH", "a", "b")
    env.ok("MULTI")
    env.ok("DISCARD")
    assert env.c.watched == set() and env.server.watchers == {}


def test_flush_and_swapdb_fire_only_for_keys_that_existed() -> None:
    env = Env()
    other = env.client()
    for change in (("FLUSHDB",), ("FLUSHALL",), ("SWAPDB", "0", "1")):
        env.ok("WATCH", "nokey")
        env(*change, client=other)
        env.ok("MULTI")
        env("SET", "nokey", "mine")
        assert env("EXEC") == [OK], change
        env("DEL", "nokey")
    env("SELECT", "1", client=other)
    env("SET", "k", "in-db1", client=other)
    env.ok("WATCH", "k")                        # absent in db 0, present in db 1
    env("SWAPDB", "0", "1", client=other)
    env.ok("MULTI")
    env("GET", "k")
    assert env("EXEC") is NULL_ARRAY


def _clocked_env() -> tuple[Env, list[int]]:
    now = [1_700_000_000_000]
    env = Env()
    env.server.keyspace.clock = lambda: now[0]
    return env, now


def test_watched_key_that_expires_aborts_exec_deleted_or_not() -> None:
    """Redis 7.0: live at WATCH, expired at EXEC -> aborted, whether or not something (the
    expiry cycle, another client's read) already deleted it."""
    for delete_first in (False, True):
        env, now = _clocked_env()
        other = env.client()
        env.ok("SET", "k", "v", "PX", "200")
        env.ok("WATCH", "k")
        now[0] += 250
        if delete_first:
            assert env("GET", "k", client=other) is None
        env.ok("MULTI")
        env("GET", "k")
        assert env("EXEC") is NULL_ARRAY, delete_first


def test_key_already_expired_at_watch_is_like_a_missing_key() -> None:
    """Its removal later is no change (EXEC runs); setting it again is one (EXEC aborts)."""
    for other_cmd, want in ((("GET", "k"), [OK]), (("DEL", "k"), [OK]),
                            (("SET", "k", "x"), NULL_ARRAY)):
        env, now = _clocked_env()
        other = env.client()
        env.ok("SET", "k", "v", "PX", "30")
        now[0] += 50
        env.ok("WATCH", "k")
        now[0] += 300
        env(*other_cmd, client=other)
        env.ok("MULTI")
        env("SET", "k", "new")
        assert env("EXEC") == want, other_cmd


OOM = "OOM command not allowed when used memory > 'maxmemory'."


def test_out_of_memory_inside_multi_refuses_queueing() -> None:
    """Redis's processCommand: under OOM a client in MULTI gets everything but EXEC, DISCARD,
    QUIT, RESET refused (the transaction is flagged); nomulti commands keep their own error."""
    env = Env()
    env.ok("MULTI")
    env.server.keyspace.enforce_maxmemory = lambda: True   # type: ignore[method-assign]
    assert env.err("GET", "k") == OOM
    assert env.err("WATCH", "k") == OOM
    assert env.err("MULTI") == OOM
    assert env.err("SAVE") == "ERR Command not allowed inside a transaction"
    assert env.err("EXEC") == "EXECABORT Transaction discarded because of previous errors."
    env.ok("MULTI")
    env.ok("DISCARD")
    assert env("GET", "k") is None                     # outside MULTI only deny-oom is refused


def test_exec_of_deny_oom_commands_out_of_memory() -> None:
    """EXEC itself is refused (before the error and WATCH checks) when it queued deny-oom
    commands and memory ran out meanwhile."""
    env = Env()
    env.ok("WATCH", "k")
    env.ok("MULTI")
    env("SET", "k", "1")
    env("FOO")
    env("SET", "k", "2", client=env.client())
    env.server.keyspace.enforce_maxmemory = lambda: True   # type: ignore[method-assign]
    assert env.err("EXEC") == f"EXECABORT Transaction discarded because of: {OOM}"
    assert env.c.multi is None and not env.c.watched
