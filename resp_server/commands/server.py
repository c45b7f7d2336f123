"""Server commands: INFO, CONFIG, COMMAND, TIME, MONITOR, MEMORY, OBJECT, SLOWLOG, SHUTDOWN,
LASTSAVE, DEBUG and the persistence commands (which answer a clear error).

INFO's section names, field names and units are Redis 7.0's, so redis-cli, redis-py's info() and
monitoring tools parse them unchanged; `# Slabs` is our own section (the store's slab classes).
The reply is verbatim text with CRLF line endings, sections separated by a blank line, in
Redis's fixed section order whatever order they were asked in.
"""

from __future__ import annotations

import os
import platform
import resource
import struct
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from resp_server.commands import latency
from resp_server.commands.args import (
    LLONG_MAX,
    SUBTABLES,
    SubTable,
    get_ll,
    get_range,
    help_reply,
    lower,
    parse_ll,
    subcommand_syntax_error,
    text,
)
from resp_server.commands.config_cmd import config
from resp_server.commands.db import is_raw, is_unshared, peek, read_notouch, value_bytes
from resp_server.commands.docs import Doc, OrderedSet, acl_categories, display_flags, doc_of
from resp_server.commands.glob import matcher
from resp_server.commands.monitor import monitor
from resp_server.commands.protected import check_debug
from resp_server.commands.table import CommandSpec, spec
from resp_server.config import REDIS_COMPAT_VERSION, VERSION
from resp_server.resp.replies import ERR_SYNTAX, OK, RespError, Status, Verbatim

if TYPE_CHECKING:
    from resp_server.client import ClientState
    from resp_server.state import ServerState

ERR_NO_PERSISTENCE = "ERR persistence is not supported by this server"
ERR_NO_SAVE = ("ERR persistence is not supported by this server: start it with --memory-file PATH "
               "to keep the cache across restarts (SHUTDOWN saves it)")
EMBSTR_SIZE_LIMIT = 44        # Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT, bytes
LFU_POLICIES = ("allkeys-lfu", "volatile-lfu")

# --- INFO -------------------------------------------------------------------------------------


def human_bytes(n: int | float) -> str:
    """bytesToHuman: 1023B, 1.00K, 12.50M, ..."""
    if n < 1024:
        return f"{int(n)}B"
    for unit in "KMGTPE":
        n /= 1024
        if n < 1024 or unit == "E":
            return f"{n:.2f}{unit}"
    return f"{n:.2f}E"


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _total_system_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 0


def _policy(s: ServerState) -> str:
    return s.keyspace.policy


