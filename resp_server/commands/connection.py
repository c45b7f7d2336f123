"""Connection commands: PING ECHO HELLO AUTH QUIT RESET SELECT and CLIENT.

These change the calling client's session (protocol, database, name, authentication) and reach
the socket only through `client.conn` (close_after_reply, kill). HELLO is the one command that
sets `client.resp`; the encoder picks the new protocol for HELLO's own reply. CLIENT is a
container dispatched through a SubTable. Client lines (CLIENT LIST/INFO) use Redis 7's fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.commands.args import (
    SubTable,
    db_index,
    err_text,
    get_int,
    get_ll,
    get_range,
    help_reply,
    lower,
    text,
)
from resp_server.commands.pause import client_pause, client_reply, client_unpause
from resp_server.commands.routing import refuse_in_cluster
from resp_server.commands.table import spec
from resp_server.config import REDIS_COMPAT_VERSION
from resp_server.resp.numbers import LLONG_MAX
from resp_server.resp.replies import (
    ERR_SYNTAX,
    ERR_WRONGPASS,
    OK,
    PONG,
    RespError,
    Status,
    Verbatim,
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


# --- CLIENT -----------------------------------------------------------------------------------

def client_flags(c: ClientState) -> str:
    flags = ""
    if c.monitor:
        flags += "O"
    if c.multi is not None:
        flags += "x"
    if c.watch_dirty:
        flags += "d"
    if c.conn is not None and getattr(c.conn, "closing", False):
        flags += "c"
    return flags or "N"


def _buffer_sizes(c: ClientState) -> tuple[int, int, int]:
    """(qbuf, qbuf-free, omem): the connection's unparsed input, room for more, unsent replies."""
    conn = c.conn
    if conn is None:
        return 0, 0, 0
    return conn.input_pending(), conn.input_free(), conn.output_pending()


