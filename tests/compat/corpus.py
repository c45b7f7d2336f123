"""The differential corpus: command sequences in tests/compat/corpus/*.txt, parsed into cases.

File format (one file per topic; a case id is `<file stem>/<case name>`):

    # comment
    === case-name                     starts a case; every case runs on a freshly FLUSHALLed server
    @modes raw2,raw3                  optional: restrict the case to some runner modes
    SET k "hello world"               a command, split like a POSIX shell (quotes, backslashes)
    SET big <ab*40000>                an argument `<text*N>` is `text` repeated N times (big values)
    !approx=1 TTL k                   a comparison modifier before the command (see MODIFIERS)
    @conn b                           following commands go through connection "b" (default "a")
    @sleep 0.12                       sleep (once: both servers run in lockstep)
    @raw 1 b"PING\\r\\n"              literal bytes (a Python bytes literal, + and * N allowed),
                                      then read N replies (`@raw 1 !sorted b"..."`: a modifier)
    @scan MATCH k* COUNT 2            full SCAN iteration; the SETS of keys returned are compared

Modifiers (default is byte-exact):
    !shape       same RESP types, aggregate lengths and map keys; contents may differ
    !approx=N    integers may differ by up to N (TTLs); everything else exact
    !sorted      array/set elements compared as multisets (KEYS order is unspecified)
    !pairs       a flat name/value array (RESP2) or map (RESP3) compared as an unordered map
    !unknown     ours must answer Redis's unknown-command error (a data type we do not support;
                 real Redis implements it, so its reply is not compared: the intended difference)
    !ourserror   sent to ours only, which must answer some error (features out of our scope that
                 would change the oracle's state: SAVE, REPLICAOF, SUBSCRIBE...)
    !ignore      sent to both, reply not compared (set-up whose reply legitimately differs)
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

CORPUS_DIR = Path(__file__).with_name("corpus")
ALL_MODES = ("raw2", "raw3", "py2", "py3")
RAW_MODES = ("raw2", "raw3")
MODIFIERS = ("shape", "approx", "sorted", "pairs", "unknown", "ourserror", "ignore")


def _show(arg: bytes) -> str:
    if len(arg) > 64 and arg == arg[:1] * len(arg):
        return f"<{arg[:1].decode('latin-1')}*{len(arg)}>"
    if len(arg) > 200:
        return shlex.quote(arg[:60].decode("utf-8", "backslashreplace")) + f"...({len(arg)} bytes)"
    return shlex.quote(arg.decode("utf-8", "backslashreplace"))


@dataclass(frozen=True)
class Cmd:
    """One command sent on one connection; `check` says how the two replies are compared."""

    conn: str
    args: tuple[bytes, ...]
    check: str = "exact"
    tol: int = 0
    line: int = 0

    def text(self) -> str:
        return " ".join(_show(a) for a in self.args)


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Raw:
    """Literal bytes written to the socket, followed by `replies` reads (raw modes only)."""

    conn: str
    data: bytes
    replies: int
    check: str = "exact"
    line: int = 0

    def text(self) -> str:
        return f"<raw {self.data!r}>"


@dataclass(frozen=True)
class Scan:
    """A full SCAN iteration (cursor 0 until 0) with extra arguments; key sets compared."""

    conn: str
    args: tuple[bytes, ...]
    line: int = 0

    def text(self) -> str:
        return "SCAN <full iteration> " + " ".join(a.decode() for a in self.args)


Step = Cmd | Sleep | Raw | Scan


@dataclass
class Case:
    id: str
    source: str
    steps: list[Step] = field(default_factory=list)
    modes: tuple[str, ...] = ALL_MODES

    def commands(self) -> int:
        return sum(isinstance(s, Cmd | Raw | Scan) for s in self.steps)

    def listing(self, upto: int | None = None) -> str:
        """The sequence as text, one step per line (for reports)."""
        out = []
        conn = "a"
        for s in self.steps[: None if upto is None else upto + 1]:
            if isinstance(s, Sleep):
                out.append(f"@sleep {s.seconds}")
                continue
            if s.conn != conn:
                out.append(f"@conn {s.conn}")
                conn = s.conn
            out.append(s.text())
        return "\n".join(out)


_REPEAT = re.compile(r"^<(.+)\*(\d+)>$", re.S)


def _arg(token: str) -> bytes:
    m = _REPEAT.match(token)
    if m:
        return m.group(1).encode() * int(m.group(2))
    return token.encode("utf-8", "surrogateescape")


def _bytes_expr(text: str) -> bytes:
    """A bytes literal, or literals joined with + and repeated with * N (nothing else)."""
    def ev(node: ast.AST) -> bytes | int:
        if isinstance(node, ast.Constant) and isinstance(node.value, bytes | int):
            return node.value
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mult):
            a, b = ev(node.left), ev(node.right)
            return a + b if isinstance(node.op, ast.Add) else a * b  # type: ignore[operator]
        raise ValueError(f"not a bytes expression: {text}")

    value = ev(ast.parse(text, mode="eval").body)
    if not isinstance(value, bytes):
        raise ValueError(f"not bytes: {text}")
    return value


def _split_modifiers(tokens: list[str]) -> tuple[str, int, list[str]]:
    check, tol = "exact", 0
    while tokens and tokens[0].startswith("!"):
        mod = tokens.pop(0)[1:]
        name, _, val = mod.partition("=")
        if name not in MODIFIERS:
            raise ValueError(f"unknown modifier !{name}")
        check = name
        if name == "approx":
            tol = int(val)
    return check, tol, tokens


def parse_file(path: Path) -> list[Case]:
    cases: list[Case] = []
    cur: Case | None = None
    conn = "a"
    for lineno, raw_line in enumerate(path.read_text().splitlines(), 1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path.name}:{lineno}"
        if line.startswith("==="):
            cur = Case(id=f"{path.stem}/{line[3:].strip()}", source=where)
            cases.append(cur)
            conn = "a"
            continue
        if cur is None:
            raise ValueError(f"{where}: command outside a case")
        if line.startswith("@"):
            word, _, rest = line.partition(" ")
            rest = rest.strip()
            if word == "@modes":
                cur.modes = tuple(m.strip() for m in rest.split(","))
                assert set(cur.modes) <= set(ALL_MODES), where
            elif word == "@conn":
                conn = rest
            elif word == "@sleep":
                cur.steps.append(Sleep(float(rest)))
            elif word == "@raw":
                n, _, lit = rest.partition(" ")
                check = "exact"
                if lit.startswith("!"):
                    mod, _, lit = lit.partition(" ")
                    check, _, _ = _split_modifiers([mod])
                data = _bytes_expr(lit)
                cur.steps.append(Raw(conn, data, int(n), check, line=lineno))
                cur.modes = tuple(m for m in cur.modes if m in RAW_MODES)
            elif word == "@scan":
                args = tuple(t.encode() for t in shlex.split(rest))
                cur.steps.append(Scan(conn, args, line=lineno))
            else:
                raise ValueError(f"{where}: unknown directive {word}")
            continue
        check, tol, tokens = _split_modifiers(shlex.split(line))
        if not tokens:
            raise ValueError(f"{where}: empty command")
        args = tuple(_arg(t) for t in tokens)
        cur.steps.append(Cmd(conn, args, check, tol, lineno))
    return cases


def load() -> list[Case]:
    """Every case of every corpus file, in file then line order; ids are unique."""
    cases: list[Case] = []
    for path in sorted(CORPUS_DIR.glob("*.txt")):
        cases.extend(parse_file(path))
    ids = [c.id for c in cases]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"duplicate case ids: {sorted(dupes)}")
    return cases
