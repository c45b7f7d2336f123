"""Command dispatch: lookup, arity, auth, MULTI queueing, OOM guard, then the handler.

`execute(client, argv)` is what the connection calls for every parsed request; it returns the
reply value (resp/replies.py) or None-as-null. `call(client, spec, argv)` runs one handler with
stats, slowlog and MONITOR feeding (after the handler; admin commands and admin subcommands are
not shown) and is also what EXEC uses for queued commands.
Errors are Redis's, to the letter (unknown command, wrong number of arguments, NOAUTH, OOM,
EXECABORT). In cluster mode (`server.cluster` set) every command is routed by cluster.router.route
after the no-MULTI check and before the OOM check and MULTI queueing, as in Redis's processCommand.
"""

from __future__ import annotations

from time import perf_counter_ns
from typing import TYPE_CHECKING

from resp_server.cluster.router import route
from resp_server.commands.args import ERROR_TEXT_ERRORS, SUBTABLES, arg_bytes, as_bytes, err_text
from resp_server.commands.docs import doc_of
from resp_server.commands.monitor import monitor_args, monitor_line
from resp_server.commands.pause import POSTPONED, filter_reply, must_wait
from resp_server.commands.protected import check_debug
from resp_server.commands.table import CommandSpec, build_table
from resp_server.logsetup import failures
from resp_server.resp.parser import DiscardSink
from resp_server.resp.replies import ERR_NOAUTH, ERR_OOM, QUEUED, RespError

if TYPE_CHECKING:
    from resp_server.client import ClientState

TABLE: dict[bytes, CommandSpec] = build_table()
BIGVALUE_COMMANDS = frozenset(name for name, s in TABLE.items() if s.bigvalue)
"""Commands whose big value arguments are received into slab reservations (the `bigvalue` flag)."""
_MULTI_IMMEDIATE_NAMES = frozenset(("exec", "discard", "multi", "watch", "quit", "reset"))
"""Run at once inside MULTI, never queued."""
_OOM_EXEMPT_IN_MULTI = frozenset(("exec", "discard", "quit", "reset"))
"""Under OOM a client in MULTI gets every other command refused (queueing takes memory); EXEC
is refused only when it queued deny-oom commands (transactions.py)."""


def lookup(name: bytes) -> CommandSpec | None:
    spec = TABLE.get(name)
    if spec is None:
        spec = TABLE.get(bytes(name).lower())
    return spec


def _unknown(argv: list) -> RespError:
    """Redis 7's text: each argument quoted and followed by a space while the list is under 128
    bytes, each cut to what is left of them (and at a NUL byte, as C's %.*s)."""
    args = b""
    for a in argv[1:]:
        if len(args) >= 128:
            break
        args += b"'" + arg_bytes(a, 128 - len(args)) + b"' "
    return RespError(f"ERR unknown command '{err_text(argv[0], 128)}', with args beginning "
                     f"with: {args.decode('utf-8', ERROR_TEXT_ERRORS)}")


def _materialize(argv: list) -> list:
    """Turn store Reservations (big arguments) into bytes for commands that do not adopt them."""
    return [as_bytes(a) for a in argv]


def _release_unused(client: ClientState, argv: list) -> None:
    ks = client.server.keyspace
    for a in argv:
        if type(a) is not bytes and hasattr(a, "views") and not getattr(a, "consumed", False):
            ks.release(a)


def execute(client: ClientState, argv: list, big: bool = False) -> object:
    """Run one request (or queue it inside MULTI) and return its reply: POSTPONED when CLIENT
    PAUSE holds it (the connection runs it again later), NO_REPLY under CLIENT REPLY OFF/SKIP.

    `big` is True when argv may hold non-bytes big arguments (Reservations, bytearrays)."""
    reply = _dispatch(client, argv, big)
    if client.reply_mode and reply is not POSTPONED:
        return filter_reply(client, reply)
    return reply


