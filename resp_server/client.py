"""Per-client session state seen by command handlers (database, protocol, auth, MULTI, WATCH).

A ClientState is owned by one connection (connection.py) and is the first argument of every
command handler. It holds no socket: handlers act on the connection only through the small
`ConnectionHandle` protocol (close, deliver out-of-band lines for MONITOR, the sizes CLIENT LIST
shows), so commands can be unit-tested with a fake handle.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from resp_server.state import ServerState


class ConnectionHandle(Protocol):
    def close_after_reply(self) -> None: ...
    def kill(self) -> None: ...
    def deliver(self, reply: object) -> None: ...   # out-of-band reply (MONITOR lines)
    def output_pending(self) -> int: ...            # bytes of replies not yet sent
    def input_pending(self) -> int: ...             # bytes received, not yet parsed (qbuf)
    def input_free(self) -> int: ...                # room left in the query buffer (qbuf-free)


class ClientState:
    """Everything Redis keeps in `client` that commands read or change."""

    __slots__ = (
        "server", "conn", "id", "addr", "laddr", "name", "lib_name", "lib_ver", "db", "resp",
        "authenticated", "user", "multi", "multi_error", "watched", "watch_dirty", "monitor",
        "created", "last_interaction", "last_cmd", "killed", "tls", "no_touch", "reply_mode",
    )

    def __init__(self, server: ServerState, conn: ConnectionHandle | None, cid: int,
                 addr: str = "", laddr: str = "") -> None:
        self.server = server
        self.conn = conn
        self.id = cid                       # CLIENT ID, unique for the process lifetime
        self.addr = addr                    # "ip:port" of the peer
        self.laddr = laddr                  # "ip:port" we accepted on
        self.name = b""                     # CLIENT SETNAME
        self.lib_name = b""                 # CLIENT SETINFO LIB-NAME
        self.lib_ver = b""                  # CLIENT SETINFO LIB-VER
        self.db = 0                         # SELECTed database
        self.resp = 2                       # protocol version (HELLO)
        self.authenticated = not server.auth_required()
        self.user = b"default"
        self.multi: list[tuple[object, list]] | None = None   # queued (spec, argv) inside MULTI
        self.multi_error = False            # a queued command failed to queue -> EXECABORT
        self.watched: set[tuple[int, bytes]] = set()
        self.watch_dirty = False            # a WATCHed key changed: EXEC must abort
        self.monitor = False
        self.created = time.time()
        self.last_interaction = self.created
        self.last_cmd = b"NULL"
        self.killed = False
        self.tls = False
        self.no_touch = False
        self.reply_mode = 0                 # CLIENT REPLY: 0 on (commands/pause.py)

    def age(self) -> int:
        return int(time.time() - self.created)

    def idle(self) -> int:
        return int(time.time() - self.last_interaction)
