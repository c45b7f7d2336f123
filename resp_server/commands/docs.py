"""Command metadata for COMMAND INFO / COMMAND DOCS / COMMAND GETKEYSANDFLAGS, as Redis 7.0.15 has it.

One declarative `Doc` per command and per subcommand we implement (`"client|list"`), keyed by its
full lower-case name. Redis keeps the same facts in src/commands/*.json; the values here are what
redis-server 7.0.15 reports for them, except `client|setinfo` and `client|no-touch` (Redis 7.2).

- `acl`: the ACL categories named explicitly; those implied by the flags are added at reply time
  as Redis's setImplicitACLCategories does (write -> @write, readonly -> @read, admin -> @admin
  @dangerous, fast -> @fast, otherwise @slow), and all are listed in Redis's category order.
- `tips`: command tips (`request_policy:multi_shard` ...). `key_specs`: `KS(flags, index, lastkey,
  keystep)` - every spec of ours is begin_search index / find_keys range (limit 0).
- `args`: the argument tree of COMMAND DOCS (`A(name, type, ...)`), `history`, `doc_flags`,
  `deprecated_since`, `replaced_by`, `complexity`.
- Subcommands only: `summary`, `since`, `group`, `flags` and legacy `keys` (first, last, step);
  their arity is the one their SubTable dispatches with. A top-level command's name, arity,
  flags, key range, summary, since and group are in its CommandSpec.

`OrderedSet` is a set reply (RESP3 `~`) that keeps Redis's member order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from resp_server.resp.replies import Status


class OrderedSet(frozenset):
    """A set reply whose members are sent in the given order (members may be unhashable maps)."""

    __slots__ = ("items",)

    def __new__(cls, items: Iterable[object] = ()) -> OrderedSet:
        members = tuple(items)
        try:
            self = super().__new__(cls, members)
        except TypeError:  # maps: kept in `items` only
            self = super().__new__(cls)
        self.items = members
        return self

    def __iter__(self):  # type: ignore[override]
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, x: object) -> bool:
        return x in self.items

    def __eq__(self, other: object) -> bool:
        if isinstance(other, OrderedSet):
            return self.items == other.items
        return frozenset.__eq__(self, other)

    __hash__ = frozenset.__hash__

    def __repr__(self) -> str:
        return f"OrderedSet({list(self.items)!r})"


FLAG_ORDER = ("write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript", "blocking",
              "loading", "stale", "skip_monitor", "skip_slowlog", "asking", "fast", "no_auth",
              "no_mandatory_keys", "no_async_loading", "no_multi", "movablekeys", "allow_busy")
"""COMMAND INFO flags in the order Redis lists them (addCommandFlags)."""

ACL_ORDER = ("@keyspace", "@read", "@write", "@set", "@sortedset", "@list", "@hash", "@string",
             "@bitmap", "@hyperloglog", "@geo", "@stream", "@pubsub", "@admin", "@fast", "@slow",
             "@blocking", "@dangerous", "@connection", "@transaction", "@scripting")
"""ACL categories in Redis's table order (ACLCommandCategories), the order COMMAND INFO uses."""

KEY_FLAG_ORDER = ("RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key",
                  "incomplete", "variable_flags")

_INTERNAL_FLAG_NAMES = {"noauth": "no_auth", "nomulti": "no_multi"}
_HIDDEN_FLAGS = frozenset(("bigvalue", "container"))


def _ordered(names: Iterable[str], order: tuple[str, ...]) -> list[str]:
    rank = {n: i for i, n in enumerate(order)}
    return sorted(dict.fromkeys(names), key=lambda n: (rank.get(n, len(order)), n))


def display_flags(flags: Iterable[str]) -> list[str]:
    """Our flag names as COMMAND INFO shows them (no_auth, no_multi; internal ones hidden)."""
    return _ordered((_INTERNAL_FLAG_NAMES.get(f, f) for f in flags if f not in _HIDDEN_FLAGS),
                    FLAG_ORDER)


def acl_categories(flags: Iterable[str], explicit: str) -> list[str]:
    """setImplicitACLCategories + the explicit ones, in Redis's category order."""
    fl = set(flags)
    cats = explicit.split()
    if "write" in fl:
        cats.append("@write")
    if "readonly" in fl:
        cats.append("@read")
    if "admin" in fl:
        cats += ["@admin", "@dangerous"]
    if "fast" in fl:
        cats.append("@fast")
    if "@fast" not in cats:
        cats.append("@slow")
    return _ordered(cats, ACL_ORDER)


