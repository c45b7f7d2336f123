"""Connection commands (PING ECHO HELLO AUTH QUIT RESET SELECT CLIENT) through dispatch."""

from __future__ import annotations

import pytest

from resp_server.commands.connection import ERR_HELLO_NOAUTH
from resp_server.resp.replies import PONG, Status, Verbatim
from tests.unit.helpers import Env


def test_ping_echo() -> None:
    env = Env()
    assert env("PING") == PONG
    assert env("PING", "hi") == b"hi"
    assert env.err("PING", "a", "b") == "ERR wrong number of arguments for 'ping' command"
    assert env("ECHO", "x") == b"x"
    assert env.err("ECHO") == "ERR wrong number of arguments for 'echo' command"


def test_hello_switches_protocol_and_replies_a_map() -> None:
    env = Env()
    reply = env("HELLO", "3")
    assert reply == {"server": "redis", "version": "7.0.15", "proto": 3, "id": env.c.id,
                     "mode": "standalone", "role": "master", "modules": []}
    assert env.c.resp == 3
    assert env("HELLO")["proto"] == 3              # no version: keeps the current one
    assert env("HELLO", "2", "SETNAME", "me")["proto"] == 2
    assert env.c.resp == 2 and env.c.name == b"me"


@pytest.mark.parametrize("args, err", [
    (("4",), "NOPROTO unsupported protocol version"),
    (("1",), "NOPROTO unsupported protocol version"),
    (("abc",), "ERR Protocol version is not an integer or out of range"),
    (("3", "AUTH", "a", "b"), "WRONGPASS invalid username-password pair or user is disabled."),
    (("2", "foo"), "ERR Syntax error in HELLO option 'foo'"),
    (("2", "SETNAME"), "ERR Syntax error in HELLO option 'SETNAME'"),
    (("2", "SETNAME", "a b"),
     "ERR Client names cannot contain spaces, newlines or special characters."),
])
def test_hello_errors(args: tuple, err: str) -> None:
    env = Env()
    env.ok("AUTH", "default", "anything")          # nopass default user accepts any password
    if args[1:2] == ("AUTH",):
        env.server.requirepass = "secret"
    assert env.err("HELLO", *args) == err
    assert env.c.resp == 2


def test_auth_with_requirepass() -> None:
    env = Env(requirepass="secret")
    c = env.c
    assert not c.authenticated
    assert env.err("GET", "k") == "NOAUTH Authentication required."
    assert env.err("PING") == "NOAUTH Authentication required."
    assert env.err("HELLO", "3") == ERR_HELLO_NOAUTH
    assert env.err("AUTH", "wrong") == \
        "WRONGPASS invalid username-password pair or user is disabled."
    assert env.err("AUTH", "a", "b", "c") == "ERR syntax error"
    assert env("HELLO", "3", "AUTH", "default", "secret")["proto"] == 3
    assert c.authenticated and c.resp == 3
    env.ok("AUTH", "secret")
    env.ok("AUTH", "default", "secret")
    assert env("RESET") == Status(b"RESET")
    assert not c.authenticated and c.resp == 2


