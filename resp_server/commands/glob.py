"""Redis glob patterns (KEYS, SCAN MATCH, CONFIG GET) compiled to regular expressions.

Follows `stringmatchlen` in Redis's util.c, quirks included: `*` and `?`, backslash escapes,
`[...]` sets with `^` negation, ranges written either way round (`[z-a]`), `[a-]` taking `]` as
the range end, an unclosed `[` closing at the end of the pattern, and a trailing lone backslash
matching a backslash. Patterns are compiled once and cached.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SPECIAL = frozenset(b"*?[\\")


def is_literal(pattern: bytes) -> bool:
    """True when the pattern has no glob characters (it matches only itself)."""
    return not any(ch in _SPECIAL for ch in pattern)


def _byte(ch: int) -> bytes:
    return re.escape(bytes([ch]))


def _bracket(p: bytes, i: int) -> tuple[bytes, int]:
    """Translate the set starting after '[' at index i; returns (regex, index after the set)."""
    n = len(p)
    negate = i < n and p[i] == ord("^")
    if negate:
        i += 1
    parts: list[bytes] = []
    while i < n:
        ch = p[i]
        if ch == ord("\\") and n - i >= 2:
            parts.append(_byte(p[i + 1]))
            i += 2
        elif ch == ord("]"):
            i += 1
            break
        elif n - i >= 3 and p[i + 1] == ord("-"):
            lo, hi = sorted((ch, p[i + 2]))
            parts.append(_byte(lo) + b"-" + _byte(hi))
            i += 3
        else:
            parts.append(_byte(ch))
            i += 1
    if not parts:
        return (b"(?s:.)" if negate else b"(?!)"), i
    return b"[" + (b"^" if negate else b"") + b"".join(parts) + b"]", i


@lru_cache(maxsize=256)
def compile_glob(pattern: bytes, nocase: bool = False) -> re.Pattern[bytes]:
    """The regex matching exactly what Redis's stringmatchlen(pattern, ...) matches."""
    out: list[bytes] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == ord("*"):
            while i < n and pattern[i] == ord("*"):
                i += 1
            out.append(b".*")
            continue
        if ch == ord("?"):
            out.append(b".")
        elif ch == ord("["):
            rx, i = _bracket(pattern, i + 1)
            out.append(rx)
            continue
        elif ch == ord("\\") and n - i >= 2:
            i += 1
            out.append(_byte(pattern[i]))
        else:
            out.append(_byte(ch))
        i += 1
    flags = re.DOTALL | (re.IGNORECASE if nocase else 0)
    return re.compile(b"".join(out), flags)


def glob_match(pattern: bytes, subject: bytes, nocase: bool = False) -> bool:
    """stringmatchlen(pattern, subject, nocase) == 1."""
    if pattern == b"*":
        return True
    return compile_glob(bytes(pattern), nocase).fullmatch(subject) is not None
