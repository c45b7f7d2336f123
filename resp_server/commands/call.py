"""Running one command: `call(client, spec, argv)`, Redis's call().

Everything a command run does around its handler, for the dispatcher and for EXEC's queued
commands alike: turn big arguments (store Reservations) into bytes for handlers that do not adopt
them, time the handler, count commandstats and errorstats, feed the latency monitor, SLOWLOG
(unless the spec is flagged skip_slowlog: EXEC, whose commands are logged themselves) and
MONITOR, and give back every reservation the handler left unused (`release_unused`, the one
place that does). The checks that can refuse a command (arity, auth, OOM, MULTI, cluster) are
the dispatcher's; this module assumes they passed.
"""

from __future__ import annotations

from time import perf_counter_ns
from typing import TYPE_CHECKING

from resp_server.commands.args import SUBTABLES, as_bytes
from resp_server.commands.docs import doc_of
from resp_server.commands.monitor import monitor_args, monitor_line
from resp_server.logsetup import failures
from resp_server.resp.parser import DiscardSink
from resp_server.resp.replies import ERR_OOM, RespError

if TYPE_CHECKING:
    from resp_server.client import ClientState
    from resp_server.commands.table import CommandSpec


def materialize(argv: list) -> list:
    """Turn store Reservations (big arguments) into bytes for commands that do not adopt them."""
    return [as_bytes(a) for a in argv]


def release_unused(client: ClientState, argv: list) -> None:
    """Give back the big-argument reservations in argv that nothing stored (release is
    idempotent: stored or already released ones are skipped by the keyspace)."""
    ks = client.server.keyspace
    for a in argv:
        if type(a) is not bytes and hasattr(a, "views"):
            ks.release(a)


def detached(e: RespError) -> RespError:
    """The error without its traceback and context: those keep the handler's frames - and a
    refused value's buffer - alive until the garbage collector runs."""
    e.__traceback__ = None
    e.__context__ = None
    e.__cause__ = None
    return e


def count_error(server, msg: str) -> None:
    """INFO errorstats / total_error_replies: errors counted by their code (first word)."""
    stats = server.stats
    stats.total_error_replies += 1
    code = msg.split(" ", 1)[0] if msg else "ERR"
    errors = stats.errors
    errors[code] = errors.get(code, 0) + 1


def stat_name(spec: CommandSpec, argv: list) -> str | None:
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
        release_unused(client, argv)
        reply = RespError(ERR_OOM)   # a big value that got no memory was received and dropped
        count_error(server, reply.msg)
        failures.failure("OOM", client.addr, f"'{spec.name}' refused, no memory for its value "
                         f"under maxmemory {server.keyspace.maxmemory}")
        return reply
    if big and not spec.bigvalue:
        materialized = materialize(argv)
        release_unused(client, argv)
        argv = materialized
        big = False
    t0 = perf_counter_ns()
    try:
        reply = spec.handler(client, argv)
    except RespError as e:
        reply = detached(e)
    finally:
        if big:
            release_unused(client, argv)
    usec = (perf_counter_ns() - t0) // 1000
    stats = server.stats
    name, bname = spec.name, spec.bname
    if spec.container:
        name = stat_name(spec, argv) or name
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
