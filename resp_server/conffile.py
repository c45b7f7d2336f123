"""redis.conf and command-line reading, as redis-server 7.0 does it.

The text parsed is the config file's, a newline, then the command-line options one per line
(`--port 6380` becomes the line `port "6380"`), so an error names the line of that text exactly
as Redis's `*** FATAL CONFIG FILE ERROR ***` does, with Redis's wording for each value kind.
Lines apply in order, a later one wins; `dir` changes directory at once (later relative paths
are relative to it), as Redis. Directives that make no sense here are accepted: those that ask
for a feature (`appendonly yes`, `save 900 1`, `io-threads 4`) are listed in
`ServerConfig.no_effect` for a start-up warning each; tuning knobs of absent features are
accepted silently. Any other unknown name is fatal, as in Redis.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from resp_server import memlimit
from resp_server.config import (
    POLICIES,
    SERVER_FIELDS,
    STORE_FIELDS,
    OutputLimits,
    ServerConfig,
    StoreConfig,
    parse_size_list,
)
from resp_server.kinds import (
    INT_MAX,
    LLONG_MAX,
    MIB,
    BoolKind,
    EnumKind,
    EventsKind,
    IntKind,
    Kind,
    MemKind,
    PercentMemKind,
)
from resp_server.splitargs import quote, split_args

ERR_BAD = "Bad directive or wrong number of arguments"


class ConfigError(ValueError):
    """A fatal configuration error; `report()` is what redis-server prints for it."""

    def __init__(self, msg: str, lineno: int = 0, line: str = "", plain: bool = False) -> None:
        super().__init__(msg)
        self.msg, self.lineno, self.line, self.plain = msg, lineno, line, plain

    def report(self, version: str) -> str:
        if self.plain:                 # Redis logs these as one line, without the banner
            return self.msg
        head = f"\n*** FATAL CONFIG FILE ERROR ({version}) ***\n"
        if not self.lineno:
            return head + self.msg
        return head + (f"Reading the configuration file, at line {self.lineno}\n"
                       f">>> '{self.line}'\n{self.msg}")


class WordsKind(Kind):
    def parse(self, raw: str) -> tuple[str, ...]:
        return tuple(raw.split())


class FloatKind(Kind):
    quoted = False

    def parse(self, raw: str) -> float:
        try:
            return float(raw)
        except ValueError:
            raise ValueError("argument couldn't be parsed into a number") from None


class SizeListKind(Kind):
    def parse(self, raw: str) -> tuple[int, ...]:
        try:
            return parse_size_list(raw)
        except ValueError:
            raise ValueError("argument must be a list of memory values") from None


class OutputLimitLineKind(Kind):
    """Applied to the value so far by `build`: each line sets the classes it names."""


@dataclass(frozen=True)
class Directive:
    field: str
    kind: Kind
    arity: int = 1          # exact number of values; -1: any number (joined with spaces)


_MEM_1MB = MemKind(MIB)
DIRECTIVES: dict[str, Directive] = {
    "port": Directive("port", IntKind(0, 65535)),
    "tls-port": Directive("tls_port", IntKind(0, 65535)),
    "bind": Directive("bind", WordsKind(), -1),
    "unixsocket": Directive("unixsocket", Kind()),
    "requirepass": Directive("requirepass", Kind()),
    "protected-mode": Directive("protected_mode", BoolKind()),
    "loglevel": Directive("loglevel", EnumKind(("debug", "verbose", "notice", "warning",
                                                "nothing"))),
    "logfile": Directive("logfile", Kind()),
    "pidfile": Directive("pidfile", Kind()),
    "daemonize": Directive("daemonize", BoolKind()),
    "maxclients": Directive("maxclients", IntKind(1, INT_MAX)),
    "timeout": Directive("timeout", IntKind(0, INT_MAX)),
    "proto-max-bulk-len": Directive("proto_max_bulk_len", _MEM_1MB),
    "client-query-buffer-limit": Directive("client_query_buffer_limit", _MEM_1MB),
    "client-output-buffer-limit": Directive("client_output_buffer_limit", OutputLimitLineKind(),
                                            -1),
    "slowlog-log-slower-than": Directive("slowlog_log_slower_than", IntKind(-1, LLONG_MAX)),
    "slowlog-max-len": Directive("slowlog_max_len", IntKind(0, LLONG_MAX)),
    "hz": Directive("hz", IntKind(0, INT_MAX)),
    "tls-cert-file": Directive("tls_cert_file", Kind()),
    "tls-key-file": Directive("tls_key_file", Kind()),
    "tls-ca-cert-file": Directive("tls_ca_cert_file", Kind()),
    "tls-auth-clients": Directive("tls_auth_clients", EnumKind(("no", "yes", "optional"))),
    "enable-debug-command": Directive("enable_debug_command", EnumKind(("no", "yes", "local"))),
    "notify-keyspace-events": Directive("notify_keyspace_events", EventsKind()),
    "maxmemory-clients": Directive("maxmemory_clients", PercentMemKind()),
    "maxmemory": Directive("maxmemory", MemKind()),
    "maxmemory-policy": Directive("policy", EnumKind(POLICIES)),
    "databases": Directive("databases", IntKind(1, INT_MAX)),
    "slab-page-size": Directive("slab_page_size", MemKind()),
    "slab-growth-factor": Directive("slab_growth_factor", FloatKind()),
    "slab-min-chunk": Directive("slab_min_chunk", MemKind()),
    "slab-sizes": Directive("slab_sizes", SizeListKind(), -1),
    "prealloc": Directive("prealloc", BoolKind()),
    "debug-invariants": Directive("debug_invariants", BoolKind()),
    "memory-file": Directive("memory_file", Kind()),
    "lookup-lease-ms": Directive("lookup_lease_ms", IntKind(0, INT_MAX)),
    "pipeline-chains": Directive("pipeline_chains", BoolKind()),
    "lfu-log-factor": Directive("lfu_log_factor", IntKind(0, INT_MAX)),
    "lfu-decay-time": Directive("lfu_decay_time", IntKind(0, INT_MAX)),
    "cluster-enabled": Directive("cluster_enabled", BoolKind()),             # resp_server/cluster/
    "cluster-nodes": Directive("cluster_nodes", Kind(), -1),
    "cluster-announce-ip": Directive("cluster_announce_ip", Kind()),
    "cluster-announce-port": Directive("cluster_announce_port", IntKind(0, 65535)),
    "cluster-config-file": Directive("cluster_config_file", Kind()),
}

WARN_UNLESS = {
    "appendonly": "no", "save": "", "io-threads": "1", "io-threads-do-reads": "no",
    "supervised": "no", "activedefrag": "no", "replicaof": "",
    "slaveof": "", "tcp-backlog": "511", "unixsocketperm": "",
}
"""Directives asking for a feature we do not have -> the value we behave as. Another value is
accepted with a start-up warning naming it (a cache without persistence, threads, replicas)."""

QUIET = frozenset("""
    dbfilename appendfilename appenddirname appendfsync no-appendfsync-on-rewrite
    auto-aof-rewrite-percentage auto-aof-rewrite-min-size aof-load-truncated aof-use-rdb-preamble
    aof-timestamp-enabled aof-rewrite-incremental-fsync rdbcompression rdbchecksum
    rdb-del-sync-files rdb-save-incremental-fsync stop-writes-on-bgsave-error sanitize-dump-payload
    repl-diskless-sync repl-diskless-sync-delay repl-diskless-sync-max-replicas repl-diskless-load
    repl-disable-tcp-nodelay repl-backlog-size repl-backlog-ttl repl-timeout repl-ping-replica-period
    replica-serve-stale-data replica-read-only replica-priority replica-lazy-flush
    replica-announced min-replicas-to-write min-replicas-max-lag masterauth masteruser
    hash-max-listpack-entries hash-max-listpack-value hash-max-ziplist-entries hash-max-ziplist-value
    list-max-listpack-size list-max-ziplist-size list-compress-depth set-max-intset-entries
    zset-max-listpack-entries zset-max-listpack-value zset-max-ziplist-entries zset-max-ziplist-value
    stream-node-max-bytes stream-node-max-entries hll-sparse-max-bytes activerehashing dynamic-hz
    jemalloc-bg-thread oom-score-adj oom-score-adj-values disable-thp set-proc-title
    proc-title-template always-show-logo acllog-max-len latency-monitor-threshold tcp-keepalive
    lazyfree-lazy-eviction lazyfree-lazy-expire lazyfree-lazy-server-del lazyfree-lazy-user-del
    lazyfree-lazy-user-flush maxmemory-samples
    maxmemory-eviction-tenacity active-expire-effort syslog-enabled syslog-ident syslog-facility
    crash-log-enabled crash-memcheck-enabled enable-protected-configs enable-module-command
    busy-reply-threshold lua-time-limit shutdown-timeout shutdown-on-sigint shutdown-on-sigterm
    tracking-table-max-keys
