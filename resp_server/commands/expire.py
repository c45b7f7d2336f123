"""TTL commands (expire.c): EXPIRE PEXPIRE EXPIREAT PEXPIREAT, TTL PTTL EXPIRETIME
PEXPIRETIME, PERSIST.

Thin commands over two generic helpers as in Redis: the four setters call `expire_generic`
(NX/XX/GT/LT parsed as data, a time already past deletes the key), the four readers call
`ttl_generic`. Times are integer milliseconds since the epoch (the store clock).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.commands.args import err_text, get_ll, lower
from resp_server.commands.db import now_ms, peek, read_notouch
from resp_server.commands.table import spec
from resp_server.resp.numbers import LLONG_MAX, LLONG_MIN
from resp_server.resp.replies import RespError

if TYPE_CHECKING:
    from resp_server.client import ClientState

K1 = (1, 1, 1)


_EXPIRE_FLAGS = {b"nx": "NX", b"xx": "XX", b"gt": "GT", b"lt": "LT"}


def parse_expire_flags(args: list) -> set[str]:
    """parseExtendedExpireArgumentsOrReply: NX | XX | GT | LT, with Redis's conflict errors."""
    flags: set[str] = set()
    for a in args:
        flag = _EXPIRE_FLAGS.get(lower(a))
        if flag is None:
            raise RespError(f"ERR Unsupported option {err_text(a)}")
        flags.add(flag)
    if "NX" in flags and flags & {"XX", "GT", "LT"}:
        raise RespError("ERR NX and XX, GT or LT options at the same time are not compatible")
    if {"GT", "LT"} <= flags:
        raise RespError("ERR GT and LT options at the same time are not compatible")
    return flags


def _expire_refused(flags: set[str], when: int, current: int | None) -> bool:
    """True when NX/XX/GT/LT say the new expiry must not be set (no TTL counts as infinite)."""
    if "NX" in flags and current is not None:
        return True
    if "XX" in flags and current is None:
        return True
    if "GT" in flags and (current is None or when <= current):
        return True
    return "LT" in flags and current is not None and when >= current


def expire_generic(c: ClientState, argv: list, basetime: int, unit_ms: int) -> object:
    """expireGenericCommand: relative (basetime = now) or absolute (basetime = 0) expiry."""
    key = argv[1]
    flags = parse_expire_flags(argv[3:])
    when = get_ll(argv[2])
    err = f"ERR invalid expire time in '{lower(argv[0]).decode()}' command"
    if unit_ms == 1000:
        if when > LLONG_MAX // 1000 or when < -(-LLONG_MIN // 1000):
            raise RespError(err)
        when *= 1000
    if when > LLONG_MAX - basetime:
        raise RespError(err)
    when += basetime
    item = peek(c, key)
    if item is None:
        return 0
    if flags and _expire_refused(flags, when, item.expire_at):
        return 0
    c.server.keyspace.set_expire(c.db, key, when)   # a time in the past deletes the key
    return 1


def expire(c: ClientState, argv: list) -> object:
    return expire_generic(c, argv, now_ms(c), 1000)


def pexpire(c: ClientState, argv: list) -> object:
    return expire_generic(c, argv, now_ms(c), 1)


def expireat(c: ClientState, argv: list) -> object:
    return expire_generic(c, argv, 0, 1000)


def pexpireat(c: ClientState, argv: list) -> object:
    return expire_generic(c, argv, 0, 1)


def ttl_generic(c: ClientState, key: bytes, output_ms: bool, absolute: bool) -> int:
    """ttlGenericCommand: -2 no key, -1 no TTL, else remaining (or absolute) time."""
    item = read_notouch(c, key)
    if item is None:
        return -2
    if item.expire_at is None:
        return -1
    t = item.expire_at if absolute else max(0, item.expire_at - now_ms(c))
    return t if output_ms else (t + 500) // 1000


def ttl(c: ClientState, argv: list) -> object:
    return ttl_generic(c, argv[1], False, False)


def pttl(c: ClientState, argv: list) -> object:
    return ttl_generic(c, argv[1], True, False)


def expiretime(c: ClientState, argv: list) -> object:
    return ttl_generic(c, argv[1], False, True)


def pexpiretime(c: ClientState, argv: list) -> object:
    return ttl_generic(c, argv[1], True, True)


def persist(c: ClientState, argv: list) -> object:
    item = peek(c, argv[1])
    if item is None or item.expire_at is None:
        return 0
    c.server.keyspace.set_expire(c.db, argv[1], None)
    return 1


COMMANDS = [
    spec("expire", expire, -3, "write fast", K1, "generic",
         "Set a key's time to live in seconds"),
    spec("pexpire", pexpire, -3, "write fast", K1, "generic",
         "Set a key's time to live in milliseconds", "2.6.0"),
    spec("expireat", expireat, -3, "write fast", K1, "generic",
         "Set the expiration for a key as a UNIX timestamp", "1.2.0"),
    spec("pexpireat", pexpireat, -3, "write fast", K1, "generic",
         "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0"),
    spec("ttl", ttl, 2, "readonly fast", K1, "generic", "Get the time to live for a key in seconds"),
    spec("pttl", pttl, 2, "readonly fast", K1, "generic",
         "Get the time to live for a key in milliseconds", "2.6.0"),
    spec("expiretime", expiretime, 2, "readonly fast", K1, "generic",
         "Get the expiration Unix timestamp for a key", "7.0.0"),
    spec("pexpiretime", pexpiretime, 2, "readonly fast", K1, "generic",
         "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0"),
    spec("persist", persist, 2, "write fast", K1, "generic",
         "Remove the expiration from a key", "2.2.0"),
]
