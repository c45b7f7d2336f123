"""Protected mode: bound beyond loopback with no password, non-loopback clients get Redis's DENIED.

The live test binds 0.0.0.0 and connects through this host's own non-loopback IPv4 address (the
kernel routes it locally, nothing leaves the machine); without such an address it is skipped.
Admission is also unit-tested with fake peers.
"""

from __future__ import annotations

import pytest

from resp_server.config import ServerConfig
from resp_server.server import DENIED, Server
from tests.conftest import start_ours, start_redis
from tests.hardening.helpers import Raw, non_loopback_ipv4, record


def _server(**kw) -> Server:
    return Server(ServerConfig(port=0, **kw))


@pytest.mark.parametrize("peer,denied", [
    (("10.1.2.3", 5000), True),
    (("192.0.2.7", 1), True),
    (("2001:db8::1", 5000, 0, 0), True),
    (("::ffff:10.0.0.1", 5000, 0, 0), True),
    (("127.0.0.1", 5000), False),
    (("127.8.9.10", 5000), False),
    (("::1", 5000, 0, 0), False),
    (("fe80::1%eth0", 5000, 0, 2), True),
    ("", False),            # unix socket: no IP peer
    (None, False),
])
def test_admission_fake_peer(peer, denied):
    srv = _server(bind=("0.0.0.0",))
    assert srv.admission_error(None, peer) == (DENIED if denied else None)
    # a password, or protected-mode no, lets everyone in
    assert _server(bind=("0.0.0.0",), requirepass="pw").admission_error(None, peer) is None
    assert _server(bind=("0.0.0.0",), users=(("alice", "pw"),)).admission_error(None, peer) is None
    assert _server(bind=("0.0.0.0",), protected_mode=False).admission_error(None, peer) is None


def test_maxclients_admission_unit():
    srv = _server(maxclients=2)
    srv.state.clients.update({1: object(), 2: object()})   # type: ignore[dict-item]
    assert srv.admission_error(None, ("127.0.0.1", 1)) == "ERR max number of clients reached"


@pytest.fixture
def external_ip() -> str:
    ip = non_loopback_ipv4()
    if ip is None:
        pytest.skip("this host has no non-loopback IPv4 address to test protected mode with")
    return ip


def _first_reply(host: str, port: int) -> bytes:
    """What the server says first. A refused client is sent DENIED and closed at once, so it
    sends nothing (a request racing the close could turn the FIN into a reset)."""
    with Raw(port, host=host, timeout=5) as r:
        if host != "127.0.0.1":
            return r.read_until_closed(1 << 16)
        r.send(b"PING\r\n")
        return r.sock.recv(100)


def test_protected_mode_live(external_ip):
    ours = start_ours("--bind", "0.0.0.0", "--protected-mode", "yes")
    real = start_redis("--bind", "0.0.0.0", "--protected-mode", "yes")
    try:
        got = {name: _first_reply(external_ip, sp.port) for name, sp in (("ours", ours), ("redis", real))}
        assert got["ours"] == got["redis"]
        assert got["ours"] == b"-" + DENIED.encode() + b"\r\n"
        assert _first_reply("127.0.0.1", ours.port) == b"+PONG\r\n"
        record("bad inputs tried", 1)
    finally:
        ours.stop()
        real.stop()


@pytest.mark.parametrize("args", [("--requirepass", "pw"), ("--protected-mode", "no")])
def test_protected_mode_off_live(external_ip, args):
    sp = start_ours("--bind", "0.0.0.0", *args)
    try:
        with Raw(sp.port, host=external_ip, timeout=5) as r:
            r.send(b"PING\r\n")
            reply = r.sock.recv(100)
        assert reply in (b"+PONG\r\n", b"-NOAUTH Authentication required.\r\n")
    finally:
        sp.stop()
