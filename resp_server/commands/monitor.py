"""MONITOR: the command and the line format fed to monitoring clients.

A line is `+<unix seconds>.<microseconds> [<db> <peer addr>] "arg" "arg" ...`, each argument
quoted and escaped as Redis's sdscatrepr does (backslash escapes for \\ " \\n \\r \\t \\a \\b,
\\xHH for other non-printable bytes). Passwords given to AUTH and HELLO ... AUTH are shown as
"(redacted)", as in Redis 7.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from resp_server.commands.args import SUBTABLES, lower
from resp_server.commands.docs import doc_of
from resp_server.commands.table import arity_ok
from resp_server.resp.replies import OK, RespError, Status

if TYPE_CHECKING:
    from resp_server.client import ClientState
    from resp_server.commands.table import CommandSpec

REDACTED = b"(redacted)"
_UNKNOWN_TO_REDIS_70 = frozenset(("client|setinfo", "client|no-touch"))
"""Redis 7.2 subcommands that 7.0 rejects (so never shows); redis-py sends SETINFO on connect."""


def _escape_table() -> list[bytes]:
    table = []
    special = {ord("\\"): b"\\\\", ord('"'): b'\\"', ord("\n"): b"\\n", ord("\r"): b"\\r",
               ord("\t"): b"\\t", 7: b"\\a", 8: b"\\b"}
    for ch in range(256):
        if ch in special:
            table.append(special[ch])
        elif 0x20 <= ch <= 0x7E:
            table.append(bytes([ch]))
        else:
            table.append(b"\\x%02x" % ch)
    return table


_ESCAPE = _escape_table()
_PLAIN = bytes(range(0x20, 0x7F)).replace(b"\\", b"").replace(b'"', b"")


def repr_arg(arg: bytes) -> bytes:
    """sdscatrepr: the argument in double quotes with C-style escapes."""
    if not arg.translate(None, _PLAIN):
        return b'"' + arg + b'"'
    return b'"' + b"".join(map(_ESCAPE.__getitem__, arg)) + b'"'


def _arg_bytes(a: object) -> bytes:
    if isinstance(a, bytes):
        return a
    if hasattr(a, "views"):
        return b"".join(a.views())
    return bytes(a)


def _redacted(argv: list) -> list[bytes]:
    """AUTH's arguments, HELLO's AUTH user/password and MIGRATE's AUTH / AUTH2 arguments replaced
    by "(redacted)"."""
    args = [_arg_bytes(a) for a in argv]
    name = lower(args[0])
    if name == b"auth":
        return [args[0]] + [REDACTED] * (len(args) - 1)
    if name == b"hello":
        for i in range(2, len(args) - 2):
            if lower(args[i]) == b"auth":
                args[i + 1] = args[i + 2] = REDACTED
    if name == b"migrate":
        _redact_migrate(args)
    return args


def _redact_migrate(args: list[bytes]) -> None:
    i = 6
    while i < len(args):
        opt = lower(args[i])
        if opt == b"keys":
            return
        n = {b"auth": 1, b"auth2": 2}.get(opt, 0)
        args[i + 1:i + 1 + n] = [REDACTED] * len(args[i + 1:i + 1 + n])
        i += 1 + n


def format_monitor_line(client: ClientState, argv: list) -> Status:
    """The status line MONITOR clients receive for one executed command."""
    return monitor_line(client, b" ".join(repr_arg(a) for a in _redacted(argv)))


def monitor_line(client: ClientState, shown: bytes) -> Status:
    """A MONITOR line from the quoted arguments (`shown`) and the client's current db."""
    now = time.time()
    sec = int(now)
    usec = int((now - sec) * 1_000_000)
    return Status(b"%d.%06d [%d %s] %s" % (sec, usec, client.db, client.addr.encode(), shown))


def monitor_args(spec: CommandSpec, argv: list) -> bytes | None:
    """The quoted arguments MONITOR shows for this call, or None when Redis hides it: admin
    commands and, for containers, admin subcommands (CLIENT LIST, CONFIG GET, SLOWLOG ...) and
    calls the subcommand table rejects (unknown subcommand, wrong arity). Quoted before the
    handler runs: a big argument may be handed to the store by it."""
    if "admin" in spec.flags:
        return None
    table = SUBTABLES.get(spec.name)
    if table is not None:
        entry = table.entries.get(lower(argv[1])) if len(argv) > 1 else None
        if entry is None:
            return None
        arity, argc = entry[1], len(argv)
        if not arity_ok(arity, argc):
            return None
        full = f"{spec.name}|{lower(argv[1]).decode()}"
        if full in _UNKNOWN_TO_REDIS_70 or "admin" in doc_of(full).flags.split():
            return None
    return b" ".join(repr_arg(a) for a in _redacted(argv))


def monitor(c: ClientState, argv: list) -> object:
    """MONITOR: from now on this connection receives a line per command run by others."""
    if c.multi is not None:
        raise RespError("ERR MONITOR isn't allowed for DENY BLOCKING client")
    c.monitor = True
    c.server.monitors.add(c)
    return OK
