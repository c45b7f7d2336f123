"""Connection commands: PING ECHO HELLO AUTH QUIT RESET SELECT (CLIENT: client_cmd.py).

These change the calling client's session (protocol, database, name, authentication) and reach
the socket only through `client.conn` (close_after_reply, kill). HELLO is the one command that
sets `client.resp`; the encoder picks the new protocol for HELLO's own reply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.commands.args import (
    db_index,
    err_text,
    get_int,
    get_ll,
    lower,
)
from resp_server.commands.routing import refuse_in_cluster
from resp_server.commands.table import spec
from resp_server.config import REDIS_COMPAT_VERSION
from resp_server.resp.replies import (
    ERR_SYNTAX,
    ERR_WRONGPASS,
    OK,
    PONG,
    RespError,
    Status,
)

if TYPE_CHECKING:
    from resp_server.client import ClientState

ERR_NAME_CHARS = "ERR Client names cannot contain spaces, newlines or special characters."
ERR_HELLO_NOAUTH = (
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
    "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
    "select the RESP protocol version at the same time")
ERR_AUTH_NOPASS = ("ERR AUTH <password> called without any password configured for the default "
                   "user. Are you sure your configuration is correct?")


def ping(c: ClientState, argv: list) -> object:
    if len(argv) > 2:
        raise RespError("ERR wrong number of arguments for 'ping' command")
    return PONG if len(argv) == 1 else argv[1]


def echo(c: ClientState, argv: list) -> object:
    return argv[1]


def select(c: ClientState, argv: list) -> object:
    if c.server.cluster is not None and get_int(argv[1]) != 0:
        refuse_in_cluster(c, "SELECT")
    c.db = db_index(c, argv[1])
    return OK


def quit_cmd(c: ClientState, argv: list) -> object:
    if c.conn is not None:
        c.conn.close_after_reply()
    return OK


# --- authentication ---------------------------------------------------------------------------

def authenticate(c: ClientState, user: bytes, password: bytes) -> None:
    """ACLAuthenticateUser: mark the client authenticated or raise WRONGPASS."""
    if not c.server.check_password(bytes(user), bytes(password)):
        raise RespError(ERR_WRONGPASS)
    c.authenticated = True
    c.user = bytes(user)


def default_user_nopass(c: ClientState) -> bool:
    s = c.server
    return not s.requirepass and "default" not in s.users


def auth(c: ClientState, argv: list) -> object:
    """AUTH [username] password."""
    if len(argv) > 3:
        raise RespError(ERR_SYNTAX)
    if len(argv) == 2:
        if default_user_nopass(c):
            raise RespError(ERR_AUTH_NOPASS)
        authenticate(c, b"default", argv[1])
    else:
        authenticate(c, argv[1], argv[2])
    return OK


def valid_name(name: bytes) -> bool:
    """validateClientName: printable ASCII without spaces ('!'..'~')."""
    return all(33 <= ch <= 126 for ch in name)


def hello_reply(c: ClientState) -> dict:
    return {
        "server": "redis",
        "version": REDIS_COMPAT_VERSION,
        "proto": c.resp,
        "id": c.id,
        "mode": "standalone" if c.server.cluster is None else "cluster",
        "role": "master",
        "modules": [],
    }


def hello(c: ClientState, argv: list) -> object:
    """HELLO [protover [AUTH username password] [SETNAME clientname]]."""
    ver = 0
    i = 1
    if len(argv) >= 2:
        ver = get_ll(argv[1], "ERR Protocol version is not an integer or out of range")
        if ver not in (2, 3):
            raise RespError("NOPROTO unsupported protocol version")
        i = 2
    # Redis 7.0 applies each option as it meets it: a failing AUTH or a bad name stops there,
    # and what came before stays done (a name is even set before the NOAUTH error).
    while i < len(argv):
        more = len(argv) - 1 - i
        opt = lower(argv[i])
        if opt == b"auth" and more >= 2:
            authenticate(c, argv[i + 1], argv[i + 2])
            i += 3
        elif opt == b"setname" and more >= 1:
            name = bytes(argv[i + 1])
            if not valid_name(name):
                raise RespError(ERR_NAME_CHARS)
            c.name = name
            i += 2
        else:
            raise RespError(f"ERR Syntax error in HELLO option '{err_text(argv[i])}'")
    if not c.authenticated:
        raise RespError(ERR_HELLO_NOAUTH)
    if ver:
        c.resp = ver
    return hello_reply(c)


def reset(c: ClientState, argv: list) -> object:
    """RESET: back to a fresh connection's state (db 0, RESP2, no name, MULTI/WATCH/MONITOR off)."""
    from resp_server.commands.transactions import discard_transaction

    if c.multi is not None:
        discard_transaction(c)
    c.server.unwatch_all(c)
    if c.monitor:
        c.monitor = False
        c.server.monitors.discard(c)
    c.db = 0
    c.resp = 2
    c.name = b""
    c.no_touch = False
    c.reply_mode = 0
    c.user = b"default"
    c.authenticated = default_user_nopass(c)
    return Status(b"RESET")


# --- table ------------------------------------------------------------------------------------

COMMANDS = [
    spec("ping", ping, -1, "fast", group="connection", summary="Ping the server"),
    spec("echo", echo, 2, "loading stale fast", group="connection",
         summary="Echo the given string"),
    spec("select", select, 2, "loading stale fast", group="connection",
         summary="Change the selected database for the current connection"),
    spec("quit", quit_cmd, -1, "noscript loading stale fast noauth allow_busy", group="connection",
         summary="Close the connection"),
    spec("auth", auth, -2, "noscript loading stale fast noauth allow_busy", group="connection",
         summary="Authenticate to the server"),
    spec("hello", hello, -1, "noscript loading stale fast noauth allow_busy", group="connection",
         summary="Handshake with Redis", since="6.0.0"),
    spec("reset", reset, 1, "noscript loading stale fast noauth allow_busy", group="connection",
         summary="Reset the connection", since="6.2.0"),
]