@dataclass(frozen=True, slots=True)
class KS:
    """A key spec: begin_search index `index` (or, with `keyword`, the argument after that word,
    searched from `startfrom`, backwards when negative), find_keys range (lastkey, keystep,
    limit 0)."""
    flags: str
    index: int = 1
    lastkey: int = 0
    keystep: int = 1
    notes: str = ""
    keyword: str = ""
    startfrom: int = 0

    def positions(self, argc: int, args: list | None = None) -> range:
        """Argument indexes this spec names in a command of argc arguments (getKeysUsingKeySpecs)."""
        first = self.index if not self.keyword else self._after_keyword(argc, args or [])
        if first is None:
            return range(0)
        last = first + self.lastkey if self.lastkey >= 0 else argc + self.lastkey
        return range(first, min(last, argc - 1) + 1, self.keystep)

    def _after_keyword(self, argc: int, args: list) -> int | None:
        start = self.startfrom if self.startfrom >= 0 else argc + self.startfrom
        step = 1 if self.startfrom >= 0 else -1
        i = start
        while 0 < i < argc and i < len(args):
            if bytes(args[i]).lower() == self.keyword.lower().encode():
                return i + 1
            i += step
        return None

    def reply(self) -> dict:
        out: dict[str, object] = {}
        if self.notes:
            out["notes"] = self.notes
        out["flags"] = OrderedSet(Status(f.encode()) for f in self.flags.split())
        if self.keyword:
            out["begin_search"] = {"type": "keyword", "spec": {"keyword": self.keyword,
                                                               "startfrom": self.startfrom}}
        else:
            out["begin_search"] = {"type": "index", "spec": {"index": self.index}}
        out["find_keys"] = {"type": "range", "spec": {"lastkey": self.lastkey,
                                                      "keystep": self.keystep, "limit": 0}}
        return out


@dataclass(frozen=True, slots=True)
class A:
    """One COMMAND DOCS argument (`ks`: key_spec_index of a key argument; `args`: its children)."""
    name: str
    type: str
    ks: int | None = None
    token: str | None = None
    summary: str | None = None
    since: str | None = None
    deprecated_since: str | None = None
    flags: str = ""
    args: tuple[A, ...] = ()

    def reply(self) -> dict:
        out: dict[str, object] = {"name": self.name, "type": self.type}
        if self.ks is not None:
            out["key_spec_index"] = self.ks
        for field in ("token", "summary", "since", "deprecated_since"):
            value = getattr(self, field)
            if value is not None:
                out[field] = value
        if self.flags:
            out["flags"] = OrderedSet(Status(f.encode()) for f in self.flags.split())
        if self.args:
            out["arguments"] = [a.reply() for a in self.args]
        return out


@dataclass(frozen=True, slots=True)
class Doc:
    """Everything COMMAND INFO / DOCS say about one command beyond its CommandSpec."""
    complexity: str = ""
    acl: str = ""
    tips: str = ""
    key_specs: tuple[KS, ...] = ()
    doc_flags: str = ""
    deprecated_since: str = ""
    replaced_by: str = ""
    history: tuple[tuple[str, str], ...] = ()
    args: tuple[A, ...] = ()
    # subcommands only
    summary: str = ""
    since: str = ""
    group: str = ""
    flags: str = ""
    keys: tuple[int, int, int] = (0, 0, 0)

    def docs_reply(self, summary: str, since: str, group: str) -> dict:
        """The COMMAND DOCS map (without `subcommands`)."""
        out: dict[str, object] = {"summary": summary, "since": since, "group": group}
        if self.complexity:
            out["complexity"] = self.complexity
        if self.doc_flags:
            out["doc_flags"] = OrderedSet(Status(f.encode()) for f in self.doc_flags.split())
        if self.deprecated_since:
            out["deprecated_since"] = self.deprecated_since
        if self.replaced_by:
            out["replaced_by"] = self.replaced_by
        if self.history:
            out["history"] = OrderedSet([v, text] for v, text in self.history)
        if self.args:
            out["arguments"] = [a.reply() for a in self.args]
        return out


