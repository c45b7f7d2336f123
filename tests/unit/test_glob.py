"""Glob matcher (resp_server/commands/glob.py) against Redis 7.0.15's stringmatchlen.

Three checks: a table of cases whose answers were taken from a real redis-server 7.0.15 (KEYS and
CONFIG GET), a randomized comparison with `reference_match` - a step-by-step Python model of
Redis's recursive algorithm (skipLongerMatches, the nesting guard, signed chars) - and hostile
patterns that must return (the model counts its steps; ours has no backtracking at all).
"""

from __future__ import annotations

import random
import sys

import pytest

from resp_server.commands.glob import MAX_NESTING, glob_match, matcher, tokens


class _Model:
    """Redis 7.0.15 stringmatchlen_impl as a Python model; `steps` counts loop iterations."""

    def __init__(self, pattern: bytes, subject: bytes, nocase: bool) -> None:
        self.p, self.s, self.nocase = pattern, subject, nocase
        self.skip_longer = False
        self.steps = 0

    def pc(self, i: int) -> int:
        """pattern[i] as a signed C char; 0 past the end (the sds terminator)."""
        if i >= len(self.p):
            return 0
        b = self.p[i]
        return b - 256 if b >= 128 else b

    def sc(self, j: int) -> int:
        b = self.s[j]
        return b - 256 if b >= 128 else b

    @staticmethod
    def low(v: int) -> int:
        return v + 32 if 65 <= v <= 90 else v

    def run(self, pi: int, plen: int, si: int, slen: int, nesting: int) -> bool:
        if nesting > MAX_NESTING:
            return False
        while plen and slen:
            self.steps += 1
            c = self.pc(pi)
            if c == 0x2A:
                while plen and self.pc(pi + 1) == 0x2A:
                    pi, plen = pi + 1, plen - 1
                if plen == 1:
                    return True
                while slen:
                    self.steps += 1
                    if self.run(pi + 1, plen - 1, si, slen, nesting + 1):
                        return True
                    if self.skip_longer:
                        return False
                    si, slen = si + 1, slen - 1
                self.skip_longer = True
                return False
            if c == 0x3F:
                si, slen = si + 1, slen - 1
            elif c == 0x5B:
                pi, plen = pi + 1, plen - 1
                negate = self.pc(pi) == 0x5E
                if negate:
                    pi, plen = pi + 1, plen - 1
                match = False
                while True:
                    if self.pc(pi) == 0x5C and plen >= 2:
                        pi, plen = pi + 1, plen - 1
                        match |= self.pc(pi) == self.sc(si)
                    elif self.pc(pi) == 0x5D:
                        break
                    elif plen == 0:
                        pi, plen = pi - 1, plen + 1
                        break
                    elif plen >= 3 and self.pc(pi + 1) == 0x2D:
                        lo, hi, ch = self.pc(pi), self.pc(pi + 2), self.sc(si)
                        if lo > hi:
                            lo, hi = hi, lo
                        if self.nocase:
                            lo, hi, ch = self.low(lo), self.low(hi), self.low(ch)
                        pi, plen = pi + 2, plen - 2
                        match |= lo <= ch <= hi
                    elif self.nocase:
                        match |= self.low(self.pc(pi)) == self.low(self.sc(si))
                    else:
                        match |= self.pc(pi) == self.sc(si)
                    pi, plen = pi + 1, plen - 1
                if negate:
                    match = not match
                if not match:
                    return False
                si, slen = si + 1, slen - 1
            else:
                if c == 0x5C and plen >= 2:
                    pi, plen = pi + 1, plen - 1
                a, b = self.pc(pi), self.sc(si)
                if (self.low(a) != self.low(b)) if self.nocase else (a != b):
                    return False
                si, slen = si + 1, slen - 1
            pi, plen = pi + 1, plen - 1
            if slen == 0:
                while self.pc(pi) == 0x2A:
                    pi, plen = pi + 1, plen - 1
                break
        return plen == 0 and slen == 0


def reference_match(pattern: bytes, subject: bytes, nocase: bool = False) -> tuple[bool, int]:
    """(stringmatchlen(pattern, subject, nocase) == 1, steps taken) per the model above."""
    m = _Model(pattern, subject, nocase)
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(old + 2 * MAX_NESTING)  # one frame per nested '*', like Redis's stack
    try:
        return m.run(0, len(pattern), 0, len(subject), 0), m.steps
    finally:
        sys.setrecursionlimit(old)


