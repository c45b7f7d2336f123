"""COMMAND INFO / DOCS data of the commands in commands/info.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import A, Doc

DOCS: dict[str, Doc] = {
    "info": Doc(
        complexity="O(1)",
        acl="@dangerous",
        tips="nondeterministic_output request_policy:all_shards response_policy:special",
        history=(
            ("7.0.0", "Added support for taking multiple section arguments."),
        ),
        args=(
            A("section", "string", flags="optional multiple"),
        ),
    ),
}