NO_DOC = Doc()

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
    "multi": Doc(
        complexity="O(1)",
        acl="@transaction",
    ),
    "exec": Doc(
        complexity="Depends on commands in the transaction",
        acl="@transaction",
    ),
    "discard": Doc(
        complexity="O(N), when N is the number of queued commands",
        acl="@transaction",
    ),
    "watch": Doc(
        complexity="O(1) for every key.",
        acl="@transaction",
        key_specs=(KS("RO", 1, -1, 1),),
        args=(
            A("key", "key", ks=0, flags="multiple"),
        ),
    ),
    "unwatch": Doc(
        complexity="O(1)",
        acl="@transaction",
    ),
    "ping": Doc(
        complexity="O(1)",
        acl="@connection",
        tips="request_policy:all_shards response_policy:all_succeeded",
        args=(
            A("message", "string", flags="optional"),
        ),
    ),
    "echo": Doc(
        complexity="O(1)",
        acl="@connection",
        args=(
            A("message", "string"),
        ),
    ),
    "select": Doc(
        complexity="O(1)",
        acl="@connection",
        args=(
            A("index", "integer"),
        ),
    ),
    "quit": Doc(
        complexity="O(1)",
        acl="@connection",
    ),
    "auth": Doc(
        complexity="O(N) where N is the number of passwords defined for the user",
        acl="@connection",
        history=(
            ("6.0.0", "Added ACL style (username and password)."),
        ),
        args=(
            A("username", "string", since="6.0.0", flags="optional"),
            A("password", "string"),
        ),
    ),
    "hello": Doc(
        complexity="O(1)",
        acl="@connection",
        history=(
            ("6.2.0", (
                "`protover` made optional; when called without arguments the command "
                "reports the current connection's context."
            )),
        ),
        args=(
            A("arguments", "block", flags="optional", args=(
                A("protover", "integer"),
                A("username_password", "block", token="AUTH", flags="optional", args=(
                    A("username", "string"),
                    A("password", "string"),
                )),
                A("clientname", "string", token="SETNAME", flags="optional"),
            )),
        ),
    ),
    "reset": Doc(
        complexity="O(1)",
        acl="@connection",
    ),
    "client": Doc(
        complexity="Depends on subcommand.",
    ),
    "client|id": Doc(
        summary="Returns the client ID for the current connection",
        since="5.0.0",
        group="connection",
        flags="noscript loading stale",
        complexity="O(1)",
        acl="@connection",
    ),
    "client|info": Doc(
        summary="Returns information about the current client connection.",
        since="6.2.0",
        group="connection",
        flags="noscript loading stale",
        complexity="O(1)",
        acl="@connection",
        tips="nondeterministic_output",
    ),
    "client|list": Doc(
        summary="Get the list of client connections",
        since="2.4.0",
        group="connection",
        flags="admin noscript loading stale",
        complexity="O(N) where N is the number of client connections",
        acl="@connection",
        tips="nondeterministic_output",
        history=(
            ("2.8.12", "Added unique client `id` field."),
            ("5.0.0", "Added optional `TYPE` filter."),
            ("6.0.0", "Added `user` field."),
            ("6.2.0", (
                "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional"
                " `ID` filter."
            )),
            ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."),
            ("7.0.3", "Added `ssub` field."),
        ),
        args=(
            A("normal_master_replica_pubsub", "oneof", token="TYPE", since="5.0.0", flags="optional", args=(
                A("normal", "pure-token", token="NORMAL"),
                A("master", "pure-token", token="MASTER"),
                A("replica", "pure-token", token="REPLICA"),
                A("pubsub", "pure-token", token="PUBSUB"),
            )),
            A("id", "block", token="ID", since="6.2.0", flags="optional", args=(
                A("client-id", "integer", flags="multiple"),
            )),
        ),
    ),
    "client|kill": Doc(
        summary="Kill the connection of a client",
        since="2.4.0",
        group="connection",
        flags="admin noscript loading stale",
        complexity="O(N) where N is the number of client connections",
        acl="@connection",
        history=(
            ("2.8.12", "Added new filter format."),
            ("2.8.12", "`ID` option."),
            ("3.2.0", "Added `master` type in for `TYPE` option."),
            ("5.0.0", (
                "Replaced `slave` `TYPE` with `replica`. `slave` still supported for "
                "backward compatibility."
            )),
            ("6.2.0", "`LADDR` option."),
        ),
        args=(
            A("filter", "oneof", args=(
                A("ip:port", "string", deprecated_since="2.8.12"),
                A("new-format", "oneof", flags="multiple", args=(
                    A("client-id", "integer", token="ID", since="2.8.12", flags="optional"),
                    A("normal_master_slave_pubsub", "oneof", token="TYPE", since="2.8.12", flags="optional", args=(
                        A("normal", "pure-token", token="NORMAL"),
                        A("master", "pure-token", token="MASTER", since="3.2.0"),
                        A("slave", "pure-token", token="SLAVE"),
                        A("replica", "pure-token", token="REPLICA", since="5.0.0"),
                        A("pubsub", "pure-token", token="PUBSUB"),
                    )),
                    A("username", "string", token="USER", flags="optional"),
                    A("ip:port", "string", token="ADDR", flags="optional"),
                    A("ip:port", "string", token="LADDR", since="6.2.0", flags="optional"),
                    A("yes/no", "string", token="SKIPME", flags="optional"),
                )),
            )),
        ),
    ),
    "client|setname": Doc(
        summary="Set the current connection name",
        since="2.6.9",
        group="connection",
        flags="noscript loading stale",
        complexity="O(1)",
        acl="@connection",
        args=(
            A("connection-name", "string"),
        ),
    ),
    "client|getname": Doc(
        summary="Get the current connection name",
        since="2.6.9",
        group="connection",
        flags="noscript loading stale",
        complexity="O(1)",
        acl="@connection",
    ),
    "client|no-evict": Doc(
        summary="Set client eviction mode for the current connection",
        since="7.0.0",
        group="connection",
        flags="admin noscript loading stale",
        complexity="O(1)",
        acl="@connection",
        args=(
            A("enabled", "oneof", args=(
                A("on", "pure-token", token="ON"),
                A("off", "pure-token", token="OFF"),
            )),
        ),
    ),
    "client|reply": Doc(
        summary="Instruct the server whether to reply to commands",
        since="3.2.0",
        group="connection",
        flags="noscript loading stale",
        complexity="O(1)",
        acl="@connection",
        args=(
            A("on_off_skip", "oneof", args=(
                A("on", "pure-token", token="ON"),
                A("off", "pure-token", token="OFF"),
                A("skip", "pure-token", token="SKIP"),
            )),
        ),
    ),
    "client|getredir": Doc(
        summary="Get tracking notifications redirection client ID if any",
        since="6.0.0",
        group="connection",
        flags="noscript loading stale",
        complexity="O(1)",
        acl="@connection",
    ),
    "client|help": Doc(
        summary="Show helpful text about the different subcommands",
        since="5.0.0",
        group="connection",
        flags="loading stale",
        complexity="O(1)",
        acl="@connection",
    ),
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
    "time": Doc(
        complexity="O(1)",
        tips="nondeterministic_output",
    ),
    "monitor": Doc(
    ),
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
    "command|getkeysandflags": Doc(
        summary="Extract keys and access flags given a full Redis command",
        since="7.0.0",
        group="server",
        flags="loading stale",
        complexity="O(N) where N is the number of arguments to the command",
        acl="@connection",
    ),
    "client|setinfo": Doc(
        summary="Sets information specific to the client or connection.",
        since="7.2.0",
        group="connection",
        flags="noscript loading stale",
        complexity="O(1)",
        acl="@connection",
        tips="request_policy:all_nodes response_policy:all_succeeded",
        args=(
            A("attr", "oneof", args=(
                A("libname", "string", token="LIB-NAME"),
                A("libver", "string", token="LIB-VER"),
            )),
        ),
    ),
    "client|no-touch": Doc(
        summary="Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
        since="7.2.0",
        group="connection",
        flags="noscript loading stale",
        complexity="O(1)",
        acl="@connection",
        tips="request_policy:all_nodes response_policy:all_succeeded",
        args=(
            A("enabled", "oneof", args=(
                A("on", "pure-token", token="ON"),
                A("off", "pure-token", token="OFF"),
            )),
        ),
    ),
}


def doc_of(name: str) -> Doc:
    """The Doc of a command or "parent|sub" (an empty one for names without data)."""
    return DOCS.get(name, NO_DOC)
