"""DUMP and RESTORE (cluster.c): a key's value as Redis's serialized payload, and back.

Payloads are rdb/payload.py's, byte-identical to Redis 7.0's for strings, so a DUMP taken from
real Redis RESTOREs here and ours RESTOREs there. RESTORE checks, in Redis's order: options
(REPLACE ABSTTL IDLETIME FREQ; IDLETIME and FREQ exclude each other), BUSYKEY, the TTL, the
payload's version and CRC, its body. A TTL already in the past stores nothing (and REPLACE still
deletes the old key). IDLETIME applies under LRU-type policies and FREQ under LFU ones, as Redis's
objectSetLRUOrLFU; FREQ sets the Redis LFU counter (store/lfu.py), capped at 255.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.commands.args import arg_bytes, as_bytes, get_ll
from resp_server.commands.db import now_ms, peek, put, read, value_bytes
from resp_server.commands.table import spec
from resp_server.config import LFU_POLICIES
from resp_server.rdb.payload import PayloadError, dump_string, load_string
from resp_server.resp.replies import ERR_SYNTAX, OK, RespError

if TYPE_CHECKING:
    from resp_server.client import ClientState

ERR_BUSYKEY = "BUSYKEY Target key name already exists."


def dump(c: ClientState, argv: list) -> object:
    item = read(c, argv[1])
    return None if item is None else dump_string(value_bytes(item))


def _restore_options(argv: list) -> tuple[bool, bool, int | None, int | None]:
    """(REPLACE, ABSTTL, IDLETIME seconds, FREQ) as restoreCommand parses them."""
    replace = absttl = False
    idle: int | None = None
    freq: int | None = None
    j = 4
    while j < len(argv):
        opt = arg_bytes(argv[j]).lower()
        more = len(argv) - j - 1
        if opt == b"replace":
            replace = True
        elif opt == b"absttl":
            absttl = True
        elif opt == b"idletime" and more >= 1 and freq is None:
            idle = get_ll(argv[j + 1])
            if idle < 0:
                raise RespError("ERR Invalid IDLETIME value, must be >= 0")
            j += 1
        elif opt == b"freq" and more >= 1 and idle is None:
            freq = get_ll(argv[j + 1])
            if not 0 <= freq <= 255:
                raise RespError("ERR Invalid FREQ value, must be >= 0 and <= 255")
            j += 1
        else:
            raise RespError(ERR_SYNTAX)
        j += 1
    return replace, absttl, idle, freq


def restore_value(c: ClientState, key: bytes, ttl: int, value: bytes, replace: bool,
                  idle: int | None = None, freq: int | None = None) -> None:
    """Store a restored value: `ttl` is an absolute ms time (0: none); past means deleted."""
    ks = c.server.keyspace
    if replace:
        ks.delete(c.db, key)
    if ttl and ttl <= now_ms(c):
        return
    item = put(c, key, value, expire_at=ttl or None)
    lfu = ks.policy in LFU_POLICIES
    if lfu and freq is not None:
        ks.restore_access(item, None, freq)
    elif not lfu and idle is not None:
        ks.restore_access(item, now_ms(c) - idle * 1000, None)


def restore(c: ClientState, argv: list) -> object:
    """RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]."""
    replace, absttl, idle, freq = _restore_options(argv)
    key = argv[1]
    if not replace and peek(c, key) is not None:
        raise RespError(ERR_BUSYKEY)
    ttl = get_ll(argv[2])
    if ttl < 0:
        raise RespError("ERR Invalid TTL value, must be >= 0")
    try:
        value = load_string(as_bytes(argv[3]))
    except PayloadError as e:
        raise RespError(e.msg) from None
    if ttl and not absttl:
        ttl += now_ms(c)
    restore_value(c, key, ttl, value, replace, idle, freq)
    return OK


COMMANDS = [
    spec("dump", dump, 2, "readonly", (1, 1, 1), "generic",
         "Return a serialized version of the value stored at the specified key.", "2.6.0"),
    spec("restore", restore, -4, "write denyoom", (1, 1, 1), "generic",
         "Create a key using the provided serialized value, previously obtained using DUMP.",
         "2.6.0"),
]
