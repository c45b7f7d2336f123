"""Turn raw benchmark samples into the table, the bar verdicts, markdown, JSON and a PNG chart.

Input is the JSON-able run record built by scripts.bench (`meta`, `cases`, `samples`, `errors`,
`w5`). A row is one (workload, case, metric): median and min–max over repetitions for each server,
the ratio ours/redis of the medians, and for W1 the fraction of the socket ceiling measured for
the same op/size/connections in the same run. The bar is a list of checks over rows.
"""

from __future__ import annotations

import json
import math
import os
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from .bench_core import MIB, summarize

LOWER_IS_BETTER = ("ms", "RSS", "errors")


@dataclass
class Row:
    workload: str
    case: str
    metric: str
    meta: dict[str, Any]
    stats: dict[str, dict[str, float]]    # server -> {median, min, max}
    ceiling: float | None = None          # ceiling median (same unit) for W1 GB/s rows

    def median(self, server: str) -> float | None:
        s = self.stats.get(server)
        return s["median"] if s else None

    @property
    def ratio(self) -> float | None:
        a, b = self.median("ours"), self.median("redis")
        return a / b if a is not None and b else None


@dataclass
class Verdict:
    bar: str
    target: str
    measured: str
    passed: bool | None          # None: not measured in this run


def build_rows(record: dict[str, Any]) -> list[Row]:
    """Aggregate samples per (workload, case, metric, server)."""
    values: dict[tuple[str, str, str, str], list[float]] = defaultdict(list)
    for s in record["samples"]:
        for metric, v in s["metrics"].items():
            if isinstance(v, (int, float)) and math.isfinite(v):
                values[(s["workload"], s["case"], metric, s["server"])].append(float(v))
    rows: list[Row] = []
    for case in record["cases"]:
        metrics = _metric_order(record, case)
        for metric in metrics:
            stats = {srv: summarize(values[(case["workload"], case["name"], metric, srv)])
                     for srv in case["servers"]
                     if values.get((case["workload"], case["name"], metric, srv))}
            rows.append(Row(case["workload"], case["name"], metric, case["meta"], stats))
    _attach_ceilings(rows)
    return rows


def _metric_order(record: dict[str, Any], case: dict[str, Any]) -> list[str]:
    seen: dict[str, None] = {}
    for s in record["samples"]:
        if s["workload"] == case["workload"] and s["case"] == case["name"]:
            seen.update(dict.fromkeys(s["metrics"]))
    return list(seen)


def _attach_ceilings(rows: list[Row]) -> None:
    ceil = {(r.meta.get("op"), r.meta.get("size"), r.meta.get("conns")): r.median("machine")
            for r in rows if r.workload == "ceiling" and r.metric == "GB/s"}
    for r in rows:
        if r.workload == "W1" and r.metric == "GB/s":
            r.ceiling = ceil.get((r.meta.get("op"), r.meta.get("size"), r.meta.get("conns")))


def find(rows: list[Row], workload: str, case: str, metric: str) -> Row | None:
    for r in rows:
        if (r.workload, r.case, r.metric) == (workload, case, metric):
            return r
    return None


# --- the bar ------------------------------------------------------------------------------------

def _ratio_check(rows: list[Row], label: str, case: str, metric: str, target: float,
                 workload: str) -> Verdict:
    r = find(rows, workload, case, metric)
    ratio = r.ratio if r else None
    if ratio is None:
        return Verdict(label, f">= {target:g}x", "not measured", None)
    return Verdict(label, f">= {target:g}x", f"{ratio:.2f}x", ratio >= target)


def bar_verdicts(rows: list[Row], maxmemory: int, w5: dict[str, Any] | None) -> list[Verdict]:
    """Every check of the bar that this run measured (or 'not measured')."""
    out: list[Verdict] = []
    for size, target in (("32MiB", 2.0), ("3MiB", 1.0)):
        for op in ("SET", "GET"):
            for conns in (1, 4):
                case = f"raw {op} {size} x{conns}"
                out.append(_ratio_check(rows, f"W1 {case}", case, "GB/s", target, "W1"))
    out.append(_w2_check(rows))
    for p, target in ((16, 0.3), (1, 0.6)):
        for test in ("SET", "GET"):
            out.append(_ratio_check(rows, f"W3 {test} -P {p}", f"redis-benchmark -P {p}",
                                    f"{test} rps", target, "W3"))
    out.append(_w4_check(rows, maxmemory))
    out.extend(w5_verdicts(w5))
    return out


def _w2_check(rows: list[Row]) -> Verdict:
    label, target = "W2 connector get_into 8x32MiB (ours) vs redis-py MGET (redis)", ">= 3x"
    ours = find(rows, "W2", "connector batch_get_into 8x32MiB", "GB/s")
    base = find(rows, "W2", "redis-py MGET 8x32MiB", "GB/s")
    a = ours.median("ours") if ours else None
    b = base.median("redis") if base else None
    if a is None or not b:
        return Verdict(label, target, "not measured", None)
    return Verdict(label, target, f"{a / b:.2f}x", a / b >= 3.0)


