"""One client connection: an asyncio.BufferedProtocol that parses, executes and replies.

Read path: `get_buffer` hands the transport the free tail of the input buffer (input_buffer.py),
or - while a big bulk argument is being received - a writable memoryview of the slab chunk
reserved for it (big_args.py), so the kernel copies the value straight into cache memory; on TCP,
SO_RCVLOWAT asks for wake-ups of at least that many bytes, never more than the value still lacks,
and is back to 1 the moment the value completes. `buffer_updated` parses every complete command
the buffer holds and runs them in order (pipelining of any depth; fast lane first).

Write path (output.py): replies are encoded into the output queue and written in one burst per
loop iteration (`Owner.write_soon`, Redis's beforeSleep); values of 16 KiB and more go out as
pinned memoryviews of slab memory until the transport has drained (write-buffer high-water mark
0: `pause_writing` means "bytes pending", `resume_writing` "all sent"). Past the copied or pinned
bounds the connection stops reading; past client-output-buffer-limit (output_limits.py) it is
killed, checked when output is added and, at the soft limit, by the owner's tick.

Invariants: every pin is released exactly once (drain or close, output.py); a reservation for a
big argument is stored, released by dispatch, or released on close; a protocol error replies and
closes this connection only (past client-query-buffer-limit it closes without a reply, as Redis);
nothing here refers back to the connection from what it owns (no cycles: freed at close).
"""

from __future__ import annotations

import asyncio
import fcntl
import termios
import time
from typing import TYPE_CHECKING, Protocol

from resp_server.big_args import BigArgs
from resp_server.client import ClientState
from resp_server.commands import fastpath
from resp_server.commands.call import release_unused
from resp_server.commands.client_cmd import client_info_line
from resp_server.commands.dispatch import BIGVALUE_COMMANDS, execute
from resp_server.commands.pause import POSTPONED
from resp_server.commands.transactions import discard_transaction
from resp_server.conn_writing import WritingMixin
from resp_server.flow_control import FlowControl
from resp_server.input_buffer import InputBuffer, Watermark
from resp_server.logsetup import failures
from resp_server.output import OutputQueue
from resp_server.output_limits import OutputLimitCheck
from resp_server.resp.parser import (
    ProtocolError,
    QueryBufferLimit,
    RequestParser,
)
from resp_server.resp.replies import RespError

if TYPE_CHECKING:
    import logging

    from resp_server.input_buffer import SharedReadBuffer
    from resp_server.state import ServerState

FLUSH_AT = 256 * 1024             # flush small replies to the transport past this many bytes
LINGER_RECENT = 1.0               # seconds: a client active this recently may have requests in flight


class Owner(Protocol):
    """What a connection asks of whoever owns it (the Server): ownership points one way, the
    owner holds its connections, a connection reports to it through these calls only."""

    state: ServerState
    log: logging.Logger
    read_buffer: SharedReadBuffer
    output_pause_copied: int           # stop reading a client with this much copied output

    def admission_error(self, conn: Connection, peer: tuple | str) -> str | None: ...
    def register(self, conn: Connection) -> None: ...
    def unregister(self, conn: Connection) -> None: ...       # forgets it everywhere
    def write_soon(self, conn: Connection) -> bool: ...
    def wait_for_memory(self, conn: Connection) -> None: ...   # retry_memory() called later
    def kick_memory_waiters(self) -> None: ...
    def watch_soft_limit(self, conn: Connection, on: bool) -> None: ...
    def add_pinned(self, nbytes: int) -> None: ...            # unsent pinned reply bytes
    def pinned_over(self, conn_pinned: int) -> bool: ...
    def clock(self) -> float: ...


