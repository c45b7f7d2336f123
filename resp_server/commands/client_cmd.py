"""CLIENT and its subcommands (networking.c): ID INFO LIST SETNAME GETNAME SETINFO KILL
NO-EVICT NO-TOUCH GETREDIR PAUSE UNPAUSE REPLY, dispatched through a SubTable.

Client lines (CLIENT LIST / INFO, and the log line of a client closed for its limits) use Redis
7's fields; the buffer sizes come from the connection through `client.conn` (qbuf, qbuf-free,
omem). CLIENT KILL closes through `client.conn.kill`; PAUSE and REPLY are in pause.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.commands.args import (
    SubTable,
    err_text,
    get_ll,
    get_range,
    help_reply,
    lower,
    text,
)
from resp_server.commands.connection import ERR_NAME_CHARS, valid_name
from resp_server.commands.pause import client_pause, client_reply, client_unpause
from resp_server.commands.table import spec
from resp_server.resp.numbers import LLONG_MAX
from resp_server.resp.replies import ERR_SYNTAX, OK, RespError, Verbatim

if TYPE_CHECKING:
    from resp_server.client import ClientState


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


COMMANDS = [
    spec("client", client, -2, "container", group="connection",
         summary="A container for client connection commands", since="2.4.0"),
]
