"""CONFIG semantics and DEBUG protection on live servers, side by side with a real redis-server.

Each test sends the same commands to ours and to Redis 7.0 and compares the replies: DEBUG
refused by default with Redis's text, CONFIG SET of a parameter to its current value, CONFIG SET
port (applied, busy port refused and rolled back), maxmemory-clients percentages,
notify-keyspace-events kept in Redis's canonical form, CONFIG REWRITE of the start-up file, and
the real socket descriptor in CLIENT LIST.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.conftest import ServerProc, free_port, start_ours, start_redis, wait_ping

ERR_DEBUG = ("DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
             "you can run it from a local connection, otherwise you need to set this option in "
             "the configuration file, and then restart the server.")


@pytest.fixture
def pair() -> Iterator[tuple[ServerProc, ServerProc]]:
    ours, theirs = start_ours(), start_redis()
    yield ours, theirs
    ours.stop()
    theirs.stop()


def _reply(port: int, *args: str) -> object:
    r = redis.Redis(port=port, decode_responses=True)
    try:
        return r.execute_command(*args)
    except redis.ResponseError as e:
        return f"ERR:{e}"
    finally:
        r.close()


def _both(pair: tuple[ServerProc, ServerProc], *args: str) -> object:
    a, b = (_reply(sp.port, *args) for sp in pair)
    assert a == b, f"{args}: ours {a!r}, redis {b!r}"
    return a


def test_debug_disabled_by_default_as_redis(pair) -> None:
    assert _both(pair, "DEBUG", "SLEEP", "0") == f"ERR:{ERR_DEBUG}"
    assert _both(pair, "CONFIG", "GET", "enable-debug-command") == {"enable-debug-command": "no"}
    assert _both(pair, "CONFIG", "SET", "enable-debug-command", "yes").startswith("ERR:")


@pytest.mark.parametrize("mode", ["yes", "local"])
def test_debug_enabled_yes_and_local(mode: str) -> None:
    ours, theirs = start_ours("--enable-debug-command", mode), start_redis("--enable-debug-command", mode)
    try:
        for sp in (ours, theirs):
            assert _reply(sp.port, "DEBUG", "SLEEP", "0") == "OK"
    finally:
        ours.stop()
        theirs.stop()


@pytest.mark.parametrize(("name", "value"), [
    ("bind", "127.0.0.1"), ("protected-mode", "yes"), ("tcp-keepalive", "300"),
    ("replica-read-only", "yes"), ("latency-tracking-info-percentiles", "50 99 99.9"),
    ("databases", "16"), ("io-threads", "1"), ("daemonize", "no"),
])
def test_config_set_current_value(pair, name: str, value: str) -> None:
    """Redis accepts its current value for a parameter it can change at runtime, and refuses
    every value for the immutable ones (databases, io-threads, daemonize): so do we."""
    _both(pair, "CONFIG", "SET", name, value)


def test_config_set_port_current_value(pair) -> None:
    for sp in pair:
        assert _reply(sp.port, "CONFIG", "SET", "port", str(sp.port)) == "OK"
        assert _reply(sp.port, "PING") is True


def test_config_set_port_moves_listener_and_busy_port_rolls_back(pair) -> None:
    for sp in pair:
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        try:
            err = _reply(sp.port, "CONFIG", "SET", "port", str(busy.getsockname()[1]))
        finally:
            busy.close()
        assert err == ("ERR:CONFIG SET failed (possibly related to argument 'port') - Unable to "
                       "listen on this port. Check server logs."), sp
        assert _reply(sp.port, "PING") is True                  # still on the old port
        new = free_port()
        assert _reply(sp.port, "CONFIG", "SET", "port", str(new)) == "OK"
        assert _reply(new, "PING") is True
        assert _reply(new, "CONFIG", "GET", "port") == {"port": str(new)}
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", sp.port), timeout=2).close()
        sp.port = new                                           # so the fixture stops it


def test_maxmemory_clients_percentages(pair) -> None:
    for value in ("5%", "200%", "0%", "100mb", "abc", "-5%", "5.5%", "100%", "1000", "0"):
        _both(pair, "CONFIG", "SET", "maxmemory-clients", value)
        _both(pair, "CONFIG", "GET", "maxmemory-clients")


def test_notify_keyspace_events_kept_in_canonical_form(pair) -> None:
    for value in ("gKE", "KEA", "An", "nA", "ElK", "g$lshzxetd", "m", "mK", "xE", "Q", "zz", ""):
        _both(pair, "CONFIG", "SET", "notify-keyspace-events", value)
        _both(pair, "CONFIG", "GET", "notify-keyspace-events")


def test_config_rewrite_without_file(pair) -> None:
    assert _both(pair, "CONFIG", "REWRITE") == "ERR:The server is running without a config file"
    for sp in pair:
        assert _reply(sp.port, "INFO", "server")["config_file"] == ""


CONF = """# top comment
port {port}
bind 127.0.0.1

