"""String commands (t_string.c): GET/SET and variants, MGET/MSET, ranges, counters, floats.

Thin commands over a few generic helpers, as in Redis: SET, SETNX, SETEX, PSETEX and GETSET
call `set_generic`; INCR, DECR, INCRBY, DECRBY call `incr_generic`; SET and GETEX share the
option parser `parse_set_options`, driven by the `_OPTIONS` table. GET-like replies return the
store Item itself so the connection sends the value straight from slab memory; values that are
about to be overwritten or deleted are copied out first. Expiry times are absolute milliseconds.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resp_server.commands.args import as_bytes, get_ll, lower, parse_ll
from resp_server.commands.db import (
    mark_raw,
    now_ms,
    peek,
    put,
    read,
    value_bytes,
    value_slice,
)
from resp_server.commands.table import spec
from resp_server.resp.numbers import LLONG_MAX, LLONG_MIN
from resp_server.resp.replies import ERR_NOT_FLOAT, ERR_SYNTAX, OK, RespError

if TYPE_CHECKING:
    from resp_server.client import ClientState

ERR_MAX_SIZE = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
ERR_OVERFLOW = "ERR increment or decrement would overflow"
MAX_LONG_DOUBLE_CHARS = 5 * 1024   # Redis's buffer for long double text (util.h)

# --- SET / GETEX options ----------------------------------------------------------------------

_EXPIRY = frozenset(("EX", "PX", "EXAT", "PXAT"))
_TTL_OPTS = _EXPIRY | {"KEEPTTL", "PERSIST"}


@dataclass(frozen=True, slots=True)
class _Option:
    commands: frozenset[str]      # "set" / "get" command types that accept it
    excludes: frozenset[str]      # flags that must not already be present
    has_arg: bool = False


# parseExtendedStringArgumentsOrReply, as data. EX after EX is allowed (the last one wins).
_OPTIONS: dict[bytes, tuple[str, _Option]] = {
    b"nx": ("NX", _Option(frozenset({"set"}), frozenset({"XX"}))),
    b"xx": ("XX", _Option(frozenset({"set"}), frozenset({"NX"}))),
    b"get": ("GET", _Option(frozenset({"set"}), frozenset())),
    b"keepttl": ("KEEPTTL", _Option(frozenset({"set"}), frozenset({"PERSIST"}) | _EXPIRY)),
    b"persist": ("PERSIST", _Option(frozenset({"get"}), _EXPIRY | {"KEEPTTL"})),
    b"ex": ("EX", _Option(frozenset({"set", "get"}), _TTL_OPTS - {"EX"}, True)),
    b"px": ("PX", _Option(frozenset({"set", "get"}), _TTL_OPTS - {"PX"}, True)),
    b"exat": ("EXAT", _Option(frozenset({"set", "get"}), _TTL_OPTS - {"EXAT"}, True)),
    b"pxat": ("PXAT", _Option(frozenset({"set", "get"}), _TTL_OPTS - {"PXAT"}, True)),
}
_UNIT_MS = {"EX": 1000, "EXAT": 1000, "PX": 1, "PXAT": 1}
_RELATIVE = frozenset(("EX", "PX"))


def parse_set_options(args: list, command_type: str) -> tuple[set[str], str | None, bytes | None]:
    """Flags, the expiry option given (EX/PX/EXAT/PXAT or None) and its raw argument."""
    flags: set[str] = set()
    unit: str | None = None
    raw: bytes | None = None
    i = 0
    while i < len(args):
        entry = _OPTIONS.get(lower(args[i]))
        if entry is None:
            raise RespError(ERR_SYNTAX)
        flag, opt = entry
        has_next = i + 1 < len(args)
        if command_type not in opt.commands or flags & opt.excludes or (opt.has_arg and not has_next):
            raise RespError(ERR_SYNTAX)
        flags.add(flag)
        if opt.has_arg:
            unit, raw = flag, args[i + 1]
            i += 1
        i += 1
    return flags, unit, raw


def expire_at_ms(c: ClientState, unit: str, raw: bytes, command: str) -> int:
    """getExpireMillisecondsOrReply: the absolute expiry time in ms, validated like Redis."""
    n = get_ll(raw)
    err = f"ERR invalid expire time in '{command}' command"
    if n <= 0 or (_UNIT_MS[unit] == 1000 and n > LLONG_MAX // 1000):
        raise RespError(err)
    n *= _UNIT_MS[unit]
    if unit in _RELATIVE:
        n += now_ms(c)
    if n <= 0 or n > LLONG_MAX:
        raise RespError(err)
    return n


# --- SET family -------------------------------------------------------------------------------

def set_generic(c: ClientState, key: bytes, value, flags: set[str], expire_at: int | None,
                ok_reply: object = OK, abort_reply: object = None) -> object:
    """setGenericCommand: NX/XX conditions, GET's old value, KEEPTTL, expiry."""
    old = None
    if "GET" in flags:
        item = read(c, key)
        old = value_bytes(item) if item is not None else None
    if "NX" in flags or "XX" in flags:
        found = peek(c, key) is not None
        if ("NX" in flags and found) or ("XX" in flags and not found):
            return old if "GET" in flags else abort_reply
    if expire_at is not None and expire_at <= now_ms(c):
        c.server.keyspace.delete(c.db, key)      # already in the past: the key is gone
    else:
        put(c, key, value, expire_at=expire_at, keep_ttl="KEEPTTL" in flags)
    return old if "GET" in flags else ok_reply