def info_server(s: ServerState) -> list[tuple[str, object]]:
    uptime = int(time.monotonic() - s.started_monotonic)
    return [
        ("redis_version", REDIS_COMPAT_VERSION), ("resp_kvcache_version", VERSION),
        ("redis_git_sha1", "00000000"), ("redis_git_dirty", 0), ("redis_build_id", "0"),
        ("redis_mode", "standalone" if s.cluster is None else "cluster"), ("os", f"{platform.system()} {platform.release()} "
                                             f"{platform.machine()}"),
        ("arch_bits", struct.calcsize("P") * 8), ("monotonic_clock", "POSIX clock_gettime"),
        ("multiplexing_api", "epoll" if sys.platform.startswith("linux") else "kqueue"),
        ("atomicvar_api", "c11-builtin"), ("gcc_version", "0.0.0"),
        ("process_id", s.pid), ("process_supervised", "no"), ("run_id", s.run_id),
        ("tcp_port", s.port), ("server_time_usec", int(time.time() * 1_000_000)),
        ("uptime_in_seconds", uptime), ("uptime_in_days", uptime // 86400),
        ("hz", s.hz), ("configured_hz", s.hz), ("lru_clock", int(time.time()) & 0xFFFFFF),
        ("executable", sys.executable), ("config_file", s.ops.config_file), ("io_threads_active", 0),
        ("python_version", platform.python_version()),
    ]


def info_clients(s: ServerState) -> list[tuple[str, object]]:
    return [
        ("connected_clients", len(s.clients)), ("cluster_connections", 0),
        ("maxclients", s.maxclients), ("client_recent_max_input_buffer", 0),
        ("client_recent_max_output_buffer", 0), ("blocked_clients", len(s.pause.waiting)),
        ("tracking_clients", 0), ("clients_in_timeout_table", 0),
    ]


def info_memory(s: ServerState) -> list[tuple[str, object]]:
    ks = s.keyspace
    used = int(ks.used_memory)
    rss = _rss_bytes()
    system = _total_system_memory()
    maxmemory = int(ks.maxmemory)
    fields: dict[str, object] = {
        "used_memory": used, "used_memory_human": human_bytes(used),
        "used_memory_rss": rss, "used_memory_rss_human": human_bytes(rss),
        "used_memory_peak": used, "used_memory_peak_human": human_bytes(used),
        "used_memory_peak_perc": "100.00%",
        "total_system_memory": system, "total_system_memory_human": human_bytes(system),
        "maxmemory": maxmemory, "maxmemory_human": human_bytes(maxmemory),
        "maxmemory_policy": _policy(s),
        "mem_fragmentation_ratio": f"{rss / used:.2f}" if used else "0.00",
        "mem_fragmentation_bytes": rss - used,
        "mem_allocator": "slab", "active_defrag_running": 0, "lazyfree_pending_objects": 0,
        "lazyfreed_objects": 0,
    }
    fields.update(ks.info_memory())
    for k, v in fields.items():
        if isinstance(v, float):
            fields[k] = f"{v:.2f}"
    if "used_memory_peak" in fields and "used_memory_peak_human" not in fields:
        fields["used_memory_peak_human"] = human_bytes(int(fields["used_memory_peak"]))
    return list(fields.items())


def _dirty(s: ServerState) -> int:
    """Write commands run since start (Redis's rdb_changes_since_last_save, never saved)."""
    from resp_server.commands.dispatch import TABLE

    return sum(st.calls for name, st in s.stats.commands.items()
               if (sp := TABLE.get(name.encode())) is not None and "write" in sp.flags)


def info_persistence(s: ServerState) -> list[tuple[str, object]]:
    return [
        ("loading", 0), ("async_loading", 0), ("current_cow_peak", 0), ("current_cow_size", 0),
        ("current_fork_perc", "0.00"), ("current_save_keys_processed", 0),
        ("current_save_keys_total", 0), ("rdb_changes_since_last_save", _dirty(s)),
        ("rdb_bgsave_in_progress", 0), ("rdb_last_save_time", int(s.started)),
        ("rdb_last_bgsave_status", "ok"), ("rdb_last_bgsave_time_sec", -1),
        ("rdb_current_bgsave_time_sec", -1), ("rdb_saves", 0), ("aof_enabled", 0),
        ("aof_rewrite_in_progress", 0), ("aof_rewrite_scheduled", 0),
        ("aof_last_rewrite_time_sec", -1), ("aof_current_rewrite_time_sec", -1),
        ("aof_last_bgrewrite_status", "ok"), ("aof_rewrites", 0),
        ("aof_last_write_status", "ok"), ("module_fork_in_progress", 0),
        ("module_fork_last_cow_size", 0), *_warm_restart(s),
    ]


def _warm_restart(s: ServerState) -> list[tuple[str, object]]:
    """Our fields: the memory file and how the last start went (store/warm.py)."""
    w = s.warm
    if w is None:
        return [("memory_file", ""), ("last_restart_adopted_keys", 0),
                ("last_restart_seconds", "0.000"), ("last_restart_cold_reason", "no memory-file")]
    i = w.info
    return [("memory_file", i.memory_file), ("last_restart_adopted_keys", i.adopted_keys),
            ("last_restart_expired_keys", i.expired_keys),
            ("last_restart_seconds", f"{i.seconds:.3f}"),
            ("last_restart_cold_reason", _info_text(i.cold_reason))]


def _info_text(text: str) -> str:
    """A free-text INFO value: one line, no comma (clients split "a,b" values into lists)."""
    return text.replace("\r", " ").replace("\n", " ").replace(",", ";")


def info_stats(s: ServerState) -> list[tuple[str, object]]:
    st = s.stats
    ks = s.keyspace.stats
    return [
        ("total_connections_received", st.total_connections_received),
        ("total_commands_processed", st.total_commands_processed),
        ("instantaneous_ops_per_sec", st.instantaneous_ops_per_sec()),
        ("total_net_input_bytes", st.total_net_input_bytes),
        ("total_net_output_bytes", st.total_net_output_bytes),
        ("instantaneous_input_kbps", "0.00"), ("instantaneous_output_kbps", "0.00"),
        ("rejected_connections", st.rejected_connections),
        ("sync_full", 0), ("sync_partial_ok", 0), ("sync_partial_err", 0),
        ("expired_keys", ks.expired_keys), ("expired_stale_perc", "0.00"),
        ("expired_time_cap_reached_count", 0), ("expire_cycle_cpu_milliseconds", 0),
        ("evicted_keys", ks.evicted_keys), ("evicted_clients", 0),
        ("total_eviction_exceeded_time", 0), ("current_eviction_exceeded_time", 0),
        ("keyspace_hits", ks.keyspace_hits), ("keyspace_misses", ks.keyspace_misses),
        ("pubsub_channels", 0), ("pubsub_patterns", 0), ("latest_fork_usec", 0),
        ("total_forks", 0), ("migrate_cached_sockets", 0), ("slave_expires_tracked_keys", 0),
        ("active_defrag_hits", 0), ("active_defrag_misses", 0), ("active_defrag_key_hits", 0),
        ("active_defrag_key_misses", 0), ("total_active_defrag_time", 0),
        ("current_active_defrag_time", 0), ("tracking_total_keys", 0),
        ("tracking_total_items", 0), ("tracking_total_prefixes", 0),
        ("unexpected_error_replies", 0), ("total_error_replies", st.total_error_replies),
        ("dump_payload_sanitizations", 0), ("total_reads_processed", st.total_commands_processed),
        ("total_writes_processed", st.total_commands_processed),
        ("io_threaded_reads_processed", 0), ("io_threaded_writes_processed", 0),
    ]


def info_replication(s: ServerState) -> list[tuple[str, object]]:
    return [
        ("role", "master"), ("connected_slaves", 0), ("master_failover_state", "no-failover"),
        ("master_replid", s.run_id), ("master_replid2", "0" * 40), ("master_repl_offset", 0),
        ("second_repl_offset", -1), ("repl_backlog_active", 0),
        ("repl_backlog_size", 1048576), ("repl_backlog_first_byte_offset", 0),
        ("repl_backlog_histlen", 0),
    ]


def _cpu(seconds: float) -> str:
    return f"{seconds:.6f}"


def info_cpu(s: ServerState) -> list[tuple[str, object]]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return [
        ("used_cpu_sys", _cpu(me.ru_stime)), ("used_cpu_user", _cpu(me.ru_utime)),
        ("used_cpu_sys_children", _cpu(kids.ru_stime)),
        ("used_cpu_user_children", _cpu(kids.ru_utime)),
        ("used_cpu_sys_main_thread", _cpu(me.ru_stime)),
        ("used_cpu_user_main_thread", _cpu(me.ru_utime)),
    ]


def info_modules(s: ServerState) -> list[tuple[str, object]]:
    return []


def info_commandstats(s: ServerState) -> list[tuple[str, object]]:
    out = []
    for name, st in sorted(s.stats.commands.items()):
        if not (st.calls or st.rejected_calls or st.failed_calls):
            continue
        per = st.usec / st.calls if st.calls else 0.0
        out.append((f"cmdstat_{name}", f"calls={st.calls},usec={st.usec},usec_per_call={per:.2f},"
                                       f"rejected_calls={st.rejected_calls},"
                                       f"failed_calls={st.failed_calls}"))
    return out


def info_errorstats(s: ServerState) -> list[tuple[str, object]]:
    errors: dict[str, int] = getattr(s.stats, "errors", {}) or {}
    return [(f"errorstat_{code}", f"count={n}") for code, n in sorted(errors.items())]


def info_latencystats(s: ServerState) -> list[tuple[str, object]]:
    t = latency.tracker(s)
    return [] if t is None else t.lines()


def info_cluster(s: ServerState) -> list[tuple[str, object]]:
    return [("cluster_enabled", int(s.cluster is not None))]


def info_keyspace(s: ServerState) -> list[tuple[str, object]]:
    ks = s.keyspace
    out = []
    for db in range(s.config.store.databases):
        n = ks.dbsize(db)
        if n:
            out.append((f"db{db}", f"keys={n},expires={ks.expires_count(db)},avg_ttl=0"))
    return out


def info_slabs(s: ServerState) -> list[tuple[str, object]]:
    out = []
    for i, cls in enumerate(s.keyspace.info_slabs()):
        cid = cls.get("id", i) if isinstance(cls, dict) else i
        body = ",".join(f"{k}={v}" for k, v in cls.items() if k != "id")
        out.append((f"slab_{cid}", body))
    return out


Section = Callable[["ServerState"], list[tuple[str, object]]]
# name, title, generator, in "default" (INFO with no argument)
SECTIONS: list[tuple[str, str, Section, bool]] = [
    ("server", "Server", info_server, True),
    ("clients", "Clients", info_clients, True),
    ("memory", "Memory", info_memory, True),
    ("persistence", "Persistence", info_persistence, True),
    ("stats", "Stats", info_stats, True),
    ("replication", "Replication", info_replication, True),
    ("cpu", "CPU", info_cpu, True),
    ("modules", "Modules", info_modules, True),
    ("commandstats", "Commandstats", info_commandstats, False),
    ("errorstats", "Errorstats", info_errorstats, True),
    ("latencystats", "Latencystats", info_latencystats, False),
    ("cluster", "Cluster", info_cluster, True),
    ("keyspace", "Keyspace", info_keyspace, True),
    ("slabs", "Slabs", info_slabs, False),
]


def _wanted_sections(args: list) -> set[str]:
    names = {lower(a).decode("utf-8", "replace") for a in args} or {"default"}
    wanted = {n for n in names if n not in ("default", "all", "everything")}
    every = {name for name, *_ in SECTIONS}
    if "everything" in names:
        wanted |= every
    if "all" in names:          # Redis's "all" leaves out only what modules add: none here
        wanted |= every
    if "default" in names:
        wanted |= {name for name, _, _, default in SECTIONS if default}
    return wanted


def info_text(s: ServerState, args: list) -> str:
    wanted = _wanted_sections(args)
    parts = []
    for name, title, gen, _ in SECTIONS:
        if name in wanted:
            lines = [f"# {title}\r\n"] + [f"{k}:{v}\r\n" for k, v in gen(s)]
            parts.append("".join(lines))
    return "\r\n".join(parts)


def info(c: ClientState, argv: list) -> object:
    return Verbatim(info_text(c.server, argv[1:]))


# --- COMMAND ----------------------------------------------------------------------------------
# The data (flags order, ACL categories, tips, key specs, docs) is in docs.py; subcommands are the
# entries of each container's SubTable.


def _table() -> dict[bytes, CommandSpec]:
    from resp_server.commands.dispatch import TABLE

    return TABLE


def _statuses(names: list[str]) -> OrderedSet:
    return OrderedSet(Status(n.encode()) for n in names)


def _info_entry(name: str, arity: int, flags: frozenset[str] | list[str],
                keys: tuple[int, int, int], doc: Doc, subs: object) -> list:
    return [name, arity, _statuses(display_flags(flags)), *keys,
            _statuses(acl_categories(flags, doc.acl)), OrderedSet(doc.tips.split()),
            OrderedSet(ks.reply() for ks in doc.key_specs), subs]


def _sub_info_entry(parent: str, sub: str, arity: int) -> list:
    full = f"{parent}|{sub}"
    doc = doc_of(full)
    return _info_entry(full, arity, doc.flags.split(), doc.keys, doc, OrderedSet())


def command_info_entry(sp: CommandSpec) -> list:
    """One COMMAND INFO entry: Redis 7's ten elements, subcommands included."""
    table = SUBTABLES.get(sp.name)
    subs: object = OrderedSet()
    if table is not None:
        subs = [_sub_info_entry(sp.name, k.decode(), arity)
                for k, (_, arity) in table.entries.items()]
    return _info_entry(sp.name, sp.arity, sp.flags, (sp.first_key, sp.last_key, sp.step),
                       doc_of(sp.name), subs)


def _resolve(raw: bytes) -> tuple[CommandSpec, str | None] | None:
    """A command name or "parent|sub" -> (its CommandSpec, the subcommand or None)."""
    name = lower(raw)
    parent, bar, sub = name.partition(b"|")
    sp = _table().get(parent)
    if sp is None or not bar:
        return None if sp is None else (sp, None)
    table = SUBTABLES.get(sp.name)
    if table is None or sub not in table.entries:
        return None
    return sp, sub.decode()


def _info_of(raw: bytes) -> list | None:
    found = _resolve(raw)
    if found is None:
        return None
    sp, sub = found
    if sub is None:
        return command_info_entry(sp)
    return _sub_info_entry(sp.name, sub, SUBTABLES[sp.name].entries[sub.encode()][1])


def command_all(c: ClientState, argv: list) -> object:
    return [command_info_entry(sp) for sp in _table().values()]


def command_count(c: ClientState, argv: list) -> object:
    return len(_table())


def command_info(c: ClientState, argv: list) -> object:
    if len(argv) == 2:
        return command_all(c, argv)
    return [_info_of(a) for a in argv[2:]]


def _sub_doc(parent: str, sub: str) -> dict:
    doc = doc_of(f"{parent}|{sub}")
    return doc.docs_reply(doc.summary, doc.since, doc.group)


def command_doc(sp: CommandSpec) -> dict:
    """The COMMAND DOCS map of a top-level command (its subcommands' docs included)."""
    out = doc_of(sp.name).docs_reply(sp.summary, sp.since, sp.group)
    table = SUBTABLES.get(sp.name)
    if table is not None:
        out["subcommands"] = {f"{sp.name}|{k.decode()}": _sub_doc(sp.name, k.decode())
                              for k in table.entries}
    return out


def command_docs(c: ClientState, argv: list) -> object:
    if len(argv) == 2:
        return {sp.name: command_doc(sp) for sp in _table().values()}
    out: dict[str, dict] = {}
    for raw in argv[2:]:
        found = _resolve(raw)
        if found is None:
            continue
        sp, sub = found
        if sub is None:
            out[sp.name] = command_doc(sp)
        else:
            out[f"{sp.name}|{sub}"] = _sub_doc(sp.name, sub)
    return out


def _all_names() -> list[tuple[str, list[str]]]:
    """(full name, ACL categories) of every command, each container followed by its subcommands."""
    out = []
    for sp in _table().values():
        out.append((sp.name, acl_categories(sp.flags, doc_of(sp.name).acl)))
        table = SUBTABLES.get(sp.name)
        for k in table.entries if table is not None else ():
            full = f"{sp.name}|{k.decode()}"
            doc = doc_of(full)
            out.append((full, acl_categories(doc.flags.split(), doc.acl)))
    return out


def command_list(c: ClientState, argv: list) -> object:
    """COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]."""
    entries = _all_names()
    if len(argv) == 2:
        return [n for n, _ in entries]
    if len(argv) != 5 or lower(argv[2]) != b"filterby":
        raise RespError(ERR_SYNTAX)
    kind, arg = lower(argv[3]), bytes(argv[4])
    if kind == b"module":
        return []
    if kind == b"aclcat":
        cat = "@" + text(lower(arg))
        return [n for n, cats in entries if cat in cats]
    if kind == b"pattern":
        match = matcher(arg, nocase=True)
        return [n for n, _ in entries if match(n.encode())]
    raise RespError(ERR_SYNTAX)


def _set_key_flags(args: list) -> str:
    """setGetKeys: SET's key is RW access update with GET, else OW update."""
    if any(lower(a) == b"get" for a in args[3:]):
        return "RW access update"
    return "OW update"


def command_keys(args: list) -> list[tuple[bytes, str]]:
    """getKeysFromCommandWithSpecs for `args` (a full command): [(key, key-spec flags)]."""
    sp = _table().get(lower(args[0]))
    if sp is None:
        raise RespError("ERR Invalid command specified")
    name, arity = sp.name, sp.arity
    table = SUBTABLES.get(sp.name)
    if table is not None and len(args) >= 2:
        entry = table.entries.get(lower(args[1]))
        if entry is None:
            raise RespError("ERR Invalid command specified")
        name, arity = f"{sp.name}|{lower(args[1]).decode()}", entry[1]
    doc = doc_of(name)
    if not doc.key_specs:
        raise RespError("ERR The command has no key arguments")
    argc = len(args)
    if (arity >= 0 and argc != arity) or argc < -arity:
        raise RespError("ERR Invalid number of arguments specified for command")
    native = _getkeys_proc(name, args)
    out = native or []
    for ks in doc.key_specs if native is None else ():
        flags = _set_key_flags(args) if "variable_flags" in ks.flags.split() else ks.flags
        out += [(args[i], flags) for i in ks.positions(argc, args)]
    if not out:
        raise RespError("ERR Invalid arguments specified for command")
    return out


def _getkeys_proc(name: str, args: list) -> list[tuple[bytes, str]] | None:
    """Redis's native getkeys functions, used where key specs are incomplete (MIGRATE's KEYS)
    or their flags variable (BITFIELD's): [(key, flags)], or None to use the key specs."""
    if name == "migrate":
        from resp_server.commands.migrate import migrate_keys
        return migrate_keys(args)
    if name == "bitfield":
        from resp_server.commands.bitfield import bitfield_keys
        return bitfield_keys(args)
    return None


def command_getkeys(c: ClientState, argv: list) -> object:
    return [k for k, _ in command_keys(argv[2:])]


def command_getkeysandflags(c: ClientState, argv: list) -> object:
    return [[k, _statuses(flags.split())] for k, flags in command_keys(argv[2:])]


_COMMAND_HELP = [
    "(no subcommand)", "    Return details about all Redis commands.",
    "COUNT", "    Return the total number of commands in this Redis server.",
    "LIST", "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>", "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
]

COMMAND = SubTable("command", {
    "count": (command_count, 2),
    "info": (command_info, -2),
    "docs": (command_docs, -2),
    "list": (command_list, -2),
    "getkeys": (command_getkeys, -4),
    "getkeysandflags": (command_getkeysandflags, -4),
    "help": (lambda c, argv: help_reply("command", _COMMAND_HELP), 2),
})


def command(c: ClientState, argv: list) -> object:
    return command_all(c, argv) if len(argv) == 1 else COMMAND(c, argv)


# --- OBJECT -----------------------------------------------------------------------------------

def encoding_of(item) -> bytes:
    """OBJECT ENCODING: raw after APPEND/SETRANGE (see db.mark_raw); else int for integers that
    fit a long, embstr up to 44 bytes, raw above."""
    if is_raw(item):
        return b"raw"
    if item.length <= 20 and parse_ll(item.to_bytes()) is not None:
        return b"int"
    return b"embstr" if item.length <= EMBSTR_SIZE_LIMIT else b"raw"


def _idle_seconds(item) -> int:
    """Seconds since the item's last access (the store's access stamp)."""
    return max(0, (int(time.time() * 1000) - item.atime_ms) // 1000)


def object_encoding(c: ClientState, argv: list) -> object:
    item = read_notouch(c, argv[2])
    return None if item is None else encoding_of(item)


SHARED_INTEGERS = 10000       # OBJ_SHARED_INTEGERS: 0..9999 are shared objects
NO_SHARED_INTEGERS_POLICIES = ("allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu",
                               "allkeys-s3fifo")
"""With maxmemory set, these policies need per-object access data: no shared integers."""


def object_refcount(c: ClientState, argv: list) -> object:
    """OBJECT REFCOUNT: INT_MAX for Redis's shared integers (0..9999, not COPY'd, when maxmemory
    is 0 or the policy keeps no per-key access data - decided now, Redis decides when storing),
    else 1."""
    item = read_notouch(c, argv[2])
    if item is None:
        return None
    ks = c.server.keyspace
    if item.length > 4 or is_unshared(item) or (
            ks.maxmemory and _policy(c.server) in NO_SHARED_INTEGERS_POLICIES):
        return 1
    value = parse_ll(value_bytes(item))
    return 2147483647 if value is not None and 0 <= value < SHARED_INTEGERS else 1


def object_idletime(c: ClientState, argv: list) -> object:
    item = read_notouch(c, argv[2])
    if item is None:
        return None
    if _policy(c.server) in LFU_POLICIES:
        raise RespError("ERR An LFU maxmemory policy is selected, idle time not tracked. Please "
                        "note that when switching between policies at runtime LRU and LFU data "
                        "will take some time to adjust.")
    return _idle_seconds(item)


def object_freq(c: ClientState, argv: list) -> object:
    item = read_notouch(c, argv[2])
    if item is None:
        return None
    if _policy(c.server) not in LFU_POLICIES:
        raise RespError("ERR An LFU maxmemory policy is not selected, access frequency not "
                        "tracked. Please note that when switching between policies at runtime "
                        "LRU and LFU data will take some time to adjust.")
    return item.frequency


_OBJECT_HELP = [
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>", "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>", "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>", "    Return the number of references of the value associated with the "
    "specified", "    <key>.",
]

OBJECT = SubTable("object", {
    "encoding": (object_encoding, 3),
    "freq": (object_freq, 3),
    "idletime": (object_idletime, 3),
    "refcount": (object_refcount, 3),
    "help": (lambda c, argv: help_reply("object", _OBJECT_HELP), 2),
})


def object_cmd(c: ClientState, argv: list) -> object:
    return OBJECT(c, argv)


# --- MEMORY -----------------------------------------------------------------------------------

def memory_usage(c: ClientState, argv: list) -> object:
    """MEMORY USAGE key [SAMPLES count]: bytes the key and its value take, or null."""
    i = 3
    while i < len(argv):
        if lower(argv[i]) != b"samples" or i + 1 >= len(argv):
            raise RespError(ERR_SYNTAX)
        if get_ll(argv[i + 1]) < 0:
            raise RespError(ERR_SYNTAX)
        i += 2
    return c.server.keyspace.memory_usage(c.db, argv[2])


def memory_stats(c: ClientState, argv: list) -> object:
    s = c.server
    ks = s.keyspace
    used = int(ks.used_memory)
    keys = sum(ks.dbsize(db) for db in range(s.config.store.databases))
    rss = _rss_bytes()
    out: dict[str, object] = {
        "peak.allocated": used, "total.allocated": used, "startup.allocated": 0,
        "replication.backlog": 0, "clients.slaves": 0, "clients.normal": 0,
        "cluster.links": 0, "aof.buffer": 0, "lua.caches": 0, "functions.caches": 0,
    }
    for db in range(s.config.store.databases):
        if ks.dbsize(db):
            out[f"db.{db}"] = {"overhead.hashtable.main": 0, "overhead.hashtable.expires": 0}
    out.update({
        "overhead.total": 0, "keys.count": keys,
        "keys.bytes-per-key": used // keys if keys else 0, "dataset.bytes": used,
        "dataset.percentage": 100.0 if used else 0.0, "peak.percentage": 100.0,
        "fragmentation": rss / used if used else 0.0, "fragmentation.bytes": rss - used,
    })
    return out


def memory_doctor(c: ClientState, argv: list) -> object:
    return Verbatim("Hi Sam, I can't find any memory issue in your instance. I can only account "
                    "for what occurs on this base.")


def memory_malloc_stats(c: ClientState, argv: list) -> object:
    return Verbatim("Stats not supported for the current allocator")


def memory_purge(c: ClientState, argv: list) -> object:
    return OK


_MEMORY_HELP = [
    "DOCTOR", "    Return memory problems reports.",
    "MALLOC-STATS", "    Return internal statistics report from the memory allocator.",
    "PURGE", "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS", "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
]

MEMORY = SubTable("memory", {
    "usage": (memory_usage, -3),
    "stats": (memory_stats, 2),
    "doctor": (memory_doctor, 2),
    "malloc-stats": (memory_malloc_stats, 2),
    "purge": (memory_purge, 2),
    "help": (lambda c, argv: help_reply("memory", _MEMORY_HELP), 2),
})


def memory(c: ClientState, argv: list) -> object:
    return MEMORY(c, argv)


# --- SLOWLOG ----------------------------------------------------------------------------------

def slowlog_get(c: ClientState, argv: list) -> object:
    """SLOWLOG GET [count]: newest first; Redis checks the argument count itself (M9)."""
    if len(argv) > 3:
        raise subcommand_syntax_error(argv)
    entries = list(c.server.slowlog.entries)
    count = 10
    if len(argv) == 3:
        count = get_range(argv[2], -1, LLONG_MAX, "ERR count should be greater than or equal "
                                                  "to -1")
        if count == -1:
            count = len(entries)
    return [[e.id, e.time, e.usec, list(e.argv), e.addr, e.name] for e in entries[:count]]


def slowlog_len(c: ClientState, argv: list) -> object:
    return len(c.server.slowlog.entries)


def slowlog_reset(c: ClientState, argv: list) -> object:
    c.server.slowlog.entries.clear()
    return OK


_SLOWLOG_HELP = [
    "GET [<count>]", "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN", "    Return the length of the slowlog.",
    "RESET", "    Reset the slowlog.",
]

SLOWLOG = SubTable("slowlog", {
    "get": (slowlog_get, -2),
    "len": (slowlog_len, 2),
    "reset": (slowlog_reset, 2),
    "help": (lambda c, argv: help_reply("slowlog", _SLOWLOG_HELP), 2),
})


def slowlog(c: ClientState, argv: list) -> object:
    return SLOWLOG(c, argv)


# --- small server commands --------------------------------------------------------------------

def time_cmd(c: ClientState, argv: list) -> object:
    now = time.time()
    sec = int(now)
    return [b"%d" % sec, b"%d" % int((now - sec) * 1_000_000)]


def lastsave(c: ClientState, argv: list) -> object:
    return int(c.server.started)


def no_persistence(c: ClientState, argv: list) -> object:
    raise RespError(ERR_NO_PERSISTENCE)


def no_save(c: ClientState, argv: list) -> object:
    """SAVE / BGSAVE: no snapshots; the memory file is how the cache survives a restart."""
    raise RespError(ERR_NO_SAVE)


_SHUTDOWN_FLAGS = {b"nosave": "NOSAVE", b"save": "SAVE", b"now": "NOW", b"force": "FORCE",
                   b"abort": "ABORT"}


def shutdown(c: ClientState, argv: list) -> object:
    """SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: stop the server. With --memory-file the
    exit saves the metadata for a warm restart, except with NOSAVE; without one, SAVE fails."""
    flags = set()
    for a in argv[1:]:
        flag = _SHUTDOWN_FLAGS.get(lower(a))
        if flag is None:
            raise RespError(ERR_SYNTAX)
        flags.add(flag)
    if ("ABORT" in flags and len(flags) > 1) or {"NOSAVE", "SAVE"} <= flags:
        raise RespError(ERR_SYNTAX)
    if "ABORT" in flags:
        raise RespError("ERR No shutdown in progress.")
    if "SAVE" in flags and c.server.warm is None:
        raise RespError("ERR Errors trying to SHUTDOWN. Check logs.")
    c.server.save_on_shutdown = "NOSAVE" not in flags
    if c.server.shutdown_requested is not None:
        c.server.shutdown_requested()
    if c.conn is not None:
        c.conn.kill()         # like Redis: the connection just closes, no reply
    return OK


def debug(c: ClientState, argv: list) -> object:
    """DEBUG SLEEP seconds | JMAP | OBJECT key | HELP (a useful subset), if enabled."""
    check_debug(c)
    sub = lower(argv[1])
    if sub == b"sleep" and len(argv) == 3:
        try:
            secs = float(text(argv[2]))
        except ValueError:
            raise RespError("ERR value is not a valid float") from None
        time.sleep(max(0.0, secs))
        return OK
    if sub == b"jmap" and len(argv) == 2:
        return OK
    if sub == b"object" and len(argv) == 3:
        item = peek(c, argv[2])
        if item is None:
            raise RespError("ERR no such key")
        return Status(b"Value at:0x0 refcount:1 encoding:%s serializedlength:%d lru:0 "
                      b"lru_seconds_idle:%d" % (encoding_of(item), item.length,
                                                _idle_seconds(item)))
    if sub == b"help" and len(argv) == 2:
        return help_reply("debug", ["JMAP", "    No-op.", "OBJECT <key>",
                                    "    Show low level info about the key.",
                                    "SLEEP <seconds>", "    Stop the server for <seconds>."])
    raise subcommand_syntax_error(argv)


# --- table ------------------------------------------------------------------------------------

COMMANDS = [
    spec("info", info, -1, "loading stale", group="server",
         summary="Get information and statistics about the server"),
    spec("config", config, -2, "container", group="server",
         summary="A container for server configuration commands", since="2.0.0"),
    spec("command", command, -1, "loading stale container", group="server",
         summary="Get array of Redis command details", since="2.8.13"),
    spec("time", time_cmd, 1, "loading stale fast", group="server",
         summary="Return the current server time", since="2.6.0"),
    spec("monitor", monitor, 1, "admin noscript loading stale", group="server",
         summary="Listen for all requests received by the server in real time"),
    spec("memory", memory, -2, "container", group="server",
         summary="A container for memory diagnostics commands", since="4.0.0"),
    spec("object", object_cmd, -2, "container", group="generic",
         summary="A container for object introspection commands", since="2.2.3"),
    spec("slowlog", slowlog, -2, "container", group="server",
         summary="A container for slow log commands", since="2.2.12"),
    spec("shutdown", shutdown, -1, "admin noscript loading stale nomulti allow_busy",
         group="server",
         summary="Synchronously save the dataset to disk and then shut down the server"),
    spec("lastsave", lastsave, 1, "loading stale fast", group="server",
         summary="Get the UNIX time stamp of the last successful save to disk"),
    spec("save", no_save, 1, "admin noscript no_async_loading nomulti", group="server",
         summary="Synchronously save the dataset to disk"),
    spec("bgsave", no_save, -1, "admin noscript no_async_loading", group="server",
         summary="Asynchronously save the dataset to disk"),
    spec("bgrewriteaof", no_persistence, 1, "admin noscript no_async_loading", group="server",
         summary="Asynchronously rewrite the append-only file", since="1.0.0"),
    spec("debug", debug, -2, "admin noscript loading stale", group="server",
         summary="A container for debugging commands"),
]
