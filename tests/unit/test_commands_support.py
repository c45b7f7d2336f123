"""Shared harness for the command unit tests: a real ServerState, fake connection handles.

`Env()` builds a ServerState from ServerConfig (small slab pages, invariants checked after every
call) and one registered client; `env("SET", "k", "v")` runs the request through
dispatch.execute exactly as the connection does and returns the reply value, with store Items
turned into bytes and RespError returned (not raised). `env.err(...)` returns the error text.
"""

from __future__ import annotations

from resp_server.client import ClientState
from resp_server.commands import dispatch
from resp_server.config import ServerConfig, StoreConfig
from resp_server.resp.replies import RespError
from resp_server.state import ServerState
from resp_server.store.items import Item


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
