"""Differential suite: every corpus case replayed on real Redis 7 and on our server, replies equal.

Each case runs in four modes (literal RESP2 bytes, literal RESP3 bytes after HELLO 3, redis-py
RESP2, redis-py RESP3) on freshly FLUSHALLed servers. Cases still failing are listed in
KNOWN_MISMATCHES (xfail, not strict) and described in tests/compat/MISMATCHES.md; a fixed case
XPASSes and should then be removed from the list. INFO and CLIENT LIST are compared by field names.
"""

from __future__ import annotations

import re
import time

import pytest
import redis

from tests.compat.conftest import AUTH_PASSWORD, Pair
from tests.compat.corpus import load
from tests.compat.runner import run_case, unknown_command_reply
from tests.compat.wire import RawConn

CASES = load()

KNOWN_MISMATCHES: dict[str, str] = {
    # "case-id" (all modes) or "case-id@mode": see MISMATCHES.md
}


def _params() -> list:
    out = []
    for case in CASES:
        for mode in case.modes:
            marks = []
            if case.id in KNOWN_MISMATCHES or f"{case.id}@{mode}" in KNOWN_MISMATCHES:
                marks.append(pytest.mark.xfail(strict=False, reason="see MISMATCHES.md"))
            out.append(pytest.param(case, mode, id=f"{case.id}@{mode}", marks=marks))
    return out


@pytest.mark.parametrize(("case", "mode"), _params())
def test_corpus(request: pytest.FixtureRequest, case, mode: str) -> None:
    """corpus/auth.txt runs on the --requirepass pair, everything else on the plain pair."""
    auth = case.id.startswith("auth/")
    pair: Pair = request.getfixturevalue("auth_pair" if auth else "pair")
    mism = run_case(case, mode, pair.redis.port, pair.ours.port, pair.ours_is_redis,
                    AUTH_PASSWORD if auth else None)
    if mism:
        detail = "\n".join(m.markdown() for m in mism[:5])
        pytest.fail(f"{len(mism)} reply(s) differ from Redis:\n{detail}", pytrace=False)


def test_corpus_size() -> None:
    assert len(CASES) >= 150
    assert sum(c.commands() for c in CASES) >= 1000
    topics = {c.id.split("/")[0] for c in CASES}
    assert {"strings", "numbers", "keys", "expire", "keyspace", "transactions", "connection",
            "errors", "unsupported", "server"} <= topics


@pytest.mark.parametrize("args", [
    [b"FOO"], [b"foo", b"bar"], [b"XYZ", b"a" * 200], [b"XYZ", b"a" * 100, b"b" * 40, b"c"],
    [b"XYZ", b"a" * 127, b"b"], [b"XYZ", b"a" * 126, b"b", b"c"], [b"A" * 200, b"x"],
    [b"XYZ", b"x\r\ny"], [b""], [b"XYZ", b"a\x00b", b"c"], [b"X\x00YZ", b"\xff"],
], ids=lambda a: repr(a)[:30])
def test_unknown_command_formula_matches_redis(compat_redis, args: list[bytes]) -> None:
    """The expected text used for `!unknown` steps is what Redis says for a truly unknown name."""
    c = RawConn(compat_redis.port)
    try:
        assert c.call(args) == unknown_command_reply(args)
    finally:
        c.close()


INFO_FIELDS = {
    "server": ["redis_version", "redis_mode", "process_id", "arch_bits", "tcp_port", "uptime_in_seconds"],
    "clients": ["connected_clients"],
    "memory": ["used_memory", "used_memory_human", "maxmemory", "maxmemory_human", "maxmemory_policy"],
    "stats": ["total_commands_processed", "instantaneous_ops_per_sec", "keyspace_hits",
              "keyspace_misses", "evicted_keys", "expired_keys", "total_connections_received"],
    "cluster": ["cluster_enabled"],
}


@pytest.mark.parametrize("protocol", [2, 3])
def test_info_fields(pair: Pair, protocol: int) -> None:
    """INFO values differ; the fields tools parse are present on both, with the same fixed values."""
    clients = [redis.Redis(port=p.port, protocol=protocol) for p in (pair.redis, pair.ours)]
    try:
        for c in clients:
            c.flushall()
            c.set("infokey", "v", ex=100)
        r_all, o_all = (c.info("everything") for c in clients)
        missing = sorted(f for fields in INFO_FIELDS.values() for f in fields if f not in o_all)
        assert not missing, f"INFO lacks {missing}"
        for f in ("redis_version", "redis_mode", "arch_bits", "maxmemory", "maxmemory_policy",
                  "cluster_enabled"):
            assert o_all[f] == r_all[f], (f, r_all[f], o_all[f])
        assert (o_all["db0"]["keys"], o_all["db0"]["expires"]) == (1, 1), o_all["db0"]
        for section, fields in INFO_FIELDS.items():
            o_sec = clients[1].info(section)
            assert all(f in o_sec for f in fields), (section, fields, sorted(o_sec))
        assert "db0" in clients[1].info("keyspace")
    finally:
        for c in clients:
            c.close()


