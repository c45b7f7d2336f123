"""Start, find and measure the servers a benchmark compares: ours and a real redis-server.

A `Target` is one server under test, reached by host/port, that we either started ourselves (then
we own the process and stop it) or were given as a URL (then we only talk to it). Both kinds expose
the server's PID when it runs on this machine, so RSS can be read from /proc/PID/status:

- a process we started: `Popen.pid`;
- a URL: `process_id` from INFO, or else the owner of the listening socket found through
  /proc/net/tcp and /proc/*/fd (Linux only).

Servers bind 127.0.0.1 on free ports; redis-server runs without persistence (`--save ""
--appendonly no`). Sizes are bytes; RSS is reported in bytes (VmRSS is in KiB in /proc).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
START_TIMEOUT_S = 60.0       # a Python server importing numpy/uvloop may be slow on a busy machine
STOP_GRACE_S = 10.0          # SIGTERM first, SIGKILL after this
KIB = 1024
MIB = 1024 * KIB


_UNITS = {"": 1, "b": 1, "k": 1000, "kb": KIB, "m": 1000**2, "mb": MIB, "g": 1000**3,
          "gb": 1024 * MIB}


def parse_size(text: str | int) -> int:
    """Redis-style memory size: '512mb' -> 536870912, '1k' -> 1000, '42' -> 42."""
    if isinstance(text, int):
        return text
    t = text.strip().lower()
    digits = t.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = t[len(digits):]
    if not digits.isdigit() or unit not in _UNITS:
        raise ValueError(f"invalid memory size: {text!r}")
    return int(digits) * _UNITS[unit]


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(port: int) -> bool:
    """Can a server bind 127.0.0.1:port right now?"""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def cluster_ports(n: int, tries: int = 200) -> list[int]:
    """n free ports whose cluster bus port (port + 10000, which real Redis cluster nodes bind)
    is free as well."""
    out: list[int] = []
    for _ in range(tries):
        p = free_port()
        if p < 55535 and p not in out and port_free(p + 10000):
            out.append(p)
            if len(out) == n:
                return out
    raise RuntimeError("no free cluster ports")


def ping(host: str, port: int, timeout: float = 1.0) -> bool:
    """True if a server at host:port answers an inline PING with +PONG."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def wait_ping(host: str, port: int, proc: subprocess.Popen | None, timeout: float) -> None:
    """Poll PING until the server answers; raise if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            err = proc.stdout.read().decode(errors="replace")[-2000:] if proc.stdout else ""
            raise RuntimeError(f"server exited early with code {proc.returncode}: {err}")
        if ping(host, port):
            return
        time.sleep(0.05)
    raise RuntimeError(f"server on {host}:{port} did not answer PING within {timeout:.0f}s")


@dataclass
class Target:
    """One server under test."""

    name: str                               # "ours" or "redis" (plus a policy tag in W5)
    host: str
    port: int
    proc: subprocess.Popen | None = None    # set when we started it
    args: list[str] = field(default_factory=list)
    tmpdir: str = ""

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}"

    @property
    def owned(self) -> bool:
        return self.proc is not None

    def pid(self) -> int | None:
        """PID of the server process if it runs on this machine, else None."""
        if self.proc is not None:
            return self.proc.pid
        return pid_from_info(self.host, self.port) or pid_from_socket(self.port)

    def rss_bytes(self) -> int | None:
        pid = self.pid()
        return rss_of(pid) if pid else None

    def stop(self) -> None:
        """Stop the process if we started it (SIGTERM, then SIGKILL after a grace period)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)


def target_from_url(name: str, url: str) -> Target:
    """A Target for an already running server given as redis://host:port."""
    u = urlparse(url if "://" in url else f"redis://{url}")
    target = Target(name, u.hostname or "127.0.0.1", u.port or 6379)
    if not ping(target.host, target.port, timeout=3.0):
        raise RuntimeError(f"{name}: no PONG from {url}")
    return target


def _spawn(name: str, cmd: list[str], port: int, cwd: str | None, tmpdir: str = "") -> Target:
    # the log (standard output, as redis-server) and stderr, read if the server exits early
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    target = Target(name, "127.0.0.1", port, proc, cmd, tmpdir)
    try:
        wait_ping("127.0.0.1", port, proc, START_TIMEOUT_S)
    except RuntimeError:
        target.stop()
        raise
    return target


def start_ours(maxmemory: int, policy: str = "allkeys-lru", extra: tuple[str, ...] = (),
               name: str = "ours") -> Target:
    """Start `python -m resp_server` on a free loopback port and wait until it answers PING."""
    port = free_port()
    cmd = [sys.executable, "-m", "resp_server", "--port", str(port), "--bind", "127.0.0.1",
           "--maxmemory", str(maxmemory), "--maxmemory-policy", policy, *extra]
    return _spawn(name, cmd, port, ROOT)


def redis_server_path() -> str:
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server is not installed (scripts/setup.sh installs it)")
    return exe


def start_redis(maxmemory: int, policy: str = "allkeys-lru", extra: tuple[str, ...] = (),
                name: str = "redis") -> Target:
    """Start a real redis-server without persistence on a free loopback port."""
    port = free_port()
    tmpdir = tempfile.mkdtemp(prefix="resp-bench-redis-")
    cmd = [redis_server_path(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
           "--appendonly", "no", "--dir", tmpdir, "--maxmemory", str(maxmemory),
           "--maxmemory-policy", policy, *extra]
    return _spawn(name, cmd, port, None, tmpdir)


def ours_available(timeout: float = START_TIMEOUT_S) -> tuple[bool, str]:
    """Can our server start and answer PING? Returns (ok, reason)."""
    try:
        t = start_ours(64 * MIB)
    except (RuntimeError, OSError) as exc:
        return False, str(exc).strip()[:300]
    t.stop()
    return True, ""


# --- PIDs and RSS -----------------------------------------------------------------------------

def rss_of(pid: int, field: str = "VmRSS") -> int | None:
    """Resident set size of a process in bytes (VmRSS; VmHWM = peak), or None if unreadable."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * KIB
    except OSError:
        return None
    return None


def pid_from_info(host: str, port: int) -> int | None:
    """`process_id` from INFO server, if the server reports it."""
    try:
        with socket.create_connection((host, port), timeout=3) as s:
            s.sendall(b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")
            data = _recv_bulk(s)
    except OSError:
        return None
    for line in data.decode(errors="replace").splitlines():
        if line.startswith("process_id:"):
            return int(line.split(":", 1)[1])
    return None


def _recv_bulk(s: socket.socket, limit: int = 1 << 20) -> bytes:
    """Read one bulk-string reply (small; bounded by `limit`)."""
    data = b""
    while b"\r\n" not in data and len(data) < limit:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n")
    if not head.startswith((b"$", b"=")):
        return b""
    need = int(head[1:]) + 2
    while len(rest) < need and len(rest) < limit:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    return rest[: need - 2]


def pid_from_socket(port: int) -> int | None:
    """PID of the process listening on 127.0.0.1:port (via /proc/net/tcp and fd links)."""
    inode = _listening_inode(port)
    if inode is None:
        return None
    needle = f"socket:[{inode}]"
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == needle:
                    return int(pid)
            except OSError:
                continue
    return None


def _listening_inode(port: int) -> str | None:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            local, state, inode = cols[1], cols[3], cols[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                return inode
    return None
