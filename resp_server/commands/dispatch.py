"""Command dispatch: lookup, arity, auth, MULTI queueing, OOM guard, then the handler.

`execute(client, argv)` is what the connection calls for every parsed request; it returns the
reply value (resp/replies.py) or None-as-null. `call(client, spec, argv)` runs one handler with
stats, slowlog and MONITOR feeding (after the handler; admin commands and admin subcommands are
not shown) and is also what EXEC uses for queued commands.
Errors are Redis's, to the letter (unknown command, wrong number of arguments, NOAUTH, OOM,
EXECABORT). In cluster mode (`server.cluster` set) every command is routed by commands/routing.route
after the no-MULTI check and before the OOM check and MULTI queueing, as in Redis's processCommand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.commands import registry
from resp_server.commands.args import ERROR_TEXT_ERRORS, SUBTABLES, arg_bytes, err_text
from resp_server.commands.call import (
    call,
    count_error,
    detached,
    materialize,
    release_unused,
    stat_name,
)
from resp_server.commands.pause import POSTPONED, filter_reply, must_wait
from resp_server.commands.protected import check_debug
from resp_server.commands.routing import route
from resp_server.commands.table import TABLE, CommandSpec
from resp_server.commands.transactions import discard_transaction
from resp_server.logsetup import failures
from resp_server.resp.replies import ERR_NOAUTH, ERR_OOM, QUEUED, RespError

if TYPE_CHECKING:
    from resp_server.client import ClientState

registry.install()
BIGVALUE_COMMANDS = frozenset(name for name, s in TABLE.items() if s.bigvalue)
"""Commands whose big value arguments are received into slab reservations (the `bigvalue` flag)."""
_MULTI_IMMEDIATE_NAMES = frozenset(("exec", "discard", "multi", "watch", "quit", "reset"))
"""Run at once inside MULTI, never queued."""
_OOM_EXEMPT_IN_MULTI = frozenset(("exec", "discard", "quit", "reset"))
"""Under OOM a client in MULTI gets every other command refused (queueing takes memory); EXEC
is refused only when it queued deny-oom commands (transactions.py)."""


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
        if spec.arity_ok(len(argv)) and not (
                spec.denyoom and client.server.keyspace.enforce_maxmemory()):
            cluster = client.server.cluster
            if cluster is None or route(cluster, client, spec, argv) is None:
                if client.server.pause.mode and must_wait(client, spec):
                    return POSTPONED
                return call(client, spec, argv, big)
    try:
        return _execute_checked(client, spec, argv, big)
    except RespError as e:
        return _rejected(client, spec, argv, big, detached(e))


def _rejected(client: ClientState, spec: CommandSpec | None, argv: list, big: bool,
              e: RespError) -> RespError:
    """Redis's rejectCommand: count it, flag a transaction in progress, and turn a rejected EXEC
    into EXECABORT (discarding the transaction)."""
    server = client.server
    count_error(server, e.msg)
    if e.msg.startswith("OOM"):
        failures.failure("OOM", client.addr, f"'{spec.name if spec else '?'}' refused, used "
                         f"memory over maxmemory {server.keyspace.maxmemory}")
    name = stat_name(spec, argv) if spec is not None else None
    if name is not None:
        server.stats.command(name).rejected_calls += 1
    if big and client.multi is None:
        release_unused(client, argv)
    if spec is not None and spec.name == "exec":
        discard_transaction(client)
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
    discard_transaction(client)
    count_error(client.server, e.msg)
    client.server.stats.command("exec").rejected_calls += 1
    return e


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
            materialized = materialize(argv)
            release_unused(client, argv)
            argv = materialized
        client.multi.append((spec, argv))  # type: ignore[union-attr]
        return QUEUED
    return call(client, spec, argv, big)