def test_info_section_headers(pair: Pair) -> None:
    """`INFO` (default) is CRLF-separated `# Section` blocks of `name:value` lines."""
    for sp in (pair.redis, pair.ours):
        c = RawConn(sp.port)
        try:
            raw = c.call([b"INFO"])
        finally:
            c.close()
        assert raw.startswith(b"$")
        body = raw.split(b"\r\n", 1)[1][:-2].decode()
        lines = [ln for ln in body.split("\r\n") if ln]
        assert lines[0] == "# Server", (sp.port, lines[:2])
        for ln in lines:
            assert ln.startswith("# ") or ":" in ln, (sp.port, ln)
        headers = {ln[2:] for ln in lines if ln.startswith("# ")}
        assert {"Server", "Clients", "Memory", "Stats", "Keyspace"} <= headers, headers


REDIS_72_CLIENT_FIELDS = ["lib-name", "lib-ver"]
"""CLIENT LIST fields of Redis 7.2 that ours adds after Redis 7.0's (it implements CLIENT SETINFO)."""


def _client_fields(port: int, sub: bytes) -> list[dict[str, str]]:
    """CLIENT LIST/INFO lines of a connection named `lister`, as ordered field -> value dicts."""
    c = RawConn(port)
    try:
        c.call([b"CLIENT", b"SETNAME", b"lister"])
        raw = c.call([b"CLIENT", sub])
    finally:
        c.close()
    text = raw.split(b"\r\n", 1)[1][:-2].decode()
    return [dict(kv.split("=", 1) for kv in ln.split(" ")) for ln in text.splitlines() if ln]


@pytest.mark.parametrize("sub", [b"LIST", b"INFO"])
def test_client_list_fields(pair: Pair, sub: bytes) -> None:
    """CLIENT LIST / CLIENT INFO lines carry Redis's field names, in Redis's order."""
    want = list(_client_fields(pair.redis.port, sub)[0])
    for line in _client_fields(pair.ours.port, sub):
        got = list(line)
        assert got in (want, want + REDIS_72_CLIENT_FIELDS), (want, got)


@pytest.mark.parametrize("sub", [b"LIST", b"INFO"])
def test_client_list_own_line(pair: Pair, sub: bytes) -> None:
    """The caller's own line: its name, db, and the command running now (`cmd=client|list`)."""
    for sp in (pair.redis, pair.ours):
        mine = [ln for ln in _client_fields(sp.port, sub) if ln["name"] == "lister"]
        assert len(mine) == 1, (sp.port, mine)
        assert mine[0]["db"] == "0"
        assert mine[0]["cmd"] == "client|" + sub.decode().lower(), (sp.port, mine[0]["cmd"])


PATHOLOGICAL_GLOBS = ["*a" * 12 + "*b", "*a" * 30 + "*b", "*a*" * 5 + "?" * 20 + "b"]


@pytest.mark.parametrize("command", ["KEYS", "SCAN"])
def test_pathological_glob_is_fast(compat_redis, command: str) -> None:
    """Patterns that make a backtracking matcher exponential answer at once, like Redis 7.0.9+.

    Runs on a private server of ours: a matcher that hangs must not block the shared pair.
    """
    from tests.conftest import start_ours

    ours = start_ours()
    try:
        for sp in (compat_redis, ours):
            c = RawConn(sp.port, timeout=2.0)
            try:
                c.call([b"FLUSHALL"])
                c.call([b"SET", b"a" * 60, b"v"])
                for pat in PATHOLOGICAL_GLOBS:
                    args = [b"KEYS", pat.encode()] if command == "KEYS" else \
                        [b"SCAN", b"0", b"MATCH", pat.encode(), b"COUNT", b"100"]
                    want = b"*0\r\n" if command == "KEYS" else b"*2\r\n$1\r\n0\r\n*0\r\n"
                    assert c.call(args) == want, (sp.port, pat)
            finally:
                c.close()
    finally:
        ours.proc.kill()
        ours.proc.wait(5)


