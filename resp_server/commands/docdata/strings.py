"""COMMAND INFO / DOCS data of the commands in commands/strings.py, as redis-server 7.0.15 reports
them (the shape is commands/docs.py's; registry.py joins every room's data into docs.DOCS).
"""

from __future__ import annotations

from resp_server.commands.docs import KS, A, Doc

DOCS: dict[str, Doc] = {
    "get": Doc(
        complexity="O(1)",
        acl="@string",
        key_specs=(KS("RO access"),),
        args=(
            A("key", "key", ks=0),
        ),
    ),
    "set": Doc(
        complexity="O(1)",
        acl="@string",
        key_specs=(KS("RW access update variable_flags",
            notes="RW and ACCESS due to the optional `GET` argument"),),
        history=(
            ("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."),
            ("6.0.0", "Added the `KEEPTTL` option."),
            ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."),
            ("7.0.0", "Allowed the `NX` and `GET` options to be used together."),
        ),
        args=(
            A("key", "key", ks=0),
            A("value", "string"),
            A("condition", "oneof", since="2.6.12", flags="optional", args=(
                A("nx", "pure-token", token="NX"),
                A("xx", "pure-token", token="XX"),
            )),
            A("get", "pure-token", token="GET", since="6.2.0", flags="optional"),
            A("expiration", "oneof", flags="optional", args=(
                A("seconds", "integer", token="EX", since="2.6.12"),
                A("milliseconds", "integer", token="PX", since="2.6.12"),
                A("unix-time-seconds", "unix-time", token="EXAT", since="6.2.0"),
                A("unix-time-milliseconds", "unix-time", token="PXAT", since="6.2.0"),
                A("keepttl", "pure-token", token="KEEPTTL", since="6.0.0"),
            )),
        ),
    ),
    "setnx": Doc(
        complexity="O(1)",
        acl="@string",
        key_specs=(KS("OW insert"),),
        args=(
            A("key", "key", ks=0),
            A("value", "string"),
        ),
    ),
    "setex": Doc(
        complexity="O(1)",
        acl="@string",
        key_specs=(KS("OW update"),),
        args=(
            A("key", "key", ks=0),
            A("seconds", "integer"),
            A("value", "string"),
        ),
    ),
    "psetex": Doc(
        complexity="O(1)",
        acl="@string",
        key_specs=(KS("OW update"),),
        args=(
            A("key", "key", ks=0),
            A("milliseconds", "integer"),
            A("value", "string"),
        ),
    ),
    "getset": Doc(
        complexity="O(1)",
        acl="@string",
        key_specs=(KS("RW access update"),),
        doc_flags="deprecated",
        deprecated_since="6.2.0",
        replaced_by="`SET` with the `!GET` argument",
        args=(
            A("key", "key", ks=0),
            A("value", "string"),
        ),
    ),
    "getdel": Doc(
        complexity="O(1)",
        acl="@string",
        key_specs=(KS("RW access delete"),),
        args=(
            A("key", "key", ks=0),
        ),
    ),
    "getex": Doc(
        complexity="O(1)",
        acl="@string",
        key_specs=(KS("RW access update",
            notes="RW and UPDATE because it changes the TTL"),),
        args=(
            A("key", "key", ks=0),
            A("expiration", "oneof", flags="optional", args=(
                A("seconds", "integer", token="EX"),
                A("milliseconds", "integer", token="PX"),
                A("unix-time-seconds", "unix-time", token="EXAT"),
                A("unix-time-milliseconds", "unix-time", token="PXAT"),
                A("persist", "pure-token", token="PERSIST"),
            )),
        ),
    ),
    "mget": Doc(
        complexity="O(N) where N is the number of keys to retrieve.",
        acl="@string",
        tips="request_policy:multi_shard",
        key_specs=(KS("RO access", 1, -1, 1),),
        args=(
            A("key", "key", ks=0, flags="multiple"),
        ),
    ),
    "mset": Doc(
        complexity="O(N) where N is the number of keys to set.",
        acl="@string",
        tips="request_policy:multi_shard response_policy:all_succeeded",
        key_specs=(KS("OW update", 1, -1, 2),),
        args=(
            A("key_value", "block", flags="multiple", args=(
                A("key", "key", ks=0),
                A("value", "string"),
            )),
        ),
    ),
    "msetnx": Doc(
        complexity="O(N) where N is the number of keys to set.",
        acl="@string",
        tips="request_policy:multi_shard response_policy:agg_min",
        key_specs=(KS("OW insert", 1, -1, 2),),
        args=(
            A("key_value", "block", flags="multiple", args=(
                A("key", "key", ks=0),
                A("value", "string"),
            )),
        ),
    ),
    "append": Doc(
        complexity=(
            "O(1). The amortized time complexity is O(1) assuming the appended value is "
            "small and the already present value is of any size, since the dynamic string"
            " library used by Redis will double the free space available on every "
            "reallocation."
        ),
        acl="@string",
        key_specs=(KS("RW insert"),),
        args=(
            A("key", "key", ks=0),
            A("value", "string"),
        ),
    ),
    "strlen": Doc(
        complexity="O(1)",
        acl="@string",
        key_specs=(KS("RO"),),
        args=(
            A("key", "key", ks=0),
        ),
    ),
    "getrange": Doc(
        complexity=(
            "O(N) where N is the length of the returned string. The complexity is "
            "ultimately determined by the returned length, but because creating a "
            "substring from an existing string is very cheap, it can be considered O(1) "
            "for small strings."
        ),
        acl="@string",
        key_specs=(KS("RO access"),),
        args=(
            A("key", "key", ks=0),
            A("start", "integer"),
            A("end", "integer"),
        ),
    ),
    "substr": Doc(
        complexity=(
            "O(N) where N is the length of the returned string. The complexity is "
            "ultimately determined by the returned length, but because creating a "
            "substring from an existing string is very cheap, it can be considered O(1) "
            "for small strings."
        ),
        acl="@string",
        key_specs=(KS("RO access"),),
        doc_flags="deprecated",
        deprecated_since="2.0.0",
        replaced_by="`GETRANGE`",
        args=(
            A("key", "key", ks=0),
            A("start", "integer"),
            A("end", "integer"),
        ),
    ),
    "setrange": Doc(
        complexity=(
            "O(1), not counting the time taken to copy the new string in place. Usually, "
            "this string is very small so the amortized complexity is O(1). Otherwise, "
            "complexity is O(M) with M being the length of the value argument."
        ),
        acl="@string",
        key_specs=(KS("RW update"),),
        args=(
            A("key", "key", ks=0),
            A("offset", "integer"),
            A("value", "string"),
        ),
    ),
    "incr": Doc(
        complexity="O(1)",
        acl="@string",
        key_specs=(KS("RW access update"),),
        args=(
            A("key", "key", ks=0),
        ),
    ),
    "decr": Doc(
        complexity="O(1)",
        acl="@string",
        key_specs=(KS("RW access update"),),
        args=(
            A("key", "key", ks=0),
        ),
    ),
    "incrby": Doc(
        complexity="O(1)",
        acl="@string",
        key_specs=(KS("RW access update"),),
        args=(
            A("key", "key", ks=0),
            A("increment", "integer"),
        ),
    ),
    "decrby": Doc(
        complexity="O(1)",
        acl="@string",
        key_specs=(KS("RW access update"),),
        args=(
            A("key", "key", ks=0),
            A("decrement", "integer"),
        ),
    ),
    "incrbyfloat": Doc(
        complexity="O(1)",
        acl="@string",
        key_specs=(KS("RW access update"),),
        args=(
            A("key", "key", ks=0),
            A("increment", "double"),
        ),
    ),
}
