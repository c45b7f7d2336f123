"""Big SETs never hang, however the client splits or coalesces them, while the CPUs are busy.

The failure this guards against: while a big value arrives over TCP the server raises the
socket's SO_RCVLOWAT; if the read that completes the value leaves the watermark up, the
trailing CRLF (and the next small command) sit below it, epoll never reports the socket
readable and the client waits forever. The busier the CPU, the more bytes pile up between
reads and the likelier a single read takes the last >= RCVLOWAT bytes of a value at once.

Every round sends one SET in one of several shapes followed by a PING in the same or a later
send, with a per-reply timeout: a hang is a timeout, reported with the round and shape. Two
busy-loop processes keep both cores contended for the whole test (stopped by the fixture).
Bounded: ROUNDS rounds and DEADLINE seconds, whichever comes first (then at least MIN_ROUNDS
must have run).
"""

from __future__ import annotations

import hashlib
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.conftest import start_ours

MIB = 1024 * 1024
ROUNDS = 520
MIN_ROUNDS = 500
DEADLINE = 240.0            # seconds for all rounds (a round takes ~10-60 ms here)
REPLY_TIMEOUT = 10.0        # seconds: no reply within this is a hang
SHAPES = ("one_sendall", "header|value|crlf", "value_tail_with_crlf", "random_pieces",
          "crlf_with_next", "byte_by_byte_tail")


@pytest.fixture
def busy_cpus() -> Iterator[None]:
    """Two processes spinning for at most DEADLINE + 60 s, killed at the end of the test."""
    code = f"import time\nend = time.monotonic() + {DEADLINE + 60}\nwhile time.monotonic() < end: pass"
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(2)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait(5)


def _read_line(sock: socket.socket, pending: bytearray) -> bytes:
    while b"\r\n" not in pending:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        pending += chunk
    line, _, rest = bytes(pending).partition(b"\r\n")
    pending[:] = rest
    return line


def _send_set(sock: socket.socket, shape: str, key: bytes, value: bytes, rng: random.Random) -> None:
    header = b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n" % (len(key), key, len(value))
    ping = b"*1\r\n$4\r\nPING\r\n"
    if shape == "one_sendall":
        sock.sendall(header + value + b"\r\n" + ping)
    elif shape == "header|value|crlf":
        sock.sendall(header)
        sock.sendall(value)
        sock.sendall(b"\r\n")
        sock.sendall(ping)
    elif shape == "value_tail_with_crlf":
        # The last 513 KiB .. 2 MiB of the value arrive together with the CRLF: a read that
        # takes exactly what the value lacks leaves the CRLF behind, as under CPU load.
        tail = rng.randint(513 * 1024, 2 * MIB)
        sock.sendall(header + value[:-tail])
        time.sleep(0.002)
        sock.sendall(value[-tail:] + b"\r\n" + ping)
    elif shape == "random_pieces":
        data = header + value + b"\r\n" + ping
        pos = 0
        while pos < len(data):
            n = rng.choice((1, 2, 100, 4096, 65536, 600 * 1024, 3 * MIB))
            sock.sendall(data[pos:pos + n])
            pos += n
    elif shape == "crlf_with_next":
        sock.sendall(header + value)
        time.sleep(0.002)
        sock.sendall(b"\r\n" + ping)
    else:  # byte_by_byte_tail: the CRLF and the PING trickle in
        sock.sendall(header + value)
        for b in b"\r\n" + ping:
            sock.sendall(bytes((b,)))


@pytest.mark.parametrize("loop", ["uvloop", "asyncio"])
def test_big_sets_never_hang_under_cpu_contention(busy_cpus: None, loop: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The standard loop reads once per readiness event, so a watermark left up after the
    completing read hangs at once there; uvloop reads up to 32 times per event and hangs only
    when the completing read is the last of those."""
    if loop == "asyncio":
        monkeypatch.setenv("RESP_SERVER_LOOP", "asyncio")
    sp = start_ours("--maxmemory", "512mb", "--maxmemory-policy", "allkeys-lru")
    rng = random.Random(20261202)
    values = {size: rng.randbytes(size) for size in (3 * MIB, 32 * MIB)}
    digests = {size: hashlib.sha256(v).hexdigest() for size, v in values.items()}
    done = 0
    try:
        sock = socket.create_connection(("127.0.0.1", sp.port), timeout=REPLY_TIMEOUT)
        pending = bytearray()
        t0 = time.monotonic()
        for rnd in range(ROUNDS):
            if time.monotonic() - t0 > DEADLINE:
                break
            size = 32 * MIB if rnd % 20 == 0 else 3 * MIB
            shape = SHAPES[rnd % len(SHAPES)]
            key = b"big:%d" % (rnd % 8)
            _send_set(sock, shape, key, values[size], rng)
            try:
                replies = (_read_line(sock, pending), _read_line(sock, pending))
            except TimeoutError:
                pytest.fail(f"round {rnd}: SET of {size} bytes sent as {shape!r} got no reply "
                            f"in {REPLY_TIMEOUT}s (hung)")
            assert replies == (b"+OK", b"+PONG"), (rnd, shape, replies)
            done += 1
        sock.close()
        assert done >= MIN_ROUNDS, f"only {done} rounds in {DEADLINE}s"
        _check_last_values(sp.port, values, digests)
    finally:
        sp.stop()


def _check_last_values(port: int, values: dict[int, bytes], digests: dict[int, str]) -> None:
    import redis

    r = redis.Redis(port=port, socket_timeout=REPLY_TIMEOUT)
    for i in range(8):
        got = r.get(b"big:%d" % i)
        assert got is not None and hashlib.sha256(got).hexdigest() in digests.values()
    r.close()
