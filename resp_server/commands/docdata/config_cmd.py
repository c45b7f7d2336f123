"""COMMAND INFO / DOCS data of the commands in commands/config_cmd.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import A, Doc

DOCS: dict[str, Doc] = {
    "config": Doc(
        complexity="Depends on subcommand.",
    ),
    "config|get": Doc(
        summary="Get the values of configuration parameters",
        since="2.0.0",
        group="server",
        flags="admin noscript loading stale",
        complexity="O(N) when N is the number of configuration parameters provided",
        history=(
            ("7.0.0", "Added the ability to pass multiple pattern parameters in one call"),
        ),
        args=(
            A("parameter", "block", flags="multiple", args=(
                A("parameter", "string"),
            )),
        ),
    ),
    "config|set": Doc(
        summary="Set configuration parameters to the given values",
        since="2.0.0",
        group="server",
        flags="admin noscript loading stale",
        complexity="O(N) when N is the number of configuration parameters provided",
        tips="request_policy:all_nodes response_policy:all_succeeded",
        history=(
            ("7.0.0", "Added the ability to set multiple parameters in one call."),
        ),
        args=(
            A("parameter_value", "block", flags="multiple", args=(
                A("parameter", "string"),
                A("value", "string"),
            )),
        ),
    ),
    "config|resetstat": Doc(
        summary="Reset the stats returned by INFO",
        since="2.0.0",
        group="server",
        flags="admin noscript loading stale",
        complexity="O(1)",
    ),
    "config|rewrite": Doc(
        summary="Rewrite the configuration file with the in memory configuration",
        since="2.8.0",
        group="server",
        flags="admin noscript loading stale",
        complexity="O(1)",
    ),
    "config|help": Doc(
        summary="Show helpful text about the different subcommands",
        since="5.0.0",
        group="server",
        flags="loading stale",
        complexity="O(1)",
    ),
}
