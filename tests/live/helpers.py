"""Helpers for the live memory tests (tests/live/test_memory_*.py).

- `pattern(key, counter, size)`: a non-repeating value derived from the key and a counter. Every
  8-byte word is splitmix64(seed + i * golden), seed = blake2b(key, counter): no two words of one
  value are equal in practice and values of different (key, counter) pairs share no words, so a
  chunk handed to two items, a view at a wrong offset or a stale page all show as a mismatch.
- `checked_value` / `check_value`: a value that carries its own checksum
  (8-byte length + 16-byte blake2b digest + payload).
- `first_mismatch`: where two buffers differ, for readable failure messages.
- INFO parsing (`info`, `slabs`), `/proc` readers (`rss`, `hwm`) and a background RSS sampler.
- `server(...)`: a context manager around `start_ours` that stops the server and fails the test
  if the server logged a traceback (an assertion from `--debug-invariants yes` included).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from scripts.rawclient import RawClient
from tests.conftest import ServerProc, start_ours

KIB = 1024
MIB = 1024 * KIB
HOST = "127.0.0.1"

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _seed(key: bytes, counter: int) -> int:
    h = hashlib.blake2b(key + b"\0" + str(counter).encode(), digest_size=8).digest()
    return int.from_bytes(h, "little")


def pattern(key: bytes, counter: int, size: int) -> bytes:
    """`size` bytes unique to (key, counter) and to each 8-byte position (splitmix64)."""
    n = (size + 7) // 8
    with np.errstate(over="ignore"):
        z = np.arange(1, n + 1, dtype=np.uint64) * _GOLDEN + np.uint64(_seed(key, counter))
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        z ^= z >> np.uint64(31)
    return z.tobytes()[:size]


HEADER = 8 + 16  # length + blake2b-128 digest


def checked_value(key: bytes, counter: int, size: int) -> tuple[bytes, bytes]:
    """(value, digest): value = len(payload) (8 bytes LE) + blake2b-128(key, payload) + payload."""
    payload = pattern(key, counter, size - HEADER)
    digest = hashlib.blake2b(payload, digest_size=16, key=key[:64]).digest()
    return len(payload).to_bytes(8, "little") + digest + payload, digest


def check_value(key: bytes, value: memoryview | bytes) -> bytes:
    """The digest of a self-checking value; AssertionError if its length or checksum is wrong."""
    mv = memoryview(value)
    assert mv.nbytes >= HEADER, f"{key!r}: {mv.nbytes}-byte value is shorter than its header"
    n = int.from_bytes(mv[:8], "little")
    assert n == mv.nbytes - HEADER, f"{key!r}: header says {n} payload bytes, got {mv.nbytes - HEADER}"
    digest = bytes(mv[8:HEADER])
    actual = hashlib.blake2b(mv[HEADER:], digest_size=16, key=key[:64]).digest()
    assert actual == digest, f"{key!r}: checksum mismatch ({n}-byte payload is corrupt)"
    return digest


def first_mismatch(got: memoryview | bytes, want: bytes) -> str:
    """'' if equal, else a short description of the first differing offset."""
    g = memoryview(got).cast("B")
    if g.nbytes == len(want) and g == want:
        return ""
    if g.nbytes != len(want):
        return f"length {g.nbytes} != {len(want)}"
    a = np.frombuffer(g, dtype=np.uint8)
    b = np.frombuffer(want, dtype=np.uint8)
    idx = int(np.flatnonzero(a != b)[0])
    bad = int(np.count_nonzero(a != b))
    return f"first difference at offset {idx} ({idx / MIB:.3f} MiB), {bad} bytes differ"


def get_exact(c: RawClient, key: bytes, want: bytes, buf: bytearray | None = None) -> bool:
    """GET key into a buffer: False if missing, True if byte-exact, AssertionError otherwise."""
    buf = buf if buf is not None and len(buf) >= len(want) else bytearray(len(want) + 1)
    n = c.get_into(key, memoryview(buf))
    if n < 0:
        return False
    diff = first_mismatch(memoryview(buf)[:n], want)
    assert not diff, f"value of {key!r} is corrupt: {diff}"
    return True


def set_reply(c: RawClient, key: bytes, value: bytes | memoryview, *extra: bytes) -> object:
    """SET key value [extra...] without copying the value; returns the reply (an error reply is
    returned as a RespError instance, not raised)."""
    n = memoryview(value).nbytes
    head = b"*%d\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n" % (3 + len(extra), len(key), key, n)
    tail = b"\r\n" + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in extra)
    c.send_raw(head)
    c.send_raw(value)  # type: ignore[arg-type]
    c.send_raw(tail)
    return c.read_replies(1)[0]


# --- INFO ---------------------------------------------------------------------------------------

def info(c: RawClient, section: str) -> dict[str, str]:
    text = c.call("INFO", section)
    assert isinstance(text, bytes)
    out: dict[str, str] = {}
    for line in text.decode().splitlines():
        if line and not line.startswith("#") and ":" in line:
            k, v = line.split(":", 1)
            out[k] = v
    return out


def info_int(c: RawClient, section: str, field: str) -> int:
    return int(info(c, section)[field])


def slabs(c: RawClient) -> dict[int, dict[str, int]]:
    """INFO slabs as {class id: {chunk_size, pages, chunks_used, evictions, ...}}."""
    out: dict[int, dict[str, int]] = {}
    for name, body in info(c, "slabs").items():
        if name.startswith("slab_"):
            out[int(name[5:])] = {k: int(v) for k, v in (kv.split("=") for kv in body.split(","))}
    return out


def chunks_used(c: RawClient) -> int:
    return sum(s["chunks_used"] for s in slabs(c).values())


def keys(c: RawClient) -> set[bytes]:
    """All keys of db 0 (KEYS does not touch LRU state)."""
    reply = c.call("KEYS", "*")
    assert isinstance(reply, list)
    return set(reply)


def wait_for(pred: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll pred() every 10 ms until true; AssertionError after timeout."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.01)


# --- /proc --------------------------------------------------------------------------------------

def _status(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def rss(pid: int) -> int:
    """VmRSS of a process, bytes."""
    return _status(pid, "VmRSS")


def hwm(pid: int) -> int:
    """VmHWM (peak resident set size) of a process, bytes."""
    return _status(pid, "VmHWM")


class RssSampler:
    """Samples VmRSS of a pid every `interval` seconds in a thread; `.peak` is the maximum seen."""

    def __init__(self, pid: int, interval: float = 0.002) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, rss(self.pid))
            except (OSError, KeyError):
                return
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


# --- servers ------------------------------------------------------------------------------------

@contextmanager
def server(*args: str) -> Iterator[ServerProc]:
    """Our server with CLI args; stopped on exit, and its log must hold no traceback.

    The server's stderr is drained by a thread, so a chatty log can never block the server.
    """
    if "--maxmemory-policy" not in args:   # these tests assert exact-LRU order unless told
        args = (*args, "--maxmemory-policy", "allkeys-lru")
    sp = start_ours(*args)
    log: list[bytes] = []
    drain = threading.Thread(target=_drain, args=(sp, log), daemon=True)
    drain.start()
    failed = True
    try:
        yield sp
        failed = False
    finally:
        sp.stop()
        drain.join(5)
        err = b"".join(log).decode(errors="replace")
        if not failed:
            assert "Traceback" not in err and "AssertionError" not in err, \
                f"server logged an exception:\n{err[-4000:]}"


def _drain(sp: ServerProc, log: list[bytes]) -> None:
    if sp.proc.stdout is not None:
        for line in sp.proc.stdout:
            log.append(line)


def client(sp: ServerProc, timeout: float = 30.0) -> RawClient:
    return RawClient(HOST, sp.port, timeout=timeout)
