"""SLOWLOG GET / LEN / RESET / HELP (slowlog.c) over the server's Slowlog (stats.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.commands.args import (
    SubTable,
    get_range,
    help_reply,
    subcommand_syntax_error,
)
from resp_server.commands.table import spec
from resp_server.resp.numbers import LLONG_MAX
from resp_server.resp.replies import OK

if TYPE_CHECKING:
    from resp_server.client import ClientState



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


COMMANDS = [
    spec("slowlog", slowlog, -2, "container", group="server",
         summary="A container for slow log commands", since="2.2.12"),
]
