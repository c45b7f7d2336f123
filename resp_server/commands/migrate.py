"""MIGRATE (cluster.c): move (or COPY) keys to another Redis-protocol server with RESTORE.

    MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
            [AUTH2 username password] [KEYS key [key ...]]

As Redis does: the keys present here are serialized as DUMP payloads (rdb/payload.py) and sent
in one pipeline - AUTH if asked, SELECT, one `RESTORE key ttl payload [REPLACE]` per key with its
remaining TTL - then the replies are read line by line; each key the target accepted is deleted
here unless COPY. The call is synchronous and blocks this server for at most `timeout` ms per
socket operation, exactly as Redis's does (it blocks Redis too). Redis keeps the connection for
10 s for the next MIGRATE; we open one per call, so SELECT is always sent. A connection refused
or reset is retried once (a refused connection is a failed write, as Redis's
non-blocking connect sees it), a timeout never. Replies and errors are Redis's: +OK, +NOKEY (no key
here), `IOERR error or timeout connecting to the client`, `IOERR error or timeout reading|writing
to target instance`, `ERR Target instance replied with error: <its error>`.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from resp_server.commands.args import arg_bytes, get_ll, text
from resp_server.commands.db import now_ms, read, value_bytes
from resp_server.commands.table import spec
from resp_server.rdb.payload import dump_string
from resp_server.resp.replies import ERR_SYNTAX, OK, RespError, Status

if TYPE_CHECKING:
    from resp_server.client import ClientState

NOKEY = Status(b"NOKEY")
ERR_CONNECT = "IOERR error or timeout connecting to the client"
DEFAULT_TIMEOUT_MS = 1000        # a timeout <= 0 means this (migrateCommand)
WRITE_CHUNK = 64 * 1024          # Redis writes the pipeline in 64 KiB pieces
MAX_LINE = 1024                  # connSyncReadLine's buffer


@dataclass
class MigrateArgs:
    host: str
    port: int
    db: int
    timeout_ms: int
    keys: list[bytes]
    copy: bool = False
    replace: bool = False
    auth: list[bytes] = field(default_factory=list)      # [password] or [username, password]


def parse_migrate(argv: list) -> MigrateArgs:
    """migrateCommand's option loop, then timeout and db as longs (in that order)."""
    copy = replace = False
    auth: list[bytes] = []
    keys = [argv[3]]
    j = 6
    while j < len(argv):
        opt = arg_bytes(argv[j]).lower()
        more = len(argv) - 1 - j
        if opt == b"copy":
            copy = True
        elif opt == b"replace":
            replace = True
        elif opt == b"auth":
            if not more:
                raise RespError(ERR_SYNTAX)
            auth = [bytes(argv[j + 1])]
            j += 1
        elif opt == b"auth2":
            if more < 2:
                raise RespError(ERR_SYNTAX)
            auth = [bytes(argv[j + 1]), bytes(argv[j + 2])]
            j += 2
        elif opt == b"keys":
            if len(argv[3]) != 0:
                raise RespError("ERR When using MIGRATE KEYS option, the key argument must be "
                                "set to the empty string")
            keys = list(argv[j + 1:])
            break
        else:
            raise RespError(ERR_SYNTAX)
        j += 1
    timeout = get_ll(argv[5])
    db = get_ll(argv[4])
    port = get_ll(argv[2]) if argv[2].isdigit() else -1
    return MigrateArgs(text(argv[1]), port, db, timeout if timeout > 0 else DEFAULT_TIMEOUT_MS,
                       keys, copy, replace, auth)


def _bulk(arg: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(arg), arg)


def encode_command(*args: bytes) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(_bulk(a) for a in args)


def build_pipeline(c: ClientState, m: MigrateArgs) -> tuple[bytes, list[bytes]]:
    """The bytes to send and the keys they restore (keys gone or expired are left out)."""
    out = []
    if m.auth:
        out.append(encode_command(b"AUTH", *m.auth))
    out.append(encode_command(b"SELECT", b"%d" % m.db))
    sent = []
    now = now_ms(c)
    for key in m.keys:
        item = read(c, key)
        if item is None:
            continue
        ttl = 0
        if item.expire_at is not None:
            ttl = item.expire_at - now
            if ttl < 0:
                continue
            ttl = max(ttl, 1)
        args = [b"RESTORE", bytes(key), b"%d" % ttl, dump_string(value_bytes(item))]
        if m.replace:
            args.append(b"REPLACE")
        out.append(encode_command(*args))
        sent.append(bytes(key))
    return b"".join(out), sent


