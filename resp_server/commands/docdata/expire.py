"""COMMAND INFO / DOCS data of the commands in commands/expire.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import KS, A, Doc

DOCS: dict[str, Doc] = {
    "expire": Doc(
        complexity="O(1)",
        acl="@keyspace",
        key_specs=(KS("RW update"),),
        history=(
            ("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."),
        ),
        args=(
            A("key", "key", ks=0),
            A("seconds", "integer"),
            A("condition", "oneof", since="7.0.0", flags="optional", args=(
                A("nx", "pure-token", token="NX"),
                A("xx", "pure-token", token="XX"),
                A("gt", "pure-token", token="GT"),
                A("lt", "pure-token", token="LT"),
            )),
        ),
    ),
    "pexpire": Doc(
        complexity="O(1)",
        acl="@keyspace",
        key_specs=(KS("RW update"),),
        history=(
            ("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."),
        ),
        args=(
            A("key", "key", ks=0),
            A("milliseconds", "integer"),
            A("condition", "oneof", since="7.0.0", flags="optional", args=(
                A("nx", "pure-token", token="NX"),
                A("xx", "pure-token", token="XX"),
                A("gt", "pure-token", token="GT"),
                A("lt", "pure-token", token="LT"),
            )),
        ),
    ),
    "expireat": Doc(
        complexity="O(1)",
        acl="@keyspace",
        key_specs=(KS("RW update"),),
        history=(
            ("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."),
        ),
        args=(
            A("key", "key", ks=0),
            A("unix-time-seconds", "unix-time"),
            A("condition", "oneof", since="7.0.0", flags="optional", args=(
                A("nx", "pure-token", token="NX"),
                A("xx", "pure-token", token="XX"),
                A("gt", "pure-token", token="GT"),
                A("lt", "pure-token", token="LT"),
            )),
        ),
    ),
    "pexpireat": Doc(
        complexity="O(1)",
        acl="@keyspace",
        key_specs=(KS("RW update"),),
        history=(
            ("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."),
        ),
        args=(
            A("key", "key", ks=0),
            A("unix-time-milliseconds", "unix-time"),
            A("condition", "oneof", since="7.0.0", flags="optional", args=(
                A("nx", "pure-token", token="NX"),
                A("xx", "pure-token", token="XX"),
                A("gt", "pure-token", token="GT"),
                A("lt", "pure-token", token="LT"),
            )),
        ),
    ),
    "ttl": Doc(
        complexity="O(1)",
        acl="@keyspace",
        tips="nondeterministic_output",
        key_specs=(KS("RO access"),),
        history=(
            ("2.8.0", "Added the -2 reply."),
        ),
        args=(
            A("key", "key", ks=0),
        ),
    ),
    "pttl": Doc(
        complexity="O(1)",
        acl="@keyspace",
        tips="nondeterministic_output",
        key_specs=(KS("RO access"),),
        history=(
            ("2.8.0", "Added the -2 reply."),
        ),
        args=(
            A("key", "key", ks=0),
        ),
    ),
    "expiretime": Doc(
        complexity="O(1)",
        acl="@keyspace",
        key_specs=(KS("RO access"),),
        args=(
            A("key", "key", ks=0),
        ),
    ),
    "pexpiretime": Doc(
        complexity="O(1)",
        acl="@keyspace",
        key_specs=(KS("RO access"),),
        args=(
            A("key", "key", ks=0),
        ),
    ),
    "persist": Doc(
        complexity="O(1)",
        acl="@keyspace",
        key_specs=(KS("RW update"),),
        args=(
            A("key", "key", ks=0),
        ),
    ),
}
