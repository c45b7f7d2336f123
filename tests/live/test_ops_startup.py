"""Operators' start-up options over real processes, compared with redis-server where Redis defines them.

Config errors (bad directive, `--port` with no value, bad values) print redis-server's fatal
text and exit 1; a production redis.conf is accepted, with one warning per directive that has no
effect here; logfile/pidfile/dir/daemonize behave as Redis's; the banner names every listener,
maxmemory and policy; the default maxmemory comes from the available memory; SIGTERM with idle
clients exits at once; -OOM and protocol errors are logged with the client's address, rate-limited.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from resp_server import memlimit
from resp_server.config import StoreConfig
from resp_server.server import SHUTDOWN_GRACE
from tests.conftest import ROOT, free_port, start_ours, wait_ping

OURS = [sys.executable, "-m", "resp_server"]


def _run(cmd: list[str], cwd: str = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=30)


def _fatal_body(out: subprocess.CompletedProcess) -> list[str]:
    """The lines after `*** FATAL CONFIG FILE ERROR (...) ***`."""
    text = out.stdout + out.stderr
    assert "*** FATAL CONFIG FILE ERROR" in text, text
    return text.split("***\n", 2)[-1].strip().splitlines()


@pytest.mark.parametrize("args", [
    ["--port"], ["--port", "abc"], ["--port", "70000"], ["--maxmemory", "10zz"], ["--foo", "1"],
    ["--appendonly"], ["--save", "900"], ["--enable-debug-command", "maybe"],
    ["--maxmemory-clients", "200%"], ["--protected-mode", "perhaps"], ["--timeout", "1", "2"],
    ["--notify-keyspace-events", "Q"],
])
def test_config_errors_match_redis(args: list[str]) -> None:
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed")
    ours, theirs = _run([*OURS, *args]), _run([exe, *args])
    assert ours.returncode == theirs.returncode == 1
    assert "Traceback" not in ours.stderr and "invalid literal" not in ours.stderr
    assert _fatal_body(ours) == _fatal_body(theirs)


def test_config_file_error_names_its_line(tmp_path: Path) -> None:
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed")
    conf = tmp_path / "bad.conf"
    conf.write_text("# a comment\nport 0\n\nnosuch-directive yes\n")
    for extra in ([], ["--maxmemory", "x"]):
        ours, theirs = _run([*OURS, str(conf), *extra]), _run([exe, str(conf), *extra])
        assert ours.returncode == theirs.returncode == 1
        assert _fatal_body(ours) == _fatal_body(theirs)
        assert _fatal_body(ours)[0] == "Reading the configuration file, at line 4"


def _production_conf(tmp_path: Path, port: int) -> Path:
    """The distribution's redis.conf (what an operator points us at), our port and paths."""
    src = Path("/etc/redis/redis.conf")
    if not src.exists():
        pytest.skip("no /etc/redis/redis.conf (redis-server package) to read")
    conf = tmp_path / "redis.conf"
    conf.write_text(src.read_text() + f"\nport {port}\nbind 127.0.0.1\ndaemonize no\n"
                    f"pidfile {tmp_path}/r.pid\nlogfile {tmp_path}/r.log\ndir {tmp_path}\n"
                    "save 900 1\nappendonly yes\nio-threads 4\n")
    return conf


