"""COMMAND INFO / DOCS data of the commands in commands/server.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import A, Doc

DOCS: dict[str, Doc] = {
    "time": Doc(
        complexity="O(1)",
        tips="nondeterministic_output",
    ),
    "shutdown": Doc(
        complexity=(
            "O(N) when saving, where N is the total number of keys in all databases when "
            "saving data, otherwise O(1)"
        ),
        history=(
            ("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers."),
        ),
        args=(
            A("nosave_save", "oneof", flags="optional", args=(
                A("nosave", "pure-token", token="NOSAVE"),
                A("save", "pure-token", token="SAVE"),
            )),
            A("now", "pure-token", token="NOW", since="7.0.0", flags="optional"),
            A("force", "pure-token", token="FORCE", since="7.0.0", flags="optional"),
            A("abort", "pure-token", token="ABORT", since="7.0.0", flags="optional"),
        ),
    ),
    "lastsave": Doc(
        complexity="O(1)",
        acl="@admin @dangerous",
        tips="nondeterministic_output",
    ),
    "save": Doc(
        complexity="O(N) where N is the total number of keys in all databases",
    ),
    "bgsave": Doc(
        complexity="O(1)",
        history=(
            ("3.2.2", "Added the `SCHEDULE` option."),
        ),
        args=(
            A("schedule", "pure-token", token="SCHEDULE", since="3.2.2", flags="optional"),
        ),
    ),
    "bgrewriteaof": Doc(
        complexity="O(1)",
    ),
    "debug": Doc(
        complexity="Depends on subcommand.",
        doc_flags="syscmd",
    ),
}