def test_info_commandstats_fields(pair: Pair) -> None:
    """`INFO commandstats` lines: `cmdstat_<name>:calls=..,usec=..,usec_per_call=..,...` as Redis."""
    stats = []
    for sp in (pair.redis, pair.ours):
        r = redis.Redis(port=sp.port)
        try:
            r.config_resetstat()
            r.set("cs", "1")
            r.get("cs")
            r.get("cs")
            try:
                r.execute_command("INCR", "cs", "extra")
            except redis.ResponseError:
                pass
            stats.append(r.info("commandstats"))
        finally:
            r.close()
    want, got = stats
    assert set(got["cmdstat_get"]) == set(want["cmdstat_get"]), (want["cmdstat_get"], got["cmdstat_get"])
    assert got["cmdstat_get"]["calls"] == want["cmdstat_get"]["calls"] == 2
    assert got["cmdstat_set"]["calls"] == 1
    assert got.get("cmdstat_incr", {}).get("rejected_calls") == want["cmdstat_incr"]["rejected_calls"] == 1


def test_info_stats_counters_same_as_redis(pair: Pair) -> None:
    """keyspace_hits / keyspace_misses / expired_keys count the same lookups as Redis."""
    seq: list[tuple] = [
        ("SET", "h", "1"), ("SET", "e", "1", "PX", "20"), ("GET", "h"), ("GET", "nope"),
        ("MGET", "h", "nope", "h"), ("EXISTS", "h", "nope"), ("TYPE", "h"), ("STRLEN", "h"),
        ("GETRANGE", "h", "0", "-1"), ("INCR", "h"), ("APPEND", "h", "x"), ("TTL", "h"),
        ("GETEX", "h"), ("GETDEL", "nope"), ("SET", "h", "2", "GET"), ("RENAME", "h", "h2"),
        ("COPY", "h2", "h3"), ("DEL", "nope"), ("TOUCH", "h2"), ("OBJECT", "ENCODING", "h2"),
    ]
    counters = []
    for sp in (pair.redis, pair.ours):
        r = redis.Redis(port=sp.port, protocol=2)
        try:
            r.flushall()
            r.config_resetstat()
            for args in seq:
                r.execute_command(*args)
            time.sleep(0.1)
            r.execute_command("GET", "e")  # lazily expired now
            stats = r.info("stats")
            counters.append({k: stats[k] for k in ("keyspace_hits", "keyspace_misses", "expired_keys",
                                                   "evicted_keys")})
            keyspace = r.info("keyspace")
            counters.append({k: (v["keys"], v["expires"]) for k, v in keyspace.items()})
        finally:
            r.close()
    assert counters[2:] == counters[:2]


OUR_EXTRA_INFO_SECTIONS = {"Slabs"}
"""INFO sections of ours that Redis has not (the slab allocator's own statistics)."""


@pytest.mark.parametrize("args", [[], ["default"], ["all"], ["everything"], ["server", "clients"],
                                  ["nosuch"], ["SERVER"], ["persistence"], ["modules"]],
                         ids=lambda a: "-".join(a) or "none")
def test_info_sections_same_as_redis(pair: Pair, args: list[str]) -> None:
    """The `# Section` headers INFO answers for each argument, in Redis's order."""
    headers = []
    for sp in (pair.redis, pair.ours):
        c = RawConn(sp.port)
        try:
            raw = c.call([b"INFO", *(a.encode() for a in args)])
        finally:
            c.close()
        body = raw.split(b"\r\n", 1)[1].decode(errors="replace")
        headers.append([ln[2:] for ln in body.split("\r\n") if ln.startswith("# ")])
    want, got = headers
    assert [h for h in got if h not in OUR_EXTRA_INFO_SECTIONS] == want


OOM_PROBES: list[list[bytes]] = [
    [b"SET", b"new", b"v"], [b"GET", b"fill:0"], [b"APPEND", b"fill:0", b"x"], [b"INCR", b"ctr"],
    [b"SETNX", b"n", b"1"], [b"MSET", b"a", b"1"], [b"EXPIRE", b"fill:1", b"100"],
    [b"PERSIST", b"fill:1"], [b"EXISTS", b"fill:0"], [b"PING"], [b"SETRANGE", b"fill:2", b"0", b"z"],
    [b"GETSET", b"fill:3", b"x"], [b"COPY", b"fill:4", b"c"], [b"RENAME", b"fill:5", b"r"],
    [b"INCRBYFLOAT", b"f", b"1"], [b"GETEX", b"fill:6", b"EX", b"100"],
    [b"MULTI"], [b"SET", b"q", b"1"], [b"GET", b"fill:0"], [b"EXEC"],
    [b"MULTI"], [b"GET", b"fill:0"], [b"EXEC"],
]


