"""COMMAND and its subcommands (COUNT LIST INFO DOCS GETKEYS GETKEYSANDFLAGS), as Redis 7.0.

Every fact comes from the command table (table.py: name, arity, flags, key range) and the docs
data (docs.py: key specs, tips, ACL categories, arguments); subcommands are the entries of each
container's SubTable. Nothing here is kept per command by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.commands.args import (
    SUBTABLES,
    SubTable,
    help_reply,
    lower,
    text,
)
from resp_server.commands.docs import Doc, OrderedSet, acl_categories, display_flags, doc_of
from resp_server.commands.glob import matcher
from resp_server.commands.table import CommandSpec, arity_ok, spec
from resp_server.resp.replies import ERR_SYNTAX, RespError, Status

if TYPE_CHECKING:
    from resp_server.client import ClientState



# --- COMMAND ----------------------------------------------------------------------------------
# The data (flags order, ACL categories, tips, key specs, docs) is in docs.py; subcommands are the
# entries of each container's SubTable.


def _table() -> dict[bytes, CommandSpec]:
    from resp_server.commands.table import TABLE

    return TABLE


def _statuses(names: list[str]) -> OrderedSet:
    return OrderedSet(Status(n.encode()) for n in names)


def _info_entry(name: str, arity: int, flags: frozenset[str] | list[str],
                keys: tuple[int, int, int], doc: Doc, subs: object) -> list:
    return [name, arity, _statuses(display_flags(flags)), *keys,
            _statuses(acl_categories(flags, doc.acl)), OrderedSet(doc.tips.split()),
            OrderedSet(ks.reply() for ks in doc.key_specs), subs]


def _sub_info_entry(parent: str, sub: str, arity: int) -> list:
    full = f"{parent}|{sub}"
    doc = doc_of(full)
    return _info_entry(full, arity, doc.flags.split(), doc.keys, doc, OrderedSet())


def command_info_entry(sp: CommandSpec) -> list:
    """One COMMAND INFO entry: Redis 7's ten elements, subcommands included."""
    table = SUBTABLES.get(sp.name)
    subs: object = OrderedSet()
    if table is not None:
        subs = [_sub_info_entry(sp.name, k.decode(), arity)
                for k, (_, arity) in table.entries.items()]
    return _info_entry(sp.name, sp.arity, sp.flags, (sp.first_key, sp.last_key, sp.step),
                       doc_of(sp.name), subs)


def _resolve(raw: bytes) -> tuple[CommandSpec, str | None] | None:
    """A command name or "parent|sub" -> (its CommandSpec, the subcommand or None)."""
    name = lower(raw)
    parent, bar, sub = name.partition(b"|")
    sp = _table().get(parent)
    if sp is None or not bar:
        return None if sp is None else (sp, None)
    table = SUBTABLES.get(sp.name)
    if table is None or sub not in table.entries:
        return None
    return sp, sub.decode()


def _info_of(raw: bytes) -> list | None:
    found = _resolve(raw)
    if found is None:
        return None
    sp, sub = found
    if sub is None:
        return command_info_entry(sp)
    return _sub_info_entry(sp.name, sub, SUBTABLES[sp.name].entries[sub.encode()][1])


def command_all(c: ClientState, argv: list) -> object:
    return [command_info_entry(sp) for sp in _table().values()]


def command_count(c: ClientState, argv: list) -> object:
    return len(_table())


def command_info(c: ClientState, argv: list) -> object:
    if len(argv) == 2:
        return command_all(c, argv)
    return [_info_of(a) for a in argv[2:]]


def _sub_doc(parent: str, sub: str) -> dict:
    doc = doc_of(f"{parent}|{sub}")
    return doc.docs_reply(doc.summary, doc.since, doc.group)


def command_doc(sp: CommandSpec) -> dict:
    """The COMMAND DOCS map of a top-level command (its subcommands' docs included)."""
    out = doc_of(sp.name).docs_reply(sp.summary, sp.since, sp.group)
    table = SUBTABLES.get(sp.name)
    if table is not None:
        out["subcommands"] = {f"{sp.name}|{k.decode()}": _sub_doc(sp.name, k.decode())
                              for k in table.entries}
    return out


def command_docs(c: ClientState, argv: list) -> object:
    if len(argv) == 2:
        return {sp.name: command_doc(sp) for sp in _table().values()}
    out: dict[str, dict] = {}
    for raw in argv[2:]:
        found = _resolve(raw)
        if found is None:
            continue
        sp, sub = found
        if sub is None:
            out[sp.name] = command_doc(sp)
        else:
            out[f"{sp.name}|{sub}"] = _sub_doc(sp.name, sub)
    return out


