"""resp-bench: our server side by side with a real redis-server, checked against the README's targets.

    resp-bench                      # start both servers, all workloads, 5 repetitions
    resp-bench --quick              # smoke run, under a minute
    resp-bench --only W1,W3 --reps 7
    resp-bench --ours redis://127.0.0.1:6380 --redis redis://127.0.0.1:6379

Workloads (see each module): ceiling + W1 big SET/GET (scripts.bench_w1), W2 connector batches
(bench_w2), W3 redis-benchmark (bench_w3), W4 RSS after a 3× fill (bench_w4), W5 prefix-cache hit
rate on synthetic LMCache traces (bench_w5), W6 one node vs a pool of N nodes, ours and a real
Redis cluster (bench_w6: starts its own servers; --w6-nodes). W1–W4 alternate servers per case, A/B/A/B, for N
repetitions and report median and min–max; W5 measures hit rates once per configuration (they
do not depend on timing). Output: a table on stdout, and in the results folder (default results/)
`bench-<stamp>.json`, `bench-<stamp>.png`, plus `latest.json`, `latest.md`, `latest.png`.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from . import bench_report as report
from .bench_core import Case, Env
from .servers import ROOT, ours_available, parse_size

WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="resp-bench", description=__doc__.splitlines()[0])
    p.add_argument("--ours", default="", help="URL of a running server of ours (default: start one)")
    p.add_argument("--redis", default="", help="URL of a running redis-server (default: start one)")
    p.add_argument("--reps", type=int, default=0, help="repetitions (default 5; 1 with --quick)")
    p.add_argument("--quick", action="store_true", help="small sizes: a smoke run under a minute")
    p.add_argument("--only", default="", help="comma-separated workloads, e.g. W1,W3")
    p.add_argument("--maxmemory", default="512mb", help="maxmemory of both servers (W1-W4)")
    p.add_argument("--results", default=os.path.join(ROOT if os.path.isfile(os.path.join(ROOT, "pyproject.toml"))
                                      else os.getcwd(), "results"), help="output folder")
    p.add_argument("--ours-arg", action="append", default=[],
                   help="extra argument for our server (repeatable), e.g. --ours-arg=--prealloc")
    p.add_argument("--w5-requests", type=int, default=0, help="requests per W5 trace")
    p.add_argument("--w5-traces", default="", help="W5 traces (default kimi,mooncake,chat,rag,mixed; chat with --quick)")
    p.add_argument("--w5-fractions", default="", help="W5 capacities, e.g. 0.05,0.1,0.2,0.4")
    p.add_argument("--w5-speed", type=float, default=None,
                   help="W5 replay speed vs trace time (default 20x, 4 with --quick; 1 = real time; "
                        "0 = as fast as possible). Redis' LRU/LFU clocks tick in real seconds, so "
                        "faster replays blur their recency")
    p.add_argument("--w5-parallel", type=int, default=0,
                   help="W5 concurrent unpaced runs (default: one per core)")
    p.add_argument("--seed", type=int, default=1, help="seed of the W5 traces")
    p.add_argument("--w6-nodes", type=int, default=2, help="W6 pool size (default 2)")
    p.add_argument("--report", default="", help="re-render the report of a saved JSON and exit")
    args = p.parse_args(argv)
    args.reps = args.reps or (1 if args.quick else 5)
    args.only = [w.strip().upper() for w in args.only.split(",") if w.strip()] or list(WORKLOADS)
    bad = set(args.only) - set(WORKLOADS)
    if bad:
        p.error(f"unknown workloads {sorted(bad)}; choose from {','.join(WORKLOADS)}")
    return args


def select_cases(only: list[str]) -> tuple[list[Case], list[str]]:
    """The A/B cases of the selected workloads, plus notes on skipped ones."""
    from . import bench_w1, bench_w2, bench_w3, bench_w4
    cases: list[Case] = []
    notes: list[str] = []
    if "W1" in only:
        cases += bench_w1.cases()
    if "W2" in only:
        ok, why = bench_w2.connector_available()
        if ok:
            cases += bench_w2.cases()
        else:
            notes.append(f"W2 skipped: {why}")
    if "W3" in only:
        cases += bench_w3.cases()
    if "W4" in only:
        cases += bench_w4.cases()
    return cases, notes


def machine_info() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Linux {platform.release()}, "
            f"Python {platform.python_version()}, {redis_version()}")


def redis_version() -> str:
    exe = shutil.which("redis-server")
    if not exe:
        return "redis-server not installed"
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False).stdout
    ver = next((w for w in out.split() if w.startswith("v=")), "v=?")
    return f"redis-server {ver[2:]}"


def run_ab(env: Env, cases: list[Case], reps: int, record: dict[str, Any]) -> None:
    """Every case on every server, alternating servers, `reps` times; samples into `record`."""
    total = reps * sum(len(c.servers) for c in cases)
    with progress(total, "W1-W4 A/B") as bar:
        for rep in range(reps):
            for case in cases:
                for server in case.servers:
                    bar.set_postfix_str(f"rep {rep + 1} {case.workload} {case.name} {server}"[:60])
                    run_one(env, case, server, rep, record)
                    bar.update(1)


def run_one(env: Env, case: Case, server: str, rep: int, record: dict[str, Any]) -> None:
    base = {"workload": case.workload, "case": case.name, "server": server, "rep": rep}
    try:
        metrics = case.run(env, server)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - one failed case must not end the run
        record["errors"].append({**base, "error": f"{type(exc).__name__}: {exc}"[:300]})
        if os.environ.get("RESP_BENCH_DEBUG"):
            traceback.print_exc()
        return
    record["samples"].append({**base, "metrics": metrics})


class _NoBar:
    def __init__(self, total: int, desc: str) -> None:
        self.n, self.total, self.desc = 0, total, desc

    def update(self, k: int) -> None:
        self.n += k

    def set_postfix_str(self, s: str) -> None:
        print(f"[{self.desc} {self.n}/{self.total}] {s}", file=sys.stderr)

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def progress(total: int, desc: str) -> Any:
    """A tqdm progress bar (plain lines when tqdm is missing)."""
    try:
        from tqdm import tqdm
    except ImportError:
        return _NoBar(total, desc)
    return tqdm(total=total, desc=desc, unit="run", dynamic_ncols=True, leave=True)


def new_record(args: argparse.Namespace, argv: list[str]) -> dict[str, Any]:
    return {
        "meta": {
            "command": "resp-bench " + shlex.join(argv),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "machine": machine_info(),
            "reps": args.reps,
            "quick": args.quick,
            "maxmemory": parse_size(args.maxmemory),
            "only": args.only,
            "ours": args.ours or "started by resp-bench",
            "redis": args.redis or "started by resp-bench",
            "notes": [],
        },
        "cases": [],
        "samples": [],
        "errors": [],
        "w5": None,
    }


def run_w5(env: Env, args: argparse.Namespace, record: dict[str, Any]) -> None:
    from . import bench_w5
    try:
        record["w5"] = bench_w5.run(env, bench_w5.options_from_args(args), progress)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()
        record["errors"].append({"workload": "W5", "case": "all", "server": "-", "rep": 0,
                                 "error": f"{type(exc).__name__}: {exc}"[:300]})


def run_w6(args: argparse.Namespace, record: dict[str, Any]) -> None:
    from . import bench_w6
    try:
        record["w6"] = bench_w6.run(args.w6_nodes, args.quick, args.reps)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()
        record["errors"].append({"workload": "W6", "case": "all", "server": "-", "rep": 0,
                                 "error": f"{type(exc).__name__}: {exc}"[:300]})


def finish(record: dict[str, Any], results: str) -> list[report.Verdict]:
    """Aggregate, print, and write JSON / PNG / markdown into `results`."""
    rows = report.build_rows(record)
    verdicts = report.bar_verdicts(rows, record["meta"]["maxmemory"], record.get("w5"))
    os.makedirs(results, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    png = os.path.join(results, f"bench-{stamp}.png")
    has_chart = report.write_chart(png, rows, record.get("w5"))
    report.write_json(os.path.join(results, f"bench-{stamp}.json"), record)
    report.write_json(os.path.join(results, "latest.json"), record)
    if has_chart:
        shutil.copyfile(png, os.path.join(results, "latest.png"))
    w5_md = _w5_markdown(record.get("w5"))
    md = report.render_markdown(record, rows, verdicts, w5_md, "latest.png" if has_chart else "")
    with open(os.path.join(results, "latest.md"), "w") as f:
        f.write(md)
    report.print_summary(rows, verdicts)
    if w5_md:
        print("\n" + w5_md)
    if record.get("w6"):
        from . import bench_w6
        print("\nW6 one node vs a pool (cluster mode):\n" + bench_w6.table(record["w6"]))
    for note in record["meta"]["notes"]:
        print(f"note: {note}")
    for e in record["errors"][:20]:
        print(f"error: {e['workload']} {e['case']} on {e['server']}: {e['error']}")
    print(f"\nresults: {os.path.join(results, 'latest.md')} (+ bench-{stamp}.json/.png)")
    return verdicts


def _w5_markdown(w5: dict[str, Any] | None) -> str:
    if not w5:
        return ""
    from . import bench_w5
    return bench_w5.markdown(w5)


def report_only(path: str, results: str) -> int:
    import json
    with open(path) as f:
        record = json.load(f)
    finish(record, results)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.report:
        return report_only(args.report, args.results)
    env = Env(parse_size(args.maxmemory), args.quick, args.ours, args.redis, tuple(args.ours_arg))
    if not args.ours:
        ok, why = ours_available()
        if not ok:
            print(f"our server does not start: {why}\n(use --ours URL to point at one)",
                  file=sys.stderr)
            return 2
    record = new_record(args, argv)
    cases, notes = select_cases(args.only)
    record["meta"]["notes"] += notes
    record["cases"] = [{"workload": c.workload, "name": c.name, "primary": c.primary,
                        "servers": list(c.servers), "meta": c.meta} for c in cases]
    t0 = time.monotonic()
    try:
        _run_all(env, args, cases, record)
    finally:
        env.close()
        record["meta"]["duration_s"] = time.monotonic() - t0
    finish(record, args.results)
    return 0


def _run_all(env: Env, args: argparse.Namespace, cases: list[Case], record: dict[str, Any]) -> None:
    steps: list[Callable[[], None]] = []
    if cases:
        steps.append(lambda: run_ab(env, cases, args.reps, record))
    if "W5" in args.only:
        steps.append(lambda: run_w5(env, args, record))
    if "W6" in args.only:
        steps.append(lambda: run_w6(args, record))
    for step in steps:
        step()


if __name__ == "__main__":
    sys.exit(main())
