"""COMMAND INFO / DOCS data of the commands in commands/keys.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import KS, A, Doc

DOCS: dict[str, Doc] = {
    "del": Doc(
        complexity=(
            "O(N) where N is the number of keys that will be removed. When a key to "
            "remove holds a value other than a string, the individual complexity for this"
            " key is O(M) where M is the number of elements in the list, set, sorted set "
            "or hash. Removing a single key that holds a string value is O(1)."
        ),
        acl="@keyspace",
        tips="request_policy:multi_shard response_policy:agg_sum",
        key_specs=(KS("RM delete", 1, -1, 1),),
        args=(
            A("key", "key", ks=0, flags="multiple"),
        ),
    ),
    "unlink": Doc(
        complexity=(
            "O(1) for each key removed regardless of its size. Then the command does O(N)"
            " work in a different thread in order to reclaim memory, where N is the "
            "number of allocations the deleted objects where composed of."
        ),
        acl="@keyspace",
        tips="request_policy:multi_shard response_policy:agg_sum",
        key_specs=(KS("RM delete", 1, -1, 1),),
        args=(
            A("key", "key", ks=0, flags="multiple"),
        ),
    ),
    "exists": Doc(
        complexity="O(N) where N is the number of keys to check.",
        acl="@keyspace",
        tips="request_policy:multi_shard response_policy:agg_sum",
        key_specs=(KS("RO", 1, -1, 1),),
        history=(
            ("3.0.3", "Accepts multiple `key` arguments."),
        ),
        args=(
            A("key", "key", ks=0, flags="multiple"),
        ),
    ),
    "touch": Doc(
        complexity="O(N) where N is the number of keys that will be touched.",
        acl="@keyspace",
        tips="request_policy:multi_shard response_policy:agg_sum",
        key_specs=(KS("RO", 1, -1, 1),),
        args=(
            A("key", "key", ks=0, flags="multiple"),
        ),
    ),
    "type": Doc(
        complexity="O(1)",
        acl="@keyspace",
        key_specs=(KS("RO"),),
        args=(
            A("key", "key", ks=0),
        ),
    ),
    "rename": Doc(
        complexity="O(1)",
        acl="@keyspace",
        key_specs=(KS("RW access delete"), KS("OW update", 2),),
        args=(
            A("key", "key", ks=0),
            A("newkey", "key", ks=1),
        ),
    ),
    "renamenx": Doc(
        complexity="O(1)",
        acl="@keyspace",
        key_specs=(KS("RW access delete"), KS("OW insert", 2),),
        history=(
            ("3.2.0", (
                "The command no longer returns an error when source and destination names"
                " are the same."
            )),
        ),
        args=(
            A("key", "key", ks=0),
            A("newkey", "key", ks=1),
        ),
    ),
    "copy": Doc(
        complexity=(
            "O(N) worst case for collections, where N is the number of nested items. O(1)"
            " for string values."
        ),
        acl="@keyspace",
        key_specs=(KS("RO access"), KS("OW update", 2),),
        args=(
            A("source", "key", ks=0),
            A("destination", "key", ks=1),
            A("destination-db", "integer", token="DB", flags="optional"),
            A("replace", "pure-token", token="REPLACE", flags="optional"),
        ),
    ),
    "move": Doc(
        complexity="O(1)",
        acl="@keyspace",
        key_specs=(KS("RW access update"),),
        args=(
            A("key", "key", ks=0),
            A("db", "integer"),
        ),
    ),
    "keys": Doc(
        complexity=(
            "O(N) with N being the number of keys in the database, under the assumption "
            "that the key names in the database and the given pattern have limited "
            "length."
        ),
        acl="@keyspace @dangerous",
        tips="request_policy:all_shards nondeterministic_output_order",
        args=(
            A("pattern", "pattern"),
        ),
    ),
    "scan": Doc(
        complexity=(
            "O(1) for every call. O(N) for a complete iteration, including enough command"
            " calls for the cursor to return back to 0. N is the number of elements "
            "inside the collection."
        ),
        acl="@keyspace",
        tips="nondeterministic_output request_policy:special",
        history=(
            ("6.0.0", "Added the `TYPE` subcommand."),
        ),
        args=(
            A("cursor", "integer"),
            A("pattern", "pattern", token="MATCH", flags="optional"),
            A("count", "integer", token="COUNT", flags="optional"),
            A("type", "string", token="TYPE", since="6.0.0", flags="optional"),
        ),
    ),
    "randomkey": Doc(
        complexity="O(1)",
        acl="@keyspace",
        tips="request_policy:all_shards nondeterministic_output",
    ),
    "dbsize": Doc(
        complexity="O(1)",
        acl="@keyspace",
        tips="request_policy:all_shards response_policy:agg_sum",
    ),
    "flushdb": Doc(
        complexity="O(N) where N is the number of keys in the selected database",
        acl="@keyspace @dangerous",
        tips="request_policy:all_shards response_policy:all_succeeded",
        history=(
            ("4.0.0", "Added the `ASYNC` flushing mode modifier."),
            ("6.2.0", "Added the `SYNC` flushing mode modifier."),
        ),
        args=(
            A("async", "oneof", flags="optional", args=(
                A("async", "pure-token", token="ASYNC", since="4.0.0"),
                A("sync", "pure-token", token="SYNC", since="6.2.0"),
            )),
        ),
    ),
    "flushall": Doc(
        complexity="O(N) where N is the total number of keys in all databases",
        acl="@keyspace @dangerous",
        tips="request_policy:all_shards response_policy:all_succeeded",
        history=(
            ("4.0.0", "Added the `ASYNC` flushing mode modifier."),
            ("6.2.0", "Added the `SYNC` flushing mode modifier."),
        ),
        args=(
            A("async", "oneof", flags="optional", args=(
                A("async", "pure-token", token="ASYNC", since="4.0.0"),
                A("sync", "pure-token", token="SYNC", since="6.2.0"),
            )),
        ),
    ),
    "swapdb": Doc(
        complexity=(
            "O(N) where N is the count of clients watching or blocking on keys from both "
            "databases."
        ),
        acl="@keyspace @dangerous",
        args=(
            A("index1", "integer"),
            A("index2", "integer"),
        ),
    ),
}
