"""COMMAND INFO / DOCS data of the commands in commands/object_cmd.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import KS, A, Doc

DOCS: dict[str, Doc] = {
    "memory": Doc(
        complexity="Depends on subcommand.",
    ),
    "memory|usage": Doc(
        summary="Estimate the memory usage of a key",
        since="4.0.0",
        group="server",
        flags="readonly",
        keys=(2, 2, 1),
        complexity="O(N) where N is the number of samples.",
        key_specs=(KS("RO", 2),),
        args=(
            A("key", "key", ks=0),
            A("count", "integer", token="SAMPLES", flags="optional"),
        ),
    ),
    "memory|stats": Doc(
        summary="Show memory usage details",
        since="4.0.0",
        group="server",
        flags="",
        complexity="O(1)",
        tips="nondeterministic_output request_policy:all_shards response_policy:special",
    ),
    "memory|doctor": Doc(
        summary="Outputs memory problems report",
        since="4.0.0",
        group="server",
        flags="",
        complexity="O(1)",
        tips="nondeterministic_output request_policy:all_shards response_policy:special",
    ),
    "memory|malloc-stats": Doc(
        summary="Show allocator internal stats",
        since="4.0.0",
        group="server",
        flags="",
        complexity="Depends on how much memory is allocated, could be slow",
        tips="nondeterministic_output request_policy:all_shards response_policy:special",
    ),
    "memory|purge": Doc(
        summary="Ask the allocator to release memory",
        since="4.0.0",
        group="server",
        flags="",
        complexity="Depends on how much memory is allocated, could be slow",
        tips="request_policy:all_shards response_policy:all_succeeded",
    ),
    "memory|help": Doc(
        summary="Show helpful text about the different subcommands",
        since="4.0.0",
        group="server",
        flags="loading stale",
        complexity="O(1)",
    ),
    "object": Doc(
        complexity="Depends on subcommand.",
    ),
    "object|encoding": Doc(
        summary="Inspect the internal encoding of a Redis object",
        since="2.2.3",
        group="generic",
        flags="readonly",
        keys=(2, 2, 1),
        complexity="O(1)",
        acl="@keyspace",
        tips="nondeterministic_output",
        key_specs=(KS("RO", 2),),
        args=(
            A("key", "key", ks=0),
        ),
    ),
    "object|freq": Doc(
        summary="Get the logarithmic access frequency counter of a Redis object",
        since="4.0.0",
        group="generic",
        flags="readonly",
        keys=(2, 2, 1),
        complexity="O(1)",
        acl="@keyspace",
        tips="nondeterministic_output",
        key_specs=(KS("RO", 2),),
        args=(
            A("key", "key", ks=0),
        ),
    ),
    "object|idletime": Doc(
        summary="Get the time since a Redis object was last accessed",
        since="2.2.3",
        group="generic",
        flags="readonly",
        keys=(2, 2, 1),
        complexity="O(1)",
        acl="@keyspace",
        tips="nondeterministic_output",
        key_specs=(KS("RO", 2),),
        args=(
            A("key", "key", ks=0),
        ),
    ),
    "object|refcount": Doc(
        summary="Get the number of references to the value of the key",
        since="2.2.3",
        group="generic",
        flags="readonly",
        keys=(2, 2, 1),
        complexity="O(1)",
        acl="@keyspace",
        tips="nondeterministic_output",
        key_specs=(KS("RO", 2),),
        args=(
            A("key", "key", ks=0),
        ),
    ),
    "object|help": Doc(
        summary="Show helpful text about the different subcommands",
        since="6.2.0",
        group="generic",
        flags="loading stale",
        complexity="O(1)",
        acl="@keyspace",
    ),
}
