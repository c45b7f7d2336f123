"""Redis glob patterns (KEYS, SCAN MATCH, CONFIG GET, COMMAND LIST FILTERBY PATTERN).

Matches exactly what Redis 7.0.15's `stringmatchlen` (util.c) matches, quirks included, without
its (or a regex engine's) backtracking, so hostile patterns like `*a*a*a*a...*b` cannot stall the
event loop (M10, CVE-2022-36021).

How Redis reads a pattern, token by token (the parse depends on the pattern only):

- `*` (runs of `*` count as one): any sequence, possibly empty;
- `?`: any one byte;
- `\\x`: the byte x; a lone `\\` at the end of the pattern is a literal backslash;
- `[...]`: one byte from a set. `^` first negates it. Inside, `\\x` is the byte x compared case-
  sensitively even with nocase (a `\\` that is the last pattern byte is a literal backslash);
  `a-z` is a range, written either way round (`[z-a]`), that needs 3 bytes left in the pattern
  and takes any third byte as its end, so `[a-]` is the range `a`..`]` and the set goes on; bytes
  compare as *signed* chars (x86-64 `char`), so `[a-\\xff]` is -1..97 (bytes 0x00-0x61 and 0xff);
  with nocase the range ends and the byte are lower-cased one by one (`[Z-a]` matches nothing).
  A set ends at the first `]` (`[]` matches nothing, `[^]` any byte) or at the end of the pattern;
- anything else: that byte (nocase: ASCII letters either case).

Whole-subject quirks: the empty subject matches only the empty pattern (`**` does not match the
empty key; KEYS and SCAN test for the pattern `*` before matching, so `glob_match(b"*", b"")` is
true here too), and a pattern needing more than 1000 nested `*` (non-trailing `*` runs; Redis's
stack guard `nesting > 1000`) matches nothing.

Matching: each set becomes its exact 256-byte membership (computed by running Redis's rule on
every byte, so every quirk above holds by construction). The pattern is then split at its `*` runs
into fixed-length segments; the first is anchored at the start, the last at the end, and each
middle one is found at its leftmost position after the previous one (for `*`-only wildcards the
leftmost placement is always the best one, so there is no backtracking at all). Segments of plain
bytes use `startswith`/`find`/`endswith`; others a star-free regex of byte classes, whose search
is O(len(subject) * len(segment)). Cost: O(len(subject) * len(pattern)) at worst, and `prefix*`
patterns (the KV-cache's `Qwen*`) are a single `startswith`. Compiled matchers are cached.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

Matcher = Callable[[bytes], bool]

MAX_NESTING = 1000
"""Redis returns no-match below this many nested `*` recursions (non-trailing `*` runs)."""

_SPECIAL = frozenset(b"*?[\\")
_STAR = None
_ALL = frozenset(range(256))


def is_literal(pattern: bytes) -> bool:
    """True when the pattern has no glob characters (it matches only itself)."""
    return not any(ch in _SPECIAL for ch in pattern)


def _signed(b: int) -> int:
    """A byte as a C `char` on x86-64 / ARM Linux Redis builds (signed)."""
    return b - 256 if b >= 128 else b


def _lower(v: int) -> int:
    """C tolower() in the "C" locale (negative chars are unchanged)."""
    return v + 32 if 65 <= v <= 90 else v


def _literal(ch: int, nocase: bool) -> frozenset[int]:
    if nocase and (65 <= ch <= 90 or 97 <= ch <= 122):
        return frozenset((ch | 32, ch & ~32))
    return frozenset((ch,))


def _parse_set(p: bytes, i: int, nocase: bool) -> tuple[frozenset[int], int]:
    """The set whose body starts at p[i] (just after '['); returns (bytes matched, next index)."""
    n = len(p)
    negate = i < n and p[i] == 0x5E  # '^'
    if negate:
        i += 1
    members: set[int] = set()
    while i < n:
        ch = p[i]
        if ch == 0x5C and n - i >= 2:  # '\\' escapes the next byte, case-sensitively
            members.add(p[i + 1])
            i += 2
        elif ch == 0x5D:  # ']'
            i += 1
            break
        elif n - i >= 3 and p[i + 1] == 0x2D:  # 'x-y'
            lo, hi = _signed(ch), _signed(p[i + 2])
            if lo > hi:
                lo, hi = hi, lo
            if nocase:
                lo, hi = _lower(lo), _lower(hi)
                members.update(b for b in range(256) if lo <= _lower(_signed(b)) <= hi)
            else:
                members.update(b for b in range(256) if lo <= _signed(b) <= hi)
            i += 3
        else:
            members |= _literal(ch, nocase)
            i += 1
    return (_ALL - members if negate else frozenset(members)), i


def tokens(pattern: bytes, nocase: bool = False) -> list[frozenset[int] | None]:
    """The pattern as Redis reads it: None for a `*` run, else the set of bytes one token matches."""
    out: list[frozenset[int] | None] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == 0x2A:  # '*'
            while i < n and pattern[i] == 0x2A:
                i += 1
            out.append(_STAR)
            continue
        if ch == 0x3F:  # '?'
            out.append(_ALL)
        elif ch == 0x5B:  # '['
            members, i = _parse_set(pattern, i + 1, nocase)
            out.append(members)
            continue
        elif ch == 0x5C and n - i >= 2:  # '\\'
            i += 1
            out.append(_literal(pattern[i], nocase))
        else:
            out.append(_literal(ch, nocase))
        i += 1
    return out


def _class(members: frozenset[int]) -> bytes:
    """A regex atom matching exactly one byte of `members` (not empty)."""
    if len(members) == 1:
        return rb"\x%02x" % next(iter(members))
    parts: list[bytes] = []
    run: list[int] = []
    for b in sorted(members):
        if run and b == run[-1] + 1:
            run.append(b)
            continue
        if run:
            parts.append(_range(run[0], run[-1]))
        run = [b]
    parts.append(_range(run[0], run[-1]))
    return b"[" + b"".join(parts) + b"]"


def _range(lo: int, hi: int) -> bytes:
    return rb"\x%02x" % lo if lo == hi else rb"\x%02x-\x%02x" % (lo, hi)


@dataclass(frozen=True, slots=True)
class _Segment:
    """A star-free run of tokens: plain bytes, or a regex of byte classes (fixed length)."""
    size: int
    literal: bytes | None
    regex: re.Pattern[bytes] | None

    @classmethod
    def of(cls, toks: list[frozenset[int]]) -> _Segment:
        if all(len(t) == 1 for t in toks):
            return cls(len(toks), bytes(next(iter(t)) for t in toks), None)
        return cls(len(toks), None, re.compile(b"".join(_class(t) for t in toks)))

    def at(self, s: bytes, pos: int) -> bool:
        if self.literal is not None:
            return s.startswith(self.literal, pos)
        return self.regex.match(s, pos) is not None  # type: ignore[union-attr]

    def find(self, s: bytes, pos: int, end: int) -> int:
        if self.literal is not None:
            return s.find(self.literal, pos, end)
        m = self.regex.search(s, pos, end)  # type: ignore[union-attr]
        return -1 if m is None else m.start()


def _never(s: bytes) -> bool:
    return False


def _build(pattern: bytes, nocase: bool) -> Matcher:
    toks = tokens(pattern, nocase)
    if not toks:
        return lambda s: not s
    if any(t is not None and not t for t in toks):  # a set matching no byte
        return _never
    if sum(1 for t in toks[:-1] if t is _STAR) > MAX_NESTING:
        return _never
    # Split at the stars: segs[0] is anchored at the start, segs[-1] at the end.
    segs: list[list[frozenset[int]]] = [[]]
    for t in toks:
        if t is _STAR:
            segs.append([])
        else:
            segs[-1].append(t)
    if len(segs) == 1:
        only = _Segment.of(segs[0])
        if only.literal is not None:
            lit = only.literal
            return lambda s: s == lit
        size = only.size
        return lambda s: len(s) == size and only.at(s, 0)
    head = _Segment.of(segs[0]) if segs[0] else None
    tail = _Segment.of(segs[-1]) if segs[-1] else None
    middle = [_Segment.of(sg) for sg in segs[1:-1] if sg]
    if not middle and tail is None:
        if head is None:  # only stars: any non-empty subject
            return bool
        if head.literal is not None:  # prefix* fast path
            prefix = head.literal
            return lambda s: s.startswith(prefix)
    return _Glob(head, tail, tuple(middle))


class _Glob:
    """head * middle[0] * ... * tail, matched leftmost-first without backtracking."""

    __slots__ = ("head", "tail", "middle", "min_len")

    def __init__(self, head: _Segment | None, tail: _Segment | None,
                 middle: tuple[_Segment, ...]) -> None:
        self.head, self.tail, self.middle = head, tail, middle
        self.min_len = sum(sg.size for sg in (head, tail, *middle) if sg is not None)

    def __call__(self, s: bytes) -> bool:
        n = len(s)
        if n < self.min_len or not n:
            return False
        pos, end = 0, n
        if self.head is not None:
            if not self.head.at(s, 0):
                return False
            pos = self.head.size
        if self.tail is not None:
            end = n - self.tail.size
            if not self.tail.at(s, end):
                return False
        for sg in self.middle:
            i = sg.find(s, pos, end)
            if i < 0:
                return False
            pos = i + sg.size
        return True


@lru_cache(maxsize=512)
def matcher(pattern: bytes, nocase: bool = False) -> Matcher:
    """A function subject -> stringmatchlen(pattern, subject, nocase) == 1 (see the module doc)."""
    return _build(pattern, nocase)


def glob_match(pattern: bytes, subject: bytes, nocase: bool = False) -> bool:
    """stringmatchlen(pattern, subject, nocase) == 1; the pattern `*` matches every subject."""
    if pattern == b"*":
        return True
    return matcher(bytes(pattern), nocase)(subject)
