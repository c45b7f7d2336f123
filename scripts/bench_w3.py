"""W3: small values with redis-benchmark (`-t set,get -d 100 -c 50 -n N -P 1|16`).

Runs the real `redis-benchmark` binary against a server and parses its `--csv` output:
a header row `"test","rps","avg_latency_ms",...` then one row per test. Reports requests per
second for SET and GET plus their p50 latency (ms). redis-benchmark always writes the same key,
so its SET measures overwrites. N is 200000 (20000 with --quick).
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from collections.abc import Callable

from .bench_core import Case, Env

REQUESTS_FULL = 200_000
REQUESTS_QUICK = 20_000
CLIENTS = 50
VALUE_BYTES = 100
PIPELINES = (1, 16)
TIMEOUT_S = 300          # a slow server at -P 1 may need minutes for 2 × 200k requests


def parse_csv(text: str) -> dict[str, dict[str, float]]:
    """redis-benchmark --csv output -> {"SET": {"rps": ..., "p50_latency_ms": ...}, ...}."""
    rows = [r for r in csv.reader(io.StringIO(text)) if r]
    if not rows or rows[0][0] != "test":
        raise ValueError(f"unexpected redis-benchmark output: {text[:200]!r}")
    header = rows[0]
    out: dict[str, dict[str, float]] = {}
    for row in rows[1:]:
        out[row[0]] = {h: float(v) for h, v in zip(header[1:], row[1:], strict=False)}
    return out


def run_benchmark(host: str, port: int, pipeline: int, requests: int) -> dict[str, dict[str, float]]:
    exe = shutil.which("redis-benchmark")
    if exe is None:
        raise RuntimeError("redis-benchmark is not installed (scripts/setup.sh installs it)")
    cmd = [exe, "-h", host, "-p", str(port), "-t", "set,get", "-d", str(VALUE_BYTES),
           "-c", str(CLIENTS), "-n", str(requests), "-P", str(pipeline), "--csv"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"redis-benchmark failed ({res.returncode}): {res.stderr[-500:]}")
    return parse_csv(res.stdout)


def measure(env: Env, server: str, pipeline: int) -> dict[str, float]:
    t = env.shared(server)
    n = REQUESTS_QUICK if env.quick else REQUESTS_FULL
    parsed = run_benchmark(t.host, t.port, pipeline, n)
    out: dict[str, float] = {}
    for test in ("SET", "GET"):
        if test not in parsed:
            raise RuntimeError(f"redis-benchmark printed no {test} row")
        out[f"{test} rps"] = parsed[test]["rps"]
        out[f"{test} p50 ms"] = parsed[test].get("p50_latency_ms", float("nan"))
    return out


def cases() -> list[Case]:
    """One case per pipeline depth; each yields SET and GET figures (primary: SET rps)."""
    return [Case("W3", f"redis-benchmark -P {p}", _bind(p), "SET rps",
                 meta={"pipeline": p, "clients": CLIENTS, "value": VALUE_BYTES})
            for p in PIPELINES]


def _bind(pipeline: int) -> Callable[[Env, str], dict[str, float]]:
    return lambda env, server: measure(env, server, pipeline)