# memory
maxmemory 100mb
save 900 1
appendonly no
hz 10
timeout 0
"""
SETS = [("maxmemory", "200mb"), ("hz", "20"), ("notify-keyspace-events", "gKE"),
        ("maxmemory-clients", "5%"), ("timeout", "30"), ("loglevel", "verbose"),
        ("maxmemory-policy", "allkeys-lru"), ("requirepass", "s3cret word")]


def _rewritten(kind: str, tmp_path: Path) -> tuple[list[str], ServerProc]:
    d = tmp_path / kind
    d.mkdir()
    port = free_port()
    conf = d / "redis.conf"
    conf.write_text(CONF.format(port=port))
    sp = start_ours(str(conf), port=port) if kind == "ours" else _redis_with_file(conf, port)
    try:
        r = redis.Redis(port=sp.port, decode_responses=True)
        assert r.info("server")["config_file"] == str(conf)
        for name, value in SETS:
            assert r.config_set(name, value)
        assert r.execute_command("CONFIG", "REWRITE") == "OK"
        r.close()
    finally:
        sp.stop()
    return conf.read_text().splitlines(), sp


def _redis_with_file(conf: Path, port: int) -> ServerProc:
    exe = shutil.which("redis-server") or pytest.skip("redis-server is not installed")
    proc = subprocess.Popen([exe, str(conf), "--dir", str(conf.parent)], cwd=str(conf.parent),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sp = ServerProc(port, proc)
    wait_ping(port, proc)
    return sp


REDIS_ONLY = ("user ", "latency-tracking-info-percentiles ")   # Redis's own rewrite quirks


def test_config_rewrite_matches_redis(tmp_path: Path) -> None:
    ours, _ = _rewritten("ours", tmp_path)
    theirs, _ = _rewritten("redis", tmp_path)
    sig = "# Generated by CONFIG REWRITE"
    assert sig in ours and sig in theirs
    head_o, tail_o = ours[:ours.index(sig)], ours[ours.index(sig) + 1:]
    head_r, tail_r = theirs[:theirs.index(sig)], theirs[theirs.index(sig) + 1:]
    strip = lambda lines: [x for x in lines if not x.startswith(("port ", "dir "))]  # noqa: E731
    assert strip(head_o) == strip(head_r)            # comments, order, in-place changes
    tail_r = [x for x in tail_r if not x.startswith(REDIS_ONLY)]
    assert sorted(strip(tail_o)) == sorted(strip(tail_r))   # Redis appends in hash order
    assert any(x.startswith("dir ") for x in tail_o) == any(x.startswith("dir ") for x in tail_r)


def test_client_list_shows_the_real_fd(pair) -> None:
    ours = pair[0]
    r = redis.Redis(port=ours.port, decode_responses=True)
    try:
        me = r.client_info()
        fd, laddr, addr = int(me["fd"]), me["laddr"], me["addr"]
        link = os.readlink(f"/proc/{ours.proc.pid}/fd/{fd}")
        assert link == f"socket:[{_tcp_inode(laddr, addr)}]"
    finally:
        r.close()


def _tcp_inode(local: str, remote: str) -> int:
    """The inode of the TCP socket local<->remote in /proc/net/tcp (IPv4)."""
    def hexaddr(a: str) -> str:
        ip, port = a.rsplit(":", 1)
        return "".join(f"{int(x):02X}" for x in reversed(ip.split("."))) + f":{int(port):04X}"
    want = (hexaddr(local), hexaddr(remote))
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            parts = line.split()
            if (parts[1], parts[2]) == want:
                return int(parts[9])
    raise AssertionError(f"no socket {want} in /proc/net/tcp")


if sys.platform != "linux":
    pytestmark = pytest.mark.skip("reads /proc")
