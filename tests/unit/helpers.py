"""Helpers of the unit tests (imported as tests.unit.helpers, never collected: no tests here).

- store: an injected Clock and small keyspaces (make_ks, cap_for, pattern, present);
- commands: Env, a real ServerState with one registered client and a fake connection handle,
  running requests through dispatch.execute as the connection does;
- connection: FakeTransport and make / make_peer / feed, a real Server and Connection over a
  transport that records writes and can hold them pending like a full socket buffer.
"""

from __future__ import annotations

import random

from resp_server.client import ClientState
from resp_server.commands import dispatch
from resp_server.config import MIB, ServerConfig, StoreConfig
from resp_server.connection import Connection
from resp_server.resp.replies import RespError
from resp_server.server import Server
from resp_server.state import ServerState
from resp_server.store.items import Item
from resp_server.store.keyspace import KEY_OVERHEAD, Keyspace

# --- store --------------------------------------------------------------------------------------

PAGE = 64 * 1024          # the smallest page StoreConfig allows: keeps tests small and fast


class Clock:
    """Injected clock in ms; tests move it explicitly."""

    def __init__(self, t: int = 1_700_000_000_000) -> None:
        self.t = t

    def __call__(self) -> int:
        return self.t

    def advance(self, ms: int) -> None:
        self.t += ms


def pattern(seed: int, n: int) -> bytes:
    """Non-repeating bytes: overlapping or misplaced chunks would show as mismatches."""
    return random.Random(seed).randbytes(n)


def make_ks(maxmemory: int = 0, policy: str = "allkeys-lru", page: int = PAGE,
            sizes: tuple[int, ...] = (), clock: Clock | None = None, **kw: object) -> Keyspace:
    cfg = StoreConfig(maxmemory=maxmemory, policy=policy, slab_page_size=page, slab_sizes=sizes,
                      debug_invariants=True, **kw)  # type: ignore[arg-type]
    return Keyspace(cfg, clock or Clock())


def cap_for(pages: int, keys: int, page: int = PAGE, keylen: int = 8) -> int:
    """A maxmemory that holds exactly `pages` pages plus overhead for `keys` keys."""
    return pages * page + keys * (KEY_OVERHEAD + keylen)


def present(ks: Keyspace, keys: list[bytes], db: int = 0) -> list[bytes]:
    return [k for k in keys if ks.peek(db, k) is not None]


# --- commands -----------------------------------------------------------------------------------

class FakeConn:
    """ConnectionHandle that records what commands asked of the connection."""

    def __init__(self) -> None:
        self.closing = False
        self.killed = False
        self.delivered: list = []

    def close_after_reply(self) -> None:
        self.closing = True

    def kill(self) -> None:
        self.killed = True

    def deliver(self, reply: object) -> None:
        self.delivered.append(reply)

    def output_pending(self) -> int:
        return 0

    def input_pending(self) -> int:
        return 0

    def input_free(self) -> int:
        return 0


def plain(reply: object) -> object:
    """Items -> bytes, recursively through lists and dicts (what the client would see)."""
    if isinstance(reply, Item):
        return reply.to_bytes()
    if isinstance(reply, list):
        return [plain(x) for x in reply]
    if isinstance(reply, dict):
        return {k: plain(v) for k, v in reply.items()}
    return reply


class Env:
    def __init__(self, **server_kw: object) -> None:
        store = StoreConfig(slab_page_size=64 * 1024, debug_invariants=False,
                            **server_kw.pop("store", {}))  # type: ignore[arg-type]
        self.server = ServerState(ServerConfig(store=store, **server_kw))  # type: ignore[arg-type]
        self.c = self.client()

    def client(self, addr: str = "") -> ClientState:
        s = self.server
        cid = s.new_client_id()
        c = ClientState(s, FakeConn(), cid, addr or f"127.0.0.1:{40000 + cid}", "127.0.0.1:6380")
        s.clients[cid] = c
        return c

    def __call__(self, *args: object, client: ClientState | None = None) -> object:
        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        reply = dispatch.execute(client or self.c, argv)
        self.server.keyspace.check_invariants()
        return plain(reply)

    def err(self, *args: object, client: ClientState | None = None) -> str:
        reply = self(*args, client=client)
        assert isinstance(reply, RespError), f"expected an error, got {reply!r}"
        return reply.msg

    def ok(self, *args: object) -> None:
        assert self(*args) == b"OK"


def test_env_runs_commands() -> None:
    env = Env()
    env.ok("SET", "k", "v")
    assert env("GET", "k") == b"v"
    assert env.err("NOSUCH") == "ERR unknown command 'NOSUCH', with args beginning with: "


NOW = 1_700_000_000_000


def env_at(now: int = NOW) -> Env:
    """An Env whose keyspace clock is frozen at `now` (ms)."""
    env = Env()
    env.server.keyspace.clock = lambda: now
    return env


def run_script(env: Env, script: list[tuple]) -> None:
    for *cmd, want in script:
        got = env(*cmd)
        if isinstance(got, RespError):
            got = got.msg
        assert got == want, f"{cmd}: {got!r} != {want!r}"


# --- connection ---------------------------------------------------------------------------------

class FakeTransport:
    """Records writes; `hold` keeps written data 'pending' like a full socket buffer."""

    def __init__(self, peer=("127.0.0.1", 5555)) -> None:
        self.peer = peer
        self.written: list = []
        self.pending = 0
        self.hold = False
        self.closed = False
        self.aborted = False
        self.reading = True

    def get_extra_info(self, name, default=None):
        return {"peername": self.peer, "sockname": ("127.0.0.1", 6380)}.get(name, default)

    def set_write_buffer_limits(self, high=None, low=None):
        pass

    def write(self, data):
        self.written.append(data)
        if self.hold:
            self.pending += len(data)

    def get_write_buffer_size(self):
        return self.pending

    def pause_reading(self):
        self.reading = False

    def resume_reading(self):
        self.reading = True

    def is_closing(self):
        return self.closed

    def close(self):
        self.closed = True

    def abort(self):
        self.closed = self.aborted = True

    def output(self) -> bytes:
        return b"".join(bytes(p) for p in self.written)


def make(maxmemory: int = 64 * MIB, peer=("127.0.0.1", 5555), debug: bool = True):
    server = Server(ServerConfig(port=0, store=StoreConfig(maxmemory=maxmemory, debug_invariants=debug)))
    conn = Connection(server)
    t = FakeTransport(peer)
    conn.connection_made(t)
    return server, conn, t


def feed(conn: Connection, data: bytes, step: int | None = None) -> None:
    step = step or len(data) or 1
    for i in range(0, len(data), step):
        chunk = memoryview(data[i:i + step])
        while chunk:
            buf = conn.get_buffer(-1)
            n = min(len(buf), len(chunk))
            buf[:n] = chunk[:n]
            conn.buffer_updated(n)
            chunk = chunk[n:]


def make_peer(server: Server):
    conn = Connection(server)
    t = FakeTransport()
    conn.connection_made(t)
    return server, conn, t