""".split())
"""Tuning knobs of features we do not have (encodings, AOF/RDB, replication): accepted, no effect."""


def config_text(path: str | None, options: list[str]) -> str:
    """The file's text, a newline, then the options as Redis's main() joins them."""
    text = ""
    if path is not None:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
    opts = ""
    for arg in options:
        if arg.startswith("--") and len(arg) > 2:
            opts += ("\n" if opts else "") + arg[2:] + " "
        else:
            opts += quote(arg) + " "
    return text + "\n" + opts


def parse_argv(argv: list[str]) -> ServerConfig:
    """argv (without the program name) -> ServerConfig; raises ConfigError or OSError."""
    args = list(argv)
    path = args.pop(0) if args and not args[0].startswith("-") else None
    try:
        text = config_text(path, args)
    except OSError as e:
        raise ConfigError(f"Fatal error, can't open config file '{path}': {e.strerror}",
                          plain=True) from None
    values: dict[str, object] = {}
    for lineno, raw in enumerate(text.split("\n"), 1):
        line = raw.strip(" \t\r\n")
        if not line or line.startswith("#"):
            continue
        try:
            _apply_line(values, line)
        except ValueError as e:
            raise ConfigError(str(e), lineno, line) from None
    if path is not None:
        values["config_file"] = os.path.abspath(os.path.join(values.pop("_start_dir", os.getcwd()),
                                                             path))
    values.pop("_start_dir", None)
    return build(values)


def _apply_line(values: dict[str, object], line: str) -> None:
    words = split_args(line)
    if words is None:
        raise ValueError("Unbalanced quotes in configuration line")
    name, args = words[0].lower(), words[1:]
    if name == "dir":
        _chdir(values, args)
    elif name == "user":
        if not args:
            raise ValueError("wrong number of arguments")
        user, _, pw = args[0].partition(":")
        values.setdefault("users", []).append((user, pw.lstrip(">")))   # type: ignore[union-attr]
    elif name in DIRECTIVES:
        d = DIRECTIVES[name]
        if d.arity >= 0 and len(args) != d.arity:
            raise ValueError("wrong number of arguments")
        value = " ".join(args)
        if isinstance(d.kind, OutputLimitLineKind):
            base = values.get(d.field)
            values[d.field] = (base if isinstance(base, OutputLimits) else OutputLimits()).updated(value)
        else:
            values[d.field] = d.kind.parse(value)
    elif name in WARN_UNLESS:
        _no_effect(values, name, args)
    elif name not in QUIET:
        raise ValueError(ERR_BAD)


def _chdir(values: dict[str, object], args: list[str]) -> None:
    if len(args) != 1:
        raise ValueError("wrong number of arguments")
    values.setdefault("_start_dir", os.getcwd())
    try:
        os.chdir(args[0])
    except OSError as e:
        raise ValueError(e.strerror) from None


def _no_effect(values: dict[str, object], name: str, args: list[str]) -> None:
    if name == "save" and len(args) % 2 and args != [""]:
        raise ValueError("Invalid save parameters")
    if name not in ("save", "replicaof", "slaveof") and len(args) != 1:
        raise ValueError("wrong number of arguments")
    value = " ".join(a for a in args if a)
    effect = dict(values.get("no_effect", ()))      # type: ignore[arg-type]
    effect.pop(name, None)
    if value.lower() != WARN_UNLESS[name]:
        effect[name] = value
    values["no_effect"] = tuple(effect.items())


def build(values: dict[str, object]) -> ServerConfig:
    """Field values -> ServerConfig; maxmemory not given -> memlimit's default (flagged auto)."""
    server = {k: v for k, v in values.items() if k in SERVER_FIELDS}
    store = {k: v for k, v in values.items() if k in STORE_FIELDS}
    if "users" in server:
        server["users"] = tuple(server["users"])        # type: ignore[arg-type]
    if "maxmemory" not in store:
        store["maxmemory"] = memlimit.default_maxmemory()
        server["maxmemory_auto"] = True
    try:
        return ServerConfig(store=StoreConfig(**store), **server)   # type: ignore[arg-type]
    except ValueError as e:
        raise ConfigError(str(e)) from None
