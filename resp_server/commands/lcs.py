"""LCS (t_string.c): the longest common subsequence of two string values, with Redis's replies.

Redis fills an (alen+1) x (blen+1) table of LCS lengths and walks it back from the end,
preferring to drop a character of A when LCS(i-1, j) > LCS(i, j-1), else one of B; the string,
LEN and the IDX ranges all come from that walk. Here each table row i is one integer bit vector
over B's positions (Hyyro's bit-parallel LCS): bit j-1 of row i is 0 exactly when
LCS(i, j) = LCS(i, j-1) + 1, so LCS(i, j) = j - popcount(row_i & (2^j - 1)). The rows take
alen * blen / 8 bytes and are computed with big-integer arithmetic; the walk reads the same
lengths Redis reads (one step per character, as Redis), so every reply (ties included) is the one
Redis gives. Redis's limit on the
table's size ((alen+1)(blen+1) * 4 bytes <= proto-max-bulk-len) is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.commands.args import arg_bytes, get_ll
from resp_server.commands.db import read, value_bytes
from resp_server.commands.table import spec
from resp_server.resp.replies import ERR_SYNTAX, RespError

if TYPE_CHECKING:
    from resp_server.client import ClientState

UINT32_MAX = (1 << 32) - 1


def lcs_rows(a: bytes, b: bytes) -> list[int]:
    """Row bit vectors for i = 0..len(a) (see the module docstring)."""
    blen = len(b)
    full = (1 << blen) - 1
    match: dict[int, int] = {}
    for j, ch in enumerate(b):
        match[ch] = match.get(ch, 0) | (1 << j)
    v = full
    rows = [v]
    for ch in a:
        u = v & match.get(ch, 0)
        v = ((v + u) | (v - u)) & full
        rows.append(v)
    return rows


def lcs_len(rows: list[int], i: int, j: int) -> int:
    """LCS(a[:i], b[:j])."""
    return j - (rows[i] & ((1 << j) - 1)).bit_count()


def lcs_walk(a: bytes, b: bytes, rows: list[int]) -> tuple[bytes, list[tuple[int, int, int, int]]]:
    """Redis's walk back: the LCS string and the matched ranges (a_start, a_end, b_start, b_end)
    in the order Redis emits them (from the end of the strings).

    The walk keeps L = LCS(i, j) and U = LCS(i-1, j) and steps them with single bits of the two
    rows it is between (LCS(k, j) - LCS(k, j-1) = 1 - bit j-1 of row k), so each step is O(1);
    only moving to another row (at most len(a) times) recomputes U from a whole row."""
    i, j = len(a), len(b)
    out = bytearray()
    ranges: list[tuple[int, int, int, int]] = []
    if not i or not j:
        return b"", ranges
    width = (j + 7) // 8

    def bits(k: int) -> bytes:
        return rows[k].to_bytes(width, "little")

    def step(row: bytes, jj: int) -> int:          # LCS(k, jj+1) - LCS(k, jj)
        return 1 - ((row[jj >> 3] >> (jj & 7)) & 1)

    cur, up = bits(i), bits(i - 1)
    length, above = lcs_len(rows, i, j), lcs_len(rows, i - 1, j)
    open_range: list[int] | None = None          # [a_start, a_end, b_start, b_end]
    while i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            out.append(a[i - 1])
            if open_range is None:
                open_range = [i - 1, i - 1, j - 1, j - 1]
            elif open_range[0] == i and open_range[2] == j:
                open_range[0] -= 1
                open_range[2] -= 1
            else:
                emit = True
            if open_range[0] == 0 or open_range[2] == 0:
                emit = True
            length = above - step(up, j - 1)
            i, j = i - 1, j - 1
            if i:
                cur, up, above = up, bits(i - 1), lcs_len(rows, i - 1, j)
        else:
            left = length - step(cur, j - 1)     # LCS(i, j-1)
            if above > left:
                i, length = i - 1, above
                if i:
                    cur, up, above = up, bits(i - 1), lcs_len(rows, i - 1, j)
            else:
                j, length = j - 1, left
                above -= step(up, j)
            emit = open_range is not None
        if emit and open_range is not None:
            ranges.append((open_range[0], open_range[1], open_range[2], open_range[3]))
            open_range = None
    out.reverse()
    return bytes(out), ranges


def _options(argv: list) -> tuple[bool, bool, bool, int]:
    """(IDX, LEN, WITHMATCHLEN, MINMATCHLEN) parsed as lcsCommand does."""
    idx = want_len = with_len = False
    min_len = 0
    j = 3
    while j < len(argv):
        opt = arg_bytes(argv[j]).lower()
        if opt == b"idx":
            idx = True
        elif opt == b"len":
            want_len = True
        elif opt == b"withmatchlen":
            with_len = True
        elif opt == b"minmatchlen" and j + 1 < len(argv):
            min_len = max(0, get_ll(argv[j + 1]))
            j += 1
        else:
            raise RespError(ERR_SYNTAX)
        j += 1
    if idx and want_len:
        raise RespError("ERR If you want both the length and indexes, please just use IDX.")
    return idx, want_len, with_len, min_len


def lcs(c: ClientState, argv: list) -> object:
    """LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]."""
    items = read(c, argv[1]), read(c, argv[2])
    a, b = (value_bytes(it) if it is not None else b"" for it in items)
    idx, want_len, with_len, min_len = _options(argv)
    if len(a) >= UINT32_MAX - 1 or len(b) >= UINT32_MAX - 1:
        raise RespError("ERR String too long for LCS")
    if (len(a) + 1) * (len(b) + 1) * 4 > c.server.proto_max_bulk_len:
        raise RespError("ERR Insufficient memory, transient memory for LCS exceeds "
                        "proto-max-bulk-len")
    rows = lcs_rows(a, b)
    total = lcs_len(rows, len(a), len(b))
    if want_len:
        return total
    text, ranges = lcs_walk(a, b, rows)
    if not idx:
        return text
    matches = []
    for a0, a1, b0, b1 in ranges:
        size = a1 - a0 + 1
        if min_len == 0 or size >= min_len:
            entry: list[object] = [[a0, a1], [b0, b1]]
            if with_len:
                entry.append(size)
            matches.append(entry)
    return {"matches": matches, "len": total}


COMMANDS = [
    spec("lcs", lcs, -3, "readonly", (1, 2, 1), "string", "Find longest common substring",
         "7.0.0"),
]
