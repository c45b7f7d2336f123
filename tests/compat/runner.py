"""Replay a corpus case against real Redis and our server in lockstep and list the differences.

Four modes: `raw2` (literal RESP bytes on a socket, RESP2), `raw3` (the same after `HELLO 3`,
whose own reply is compared by shape), `py2` / `py3` (redis-py `execute_command` with protocol 2 /
3, replies and exceptions compared after redis-py's parsing). Every step goes to Redis first and
then to ours before the next step, so a `@sleep` or a TTL read happens at the same moment on both.

Run standalone to print mismatches as markdown (starts both servers itself):
    python -m tests.compat.runner [--target redis] [--mode raw2] [case-id-substring ...]
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import redis

from tests.compat.corpus import Case, Cmd, Raw, Scan, Sleep, Step
from tests.compat.wire import EOF_REPLY, TIMEOUT_REPLY, RawConn, parse

SCAN_MAX_CALLS = 10_000
"""A full SCAN iteration that needs more calls than this is a bug (never-ending cursor)."""


def unknown_command_reply(args: tuple[bytes, ...] | list[bytes]) -> bytes:
    """Redis 7's unknown-command error for `args`, byte for byte (server.c processCommand).

    printf's `%.*s` stops at a NUL byte, so names and arguments are cut there too."""
    shown = b""
    for a in args[1:]:
        if len(shown) >= 128:
            break
        shown += b"'" + a[: 128 - len(shown)].split(b"\0")[0] + b"' "
    name = args[0][:128].split(b"\0")[0]
    msg = b"ERR unknown command '" + name + b"', with args beginning with: " + shown
    return b"-" + msg.replace(b"\r", b" ").replace(b"\n", b" ") + b"\r\n"


# ---------------------------------------------------------------- comparisons on parsed values

def _shape(v: Any) -> Any:
    """Structure without contents: RESP kinds, aggregate lengths, map keys; py types likewise."""
    if isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str):  # tagged raw value
        kind, payload = v
        if kind in ("array", "set", "push"):
            return (kind, [_shape(x) for x in payload])
        if kind in ("map", "attribute"):
            return (kind, sorted((repr(k), _shape(x)) for k, x in payload))
        return kind
    if isinstance(v, dict):
        return ("dict", sorted((repr(k), _shape(x)) for k, x in v.items()))
    if isinstance(v, list | tuple | set):
        return (type(v).__name__, [_shape(x) for x in v])
    return type(v).__name__


def _approx(a: Any, b: Any, tol: int) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple) and a[:1] == b[:1] == ("int",):
        return abs(a[1] - b[1]) <= tol
    if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool):
        return abs(a - b) <= tol
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return all(_approx(x, y, tol) for x, y in zip(a, b, strict=True))
    return a == b


def _sorted(v: Any) -> Any:
    if isinstance(v, tuple) and len(v) == 2 and v[0] in ("array", "set"):
        return (v[0], sorted(v[1], key=repr))
    if isinstance(v, list | set):
        return sorted(v, key=repr)
    return v


def _pairs(v: Any) -> Any:
    """A flat RESP2 key/value array or a RESP3 map as a sorted list of pairs (order-free maps)."""
    if isinstance(v, tuple) and len(v) == 2 and v[0] == "array" and len(v[1]) % 2 == 0:
        return ("pairs", sorted(zip(v[1][0::2], v[1][1::2], strict=True), key=repr))
    if isinstance(v, tuple) and len(v) == 2 and v[0] == "map":
        return ("pairs", sorted(v[1], key=repr))
    if isinstance(v, list) and len(v) % 2 == 0:
        return ("pairs", sorted(zip(v[0::2], v[1::2], strict=True), key=repr))
    return v


def _norm_py(v: Any) -> Any:
    """redis-py results made comparable: exceptions become ('exc', class, message)."""
    if isinstance(v, BaseException):
        return ("exc", type(v).__name__, str(v))
    if isinstance(v, list | tuple):
        return [_norm_py(x) for x in v]
    if isinstance(v, dict):
        return {_norm_py_key(k): _norm_py(x) for k, x in v.items()}
    if isinstance(v, set):
        return {_norm_py_key(x) for x in v}
    return v


def _norm_py_key(k: Any) -> Any:
    return tuple(_norm_py(k)) if isinstance(k, list) else k


