"""Restart downtime and memory: our --memory-file warm restart vs Redis's SHUTDOWN SAVE + RDB load.

    python3 -m scripts.bench_restart                     # 2 GiB of 3 MiB chunks + 50k small keys
    python3 -m scripts.bench_restart --chunks-gib 8 --only ours   # adopt time vs bytes cached
    python3 -m scripts.bench_restart --chunks-gib 0.25 --small 5000   # a quick smoke run

For each server: start it, fill it (3 MiB chunks of non-repeating bytes, then small keys of
20..300 bytes, two in three with a TTL), send SHUTDOWN (ours: the metadata and clean marker;
Redis: `SHUTDOWN SAVE`, an RDB in a private directory), start a new process on the same file /
RDB at once and poll PING. Downtime = from sending SHUTDOWN to the new process's first PONG,
split into the old process's exit and the new one's start; --reps restarts of the same data,
median and min-max (the machine may be shared: single runs are noisy). Then every value is read back and
compared by SHA-256, and PEXPIRETIME of every small key with what it was.

Memory (bytes, from /proc/PID/status): `rss_before` = VmRSS of the old process before SHUTDOWN,
after the same read-back of every value as the new process gets (reading 3 MiB values costs a
few MiB of reply buffers on either side: without it "after" would be higher for that alone);
`peak_rss` = the highest VmHWM of the old process until it exits (sampled) and of the new one
up to the first PONG and after the read-back; `rss_after` = VmRSS after the read-back. Our slab
pages live in the memory file on tmpfs: they count in RSS (RssShmem) only once a process touches
them, so `file_bytes` (the file's allocated blocks) is printed as well; Redis's RDB size likewise.
Results: a table on stdout and JSON in --results (default results/restart-latest.json).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

import redis

from .servers import ROOT, free_port, ping, redis_server_path, rss_of

CHUNK = 3 * 1024 * 1024
GIB = 1 << 30
START_TIMEOUT_S = 300.0        # loading a big RDB takes a while
PIPELINE = 1000                # small-key commands per pipeline round trip


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench_restart", description=__doc__.splitlines()[0])
    p.add_argument("--chunks-gib", type=float, default=2.0, help="GiB of 3 MiB chunks")
    p.add_argument("--small", type=int, default=50_000, help="small keys with TTLs")
    p.add_argument("--only", default="ours,redis", help="ours, redis or both")
    p.add_argument("--memdir", default="/dev/shm", help="where our memory file lives")
    p.add_argument("--reps", type=int, default=3, help="restarts of the same data (median)")
    p.add_argument("--results", default=os.path.join(ROOT, "results"))
    return p.parse_args(argv)


class Proc:
    """A server process we start, with its log in the work directory."""

    def __init__(self, cmd: list[str], port: int, log: str, cwd: str | None) -> None:
        self.port = port
        self.log = open(log, "ab")
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_pong(self, timeout: float = START_TIMEOUT_S) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            if ping("127.0.0.1", self.port, timeout=1.0):
                return time.monotonic()
            time.sleep(0.01)
        raise RuntimeError("no PONG")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


def ours_cmd(port: int, maxmemory: int, memfile: str) -> list[str]:
    return [sys.executable, "-m", "resp_server", "--port", str(port), "--bind", "127.0.0.1",
            "--maxmemory", str(maxmemory), "--maxmemory-policy", "allkeys-lru",
            "--memory-file", memfile]


def redis_cmd(port: int, maxmemory: int, workdir: str) -> list[str]:
    return [redis_server_path(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", workdir, "--dbfilename", "dump.rdb",
            "--maxmemory", str(maxmemory), "--maxmemory-policy", "allkeys-lru"]


def fill(r: redis.Redis, nchunks: int, nsmall: int) -> dict[bytes, bytes]:
    """Write the data set; returns key -> SHA-256 of its value."""
    rnd = random.Random(42)
    base = bytearray(rnd.randbytes(CHUNK))
    sums = {}
    for i in range(nchunks):
        base[:8] = i.to_bytes(8, "little")          # every chunk differs from every other
        key = b"kv:layer0:chunk:%08d" % i
        r.set(key, base)
        sums[key] = hashlib.sha256(base).digest()
    pipe = r.pipeline(transaction=False)
    for i in range(nsmall):
        key = b"meta:%08d" % i
        value = rnd.randbytes(rnd.randint(20, 300))
        pipe.set(key, value, px=rnd.randint(3_600_000, 7_200_000) if i % 3 else None)
        sums[key] = hashlib.sha256(value).digest()
        if len(pipe) >= PIPELINE:
            pipe.execute()
    pipe.execute()
    return sums


def expire_times(r: redis.Redis, keys: list[bytes]) -> list[int]:
    out: list[int] = []
    for i in range(0, len(keys), PIPELINE):
        pipe = r.pipeline(transaction=False)
        for k in keys[i:i + PIPELINE]:
            pipe.execute_command("PEXPIRETIME", k)
        out += pipe.execute()
    return out


def verify(r: redis.Redis, sums: dict[bytes, bytes]) -> int:
    """Number of keys whose value is missing or differs."""
    bad = 0
    keys = list(sums)
    for i in range(0, len(keys), 64):
        pipe = r.pipeline(transaction=False)
        for k in keys[i:i + 64]:
            pipe.get(k)
        for k, v in zip(keys[i:i + 64], pipe.execute(), strict=True):
            bad += v is None or hashlib.sha256(v).digest() != sums[k]
    return bad


def send_shutdown(port: int, flag: bytes) -> None:
    """SHUTDOWN [flag] on a raw connection (no client-side retry), until the server closes it."""
    cmd = b"SHUTDOWN " + flag + b"\r\n" if flag else b"SHUTDOWN\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=START_TIMEOUT_S) as s:
        s.sendall(cmd)
        while s.recv(4096):
            pass


class HwmSampler(threading.Thread):
    """Polls a process's VmHWM until it exits (peak RSS of a process nobody else can read after)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            v = rss_of(self.pid, "VmHWM")
            if v is None:
                return
            self.peak = max(self.peak, v)
            time.sleep(0.01)


