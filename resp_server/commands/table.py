"""The command table: one declarative entry per command (name, handler, arity, flags, key spec).

Every handler has the same signature `handler(client: ClientState, argv: list) -> reply` where
argv[0] is the command name as sent and the reply is a value described in resp/replies.py (or a
raised RespError). Arity follows Redis: N means exactly N arguments including the name, -N means
at least N. Flags (Redis's names): write, readonly, denyoom, fast, admin, noscript, loading,
stale, noauth (allowed before AUTH), nomulti (refused inside MULTI: SAVE, SHUTDOWN), and two of
ours: bigvalue (the handler accepts store Reservations as value arguments - see below) and
container (CLIENT, CONFIG...: the dispatcher checks the subcommand and its arity, as Redis does
before AUTH and MULTI queueing, and keeps commandstats per `parent|sub`).

Big arguments: a bulk argument of 32 KiB or more is received straight into memory reserved for it.
For commands flagged `bigvalue` (SET and friends, MSET...) the handler receives the Reservation
object in argv and passes it to Keyspace.store() (adopted, no copy). For other commands the
dispatcher turns it into bytes before the call. Reservations left unused are released by the
dispatcher after the call.

Each command module exports COMMANDS: list[CommandSpec]; registry.py joins them into TABLE,
which lives here so that handlers reading the table (COMMAND, INFO commandstats, LATENCY) need
not import the modules that fill it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Handler = Callable[..., object]
TABLE: dict[bytes, CommandSpec] = {}
"""name (lower-case bytes) -> spec; filled once by registry.install() (dispatch.py imports it)."""


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str                    # lower case, as in COMMAND INFO
    handler: Handler
    arity: int                   # N exact, -N at least N (including the name)
    flags: frozenset[str]
    first_key: int = 0           # key positions for COMMAND INFO / GETKEYS
    last_key: int = 0
    step: int = 0
    group: str = "generic"       # COMMAND DOCS group
    summary: str = ""            # COMMAND DOCS summary
    since: str = "1.0.0"
    denyoom: bool = False        # derived from flags: refuse when over maxmemory and nothing evictable
    bigvalue: bool = False       # derived from flags: handler adopts Reservations
    container: bool = False      # derived from flags: subcommands in a SubTable (args.SUBTABLES)
    bname: bytes = b""           # name as bytes (client.last_cmd)

    def __post_init__(self) -> None:
        object.__setattr__(self, "denyoom", "denyoom" in self.flags)
        object.__setattr__(self, "bigvalue", "bigvalue" in self.flags)
        object.__setattr__(self, "container", "container" in self.flags)
        object.__setattr__(self, "bname", self.name.encode())

    def arity_ok(self, argc: int) -> bool:
        return arity_ok(self.arity, argc)


def arity_ok(arity: int, argc: int) -> bool:
    """Redis's arity rule, the one copy: N means exactly N arguments, -N at least N."""
    return argc == arity if arity >= 0 else argc >= -arity


def spec(name: str, handler: Handler, arity: int, flags: str = "", keys: tuple[int, int, int] = (0, 0, 0),
         group: str = "generic", summary: str = "", since: str = "1.0.0") -> CommandSpec:
    """Shorthand used by the command modules' COMMANDS lists."""
    return CommandSpec(name, handler, arity, frozenset(flags.split()), *keys, group=group,
                       summary=summary, since=since)