def _all_names() -> list[tuple[str, list[str]]]:
    """(full name, ACL categories) of every command, each container followed by its subcommands."""
    out = []
    for sp in _table().values():
        out.append((sp.name, acl_categories(sp.flags, doc_of(sp.name).acl)))
        table = SUBTABLES.get(sp.name)
        for k in table.entries if table is not None else ():
            full = f"{sp.name}|{k.decode()}"
            doc = doc_of(full)
            out.append((full, acl_categories(doc.flags.split(), doc.acl)))
    return out


def command_list(c: ClientState, argv: list) -> object:
    """COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]."""
    entries = _all_names()
    if len(argv) == 2:
        return [n for n, _ in entries]
    if len(argv) != 5 or lower(argv[2]) != b"filterby":
        raise RespError(ERR_SYNTAX)
    kind, arg = lower(argv[3]), bytes(argv[4])
    if kind == b"module":
        return []
    if kind == b"aclcat":
        cat = "@" + text(lower(arg))
        return [n for n, cats in entries if cat in cats]
    if kind == b"pattern":
        match = matcher(arg, nocase=True)
        return [n for n, _ in entries if match(n.encode())]
    raise RespError(ERR_SYNTAX)


def _set_key_flags(args: list) -> str:
    """setGetKeys: SET's key is RW access update with GET, else OW update."""
    if any(lower(a) == b"get" for a in args[3:]):
        return "RW access update"
    return "OW update"


def command_keys(args: list) -> list[tuple[bytes, str]]:
    """getKeysFromCommandWithSpecs for `args` (a full command): [(key, key-spec flags)]."""
    sp = _table().get(lower(args[0]))
    if sp is None:
        raise RespError("ERR Invalid command specified")
    name, arity = sp.name, sp.arity
    table = SUBTABLES.get(sp.name)
    if table is not None and len(args) >= 2:
        entry = table.entries.get(lower(args[1]))
        if entry is None:
            raise RespError("ERR Invalid command specified")
        name, arity = f"{sp.name}|{lower(args[1]).decode()}", entry[1]
    doc = doc_of(name)
    if not doc.key_specs:
        raise RespError("ERR The command has no key arguments")
    argc = len(args)
    if not arity_ok(arity, argc):
        raise RespError("ERR Invalid number of arguments specified for command")
    native = _getkeys_proc(name, args)
    out = native or []
    for ks in doc.key_specs if native is None else ():
        flags = _set_key_flags(args) if "variable_flags" in ks.flags.split() else ks.flags
        out += [(args[i], flags) for i in ks.positions(argc, args)]
    if not out:
        raise RespError("ERR Invalid arguments specified for command")
    return out


def _getkeys_proc(name: str, args: list) -> list[tuple[bytes, str]] | None:
    """Redis's native getkeys functions, used where key specs are incomplete (MIGRATE's KEYS)
    or their flags variable (BITFIELD's): [(key, flags)], or None to use the key specs."""
    if name == "migrate":
        from resp_server.commands.migrate import migrate_keys
        return migrate_keys(args)
    if name == "bitfield":
        from resp_server.commands.bitfield import bitfield_keys
        return bitfield_keys(args)
    return None


def command_getkeys(c: ClientState, argv: list) -> object:
    return [k for k, _ in command_keys(argv[2:])]


def command_getkeysandflags(c: ClientState, argv: list) -> object:
    return [[k, _statuses(flags.split())] for k, flags in command_keys(argv[2:])]


_COMMAND_HELP = [
    "(no subcommand)", "    Return details about all Redis commands.",
    "COUNT", "    Return the total number of commands in this Redis server.",
    "LIST", "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>", "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
]

COMMAND = SubTable("command", {
    "count": (command_count, 2),
    "info": (command_info, -2),
    "docs": (command_docs, -2),
    "list": (command_list, -2),
    "getkeys": (command_getkeys, -4),
    "getkeysandflags": (command_getkeysandflags, -4),
    "help": (lambda c, argv: help_reply("command", _COMMAND_HELP), 2),
})


def command(c: ClientState, argv: list) -> object:
    return command_all(c, argv) if len(argv) == 1 else COMMAND(c, argv)


COMMANDS = [
    spec("command", command, -1, "loading stale container", group="server",
         summary="Get array of Redis command details", since="2.8.13"),
]