def _w4_check(rows: list[Row], maxmemory: int) -> Verdict:
    limit = (1.10 * maxmemory + 64 * MIB) / MIB
    r = find(rows, "W4", "fill 3x maxmemory, 3MiB values", "RSS MiB")
    label, target = "W4 ours RSS after 3x fill", f"<= {limit:.0f} MiB"
    if r is None or r.median("ours") is None:
        return Verdict(label, target, "not measured", None)
    ours, red = r.median("ours"), r.median("redis")
    red_txt = f" (redis {red:.0f})" if red is not None else ""
    return Verdict(label, target, f"{ours:.0f} MiB{red_txt}", ours <= limit)


def w5_verdicts(w5: dict[str, Any] | None) -> list[Verdict]:
    """W5 checks, computed by scripts.bench_w5 and stored in the record."""
    if not w5 or not w5.get("verdicts"):
        return [Verdict("W5 prefix-cache bars", "see README, Performance", "not measured", None)]
    return [Verdict(v["bar"], v["target"], v["measured"], v["passed"]) for v in w5["verdicts"]]


# --- text output ----------------------------------------------------------------------------------

def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"


def _cell(stats: dict[str, float] | None) -> str:
    if not stats:
        return "-"
    return f"{_fmt(stats['median'])} ({_fmt(stats['min'])}–{_fmt(stats['max'])})"


def _latency_names(metric: str) -> tuple[str, str]:
    """The p50/p99 metrics that belong to a throughput metric ("GB/s" or "SET rps")."""
    prefix = "" if metric == "GB/s" else metric.split()[0] + " "
    return f"{prefix}p50 ms", f"{prefix}p99 ms"


def _latency_cell(rows: list[Row], r: Row, server: str) -> str:
    p50n, p99n = _latency_names(r.metric)
    p50, p99 = find(rows, r.workload, r.case, p50n), find(rows, r.workload, r.case, p99n)
    a = p50.median(server) if p50 else None
    b = p99.median(server) if p99 else None
    return f"{_fmt(a)} / {_fmt(b)}" if a is not None else ""


def _shown(r: Row) -> bool:
    if r.metric.endswith(" ms"):
        return False                     # folded into the throughput row's p50/p99 column
    return not (r.metric.endswith("errors") and not any(s["max"] for s in r.stats.values()))


