"""COMMAND INFO / DOCS data of the commands in commands/latency.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import A, Doc

_ADMIN = "admin noscript loading stale"
_TIPS = "nondeterministic_output request_policy:all_nodes response_policy:special"


def _doc(summary: str, args: tuple[A, ...] = (), since: str = "2.8.13", flags: str = _ADMIN,
         tips: str = _TIPS, complexity: str = "O(1)") -> Doc:
    return Doc(summary=summary, since=since, group="server", flags=flags, tips=tips,
               complexity=complexity, args=args)


DOCS: dict[str, Doc] = {
    "latency": Doc(complexity="Depends on subcommand."),
    "latency|doctor": _doc("Return a human readable latency analysis report."),
    "latency|graph": _doc("Return a latency graph for the event.", (A("event", "string"),)),
    "latency|help": _doc("Show helpful text about the different subcommands.",
                         flags="loading stale", tips=""),
    "latency|history": _doc("Return timestamp-latency samples for the event.",
                            (A("event", "string"),)),
    "latency|reset": _doc("Reset latency data for one or more events.",
                          (A("event", "string", flags="optional multiple"),),
                          tips="request_policy:all_nodes response_policy:all_succeeded"),
    "latency|latest": _doc("Return the latest latency samples for all events."),
    "latency|histogram": _doc(
        "Return the cumulative distribution of latencies of a subset of commands or all.",
        (A("command", "string", flags="optional multiple"),), since="7.0.0",
        complexity="O(N) where N is the number of commands with latency information being "
                   "retrieved."),
}
