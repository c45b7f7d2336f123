"""Server commands: COMMAND, TIME, MONITOR, MEMORY, OBJECT, SLOWLOG, SHUTDOWN, LASTSAVE, DEBUG
and the persistence commands (which answer a clear error); the table entries of INFO (info.py)
and CONFIG (config_cmd.py).
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from resp_server.commands.args import (
    SUBTABLES,
    SubTable,
    arg_bytes,
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
from resp_server.commands.info import info, rss_bytes
from resp_server.commands.monitor import monitor
from resp_server.commands.protected import check_debug
from resp_server.commands.table import CommandSpec, spec
from resp_server.resp.numbers import LLONG_MAX
from resp_server.resp.replies import ERR_SYNTAX, OK, RespError, Status, Verbatim

if TYPE_CHECKING:
    from resp_server.client import ClientState
    from resp_server.state import ServerState


def _policy(s: ServerState) -> str:
    return s.keyspace.policy


ERR_NO_PERSISTENCE = "ERR persistence is not supported by this server"
ERR_NO_SAVE = ("ERR persistence is not supported by this server: start it with --memory-file PATH "
               "to keep the cache across restarts (SHUTDOWN saves it)")
EMBSTR_SIZE_LIMIT = 44        # Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT, bytes
LFU_POLICIES = ("allkeys-lfu", "volatile-lfu")

# --- COMMAND ----------------------------------------------------------------------------------
# The data (flags order, ACL categories, tips, key specs, docs) is in docs.py; subcommands are the
# entries of each container's SubTable.


def _table() -> dict[bytes, CommandSpec]:
    from resp_server.commands.table import TABLE

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
    return c.server.keyspace.lfu_frequency(item)


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
    rss = rss_bytes()
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
    """DEBUG SLEEP seconds | JMAP | OBJECT key | SET-ACTIVE-EXPIRE 0|1 | HELP (a useful subset),
    if enabled."""
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
    if sub == b"set-active-expire" and len(argv) == 3:
        # Redis: atoi (leading digits, else 0), any non-zero is on
        m = re.match(rb"\s*[+-]?\d+", arg_bytes(argv[2]))
        c.server.active_expire = bool(m and int(m.group()))
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
                                    "SET-ACTIVE-EXPIRE <0|1>",
                                    "    Setting it to 0 disables expiring keys in background "
                                    "when they are not",
                                    "    accessed (otherwise the Redis behavior). Setting it "
                                    "to 1 reenables back the",
                                    "    default.",
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