def _dispatch(client: ClientState, argv: list, big: bool) -> object:
    name = argv[0]
    spec = TABLE.get(name) if type(name) is bytes else None
    if spec is None and type(name) is bytes:
        spec = TABLE.get(name.lower())
    if spec is not None and client.multi is None and client.authenticated and not spec.container:
        a, n = spec.arity, len(argv)
        if (n == a if a >= 0 else n >= -a) and not (
                spec.denyoom and client.server.keyspace.enforce_maxmemory()):
            cluster = client.server.cluster
            if cluster is None or route(cluster, client, spec, argv) is None:
                if client.server.pause.mode and must_wait(client, spec):
                    return POSTPONED
                return call(client, spec, argv, big)
    try:
        return _execute_checked(client, spec, argv, big)
    except RespError as e:
        return _rejected(client, spec, argv, big, _detached(e))


def _rejected(client: ClientState, spec: CommandSpec | None, argv: list, big: bool,
              e: RespError) -> RespError:
    """Redis's rejectCommand: count it, flag a transaction in progress, and turn a rejected EXEC
    into EXECABORT (discarding the transaction)."""
    server = client.server
    count_error(server, e.msg)
    if e.msg.startswith("OOM"):
        failures.failure("OOM", client.addr, f"'{spec.name if spec else '?'}' refused, used "
                         f"memory over maxmemory {server.keyspace.maxmemory}")
    name = _stat_name(spec, argv) if spec is not None else None
    if name is not None:
        server.stats.command(name).rejected_calls += 1
    if big and client.multi is None:
        _release_unused(client, argv)
    if spec is not None and spec.name == "exec":
        discard_multi(client)
        reason = e.msg[4:] if e.msg.startswith("ERR ") else e.msg   # -OOM, -NOAUTH kept
        return RespError(f"EXECABORT Transaction discarded because of: {reason}")
    if client.multi is not None:
        client.multi_error = True
    return e


def _redirected(client: ClientState, spec: CommandSpec, argv: list, big: bool,
                e: RespError) -> RespError:
    """Cluster mode sends the command elsewhere (MOVED, CROSSSLOT...): rejected like any error,
    except that EXEC answers the redirection itself and discards the transaction (Redis)."""
    if spec.name != "exec":
        return _rejected(client, spec, argv, big, e)
    discard_multi(client)
    count_error(client.server, e.msg)
    client.server.stats.command("exec").rejected_calls += 1
    return e


def _detached(e: RespError) -> RespError:
    """The error without its traceback and context: those keep the handler's frames - and a
    refused value's buffer - alive until the garbage collector runs."""
    e.__traceback__ = None
    e.__context__ = None
    e.__cause__ = None
    return e


def discard_multi(client: ClientState) -> None:
    if client.multi:
        for _, queued in client.multi:
            _release_unused(client, queued)
    client.multi = None
    client.multi_error = False
    client.server.unwatch_all(client)


def count_error(server, msg: str) -> None:
    """INFO errorstats / total_error_replies: errors counted by their code (first word)."""
    stats = server.stats
    stats.total_error_replies += 1
    code = msg.split(" ", 1)[0] if msg else "ERR"
    errors = stats.errors
    errors[code] = errors.get(code, 0) + 1