def same(check: str, tol: int, mine: Any, theirs: Any, raw: bool) -> bool:
    """Do two replies agree under `check`? Raw replies are bytes; py replies are normalized."""
    if check == "ignore":
        return True
    if check == "exact":
        return mine == theirs
    a: Any = parse(mine) if raw else mine
    b: Any = parse(theirs) if raw else theirs
    if check == "shape":
        return _shape(a) == _shape(b)
    if check == "approx":
        return _approx(a, b, tol)
    if check == "sorted":
        return _sorted(a) == _sorted(b)
    if check == "pairs":
        return _pairs(a) == _pairs(b)
    raise ValueError(check)


def unknown_ok(args: tuple[bytes, ...], reply: Any, raw: bool) -> bool:
    want = unknown_command_reply(args)
    if raw:
        return reply == want
    msg = want[len(b"-ERR "):-2].decode("utf-8", "replace")
    return reply == ("exc", "ResponseError", msg)


# ---------------------------------------------------------------- one server, one mode

class Side:
    """The connections of one server for one case; `name -> connection`, opened lazily."""

    def __init__(self, port: int, mode: str) -> None:
        self.port = port
        self.mode = mode
        self.raw = mode.startswith("raw")
        self.protocol = 3 if mode.endswith("3") else 2
        self.conns: dict[str, Any] = {}
        self.hello_replies: list[bytes] = []

    def _raw_conn(self, name: str) -> RawConn:
        c = self.conns.get(name)
        if c is None or c.closed:
            c = RawConn(self.port)
            if self.protocol == 3:
                self.hello_replies.append(c.call([b"HELLO", b"3"]))
            self.conns[name] = c
        return c

    def _py_conn(self, name: str) -> redis.Redis:
        c = self.conns.get(name)
        if c is None:
            c = redis.Redis(port=self.port, protocol=self.protocol, single_connection_client=True,
                            socket_timeout=5)
            self.conns[name] = c
        return c

    def call(self, step: Cmd) -> Any:
        if self.raw:
            return self._raw_conn(step.conn).call(list(step.args))
        try:
            return _norm_py(self._py_conn(step.conn).execute_command(*step.args))
        except Exception as e:  # redis-py raises for error replies; compare them too
            return _norm_py(e)

    def send_raw(self, step: Raw) -> list[bytes]:
        c = self._raw_conn(step.conn)
        c.send(step.data)
        out = []
        for _ in range(step.replies):
            out.append(c.read_reply())
            if out[-1].endswith((EOF_REPLY, TIMEOUT_REPLY)):
                break
        return out

    def scan(self, step: Scan) -> Any:
        keys: set[bytes] = set()
        cursor = b"0"
        for _ in range(SCAN_MAX_CALLS):
            if self.raw:
                reply = parse(self._raw_conn(step.conn).call([b"SCAN", cursor, *step.args]))
                if reply[0] != "array":
                    return ("error", reply)
                cursor = reply[1][0][1]
                keys.update(item[1] for item in reply[1][1][1])
            else:
                try:
                    cur, batch = self._py_conn(step.conn).execute_command("SCAN", cursor, *step.args)
                except Exception as e:
                    return _norm_py(e)
                cursor = str(cur).encode()
                keys.update(batch)
            if cursor == b"0":
                return sorted(keys)
        return ("never-ending cursor", sorted(keys))

    def close(self) -> None:
        for c in self.conns.values():
            c.close()
        self.conns.clear()


# ---------------------------------------------------------------- a case on both servers

@dataclass
class Mismatch:
    case: Case
    mode: str
    index: int
    step: Step
    redis_reply: Any
    ours_reply: Any
    note: str = ""

    def markdown(self) -> str:
        return (f"### `{self.case.id}` [{self.mode}] ({self.case.source}){self.note}\n"
                f"```\n{self.case.listing(self.index)}\n```\n"
                f"- redis: `{_short(self.redis_reply)}`\n- ours:  `{_short(self.ours_reply)}`\n")


def _short(reply: Any, limit: int = 400) -> str:
    text = repr(reply)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def flushall(port: int, password: str | None = None) -> None:
    c = RawConn(port)
    try:
        if password:
            assert c.call([b"AUTH", password.encode()]) == b"+OK\r\n"
        reply = c.call([b"FLUSHALL"])
        assert reply == b"+OK\r\n", reply
    finally:
        c.close()


