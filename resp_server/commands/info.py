"""INFO: Redis 7.0's sections, field names and units, plus our `# Slabs` section.

redis-cli, redis-py's info() and monitoring tools (Prometheus' redis_exporter) parse the reply
unchanged. The reply is verbatim text with CRLF line endings, sections separated by a blank line,
in Redis's fixed section order whatever order they were asked in. Every field is computed when
INFO runs; nothing here is cached between calls.
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
from resp_server.commands.args import lower
from resp_server.commands.table import TABLE
from resp_server.config import REDIS_COMPAT_VERSION, VERSION
from resp_server.resp.replies import Verbatim
from resp_server.sysmem import human_bytes, rss_bytes

if TYPE_CHECKING:
    from resp_server.client import ClientState
    from resp_server.state import ServerState


def _total_system_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 0


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


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "0.00"


def _clients_memory(s: ServerState) -> int:
    """mem_clients_normal: every client's query buffer (used and free) and unsent replies, as
    CLIENT LIST's tot-mem."""
    total = 0
    for c in s.clients.values():
        conn = c.conn
        if conn is not None:
            total += conn.input_pending() + conn.input_free() + conn.output_pending()
    return total


def _allocator(s: ServerState, ks_mem: dict) -> tuple[int, int, int]:
    """(allocated, active, resident) of the slab allocator, as jemalloc's three figures: chunk
    bytes handed out, pages assigned to size classes, all pages held (pool included); key
    overhead counts in each."""
    keys = ks_mem["keys_overhead_bytes"]
    allocated = sum(c["chunk_size"] * c["chunks_used"] for c in s.keyspace.info_slabs()) + keys
    active = ks_mem["used_memory"]
    return allocated, active, ks_mem["slab_bytes"] + keys


def info_memory(s: ServerState) -> list[tuple[str, object]]:
    """Redis 7.0's fields in its order, then the store's own (slab_*, keys, pins)."""
    ks = s.keyspace
    mine = ks.info_memory()
    used, rss = mine.pop("used_memory"), rss_bytes()
    peak = max(mine.pop("used_memory_peak"), used)
    overhead = mine.pop("used_memory_overhead")
    dataset = mine.pop("used_memory_dataset")
    allocated, active, resident = _allocator(s, {**mine, "used_memory": used})
    system, maxmemory = _total_system_memory(), int(ks.maxmemory)
    fields: list[tuple[str, object]] = [
        ("used_memory", used), ("used_memory_human", human_bytes(used)),
        ("used_memory_rss", rss), ("used_memory_rss_human", human_bytes(rss)),
        ("used_memory_peak", peak), ("used_memory_peak_human", human_bytes(peak)),
        ("used_memory_peak_perc", f"{used * 100 / peak if peak else 100:.2f}%"),
        ("used_memory_overhead", overhead),
        ("used_memory_startup", 0),              # no slab page is assigned before the first key
        ("used_memory_dataset", dataset),
        ("used_memory_dataset_perc", f"{dataset * 100 / used if used else 0:.2f}%"),
        ("allocator_allocated", allocated), ("allocator_active", active),
        ("allocator_resident", resident),
        ("total_system_memory", system), ("total_system_memory_human", human_bytes(system)),
    ]
    fields += _no_scripting()
    fields += [
        ("maxmemory", maxmemory), ("maxmemory_human", human_bytes(maxmemory)),
        ("maxmemory_policy", ks.policy),
        ("allocator_frag_ratio", _ratio(active, allocated)),
        ("allocator_frag_bytes", active - allocated),
        ("allocator_rss_ratio", _ratio(resident, active)),
        ("allocator_rss_bytes", resident - active),
        ("rss_overhead_ratio", _ratio(rss, resident)), ("rss_overhead_bytes", rss - resident),
        ("mem_fragmentation_ratio", _ratio(rss, used)), ("mem_fragmentation_bytes", rss - used),
        ("mem_not_counted_for_evict", 0), ("mem_replication_backlog", 0),
        ("mem_total_replication_buffers", 0), ("mem_clients_slaves", 0),
        ("mem_clients_normal", _clients_memory(s)), ("mem_cluster_links", 0),
        ("mem_aof_buffer", 0), ("mem_allocator", "slab"), ("active_defrag_running", 0),
        ("lazyfree_pending_objects", 0), ("lazyfreed_objects", 0),
    ]
    return fields + list(mine.items())


