"""The texts of LATENCY GRAPH (an ASCII sparkline) and LATENCY DOCTOR, as Redis 7.0 words them.

GRAPH: a header line, 80 dashes, then the samples oldest first, one column each, drawn on 4 rows
of 3 levels (`_o#`, `|` below the top), followed by a blank row and each sample's age ("12s",
"3m", "2h", "1d") written vertically. DOCTOR: one line per event (samples, average, mean
deviation, period, worst) and the advice Redis gives for the events we record. Pure functions of
the Latency state, the slowlog setting and the clock.
"""

from __future__ import annotations

import time

from resp_server.latency import EventSeries, Latency

GRAPH_COLS = 80          # LATENCY_GRAPH_COLS
GRAPH_ROWS = 4
FILL_CHARS = "_o#"       # sparkline charset with SPARKLINE_FILL
LABEL_MARGIN_TOP = 1

DISABLED = ("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "
            "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in "
            "order to enable it. If we weren't in a deep space mission I'd suggest to take a "
            "look at https://redis.io/topics/latency-monitor.\n")
NO_SPIKES = ("Dave, no latency spike was observed during the lifetime of this Redis instance, "
             "not in the slightest bit. I honestly think you ought to sit down calmly, take a "
             "stress pill, and think things over.\n")
NO_ADVICE = ("\nWhile there are latency events logged, I'm not able to suggest any easy fix. "
             "Please use the Redis community to get some help, providing this report in your "
             "help request.\n")
ADVICE = {
    "slowlog_enabled": "- There are latency issues with potentially slow commands you are "
    "using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET "
    "slowlog-log-slower-than {us}'. If the Slow log is disabled Redis is not able to log slow "
    "commands execution for you.\n",
    "slowlog_tuning": "- Your current Slow Log configuration only logs events that are slower "
    "than your configured latency monitor threshold. Please use 'CONFIG SET "
    "slowlog-log-slower-than {us}'.\n",
    "slowlog_inspect": "- Check your Slow Log to understand what are the commands you are "
    "running which are too slow to execute. Please check https://redis.io/commands/slowlog for "
    "more information.\n",
    "scheduler": "- The system is slow to execute Redis code paths not containing system calls. "
    "This usually means the system does not provide Redis CPU time to run for long periods. You "
    "should try to:\n  1) Lower the system load.\n  2) Use a computer / VM just for Redis if you "
    "are running other software in the same system.\n  3) Check if you have a \"noisy "
    "neighbour\" problem.\n  4) Check with 'redis-cli --intrinsic-latency 100' what is the "
    "intrinsic latency in your system.\n  5) Check if the problem is allocator-related by "
    "recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create "
    "fragmentation problems.\n",
    "hz": "- In order to make the Redis keys expiring process more incremental, try to set the "
    "'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n",
    "large_objects": "- Deleting, expiring or evicting (because of maxmemory policy) large "
    "objects is a blocking operation. If you have very large objects that are often deleted, "
    "expired, or evicted, try to fragment those objects into multiple smaller objects.\n",
    "mass_eviction": "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or "
    "allocation of large objects via sets or sorted sets intersections, STORE option of SORT, "
    "Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure "
    "forcing the server to block trying to evict keys. \n",
    "disable_thp": "- I detected a non zero amount of anonymous huge pages used by your process. "
    "This creates very serious latency events in different conditions, especially when Redis is "
    "persisting on disk. To disable THP support use the command 'echo never > "
    "/sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local "
    "so that the command will be executed again after a reboot. Note that even if you have "
    "already disabled THP, you still need to restart the Redis process to get rid of the huge "
    "pages already created.\n",
}


# --- GRAPH ------------------------------------------------------------------------------------