def _fd(c: ClientState) -> int:
    """The client's socket descriptor, read from its transport (-1 when it has none)."""
    transport = getattr(c.conn, "transport", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    try:
        return sock.fileno() if sock is not None else -1
    except (OSError, ValueError):
        return -1


def client_info_line(c: ClientState) -> str:
    """catClientInfoString (Redis 7.0 fields, plus 7.2's lib-name/lib-ver). tot-mem is the query
    buffer (used and free) plus unsent replies; Redis adds its client struct."""
    qbuf, qfree, omem = _buffer_sizes(c)
    fields = [
        ("id", c.id), ("addr", c.addr), ("laddr", c.laddr),
        ("fd", _fd(c)), ("name", text(c.name)),
        ("age", c.age()), ("idle", c.idle()), ("flags", client_flags(c)), ("db", c.db),
        ("sub", 0), ("psub", 0), ("ssub", 0),
        ("multi", -1 if c.multi is None else len(c.multi)),
        ("qbuf", qbuf), ("qbuf-free", qfree), ("argv-mem", 0), ("multi-mem", 0),
        ("rbs", 0), ("rbp", 0), ("obl", 0), ("oll", 0), ("omem", omem),
        ("tot-mem", qbuf + qfree + omem), ("events", "r"), ("cmd", text(c.last_cmd)),
        ("user", text(c.user)), ("redir", -1), ("resp", c.resp),
        ("lib-name", text(c.lib_name)), ("lib-ver", text(c.lib_ver)),
    ]
    return " ".join(f"{k}={v}" for k, v in fields)


def client_id(c: ClientState, argv: list) -> object:
    return c.id


def client_info(c: ClientState, argv: list) -> object:
    return Verbatim(client_info_line(c) + "\n")


def client_list(c: ClientState, argv: list) -> object:
    """CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id [id ...]]."""
    clients = list(c.server.clients.values())
    if len(argv) == 4 and lower(argv[2]) == b"type":
        kind = lower(argv[3])
        if kind not in (b"normal", b"master", b"replica", b"slave", b"pubsub"):
            raise RespError(f"ERR Unknown client type '{err_text(argv[3])}'")
        clients = clients if kind == b"normal" else []
    elif len(argv) > 3 and lower(argv[2]) == b"id":
        ids = [get_ll(a, "ERR Invalid client ID") for a in argv[3:]]
        by_id = c.server.clients
        clients = [by_id[i] for i in ids if i in by_id]
    elif len(argv) != 2:
        raise RespError(ERR_SYNTAX)
    return Verbatim("".join(client_info_line(x) + "\n" for x in clients))


def client_setname(c: ClientState, argv: list) -> object:
    name = bytes(argv[2])
    if not valid_name(name):
        raise RespError(ERR_NAME_CHARS)
    c.name = name
    return OK


def client_getname(c: ClientState, argv: list) -> object:
    return c.name or None


def client_setinfo(c: ClientState, argv: list) -> object:
    """CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2; redis-py sends it on connect)."""
    attr, value = lower(argv[2]), bytes(argv[3])
    if attr not in (b"lib-name", b"lib-ver"):
        raise RespError(f"ERR Unrecognized option '{err_text(argv[2])}'")
    if not valid_name(value):
        raise RespError(f"ERR {err_text(argv[2])} cannot contain spaces, newlines or special "
                        "characters.")
    if attr == b"lib-name":
        c.lib_name = value
    else:
        c.lib_ver = value
    return OK


def _kill_filters(c: ClientState, args: list) -> list:
    """CLIENT KILL new-style filters -> predicates over ClientState; skipme is one too."""
    preds = []
    skipme = True
    for i in range(0, len(args), 2):
        opt = lower(args[i])
        if i + 1 >= len(args):
            raise RespError(ERR_SYNTAX)
        val = bytes(args[i + 1])
        if opt == b"id":
            cid = get_range(val, 1, LLONG_MAX, "ERR client-id should be greater than 0")
            preds.append(lambda x, cid=cid: x.id == cid)
        elif opt == b"type":
            kind = lower(val)
            if kind not in (b"normal", b"master", b"replica", b"slave", b"pubsub"):
                raise RespError(f"ERR Unknown client type '{err_text(val)}'")
            preds.append(lambda x, kind=kind: kind == b"normal")
        elif opt in (b"addr", b"laddr"):
            attr, want = opt.decode(), text(val)
            preds.append(lambda x, attr=attr, want=want: getattr(x, attr) == want)
        elif opt == b"user":
            if text(val) != "default" and text(val) not in c.server.users:
                raise RespError(f"ERR No such user '{err_text(val)}'")
            preds.append(lambda x, u=val: x.user == u)
        elif opt == b"skipme" and lower(val) in (b"yes", b"no"):
            skipme = lower(val) == b"yes"
        else:
            raise RespError(ERR_SYNTAX)
    if skipme:
        preds.append(lambda x: x is not c)
    return preds


def _kill(c: ClientState, target: ClientState) -> None:
    target.killed = True
    if target is c:
        if c.conn is not None:
            c.conn.close_after_reply()
    elif target.conn is not None:
        target.conn.kill()


def client_kill(c: ClientState, argv: list) -> object:
    """CLIENT KILL ip:port (old style, OK or error) | filters... (count of killed clients)."""
    clients = list(c.server.clients.values())
    if len(argv) == 3:
        addr = text(argv[2])
        target = next((x for x in clients if x.addr == addr), None)
        if target is None:
            raise RespError("ERR No such client")
        _kill(c, target)
        return OK
    preds = _kill_filters(c, argv[2:])
    victims = [x for x in clients if all(p(x) for p in preds)]
    for x in victims:
        _kill(c, x)
    return len(victims)


def _on_off(arg: bytes) -> bool:
    v = lower(arg)
    if v not in (b"on", b"off"):
        raise RespError(ERR_SYNTAX)
    return v == b"on"


def client_no_evict(c: ClientState, argv: list) -> object:
    _on_off(argv[2])          # every client is exempt from client eviction here
    return OK


def client_no_touch(c: ClientState, argv: list) -> object:
    c.no_touch = _on_off(argv[2])
    return OK


def client_getredir(c: ClientState, argv: list) -> object:
    return -1


_CLIENT_HELP = [  # Redis 7.0's text for the subcommands we have, then Redis 7.2's NO-TOUCH, SETINFO
    "GETREDIR", "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME", "    Return the name of the current connection.",
    "ID", "    Return the ID of the current connection.",
    "INFO", "    Return information about the current client connection.",
    "KILL <ip:port>", "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Kill connections by type.",
    "    * USER <username>", "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)", "      Skip killing current connection (default: yes).",
    "LIST [options ...]", "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Return clients of specified type.",
    "UNPAUSE", "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
    "SETNAME <name>", "    Assign the name <name> to the current connection.",
    "NO-EVICT (ON|OFF)", "    Protect current client connection from eviction.",
    "NO-TOUCH (ON|OFF)", "    Will not touch LRU/LFU stats when this mode is on.",
    "SETINFO <option> <value>", "    Set client meta attr. Options are:",
    "    * LIB-NAME: the client lib name.", "    * LIB-VER: the client lib version.",
]

CLIENT = SubTable("client", {
    "id": (client_id, 2),
    "info": (client_info, 2),
    "list": (client_list, -2),
    "kill": (client_kill, -3),
    "setname": (client_setname, 3),
    "getname": (client_getname, 2),
    "setinfo": (client_setinfo, 4),
    "no-evict": (client_no_evict, 3),
    "no-touch": (client_no_touch, 3),
    "reply": (client_reply, 3),
    "pause": (client_pause, -3),
    "unpause": (client_unpause, 2),
    "getredir": (client_getredir, 2),
    "help": (lambda c, argv: help_reply("client", _CLIENT_HELP), 2),
})


def client(c: ClientState, argv: list) -> object:
    return CLIENT(c, argv)


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
    spec("client", client, -2, "container", group="connection",
         summary="A container for client connection commands", since="2.4.0"),
]
