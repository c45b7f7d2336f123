"""Copies per SET and GET of a 32 MiB value, measured with tracemalloc on an in-process server.

The server runs in a thread (uvloop, real loopback socket); the client sends from and receives
into buffers allocated before tracing starts. With slab pages preallocated, every byte the
process allocates while the value travels is traced: a user-space copy of the value would show
as >= 32 MiB of traced peak. Kernel copies (socket buffers) are not Python allocations.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import tracemalloc

import pytest

from resp_server.config import MIB, ServerConfig, StoreConfig
from resp_server.server import Server

SIZE = 32 * MIB


@pytest.fixture(params=["heap", "memory-file"])
def inproc_server(request, tmp_path):
    """The server with heap pages, and with pages in a --memory-file mapping (warm restart)."""
    memfile = ""
    if request.param == "memory-file":
        d = "/dev/shm" if os.path.isdir("/dev/shm") else str(tmp_path)
        memfile = os.path.join(d, f"resp-zero-copy-{os.getpid()}.mem")
    try:
        import uvloop
        loop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    cfg = ServerConfig(port=0, bind=("127.0.0.1",),
                       store=StoreConfig(maxmemory=160 * MIB, prealloc=True, memory_file=memfile))
    server = Server(cfg)
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        ready.set()
        loop.run_until_complete(_wait_stop(server))

    t = threading.Thread(target=run, daemon=True)
    t.start()
    assert ready.wait(30)
    assert (server.state.keyspace.slabs.backing is not None) == bool(memfile)
    yield server
    loop.call_soon_threadsafe(server.request_shutdown)
    t.join(15)
    for f in (memfile, memfile + ".meta"):
        if memfile and os.path.exists(f):
            os.unlink(f)


async def _wait_stop(server: Server) -> None:
    server._stop = asyncio.Event()
    await server._stop.wait()
    await server.shutdown()


def recv_exact_into(s: socket.socket, view: memoryview) -> None:
    got = 0
    while got < len(view):
        n = s.recv_into(view[got:])
        assert n, "server closed"
        got += n


def read_line(s: socket.socket) -> bytes:
    line = b""
    while not line.endswith(b"\r\n"):
        c = s.recv(1)
        assert c
        line += c
    return line


def test_32mib_set_and_get_make_no_user_space_copy(inproc_server):
    value = bytearray(SIZE)
    for i in range(0, SIZE, 4096):
        value[i:i + 8] = i.to_bytes(8, "little")
    out = bytearray(SIZE + 2)
    header = b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % SIZE
    s = socket.create_connection(("127.0.0.1", inproc_server.state.port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * MIB)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        s.sendall(header)
        s.sendall(memoryview(value))
        s.sendall(b"\r\n")
        assert read_line(s) == b"+OK\r\n"
        set_peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.reset_peak()
        s.sendall(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n")
        assert read_line(s) == b"$%d\r\n" % SIZE
        recv_exact_into(s, memoryview(out))
        get_peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
        s.close()
    assert out[:SIZE] == value and out[SIZE:] == b"\r\n"
    print(f"traced peak during SET: {set_peak / MIB:.2f} MiB, during GET: {get_peak / MIB:.2f} MiB "
          f"(a copy of the value would be {SIZE / MIB:.0f} MiB)")
    assert set_peak < SIZE // 4, f"SET allocated {set_peak} bytes: the value was copied"
    assert get_peak < SIZE // 4, f"GET allocated {get_peak} bytes: the value was copied"