def run_case(case: Case, mode: str, redis_port: int, ours_port: int,
             ours_is_redis: bool = False, password: str | None = None) -> list[Mismatch]:
    """Run `case` in lockstep; every step whose replies differ becomes a Mismatch.

    `password`: the servers' requirepass (used for the FLUSHALL before the case only)."""
    flushall(redis_port, password)
    flushall(ours_port, password)
    rside, oside = Side(redis_port, mode), Side(ours_port, mode)
    out: list[Mismatch] = []
    try:
        for i, step in enumerate(case.steps):
            if isinstance(step, Sleep):
                time.sleep(step.seconds)
                continue
            if isinstance(step, Raw):
                r, o = rside.send_raw(step), oside.send_raw(step)
                if len(r) != len(o) or not all(same(step.check, 0, x, y, True)
                                               for x, y in zip(o, r, strict=True)):
                    out.append(Mismatch(case, mode, i, step, r, o))
                continue
            if isinstance(step, Scan):
                r, o = rside.scan(step), oside.scan(step)
                if r != o:
                    out.append(Mismatch(case, mode, i, step, r, o))
                continue
            if step.check == "ourserror":
                if ours_is_redis:
                    continue  # self-test: never ask a real Redis to save, replicate, subscribe
                o = oside.call(step)
                is_err = o.startswith(b"-") if oside.raw else isinstance(o, tuple) and o[:1] == ("exc",)
                if not is_err:
                    out.append(Mismatch(case, mode, i, step, "<not sent: any error>", o,
                                        " (ours must answer an error)"))
                continue
            r, o = rside.call(step), oside.call(step)
            if step.check == "unknown":
                if not ours_is_redis and not unknown_ok(step.args, o, oside.raw):
                    want = unknown_command_reply(step.args)
                    out.append(Mismatch(case, mode, i, step, want, o, " (unknown-command check)"))
                continue
            if not same(step.check, step.tol, o, r, oside.raw):
                out.append(Mismatch(case, mode, i, step, r, o))
        for rh, oh in zip(rside.hello_replies, oside.hello_replies, strict=False):
            if not same("shape", 0, oh, rh, True):
                out.append(Mismatch(case, mode, -1, Cmd("a", (b"HELLO", b"3")), rh, oh,
                                    " (HELLO 3 shape)"))
    finally:
        rside.close()
        oside.close()
    return out


def _main() -> None:
    import argparse
    import os
    import sys

    sys.path.insert(0, os.getcwd())
    from tests.compat.conftest import AUTH_PASSWORD, SERVER_ARGS
    from tests.compat.corpus import load
    from tests.conftest import start_ours, start_redis

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--target", choices=["ours", "redis"], default="ours")
    ap.add_argument("--mode", action="append", choices=["raw2", "raw3", "py2", "py3"])
    ap.add_argument("filters", nargs="*")
    ns = ap.parse_args()
    cases = [c for c in load() if not ns.filters or any(f in c.id for f in ns.filters)]
    servers = []

    def start_pair(*extra: str) -> tuple[int, int]:
        args = (*SERVER_ARGS, *extra)
        servers.append(start_redis(*args))
        servers.append(start_redis(*args) if ns.target == "redis" else start_ours(*args))
        return servers[-2].port, servers[-1].port

    total = bad = 0
    try:
        plain = start_pair()
        auth = start_pair("--requirepass", AUTH_PASSWORD) if any(
            c.id.startswith("auth/") for c in cases) else plain
        for case in cases:
            is_auth = case.id.startswith("auth/")
            rport, oport = auth if is_auth else plain
            for mode in ns.mode or case.modes:
                if mode not in case.modes:
                    continue
                total += 1
                mism = run_case(case, mode, rport, oport, ns.target == "redis",
                                AUTH_PASSWORD if is_auth else None)
                if mism:
                    bad += 1
                    print(mism[0].markdown())
                    for m in mism[1:]:
                        print(f"  also step {m.index}: {m.step.text()}: "
                              f"redis {_short(m.redis_reply)} / ours {_short(m.ours_reply)}")
                    print()
    finally:
        for sp in servers:
            sp.stop()
    print(f"{bad} of {total} case runs differ")


if __name__ == "__main__":
    _main()
