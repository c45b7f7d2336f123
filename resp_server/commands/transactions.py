"""MULTI / EXEC / DISCARD / WATCH / UNWATCH (multi.c).

The dispatcher queues commands while `client.multi` is a list; EXEC runs them through
`call.call` (stats, slowlog and MONITOR as for any command) and replies with the array of
their replies. EXEC aborts with EXECABORT when a command failed to queue, with a null array when
a WATCHed key changed (the keyspace's on_modify hook sets `watch_dirty`). Out of memory, the
dispatcher refuses what a client in MULTI sends (except EXEC, DISCARD, QUIT, RESET), which flags
the transaction, and refuses EXEC itself when it queued deny-oom commands (EXECABORT because of
OOM), before any of the checks here, as Redis's processCommand does. Store Items in EXEC's reply
are copied to bytes: a later command of the same transaction may overwrite the key before the
connection pins the item.

Expiry, as Redis 7.0's multi.c (whatever the active expiry cycle did in between): a key that is
live at WATCH and expired at EXEC aborts the transaction, deleted or not yet; a key that is
already expired at WATCH behaves like a missing key (its deletion is "logically no change").
WATCH deletes such a key first (the lazy expiry any read would do), before the watch starts, so
its later removal cannot touch the watcher; EXEC lazily expires the watched keys, so a key that
expired since WATCH touches it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.commands.call import call, release_unused
from resp_server.commands.db import is_item
from resp_server.commands.table import spec
from resp_server.resp.replies import NULL_ARRAY, OK, RespError

if TYPE_CHECKING:
    from resp_server.client import ClientState

ERR_EXECABORT = "EXECABORT Transaction discarded because of previous errors."


def discard_transaction(c: ClientState) -> None:
    """discardTransaction: drop the queue, leave MULTI state, forget WATCHed keys."""
    for _, queued in c.multi or ():
        release_unused(c, queued)
    c.multi = None
    c.multi_error = False
    c.server.unwatch_all(c)


def multi(c: ClientState, argv: list) -> object:
    if c.multi is not None:
        raise RespError("ERR MULTI calls can not be nested")
    c.multi = []
    c.multi_error = False
    return OK


def discard(c: ClientState, argv: list) -> object:
    if c.multi is None:
        raise RespError("ERR DISCARD without MULTI")
    discard_transaction(c)
    return OK


def exec_cmd(c: ClientState, argv: list) -> object:
    """EXEC: run the queue atomically, or abort as Redis does."""
    if c.multi is None:
        raise RespError("ERR EXEC without MULTI")
    if c.multi_error:
        discard_transaction(c)
        raise RespError(ERR_EXECABORT)
    if c.watched and not c.watch_dirty:
        # isWatchedKeyExpired: a watched key that expired since WATCH (still present or not)
        # aborts. Deleting it lazily now notifies the keyspace hook, which sets watch_dirty.
        ks = c.server.keyspace
        for db, key in list(c.watched):
            ks.peek(db, key)
    if c.watch_dirty:
        discard_transaction(c)
        return NULL_ARRAY
    queued = c.multi
    c.multi = None
    c.multi_error = False
    c.server.unwatch_all(c)
    replies = []
    for s, args in queued:
        reply = call(c, s, args)
        replies.append(reply.to_bytes() if is_item(reply) else reply)
    return replies


def watch(c: ClientState, argv: list) -> object:
    if c.multi is not None:
        raise RespError("ERR WATCH inside MULTI is not allowed")
    ks = c.server.keyspace
    for key in argv[1:]:
        key = bytes(key)
        ks.peek(c.db, key)   # already expired: deleted before the watch starts (module doc)
        c.server.watch(c, c.db, key)
    return OK


def unwatch(c: ClientState, argv: list) -> object:
    c.server.unwatch_all(c)
    return OK


COMMANDS = [
    spec("multi", multi, 1, "noscript loading stale fast allow_busy", group="transactions",
         summary="Mark the start of a transaction block", since="1.2.0"),
    spec("exec", exec_cmd, 1, "noscript loading stale skip_slowlog",
         group="transactions", summary="Execute all commands issued after MULTI", since="1.2.0"),
    spec("discard", discard, 1, "noscript loading stale fast allow_busy", group="transactions",
         summary="Discard all commands issued after MULTI", since="2.0.0"),
    spec("watch", watch, -2, "noscript loading stale fast allow_busy", (1, -1, 1),
         group="transactions",
         summary="Watch the given keys to determine execution of the MULTI/EXEC block",
         since="2.2.0"),
    spec("unwatch", unwatch, 1, "noscript loading stale fast allow_busy", group="transactions",
         summary="Forget about all watched keys", since="2.2.0"),
]