def run_one(name: str, args: argparse.Namespace, workdir: str) -> dict[str, Any]:
    nchunks = int(args.chunks_gib * GIB) // CHUNK
    maxmemory = nchunks * CHUNK + args.small * 2048 + 512 * 1024 * 1024
    memfile = os.path.join(args.memdir, f"bench-restart-{os.getpid()}.mem")

    def start() -> Proc:
        port = free_port()
        cmd = ours_cmd(port, maxmemory, memfile) if name == "ours" else \
            redis_cmd(port, maxmemory, workdir)
        return Proc(cmd, port, os.path.join(workdir, f"{name}.log"), ROOT if name == "ours" else None)

    old = start()
    new = None
    try:
        old.wait_pong()
        r = redis.Redis(port=old.port, socket_timeout=600)
        t = time.monotonic()
        sums = fill(r, nchunks, args.small)
        fill_s = time.monotonic() - t
        small_keys = [k for k in sums if k.startswith(b"meta:")]
        ttls = expire_times(r, small_keys)
        dbsize = r.dbsize()
        bad_before = verify(r, sums)       # the same read-back as after: comparable RSS figures
        rss_before = rss_of(old.proc.pid) or 0
        anon_before = rss_of(old.proc.pid, "RssAnon") or 0
        sampler = HwmSampler(old.proc.pid)
        sampler.start()
        r.close()
        t0 = time.monotonic()
        send_shutdown(old.port, b"SAVE" if name == "redis" else b"")
        old.proc.wait(START_TIMEOUT_S)
        t_exit = time.monotonic()
        sampler.done.set()
        sampler.join(5)
        new = start()
        t_pong = new.wait_pong()
        hwm_start = rss_of(new.proc.pid, "VmHWM") or 0
        r = redis.Redis(port=new.port, socket_timeout=600)
        result = {
            "server": name, "chunks": nchunks, "chunk_bytes": CHUNK, "small_keys": args.small,
            "fill_seconds": round(fill_s, 2), "downtime_seconds": round(t_pong - t0, 3),
            "shutdown_seconds": round(t_exit - t0, 3), "start_seconds": round(t_pong - t_exit, 3),
            "keys_before": dbsize, "keys_after": r.dbsize(),
            "bad_values_before": bad_before, "rss_before": rss_before, "peak_rss_old": sampler.peak, "hwm_new_at_pong": hwm_start,
        }
        result["bad_values"] = verify(r, sums)
        result["ttl_mismatches"] = sum(a != b for a, b in
                                       zip(expire_times(r, small_keys), ttls, strict=True))
        result["rss_after"] = rss_of(new.proc.pid) or 0
        result["anon_before"] = anon_before              # RSS without the shared (file) pages
        result["anon_after"] = rss_of(new.proc.pid, "RssAnon") or 0
        result["peak_rss"] = max(sampler.peak, rss_of(new.proc.pid, "VmHWM") or 0)
        result["file_bytes"] = _allocated(memfile if name == "ours" else
                                          os.path.join(workdir, "dump.rdb"))
        if name == "ours":
            result["adopt_seconds"] = float(r.info("persistence")["last_restart_seconds"])
        r.close()
        times = [(t_pong - t0, t_exit - t0, t_pong - t_exit)]
        for _ in range(args.reps - 1):                # more restarts of the same data
            old, new = new, None
            t0 = time.monotonic()
            send_shutdown(old.port, b"SAVE" if name == "redis" else b"")
            old.proc.wait(START_TIMEOUT_S)
            t_exit = time.monotonic()
            new = start()
            t_pong = new.wait_pong()
            times.append((t_pong - t0, t_exit - t0, t_pong - t_exit))
        r = redis.Redis(port=new.port, socket_timeout=600)
        result["keys_after_last"] = r.dbsize()
        r.close()
        _summarise(result, times)
        return result
    finally:
        for p in (old, new):
            if p is not None:
                p.stop()
        for f in (memfile, memfile + ".meta"):
            if os.path.exists(f):
                os.unlink(f)


