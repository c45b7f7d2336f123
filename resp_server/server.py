"""Server lifecycle: listeners, the connection registry, background ticks and graceful shutdown.

`Server(config).run()` binds every address of `bind` on `port` (plus `tls-port` and `unixsocket`
when set), then runs until SIGINT/SIGTERM or SHUTDOWN: it stops accepting, lets connections send
their pending replies (bounded by SHUTDOWN_GRACE), closes them and returns 0.

Write queue (Redis's beforeSleep): connections queue their small replies with `write_soon`; one
callback per loop iteration writes them all once the iteration's input has been handled, so the
replies of many clients leave back to back and a client is woken once per burst.

Background tick (`hz` times a second): active expiry with a bounded time budget, slab automove,
instantaneous-ops sampling, idle-client timeouts and the output soft limit of clients whose
replies have stayed at it (Redis's clientsCron: a client that stopped reading adds no output, so
no write would notice that its time is up).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import signal
import socket
import ssl
import time

from resp_server import memlimit
from resp_server.config import MIB, REDIS_COMPAT_VERSION, VERSION, ServerConfig
from resp_server.connection import Connection
from resp_server.input_buffer import SharedReadBuffer
from resp_server.logsetup import notice
from resp_server.state import ServerState
from resp_server.sysmem import human_bytes

SHUTDOWN_GRACE = 5.0          # seconds connections with replies in flight get on shutdown
LISTEN_BACKLOG = 511          # Redis's tcp-backlog default
PINNED_CONN_SHARE = 8         # one client's unsent pinned replies: at most maxmemory / 8 ...
PINNED_ALL_SHARE = 2          # ... and all clients' together at most maxmemory / 2
EXPIRE_BUDGET_MS = 1.0        # active-expiry time per tick (Redis: 25% of a 100 ms tick; we are leaner)
DENIED = ("DENIED Redis is running in protected mode because protected mode is enabled and no "
          "password is set for the default user. In this mode connections are only accepted from "
          "the loopback interface. If you want to connect from external computers to Redis you may "
          "adopt one of the following solutions: 1) Just disable protected mode sending the command "
          "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from "
          "the same host the server is running, however MAKE SURE Redis is not publicly accessible "
          "from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
          "Alternatively you can just disable the protected mode by editing the Redis configuration "
          "file, and setting the protected mode option to 'no', and then restarting the server. 3) "
          "If you started the server manually just for testing, restart it with the '--protected-mode "
          "no' option. 4) Setup a an authentication password for the default user. NOTE: You only need "
          "to do one of the above things in order for the server to start accepting connections from "
          "the outside.")

log = logging.getLogger("resp_server")


class Server:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.state = ServerState(config)
        self.state.shutdown_requested = self.request_shutdown
        self.log = log
        self.connections: set[Connection] = set()
        self.listeners: list[asyncio.AbstractServer] = []
        self.listener_kinds: dict[asyncio.AbstractServer, str] = {}   # tcp | tls | unix
        self.output_pause_copied = 16 * MIB    # stop reading a client with this much copied output
        self.output_pause_pinned = 256 * MIB   # ... or this much pinned slab memory in flight
        self.pinned_inflight = 0               # slab bytes referenced by unsent replies, all clients
        self.memory_waiters: dict[Connection, None] = {}   # big values waiting for memory, FIFO
        self.over_soft_limit: set[Connection] = set()  # output at the soft limit: the tick checks
        self.clock = time.monotonic                # soft-limit time (tests inject their own)
        self._kick_scheduled = False
        self.write_queue: list[Connection] = []  # replies to write before the loop polls again
        self.read_buffer = SharedReadBuffer()    # where every connection's reads land
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.protected_mode = config.protected_mode

    # --- the Owner interface of connection.py ------------------------------------------------
    def register(self, conn: Connection) -> None:
        self.connections.add(conn)

    def unregister(self, conn: Connection) -> None:
        self.connections.discard(conn)
        self.memory_waiters.pop(conn, None)
        self.over_soft_limit.discard(conn)

    def wait_for_memory(self, conn: Connection) -> None:
        self.memory_waiters[conn] = None

    def watch_soft_limit(self, conn: Connection, on: bool) -> None:
        if on:
            self.over_soft_limit.add(conn)
        else:
            self.over_soft_limit.discard(conn)

    def add_pinned(self, nbytes: int) -> None:
        self.pinned_inflight += nbytes

    # --- admission ------------------------------------------------------------------------
    def admission_error(self, conn: Connection, peer: tuple | str) -> str | None:
        if len(self.state.clients) >= self.state.maxclients:
            return "ERR max number of clients reached"
        if self.protected_mode and not self.state.auth_required() and not _is_loopback(peer):
            return DENIED
        return None

    def pinned_over(self, conn_pinned: int) -> bool:
        """Should a client with conn_pinned bytes of pinned replies in flight stop reading?
        Under maxmemory, one client may pin 1/PINNED_CONN_SHARE of it and all clients together
        1/PINNED_ALL_SHARE, so that stalled readers never leave the cache nothing to evict."""
        cap = self.state.keyspace.maxmemory
        if not cap:
            return conn_pinned > self.output_pause_pinned
        return (conn_pinned > min(self.output_pause_pinned, cap // PINNED_CONN_SHARE)
                or self.pinned_inflight > cap // PINNED_ALL_SHARE)

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        loop = self._loop = asyncio.get_running_loop()
        cfg = self.config
        if self._stop is None:
            self._stop = asyncio.Event()
        if cfg.port or not cfg.unixsocket:
            srv = await loop.create_server(lambda: Connection(self), list(cfg.bind) or None, cfg.port,
                                           reuse_address=True, backlog=LISTEN_BACKLOG,
                                           start_serving=False)
            self._add_listener("tcp", srv)
            self.state.port = srv.sockets[0].getsockname()[1]
        if cfg.tls_port:
            ctx = make_tls_context(cfg)
            srv = await loop.create_server(lambda: Connection(self, tls=True), list(cfg.bind) or None,
                                           cfg.tls_port, ssl=ctx, reuse_address=True,
                                           backlog=LISTEN_BACKLOG, start_serving=False)
            self._add_listener("tls", srv)
        if cfg.unixsocket:
            srv = await loop.create_unix_server(lambda: Connection(self), cfg.unixsocket,
                                                start_serving=False)
            self._add_listener("unix", srv)
        # Accept only once every listener is open (as Redis): a client answered on the TCP port
        # finds the TLS port and the unix socket there too.
        for srv in self.listeners:
            await srv.start_serving()
        self.state.ops.relisten = self.relisten

    def _add_listener(self, kind: str, srv: asyncio.AbstractServer) -> None:
        self.listeners.append(srv)
        self.listener_kinds[srv] = kind

    def relisten(self, port: int) -> int:
        """CONFIG SET port: bind every `bind` address on the new port, then close the old TCP
        listeners (Redis's changeListenPort). Raises OSError, old listeners untouched, when the
        new port cannot be bound. Returns the bound port (0: no TCP listener)."""
        socks = bind_sockets(self.config.bind, port) if port else []
        for srv in [s for s, k in self.listener_kinds.items() if k == "tcp"]:
            srv.close()
            self.listeners.remove(srv)
            del self.listener_kinds[srv]
        if socks:
            asyncio.ensure_future(self._serve_sockets(socks))
        self.state.port = socks[0].getsockname()[1] if socks else 0
        return self.state.port

    async def _serve_sockets(self, socks: list[socket.socket]) -> None:
        loop = asyncio.get_running_loop()
        for sock in socks:
            srv = await loop.create_server(lambda: Connection(self), sock=sock,
                                           backlog=LISTEN_BACKLOG)
            self._add_listener("tcp", srv)

    def request_shutdown(self) -> None:
        if self._stop is not None:
            self._stop.set()

    async def run(self) -> int:
        # Signal handlers first: a SIGTERM that arrives while the listeners open (a client may
        # already be answered on the first one) takes the clean path, banner and all.
        loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.request_shutdown)
            except (NotImplementedError, RuntimeError):
                pass
        await self.start()
        if self.state.cluster is not None:      # SIGHUP: reread cluster-config-file
            loop.add_signal_handler(signal.SIGHUP, self.state.cluster.reload)
        self._log_startup()
        tick = asyncio.ensure_future(self._tick_loop())
        assert self._stop is not None
        await self._stop.wait()
        tick.cancel()
        await self.shutdown()
        return 0

    async def shutdown(self) -> None:
        """Stop accepting; idle clients are closed at once, clients with replies in flight get
        up to SHUTDOWN_GRACE to receive them (Redis exits in ms with idle clients connected)."""
        log.warning("Received shutdown request, closing %d client(s)", len(self.connections))
        for srv in self.listeners:
            srv.close()
        for conn in list(self.connections):
            if conn.nothing_in_flight():
                conn.transport.close()
            else:
                conn.close_after_reply()
        deadline = time.monotonic() + SHUTDOWN_GRACE
        while self.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        for conn in list(self.connections):
            conn.kill()
        if self.state.warm is not None:       # memory file: metadata + clean marker (warm.py)
            self.state.warm.close(self.state.keyspace, self.state.save_on_shutdown)
        log.warning("resp-server is now ready to exit, bye bye...")

    def _log_startup(self) -> None:
        st, cfg = self.config.store, self.config
        cap = f"{st.maxmemory} ({human_bytes(st.maxmemory)}"
        if cfg.maxmemory_auto:
            cap += (f", default: {memlimit.DEFAULT_SHARE:.0%} of {human_bytes(memlimit.available_memory())} "
                    f"available - {human_bytes(memlimit.DEFAULT_SLACK)}")
        cap += ", no cap)" if not st.maxmemory else ")"
        notice("resp-server %s (redis %s compatible) started, pid=%d, port=%d, listening on %s, "
               "maxmemory=%s, maxmemory-policy=%s, loop=%s", VERSION, REDIS_COMPAT_VERSION,
               self.state.pid, self.state.port, ", ".join(self._bound_addresses()) or "nothing",
               cap, st.policy, type(asyncio.get_running_loop()).__module__.split(".")[0])

    def _bound_addresses(self) -> list[str]:
        out = []
        for srv, kind in self.listener_kinds.items():
            for sock in srv.sockets or ():
                name = sock.getsockname()
                out.append(f"{kind} {name}" if kind == "unix" else
                           f"{kind} {_host(name[0])}:{name[1]}")
        return out

    # --- background work ----------------------------------------------------------------------
    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(1.0 / max(1, self.state.hz))
            try:
                self.tick()
            except Exception:
                log.exception("background tick failed")

    def write_soon(self, conn: Connection) -> bool:
        """Queue a connection's replies for one burst of writes when this loop iteration's input
        has been handled (Redis writes in beforeSleep): a client woken by the first reply finds
        the next ones already there, instead of being woken once per reply. False when the server
        has no loop (protocol unit tests): the caller writes at once."""
        loop = self._loop
        if loop is None:
            return False
        if not conn.write_queued:
            conn.write_queued = True
            if not self.write_queue:
                loop.call_soon(self._write_queued)
            self.write_queue.append(conn)
        return True

    def _write_queued(self) -> None:
        queue, self.write_queue = self.write_queue, []
        for conn in queue:
            conn.write_queued = False
            conn.flush()

    def kick_memory_waiters(self) -> None:
        """Retry blocked big values soon (once per loop iteration, whatever the number of kicks)."""
        if self.memory_waiters and not self._kick_scheduled:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:   # no loop (protocol unit tests): the tick or caller retries
                return
            self._kick_scheduled = True
            loop.call_soon(self.retry_memory_waiters)

    def retry_memory_waiters(self) -> None:
        self._kick_scheduled = False
        waiters = list(self.memory_waiters)
        self.memory_waiters.clear()
        for conn in waiters:
            conn.retry_memory()

    def tick(self) -> None:
        st = self.state
        if self.memory_waiters:
            self.retry_memory_waiters()
        if st.active_expire:
            t0 = time.perf_counter_ns()
            st.keyspace.active_expire_cycle(EXPIRE_BUDGET_MS)
            st.latency.sample("expire-cycle", (time.perf_counter_ns() - t0) // 1_000_000)
        if st.cluster is not None:
            st.cluster.tick(st.keyspace)
        st.stats.sample_ops()
        for conn in list(self.over_soft_limit):
            conn.check_output_limits(conn.output_pending())
        if st.timeout > 0:
            now = time.time()
            for conn in list(self.connections):
                c = conn.client
                if c is not None and not c.monitor and now - c.last_interaction > st.timeout:
                    conn.kill()


def make_tls_context(cfg: ServerConfig) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cfg.tls_cert_file, cfg.tls_key_file)
    if cfg.tls_ca_cert_file:
        ctx.load_verify_locations(cfg.tls_ca_cert_file)
    if cfg.tls_ca_cert_file and cfg.tls_auth_clients != "no":
        ctx.verify_mode = ssl.CERT_REQUIRED if cfg.tls_auth_clients == "yes" else ssl.CERT_OPTIONAL
    else:
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def bind_sockets(hosts: tuple[str, ...], port: int) -> list[socket.socket]:
    """Listening sockets on every host at port (all of them, or OSError and none)."""
    socks: list[socket.socket] = []
    try:
        for host in hosts or (None,):
            for family, kind, proto, _, addr in socket.getaddrinfo(
                    host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE):
                sock = socket.socket(family, kind, proto)
                socks.append(sock)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                try:
                    sock.bind(addr)
                except OSError as e:
                    log.warning("Warning: Could not create server TCP listening socket %s:%d: "
                                "bind: %s", host or "*", port, e.strerror)
                    raise
                sock.listen(LISTEN_BACKLOG)
                sock.setblocking(False)
    except OSError:
        for sock in socks:
            sock.close()
        raise
    return socks


def _host(ip: str) -> str:
    return f"[{ip}]" if ":" in ip else ip


def _is_loopback(peer: tuple | str | None) -> bool:
    if not isinstance(peer, tuple) or not peer or not peer[0]:
        return True  # unix sockets have no IP peer
    try:
        return ipaddress.ip_address(peer[0].split("%")[0]).is_loopback
    except ValueError:
        return False

