"""Kinds of configuration values: how redis.conf, the command line and CONFIG SET parse a value.

A `Param` is one CONFIG parameter: its name, CONFIG GET's getter, its Kind and CONFIG SET's
setter (commands/config_cmd.py holds the table). One `Kind` per value shape (integer in a range, memory size, yes/no, enum, percentage-or-bytes,
keyspace-event flags). `parse(text)` returns the value or raises ValueError carrying Redis 7.0's
wording for that shape, so the start-up error and CONFIG SET's error read the same as Redis's.
`show(value)` is the canonical text CONFIG GET and CONFIG REWRITE print.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from resp_server.config import parse_size

INT_MAX = (1 << 31) - 1
LLONG_MAX = (1 << 63) - 1
KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30


class Kind:
    """A free-form string (requirepass, logfile, ...)."""

    quoted = True                     # CONFIG REWRITE writes it in double quotes (Redis's repr)

    def parse(self, raw: str) -> object:
        return raw

    def show(self, value: object) -> str:
        return str(value)


@dataclass(frozen=True)
class IntKind(Kind):
    lo: int
    hi: int
    quoted = False

    def parse(self, raw: str) -> int:
        try:
            v = int(raw, 10)
        except ValueError:
            raise ValueError("argument couldn't be parsed into an integer") from None
        if not self.lo <= v <= self.hi:
            raise ValueError(f"argument must be between {self.lo} and {self.hi} inclusive")
        return v


@dataclass(frozen=True)
class MemKind(Kind):
    lo: int = 0
    hi: int = LLONG_MAX
    quoted = False

    def parse(self, raw: str) -> int:
        try:
            v = parse_size(raw.strip().lower())
        except ValueError:
            raise ValueError("argument must be a memory value") from None
        if not self.lo <= v <= self.hi:
            raise ValueError(f"argument must be between {self.lo} and {self.hi} inclusive")
        return v

    def show(self, value: object) -> str:
        return str(value)


def mem_rewrite_text(n: int) -> str:
    """Redis's rewriteConfigBytesOption: the largest of gb/mb/kb dividing n, else bytes."""
    for unit, size in (("gb", GIB), ("mb", MIB), ("kb", KIB)):
        if n and n % size == 0:
            return f"{n // size}{unit}"
    return str(n)


@dataclass(frozen=True)
class EnumKind(Kind):
    values: tuple[str, ...]
    quoted = False

    def parse(self, raw: str) -> str:
        v = raw.lower()
        if v not in self.values:
            raise ValueError("argument(s) must be one of the following: " + ", ".join(self.values))
        return v


class BoolKind(Kind):
    quoted = False

    def parse(self, raw: str) -> bool:
        v = raw.lower()
        if v not in ("yes", "no"):
            raise ValueError("argument must be 'yes' or 'no'")
        return v == "yes"

    def show(self, value: object) -> str:
        return "yes" if value else "no"


class PercentMemKind(Kind):
    """maxmemory-clients: bytes, or `N%` of maxmemory (Redis keeps a percentage as -N)."""

    quoted = False

    def parse(self, raw: str) -> str:
        if raw.endswith("%"):
            digits = raw[:-1]
            if not digits.isdigit():
                raise ValueError("argument must be a memory or percent value")
            if int(digits) > 100:
                raise ValueError("percentage argument must be less or equal to 100")
            return f"{int(digits)}%" if int(digits) else "0"
        try:
            return str(parse_size(raw.strip().lower()))
        except ValueError:
            raise ValueError("argument must be a memory or percent value") from None


# notify-keyspace-events (Redis's notify.c): flag letter -> bit, in keyspaceEventsFlagsToString order
_EVENT_BITS = {"g": 1 << 2, "$": 1 << 3, "l": 1 << 4, "s": 1 << 5, "h": 1 << 6, "z": 1 << 7,
               "x": 1 << 8, "e": 1 << 9, "t": 1 << 10, "d": 1 << 12, "n": 1 << 14}
_KEY_BITS = {"K": 1 << 0, "E": 1 << 1, "m": 1 << 11}
_ALL = sum(v for k, v in _EVENT_BITS.items() if k != "n")      # 'A': every class but 'n'
ERR_EVENTS = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."


class EventsKind(Kind):
    """notify-keyspace-events: parsed to Redis's bit set and shown in its canonical form."""

    def parse(self, raw: str) -> str:
        flags = 0
        for ch in raw:
            bit = _ALL if ch == "A" else _EVENT_BITS.get(ch) or _KEY_BITS.get(ch)
            if bit is None:
                raise ValueError(ERR_EVENTS)
            flags |= bit
        return events_text(flags)


def events_text(flags: int) -> str:
    """keyspaceEventsFlagsToString: 'A' when every class is on, else the letters; then K, E, m."""
    if flags & _ALL == _ALL:
        out = "A"                                 # Redis then omits 'n' (a quirk, kept)
    else:
        out = "".join(ch for ch, bit in _EVENT_BITS.items() if flags & bit)
    return out + "".join(ch for ch, bit in _KEY_BITS.items() if flags & bit)


Getter = Callable[[Any], str]             # ServerState -> CONFIG GET's text
Setter = Callable[[Any, object], None]    # (ServerState, parsed value) -> None; may raise ValueError


@dataclass(frozen=True)
class Param:
    """A runtime parameter: `apply` is None for immutable ones."""

    name: str
    get: Getter
    kind: Kind = Kind()
    apply: Setter | None = None          # None: immutable
    same_ok: bool = False                # immutable here, but setting its current value is OK
                                         # (Redis can change it at runtime; we cannot)
