"""COMMAND INFO / DOCS data of the commands in commands/slowlog_cmd.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import A, Doc

DOCS: dict[str, Doc] = {
    "slowlog": Doc(
        complexity="Depends on subcommand.",
    ),
    "slowlog|get": Doc(
        summary="Get the slow log's entries",
        since="2.2.12",
        group="server",
        flags="admin loading stale",
        complexity="O(N) where N is the number of entries returned",
        tips="request_policy:all_nodes nondeterministic_output",
        history=(
            ("4.0.0", "Added client IP address, port and name to the reply."),
        ),
        args=(
            A("count", "integer", flags="optional"),
        ),
    ),
    "slowlog|len": Doc(
        summary="Get the slow log's length",
        since="2.2.12",
        group="server",
        flags="admin loading stale",
        complexity="O(1)",
        tips="request_policy:all_nodes response_policy:agg_sum nondeterministic_output",
    ),
    "slowlog|reset": Doc(
        summary="Clear all entries from the slow log",
        since="2.2.12",
        group="server",
        flags="admin loading stale",
        complexity="O(N) where N is the number of entries in the slowlog",
        tips="request_policy:all_nodes response_policy:all_succeeded",
    ),
    "slowlog|help": Doc(
        summary="Show helpful text about the different subcommands",
        since="6.2.0",
        group="server",
        flags="loading stale",
        complexity="O(1)",
    ),
}
