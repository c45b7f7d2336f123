"""Argument parsing shared by the command modules: integers as Redis reads them, subcommands.

Redis reads integer arguments with `string2ll`: optional '-', no '+', no spaces, no leading zeros,
at most 20 characters, within a signed 64-bit long. `parse_ll` reproduces that exactly, so
`INCR` on "007" or `EXPIRE k +10` fail as in Redis. Subcommand containers (CLIENT, CONFIG, ...)
dispatch through a `SubTable` of (handler, arity), which answers Redis's unknown-subcommand and
`'client|setname'`-style arity errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from resp_server.commands.table import arity_ok
from resp_server.resp.numbers import parse_ll
from resp_server.resp.replies import ERR_DB_INDEX, ERR_NOT_INT, RespError, Status

if TYPE_CHECKING:
    from resp_server.client import ClientState

INT_MAX = (1 << 31) - 1
INT_MIN = -(1 << 31)


def get_ll(arg: bytes, err: str = ERR_NOT_INT) -> int:
    """getLongLongFromObjectOrReply: the integer or a RespError with `err`."""
    v = parse_ll(arg)
    if v is None:
        raise RespError(err)
    return v


ERR_INT_RANGE = "ERR value is out of range, value must between -2147483648 and 2147483647"


def get_int(arg: bytes, err: str | None = None) -> int:
    """getIntFromObjectOrReply: a 32-bit signed integer (Redis's two errors, or `err` for both)."""
    v = parse_ll(arg)
    if v is None:
        raise RespError(err or ERR_NOT_INT)
    if not INT_MIN <= v <= INT_MAX:
        raise RespError(err or ERR_INT_RANGE)
    return v


def get_range(arg: bytes, lo: int, hi: int, err: str) -> int:
    """getRangeLongFromObjectOrReply: an integer within [lo, hi], else ERR `err`."""
    v = parse_ll(arg)
    if v is None or not lo <= v <= hi:
        raise RespError(err)
    return v


def lower(arg: bytes) -> bytes:
    return bytes(arg).lower()


def text(arg: bytes) -> str:
    """An argument as text (names, numbers to parse; invalid UTF-8 replaced)."""
    return bytes(arg).decode("utf-8", "replace")


ERROR_TEXT_ERRORS = "surrogateescape"
"""How argument bytes echoed in error replies are decoded. Redis copies the bytes; an exact
echo of invalid UTF-8 needs "surrogateescape" here and in the encoder's error()."""


def as_bytes(arg: object) -> bytes:
    """An argument as bytes: a big argument received into store memory (a Reservation) or a
    plain buffer is joined/copied; bytes pass through."""
    if type(arg) is bytes:
        return arg
    if hasattr(arg, "views"):
        return b"".join(arg.views())  # type: ignore[attr-defined]
    return bytes(arg)  # type: ignore[call-overload]


def arg_bytes(arg: object, limit: int | None = None) -> bytes:
    """An argument as C's %s / %.*s sees it: up to its first NUL byte, at most `limit` bytes."""
    if hasattr(arg, "views"):   # a big argument held in store memory
        data = b"".join(bytes(v[:limit]) if limit is not None else bytes(v)
                        for v in arg.views())  # type: ignore[attr-defined]
    else:
        data = bytes(arg)  # type: ignore[call-overload]
    nul = data.find(b"\0")
    if nul >= 0:
        data = data[:nul]
    return data if limit is None else data[:limit]


def err_text(arg: object, limit: int | None = None) -> str:
    """An argument for an error message: the bytes Redis's %s or %.<limit>s would print."""
    return arg_bytes(arg, limit).decode("utf-8", ERROR_TEXT_ERRORS)


def db_index(c: ClientState, arg: bytes, err: str | None = None) -> int:
    """A database number that exists, or the Redis errors for a bad one: read as an int
    (getIntFromObjectOrReply: not an integer / out of int range), then range-checked."""
    db = get_int(arg, err)
    if not 0 <= db < c.server.config.store.databases:
        raise RespError(ERR_DB_INDEX)
    return db


SubHandler = Callable[["ClientState", list], object]
SUBTABLES: dict[str, SubTable] = {}
"""Container command name -> its SubTable (filled as the command modules are imported)."""


class SubTable:
    """Subcommands of one container command: lower-case name -> (handler, arity as in Redis).

    Every SubTable registers itself in SUBTABLES under its parent's name (COMMAND INFO/DOCS/LIST
    list the subcommands, MONITOR looks at a subcommand's own flags).
    """

    def __init__(self, parent: str, entries: dict[str, tuple[SubHandler, int]]) -> None:
        self.parent = parent
        self.entries = {k.encode(): v for k, v in entries.items()}
        SUBTABLES[parent] = self

    def names(self) -> list[str]:
        return [k.decode() for k in self.entries]

    def check(self, argv: list) -> SubHandler:
        """commandCheckExistence + commandCheckArity for `PARENT sub ...`: the handler, or
        Redis's unknown-subcommand / `'client|setname'` arity error."""
        sub = lower(argv[1])
        entry = self.entries.get(sub)
        if entry is None:
            raise RespError(f"ERR unknown subcommand '{err_text(argv[1], 128)}'. "
                            f"Try {self.parent.upper()} HELP.")
        handler, arity = entry
        n = len(argv)
        if not arity_ok(arity, n):
            raise RespError(f"ERR wrong number of arguments for "
                            f"'{self.parent}|{sub.decode()}' command")
        return handler

    def full_name(self, argv: list) -> str | None:
        """"parent|sub" when argv names one of our subcommands (commandstats, CLIENT LIST cmd=)."""
        if len(argv) < 2:
            return None
        sub = lower(argv[1])
        return f"{self.parent}|{sub.decode()}" if sub in self.entries else None

    def __call__(self, c: ClientState, argv: list) -> object:
        handler = self.check(argv)
        c.last_cmd = b"%s|%s" % (self.parent.encode(), lower(argv[1]))   # CLIENT LIST's cmd=
        return handler(c, argv)


def subcommand_syntax_error(argv: list) -> RespError:
    """addReplySubcommandSyntaxError: a subcommand's own argument-count check failed."""
    return RespError(f"ERR unknown subcommand or wrong number of arguments for "
                     f"'{err_text(argv[1], 128)}'. Try {err_text(argv[0]).upper()} HELP.")


def help_reply(parent: str, lines: list[str]) -> list[Status]:
    """The reply of `<PARENT> HELP` (status lines): usage, the given lines, HELP's own entry."""
    head = f"{parent.upper()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    return [Status(x.encode()) for x in (head, *lines, "HELP", "    Prints this help.")]
