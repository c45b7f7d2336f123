"""Command metadata for COMMAND INFO / COMMAND DOCS / COMMAND GETKEYSANDFLAGS, as Redis 7.0.15 has it.

One declarative `Doc` per command and per subcommand we implement (`"client|list"`), keyed by its
full lower-case name in DOCS; the data lives next to the commands, one module per command module
in docdata/ (registry.py joins them), and a name without an entry is a KeyError, never a blank. Redis keeps the same facts in src/commands/*.json; the values here are what
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


DOCS: dict[str, Doc] = {}
"""Full lower-case name -> Doc; filled once by registry.install() from docdata/."""


def doc_of(name: str) -> Doc:
    """The Doc of a command or subcommand (`"client|list"`); KeyError when it has none: every
    entry of the command table has one (tests/unit/test_command_docs_complete.py)."""
    return DOCS[name]