def set_cmd(c: ClientState, argv: list) -> object:
    if len(argv) == 3:                      # plain SET: the hot path
        put(c, argv[1], argv[2])
        return OK
    flags, unit, raw = parse_set_options(argv[3:], "set")
    at = expire_at_ms(c, unit, raw, "set") if unit else None
    return set_generic(c, argv[1], argv[2], flags, at)


def setnx(c: ClientState, argv: list) -> object:
    return set_generic(c, argv[1], argv[2], {"NX"}, None, 1, 0)


def setex(c: ClientState, argv: list) -> object:
    return set_generic(c, argv[1], argv[3], set(), expire_at_ms(c, "EX", argv[2], "setex"))


def psetex(c: ClientState, argv: list) -> object:
    return set_generic(c, argv[1], argv[3], set(), expire_at_ms(c, "PX", argv[2], "psetex"))


def getset(c: ClientState, argv: list) -> object:
    return set_generic(c, argv[1], argv[2], {"GET"}, None)


def mset_generic(c: ClientState, argv: list, nx: bool) -> object:
    """msetGenericCommand: pairs of key value; MSETNX sets nothing if any key exists."""
    if len(argv) % 2 == 0:
        raise RespError(f"ERR wrong number of arguments for '{'msetnx' if nx else 'mset'}' command")
    pairs = [(as_bytes(argv[i]), argv[i + 1]) for i in range(1, len(argv), 2)]
    if nx and any(peek(c, k) is not None for k, _ in pairs):
        return 0
    for k, v in pairs:
        put(c, k, v)
    return 1 if nx else OK


def mset(c: ClientState, argv: list) -> object:
    return mset_generic(c, argv, False)


def msetnx(c: ClientState, argv: list) -> object:
    return mset_generic(c, argv, True)


# --- reads ------------------------------------------------------------------------------------

def get(c: ClientState, argv: list) -> object:
    return read(c, argv[1])


def mget(c: ClientState, argv: list) -> object:
    return [read(c, k) for k in argv[1:]]


def getdel(c: ClientState, argv: list) -> object:
    item = read(c, argv[1])
    if item is None:
        return None
    value = value_bytes(item)
    c.server.keyspace.delete(c.db, argv[1])
    return value


def getex(c: ClientState, argv: list) -> object:
    """GETEX key [EX|PX|EXAT|PXAT time | PERSIST]: GET that also sets or clears the TTL."""
    flags, unit, raw = parse_set_options(argv[2:], "get")
    key = argv[1]
    item = read(c, key)
    if item is None:
        return None
    at = expire_at_ms(c, unit, raw, "getex") if unit else None
    ks = c.server.keyspace
    if at is not None and at <= now_ms(c):
        value = value_bytes(item)
        ks.delete(c.db, key)
        return value
    if at is not None:
        ks.set_expire(c.db, key, at)
    elif "PERSIST" in flags and item.expire_at is not None:
        ks.set_expire(c.db, key, None)
    return item


