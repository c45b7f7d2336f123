"""The read side of a connection (resp_server/input_buffer.py): memory follows pending input.

Pure units of InputBuffer, then the connection over a fake transport: no buffer of its own while
idle or after a complete request, a private copy only of an incomplete tail, and a closed
connection freed by reference counting alone (the cycle collector disabled).
"""

from __future__ import annotations

import gc
import weakref

from resp_server.input_buffer import MIN_FREE, PRIVATE_MIN, InputBuffer, SharedReadBuffer
from scripts.rawclient import encode as resp
from tests.unit.helpers import feed, make


def _read(ib: InputBuffer, data: bytes, limit: int = 1 << 30) -> None:
    room = ib.room(limit)
    assert room is not None and len(room) >= len(data)
    room[:len(data)] = data
    ib.received(len(data))


def test_reads_land_in_the_shared_buffer_and_nothing_stays_when_consumed():
    shared = SharedReadBuffer(1024)
    ib = InputBuffer(shared)
    assert ib.free() == 0 and ib.pending() == 0
    _read(ib, b"PING\r\n")
    assert ib.buf is shared.buf and not ib.private
    ib.settle(6)
    assert ib.buf is not shared.buf and len(ib.buf) == 0 and ib.pending() == 0


def test_an_incomplete_tail_is_copied_out_of_the_shared_buffer():
    shared = SharedReadBuffer(1024)
    ib = InputBuffer(shared)
    _read(ib, b"PING\r\n*1\r\n$4\r\nPI")
    ib.settle(6)
    assert ib.private and bytes(ib.buf[ib.start:ib.end]) == b"*1\r\n$4\r\nPI"
    assert len(ib.buf) == PRIVATE_MIN
    shared.buf[:] = b"x" * 1024                       # another connection's read
    _read(ib, b"NG\r\n")
    assert bytes(ib.buf[ib.start:ib.end]) == b"*1\r\n$4\r\nPING\r\n"
    ib.settle(ib.end)
    assert not ib.private and len(ib.buf) == 0


def test_a_private_buffer_grows_for_long_requests_and_refuses_past_the_limit():
    ib = InputBuffer(SharedReadBuffer(64))
    _read(ib, b"*2\r\n$3\r\nGET\r\n$")
    ib.settle(13)                                    # the partial header stays
    for _ in range(10):
        room = ib.room(4 * PRIVATE_MIN)
        if room is None:
            break
        assert len(room) >= MIN_FREE
        ib.received(len(room))
    assert ib.room(4 * PRIVATE_MIN) is None           # past the limit: the caller closes
    assert len(ib.buf) <= 4 * PRIVATE_MIN + PRIVATE_MIN


def test_connection_holds_no_buffer_when_idle_or_done():
    _, conn, t = make()
    assert conn.inbuf.free() == 0 and len(conn.inbuf.buf) == 0       # connected, nothing sent
    feed(conn, resp(b"SET", b"k", b"v") + resp(b"GET", b"k"))
    assert t.output() == b"+OK\r\n$1\r\nv\r\n"
    assert len(conn.inbuf.buf) == 0
    feed(conn, resp(b"SET", b"k2", b"x" * 20_000)[:10_000])          # a long request, half sent
    assert conn.inbuf.private and conn.input_pending() > 0
    feed(conn, resp(b"SET", b"k2", b"x" * 20_000)[10_000:])
    assert t.output().endswith(b"+OK\r\n") and len(conn.inbuf.buf) == 0


def test_a_closed_connection_is_freed_without_the_cycle_collector():
    server, conn, t = make()
    feed(conn, resp(b"SET", b"k", b"v") + resp(b"MULTI") + resp(b"SET", b"a", b"1"))
    feed(conn, b"*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$100000\r\nxyz")   # a big value half received
    client = conn.client
    ref = weakref.ref(conn)
    gc.disable()
    try:
        conn.connection_lost(None)
        t.closed = True
        del conn, t
        assert ref() is None and client.conn is None
    finally:
        gc.enable()
    assert not server.connections and not server.state.clients
    server.state.keyspace.check_invariants()
