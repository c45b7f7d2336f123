"""COMMAND INFO / DOCS data of the commands in commands/command_cmd.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import A, Doc

DOCS: dict[str, Doc] = {
    "command": Doc(
        complexity="O(N) where N is the total number of Redis commands",
        acl="@connection",
        tips="nondeterministic_output_order",
    ),
    "command|count": Doc(
        summary="Get total number of Redis commands",
        since="2.8.13",
        group="server",
        flags="loading stale",
        complexity="O(1)",
        acl="@connection",
    ),
    "command|info": Doc(
        summary="Get array of specific Redis command details, or all when no argument is given.",
        since="2.8.13",
        group="server",
        flags="loading stale",
        complexity="O(N) where N is the number of commands to look up",
        acl="@connection",
        tips="nondeterministic_output_order",
        history=(
            ("7.0.0", "Allowed to be called with no argument to get info on all commands."),
        ),
        args=(
            A("command-name", "string", flags="optional multiple"),
        ),
    ),
    "command|docs": Doc(
        summary="Get array of specific Redis command documentation",
        since="7.0.0",
        group="server",
        flags="loading stale",
        complexity="O(N) where N is the number of commands to look up",
        acl="@connection",
        tips="nondeterministic_output_order",
        args=(
            A("command-name", "string", flags="optional multiple"),
        ),
    ),
    "command|list": Doc(
        summary="Get an array of Redis command names",
        since="7.0.0",
        group="server",
        flags="loading stale",
        complexity="O(N) where N is the total number of Redis commands",
        acl="@connection",
        tips="nondeterministic_output_order",
        args=(
            A("filterby", "oneof", token="FILTERBY", flags="optional", args=(
                A("module-name", "string", token="MODULE"),
                A("category", "string", token="ACLCAT"),
                A("pattern", "pattern", token="PATTERN"),
            )),
        ),
    ),
    "command|getkeys": Doc(
        summary="Extract keys given a full Redis command",
        since="2.8.13",
        group="server",
        flags="loading stale",
        complexity="O(N) where N is the number of arguments to the command",
        acl="@connection",
    ),
    "command|help": Doc(
        summary="Show helpful text about the different subcommands",
        since="5.0.0",
        group="server",
        flags="loading stale",
        complexity="O(1)",
        acl="@connection",
    ),
    "command|getkeysandflags": Doc(
        summary="Extract keys and access flags given a full Redis command",
        since="7.0.0",
        group="server",
        flags="loading stale",
        complexity="O(N) where N is the number of arguments to the command",
        acl="@connection",
    ),
}