def strlen(c: ClientState, argv: list) -> object:
    item = read(c, argv[1])
    return 0 if item is None else item.length


def getrange(c: ClientState, argv: list) -> object:
    """GETRANGE key start end (inclusive, negative counts from the end)."""
    start, end = get_ll(argv[2]), get_ll(argv[3])
    item = read(c, argv[1])
    if item is None or (start < 0 and end < 0 and start > end):
        return b""
    n = item.length
    start = max(0, n + start if start < 0 else start)
    end = max(0, n + end if end < 0 else end)
    end = min(end, n - 1)
    if start > end or n == 0:
        return b""
    return value_slice(item, start, end + 1)


# --- in-place edits ---------------------------------------------------------------------------

def _check_size(c: ClientState, total: int) -> None:
    if total > c.server.proto_max_bulk_len:
        raise RespError(ERR_MAX_SIZE)


def append(c: ClientState, argv: list) -> object:
    key, tail = argv[1], argv[2]
    item = peek(c, key)
    if item is None:
        put(c, key, tail)
        return len(tail)
    _check_size(c, item.length + len(tail))
    value = value_bytes(item) + bytes(tail)
    mark_raw(c, put(c, key, value, keep_ttl=True))
    return len(value)


def setrange(c: ClientState, argv: list) -> object:
    """SETRANGE key offset value: overwrite from offset, zero-padding as needed."""
    key, patch = argv[1], bytes(argv[3])
    offset = get_ll(argv[2])
    if offset < 0:
        raise RespError("ERR offset is out of range")
    item = peek(c, key)
    if not patch:
        return 0 if item is None else item.length
    _check_size(c, offset + len(patch))
    old = value_bytes(item) if item is not None else b""
    if len(old) < offset:
        old += bytes(offset - len(old))
    value = old[:offset] + patch + old[offset + len(patch):]
    mark_raw(c, put(c, key, value, keep_ttl=True))
    return len(value)


# --- counters ---------------------------------------------------------------------------------

def incr_generic(c: ClientState, key: bytes, delta: int) -> object:
    """incrDecrCommand: integer add with Redis's overflow check; the TTL is kept."""
    item = peek(c, key)
    value = 0
    if item is not None:
        parsed = parse_ll(value_bytes(item)) if item.length <= 20 else None
        if parsed is None:
            raise RespError("ERR value is not an integer or out of range")
        value = parsed
    if (delta < 0 and value < 0 and delta < LLONG_MIN - value) or \
            (delta > 0 and value > 0 and delta > LLONG_MAX - value):
        raise RespError(ERR_OVERFLOW)
    value += delta
    put(c, key, b"%d" % value, keep_ttl=True)
    return value


def incr(c: ClientState, argv: list) -> object:
    return incr_generic(c, argv[1], 1)


def decr(c: ClientState, argv: list) -> object:
    return incr_generic(c, argv[1], -1)


def incrby(c: ClientState, argv: list) -> object:
    return incr_generic(c, argv[1], get_ll(argv[2]))


def decrby(c: ClientState, argv: list) -> object:
    delta = get_ll(argv[2])
    if delta == LLONG_MIN:
        raise RespError("ERR decrement would overflow")
    return incr_generic(c, argv[1], -delta)


_FLOAT_RE = re.compile(rb"[+-]?(inf(inity)?|(0x[0-9a-f]*\.?[0-9a-f]*(p[+-]?[0-9]+)?)"
                       rb"|([0-9]*\.?[0-9]*(e[+-]?[0-9]+)?))", re.IGNORECASE)


