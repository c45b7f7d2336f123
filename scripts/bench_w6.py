"""W6: one node vs a pool of N nodes on this machine, ours and a real Redis 7 cluster.

    python -m scripts.bench_w6 [--nodes 2] [--quick]      (also `resp-bench --only W6`)

Small requests: `redis-benchmark -P 16 -t set,get -d 100 -r 100000` against one of our servers
(plain: `--cluster` refuses a single node), then `redis-benchmark --cluster` against N of ours and
against a real Redis cluster of N masters. In cluster mode redis-benchmark puts a hash tag for the
client's node into each key and draws `-r` random numbers per tag, so N nodes would hold N x the
distinct keys of one node - another workload (N x the inserts of new keys). The rows "SET rps" /
"GET rps" therefore give the pool `-r 100000/N`: every pool writes the same 100,000 keys. The rows
"... (-r per node)" keep `-r 100000` per tag for reference (a pool of N then holds N x 100,000).
Chunks: our connector (`ChunkClient`, a plain URL for one node, `redis-cluster://` for N) with
CONNECTIONS threads each storing and reading batches of 3 MiB and 32 MiB chunks; aggregate GB/s.
Every server is started here on free ports and stopped at the end; each figure is the median of
`reps` runs, the pools measured in turn within each rep. Bars: N=2 ours >= 1.3x one node's
small-request rps; ours >= Redis cluster for chunk GB/s at the same N.
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from .servers import ROOT, cluster_ports, wait_ping

MIB = 1024 * 1024
CONNECTIONS = 4                # connector threads (each its own pooled connection per node)
BATCH = 4                      # chunks per batch call
RB_TIMEOUT_S = 300
REQUESTS = 1_000_000           # per redis-benchmark test: a few seconds each, not a fraction of one
REQUESTS_QUICK = 100_000
KEYSPACE = 100_000             # distinct keys the small-request runs write, in all


class Pool:
    """N servers (ours in cluster mode, or real Redis cluster masters); `stop()` ends them."""

    def __init__(self, kind: str, n: int, maxmemory: str) -> None:
        self.kind, self.procs, self.ports = kind, [], cluster_ports(n)
        self.tmp = tempfile.mkdtemp(prefix="w6-")
        nodes = " ".join(f"127.0.0.1:{p}" for p in self.ports)
        try:
            for p in self.ports:
                if kind == "ours":
                    cmd = [sys.executable, "-m", "resp_server", "--port", str(p), "--bind",
                           "127.0.0.1", "--maxmemory", maxmemory]
                    cmd += ["--cluster-enabled", "yes", "--cluster-nodes", nodes] if n > 1 else []
                else:
                    cmd = ["redis-server", "--port", str(p), "--bind", "127.0.0.1", "--save", "",
                           "--appendonly", "no", "--dir", self.tmp, "--maxmemory", maxmemory,
                           "--cluster-enabled", "yes", "--cluster-config-file",
                           f"{self.tmp}/n{p}.conf"]
                self.procs.append(subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL,
                                                   stderr=subprocess.DEVNULL))
                wait_ping("127.0.0.1", p, self.procs[-1], 60)
            if kind == "redis":
                self._join()
                self._wait_ok()
        except BaseException:
            self.stop()
            raise

    def _join(self) -> None:
        """What `redis-cli --cluster create` does (it refuses fewer than 3 masters): each node
        takes its even share of the slots, then node 0 meets the others."""
        from resp_server.cluster.slots import even_split

        def cli(port: int, *args: str) -> None:
            subprocess.run(["redis-cli", "-p", str(port), *args], check=True, capture_output=True,
                           timeout=30)
        for p, (start, end) in zip(self.ports, even_split(len(self.ports)), strict=True):
            cli(p, "cluster", "addslotsrange", str(start), str(end))
        for p in self.ports[1:]:
            cli(self.ports[0], "cluster", "meet", "127.0.0.1", str(p))

    def _wait_ok(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            outs = [subprocess.run(["redis-cli", "-p", str(p), "cluster", "info"], text=True,
                                   capture_output=True, timeout=10).stdout for p in self.ports]
            if all("cluster_state:ok" in o for o in outs):
                return
            time.sleep(0.2)
        raise RuntimeError("Redis cluster not ok")

    @property
    def url(self) -> str:
        if len(self.ports) == 1 and self.kind == "ours":
            return f"redis://127.0.0.1:{self.ports[0]}"
        return "redis-cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.ports)

    def flush(self) -> None:
        for p in self.ports:
            subprocess.run(["redis-cli", "-p", str(p), "flushall"], capture_output=True, timeout=30)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        shutil.rmtree(self.tmp, ignore_errors=True)


def small_rps(pool: Pool, requests: int, rand: int = KEYSPACE) -> dict[str, float]:
    """redis-benchmark -P 16 SET/GET rps (--cluster when the pool has several nodes); `rand` is
    redis-benchmark's -r, which cluster mode applies per node hash tag."""
    cmd = ["redis-benchmark", "-p", str(pool.ports[0]), "-t", "set,get", "-d", "100", "-c", "50",
           "-n", str(requests), "-P", "16", "-r", str(rand), "--csv"]
    if len(pool.ports) > 1 or pool.kind == "redis":
        cmd.insert(1, "--cluster")
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=RB_TIMEOUT_S, check=False)
    rows = [r for r in csv.reader(io.StringIO(res.stdout)) if r and r[0] in ("SET", "GET")]
    if res.returncode != 0 or len(rows) != 2:
        raise RuntimeError(f"redis-benchmark failed: {res.stdout[-300:]} {res.stderr[-300:]}")
    return {f"{r[0]} rps": float(r[1]) for r in rows}