def test_oom_noeviction_same_as_redis() -> None:
    """With maxmemory-policy noeviction: the OOM error text and which commands it refuses.

    Filled well below the limit, then the limit is lowered far under the usage, so neither server
    is near the boundary (where Redis's answer depends on its own buffers)."""
    from tests.conftest import start_ours, start_redis

    args = ("--maxmemory", "64mb", "--maxmemory-policy", "noeviction")
    servers = [start_redis(*args)]
    try:
        servers.append(start_redis(*args) if pair_target_is_redis() else start_ours(*args))
        replies = []
        for sp in servers:
            c = RawConn(sp.port)
            try:
                for i in range(0, 400, 50):
                    batch = [x for k in range(i, i + 50) for x in (b"fill:%d" % k, b"v" * 8192)]
                    assert c.call([b"MSET", *batch]) == b"+OK\r\n"
                assert c.call([b"CONFIG", b"SET", b"maxmemory", b"1mb"]) == b"+OK\r\n"
                replies.append([c.call(p) for p in OOM_PROBES])
            finally:
                c.close()
        want, got = replies
        diffs = [f"{b' '.join(OOM_PROBES[i])!r}: redis {want[i][:80]!r} ours {got[i][:80]!r}"
                 for i in range(len(want)) if want[i] != got[i]]
        assert not diffs, "\n".join(diffs)
    finally:
        for sp in servers:
            sp.stop()


def pair_target_is_redis() -> bool:
    from tests.compat.conftest import TARGET

    return TARGET == "redis"


def _client_kill_session(port: int) -> list:
    """Kill connections by ID, ADDR, LADDR, SKIPME and USER filters; replies and who survived."""
    def conn() -> tuple[RawConn, int, str]:
        c = RawConn(port)
        cid = int(c.call([b"CLIENT", b"ID"])[1:-2])
        info = c.call([b"CLIENT", b"INFO"]).decode()
        addr = re.search(r" addr=(\S+)", info).group(1)  # type: ignore[union-attr]
        return c, cid, addr

    out: list = []
    a, _, a_addr = conn()
    b, b_id, b_addr = conn()
    out.append(a.call([b"CLIENT", b"KILL", b"ID", str(b_id).encode()]))
    out.append(b.read_reply().startswith(b"<"))  # b was closed
    c, _, c_addr = conn()
    out.append(a.call([b"CLIENT", b"KILL", c_addr.encode()]))  # old form: ip:port
    out.append(a.call([b"CLIENT", b"KILL", c_addr.encode()]))  # already gone
    d, _, d_addr = conn()
    out.append(a.call([b"CLIENT", b"KILL", b"ADDR", d_addr.encode(), b"SKIPME", b"yes"]))
    out.append(a.call([b"CLIENT", b"KILL", b"ADDR", a_addr.encode(), b"SKIPME", b"yes"]))
    out.append(a.call([b"CLIENT", b"KILL", b"ADDR", b"1.2.3.4:5"]))
    out.append(a.call([b"CLIENT", b"KILL", b"ID", b"999999"]))
    out.append(a.call([b"CLIENT", b"KILL", b"USER", b"nosuchuser"]))
    out.append(a.call([b"CLIENT", b"KILL", b"SKIPME", b"maybe"]))
    out.append(a.call([b"CLIENT", b"KILL", b"ID", b"1", b"ID"]))
    e, _, _ = conn()
    out.append(a.call([b"CLIENT", b"KILL", b"USER", b"default", b"SKIPME", b"yes"]))  # e, not a
    out.append(a.call([b"PING"]))
    out.append(e.call([b"PING"]))
    out.append(a.call([b"CLIENT", b"KILL", b"ADDR", a_addr.encode(), b"SKIPME", b"no"]))
    out.append(a.read_reply() if not a.closed else b"<closed>")
    for x in (a, b, c, d, e):
        x.close()
    del b_addr
    return out


def test_client_kill_same_as_redis(pair: Pair) -> None:
    """On private servers: KILL USER counts every client of the user, so connections other
    tests left open on the session's servers would change the count."""
    from tests.conftest import start_ours, start_redis

    outs = []
    for start in (start_redis, start_redis if pair.ours_is_redis else start_ours):
        sp = start()
        try:
            outs.append(_client_kill_session(sp.port))
        finally:
            sp.stop()
    assert outs[1] == outs[0]


def test_shutdown_nosave(pair: Pair) -> None:
    """SHUTDOWN NOSAVE on private servers: no reply, connection closed, exit code 0."""
    from tests.conftest import start_ours, start_redis

    results = []
    for start in (start_redis, start_redis if pair.ours_is_redis else start_ours):
        sp = start()
        try:
            c = RawConn(sp.port)
            bad = c.call([b"SHUTDOWN", b"BOGUS"])
            reply = c.call([b"SHUTDOWN", b"NOSAVE"])
            results.append((bad, reply, sp.proc.wait(10)))
            c.close()
        finally:
            sp.stop()
    assert results[1] == results[0]
