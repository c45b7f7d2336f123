"""Config lines as Redis reads them: split into words (sdssplitargs), a word quoted back (sdscatrepr).

`split_args` is the inline-request splitter (resp/inline.py) applied to a config line's UTF-8
bytes: blanks separate words, "double quotes" take \\n \\r \\t \\b \\a and \\xHH (a byte),
'single quotes' only \\'; None means unbalanced quotes. `quote(w)` is sdscatrepr: a
double-quoted word that split_args reads back as w.
"""

from __future__ import annotations

from resp_server.resp.inline import split_inline


def split_args(line: str) -> list[str] | None:
    """A config line's words (resp/inline.py's sdssplitargs on its UTF-8 bytes); None when its
    quotes are unbalanced."""
    words = split_inline(line.encode("utf-8", "surrogateescape"))
    return None if words is None else [w.decode("utf-8", "surrogateescape") for w in words]


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
