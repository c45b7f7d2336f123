"""The GET/SET fast lane (commands/fastpath.py) against the general path, through a fake transport.

Differential: the same pipelined batches go to a server with the lane and to one with the lane
shut; replies, INFO counters, commandstats calls, SLOWLOG lengths, OBJECT answers and the store's
invariants must all agree.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resp_server.commands import fastpath
from resp_server.config import MIB
from scripts.rawclient import encode as resp
from tests.unit.helpers import feed, make, make_peer

KEYS = [b"k1", b"k2", b"k3"]
VALUES = [b"", b"v", b"x" * 100, b"y" * 101, b"z" * 5000, b"w" * (20 * 1024), b"+(=~|" * 9]


def _command() -> st.SearchStrategy[bytes]:
    key = st.sampled_from(KEYS)
    value = st.sampled_from(VALUES)
    return st.one_of(
        st.builds(lambda k: resp(b"GET", k), key),
        st.builds(lambda k: resp(b"get", k), key),
        st.builds(lambda k, v: resp(b"SET", k, v), key, value),
        st.builds(lambda k, v: resp(b"set", k, v), key, value),
        st.builds(lambda k, v: resp(b"Set", k, v), key, value),
        st.builds(lambda k, v: resp(b"SET", k, v, b"EX", b"100"), key, value),
        st.builds(lambda k: resp(b"PERSIST", k), key),
        st.builds(lambda k: resp(b"APPEND", k, b"ab"), key),
        st.builds(lambda k: resp(b"DEL", k), key),
        st.builds(lambda k: resp(b"OBJECT", b"ENCODING", k), key),
        st.builds(lambda k: resp(b"OBJECT", b"FREQ", k), key),
        st.builds(lambda k: resp(b"GET", k, b"extra"), key),
        st.just(resp(b"SET", b"k1")),
    )


_COUNTERS = ("keyspace_hits", "keyspace_misses", "total_commands_processed", "total_error_replies",
             "kv_served_bytes", "kv_small_hits", "kv_chunk_hits", "kv_get_misses")


def _counters(conn, t) -> dict:
    t.written.clear()
    feed(conn, resp(b"INFO", b"stats") + resp(b"INFO", b"commandstats"))
    text = t.output().decode()
    out = {name: re.search(rf"{name}:(\d+)", text).group(1) for name in _COUNTERS}
    out.update(dict(re.findall(r"cmdstat_(\w+):calls=(\d+)", text)))
    hists = conn.state.stats.commands          # latency-tracking: one sample per call
    out.update({f"hist_{n}": sum(st.hist.values()) for n, st in hists.items() if st.hist})
    return out


# Session states a client can be in when its GETs and SETs arrive: each must give the same
# replies, counters and store effects with and without the lane (a feature added to the general
# path that the lane does not know fails here).
PRELUDES = (
    (),
    (resp(b"HELLO", b"3"),),
    (resp(b"CLIENT", b"NO-TOUCH", b"ON"),),
    (resp(b"CLIENT", b"NO-EVICT", b"ON"),),
    (resp(b"CLIENT", b"REPLY", b"SKIP"),),
    (resp(b"SELECT", b"1"),),
    (resp(b"WATCH", b"k1"),),
    (resp(b"MULTI"),),
    (resp(b"CONFIG", b"SET", b"slowlog-log-slower-than", b"0"),),
    (resp(b"CONFIG", b"SET", b"latency-tracking", b"no"),),
    (resp(b"CONFIG", b"SET", b"maxmemory-policy", b"allkeys-lfu"),),
    (resp(b"HELLO", b"3"), resp(b"CLIENT", b"NO-TOUCH", b"ON"), resp(b"SELECT", b"2")),
)


def _run(batches: list[bytes], lane: bool, prelude: tuple[bytes, ...] = ()) -> tuple[list[bytes], dict]:
    with pytest.MonkeyPatch.context() as m:
        if not lane:
            m.setattr(fastpath, "lane_open", lambda c: False)
        server, conn, t = make(maxmemory=8 * MIB, debug=False)
        replies = []
        epilogue = (resp(b"EXEC"),) if resp(b"MULTI") in prelude else ()
        for batch in (*prelude, *batches, *epilogue):
            t.written.clear()
            feed(conn, batch)
            replies.append(t.output())
        server.state.keyspace.check_invariants()
        return replies, _counters(conn, t)


@settings(max_examples=120, deadline=None)
@given(batches=st.lists(st.lists(_command(), min_size=1, max_size=20).map(b"".join),
                        min_size=1, max_size=6))
def test_lane_agrees_with_the_general_path(batches):
    fast = _run(batches, True)
    general = _run(batches, False)
    assert fast == general


@pytest.mark.parametrize("prelude", PRELUDES, ids=lambda p: b" + ".join(x.split(b"\r\n")[2] + b" " + x.split(b"\r\n")[4] if x.count(b"$") > 1 else x.split(b"\r\n")[2] for x in p).decode() or "plain")
@settings(max_examples=25, deadline=None)
@given(batches=st.lists(st.lists(_command(), min_size=1, max_size=12).map(b"".join),
                        min_size=1, max_size=4))
def test_lane_agrees_under_every_session_state(prelude, batches):
    assert _run(batches, True, prelude) == _run(batches, False, prelude)


def test_lane_runs_plain_get_and_set(monkeypatch):
    ran = []
    real = fastpath.run

    def counted(c, batch, i, small, flush_at):
        end = real(c, batch, i, small, flush_at)
        ran.append(end - i)
        return end
    monkeypatch.setattr(fastpath, "run", counted)
    server, conn, t = make(debug=False)
    feed(conn, resp(b"SET", b"k", b"a" * 100))          # a new key: Keyspace.store places it
    feed(conn, resp(b"SET", b"k", b"b" * 100) + resp(b"GET", b"k") + resp(b"GET", b"nope"))
    feed(conn, resp(b"SET", b"k", b"c", b"EX", b"9") + resp(b"GET", b"k"))
    assert t.output() == (b"+OK\r\n+OK\r\n$100\r\n" + b"b" * 100 + b"\r\n$-1\r\n"
                          + b"+OK\r\n$1\r\nc\r\n")
    assert ran == [1, 3, 0, 1]                            # SET with options: the general path
    assert conn.client.last_cmd == b"get"


def test_lane_bumps_like_the_general_path():
    server, conn, _ = make(debug=False)
    server.state.keyspace.set_policy("allkeys-s3fifo")           # its freq counts accesses
    feed(conn, resp(b"SET", b"k", b"a" * 100) + resp(b"SET", b"k", b"b" * 100) + resp(b"GET", b"k"))
    assert server.state.keyspace.dbs[0].items[b"k"].freq == 2   # the in-place SET and the GET


def test_set_in_the_lane_under_memory_pressure_evicts_or_answers_oom():
    server, conn, t = make(maxmemory=2 * MIB, debug=False)
    value = b"v" * 8000
    feed(conn, b"".join(resp(b"SET", b"k%d" % i, value) for i in range(1000)))
    assert t.output() == b"+OK\r\n" * 1000                     # a full cache evicts, never fails
    ks = server.state.keyspace
    assert ks.stats.evicted_keys > 0
    ks.check_invariants()
    feed(conn, resp(b"CONFIG", b"SET", b"maxmemory-policy", b"noeviction"))
    t.written.clear()
    feed(conn, resp(b"SET", b"new", value) + resp(b"GET", b"new"))
    assert t.output().startswith(b"-OOM ") and t.output().endswith(b"$-1\r\n")
    ks.check_invariants()


def test_rewrite_in_place_wakes_watchers():
    server, a, ta = make(debug=False)
    _, b, tb = make_peer(server)
    feed(a, resp(b"SET", b"k", b"1"))
    feed(a, resp(b"WATCH", b"k"))
    feed(b, resp(b"SET", b"k", b"2"))                     # same size: rewritten in place
    ta.written.clear()
    feed(a, resp(b"MULTI") + resp(b"GET", b"k") + resp(b"EXEC"))
    assert ta.output() == b"+OK\r\n+QUEUED\r\n*-1\r\n"
    assert server.state.keyspace.on_modify is None        # EXEC unwatched: the hook is off again


def test_set_after_append_is_no_longer_raw():
    _, conn, t = make(debug=False)
    feed(conn, resp(b"SET", b"k", b"ab") + resp(b"APPEND", b"k", b"c"))
    feed(conn, resp(b"SET", b"k", b"xyz") + resp(b"OBJECT", b"ENCODING", b"k"))
    assert t.output().endswith(b"+OK\r\n$6\r\nembstr\r\n")


@pytest.mark.parametrize("threshold,logged", [(b"0", 3), (b"-1", 0), (b"1000000", 0)])
def test_lane_feeds_the_slowlog(threshold, logged):
    _, conn, t = make(debug=False)
    feed(conn, resp(b"SET", b"k", b"v"))
    feed(conn, resp(b"CONFIG", b"SET", b"slowlog-log-slower-than", threshold) + resp(b"SLOWLOG", b"RESET"))
    feed(conn, resp(b"GET", b"k") + resp(b"SET", b"k", b"w") + resp(b"GET", b"k"))
    t.written.clear()
    feed(conn, resp(b"SLOWLOG", b"LEN"))
    assert t.output() == b":%d\r\n" % (logged + (1 if threshold == b"0" else 0))


def test_resp3_null_and_monitor_shuts_the_lane():
    server, conn, t = make(debug=False)
    feed(conn, resp(b"HELLO", b"3"))
    t.written.clear()
    feed(conn, resp(b"GET", b"missing"))
    assert t.output() == b"_\r\n"
    _, mon, tm = make_peer(server)
    feed(mon, resp(b"MONITOR"))
    feed(conn, resp(b"SET", b"missing", b"x") + resp(b"SET", b"missing", b"y"))
    assert tm.output().count(b'"SET"') == 2              # the general path fed the monitor
