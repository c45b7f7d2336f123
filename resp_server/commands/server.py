"""Server commands (server.c): TIME, MONITOR, SHUTDOWN, LASTSAVE, DEBUG and the persistence
commands (which answer a clear error); the table entries of INFO (info.py) and CONFIG
(config_cmd.py). COMMAND: command_cmd.py; OBJECT and MEMORY: object_cmd.py; SLOWLOG: slowlog_cmd.py.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from resp_server.commands.args import (
    arg_bytes,
    help_reply,
    lower,
    subcommand_syntax_error,
    text,
)
from resp_server.commands.config_cmd import config
from resp_server.commands.db import peek
from resp_server.commands.info import info
from resp_server.commands.monitor import monitor
from resp_server.commands.object_cmd import encoding_of, idle_seconds
from resp_server.commands.protected import check_debug
from resp_server.commands.table import spec
from resp_server.resp.replies import ERR_SYNTAX, OK, RespError, Status

if TYPE_CHECKING:
    from resp_server.client import ClientState


ERR_NO_PERSISTENCE = "ERR persistence is not supported by this server"
ERR_NO_SAVE = ("ERR persistence is not supported by this server: start it with --memory-file PATH "
               "to keep the cache across restarts (SHUTDOWN saves it)")

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
                      b"lru_seconds_idle:%d" % (encoding_of(c, item), item.length,
                                                idle_seconds(item)))
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
    spec("time", time_cmd, 1, "loading stale fast", group="server",
         summary="Return the current server time", since="2.6.0"),
    spec("monitor", monitor, 1, "admin noscript loading stale", group="server",
         summary="Listen for all requests received by the server in real time"),
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
