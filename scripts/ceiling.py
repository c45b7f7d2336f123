"""The ceiling: what raw Python sockets move over loopback on this machine, right now.

A sink process (`python -m scripts.ceiling --port N`) plays a server that does no work: for each
connection (one thread each) it reads a 16-byte job header `op:1s size:u64 count:u32 pad:3x`, then
- op `S` (like SET): `count` times, receive `size` bytes with `recv_into` into a pre-touched buffer
  and answer one byte (the `+OK` of a SET);
- op `R` (like GET): `count` times, wait for one request byte and send `size` bytes from a
  pre-touched buffer with `sendall(memoryview)` (the bulk reply of a GET).
The client side (`measure`) uses the same calls as the raw benchmark client (sendmsg of the
payload, recv_into a preallocated buffer), so the ratio "figure ÷ ceiling" says how much of what
the machine can move a server delivers. Throughput is in bytes per second of payload.

Both ends use sockets with a timeout, i.e. non-blocking calls after poll(): measured here, a 32 MiB
transfer between two such sockets runs at 3.5-3.8 GB/s against 2.4-2.8 GB/s when either end blocks
in the kernel (asyncio/uvloop servers are non-blocking too), so this is the faster, fairer ceiling.
"""

from __future__ import annotations

import argparse
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from .servers import ROOT, free_port

JOB = struct.Struct("<cQI3x")        # op, size (bytes), count
SOCK_BUF = 4 * 1024 * 1024
SOCK_TIMEOUT_S = 120.0
ACCEPT_BACKLOG = 64


def _touched(size: int) -> bytearray:
    buf = bytearray(size)
    buf[::4096] = b"\x01" * len(range(0, size, 4096))   # fault every page in now
    return buf


def _recv_exact(conn: socket.socket, view: memoryview) -> None:
    pos, end = 0, view.nbytes
    while pos < end:
        n = conn.recv_into(view[pos:])
        if n == 0:
            raise ConnectionError("peer closed")
        pos += n


def _serve_conn(conn: socket.socket) -> None:
    """Serve jobs on one connection until the peer closes it."""
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.settimeout(SOCK_TIMEOUT_S)      # poll + non-blocking calls: see the module docstring
    bufs: dict[int, bytearray] = {}
    job = bytearray(JOB.size)
    try:
        while True:
            _recv_exact(conn, memoryview(job))
            op, size, count = JOB.unpack(job)
            buf = bufs.get(size) or bufs.setdefault(size, _touched(size))
            view, one = memoryview(buf), bytearray(1)
            for _ in range(count):
                if op == b"S":
                    _recv_exact(conn, view)
                    conn.sendall(b"+")
                else:
                    _recv_exact(conn, memoryview(one))
                    conn.sendall(view)
    except (ConnectionError, OSError):
        pass
    finally:
        conn.close()


def serve(port: int) -> None:
    """Run the sink on 127.0.0.1:port until killed."""
    lsock = socket.create_server(("127.0.0.1", port), backlog=ACCEPT_BACKLOG)
    while True:
        conn, _ = lsock.accept()
        threading.Thread(target=_serve_conn, args=(conn,), daemon=True).start()


@dataclass
class Sink:
    """A running sink process."""

    port: int
    proc: subprocess.Popen

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start_sink() -> Sink:
    """Start the sink in its own process (its own GIL) and wait until it accepts connections."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", f"{__package__}.ceiling", "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return Sink(port, proc)
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("ceiling sink did not start")


class SinkClient:
    """One connection to the sink, doing S (send) or R (receive) jobs like SET and GET."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for opt in (socket.SO_SNDBUF, socket.SO_RCVBUF):
            self.sock.setsockopt(socket.SOL_SOCKET, opt, SOCK_BUF)
        self.one = bytearray(1)

    def start_job(self, op: bytes, size: int, count: int) -> None:
        self.sock.sendall(JOB.pack(op, size, count))

    def send_one(self, payload: memoryview) -> None:
        """Like SET: send the payload with sendmsg, wait for the one-byte answer."""
        sent, total = self.sock.sendmsg([payload]), payload.nbytes
        if sent < total:
            self.sock.sendall(payload[sent:])
        _recv_exact(self.sock, memoryview(self.one))

    def recv_one(self, dest: memoryview) -> None:
        """Like GET: send one request byte, read the payload with recv_into."""
        self.sock.sendall(b"?")
        _recv_exact(self.sock, dest)

    def close(self) -> None:
        self.sock.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    serve(p.parse_args().port)


if __name__ == "__main__":
    main()