# (pattern, subject, nocase, match): each row checked on redis-server 7.0.15 with KEYS/CONFIG GET.
REDIS_CASES = [
    (b"*", b"anything", False, True),
    (b"*", b"", False, True),                  # KEYS * / SCAN MATCH * include the empty key
    (b"**", b"", False, False),                # ... but stringmatchlen("**", "") is 0
    (b"?*", b"", False, False),
    (b"", b"", False, True),
    (b"", b"a", False, False),
    (b"h?llo", b"hello", False, True),
    (b"h?llo", b"hllo", False, False),
    (b"h*llo", b"heeeello", False, True),
    (b"h[ae]llo", b"hallo", False, True),
    (b"h[ae]llo", b"hillo", False, False),
    (b"h[^e]llo", b"hallo", False, True),
    (b"h[^e]llo", b"hello", False, False),
    (b"h[b-a]llo", b"hbllo", False, True),     # reversed range
    (b"[z-a]", b"x", False, True),
    (b"[z-a]", b"Z", False, False),
    (b"h\\*", b"h*", False, True),
    (b"h\\*", b"hx", False, False),
    (b"\\", b"\\", False, True),               # a trailing backslash is literal
    (b"a\\", b"a\\", False, True),
    (b"[", b"[", False, False),                # '[' alone matches nothing
    (b"[", b"a", False, False),
    (b"[^", b"x", False, True),                # '[^' alone: any byte
    (b"[^", b"", False, False),
    (b"[\\", b"\\", False, True),              # backslash last inside a set: literal
    (b"[^\\", b"\\", False, False),
    (b"[^\\", b"a", False, True),
    (b"[ab", b"b", False, True),               # unclosed set closes at the end of the pattern
    (b"[^a", b"a", False, False),
    (b"[^a", b"z", False, True),
    (b"[a-]", b"]", False, True),              # ']' ends the range ']'..'a'
    (b"[a-]", b"_", False, True),
    (b"[a-]", b"b", False, False),
    (b"[a-]x", b"x", False, True),             # ... and the set goes on: {']'..'a', 'x'}
    (b"[a-]x", b"ax", False, False),
    (b"[a-\\]", b"\\", False, True),           # no escape at a range end
    (b"[-a]", b"-", False, True),
    (b"[]", b"a", False, False),
    (b"[]]", b"]", False, False),
    (b"[^]", b"q", False, True),
    (b"[\\]]", b"]", False, True),
    (b"[a-\xff]", b"\x00", False, True),       # signed chars: 'a'..-1 is -1..97
    (b"[a-\xff]", b"\xff", False, True),
    (b"[a-\xff]", b"b", False, False),
    (b"[a-\xff]", b"\xe0", False, False),
    (b"[\xe0-z]", b"\xe0", False, True),
    (b"[\xe0-z]", b"z", False, True),
    (b"[\xe0-z]", b"\xdf", False, False),
    (b"a*b*", b"ab", False, True),
    (b"*[", b"x[", False, False),
    (b"a[", b"a[", False, False),
    (b"*.*", b"x.y", False, True),
    (b"a*b*c", b"abxbc", False, True),
    (b"\x00*", b"\x00\n", False, True),
    (b"?", b"\n", False, True),
    (b"MAXMEM*", b"maxmemory", True, True),
    (b"MAXMEM*", b"maxmemory", False, False),
    (b"[M-M]axmemory", b"maxmemory", True, True),
    (b"[Z-a]*", b"maxmemory", True, False),    # nocase lowers the ends: 'z'..'a' is empty
    (b"*[A-B]ppendonly", b"appendonly", True, True),
    (b"[\\M]axmemory", b"maxmemory", True, False),  # escaped set bytes are case-sensitive
    (b"*a" * 1000, b"a" * 1000, False, True),  # nesting guard: 1000 nested '*' still match
    (b"*a" * 1001, b"a" * 1001, False, False),  # ... 1001 do not
    (b"*a" * 1001 + b"*", b"a" * 1001, False, False),
    (b"?" * 1001, b"a" * 1001, False, True),
]


@pytest.mark.parametrize(("pattern", "subject", "nocase", "match"), REDIS_CASES,
                         ids=lambda v: repr(v)[:24])
def test_matches_redis(pattern: bytes, subject: bytes, nocase: bool, match: bool) -> None:
    assert glob_match(pattern, subject, nocase) is match
    if pattern != b"*":  # KEYS/SCAN special-case '*' before calling stringmatchlen
        assert reference_match(pattern, subject, nocase)[0] is match


ALPHABET = b"ab*?[]^-\\A\xe0"


@pytest.mark.parametrize("nocase", [False, True])
def test_random_patterns_agree_with_model(nocase: bool) -> None:
    rng = random.Random(7015 + nocase)
    subjects = [bytes(rng.choice(b"abA-]^\\[\xe0z") for _ in range(rng.randrange(0, 7)))
                for _ in range(60)]
    for _ in range(1500):
        pattern = bytes(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 9)))
        if pattern == b"*":
            continue
        m = matcher(pattern, nocase)
        for s in subjects:
            assert m(s) is reference_match(pattern, s, nocase)[0], (pattern, s, nocase)


def test_tokens() -> None:
    """The parse: star runs fold, sets become byte sets, escapes are literal."""
    t = tokens(b"a**\\*[b-c]?")
    assert t[0] == {ord("a")} and t[1] is None and t[2] == {ord("*")}
    assert t[3] == {ord("b"), ord("c")} and len(t[4]) == 256 and len(t) == 5
    assert tokens(b"[a-]*") == [frozenset(range(ord("]"), ord("a") + 1)) | {ord("*")}]


PATHOLOGICAL = [
    (b"*a" * 12 + b"*b", b"a" * 60),
    (b"*a" * 30 + b"*b", b"a" * 60),
    (b"*a*" * 5 + b"?" * 20 + b"b", b"a" * 60),
    (b"*a" * 200 + b"*b", b"a" * 5000),
    (b"*?" * 500 + b"*b", b"a" * 5000),
    (b"*[a-b]" * 100 + b"*c", b"ab" * 2000),
]


@pytest.mark.parametrize(("pattern", "subject"), PATHOLOGICAL, ids=lambda v: repr(v)[:20])
def test_pathological_patterns_return(pattern: bytes, subject: bytes) -> None:
    """Exponential for a backtracking matcher (the old regex one never returned); ours just
    returns. Redis's skipLongerMatches keeps its own work linear in the subject here too."""
    assert glob_match(pattern, subject) is False
    assert glob_match(pattern[:-1] + b"*", subject) is True
    if len(subject) <= 60:
        found, steps = reference_match(pattern, subject)
        assert found is False and steps < 10 * len(pattern) * len(subject)


def test_prefix_fast_path() -> None:
    m = matcher(b"Qwen*")
    assert m(b"Qwen2.5@chunk:0") and m(b"Qwen") and not m(b"qwen") and not m(b"")
    assert matcher(b"Qwen*") is m  # cached