def _age(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _render_range(values: list[int], labels: list[str], lo: int, hi: int) -> str:
    """sparklineRenderRange with SPARKLINE_FILL over one slice of at most GRAPH_COLS samples."""
    steps = len(FILL_CHARS) * GRAPH_ROWS
    relmax = (hi - lo) or 1
    levels = [min(steps - 1, max(0, int(int((v - lo) * steps) / relmax))) for v in values]
    lines = []
    for row in range(GRAPH_ROWS):
        chars = []
        for step in levels:
            idx = step - (GRAPH_ROWS - row - 1) * len(FILL_CHARS)
            chars.append(FILL_CHARS[idx] if 0 <= idx < len(FILL_CHARS)
                         else "|" if idx >= len(FILL_CHARS) else " ")
        lines.append("".join(chars))
    lines.append(" " * len(values))                       # label margin
    for k in range(max(len(label) for label in labels)):
        lines.append("".join(label[k] if k < len(label) else " " for label in labels))
    return "".join(line + "\n" for line in lines)


def graph(event: str, series: EventSeries, now: int | None = None) -> str:
    """latencyCommandGenSparkeline: header, a ruler, then the sparkline in slices of 80."""
    now = int(time.time()) if now is None else now
    values = [ms for _, ms in series.samples]
    labels = [_age(now - t) for t, _ in series.samples]
    out = (f"{event} - high {max(values, default=0)} ms, low {min(values, default=0)} ms "
           f"(all time high {series.max} ms)\n" + "-" * GRAPH_COLS + "\n")
    lo, hi = min(values, default=0), max(values, default=0)
    slices = [_render_range(values[j:j + GRAPH_COLS], labels[j:j + GRAPH_COLS], lo, hi)
              for j in range(0, len(values), GRAPH_COLS)]
    return out + "\n".join(slices)


# --- DOCTOR -----------------------------------------------------------------------------------

def _analyze(series: EventSeries, now: int) -> tuple[int, int, int, float]:
    """analyzeLatencyForEvent: samples, average, mean deviation (ms), seconds per sample."""
    values = [ms for _, ms in series.samples]
    n = len(values)
    avg = sum(values) // n
    mad = sum(abs(avg - v) for v in values) // n
    period = (now - min(t for t, _ in series.samples)) or 1
    return n, avg, mad, period / n


def _event_advice(event: str, slowlog_us: int, threshold_ms: int) -> list[str]:
    if event == "command":
        first = ("slowlog_enabled" if slowlog_us < 0 else
                 "slowlog_tuning" if slowlog_us // 1000 > threshold_ms else None)
        return [a for a in (first, "slowlog_inspect", "large_objects") if a]
    return {"fast-command": ["scheduler"], "expire-cycle": ["hz", "large_objects"],
            "eviction-cycle": ["mass_eviction"]}.get(event, [])


def anon_huge_pages() -> int:
    """AnonHugePages of this process in bytes (Redis's THP check), 0 where unreadable."""
    try:
        with open("/proc/self/smaps_rollup") as f:
            for line in f:
                if line.startswith("AnonHugePages:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def doctor(lat: Latency, slowlog_us: int, hz: int, now: int | None = None) -> str:
    """createLatencyReport for the events we record."""
    if not lat.events and not lat.threshold_ms:
        return DISABLED
    now = int(time.time()) if now is None else now
    lines, advice = [], set()
    for num, (event, series) in enumerate(lat.events.items(), 1):
        n, avg, mad, period = _analyze(series, now)
        lines.append(f"{num}. {event}: {n} latency spikes (average {avg}ms, mean deviation "
                     f"{mad}ms, period {period:.2f} sec). Worst all time event {series.max}ms.\n")
        advice.update(_event_advice(event, slowlog_us, lat.threshold_ms))
    if anon_huge_pages() > 0:
        advice.add("disable_thp")
    head = ("Dave, I have observed latency spikes in this Redis instance. You don't mind talking "
            "about it, do you Dave?\n\n" if lines else "")
    if not lines and not advice:
        return NO_SPIKES
    if not advice:
        return head + "".join(lines) + NO_ADVICE
    if hz >= 100:
        advice.discard("hz")
    us = lat.threshold_ms * 1000
    tips = "".join(ADVICE[k].format(us=us) for k in ADVICE if k in advice)
    return head + "".join(lines) + "\nI have a few advices for you:\n\n" + tips
