"""CLIENT PAUSE / UNPAUSE and CLIENT REPLY ON|OFF|SKIP (networking.c), as in Redis 7.0.

Pause: one server-wide state (`ClientPause` in resp_server/pause.py, ServerState.pause) - a mode, WRITE or ALL, and an
end time in ms. A new pause keeps the more restrictive mode and the later end (pauseClients).
While it lasts, the dispatcher asks `must_wait` before running (or queueing) a command that
passed its arity, auth and OOM checks: under ALL every command waits (CLIENT UNPAUSE too, as in
Redis: only the timer ends an ALL pause), under WRITE the write commands and an EXEC with queued
writes do. A waiting command gets the POSTPONED reply from the dispatcher: its connection keeps
it, stops reading and registers here; when the pause ends (timer or UNPAUSE) every waiting
connection is resumed in the order it started waiting, and runs the command then. INFO's
blocked_clients counts them. Not done: Redis also stops expiring keys during a pause.

Reply modes (ClientState.reply_mode): ON, OFF (no reply at all until CLIENT REPLY ON), SKIP
(set by CLIENT REPLY SKIP for the next command: that command's reply is dropped). `filter_reply`
applies them after each command, as Redis's prepareClientToWrite and resetClient do; a dropped
reply is NO_REPLY, which the encoder writes as nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.commands.args import arg_bytes, get_ll
from resp_server.pause import PAUSE_ALL, PAUSE_OFF, PAUSE_WRITE
from resp_server.resp.replies import ERR_SYNTAX, NO_REPLY, OK, RespError

if TYPE_CHECKING:
    from resp_server.client import ClientState
    from resp_server.commands.table import CommandSpec

REPLY_ON, REPLY_OFF, REPLY_SKIP_NEXT, REPLY_SKIP = 0, 1, 2, 3


class _Postponed:
    def __repr__(self) -> str:
        return "POSTPONED"


POSTPONED = _Postponed()
"""The dispatcher's answer for a command held by CLIENT PAUSE (never encoded: the connection
keeps the command and runs it again when `resume_postponed` is called)."""


def must_wait(c: ClientState, spec: CommandSpec) -> bool:
    """Does the pause in force hold this command? (Called only while a pause is set.)"""
    mode = c.server.pause.active_mode()
    if mode == PAUSE_ALL:
        return True
    if mode == PAUSE_OFF:
        return False
    if spec.name == "exec" and c.multi:
        return any("write" in s.flags for s, _ in c.multi)  # type: ignore[attr-defined]
    return "write" in spec.flags


def filter_reply(c: ClientState, reply: object) -> object:
    """Apply CLIENT REPLY OFF / SKIP to the reply of the command just run (reply_mode set)."""
    mode = c.reply_mode
    if mode == REPLY_OFF:
        return NO_REPLY
    if mode == REPLY_SKIP:
        c.reply_mode = REPLY_ON
        return NO_REPLY
    if mode == REPLY_SKIP_NEXT:
        c.reply_mode = REPLY_SKIP
    return reply


# --- CLIENT subcommands -----------------------------------------------------------------------

def client_pause(c: ClientState, argv: list) -> object:
    """CLIENT PAUSE timeout [WRITE|ALL]."""
    if len(argv) > 4:
        raise RespError(f"ERR unknown subcommand or wrong number of arguments for "
                        f"'{arg_bytes(argv[1]).decode('utf-8', 'replace')}'. Try CLIENT HELP.")
    ms = get_ll(argv[2], "ERR timeout is not an integer or out of range")
    if ms < 0:
        raise RespError("ERR timeout is negative")
    mode = PAUSE_ALL
    if len(argv) == 4:
        word = arg_bytes(argv[3]).lower()
        if word not in (b"write", b"all"):
            raise RespError("ERR CLIENT PAUSE mode must be WRITE or ALL")
        mode = PAUSE_WRITE if word == b"write" else PAUSE_ALL
    c.server.pause.pause(mode, ms)
    return OK


def client_unpause(c: ClientState, argv: list) -> object:
    c.server.pause.unpause()
    return OK


def client_reply(c: ClientState, argv: list) -> object:
    """CLIENT REPLY ON|OFF|SKIP: OFF and SKIP answer nothing themselves."""
    mode = arg_bytes(argv[2]).lower()
    if mode == b"on":
        c.reply_mode = REPLY_ON
        return OK
    if mode == b"off":
        c.reply_mode = REPLY_OFF
        return NO_REPLY
    if mode == b"skip":
        if c.reply_mode != REPLY_OFF:
            c.reply_mode = REPLY_SKIP_NEXT
        return NO_REPLY
    raise RespError(ERR_SYNTAX)
