"""The write side of a connection (a mixin of connection.py's Connection, over its state).

Replies are encoded into the connection's OutputQueue (output.py) and handed to the transport by
`flush`, once per loop iteration or when a batch's output grows past FLUSH_AT. Afterwards:
nothing pending means every pin is released and the soft-limit clock stops; something pending
is checked against client-output-buffer-limit (output_limits.py: over it, the client is killed)
and against the copied / pinned bounds (over them, reading pauses until `resume_writing`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resp_server.commands.client_cmd import client_info_line

if TYPE_CHECKING:
    import asyncio

    from resp_server.client import ClientState
    from resp_server.flow_control import FlowControl
    from resp_server.input_buffer import InputBuffer
    from resp_server.output import OutputQueue
    from resp_server.output_limits import OutputLimitCheck
    from resp_server.resp.encoder import ReplyWriter
    from resp_server.state import ServerState


class WritingMixin:
    """flush, back-pressure and output limits of a Connection."""

    transport: asyncio.Transport | None
    client: ClientState | None
    state: ServerState
    server: Any
    out: OutputQueue
    writer: ReplyWriter
    limits: OutputLimitCheck
    flow: FlowControl
    inbuf: InputBuffer
    closing: bool
    processing: bool
    postponed: tuple[list, bool] | None
    deferred: list

    if TYPE_CHECKING:
        def kill(self) -> None: ...
        def _process(self) -> None: ...

    def deliver(self, reply: object) -> None:
        if self.closing or self.transport is None:
            return
        self.writer.write(reply)
        if not self.processing:
            self.flush()

    def output_pending(self) -> int:
        return self.out.pending(self.transport)

    def flush(self) -> None:
        """Write the encoded replies (the server's write queue calls this too)."""
        pending = self.out.flush(self.transport)
        if pending > 0:
            self._apply_backpressure(pending)
        elif pending == 0:
            self._clear_limits()

    def _apply_backpressure(self, pending: int) -> None:
        """Disconnect past client-output-buffer-limit; stop reading while pending copies exceed
        output_pause_copied or pinned replies exceed the server's pinned bounds."""
        if self.check_output_limits(pending):
            return
        if self._output_over_bounds(pending):
            self.flow.pause_reading()

    def check_output_limits(self, pending: int) -> bool:
        """Run when output is added and by the server tick (clientsCron); kills the client, and
        says so, when it is over client-output-buffer-limit (output_limits.py)."""
        lim = self.limits
        was = lim.since
        if not lim.observe(pending, self.state.client_output_buffer_limit.normal, self.server.clock()):
            if bool(lim.since) != bool(was):
                self.server.watch_soft_limit(self, bool(lim.since))
            return False
        self.server.log.warning("Client %s closed for overcoming of output buffer limits.",
                                client_info_line(self.client))
        self._clear_limits()
        self.kill()
        return True

    def _output_over_bounds(self, pending: int) -> bool:
        srv = self.server
        return self.out.over_bounds(pending, srv.output_pause_copied, srv.pinned_over)

    def _clear_limits(self) -> None:
        if self.limits.clear():
            self.server.watch_soft_limit(self, False)

    def pause_writing(self) -> None:
        pass  # high-water 0: bytes are pending; pins stay until resume_writing

    def resume_writing(self) -> None:
        self.out.drained()
        self._clear_limits()
        if self.flow.reading_paused and not self.closing and self.postponed is None:
            self.flow.resume_reading()
            if self.inbuf.pending() or self.deferred:
                self._process()
