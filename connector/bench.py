"""Throughput of the connector's big-value path: batch_put / batch_get_into of N chunks.

    python -m connector.bench redis://127.0.0.1:6380 [--chunks 8] [--mib 32] [--repeat 5]
        [--serde naive|lz4] [--no-ceiling]

`measure()` is importable (scripts/bench.py may call it). Destination buffers are allocated and
touched once before timing (fresh pages fault at 0.5-1 GB/s and would hide the transfer); values
are a non-repeating pattern, bf16-like random bits, so compression numbers are honest. Reports
the best and median of `repeat` runs in GB/s (10^9 bytes/s of tensor payload), followed by the
raw loopback socket ceiling measured in the same run (`socket_ceiling`).
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass

import numpy as np

from .client import ChunkClient

MIB = 1 << 20


@dataclass(frozen=True)
class Result:
    op: str
    chunks: int
    chunk_bytes: int
    best_gbps: float
    median_gbps: float

    def line(self) -> str:
        return (f"{self.op:<16} {self.chunks} x {self.chunk_bytes / MIB:.0f} MiB  "
                f"best {self.best_gbps:5.2f} GB/s  median {self.median_gbps:5.2f} GB/s")


def kv_like(nbytes: int, seed: int) -> np.ndarray:
    """bf16-looking data (as uint16): random mantissas, a narrow band of exponents."""
    rng = np.random.default_rng(seed)
    n = nbytes // 2
    sign = rng.integers(0, 2, n, dtype=np.uint16) << 15
    exp = rng.integers(118, 128, n, dtype=np.uint16) << 7
    mant = rng.integers(0, 128, n, dtype=np.uint16)
    return sign | exp | mant


def _rate(op: str, chunks: int, size: int, times: list[float]) -> Result:
    total = chunks * size
    return Result(op, chunks, size, total / min(times) / 1e9, total / statistics.median(times) / 1e9)


def measure(url: str, chunks: int = 8, chunk_bytes: int = 32 * MIB, repeat: int = 5,
            serde: str = "naive", prefix: str = "bench:") -> list[Result]:
    """Time batch_put and batch_get_into of `chunks` values of `chunk_bytes` against `url`."""
    keys = [f"{prefix}{i}" for i in range(chunks)]
    arrays = [kv_like(chunk_bytes, i) for i in range(chunks)]
    outs = [np.ones_like(a) for a in arrays]  # touched: no page faults while timing
    put_t: list[float] = []
    get_t: list[float] = []
    with ChunkClient(url, serde=serde) as client:
        for _ in range(repeat):
            t0 = time.perf_counter()
            client.batch_put(keys, arrays, dtype_name="bfloat16")
            put_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            found = client.batch_get_into(keys, outs)
            get_t.append(time.perf_counter() - t0)
            if not all(found):
                raise RuntimeError(f"only {sum(found)}/{chunks} chunks came back (evicted?)")
        if not all(np.array_equal(a, o) for a, o in zip(arrays, outs, strict=True)):
            raise RuntimeError("data mismatch after batch_get_into")
        client.delete(*keys)
    return [_rate(f"batch_put/{serde}", chunks, chunk_bytes, put_t),
            _rate(f"batch_get_into/{serde}", chunks, chunk_bytes, get_t)]


def lz4_ratio(chunk_bytes: int = 32 * MIB) -> tuple[float, float]:
    """(stored/raw size ratio, compress GB/s) of the lz4 serde on one KV-like chunk."""
    from .serde import encode

    arr = kv_like(chunk_bytes, 7)
    t0 = time.perf_counter()
    enc = encode(arr, "lz4", dtype_name="bfloat16")
    dt = time.perf_counter() - t0
    return enc.nbytes / arr.nbytes, arr.nbytes / dt / 1e9


def socket_ceiling(chunks: int = 8, chunk_bytes: int = 32 * MIB, repeat: int = 3) -> Result:
    """Raw loopback TCP: one thread sends `chunks` buffers, recv_into fills touched buffers.
    The ceiling any client/server pair on this machine can reach right now."""
    import socket
    import threading

    src = kv_like(chunk_bytes, 99)
    outs = [np.ones(chunk_bytes, np.uint8) for _ in range(chunks)]
    lsock = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = lsock.accept()
        with conn:
            for _ in range(repeat * chunks):
                conn.sendall(src)

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    times = []
    with socket.create_connection(lsock.getsockname()) as sock:
        for _ in range(repeat):
            t0 = time.perf_counter()
            for out in outs:
                view, got = memoryview(out), 0
                while got < chunk_bytes:
                    got += sock.recv_into(view[got:])
            times.append(time.perf_counter() - t0)
    th.join()
    lsock.close()
    return _rate("raw socket", chunks, chunk_bytes, times)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--chunks", type=int, default=8)
    ap.add_argument("--mib", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--serde", default="naive", choices=("naive", "lz4"))
    ap.add_argument("--no-ceiling", action="store_true", help="skip the raw socket ceiling")
    a = ap.parse_args(argv)
    for r in measure(a.url, a.chunks, a.mib * MIB, a.repeat, a.serde):
        print(r.line())
    if a.serde == "lz4":
        ratio, speed = lz4_ratio(a.mib * MIB)
        print(f"lz4 on KV-like bf16: stored/raw = {ratio:.3f}, compress {speed:.2f} GB/s")
    if not a.no_ceiling:
        print(socket_ceiling(a.chunks, a.mib * MIB).line())


if __name__ == "__main__":
    main()