class Connection(WritingMixin, asyncio.BufferedProtocol):
    def __init__(self, server: Owner, tls: bool = False) -> None:
        self.server = server
        self.state = server.state
        self.keyspace = server.state.keyspace
        self.tls = tls
        self.transport: asyncio.Transport | None = None
        self.client: ClientState | None = None
        self.inbuf = InputBuffer(server.read_buffer)   # unparsed input (input_buffer.py)
        self.big = BigArgs(self.keyspace, self.state.latency, BIGVALUE_COMMANDS)
        self.parser = RequestParser(self.big.sink_for, self.big.release, self.state)
        self.out = OutputQueue(self.keyspace, self.state.stats, server.add_pinned, tls)
        self.writer = self.out.writer      # replies are encoded here (output.py owns the pins)
        self.limits = OutputLimitCheck()   # client-output-buffer-limit (output_limits.py)
        self.deferred: list = []           # parsed requests not yet run: reading paused mid-batch
        self.flow: FlowControl | None = None
        self.closing = False
        self.processing = False
        self.chain: tuple[int, int] | None = None   # a pipeline chain to continue (ordering.py)
        self.draining = False              # replies sent, write side shut: dropping input until EOF
        self.peer_eof = False              # the client shut its write side
        self.lowat = Watermark(None)       # SO_RCVLOWAT while a big value arrives (TCP only)
        self.write_queued = False          # in the server's write queue (replies written soon)
        self.postponed: tuple[list, bool] | None = None   # request held by CLIENT PAUSE

    # --- lifecycle ----------------------------------------------------------------------------
    def connection_made(self, transport) -> None:  # asyncio.Transport (or a test fake)
        self.transport = transport
        self.flow = FlowControl(transport)
        transport.set_write_buffer_limits(high=0, low=0)
        raw_peer = transport.get_extra_info("peername")      # '' or None on unix sockets
        peer = raw_peer or ("", 0)
        local = transport.get_extra_info("sockname") or ("", 0)
        st = self.state
        self.client = ClientState(st, self, st.new_client_id(), _addr(peer), _addr(local))
        self.client.tls = self.tls
        self.parser.authenticated = self.client.authenticated   # unauthenticated limits from byte 0
        sock = transport.get_extra_info("socket")
        if not self.tls and isinstance(raw_peer, tuple) and sock is not None:
            self.lowat = Watermark(sock)         # TCP: SO_RCVLOWAT for big values (TLS reads
                                                 # ciphertext, unix sockets do not honour it)
        st.stats.total_connections_received += 1
        refusal = self.server.admission_error(self, raw_peer)
        if refusal:
            st.stats.rejected_connections += 1
            transport.write(b"-" + refusal.encode() + b"\r\n")
            self.closing = True
            transport.close()
            return
        st.clients[self.client.id] = self.client
        self.server.register(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.server.unregister(self)
        self.parser.close()
        self.out.close()
        self._clear_limits()
        self._drop_postponed()
        c = self.client
        if c is not None:
            discard_transaction(c)       # releases queued big values, unwatches
            self.state.monitors.discard(c)
            self.state.clients.pop(c.id, None)
            c.conn = None          # no cycle: a closed connection is freed by refcount at once
        self.deferred = []
        self.inbuf.drop()

    def eof_received(self) -> bool:
        # Half-close: answer what was already received, then close once replies are sent.
        if self.draining:
            return False                   # we shut our side first; now the client did too
        self.peer_eof = True
        self.close_after_reply()
        return True

    # --- ConnectionHandle for commands ------------------------------------------------------
    def close_after_reply(self) -> None:
        self.closing = True
        if not self.processing:
            self.flush()
            self._close_when_sent()

    def _close_when_sent(self) -> None:
        """Close once the replies are out. A socket closed with unread input is reset by the
        kernel, which drops replies not yet delivered; so unless the client is quiet (or has
        closed its side), shut our write side instead - FIN after the last reply - and read and
        drop its input until it closes (server shutdown bounds the wait)."""
        t = self.transport
        if t is None or t.is_closing() or self.draining:
            return
        quiet = not (t.get_write_buffer_size() or self.inbuf.pending() or self.flow.reading_paused
                     or self.deferred or time.time() - self.client.last_interaction < LINGER_RECENT)
        if self.peer_eof or quiet or not _can_write_eof(t):
            t.close()
            return
        self.draining = True
        self.parser.discard()
        self.lowat.for_value_left(0)
        self.deferred = []
        self.inbuf.drop()
        t.write_eof()
        self.flow.resume_reading()

    def nothing_in_flight(self) -> bool:
        """Server shutdown: True when closing now loses nothing - no reply waiting or being sent,
        no request received and unanswered (buffered, deferred, waiting for memory, or still in
        the kernel's receive queue, which a close would turn into a reset)."""
        t = self.transport
        if (t is None or t.is_closing() or self.processing or self.output_pending()
                or self.input_pending() or self.deferred or self.out.inflight
                or self.flow.reading_paused or self in self.server.memory_waiters):
            return False
        sock = t.get_extra_info("socket")
        try:
            unread = fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0") if sock else b"\0"
        except OSError:
            return False
        return not any(unread)

    def kill(self) -> None:
        self.closing = True
        if self.client is not None:
            self.client.killed = True
        if self.transport is not None:
            self.transport.abort()

    def input_pending(self) -> int:
        """Bytes received and not yet parsed (Redis's qbuf): the unparsed tail of the read
        buffer plus the part of a big argument already received into its sink (Redis holds
        that in its query buffer too)."""
        return self.inbuf.pending() + self.parser.sink_received()

    def input_free(self) -> int:
        """Room for more input (Redis's qbuf-free): what the big argument in flight still
        expects, else the free tail of the read buffer."""
        return self.parser.sink_left or self.inbuf.free()

    # --- reading ------------------------------------------------------------------------------
    def get_buffer(self, sizehint: int) -> memoryview:
        if self.parser.sink_left:
            self.lowat.for_value_left(self.parser.sink_left)
            return self.parser.sink_view()
        if self.lowat.value > 1:
            self.lowat.set(1)
        room = self.inbuf.room(self.state.client_query_buffer_limit)
        if room is None:                       # a request of small arguments past the limit
            if not self.closing:
                self._query_buffer_limit()
            self.inbuf.drop()                  # closed: what is still read is dropped
            room = self.inbuf.room(self.state.client_query_buffer_limit)
        return room

    def buffer_updated(self, nbytes: int) -> None:
        self.state.stats.total_net_input_bytes += nbytes
        if self.draining:
            return                         # closing: input is read only to be dropped
        if self.parser.sink_left:
            self.parser.sink_advance(nbytes)
            self.lowat.for_value_left(self.parser.sink_left)   # 0 once complete: its CRLF and
            if self.parser.sink_left:                            # what follows may be tiny
                return
        else:
            self.inbuf.received(nbytes)
        self._process()

    def _process(self) -> None:
        if self.closing or self.client is None or self.postponed is not None:
            return
        parser, client, inbuf = self.parser, self.client, self.inbuf
        client.last_interaction = time.time()
        buf, pos, end = inbuf.buf, inbuf.start, inbuf.end
        batch: list = []
        self.processing = True
        self.keyspace.chain_begin(self.chain)   # this read's accesses are one chain (ordering.py)
        try:
            while not self.closing and not self.flow.reading_paused:
                if self.deferred:
                    batch, self.deferred = self.deferred, []
                    self._run_batch(client, batch)
                    batch = []
                    continue
                pos = parser.parse_batch(buf, pos, end, batch)
                if batch:
                    self._run_batch(client, batch)
                    batch.clear()
                    if pos >= end and not self.deferred:
                        break                 # the whole buffer was one batch: done
                else:
                    try:
                        argv, pos = parser.parse(buf, pos, end)
                    except QueryBufferLimit:
                        inbuf.start = pos
                        self._query_buffer_limit()
                        inbuf.drop()
                        return
                    except ProtocolError as e:
                        inbuf.start = pos
                        self._protocol_error(str(e))
                        inbuf.drop()
                        return
                    if argv is None:
                        if parser.blocked:
                            self._wait_for_memory()
                        break
                    self._run(client, argv, any(type(a) is not bytes for a in argv))
                if len(self.writer.small) > FLUSH_AT or self.writer.parts:
                    self.flush()
        finally:
            self.processing = False
            chain = self.keyspace.chain_end()
        # a read that stopped inside a command: the rest of the pipeline continues its chain
        mid = pos < inbuf.end or parser.remaining or parser.sink is not None or self.deferred
        self.chain = chain if mid else None
        if self.closing:
            inbuf.drop()
        else:
            inbuf.settle(pos)                 # an incomplete tail moves out of the shared buffer
        if self.closing or self.writer.parts or not self.server.write_soon(self):
            self.flush()
        self.server.kick_memory_waiters()       # what we stored or dropped may free memory
        if self.closing:
            self._close_when_sent()

    def _run_batch(self, client: ClientState, batch: list) -> None:
        """Run parsed requests in order; when output makes this client pause (back-pressure),
        keep the rest for later so that one 64 KiB batch cannot pin or copy without bound."""
        w = self.writer
        i, n = 0, len(batch)
        while i < n:
            i = fastpath.run(client, batch, i, w.small, FLUSH_AT)
            if i < n and len(w.small) <= FLUSH_AT:
                self._run(client, batch[i])
                i += 1
                if self.closing:          # QUIT / CLIENT KILL: nothing after it runs
                    return
                if self.postponed is not None:   # CLIENT PAUSE holds it: the rest waits too
                    self.deferred = batch[i:]
                    return
            if w.parts or len(w.small) > FLUSH_AT:
                self.flush()
                if self.flow.reading_paused or self.closing:
                    self.deferred = batch[i:]
                    return

    def _run(self, client: ClientState, argv: list, big: bool = False) -> None:
        try:
            reply = execute(client, argv, big)
            if reply is POSTPONED:
                self._postpone(argv, big)
                return
        except Exception as e:  # a bug must not kill the server; report it like Redis would
            self.server.log.exception("error running %r", argv[:1])
            reply = RespError(f"ERR internal error: {type(e).__name__}")
        writer = self.writer
        writer.resp = client.resp
        try:
            writer.write(reply)
        except TypeError as e:
            writer.error(f"ERR internal error: {e}")
        self.parser.authenticated = client.authenticated

    def _protocol_error(self, msg: str) -> None:
        failures.failure("Protocol error, connection closed", self.client.addr, msg)
        self.writer.error(msg)
        self._abandon()

    def _query_buffer_limit(self) -> None:
        """Past client-query-buffer-limit Redis 7.0 logs the client and closes it, no reply
        (7.2 adds an INFO counter, client_query_buffer_limit_disconnections; 7.0 has none)."""
        self.server.log.warning("Closing client that reached max query buffer length: %s "
                                "(qbuf initial bytes: %r)", client_info_line(self.client),
                                bytes(self.inbuf.buf[self.inbuf.start:
                                                     min(self.inbuf.start + 64, self.inbuf.end)]))
        self._abandon()

    def _abandon(self) -> None:
        """Drop the half-parsed request, send the replies already made and close."""
        self.parser.discard()
        self.lowat.for_value_left(0)
        self.closing = True
        self.flush()
        if self.transport is not None:
            self.transport.close()

    # --- CLIENT PAUSE (commands/pause.py) ------------------------------------------------------
    def _postpone(self, argv: list, big: bool) -> None:
        """CLIENT PAUSE holds this request: keep it, stop reading, wait for the pause to end."""
        self.postponed = (argv, big)
        self.flow.pause_reading()
        self.state.pause.wait(self)

    def resume_postponed(self) -> None:
        """The pause ended: run the held request, then the input that followed it."""
        if self.postponed is None or self.closing or self.client is None:
            return
        argv, big = self.postponed
        self.postponed = None
        self._run(self.client, argv, big)          # may be held again (a new pause)
        if self.postponed is None:
            self.flow.resume_reading()
            self._process()
            self.flush()

    def _drop_postponed(self) -> None:
        self.state.pause.forget(self)
        if self.postponed is not None and self.client is not None:
            release_unused(self.client, self.postponed[0])
        self.postponed = None

    # --- big arguments (big_args.py decides where they go) ---------------------------------
    def _wait_for_memory(self) -> None:
        """Stop reading until the server retries us (memory freed, or the next tick)."""
        self.flow.pause_reading()
        self.server.wait_for_memory(self)

    def retry_memory(self) -> None:
        """Called by the server: try the blocked big argument again."""
        if self.closing:
            return
        t = self.transport
        if t is not None and self._output_over_bounds(t.get_write_buffer_size()):
            return   # output back-pressure holds; resume_writing will process (and retry) later
        self.flow.resume_reading()
        self._process()

def _can_write_eof(t) -> bool:
    try:
        return bool(t.can_write_eof())
    except (AttributeError, NotImplementedError):   # test fakes; transports that cannot
        return False


def _addr(sockaddr: tuple | str) -> str:
    if isinstance(sockaddr, tuple) and len(sockaddr) >= 2:
        return f"{sockaddr[0]}:{sockaddr[1]}"
    return f"{sockaddr}:0" if sockaddr else ":0"