def test_auth_without_password_configured() -> None:
    env = Env()
    assert env.err("AUTH", "x") == (
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?")
    env.ok("AUTH", "default", "whatever")


def test_named_users() -> None:
    env = Env(users=(("alice", "pw"),))
    assert env.err("AUTH", "alice", "bad").startswith("WRONGPASS")
    env.ok("AUTH", "alice", "pw")
    assert env.c.user == b"alice"


def test_quit_closes_after_reply() -> None:
    env = Env()
    env.ok("QUIT")
    assert env.c.conn.closing


def test_reset_clears_session_state() -> None:
    env = Env()
    c = env.c
    env("HELLO", "3", "SETNAME", "n")
    env.ok("SELECT", "2")
    env.ok("CLIENT", "NO-TOUCH", "on")
    env.ok("WATCH", "k")
    env.ok("MULTI")
    assert env("RESET") == Status(b"RESET")           # not queued inside MULTI
    assert (c.db, c.resp, c.name, c.multi, c.watched, c.no_touch) == (0, 2, b"", None, set(),
                                                                      False)
    env.ok("MONITOR")
    assert c in env.server.monitors
    env("RESET")
    assert not c.monitor and c not in env.server.monitors


def test_client_id_name_info_list() -> None:
    env = Env()
    other = env.client()
    assert env("CLIENT", "ID") == env.c.id
    assert env("CLIENT", "GETNAME") is None
    env.ok("CLIENT", "SETNAME", "worker-1")
    assert env("CLIENT", "GETNAME") == b"worker-1"
    assert env.err("CLIENT", "SETNAME", "a b") == \
        "ERR Client names cannot contain spaces, newlines or special characters."
    env.ok("CLIENT", "SETNAME", "")
    assert env("CLIENT", "GETNAME") is None
    env.ok("CLIENT", "SETINFO", "LIB-NAME", "redis-py")
    env.ok("CLIENT", "SETINFO", "lib-ver", "8.1.0")
    assert env.err("CLIENT", "SETINFO", "foo", "x") == "ERR Unrecognized option 'foo'"
    info = env("CLIENT", "INFO")
    assert isinstance(info, Verbatim) and info.endswith("\n")
    fields = dict(kv.split("=", 1) for kv in info.split())
    assert fields["id"] == str(env.c.id) and fields["lib-name"] == "redis-py"
    assert fields["lib-ver"] == "8.1.0" and fields["db"] == "0" and fields["flags"] == "N"
    assert fields["cmd"] == "client|info" and fields["multi"] == "-1"
    lines = env("CLIENT", "LIST").splitlines()
    assert len(lines) == 2
    assert env("CLIENT", "LIST", "ID", str(other.id)).startswith(f"id={other.id} ")
    assert env("CLIENT", "LIST", "TYPE", "normal").count("\n") == 2
    assert env("CLIENT", "LIST", "TYPE", "pubsub") == ""
    assert env.err("CLIENT", "LIST", "TYPE", "foo") == "ERR Unknown client type 'foo'"
    assert env.err("CLIENT", "LIST", "ID", "abc") == "ERR Invalid client ID"
    assert env.err("CLIENT", "LIST", "foo") == "ERR syntax error"


def test_client_kill() -> None:
    env = Env()
    a, b = env.client(), env.client()
    assert env.err("CLIENT", "KILL", "1.2.3.4:5") == "ERR No such client"
    env.ok("CLIENT", "KILL", a.addr)
    assert a.conn.killed and a.killed
    assert env("CLIENT", "KILL", "ID", str(b.id)) == 1
    assert b.conn.killed
    assert env("CLIENT", "KILL", "ID", "99999") == 0
    assert env.err("CLIENT", "KILL", "ID", "0") == "ERR client-id should be greater than 0"
    assert env.err("CLIENT", "KILL", "ID", "abc") == "ERR client-id should be greater than 0"
    assert env.err("CLIENT", "KILL", "foo", "bar") == "ERR syntax error"
    assert env.err("CLIENT", "KILL", "TYPE", "foo") == "ERR Unknown client type 'foo'"
    assert env.err("CLIENT", "KILL", "SKIPME", "maybe") == "ERR syntax error"
    assert env.err("CLIENT", "KILL", "USER", "nosuch") == "ERR No such user 'nosuch'"
    assert env("CLIENT", "KILL", "ADDR", env.c.addr) == 0          # SKIPME yes by default
    assert env("CLIENT", "KILL", "ADDR", env.c.addr, "SKIPME", "no") == 1
    assert env.c.conn.closing and not env.c.conn.killed           # self: after the reply


@pytest.mark.parametrize("args, err", [
    (("foo",), "ERR unknown subcommand 'foo'. Try CLIENT HELP."),
    (("maint_notifications", "on"),
     "ERR unknown subcommand 'maint_notifications'. Try CLIENT HELP."),
    (("setname",), "ERR wrong number of arguments for 'client|setname' command"),
    (("id", "x"), "ERR wrong number of arguments for 'client|id' command"),
    (("no-evict", "maybe"), "ERR syntax error"),
    (("reply", "foo"), "ERR syntax error"),
])
def test_client_errors(args: tuple, err: str) -> None:
    assert Env().err("CLIENT", *args) == err


def test_client_flags_accepted() -> None:
    env = Env()
    env.ok("CLIENT", "NO-EVICT", "on")
    env.ok("CLIENT", "NO-TOUCH", "on")
    assert env.c.no_touch
    env.ok("CLIENT", "REPLY", "ON")
    assert isinstance(env("CLIENT", "HELP"), list)


def test_no_touch_reads_count_but_do_not_bump() -> None:
    """Redis 7.2's lookupKey: NO-TOUCH skips the LRU/LFU update, hits and misses still count."""
    env = Env()
    env.ok("SET", "k", "v")
    stats = env.server.keyspace.stats
    env("GET", "k")
    hits = stats.keyspace_hits
    item = env.server.keyspace.peek(0, b"k")
    stamp = item.stamp
    env.ok("CLIENT", "NO-TOUCH", "on")
    assert env("GET", "k") == b"v"
    assert stats.keyspace_hits == hits + 1 and item.stamp == stamp


def test_hello_applies_options_in_order() -> None:
    """Redis 7.0: AUTH and SETNAME take effect as HELLO meets them; a later error keeps them."""
    env = Env(requirepass="pw")
    assert env.err("HELLO", "3", "AUTH", "nosuch", "pw", "SETNAME").startswith("WRONGPASS")
    assert env.err("HELLO", "3", "SETNAME", "early").startswith("NOAUTH HELLO must be called")
    assert env.c.name == b"early" and env.c.resp == 2
    assert env.err("HELLO", "2", "AUTH", "default", "pw", "SETNAME", "ok", "FOO") == \
        "ERR Syntax error in HELLO option 'FOO'"
    assert env.c.authenticated and env.c.name == b"ok"
