"""Request limits are read live: CONFIG SET reaches clients already connected (as Redis).

The parser of a connection reads proto-max-bulk-len and client-query-buffer-limit from the
server's settings at every check, not a copy taken when the connection opened. Each case runs on
our server and on a real redis-server and compares what the already-connected client sees.
"""

from __future__ import annotations

import socket

import pytest
import redis

from tests.conftest import ServerProc, start_ours, start_redis


@pytest.fixture(params=["ours", "redis"])
def srv(request) -> ServerProc:
    sp = start_ours() if request.param == "ours" else start_redis()
    yield sp
    sp.stop()


def _exchange(sock: socket.socket, data: bytes) -> bytes:
    sock.sendall(data)
    out = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
            if out.endswith(b"\r\n"):
                break
    except TimeoutError:
        pass
    return out


def test_proto_max_bulk_len_applies_to_connected_clients(srv: ServerProc) -> None:
    early = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    assert _exchange(early, b"PING\r\n") == b"+PONG\r\n"
    admin = redis.Redis(port=srv.port)
    admin.config_set("proto-max-bulk-len", "1mb")
    reply = _exchange(early, b"*2\r\n$3\r\nGET\r\n$2000000\r\n")
    assert reply == b"-ERR Protocol error: invalid bulk length\r\n"
    admin.config_set("proto-max-bulk-len", "512mb")
    admin.close()
    early.close()


def test_client_query_buffer_limit_applies_to_connected_clients(srv: ServerProc) -> None:
    early = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    assert _exchange(early, b"PING\r\n") == b"+PONG\r\n"
    admin = redis.Redis(port=srv.port)
    admin.config_set("client-query-buffer-limit", "1mb")
    early.sendall(b"*2\r\n$4\r\nECHO\r\n$3000000\r\n")   # one 3 MB argument, 2 MB sent
    closed = False
    try:
        for _ in range(40):
            early.sendall(b"x" * 50_000)
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    if not closed:
        try:
            closed = early.recv(100) == b""      # EOF: closed without a reply (Redis 7.0)
        except ConnectionResetError:
            closed = True
        except TimeoutError:                     # still open: the old limit was applied
            closed = False
    assert closed, "the client past client-query-buffer-limit must be closed"
    admin.config_set("client-query-buffer-limit", "1gb")
    admin.close()
    early.close()
