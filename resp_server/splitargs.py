"""Redis's sdssplitargs and sdscatrepr: split a config line into words, quote a word back.

`split_args` follows Redis exactly: words separated by blanks; "double quotes" take the escapes
\\n \\r \\t \\b \\a \\\\ \\" and \\xHH; 'single quotes' take only \\'; a closing quote must be followed
by a blank or the end of the line. None means unbalanced quotes. `quote(w)` is sdscatrepr: a
double-quoted word that split_args reads back as w.
"""

from __future__ import annotations

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "a": "\a"}
_HEX = "0123456789abcdefABCDEF"
_BLANKS = " \n\r\t\f\v\0"


def split_args(line: str) -> list[str] | None:
    words: list[str] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in _BLANKS:
            i += 1
        if i >= n:
            return words
        word, i = _word(line, i)
        if word is None:
            return None
        words.append(word)


def _word(line: str, i: int) -> tuple[str | None, int]:
    """One word starting at line[i] -> (word, index after it) or (None, i) if unbalanced.
    `\\xHH` is a byte, as in Redis: the word is built as UTF-8 and decoded at the end."""
    out = _Word()
    n = len(line)
    quote_ch = ""
    while i < n:
        ch = line[i]
        if quote_ch == '"':
            if ch == "\\" and i + 3 < n and line[i + 1] == "x" and line[i + 2] in _HEX \
                    and line[i + 3] in _HEX:
                out.byte(int(line[i + 2:i + 4], 16))
                i += 4
                continue
            if ch == "\\" and i + 1 < n:
                out.append(_ESCAPES.get(line[i + 1], line[i + 1]))
                i += 2
                continue
            if ch == '"':
                return (None, i) if i + 1 < n and line[i + 1] not in _BLANKS else (out.text(), i + 1)
        elif quote_ch == "'":
            if ch == "\\" and i + 1 < n and line[i + 1] == "'":
                out.append("'")
                i += 2
                continue
            if ch == "'":
                return (None, i) if i + 1 < n and line[i + 1] not in _BLANKS else (out.text(), i + 1)
        elif ch in _BLANKS:
            return out.text(), i
        elif ch in "\"'" and out.empty():
            quote_ch = ch
            i += 1
            continue
        out.append(ch)
        i += 1
    return (None, i) if quote_ch else (out.text(), i)


class _Word:
    __slots__ = ("buf",)

    def __init__(self) -> None:
        self.buf = bytearray()

    def append(self, ch: str) -> None:
        self.buf += ch.encode("utf-8", "surrogateescape")

    def byte(self, b: int) -> None:
        self.buf.append(b)

    def empty(self) -> bool:
        return not self.buf

    def text(self) -> str:
        return self.buf.decode("utf-8", "surrogateescape")


_REPR = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\a": "\\a", "\b": "\\b"}


def quote(word: str) -> str:
    out = []
    for ch in word:
        if ch in _REPR:
            out.append(_REPR[ch])
        elif ch.isprintable() and ord(ch) < 128:
            out.append(ch)
        else:
            out.extend(f"\\x{b:02x}" for b in ch.encode("utf-8", "surrogateescape"))
    return '"' + "".join(out) + '"'
