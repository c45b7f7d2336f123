"""Keyspace commands (db.c): existence, renames, copies, iteration, databases.

Thin commands over generic helpers as in Redis (TTL commands: expire.py): RENAME/RENAMENX call
`rename_generic`; FLUSHDB/FLUSHALL share `flush_flags`.
Every key holds a string (other types are not served), so TYPE is "string" or "none". Times are
integer milliseconds since the epoch (the store clock).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.commands.args import db_index, get_int, get_ll, lower
from resp_server.commands.db import (
    is_raw,
    mark_raw,
    mark_unshared,
    peek,
    read,
    read_notouch,
)
from resp_server.commands.glob import is_literal, matcher
from resp_server.commands.routing import refuse_in_cluster
from resp_server.commands.table import spec
from resp_server.resp.replies import ERR_DB_INDEX, ERR_NO_KEY, ERR_SYNTAX, OK, RespError, Status

if TYPE_CHECKING:
    from resp_server.client import ClientState

ERR_SAME = "ERR source and destination objects are the same"
ULONG_MAX = (1 << 64) - 1

# --- existence --------------------------------------------------------------------------------


def delete(c: ClientState, argv: list) -> object:
    ks = c.server.keyspace
    return sum(1 for k in argv[1:] if ks.delete(c.db, k))


def exists(c: ClientState, argv: list) -> object:
    """EXISTS; each key found is leased until it is read (store/leases.py: LMCache's lookup)."""
    ks = c.server.keyspace
    found = 0
    for k in argv[1:]:
        item = read_notouch(c, k)
        if item is not None:
            found += 1
            ks.lease(c.db, item, ks.clock())
    return found


def touch(c: ClientState, argv: list) -> object:
    """TOUCH bumps the LRU even for a CLIENT NO-TOUCH client (Redis exempts it)."""
    ks = c.server.keyspace
    return sum(1 for k in argv[1:] if ks.lookup(c.db, k) is not None)


def type_cmd(c: ClientState, argv: list) -> object:
    return Status(b"none" if read_notouch(c, argv[1]) is None else b"string")


# --- rename / copy / move ---------------------------------------------------------------------

def rename_generic(c: ClientState, src: bytes, dst: bytes, nx: bool) -> object:
    """renameGenericCommand: same key is a no-op (if it exists); NX refuses an existing dst."""
    if peek(c, src) is None:
        raise RespError(ERR_NO_KEY)
    if src == dst:
        return 0 if nx else OK
    if nx and peek(c, dst) is not None:
        return 0
    c.server.keyspace.rename(c.db, src, dst)
    return 1 if nx else OK


def rename(c: ClientState, argv: list) -> object:
    return rename_generic(c, argv[1], argv[2], False)


def renamenx(c: ClientState, argv: list) -> object:
    return rename_generic(c, argv[1], argv[2], True)


def copy(c: ClientState, argv: list) -> object:
    """COPY source destination [DB destination-db] [REPLACE]."""
    src, dst = argv[1], argv[2]
    dst_db, replace = c.db, False
    i = 3
    while i < len(argv):
        opt = lower(argv[i])
        if opt == b"replace":
            replace = True
        elif opt == b"db" and i + 1 < len(argv):
            dst_db = db_index(c, argv[i + 1])
            i += 1
        else:
            raise RespError(ERR_SYNTAX)
        i += 1
    if dst_db != c.db:
        refuse_in_cluster(c, "Copying to another database")
    if dst_db == c.db and src == dst:
        raise RespError(ERR_SAME)
    if read(c, src) is None:
        return 0
    if not replace and peek(c, dst, dst_db) is not None:
        return 0
    raw = is_raw(c, peek(c, src))
    if not c.server.keyspace.copy(c.db, src, dst_db, dst, replace):
        return 0
    # dupStringObject: a raw string stays raw, an integer is a new (unshared) object
    (mark_raw if raw else mark_unshared)(c, peek(c, dst, dst_db))
    return 1


def move(c: ClientState, argv: list) -> object:
    refuse_in_cluster(c, "MOVE")
    dst_db = db_index(c, argv[2])
    if dst_db == c.db:
        raise RespError(ERR_SAME)
    return int(bool(c.server.keyspace.move(c.db, argv[1], dst_db)))


# --- iteration --------------------------------------------------------------------------------

def _live_keys(c: ClientState, pattern: bytes) -> list[bytes]:
    ks = c.server.keyspace
    if is_literal(pattern):
        return [pattern] if ks.peek(c.db, pattern) is not None else []
    if pattern == b"*":  # keysCommand's allkeys: the empty key too
        names = list(ks.keys(c.db))
    else:
        match = matcher(pattern)
        names = [k for k in ks.keys(c.db) if match(k)]
    return [k for k in names if ks.peek(c.db, k) is not None]


def keys(c: ClientState, argv: list) -> object:
    return _live_keys(c, bytes(argv[1]))


def parse_cursor(raw: bytes) -> int:
    """parseScanCursorOrReply: strtoul semantics (sign allowed, wraps), no spaces, no overflow;
    the empty string is cursor 0 (strtoul reads no digits and stops at the terminator)."""
    if not raw:
        return 0
    body = raw[1:] if raw[:1] in (b"+", b"-") else raw
    if not body or not body.isdigit() or int(body) > ULONG_MAX:
        raise RespError("ERR invalid cursor")
    value = int(body)
    return (-value) % (ULONG_MAX + 1) if raw[:1] == b"-" else value


def parse_scan_options(args: list) -> tuple[bytes | None, int, bytes | None]:
    """MATCH pattern, COUNT n (>= 1), TYPE name -> (pattern, count, type)."""
    pattern: bytes | None = None
    type_name: bytes | None = None
    count = 10
    i = 0
    while i < len(args):
        opt = lower(args[i])
        if i + 1 >= len(args) or opt not in (b"match", b"count", b"type"):
            raise RespError(ERR_SYNTAX)
        arg = args[i + 1]
        if opt == b"count":
            count = get_ll(arg)
            if count < 1:
                raise RespError(ERR_SYNTAX)
        elif opt == b"match":
            pattern = bytes(arg)
        else:
            type_name = lower(arg)
        i += 2
    return pattern, count, type_name


def scan(c: ClientState, argv: list) -> object:
    """SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]."""
    cursor = parse_cursor(bytes(argv[1]))
    pattern, count, type_name = parse_scan_options(argv[2:])
    ks = c.server.keyspace
    nxt, batch = ks.scan(c.db, cursor, count)
    if pattern is not None and pattern != b"*":  # SCAN MATCH * is no filter (empty key too)
        match = matcher(pattern)
        batch = [k for k in batch if match(k)]
    out = [k for k in batch if ks.peek(c.db, k) is not None]
    if type_name is not None and type_name != b"string":
        out = []
    return [b"%d" % nxt, out]


def randomkey(c: ClientState, argv: list) -> object:
    return c.server.keyspace.random_key(c.db)


# --- databases --------------------------------------------------------------------------------

def dbsize(c: ClientState, argv: list) -> object:
    return c.server.keyspace.dbsize(c.db)


def flush_flags(argv: list) -> None:
    """getFlushCommandFlags: optional ASYNC or SYNC (both flush at once here)."""
    if len(argv) > 2 or (len(argv) == 2 and lower(argv[1]) not in (b"sync", b"async")):
        raise RespError(ERR_SYNTAX)


def touching_existing_watched(c: ClientState, dbs: tuple[int, ...], action,
                              swap: bool = False) -> None:
    """Run a whole-db change (flush, swap) so that WATCH fires only for keys that existed.

    Redis's touchAllWatchedKeysInDb dirties a watcher only if its key was present in one of
    the databases involved; the keyspace hook reports a whole-db change, so the watchers'
    flags are restored and then set again for the keys that really existed.
    """
    s = c.server
    if not any(db in dbs for db, _ in s.watchers):
        action()
        return
    ks = s.keyspace
    existed = [(db, key) for db, key in s.watchers if db in dbs and any(
        ks.peek(x, key) is not None for x in (dbs if swap else (db,)))]
    before = {cl: cl.watch_dirty for clients in s.watchers.values() for cl in clients}
    action()
    for cl, dirty in before.items():
        cl.watch_dirty = dirty
    for dk in existed:
        for cl in s.watchers.get(dk, ()):
            cl.watch_dirty = True


def flushdb(c: ClientState, argv: list) -> object:
    flush_flags(argv)
    touching_existing_watched(c, (c.db,), lambda: c.server.keyspace.flushdb(c.db))
    return OK


def flushall(c: ClientState, argv: list) -> object:
    flush_flags(argv)
    every = tuple(range(c.server.config.store.databases))
    touching_existing_watched(c, every, c.server.keyspace.flushall)
    return OK


def swapdb(c: ClientState, argv: list) -> object:
    refuse_in_cluster(c, "SWAPDB")
    a = get_int(argv[1], "ERR invalid first DB index")   # both parsed before the range check
    b = get_int(argv[2], "ERR invalid second DB index")
    if not (0 <= a < c.server.config.store.databases and 0 <= b < c.server.config.store.databases):
        raise RespError(ERR_DB_INDEX)
    if a != b:
        touching_existing_watched(c, (a, b), lambda: c.server.keyspace.swapdb(a, b), swap=True)
    return OK


# --- table ------------------------------------------------------------------------------------

K1 = (1, 1, 1)
KALL = (1, -1, 1)
K12 = (1, 2, 1)
COMMANDS = [
    spec("del", delete, -2, "write", KALL, "generic", "Delete a key"),
    spec("unlink", delete, -2, "write fast", KALL, "generic",
         "Delete a key asynchronously in another thread. Otherwise it is just as DEL, "
         "but non blocking.", "4.0.0"),
    spec("exists", exists, -2, "readonly fast", KALL, "generic", "Determine if a key exists"),
    spec("touch", touch, -2, "readonly fast", KALL, "generic",
         "Alters the last access time of a key(s). Returns the number of existing keys "
         "specified.", "3.2.1"),
    spec("type", type_cmd, 2, "readonly fast", K1, "generic",
         "Determine the type stored at key"),
    spec("rename", rename, 3, "write", K12, "generic", "Rename a key"),
    spec("renamenx", renamenx, 3, "write fast", K12, "generic",
         "Rename a key, only if the new key does not exist"),
    spec("copy", copy, -3, "write denyoom", K12, "generic", "Copy a key", "6.2.0"),
    spec("move", move, 3, "write fast", K1, "generic", "Move a key to another database"),
    spec("keys", keys, 2, "readonly", (0, 0, 0), "generic",
         "Find all keys matching the given pattern"),
    spec("scan", scan, -2, "readonly", (0, 0, 0), "generic",
         "Incrementally iterate the keys space", "2.8.0"),
    spec("randomkey", randomkey, 1, "readonly", (0, 0, 0), "generic",
         "Return a random key from the keyspace"),
    spec("dbsize", dbsize, 1, "readonly fast", (0, 0, 0), "server",
         "Return the number of keys in the selected database"),
    spec("flushdb", flushdb, -1, "write", (0, 0, 0), "server",
         "Remove all keys from the current database"),
    spec("flushall", flushall, -1, "write", (0, 0, 0), "server",
         "Remove all keys from all databases"),
    spec("swapdb", swapdb, 3, "write fast", (0, 0, 0), "server",
         "Swaps two Redis databases", "4.0.0"),
]
