"""Our cluster mode against a real Redis 7 cluster of the same topology, reply by reply.

Both clusters: three masters, slots split evenly in port order. Every request goes to node 0 of
each (and for MOVED/ASK-free checks, to the owner). Replies are compared as raw bytes after the
parts that name a node are replaced by placeholders (ports, bus ports, node ids: same lengths on
both sides, so RESP framing is compared too). Gossip-bus counters, pong times and the order of
nodes (Redis: its node dict's order) are normalized where a test says so.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.compat.wire import RawConn, encode, parse

pytestmark = pytest.mark.timeout(120)

CASES = [
    ["GET", "foo"], ["GET", "a"], ["SET", "b", "1"], ["GET", "b"], ["MGET", "a", "b"],
    ["MGET", "{a}1", "{a}2"], ["MGET", "b", "{b}x", "{b}y"], ["DEL", "a", "b"],
    ["DEL", "b", "{b}1"], ["EXISTS", "x", "y"], ["MSET", "b", "1", "{b}2", "2"],
    ["MSET", "b", "1", "c", "2"], ["RENAME", "b", "c"], ["RENAME", "b", "{b}z"],
    ["COPY", "b", "{b}c", "DB", "1"], ["COPY", "b", "{b}c", "DB", "0"], ["MOVE", "b", "1"],
    ["MOVE", "a", "1"], ["SWAPDB", "0", "1"], ["SELECT", "1"], ["SELECT", "0"],
    ["SELECT", "x"], ["SELECT", "99"], ["ASKING"], ["READONLY"], ["READWRITE"],
    ["CLUSTER", "KEYSLOT", "foo{bar}"], ["CLUSTER", "KEYSLOT", "{}a"], ["CLUSTER", "KEYSLOT", ""],
    ["CLUSTER", "KEYSLOT", "a{}b{c}"], ["CLUSTER", "KEYSLOT", "{{a}}"],
    ["CLUSTER", "COUNTKEYSINSLOT", "3300"], ["CLUSTER", "COUNTKEYSINSLOT", "16384"],
    ["CLUSTER", "COUNTKEYSINSLOT", "-1"], ["CLUSTER", "COUNTKEYSINSLOT", "x"],
    ["CLUSTER", "GETKEYSINSLOT", "3300", "10"], ["CLUSTER", "GETKEYSINSLOT", "3300", "0"],
    ["CLUSTER", "GETKEYSINSLOT", "16384", "1"], ["CLUSTER", "GETKEYSINSLOT", "1", "-1"],
    ["CLUSTER", "GETKEYSINSLOT", "x", "1"], ["CLUSTER", "KEYSLOT"], ["CLUSTER", "FOO"],
    ["CLUSTER", "MYID"], ["CLUSTER", "SLOTS"], ["INFO", "cluster"], ["WATCH", "b", "c"],
    ["WATCH", "b", "{b}q"], ["UNWATCH"], ["OBJECT", "ENCODING", "a"],
    ["OBJECT", "ENCODING", "b"], ["MEMORY", "USAGE", "a"], ["GETEX", "a"], ["TOUCH", "a", "b"],
    ["UNLINK", "b", "{b}x"], ["BITOP", "AND", "b", "{b}x"], ["BITOP", "AND", "b", "c"],
    ["LCS", "b", "c"], ["LCS", "b", "{b}q"], ["SETBIT", "a", "1", "1"], ["BITCOUNT", "b"],
    ["MIGRATE", "127.0.0.1", "1", "", "0", "100", "KEYS", "b", "c"], ["DBSIZE"], ["KEYS", "{b}2"], ["FLUSHALL"],
    ["MULTI"], ["SET", "{a}1", "x"], ["SET", "b", "1"], ["EXEC"],
    ["MULTI"], ["SET", "b", "1"], ["GET", "{b}2"], ["EXEC"],
    ["MULTI"], ["SET", "b", "1"], ["SET", "c", "1"], ["EXEC"],
    ["MULTI"], ["SET", "b", "1"], ["SET", "f", "1"], ["EXEC"], ["GET", "f"],
    ["WATCH", "b"], ["MULTI"], ["GET", "b"], ["GET", "j"], ["EXEC"], ["GET", "j"],
    ["MULTI"], ["PING"], ["EXEC"], ["EXEC"], ["FLUSHALL"],
]


def node_map(procs, conn_port: int) -> list[tuple[bytes, bytes]]:
    """(literal, placeholder) pairs naming each node by its list position."""
    pairs = []
    for i, sp in enumerate(procs):
        myid = RawConn(sp.port)
        node_id = parse(myid.call([b"CLUSTER", b"MYID"]))[1]
        myid.close()
        for literal, name in ((node_id, b"id"), (b"%d@%d" % (sp.port, sp.port + 10000), b"bus"),
                              (b"%d" % sp.port, b"P")):
            if name == b"P":       # stays a number (integer replies parse)
                pairs.append((literal, (b"%d" % i).rjust(len(literal), b"9")))
            else:
                pairs.append((literal, _same_length(b"<%s%d" % (name, i), len(literal))))
    return pairs


def _same_length(tag: bytes, n: int) -> bytes:
    """A placeholder as long as what it replaces (ports of 5 digits on both sides: RESP
    lengths stay comparable)."""
    return (tag + b"~" * n)[:n - 1] + b">"


def normalize(raw: bytes, pairs) -> bytes:
    for literal, placeholder in pairs:
        raw = raw.replace(literal, placeholder)
    return raw


def run_cases(procs, cases, resp3: bool = False) -> list[bytes]:
    pairs = node_map(procs, procs[0].port)
    c = RawConn(procs[0].port)
    try:
        if resp3:
            c.call([b"HELLO", b"3"])
        return [normalize(c.call([a.encode() for a in case]), pairs) for case in cases]
    finally:
        c.close()


@pytest.mark.parametrize("resp3", [False, True])
def test_commands_same_bytes(our_cluster, redis_cluster, resp3):
    ours = run_cases(our_cluster, CASES, resp3)
    theirs = run_cases(redis_cluster, CASES, resp3)
    diffs = [(case, o, t) for case, o, t in zip(CASES, ours, theirs, strict=True) if o != t]
    assert not diffs, "\n".join(f"{c}: ours {o!r} redis {t!r}" for c, o, t in diffs)


_GOSSIP = re.compile(rb"cluster_stats_messages_[a-z_]+:\d+\r\n")


def _info(procs, resp3: bool) -> bytes:
    raw = run_cases(procs, [["CLUSTER", "INFO"]], resp3)[0]
    body = _GOSSIP.sub(b"", parse(raw)[1])
    return raw[:1] + body


@pytest.mark.parametrize("resp3", [False, True])
def test_cluster_info(our_cluster, redis_cluster, resp3):
    assert _info(our_cluster, resp3) == _info(redis_cluster, resp3)
    assert run_cases(our_cluster, [["CLUSTER", "INFO"]], resp3)[0].startswith(
        b"=" if resp3 else b"$")


def _nodes_lines(procs, resp3: bool) -> list[bytes]:
    raw = run_cases(procs, [["CLUSTER", "NODES"]], resp3)[0]
    kind, text = parse(raw)
    assert kind == ("verbatim" if resp3 else "bulk") and text.endswith(b"\n")
    if resp3:
        assert text.startswith(b"txt:")
        text = text[4:]
    lines = []
    for line in text.split(b"\n")[:-1]:
        f = line.split(b" ")
        f[5] = b"<pong>"          # pong-received: a time (ms)
        lines.append(b" ".join(f))
    return sorted(lines)


@pytest.mark.parametrize("resp3", [False, True])
def test_cluster_nodes(our_cluster, redis_cluster, resp3):
    assert _nodes_lines(our_cluster, resp3) == _nodes_lines(redis_cluster, resp3)


def _shards(procs, resp3: bool) -> list[bytes]:
    raw = run_cases(procs, [["CLUSTER", "SHARDS"]], resp3)[0]
    # each shard is one complete reply inside the top-level array: cut them out, then sort
    from tests.compat.wire import parse_at
    head_end = raw.index(b"\r\n") + 2
    out, pos = [], head_end
    for _ in range(int(raw[1:head_end - 2])):
        _, end = parse_at(raw, pos)
        out.append(raw[pos:end])
        pos = end
    assert pos == len(raw)
    return sorted(out)


@pytest.mark.parametrize("resp3", [False, True])
def test_cluster_shards(our_cluster, redis_cluster, resp3):
    assert _shards(our_cluster, resp3) == _shards(redis_cluster, resp3)


def test_help_lines_are_redis_lines(our_cluster, redis_cluster):
    ours = parse(run_cases(our_cluster, [["CLUSTER", "HELP"]])[0])[1]
    theirs = parse(run_cases(redis_cluster, [["CLUSTER", "HELP"]])[0])[1]
    assert ours[0] == theirs[0] and ours[-2:] == theirs[-2:]
    theirs_lines = {v for _, v in theirs}
    assert all(v in theirs_lines for _, v in ours)


def test_keyslot_matches_redis_on_many_keys(our_cluster, redis_cluster):
    keys = [b"", b"{", b"}", b"{}", b"{a", b"a}", b"{a}", b"{{}}", b"x{y}z{w}", b"\xff\x00{\x01}",
            *[b"key:%d" % i for i in range(300)], *[b"{user%d}:x" % i for i in range(50)]]
    ours, theirs = RawConn(our_cluster[1].port), RawConn(redis_cluster[1].port)
    try:
        for k in keys:
            assert ours.call([b"CLUSTER", b"KEYSLOT", k]) == theirs.call(
                [b"CLUSTER", b"KEYSLOT", k]), k
    finally:
        ours.close()
        theirs.close()


def test_pipelined_moved_through_the_fast_lane(our_cluster, redis_cluster):
    """A pipeline of GET/SET over keys of every node: the lane answers own keys, MOVED others."""
    batch = b"".join(encode([b"SET", b"k%d" % i, b"v"]) + encode([b"GET", b"k%d" % i])
                     for i in range(60))
    out = []
    for procs in (our_cluster, redis_cluster):
        pairs = node_map(procs, procs[0].port)
        c = RawConn(procs[0].port)
        c.send(batch)
        out.append([normalize(c.read_reply(), pairs) for _ in range(120)])
        c.call([b"FLUSHALL"])
        c.close()
    assert out[0] == out[1]
    assert any(r.startswith(b"-MOVED") for r in out[0]) and b"+OK\r\n" in out[0]


def test_cluster_check_of_redis_cli(our_cluster):
    r = subprocess.run(["redis-cli", "--cluster", "check", f"127.0.0.1:{our_cluster[0].port}"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "[OK] All 16384 slots covered." in r.stdout
    assert "[ERR]" not in r.stdout and "[WARNING]" not in r.stdout