def chunk_gbps(pool: Pool, size: int, total_bytes: int) -> dict[str, float]:
    """Aggregate GB/s of SET and GET of `size`-byte chunks through the connector."""
    import numpy as np

    from connector import ChunkClient

    per_thread = max(BATCH, total_bytes // size // CONNECTIONS)
    per_thread -= per_thread % BATCH
    src = np.frombuffer(np.random.default_rng(1).bytes(size), dtype=np.uint8)
    client = ChunkClient(pool.url, max_connections=CONNECTIONS * 2)
    keys = [[f"w6:{t}:{i}" for i in range(per_thread)] for t in range(CONNECTIONS)]

    def put(t: int) -> None:
        for i in range(0, per_thread, BATCH):
            client.batch_put(keys[t][i:i + BATCH], [src] * BATCH)

    def get(t: int) -> None:
        outs = [np.empty(size, np.uint8) for _ in range(BATCH)]
        for i in range(0, per_thread, BATCH):
            assert all(client.batch_get_into(keys[t][i:i + BATCH], outs))

    out = {}
    try:
        with ThreadPoolExecutor(CONNECTIONS) as ex:
            for name, fn in (("SET", put), ("GET", get)):
                t0 = time.perf_counter()
                list(ex.map(fn, range(CONNECTIONS)))
                out[f"{name} GB/s"] = per_thread * CONNECTIONS * size / (time.perf_counter() - t0) / 1e9
    finally:
        client.close()
        pool.flush()
    return out


def run(nodes: int = 2, quick: bool = False, reps: int = 0) -> dict[str, dict[str, float]]:
    """{"ours x1": {...}, "ours xN": {...}, "redis xN": {...}} medians.

    The three pools run side by side (idle ones cost a timer tick) and each rep measures them in
    turn, so a neighbour's load on this shared machine falls on all three alike."""
    reps = reps or (1 if quick else 3)
    requests = REQUESTS_QUICK if quick else REQUESTS
    total = (96 if quick else 1024) * MIB
    specs = (("ours x1", "ours", 1), (f"ours x{nodes}", "ours", nodes),
             (f"redis x{nodes}", "redis", nodes))
    pools: dict[str, Pool] = {}
    samples: dict[str, dict[str, list[float]]] = {label: {} for label, _, _ in specs}
    try:
        for label, kind, n in specs:
            pools[label] = Pool(kind, n, "2gb")
        for _ in range(reps):
            for label, pool in pools.items():
                n = len(pool.ports)
                figs = small_rps(pool, requests, KEYSPACE // n)    # the same keys for every pool
                pool.flush()
                if n > 1:
                    per_node = small_rps(pool, requests)
                    pool.flush()
                else:
                    per_node = figs                                # one node: the same run
                figs.update({f"{k} (-r per node)": v for k, v in per_node.items()})
                for size in (3 * MIB, 32 * MIB):
                    for k, v in chunk_gbps(pool, size, total).items():
                        figs[f"{size // MIB} MiB {k}"] = v
                for k, v in figs.items():
                    samples[label].setdefault(k, []).append(v)
    finally:
        for pool in pools.values():
            pool.stop()
    return {label: {k: statistics.median(v) for k, v in s.items()} for label, s in samples.items()}


def table(results: dict[str, dict[str, float]]) -> str:
    labels = list(results)
    metrics = list(next(iter(results.values())))
    base = labels[0]
    lines = ["| metric | " + " | ".join(labels) + f" | {labels[1]} / {base} | "
             f"{labels[1]} / {labels[2]} |", "|" + "---|" * (len(labels) + 3)]
    for m in metrics:
        vals = [results[lab].get(m, float("nan")) for lab in labels]
        fmt = "{:,.0f}" if "rps" in m else "{:.2f}"
        lines.append(f"| {m} | " + " | ".join(fmt.format(v) for v in vals) +
                     f" | {vals[1] / vals[0]:.2f}x | {vals[1] / vals[2]:.2f}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench_w6", description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int, default=0)
    args = ap.parse_args(argv)
    print(table(run(args.nodes, args.quick, args.reps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