def _no_scripting() -> list[tuple[str, object]]:
    """Lua and functions memory: we run neither."""
    return [
        ("used_memory_lua", 0), ("used_memory_vm_eval", 0), ("used_memory_lua_human", "0B"),
        ("used_memory_scripts_eval", 0), ("number_of_cached_scripts", 0),
        ("number_of_functions", 0), ("number_of_libraries", 0), ("used_memory_vm_functions", 0),
        ("used_memory_vm_total", 0), ("used_memory_vm_total_human", "0B"),
        ("used_memory_functions", 0), ("used_memory_scripts", 0),
        ("used_memory_scripts_human", "0B"),
    ]


def _dirty(s: ServerState) -> int:
    """Write commands run since start (Redis's rdb_changes_since_last_save, never saved), with
    the corrections of writes that made no change or several (Stats.dirty_adjust)."""

    return s.stats.dirty_adjust + sum(st.calls for name, st in s.stats.commands.items()
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
        ("total_net_repl_input_bytes", 0), ("total_net_repl_output_bytes", 0),
        ("instantaneous_input_kbps", "0.00"), ("instantaneous_output_kbps", "0.00"),
        ("instantaneous_input_repl_kbps", "0.00"), ("instantaneous_output_repl_kbps", "0.00"),
        ("rejected_connections", st.rejected_connections),
        ("sync_full", 0), ("sync_partial_ok", 0), ("sync_partial_err", 0),
        ("expired_keys", ks.expired_keys), ("expired_stale_perc", "0.00"),
        ("expired_time_cap_reached_count", 0), ("expire_cycle_cpu_milliseconds", 0),
        ("evicted_keys", ks.evicted_keys), ("evicted_clients", 0),
        ("total_eviction_exceeded_time", 0), ("current_eviction_exceeded_time", 0),
        ("keyspace_hits", ks.keyspace_hits), ("keyspace_misses", ks.keyspace_misses),
        ("pubsub_channels", 0), ("pubsub_patterns", 0), ("pubsubshard_channels", 0),
        ("latest_fork_usec", 0),
        ("total_forks", 0), ("migrate_cached_sockets", 0), ("slave_expires_tracked_keys", 0),
        ("active_defrag_hits", 0), ("active_defrag_misses", 0), ("active_defrag_key_hits", 0),
        ("active_defrag_key_misses", 0), ("total_active_defrag_time", 0),
        ("current_active_defrag_time", 0), ("tracking_total_keys", 0),
        ("tracking_total_items", 0), ("tracking_total_prefixes", 0),
        ("unexpected_error_replies", 0), ("total_error_replies", st.total_error_replies),
        ("dump_payload_sanitizations", 0), ("total_reads_processed", st.total_commands_processed),
        ("total_writes_processed", st.total_commands_processed),
        ("io_threaded_reads_processed", 0), ("io_threaded_writes_processed", 0),
        ("reply_buffer_shrinks", 0), ("reply_buffer_expands", 0),
    ] + kv_stats(s)


def kv_stats(s: ServerState) -> list[tuple[str, object]]:
    """Ours, after Redis's: what the cache served (README, "INFO fields of ours")."""
    st = s.stats
    return [
        ("kv_served_bytes", st.kv_served_bytes), ("kv_chunk_hits", st.kv_chunk_hits),
        ("kv_small_hits", st.kv_small_hits), ("kv_get_misses", st.kv_get_misses),
    ]


def info_persistence_cow(s: ServerState) -> list[tuple[str, object]]:
    """Redis 7.0 persistence fields about forks and loads: we never fork nor load an RDB."""
    return [
        ("current_cow_size_age", 0), ("rdb_last_cow_size", 0), ("rdb_last_load_keys_expired", 0),
        ("rdb_last_load_keys_loaded", 0), ("aof_rewrites_consecutive_failures", 0),
        ("aof_last_cow_size", 0),
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


def _persistence(s: ServerState) -> list[tuple[str, object]]:
    return info_persistence(s) + info_persistence_cow(s)


Section = Callable[["ServerState"], list[tuple[str, object]]]
# name, title, generator, in "default" (INFO with no argument)
SECTIONS: list[tuple[str, str, Section, bool]] = [
    ("server", "Server", info_server, True),
    ("clients", "Clients", info_clients, True),
    ("memory", "Memory", info_memory, True),
    ("persistence", "Persistence", _persistence, True),
    ("stats", "Stats", info_stats, True),
    ("replication", "Replication", info_replication, True),
    ("cpu", "CPU", info_cpu, True),
    ("modules", "Modules", info_modules, True),
    ("commandstats", "Commandstats", info_commandstats, False),
    ("errorstats", "Errorstats", info_errorstats, True),
    ("latencystats", "Latencystats", latency.info_latencystats, False),
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
