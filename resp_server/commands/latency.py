"""LATENCY (LATEST HISTORY RESET GRAPH DOCTOR HISTOGRAM HELP), INFO latencystats and the
latency settings of CONFIG, as Redis 7.0 answers them.

The state is the server's own `ServerState.latency` (resp_server/latency.py) plus each command's
`CommandStat.hist`; this module only reads it, resets it and formats it. Replies are Redis's to
the byte for one event or command (several are listed in insertion order, Redis's in hash order).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from resp_server.commands.args import SUBTABLES, SubTable, help_reply, lower, text
from resp_server.commands.latency_report import doctor, graph
from resp_server.commands.table import TABLE, spec
from resp_server.latency import cdf, format_percentile, percentiles_line
from resp_server.resp.replies import RespError, Verbatim

if TYPE_CHECKING:
    from resp_server.client import ClientState
    from resp_server.state import ServerState

_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


# --- CONFIG and INFO --------------------------------------------------------------------------

def parse_percentiles(raw: str) -> tuple[float, ...]:
    """CONFIG SET latency-tracking-info-percentiles "50 99 99.9" (space separated, 0..100)."""
    if not raw:
        return ()
    out = []
    for part in raw.split(" "):
        if not _FLOAT.fullmatch(part):
            raise ValueError("Invalid latency-tracking-info-percentiles parameters")
        p = float(part)
        if not 0.0 <= p <= 100.0:
            raise ValueError("latency-tracking-info-percentiles parameters should sit between "
                             "[0.0,100.0]")
        out.append(p)
    return tuple(out)


def get_percentiles(s: ServerState) -> str:
    return " ".join(format_percentile(p) for p in s.latency.percentiles)


def set_percentiles(s: ServerState, value: object) -> None:
    s.latency.percentiles = value  # type: ignore[assignment]


def set_tracking(s: ServerState, on: object) -> None:
    """CONFIG SET latency-tracking: histograms stop (or resume) filling; kept as they are."""
    s.latency.tracking = bool(on)


def set_threshold(s: ServerState, ms: object) -> None:
    """CONFIG SET latency-monitor-threshold; the store times evicting allocations only while
    the monitor is on."""
    lat = s.latency
    lat.set_threshold(int(ms))  # type: ignore[arg-type]
    s.keyspace.on_eviction_cycle = (lambda t: lat.sample("eviction-cycle", t)) if ms else None


def info_latencystats(s: ServerState) -> list[tuple[str, object]]:
    """latency_percentiles_usec_<cmd> per command with samples; none while tracking is off."""
    lat = s.latency
    if not lat.tracking:
        return []
    return [(f"latency_percentiles_usec_{name}", percentiles_line(st.hist, lat.percentiles))
            for name, st in sorted(s.stats.commands.items()) if st.hist]


# --- LATENCY ----------------------------------------------------------------------------------

def _histogram_names(s: ServerState, argv: list) -> list[str]:
    """Commands LATENCY HISTOGRAM reports: all with data, or the named ones (a container names
    itself and each of its subcommands; unknown names are skipped)."""
    with_data = {n for n, st in s.stats.commands.items() if st.hist}
    if len(argv) == 2:
        return sorted(with_data)

    out: list[str] = []
    for raw in argv[2:]:
        name = text(lower(raw))
        parent, _, sub = name.partition("|")
        sp = TABLE.get(parent.encode())
        if sp is None or (sub and (sp.name not in SUBTABLES
                                   or sub.encode() not in SUBTABLES[sp.name].entries)):
            continue
        names = [name] if sub else [sp.name]
        if not sub and sp.name in SUBTABLES:
            names += [f"{sp.name}|{k}" for k in SUBTABLES[sp.name].names()]
        out += [n for n in names if n in with_data]
    return out


def latency_histogram(c: ClientState, argv: list) -> object:
    stats = c.server.stats.commands
    return {name: {"calls": sum(stats[name].hist.values()),
                   "histogram_usec": dict(cdf(stats[name].hist))}
            for name in _histogram_names(c.server, argv)}


def latency_latest(c: ClientState, argv: list) -> object:
    return [[event, ts.samples[-1][0], ts.samples[-1][1], ts.max]
            for event, ts in c.server.latency.events.items()]


def latency_history(c: ClientState, argv: list) -> object:
    ts = c.server.latency.events.get(text(argv[2]))
    return [] if ts is None else [[t, ms] for t, ms in ts.samples]


def latency_graph(c: ClientState, argv: list) -> object:
    event = text(argv[2])
    ts = c.server.latency.events.get(event)
    if ts is None:
        raise RespError(f"ERR No samples available for event '{event}'")
    return Verbatim(graph(event, ts))


def latency_doctor(c: ClientState, argv: list) -> object:
    s = c.server
    return Verbatim(doctor(s.latency, s.slowlog_log_slower_than, s.hz))


def latency_reset(c: ClientState, argv: list) -> object:
    return c.server.latency.reset([text(a) for a in argv[2:]] if len(argv) > 2 else None)


_HELP = [
    "DOCTOR", "    Return a human readable latency analysis report.",
    "GRAPH <event>", "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>", "    Return time-latency samples for the <event> class.",
    "LATEST", "    Return the latest latency samples for all events.",
    "RESET [<event> ...]", "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the "
    "specified command names.",
    "    If no commands are specified then all histograms are replied.",
]

# Redis's subcommand order (COMMAND INFO lists them so).
LATENCY = SubTable("latency", {
    "doctor": (latency_doctor, 2),
    "graph": (latency_graph, 3),
    "help": (lambda c, argv: help_reply("latency", _HELP), 2),
    "history": (latency_history, 3),
    "reset": (latency_reset, -2),
    "latest": (latency_latest, 2),
    "histogram": (latency_histogram, -2),
})


def latency(c: ClientState, argv: list) -> object:
    return LATENCY(c, argv)


COMMANDS = [
    spec("latency", latency, -2, "container", group="server",
         summary="A container for latency diagnostics commands", since="2.8.13"),
]
