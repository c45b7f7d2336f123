"""CONFIG GET / SET / RESETSTAT / REWRITE and the table of runtime parameters.

Each parameter is a `Param`: its redis.conf name, a getter returning the text CONFIG GET shows,
and a `Kind` that parses and validates CONFIG SET's text with Redis's error wording; `apply` is
None for immutable parameters. CONFIG SET validates every pair before applying any (Redis's
all-or-nothing). Persistence parameters exist only so tools that read them work: `save` is
always "" and `appendonly` always "no" (redis-benchmark reads both).
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING

from resp_server import logsetup
from resp_server.commands import latency
from resp_server.commands.args import INT_MAX, SubTable, err_text, help_reply, text
from resp_server.commands.cluster import cluster_params
from resp_server.commands.config_rewrite import config_rewrite
from resp_server.commands.glob import matcher
from resp_server.conffile import FloatKind, SizeListKind, WordsKind
from resp_server.config import POLICIES, OutputLimit, parse_output_limits
from resp_server.kinds import (
    BoolKind,
    EnumKind,
    EventsKind,
    Getter,
    IntKind,
    Kind,
    MemKind,
    Param,
    PercentMemKind,
    Setter,
)
from resp_server.resp.numbers import LLONG_MAX
from resp_server.resp.replies import ERR_SYNTAX, OK, RespError

if TYPE_CHECKING:
    from resp_server.client import ClientState
    from resp_server.state import ServerState

HZ_MIN, HZ_MAX = 1, 500      # Redis clamps hz into this range (server.h CONFIG_MIN_HZ/MAX_HZ)
MIB = 1024 * 1024
ERR_PORT = "Unable to listen on this port. Check server logs."


def _const(value: str) -> Getter:
    return lambda s: value


def _attr(name: str) -> Getter:
    return lambda s: str(getattr(s, name))


def _set_attr(name: str) -> Setter:
    return lambda s, v: setattr(s, name, v)


def _yesno(flag: bool) -> str:
    return "yes" if flag else "no"


def _policy(s: ServerState) -> str:
    return s.keyspace.policy


def _set_policy(s: ServerState, v: object) -> None:
    s.keyspace.set_policy(v)


def _set_maxmemory(s: ServerState, v: object) -> None:
    s.keyspace.set_maxmemory(v)


def _set_slowlog_len(s: ServerState, v: object) -> None:
    s.slowlog.resize(int(v))


def _set_hz(s: ServerState, v: object) -> None:
    s.hz = min(max(int(v), HZ_MIN), HZ_MAX)


def _set_appendonly(s: ServerState, v: object) -> None:
    if v:
        raise ValueError("persistence is not supported by this server")


def _set_port(s: ServerState, v: object) -> None:
    if int(v) == s.port or s.ops.relisten is None:       # type: ignore[call-overload]
        return
    try:
        s.ops.relisten(int(v))                           # type: ignore[call-overload]
    except OSError:
        logsetup.log.warning("Failed applying new configuration. Possibly related to new port "
                             "setting. Restoring previous settings.")
        raise ValueError(ERR_PORT) from None


def _set_loglevel(s: ServerState, v: object) -> None:
    s.loglevel = str(v)
    logsetup.set_level(str(v))


def _set_ops(name: str) -> Setter:
    return lambda s, v: setattr(s.ops, name, v)


def _ops(name: str) -> Getter:
    return lambda s: str(getattr(s.ops, name))


def _keyspace(name: str) -> Getter:
    return lambda s: str(getattr(s.keyspace, name))


def _set_keyspace(name: str) -> Setter:
    return lambda s, v: setattr(s.keyspace, name, int(v))       # type: ignore[call-overload]


def _noop(s: ServerState, v: object) -> None:
    """Accepted for compatibility; the setting has no effect here."""


class PercentilesKind(Kind):
    """latency-tracking-info-percentiles: numbers between 0 and 100, single-space separated."""

    def parse(self, raw: str) -> tuple[float, ...]:
        return latency.parse_percentiles(raw)      # Redis's errors (commands/latency.py)


class OutputLimitKind(Kind):
    """client-output-buffer-limit: the classes named and their new limits (validated whole)."""

    def parse(self, raw: str) -> dict[str, OutputLimit]:
        return parse_output_limits(raw)


def _set_obl(s: ServerState, v: object) -> None:
    s.client_output_buffer_limit = replace(s.client_output_buffer_limit, **v)


def _store(field: str) -> Getter:
    return lambda s: str(getattr(s.config.store, field))


PARAMS: list[Param] = [
    Param("maxmemory", lambda s: str(s.keyspace.maxmemory), MemKind(), _set_maxmemory),
    Param("maxmemory-policy", _policy, EnumKind(POLICIES), _set_policy),
    Param("maxmemory-samples", _const("5"), IntKind(1, INT_MAX), _noop),
    Param("maxmemory-eviction-tenacity", _const("10"), IntKind(0, 100), _noop),
    Param("maxmemory-clients", _ops("maxmemory_clients"), PercentMemKind(),
          _set_ops("maxmemory_clients")),
    Param("requirepass", _attr("requirepass"), Kind(), _set_attr("requirepass")),
    Param("timeout", _attr("timeout"), IntKind(0, INT_MAX), _set_attr("timeout")),
    Param("maxclients", _attr("maxclients"), IntKind(1, INT_MAX), _set_attr("maxclients")),
    Param("slowlog-log-slower-than", _attr("slowlog_log_slower_than"), IntKind(-1, LLONG_MAX),
          _set_attr("slowlog_log_slower_than")),
    Param("slowlog-max-len", lambda s: str(s.slowlog.max_len), IntKind(0, LLONG_MAX),
          _set_slowlog_len),
    Param("proto-max-bulk-len", _attr("proto_max_bulk_len"), MemKind(MIB),
          _set_attr("proto_max_bulk_len")),
    Param("client-query-buffer-limit", _attr("client_query_buffer_limit"), MemKind(MIB),
          _set_attr("client_query_buffer_limit")),
    Param("client-output-buffer-limit", _attr("client_output_buffer_limit"), OutputLimitKind(),
          _set_obl),
    Param("hz", _attr("hz"), IntKind(0, INT_MAX), _set_hz),
    Param("loglevel", _attr("loglevel"), EnumKind(("debug", "verbose", "notice", "warning",
                                                   "nothing")), _set_loglevel),
    Param("save", _const(""), Kind(), _noop),
    Param("appendonly", _const("no"), BoolKind(), _set_appendonly),
    Param("appendfsync", _const("everysec"), EnumKind(("always", "everysec", "no")), _noop),
    Param("dir", lambda s: os.getcwd()),
    Param("dbfilename", _const("dump.rdb")),
    Param("logfile", lambda s: s.config.logfile),
    Param("pidfile", lambda s: s.config.pidfile),
    Param("daemonize", lambda s: _yesno(s.config.daemonize)),
    Param("supervised", _const("no")),
    Param("port", lambda s: str(s.port), IntKind(0, 65535), _set_port),
    Param("bind", lambda s: " ".join(s.config.bind), WordsKind(), same_ok=True),
    Param("unixsocket", lambda s: s.config.unixsocket),
    Param("tls-port", lambda s: str(s.config.tls_port), IntKind(0, 65535), same_ok=True),
    Param("protected-mode", lambda s: _yesno(s.config.protected_mode), BoolKind(), same_ok=True),
    Param("databases", _store("databases")),
    Param("tcp-backlog", _const("511")),
    Param("tcp-keepalive", _const("300"), IntKind(0, INT_MAX), same_ok=True),
    Param("io-threads", _const("1")),
    *cluster_params(),
    Param("replica-read-only", _const("yes"), BoolKind(), same_ok=True),
    Param("notify-keyspace-events", _ops("notify_keyspace_events"), EventsKind(),
          _set_ops("notify_keyspace_events")),
    Param("lazyfree-lazy-eviction", _const("no"), BoolKind(), _noop),
    Param("lazyfree-lazy-expire", _const("no"), BoolKind(), _noop),
    Param("lazyfree-lazy-server-del", _const("no"), BoolKind(), _noop),
    Param("lazyfree-lazy-user-del", _const("no"), BoolKind(), _noop),
    Param("lazyfree-lazy-user-flush", _const("no"), BoolKind(), _noop),
    Param("activedefrag", _const("no"), BoolKind(), _noop),
    Param("active-expire-effort", _const("1"), IntKind(1, 10), _noop),
    Param("pipeline-chains", lambda s: _yesno(s.keyspace.pipeline_chains), BoolKind(),
          lambda s, v: setattr(s.keyspace, "pipeline_chains", bool(v))),
    Param("lfu-log-factor", _keyspace("lfu_log_factor"), IntKind(0, INT_MAX),
          _set_keyspace("lfu_log_factor")),
    Param("lfu-decay-time", _keyspace("lfu_decay_time"), IntKind(0, INT_MAX),
          _set_keyspace("lfu_decay_time")),
    Param("latency-tracking", lambda s: _yesno(s.latency.tracking), BoolKind(),
          latency.set_tracking),
    Param("latency-tracking-info-percentiles", latency.get_percentiles, PercentilesKind(),
          latency.set_percentiles),
    Param("latency-monitor-threshold", lambda s: str(s.latency.threshold_ms),
          IntKind(0, LLONG_MAX), latency.set_threshold),
    Param("enable-debug-command", _ops("debug_command")),
    Param("slab-page-size", _store("slab_page_size"), MemKind(), same_ok=True),
    Param("slab-growth-factor", _store("slab_growth_factor"), FloatKind(), same_ok=True),
    Param("slab-min-chunk", _store("slab_min_chunk"), MemKind(), same_ok=True),
    Param("slab-sizes", lambda s: ",".join(str(x) for x in s.config.store.slab_sizes),
          SizeListKind(), same_ok=True),
    Param("prealloc", lambda s: _yesno(s.config.store.prealloc), BoolKind(), same_ok=True),
    Param("memory-file", _store("memory_file"), Kind(), same_ok=True),   # mapped at start
]
BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}
GETTERS = {p.name: p.get for p in PARAMS}


def config_get(c: ClientState, argv: list) -> object:
    """CONFIG GET pattern [pattern ...]: a map name -> value (case-insensitive globs)."""
    out: dict[str, str] = {}
    seen: set[str] = set()      # Redis's matches dict compares names case-insensitively
    for raw in argv[2:]:
        pattern = bytes(raw)
        if not any(ch in pattern for ch in b"[*?"):
            name = text(pattern)
            p = BY_NAME.get(name.lower())
            if p is not None and name.lower() not in seen:
                seen.add(name.lower())
                out[name] = p.get(c.server)     # keyed as asked ("MAXMEMORY")
            continue
        match = matcher(pattern, nocase=True)
        for p in PARAMS:
            if p.name not in seen and match(p.name.encode()):
                seen.add(p.name)
                out[p.name] = p.get(c.server)
    return out


def _set_error(name: str, why: str) -> RespError:
    return RespError(f"ERR CONFIG SET failed (possibly related to argument '{name}') - {why}")


def config_set(c: ClientState, argv: list) -> object:
    """CONFIG SET parameter value [parameter value ...]: all validated, then all applied.

    As configSetCommand: first every name (unknown, immutable, duplicate: the first problem in
    argument order, named as typed), then every value in order (named canonically), then apply.
    """
    if len(argv) % 2:  # an odd pair count (fewer than 4 arguments fail the arity check first)
        raise RespError(ERR_SYNTAX)
    params: list[Param] = []
    for i in range(2, len(argv), 2):
        typed = err_text(argv[i])            # echoed as Redis's %s prints it
        p = BY_NAME.get(text(argv[i]).lower())
        if p is None:
            raise RespError(f"ERR Unknown option or number of arguments for CONFIG SET - "
                            f"'{typed}'")
        if p.apply is None and not p.same_ok:
            raise _set_error(typed, "can't set immutable config")
        if p in params:
            raise _set_error(typed, "duplicate parameter")
        params.append(p)
    parsed: list[tuple[Param, object]] = []
    for p, raw in zip(params, argv[3::2], strict=True):
        try:
            parsed.append((p, p.kind.parse(text(raw))))
        except ValueError as e:
            raise _set_error(p.name, str(e)) from None
    for p, value in parsed:
        if p.apply is None:
            if value != p.kind.parse(p.get(c.server)):
                raise _set_error(p.name, "can't set immutable config")
            continue
        try:
            p.apply(c.server, value)
        except ValueError as e:
            raise _set_error(p.name, str(e)) from None
    return OK


def config_resetstat(c: ClientState, argv: list) -> object:
    """CONFIG RESETSTAT: counters of INFO stats/commandstats (and the store's) back to zero."""
    s = c.server
    s.stats.reset()
    s.keyspace.stats.reset()
    return OK


_HELP = [
    "GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
    "RESETSTAT", "    Reset statistics reported by the INFO command.",
    "REWRITE", "    Rewrite the configuration file.",
]

CONFIG = SubTable("config", {
    "get": (config_get, -3),
    "set": (config_set, -4),
    "resetstat": (config_resetstat, 2),
    "rewrite": (lambda c, argv: config_rewrite(c, GETTERS), 2),
    "help": (lambda c, argv: help_reply("config", _HELP), 2),
})


def config(c: ClientState, argv: list) -> object:
    return CONFIG(c, argv)

