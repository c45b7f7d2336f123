"""Redis's string2ll, the one string-to-integer rule of the server (util.c).

An optional '-', then digits with no leading zero (or the single digit 0); no '+', spaces,
underscores or "-0"; the value within a signed 64-bit integer. The parser reads lengths with it,
commands their integer arguments, the RDB payload reader its encoded integers.
"""

from __future__ import annotations

import re

LLONG_MAX = (1 << 63) - 1
LLONG_MIN = -(1 << 63)
_LL_RE = re.compile(rb"-?[1-9][0-9]{0,19}|0")


def parse_ll(arg: bytes | bytearray | memoryview) -> int | None:
    """The integer `arg` spells, or None when Redis's string2ll would reject it."""
    if len(arg) > 20 or not _LL_RE.fullmatch(arg):
        return None
    v = int(arg)
    return v if LLONG_MIN <= v <= LLONG_MAX else None
