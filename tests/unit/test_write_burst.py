"""Replies written in one burst per loop iteration (Server.write_soon), through fake transports."""

from __future__ import annotations

import asyncio

from scripts.rawclient import encode as resp
from tests.unit.helpers import feed, make, make_peer


def test_replies_wait_for_the_end_of_the_iteration_then_go_in_order():
    async def body():
        server, a, ta = make(debug=False)
        server._loop = asyncio.get_running_loop()
        _, b, tb = make_peer(server)
        feed(a, resp(b"SET", b"k", b"1") + resp(b"GET", b"k"))
        feed(b, resp(b"PING"))
        feed(a, resp(b"INCR", b"k"))
        assert ta.written == [] and tb.written == []          # held until the loop's next turn
        assert server.write_queue == [a, b]                   # each connection queued once
        await asyncio.sleep(0)
        assert ta.written == [b"+OK\r\n$1\r\n1\r\n:2\r\n"]      # one write, in request order
        assert tb.written == [b"+PONG\r\n"]
        assert server.write_queue == [] and not a.write_queued
    asyncio.run(body())


def test_quit_and_big_replies_are_written_at_once():
    async def body():
        server, conn, t = make(debug=False)
        server._loop = asyncio.get_running_loop()
        feed(conn, resp(b"SET", b"big", b"v" * 100_000))
        await asyncio.sleep(0)
        t.written.clear()
        feed(conn, resp(b"GET", b"big"))                      # zero-copy parts: no waiting
        assert b"".join(bytes(p) for p in t.written) == b"$100000\r\n" + b"v" * 100_000 + b"\r\n"
        t.written.clear()
        feed(conn, resp(b"PING") + resp(b"QUIT"))             # closing: flushed before close
        assert t.output() == b"+PONG\r\n+OK\r\n" and t.closed
    asyncio.run(body())