def _execute_checked(client: ClientState, spec: CommandSpec | None, argv: list, big: bool) -> object:
    """The slow path: every check that can fail, with Redis's error for each."""
    if spec is None:
        raise _unknown(argv)
    if not spec.arity_ok(len(argv)):
        raise RespError(f"ERR wrong number of arguments for '{spec.name}' command")
    if spec.container and len(argv) > 1:
        SUBTABLES[spec.name].check(argv)
    if spec.name == "debug":
        check_debug(client)          # Redis checks protected commands before authentication
    if not client.authenticated and "noauth" not in spec.flags:
        raise RespError(ERR_NOAUTH)
    in_multi = client.multi is not None
    if in_multi and "nomulti" in spec.flags:
        raise RespError("ERR Command not allowed inside a transaction")
    cluster = client.server.cluster
    if cluster is not None:
        redirect = route(cluster, client, spec, argv)
        if redirect is not None:
            return _redirected(client, spec, argv, big, redirect)
    if (spec.denyoom or (in_multi and (spec.name not in _OOM_EXEMPT_IN_MULTI or (
            spec.name == "exec" and any(s.denyoom for s, _ in client.multi))))) and \
            client.server.keyspace.enforce_maxmemory():
        raise RespError(ERR_OOM)   # EXEC: answered EXECABORT ... because of: OOM (_rejected)
    if client.server.pause.mode and must_wait(client, spec):
        return POSTPONED
    if in_multi and spec.name not in _MULTI_IMMEDIATE_NAMES:
        if big and not spec.bigvalue:
            materialized = _materialize(argv)
            _release_unused(client, argv)
            argv = materialized
        client.multi.append((spec, argv))  # type: ignore[union-attr]
        return QUEUED
    return call(client, spec, argv, big)


def _stat_name(spec: CommandSpec, argv: list) -> str | None:
    """The commandstats name: `parent|sub` for a container (None for an unknown subcommand)."""
    if not spec.container or len(argv) < 2:
        return spec.name
    return SUBTABLES[spec.name].full_name(argv)


def call(client: ClientState, spec: CommandSpec, argv: list, big: bool | None = None) -> object:
    """Run a handler: MONITOR feed, timing, commandstats, slowlog; release unused big args."""
    server = client.server
    shown = monitor_args(spec, argv) if server.monitors else None
    if big is None:
        big = any(type(a) is not bytes for a in argv)
    if big and any(type(a) is DiscardSink for a in argv):
        _release_unused(client, argv)
        reply = RespError(ERR_OOM)   # a big value that got no memory was received and dropped
        count_error(server, reply.msg)
        failures.failure("OOM", client.addr, f"'{spec.name}' refused, no memory for its value "
                         f"under maxmemory {server.keyspace.maxmemory}")
        return reply
    if big and not spec.bigvalue:
        materialized = _materialize(argv)
        _release_unused(client, argv)
        argv = materialized
        big = False
    t0 = perf_counter_ns()
    try:
        reply = spec.handler(client, argv)
    except RespError as e:
        reply = _detached(e)
    finally:
        if big:
            _release_unused(client, argv)
    usec = (perf_counter_ns() - t0) // 1000
    stats = server.stats
    name, bname = spec.name, spec.bname
    if spec.container:
        name = _stat_name(spec, argv) or name
        bname = name.encode()
    st = stats.commands.get(name)
    if st is None:
        st = stats.command(name)
    st.calls += 1
    st.usec += usec
    stats.total_commands_processed += 1
    client.last_cmd = bname
    lat = server.latency
    if lat.tracking:
        hist = st.hist
        hist[usec] = hist.get(usec, 0) + 1
    if usec >= lat.alert_usec:
        lat.sample(_event(spec, name), usec // 1000)
    if type(reply) is RespError:
        st.failed_calls += 1
        count_error(server, reply.msg)
    if usec >= server.slowlog_log_slower_than >= 0 and "skip_slowlog" not in spec.flags:
        server.slowlog.add(argv, usec, client.addr, client.name)   # not EXEC: its commands are
    if shown is not None:
        _feed_monitors(client, shown)
    return reply


def _event(spec: CommandSpec, name: str) -> str:
    """The latency monitor's event for a command: fast-command when it is flagged fast."""
    flags = spec.flags if name == spec.name else doc_of(name).flags.split()
    return "fast-command" if "fast" in flags else "command"


def _feed_monitors(client: ClientState, shown: bytes) -> None:
    """Like Redis 7, after the command ran (SELECT shows the new db; EXEC follows its commands)."""
    line = monitor_line(client, shown)
    for m in list(client.server.monitors):
        if m is not client and m.conn is not None:
            m.conn.deliver(line)
