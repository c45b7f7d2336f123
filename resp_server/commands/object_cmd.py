"""OBJECT (object.c) and MEMORY: what the store knows of one key, and of its memory.

OBJECT ENCODING derives Redis's encoding from the value (int, embstr, raw after APPEND/SETRANGE);
IDLETIME reads the access stamp, FREQ the LFU counter (store/lfu.py), each only under the policy
family Redis tracks it under. MEMORY USAGE is the key's chunk bytes plus its key overhead; STATS
and DOCTOR report the slab allocator's figures in Redis's shape.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from resp_server.commands.args import (
    SubTable,
    get_ll,
    help_reply,
    lower,
    parse_ll,
)
from resp_server.commands.db import is_raw, is_unshared, read_notouch, value_bytes
from resp_server.commands.info import rss_bytes
from resp_server.commands.table import spec
from resp_server.config import LFU_POLICIES
from resp_server.resp.replies import ERR_SYNTAX, OK, RespError, Verbatim

if TYPE_CHECKING:
    from resp_server.client import ClientState



EMBSTR_SIZE_LIMIT = 44        # Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT, bytes


# --- OBJECT -----------------------------------------------------------------------------------

def encoding_of(c: ClientState, item) -> bytes:
    """OBJECT ENCODING: raw after APPEND/SETRANGE (see db.mark_raw); else int for integers that
    fit a long, embstr up to 44 bytes, raw above."""
    if is_raw(c, item):
        return b"raw"
    if item.length <= 20 and parse_ll(item.to_bytes()) is not None:
        return b"int"
    return b"embstr" if item.length <= EMBSTR_SIZE_LIMIT else b"raw"


def idle_seconds(item) -> int:
    """Seconds since the item's last access (the store's access stamp)."""
    return max(0, (int(time.time() * 1000) - item.atime_ms) // 1000)


def object_encoding(c: ClientState, argv: list) -> object:
    item = read_notouch(c, argv[2])
    return None if item is None else encoding_of(c, item)


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
    if item.length > 4 or is_unshared(c, item) or (
            ks.maxmemory and c.server.keyspace.policy in NO_SHARED_INTEGERS_POLICIES):
        return 1
    value = parse_ll(value_bytes(item))
    return 2147483647 if value is not None and 0 <= value < SHARED_INTEGERS else 1


def object_idletime(c: ClientState, argv: list) -> object:
    item = read_notouch(c, argv[2])
    if item is None:
        return None
    if c.server.keyspace.policy in LFU_POLICIES:
        raise RespError("ERR An LFU maxmemory policy is selected, idle time not tracked. Please "
                        "note that when switching between policies at runtime LRU and LFU data "
                        "will take some time to adjust.")
    return idle_seconds(item)


def object_freq(c: ClientState, argv: list) -> object:
    item = read_notouch(c, argv[2])
    if item is None:
        return None
    if c.server.keyspace.policy not in LFU_POLICIES:
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


COMMANDS = [
    spec("memory", memory, -2, "container", group="server",
         summary="A container for memory diagnostics commands", since="4.0.0"),
    spec("object", object_cmd, -2, "container", group="generic",
         summary="A container for object introspection commands", since="2.2.3"),
]
