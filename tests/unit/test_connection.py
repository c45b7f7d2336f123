"""Connection protocol driven through a fake transport (no sockets), uvicorn style."""

from __future__ import annotations

from resp_server.config import MIB, ServerConfig, StoreConfig
from resp_server.connection import Connection
from resp_server.server import Server
from scripts.rawclient import encode as resp
from tests.unit.helpers import FakeTransport, feed, make, make_peer


def test_ping_and_pipeline():
    _, conn, t = make()
    feed(conn, b"PING\r\n" + resp(b"SET", b"a", b"1") + resp(b"GET", b"a"))
    assert t.output() == b"+PONG\r\n+OK\r\n$1\r\n1\r\n"


def test_big_set_lands_in_slab_and_get_is_zero_copy():
    server, conn, t = make()
    value = bytes(range(251)) * (4 * MIB // 251)
    feed(conn, resp(b"SET", b"big", value), step=65536)
    t.written.clear()
    feed(conn, resp(b"GET", b"big"))
    out = t.output()
    assert out == b"$%d\r\n" % len(value) + value + b"\r\n"
    assert any(isinstance(p, memoryview) for p in t.written), "value should be sent from slab views"
    server.state.keyspace.check_invariants()


def test_pins_held_until_drained_and_overwrite_is_safe():
    server, conn, t = make()
    ks = server.state.keyspace
    value = b"A" * (2 * MIB)
    feed(conn, resp(b"SET", b"k", value))
    t.hold = True
    t.written.clear()
    feed(conn, resp(b"GET", b"k"))
    sent = [p for p in t.written if isinstance(p, memoryview)]
    assert sent and conn.out.inflight, "the item must stay pinned while the transport holds its views"
    # Another client overwrites the key while the first reply is still pending.
    _, conn2, t2 = make_peer(server)
    feed(conn2, resp(b"SET", b"k", b"B" * (2 * MIB)))
    assert b"".join(bytes(p) for p in sent) == value
    t.pending = 0
    conn.resume_writing()
    assert not conn.out.inflight
    ks.check_invariants()


def test_disconnect_mid_value_leaves_nothing():
    server, conn, t = make()
    ks = server.state.keyspace
    data = resp(b"SET", b"half", b"x" * (8 * MIB))
    feed(conn, data[: 3 * MIB])
    assert ks.info_memory()["reservations"] == 1
    conn.connection_lost(None)
    assert ks.lookup(0, b"half") is None
    assert ks.info_memory()["reservations"] == 0
    assert sum(c["chunks_used"] for c in ks.info_slabs()) == 0
    ks.check_invariants()


def test_protocol_error_replies_and_closes():
    _, conn, t = make()
    feed(conn, b"*1\r\n$abc\r\n")
    assert t.output() == b"-ERR Protocol error: invalid bulk length\r\n"
    assert t.closed


def test_quit_closes_after_reply():
    _, conn, t = make()
    feed(conn, b"QUIT\r\nPING\r\n")
    assert t.output() == b"+OK\r\n" and t.closed


def test_hello3_switches_encoder():
    _, conn, t = make()
    feed(conn, resp(b"HELLO", b"3") + resp(b"GET", b"nope"))
    out = t.output()
    assert out.startswith(b"%") and out.endswith(b"_\r\n")


def _client_field(out: bytes, cid: int, name: str) -> int:
    line = next(ln for ln in out.decode().splitlines() if ln.startswith(f"id={cid} "))
    return int(dict(kv.split("=", 1) for kv in line.split(" "))[name])


def test_query_buffer_sizes_come_from_the_read_buffer():
    server, conn, t = make()
    feed(conn, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc")      # header read, 3 value bytes held
    assert conn.input_pending() == 3
    assert conn.input_free() == len(conn.inbuf.buf) - 3 and conn.inbuf.private
    feed(conn, b"defghij\r\n")
    assert t.output() == b"+OK\r\n"
    assert conn.input_pending() == 0 and conn.input_free() == 0   # nothing pending: no buffer
    value = b"x" * 100_000                                        # a big argument: its sink counts
    feed(conn, resp(b"SET", b"big", value)[:-50_002])
    assert conn.input_pending() == 50_000 and conn.input_free() == 50_000
    _, lister, lt = make_peer(server)
    feed(lister, resp(b"CLIENT", b"LIST"))
    out = lt.output()
    assert _client_field(out, conn.client.id, "qbuf") == 50_000
    assert _client_field(out, conn.client.id, "qbuf-free") == 50_000
    feed(conn, value[:50_000] + b"\r\n")
    assert conn.input_pending() == 0
    lt.written.clear()
    feed(lister, resp(b"CLIENT", b"LIST"))
    assert _client_field(lt.output(), conn.client.id, "qbuf") == 0


def _soft_limited(soft: int, seconds: int, hard: int = 0):
    """A connection whose transport holds every written byte, under `normal hard soft seconds`,
    with a 1 MiB value stored and a clock the test moves."""
    server, conn, t = make()
    now = [1000.0]
    server.clock = lambda: now[0]
    st = server.state
    st.client_output_buffer_limit = st.client_output_buffer_limit.updated(f"normal {hard} {soft} {seconds}")
    feed(conn, resp(b"SET", b"v", b"x" * MIB))
    t.hold = True
    return server, conn, t, now


def test_soft_output_limit_closes_after_soft_seconds():
    server, conn, t, now = _soft_limited(4 * MIB, 1)
    feed(conn, resp(b"GET", b"v") * 5)                   # 5 MiB pending: the soft clock starts
    assert conn.output_pending() >= 4 * MIB and conn.limits.since == 1000.0 and not t.aborted
    now[0] += 1.0
    feed(conn, resp(b"GET", b"v"))                      # exactly soft-seconds: not more yet
    server.tick()
    assert not t.aborted and conn in server.over_soft_limit
    now[0] += 0.01                                      # the client no longer sends: the tick
    server.tick()                                       # (clientsCron) closes it
    assert t.aborted and conn.client.killed
    assert conn not in server.over_soft_limit


def test_soft_output_limit_clock_restarts_when_output_drains():
    server, conn, t, now = _soft_limited(4 * MIB, 1)
    feed(conn, resp(b"GET", b"v") * 5)
    now[0] += 0.9
    t.pending = 0
    conn.resume_writing()                               # all sent: below the limit again
    assert conn.limits.since == 0.0 and conn not in server.over_soft_limit
    feed(conn, resp(b"GET", b"v") * 5)                  # over again: a new period starts
    now[0] += 0.9
    server.tick()
    assert not t.aborted
    now[0] += 0.2
    server.tick()
    assert t.aborted


def test_soft_output_limit_below_it_never_starts_the_clock():
    server, conn, t, now = _soft_limited(8 * MIB, 0)
    feed(conn, resp(b"GET", b"v") * 3)
    now[0] += 100
    server.tick()
    feed(conn, resp(b"GET", b"v"))
    assert conn.limits.since == 0.0 and not t.aborted


def test_hard_output_limit_closes_at_once():
    server, conn, t, now = _soft_limited(0, 0, hard=2 * MIB)
    feed(conn, resp(b"GET", b"v"))
    assert not t.aborted
    feed(conn, resp(b"GET", b"v"))                      # 2 MiB + headers pending: at the limit
    assert t.aborted


def test_query_buffer_limit_closes_without_reply():
    server, _, _ = make()
    server.state.client_query_buffer_limit = MIB
    for request in (b"*5000\r\n$4\r\nMSET\r\n" + (b"$1000\r\n" + b"k" * 1000 + b"\r\n") * 1100,
                    b"*2\r\n$4\r\nECHO\r\n$2000000\r\n" + b"e" * 100_000):
        _, conn, t = make_peer(server)
        feed(conn, b"PING\r\n" + request, step=65536)
        assert t.output() == b"+PONG\r\n" and t.closed       # the reply before it, then nothing
        assert conn.parser.argv == [] and conn.parser.sink is None
        feed(conn, b"x" * 300_000)                            # what still arrives is dropped
        assert t.output() == b"+PONG\r\n"
    server.state.keyspace.check_invariants()


class LowatSocket:
    """Records SO_RCVLOWAT settings (what connection_made finds as the transport's socket)."""

    def __init__(self) -> None:
        self.lowat: list[int] = []

    def setsockopt(self, level, option, value) -> None:
        import socket
        assert (level, option) == (socket.SOL_SOCKET, socket.SO_RCVLOWAT)
        self.lowat.append(value)


def make_tcp() -> tuple[Server, Connection, FakeTransport, LowatSocket]:
    """A connection whose transport has a (recording) TCP socket: SO_RCVLOWAT is used."""
    server = Server(ServerConfig(port=0, store=StoreConfig(maxmemory=64 * MIB)))
    conn = Connection(server)
    t = FakeTransport()
    sock = LowatSocket()
    t.get_extra_info = lambda name, default=None: {"peername": t.peer, "sockname": ("127.0.0.1", 6380),
                                                   "socket": sock}.get(name, default)
    conn.connection_made(t)
    return server, conn, t, sock


def test_rcvlowat_follows_a_big_value_and_never_exceeds_what_is_left():
    from resp_server.input_buffer import RCVLOWAT

    server, conn, t, sock = make_tcp()
    value = b"v" * (3 * RCVLOWAT)
    data = resp(b"SET", b"k", value) + resp(b"PING")
    left_when_set = []
    real = sock.setsockopt

    def spy(level, option, n):
        left_when_set.append((n, conn.parser.sink_left))
        real(level, option, n)
    sock.setsockopt = spy
    feed(conn, data, step=100_000)
    assert t.output() == b"+OK\r\n+PONG\r\n"
    assert sock.lowat == [RCVLOWAT, 1]                       # raised for the value, then back to 1
    assert all(n <= left or n == 1 for n, left in left_when_set)
    assert server.state.keyspace.dbs[0].items[b"k"].length == len(value)


def test_rcvlowat_drops_to_one_the_moment_a_value_completes():
    """The read that completes a value may leave its CRLF in the kernel: a watermark still up
    then would never let that read be reported (the hang under CPU load). After the completing
    buffer_updated, before any further get_buffer, the watermark is 1 again."""
    from resp_server.input_buffer import RCVLOWAT

    server, conn, t, sock = make_tcp()
    value = b"v" * (4 * RCVLOWAT)
    data = resp(b"SET", b"k", value)
    feed(conn, data[:-2 - 2 * RCVLOWAT])          # header and half the value
    while conn.parser.sink_left:                  # the rest in reads as large as offered
        buf = conn.get_buffer(-1)
        assert conn.lowat.value == RCVLOWAT       # more than RCVLOWAT is still missing
        n = min(len(buf), conn.parser.sink_left)
        buf[:n] = b"v" * n
        conn.buffer_updated(n)
    assert conn.lowat.value == 1 and sock.lowat[-1] == 1  # no next read needed to lower it
    buf = conn.get_buffer(-1)
    buf[:2] = b"\r\n"
    conn.buffer_updated(2)
    assert t.output() == b"+OK\r\n"


def test_rcvlowat_is_left_alone_without_a_tcp_socket():
    _, conn, t = make()
    feed(conn, resp(b"SET", b"k", b"v" * (2 * MIB)), step=100_000)
    assert t.output() == b"+OK\r\n" and conn.lowat.value == 0