def _summarise(result: dict[str, Any], times: list[tuple[float, float, float]]) -> None:
    """Median (and min/max) over the repetitions: the machine is shared, single runs are noisy."""
    for i, name in enumerate(("downtime_seconds", "shutdown_seconds", "start_seconds")):
        vals = sorted(t[i] for t in times)
        result[name] = round(statistics.median(vals), 3)
        result[name.replace("_seconds", "_min_max")] = [round(vals[0], 3), round(vals[-1], 3)]
    result["reps"] = len(times)


def _allocated(path: str) -> int:
    try:
        return os.stat(path).st_blocks * 512
    except OSError:
        return 0


def table(results: list[dict[str, Any]]) -> str:
    cols = [("server", "server"), ("chunks", "chunks"), ("small_keys", "small"),
            ("reps", "reps"), ("downtime_seconds", "downtime s (median)"),
            ("downtime_min_max", "min-max"), ("shutdown_seconds", "exit s"),
            ("start_seconds", "start→PONG s"), ("rss_before", "RSS before MiB"),
            ("peak_rss", "peak RSS MiB"), ("rss_after", "RSS after MiB"),
            ("file_bytes", "file/RDB MiB"), ("bad_values", "bad values"),
            ("ttl_mismatches", "TTL diffs")]
    lines = ["| " + " | ".join(h for _, h in cols) + " |", "|" + "---|" * len(cols)]
    for res in results:
        cells = []
        for k, _ in cols:
            v = res.get(k, "")
            if k in ("rss_before", "peak_rss", "rss_after", "file_bytes"):
                v = f"{v / (1 << 20):.0f}"
            cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = []
    for name in [n for n in args.only.split(",") if n]:
        workdir = tempfile.mkdtemp(prefix=f"bench-restart-{name}-")
        try:
            results.append(run_one(name, args, workdir))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        print(json.dumps(results[-1]), flush=True)
    print(table(results))
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, "restart-latest.json"), "w") as f:
        json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