def figures_markdown(rows: list[Row]) -> str:
    lines = ["| workload | case | metric | ours median (min–max) | redis median (min–max) "
             "| ours/redis | ours p50/p99 ms | redis p50/p99 ms | ours/ceiling | redis/ceiling |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if not _shown(r):
            continue
        if r.workload == "ceiling":
            lines.append(f"| ceiling | {r.case} | {r.metric} | {_cell(r.stats.get('machine'))} "
                         f"| | | {_latency_cell(rows, r, 'machine')} | | | |")
            continue
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        lines.append(f"| {r.workload} | {r.case} | {r.metric} | {_cell(r.stats.get('ours'))} | "
                     f"{_cell(r.stats.get('redis'))} | {ratio} | {_latency_cell(rows, r, 'ours')} | "
                     f"{_latency_cell(rows, r, 'redis')} | {_frac(r.median('ours'), r.ceiling)} | "
                     f"{_frac(r.median('redis'), r.ceiling)} |")
    return "\n".join(lines)


def _frac(v: float | None, ceiling: float | None) -> str:
    return f"{v / ceiling:.0%}" if v is not None and ceiling else ""


def bars_markdown(verdicts: list[Verdict]) -> str:
    lines = ["| bar | target | measured | verdict |", "|---|---|---|---|"]
    for v in verdicts:
        verdict = "PASS" if v.passed else ("MISS" if v.passed is False else "n/a")
        lines.append(f"| {v.bar} | {v.target} | {v.measured} | {verdict} |")
    return "\n".join(lines)


def render_markdown(record: dict[str, Any], rows: list[Row], verdicts: list[Verdict],
                    w5_md: str = "", chart: str = "") -> str:
    meta = record["meta"]
    head = [
        "# resp-bench: latest results", "",
        f"Command: `{meta['command']}`  ",
        f"Date: {meta['started']} · duration {meta.get('duration_s', 0):.0f} s · "
        f"{meta['reps']} repetitions (A/B alternating) · maxmemory {meta['maxmemory'] // MIB} MiB  ",
        f"Machine: {meta['machine']}", "",
        "GB/s = 1e9 bytes/s of payload; ratios are ours/redis of the medians; `ceiling` is raw "
        "Python sockets over loopback measured in the same run (same calls, no server work).", "",
    ]
    if chart:
        head += [f"![chart]({chart})", ""]
    errs = [f"- {e['workload']} {e['case']} on {e['server']}: {e['error']}"
            for e in record.get("errors", [])][:30]
    parts = head + ["## Targets (README, Performance)", "", bars_markdown(verdicts), "",
                    "## Figures", "", figures_markdown(rows), ""]
    if w5_md:
        parts += ["## W5 prefix-cache hit rate", "", w5_md, ""]
    if errs:
        parts += ["## Errors", "", *errs, ""]
    return "\n".join(parts)


def print_summary(rows: list[Row], verdicts: list[Verdict]) -> None:
    print()
    print(figures_markdown(rows))
    print()
    print(bars_markdown(verdicts))


def write_json(path: str, record: dict[str, Any]) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        json.dump(record, f, indent=1, default=str)


# --- chart --------------------------------------------------------------------------------------

def write_chart(path: str, rows: list[Row], w5: dict[str, Any] | None) -> bool:
    """One PNG: W1 GB/s (raw, with the ceiling), ratios of W1–W4, and W5 hit-rate curves."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no chart (pip install -e '.[bench]')")
        return False
    fig = plt.figure(figsize=(14, 16))
    grid = fig.add_gridspec(3, 3)
    _plot_w1(fig.add_subplot(grid[0, :]), rows)
    _plot_ratios(fig.add_subplot(grid[1, :]), rows)
    names = list((w5 or {}).get("options", {}).get("traces", [])) or ["W5"]
    for k, name in enumerate(names[:3]):
        _plot_w5(fig.add_subplot(grid[2, k]), w5, name)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def _plot_w1(ax: Any, rows: list[Row]) -> None:
    w1 = [r for r in rows if r.workload == "W1" and r.metric == "GB/s"]
    labels = [r.case for r in w1]
    xs = range(len(w1))
    width = 0.28
    for k, (server, color) in enumerate((("ours", "tab:blue"), ("redis", "tab:red"))):
        vals = [r.median(server) or 0 for r in w1]
        ax.bar([x + (k - 1) * width for x in xs], vals, width, label=server, color=color)
    ax.bar([x + width for x in xs], [r.ceiling or 0 for r in w1], width, label="socket ceiling",
           color="tab:gray")
    ax.set_xticks(list(xs), labels, rotation=35, ha="right", fontsize=8)
    ax.set_ylabel("GB/s (median)")
    ax.set_title("W1 big values: ours vs redis vs raw-socket ceiling")
    ax.legend()


def _plot_ratios(ax: Any, rows: list[Row]) -> None:
    keep = [r for r in rows if r.ratio is not None and r.workload in ("W1", "W2", "W3", "W4")
            and (r.metric in ("GB/s", "SET rps", "GET rps", "RSS MiB"))]
    better = [(r.ratio or 0) <= 1 if r.metric.startswith(LOWER_IS_BETTER) else (r.ratio or 0) >= 1
              for r in keep]
    ax.bar(range(len(keep)), [r.ratio for r in keep],
           color=["tab:green" if b else "tab:orange" for b in better])
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set_xticks(range(len(keep)), [f"{r.workload} {r.case} {r.metric}" for r in keep],
                  rotation=45, ha="right", fontsize=7)
    ax.set_ylabel("ours / redis (median)")
    ax.set_yscale("log")
    ax.set_title("Ratios (RSS: lower is better; everything else: higher is better)")


def _plot_w5(ax: Any, w5: dict[str, Any] | None, trace: str) -> None:
    """Hit rate against capacity for every configuration on one trace."""
    if not w5 or not w5.get("runs"):
        ax.set_title("W5: not run")
        return
    curves: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for run in w5["runs"]:
        if run["trace"] == trace and run.get("hit_rate") is not None and not run.get("extra"):
            curves[run["config"]].append((run["fraction"], run["hit_rate"]))
    for config, pts in sorted(curves.items()):
        pts.sort()
        style = "-" if config.startswith("ours") else "--"
        ax.plot([p[0] * 100 for p in pts], [p[1] * 100 for p in pts], style, marker="o",
                label=config)
    ceiling = w5.get("references", {}).get(trace, {}).get("ceiling")
    if ceiling:
        ax.axhline(ceiling * 100, color="gray", lw=0.8, ls=":", label="ceiling (unbounded)")
    ax.set_xscale("log")
    ticks = sorted({p[0] * 100 for pts in curves.values() for p in pts})
    ax.set_xticks(ticks, [f"{t:g}%" for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel("capacity, % of distinct chunks")
    ax.set_ylabel("useful-prefix hit rate, %")
    ax.set_title(f"W5 {trace}")
    ax.legend(fontsize=7)
