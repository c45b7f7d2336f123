"""Inline requests (`SET k v` typed at a terminal): split a line as Redis's sdssplitargs does.

Spaces separate arguments; "double quotes" allow backslash escapes (\\n \\r \\t \\b \\a, \\xHH) and
'single quotes' allow \\' only; a closing quote must be followed by a space or the end. Unbalanced
quotes give None (the caller answers Redis's protocol error).
"""

from __future__ import annotations

_ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("a"): 7}


def split_inline(line: bytes) -> list[bytes] | None:
    """Split an inline request like Redis's sdssplitargs: spaces, "double" and 'single' quotes,
    backslash escapes and \\xHH in double quotes. None on unbalanced quotes."""
    if b'"' not in line and b"'" not in line:
        return line.split()
    args: list[bytes] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in b" \t\r\n\v\f":
            i += 1
        if i >= n:
            return args
        cur, i = _inline_token(line, i, n)
        if cur is None:
            return None
        args.append(cur)


def _inline_token(line: bytes, i: int, n: int) -> tuple[bytes | None, int]:
    out = bytearray()
    inq = insq = False
    while True:
        if i >= n:
            return (None, i) if inq or insq else (bytes(out), i)
        c = line[i]
        if inq:
            if c == 92 and i + 3 < n and line[i + 1] == 120 and _ishex(line[i + 2:i + 4]):
                out.append(int(line[i + 2:i + 4], 16))
                i += 3
            elif c == 92 and i + 1 < n:
                i += 1
                out.append(_ESCAPES.get(line[i], line[i]))
            elif c == 34:
                if i + 1 < n and line[i + 1] not in b" \t\r\n\v\f":
                    return None, i
                return bytes(out), i + 1
            else:
                out.append(c)
        elif insq:
            if c == 92 and i + 1 < n and line[i + 1] == 39:
                i += 1
                out.append(39)
            elif c == 39:
                if i + 1 < n and line[i + 1] not in b" \t\r\n\v\f":
                    return None, i
                return bytes(out), i + 1
            else:
                out.append(c)
        elif c in b" \t\r\n\v\f":
            return bytes(out), i
        elif c == 34:
            inq = True
        elif c == 39:
            insq = True
        else:
            out.append(c)
        i += 1


def _ishex(b: bytes) -> bool:
    return len(b) == 2 and all(x in b"0123456789abcdefABCDEF" for x in b)