def parse_long_double(raw: bytes):
    """string2ld: a numpy long double (x87 80-bit, as Redis's), or None when Redis rejects it."""
    import numpy as np

    if not raw or len(raw) >= MAX_LONG_DOUBLE_CHARS or not _FLOAT_RE.fullmatch(raw):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = np.longdouble(raw.decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            return None
    if np.isnan(value):
        return None
    if np.isinf(value) and b"inf" not in raw.lower():
        return None      # ERANGE overflow
    if value == 0 and re.search(rb"[1-9]", raw.split(b"e")[0].split(b"E")[0].lstrip(b"0x")):
        return None      # ERANGE underflow to zero
    return value


def format_long_double(value) -> bytes:
    """ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a bare dot) removed."""
    import numpy as np

    text = np.format_float_positional(value, precision=17, unique=False, fractional=True,
                                      trim="-")
    return b"0" if text in ("-0", "0") else text.encode()


def incrbyfloat(c: ClientState, argv: list) -> object:
    """INCRBYFLOAT key increment: long double arithmetic and formatting, as Redis."""
    import numpy as np

    key = argv[1]
    item = peek(c, key)
    current = np.longdouble(0)
    if item is not None:
        current = parse_long_double(value_bytes(item))
        if current is None:
            raise RespError(ERR_NOT_FLOAT)
    incr = parse_long_double(bytes(argv[2]))
    if incr is None:
        raise RespError(ERR_NOT_FLOAT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        total = current + incr
    if np.isnan(total) or np.isinf(total):
        raise RespError("ERR increment would produce NaN or Infinity")
    text = format_long_double(total)
    put(c, key, text, keep_ttl=True)
    return text


# --- table ------------------------------------------------------------------------------------

K1 = (1, 1, 1)
COMMANDS = [
    spec("get", get, 2, "readonly fast", K1, "string", "Get the value of a key"),
    spec("set", set_cmd, -3, "write denyoom bigvalue", K1, "string",
         "Set the string value of a key"),
    spec("setnx", setnx, 3, "write denyoom fast bigvalue", K1, "string",
         "Set the value of a key, only if the key does not exist"),
    spec("setex", setex, 4, "write denyoom bigvalue", K1, "string",
         "Set the value and expiration of a key", "2.0.0"),
    spec("psetex", psetex, 4, "write denyoom bigvalue", K1, "string",
         "Set the value and expiration in milliseconds of a key", "2.6.0"),
    spec("getset", getset, 3, "write denyoom fast bigvalue", K1, "string",
         "Set the string value of a key and return its old value"),
    spec("getdel", getdel, 2, "write fast", K1, "string",
         "Get the value of a key and delete the key", "6.2.0"),
    spec("getex", getex, -2, "write fast", K1, "string",
         "Get the value of a key and optionally set its expiration", "6.2.0"),
    spec("mget", mget, -2, "readonly fast", (1, -1, 1), "string",
         "Get the values of all the given keys"),
    spec("mset", mset, -3, "write denyoom bigvalue", (1, -1, 2), "string",
         "Set multiple keys to multiple values", "1.0.1"),
    spec("msetnx", msetnx, -3, "write denyoom bigvalue", (1, -1, 2), "string",
         "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1"),
    spec("append", append, 3, "write denyoom fast", K1, "string",
         "Append a value to a key", "2.0.0"),
    spec("strlen", strlen, 2, "readonly fast", K1, "string",
         "Get the length of the value stored in a key", "2.2.0"),
    spec("getrange", getrange, 4, "readonly", K1, "string",
         "Get a substring of the string stored at a key", "2.4.0"),
    spec("substr", getrange, 4, "readonly", K1, "string",
         "Get a substring of the string stored at a key", "1.0.0"),
    spec("setrange", setrange, 4, "write denyoom", K1, "string",
         "Overwrite part of a string at key starting at the specified offset", "2.2.0"),
    spec("incr", incr, 2, "write denyoom fast", K1, "string",
         "Increment the integer value of a key by one"),
    spec("decr", decr, 2, "write denyoom fast", K1, "string",
         "Decrement the integer value of a key by one"),
    spec("incrby", incrby, 3, "write denyoom fast", K1, "string",
         "Increment the integer value of a key by the given amount"),
    spec("decrby", decrby, 3, "write denyoom fast", K1, "string",
         "Decrement the integer value of a key by the given number"),
    spec("incrbyfloat", incrbyfloat, 3, "write denyoom fast", K1, "string",
         "Increment the float value of a key by the given amount", "2.6.0"),
]