class _Target:
    """A blocking connection to the target with Redis's per-operation timeout."""

    def __init__(self, m: MigrateArgs) -> None:
        if m.port < 0 or m.port > 65535:
            raise RespError(ERR_CONNECT)
        try:
            self.sock = socket.create_connection((m.host, m.port), timeout=m.timeout_ms / 1000)
        except ConnectionRefusedError as e:
            # Redis connects without blocking: a refusal shows up as its first write failing
            e.phase = "writing"  # type: ignore[attr-defined]
            raise
        except (OSError, UnicodeError):
            raise RespError(ERR_CONNECT) from None
        self.reader = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        for pos in range(0, len(view), WRITE_CHUNK):
            self.sock.sendall(view[pos:pos + WRITE_CHUNK])

    def line(self) -> bytes:
        got = self.reader.readline(MAX_LINE)
        if not got.endswith(b"\n"):
            raise ConnectionError("short read")
        return got.rstrip(b"\r\n")

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def _exchange(m: MigrateArgs, payload: bytes, count: int) -> tuple[list[bytes], int]:
    """Send the pipeline and read the replies: (AUTH/SELECT replies + RESTORE replies read,
    how many RESTORE replies were expected). Raises OSError for socket trouble (its `phase`
    attribute says writing or reading)."""
    target = _Target(m)
    try:
        try:
            target.send(payload)
        except OSError as e:
            e.phase = "writing"  # type: ignore[attr-defined]
            raise
        replies = []
        try:
            for _ in range(len(m.auth) > 0):
                replies.append(target.line())
            replies.append(target.line())          # SELECT
            for _ in range(count):
                replies.append(target.line())
        except OSError as e:
            e.phase = "reading"  # type: ignore[attr-defined]
            e.replies = replies  # type: ignore[attr-defined]
            raise
        return replies, count
    finally:
        target.close()


def migrate(c: ClientState, argv: list) -> object:
    m = parse_migrate(argv)
    payload, sent = build_pipeline(c, m)
    if not sent:
        return NOKEY
    head = 1 + bool(m.auth)
    for attempt in (0, 1):
        try:
            replies, _ = _exchange(m, payload, len(sent))
        except OSError as e:
            got = getattr(e, "replies", [])
            if attempt == 0 and not isinstance(e, TimeoutError) and len(got) <= head:
                continue                           # nothing was restored: try once more
            if len(got) > head:                    # some keys were restored: settle those
                return _settle(c, m, got, sent, partial=True)
            raise RespError(f"IOERR error or timeout {getattr(e, 'phase', 'reading')} "
                            "to target instance") from None
        return _settle(c, m, replies, sent)
    raise RespError(ERR_CONNECT)  # not reached: the loop returns or raises


def _settle(c: ClientState, m: MigrateArgs, replies: list[bytes], sent: list[bytes],
            partial: bool = False) -> object:
    """Delete the keys the target took (unless COPY); the reply is +OK or the first error
    (an AUTH or SELECT error fails every key, a RESTORE error only its own)."""
    head = 1 + bool(m.auth)
    first_error = next((r for r in replies[:head] if r.startswith(b"-")), None)
    ks = c.server.keyspace
    for key, reply in zip(sent, replies[head:], strict=False):
        if first_error is None and reply.startswith(b"-"):
            first_error = reply
        elif not reply.startswith(b"-") and not replies_failed(replies[:head]) and not m.copy:
            ks.delete(c.db, key)
    if first_error is not None:
        raise RespError("ERR Target instance replied with error: "
                        + first_error[1:].decode("utf-8", "replace"))
    if partial:
        raise RespError("IOERR error or timeout reading to target instance")
    return OK


def replies_failed(head: list[bytes]) -> bool:
    """Did AUTH or SELECT fail?"""
    return any(r.startswith(b"-") for r in head)


_SKIP_ARGS = {b"copy": 0, b"replace": 0, b"auth": 1, b"auth2": 2}


def migrate_keys(args: list) -> list[tuple[bytes, str]]:
    """migrateGetKeys (COMMAND GETKEYS): the key, or the keys after KEYS (none when the key
    argument is not empty then)."""
    first, num = 3, 1
    i = 6
    while i < len(args):
        opt = arg_bytes(args[i]).lower()
        if opt == b"keys":
            if len(args[3]) > 0:
                return []
            first, num = i + 1, len(args) - i - 1
            break
        i += 1 + _SKIP_ARGS.get(opt, 0)
    return [(args[j], "RW access delete") for j in range(first, first + num)]


COMMANDS = [
    spec("migrate", migrate, -6, "write movablekeys", (3, 3, 1), "generic",
         "Atomically transfer a key from a Redis instance to another one.", "2.6.0"),
]
