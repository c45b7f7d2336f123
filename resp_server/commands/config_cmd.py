"""CONFIG GET / SET / RESETSTAT / REWRITE and the table of runtime parameters.

Each parameter is a `Param`: its redis.conf name, a getter returning the text CONFIG GET shows,
and a `Kind` that parses and validates CONFIG SET's text with Redis's error wording; `apply` is
None for immutable parameters. CONFIG SET validates every pair before applying any (Redis's
all-or-nothing). Persistence parameters exist only so tools that read them work: `save` is
always "" and `appendonly` always "no" (redis-benchmark reads both).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from resp_server.commands import latency
from resp_server.commands.args import INT_MAX, LLONG_MAX, SubTable, err_text, help_reply, text
from resp_server.commands.glob import matcher
from resp_server.config import POLICIES, OutputLimit, parse_output_limits, parse_size
from resp_server.resp.replies import ERR_SYNTAX, OK, RespError

if TYPE_CHECKING:
    from resp_server.client import ClientState
    from resp_server.state import ServerState

HZ_MIN, HZ_MAX = 1, 500      # Redis clamps hz into this range (server.h CONFIG_MIN_HZ/MAX_HZ)
MIB = 1024 * 1024


class Kind:
    """How a parameter's CONFIG SET text is parsed; raises ValueError with Redis's wording."""

    def parse(self, raw: str) -> object:
        return raw


@dataclass(frozen=True)
class IntKind(Kind):
    lo: int
    hi: int

    def parse(self, raw: str) -> int:
        try:
            v = int(raw, 10)
        except ValueError:
            raise ValueError("argument couldn't be parsed into an integer") from None
        if not self.lo <= v <= self.hi:
            raise ValueError(f"argument must be between {self.lo} and {self.hi} inclusive")
        return v


@dataclass(frozen=True)
class MemKind(Kind):
    lo: int = 0
    hi: int = LLONG_MAX

    def parse(self, raw: str) -> int:
        try:
            v = parse_size(raw.strip().lower())
        except ValueError:
            raise ValueError("argument must be a memory value") from None
        if not self.lo <= v <= self.hi:
            raise ValueError(f"argument must be between {self.lo} and {self.hi} inclusive")
        return v


@dataclass(frozen=True)
class EnumKind(Kind):
    values: tuple[str, ...]

    def parse(self, raw: str) -> str:
        v = raw.lower()
        if v not in self.values:
            raise ValueError("argument(s) must be one of the following: " + ", ".join(self.values))
        return v


class BoolKind(Kind):
    def parse(self, raw: str) -> bool:
        v = raw.lower()
        if v not in ("yes", "no"):
            raise ValueError("argument must be 'yes' or 'no'")
        return v == "yes"


Getter = Callable[["ServerState"], str]
Setter = Callable[["ServerState", object], None]


@dataclass(frozen=True)
class Param:
    name: str
    get: Getter
    kind: Kind = Kind()
    apply: Setter | None = None          # None: immutable


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


def _noop(s: ServerState, v: object) -> None:
    """Accepted for compatibility; the setting has no effect here."""


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
    Param("maxmemory-clients", _const("0"), MemKind(), _noop),
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
                                                   "nothing")), _set_attr("loglevel")),
    Param("save", _const(""), Kind(), _noop),
    Param("appendonly", _const("no"), BoolKind(), _set_appendonly),
    Param("appendfsync", _const("everysec"), EnumKind(("always", "everysec", "no")), _noop),
    Param("dir", lambda s: os.getcwd()),
    Param("dbfilename", _const("dump.rdb")),
    Param("daemonize", _const("no")),
    Param("supervised", _const("no")),
    Param("port", _attr("port")),
    Param("bind", lambda s: " ".join(s.config.bind)),
    Param("unixsocket", lambda s: s.config.unixsocket),
    Param("tls-port", lambda s: str(s.config.tls_port)),
    Param("protected-mode", lambda s: _yesno(s.config.protected_mode)),
    Param("databases", _store("databases")),
    Param("tcp-backlog", _const("511")),
    Param("tcp-keepalive", _const("300")),
    Param("io-threads", _const("1")),
    Param("cluster-enabled", _const("no")),
    Param("replica-read-only", _const("yes")),
    Param("notify-keyspace-events", _const(""), Kind(), _noop),
    Param("lazyfree-lazy-eviction", _const("no"), BoolKind(), _noop),
    Param("lazyfree-lazy-expire", _const("no"), BoolKind(), _noop),
    Param("lazyfree-lazy-server-del", _const("no"), BoolKind(), _noop),
    Param("lazyfree-lazy-user-del", _const("no"), BoolKind(), _noop),
    Param("lazyfree-lazy-user-flush", _const("no"), BoolKind(), _noop),
    Param("activedefrag", _const("no"), BoolKind(), _noop),
    Param("active-expire-effort", _const("1"), IntKind(1, 10), _noop),
    Param("lfu-log-factor", _const("10"), IntKind(0, INT_MAX), _noop),
    Param("lfu-decay-time", _const("1"), IntKind(0, INT_MAX), _noop),
    Param("latency-tracking", lambda s: _yesno(latency.tracker(s) is not None), BoolKind(),
          latency.set_tracking),
    Param("latency-tracking-info-percentiles",
          _const(" ".join(f"{p:g}" for p in latency.PERCENTILES))),
    Param("latency-monitor-threshold", _const("0"), IntKind(0, LLONG_MAX), _noop),
    Param("enable-debug-command", _const("yes")),
    Param("slab-page-size", _store("slab_page_size")),
    Param("slab-growth-factor", _store("slab_growth_factor")),
    Param("slab-min-chunk", _store("slab_min_chunk")),
    Param("slab-sizes", lambda s: ",".join(str(x) for x in s.config.store.slab_sizes)),
    Param("prealloc", lambda s: _yesno(s.config.store.prealloc)),
]
BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}


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
        if p.apply is None:
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
    latency.reset(s)
    return OK


def config_rewrite(c: ClientState, argv: list) -> object:
    raise RespError("ERR The server is running without a config file")


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
    "rewrite": (config_rewrite, 2),
    "help": (lambda c, argv: help_reply("config", _HELP), 2),
})


def config(c: ClientState, argv: list) -> object:
    return CONFIG(c, argv)