def test_production_redis_conf_warns_once_per_no_effect_directive(tmp_path: Path) -> None:
    port = free_port()
    conf = _production_conf(tmp_path, port)
    proc = subprocess.Popen([*OURS, str(conf)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        wait_ping(port, proc)
        r = redis.Redis(port=port)
        assert r.config_get("save") == {"save": ""}
        assert r.config_get("appendonly") == {"appendonly": "no"}
        assert r.config_get("io-threads") == {"io-threads": "1"}
        assert r.info("server")["config_file"] == str(conf)
        assert r.config_get("dir") == {"dir": str(tmp_path)}
        r.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    log = (tmp_path / "r.log").read_text()
    warned = [line for line in log.splitlines() if "has no effect" in line]
    assert len(warned) == 3, log
    for name in ("'save 900 1'", "'appendonly yes'", "'io-threads 4'"):
        assert sum(name in line for line in warned) == 1, log
    assert all(" # WARNING" in line for line in warned)
    assert not (tmp_path / "r.pid").exists()          # removed at exit, as Redis


def test_logfile_pidfile_dir_and_banner(tmp_path: Path) -> None:
    port, sock = free_port(), tmp_path / "s.sock"
    proc = subprocess.Popen([*OURS, "--port", str(port), "--bind", "127.0.0.1", "--dir",
                             str(tmp_path), "--logfile", "rel.log", "--pidfile", "rel.pid",
                             "--unixsocket", str(sock), "--maxmemory", "100mb"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_ping(port, proc)
        assert (tmp_path / "rel.pid").read_text().strip() == str(proc.pid)
        r = redis.Redis(port=port)
        assert r.config_get("dir") == {"dir": str(tmp_path)}
        assert r.config_get("logfile") == {"logfile": "rel.log"}
        r.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and out == b"" and err == b""     # all went to the logfile
    log = (tmp_path / "rel.log").read_text()
    banner = next(line for line in log.splitlines() if "started" in line)
    assert " * " in banner                                        # notice level, as Redis
    for part in (f"pid={proc.pid}", f"tcp 127.0.0.1:{port}", f"unix {sock}",
                 "maxmemory=104857600 (100.00M)", f"maxmemory-policy={StoreConfig().policy}"):
        assert part in banner, banner
    assert not (tmp_path / "rel.pid").exists()


def test_logfile_empty_is_stdout() -> None:
    port = free_port()
    proc = subprocess.Popen([*OURS, "--port", str(port), "--bind", "127.0.0.1", "--logfile", ""],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_ping(port, proc)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    assert b"started" in out and err == b""


def _daemonized(cmd: list[str], port: int, pidfile: Path) -> int:
    """Start a daemonizing server; the launched process exits 0 at once; returns the daemon's pid."""
    assert subprocess.run(cmd, cwd=ROOT, timeout=30, stdout=subprocess.DEVNULL).returncode == 0
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not (pidfile.exists() and pidfile.read_text().strip()):
        time.sleep(0.05)
    pid = int(pidfile.read_text())
    r = redis.Redis(port=port)
    while time.monotonic() < deadline:
        try:
            assert r.info("server")["process_id"] == pid
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    r.close()
    return pid


def _stop_pid(pid: int) -> None:
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    raise AssertionError(f"daemon {pid} did not exit on SIGTERM")


@pytest.mark.parametrize("server", ["ours", "redis"])
def test_daemonize_forks_detaches_and_writes_pidfile(tmp_path: Path, server: str) -> None:
    exe = [*OURS] if server == "ours" else [shutil.which("redis-server") or pytest.skip("no redis")]
    port, pidfile = free_port(), tmp_path / "d.pid"
    cmd = [*exe, "--port", str(port), "--bind", "127.0.0.1", "--daemonize", "yes", "--pidfile",
           str(pidfile), "--logfile", str(tmp_path / "d.log"), "--save", ""]
    pid = _daemonized(cmd, port, pidfile)
    try:
        assert os.getsid(pid) == pid                  # leads its own session: detached
    finally:
        _stop_pid(pid)
    assert not pidfile.exists()


def _info_int(port: int, section: str, field: str) -> int:
    r = redis.Redis(port=port)
    try:
        return int(r.info(section)[field])
    finally:
        r.close()


def test_default_maxmemory_is_80_percent_of_available_minus_slack() -> None:
    expected = memlimit.default_maxmemory()
    assert 0 < expected < memlimit.available_memory()
    sp = start_ours()
    try:
        r = redis.Redis(port=sp.port)
        assert _info_int(sp.port, "memory", "maxmemory") == expected
        assert r.config_get("maxmemory") == {"maxmemory": str(expected)}
        assert r.info("memory")["maxmemory_human"].endswith(("G", "M"))
        r.close()
    finally:
        sp.stop()
    out = sp.proc.stdout.read().decode()
    assert f"maxmemory={expected} (" in out and "default: 80% of" in out


def test_explicit_maxmemory_0_is_no_cap_with_a_warning() -> None:
    sp = start_ours("--maxmemory", "0")
    try:
        assert _info_int(sp.port, "memory", "maxmemory") == 0
    finally:
        sp.stop()
    out = sp.proc.stdout.read().decode()
    assert "# WARNING maxmemory is 0: no memory cap" in out


def test_sigterm_with_an_idle_pooled_client_exits_at_once() -> None:
    """A redis-py pool keeps its connection open after a command: that client is idle, and the
    server must not wait the grace period meant for replies in flight (was 5.09 s; Redis 0.02 s)."""
    sp = start_ours()
    r = redis.Redis(port=sp.port)
    try:
        assert r.set("k", "v") and r.get("k") == b"v"          # the pooled connection stays open
        t0 = time.monotonic()
        sp.proc.send_signal(signal.SIGTERM)
        assert sp.proc.wait(SHUTDOWN_GRACE + 5) == 0
        took = time.monotonic() - t0
    finally:
        r.close()
        sp.stop()
    assert took < SHUTDOWN_GRACE / 5, f"exit took {took:.2f}s with one idle client"


def test_shutdown_command_with_idle_clients_exits_at_once() -> None:
    sp = start_ours()
    idle = [redis.Redis(port=sp.port) for _ in range(5)]
    try:
        for r in idle:
            r.ping()
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", sp.port)) as s:   # redis-py would retry
            s.sendall(b"SHUTDOWN\r\n")
            assert s.recv(100) == b""                              # closed without a reply
        assert sp.proc.wait(SHUTDOWN_GRACE + 5) == 0
        took = time.monotonic() - t0
    finally:
        for r in idle:
            r.close()
        sp.stop()
    assert took < SHUTDOWN_GRACE / 5, f"exit took {took:.2f}s with idle clients"


def test_oom_and_protocol_errors_are_logged_rate_limited() -> None:
    sp = start_ours("--maxmemory", "4mb", "--maxmemory-policy", "noeviction")
    try:
        r = redis.Redis(port=sp.port)
        refused = 0
        for i in range(400):
            try:
                r.set(f"k{i}", b"x" * 65536)
            except redis.ResponseError as e:
                assert str(e).startswith("command not allowed when used memory")
                refused += 1
        assert refused > 100
        r.close()
        for _ in range(20):
            with socket.create_connection(("127.0.0.1", sp.port)) as s:
                s.sendall(b"*1\r\n$x\r\n")
                s.recv(100)
    finally:
        sp.stop()
    log = sp.proc.stdout.read().decode().splitlines()
    oom = [line for line in log if "OOM: client 127.0.0.1:" in line]
    proto = [line for line in log if "Protocol error, connection closed: client 127.0.0.1:" in line]
    assert 1 <= len(oom) < refused / 10 and 1 <= len(proto) < 20, "\n".join(log)
    assert all(" * " in line for line in oom + proto)            # notice level


def test_banner_names_the_tls_listener(tmp_path: Path) -> None:
    try:
        from tests.hardening.helpers import make_certs
        certs = make_certs(tmp_path)
    except ImportError:
        pytest.skip("the cryptography package is not installed")
    tls_port = free_port()
    sp = start_ours("--tls-port", str(tls_port), "--tls-cert-file", certs["server_cert"],
                    "--tls-key-file", certs["server_key"], "--maxmemory", "64mb")
    assert sp.stop() == 0          # SIGTERM while listeners open takes the clean path (rc 0)
    log = sp.proc.stdout.read().decode()
    banner = next((line for line in log.splitlines() if "started" in line), log)
    assert f"tcp 127.0.0.1:{sp.port}" in banner and f"tls 127.0.0.1:{tls_port}" in banner, banner


def test_every_listener_open_before_the_first_answers(tmp_path: Path) -> None:
    """Once PING answers on the TCP port, the TLS port and the unix socket accept too (the
    listeners start serving together, after all are open), for a few starts in a row."""
    try:
        from tests.hardening.helpers import make_certs
        certs = make_certs(tmp_path)
    except ImportError:
        pytest.skip("the cryptography package is not installed")
    for i in range(4):
        tls_port, sock_path = free_port(), str(tmp_path / f"s{i}.sock")
        sp = start_ours("--tls-port", str(tls_port), "--tls-cert-file", certs["server_cert"],
                        "--tls-key-file", certs["server_key"], "--unixsocket", sock_path,
                        "--maxmemory", "64mb")
        try:
            socket.create_connection(("127.0.0.1", tls_port), timeout=5).close()
            assert redis.Redis(unix_socket_path=sock_path, socket_timeout=5).ping()
        finally:
            sp.stop()
