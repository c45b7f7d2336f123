"""Client operations as sans-IO plans: what to send, and a reader for the replies.

An `Op` is one round trip: `send` is the list of buffers written with one scatter-gather call
(several pipelined commands at most), `read` builds the generator that consumes exactly the
replies those commands produce (see resp.py for the generator protocol). The sync and asyncio
clients run the same ops; only their drivers differ.

Chunk replies are read by `read_chunk`: bulk length, then the 64-byte serde header into a small
buffer, validation, then the payload straight into the destination the caller's *sink* returns
for that header. Invariant: every reader consumes its whole reply even when it reports an error
(bad header, wrong-size destination, error reply), so the connection stays usable; such errors are
raised only after the stream is back in step ("stream-safe" errors: SerdeError, ValueError,
ReplyError). Any other exception means the connection must be dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .resp import (
    Buffer,
    Parts,
    ProtocolError,
    ReadBuffer,
    Reader,
    ReplyError,
    encode_command,
    encode_pipeline,
    expect_crlf,
    read_array_length,
    read_bulk_length,
    read_exact,
    read_exact_into,
    read_reply,
    skip,
)
from .serde import HEADER_SIZE, ChunkHeader, Encoded, SerdeError, decode_header, decompress_into

Sink = Callable[[ChunkHeader], memoryview]
"""Given a validated header, return the writable byte view (exactly raw_nbytes) to fill."""

STREAM_SAFE = (SerdeError, ValueError, ReplyError)


class HandshakeError(ConnectionError):
    """AUTH / HELLO / SELECT of a new connection was refused (not retried)."""


@dataclass(frozen=True, slots=True)
class Op:
    send: list[Buffer]
    read: Callable[[ReadBuffer], Reader]


def _check(reply: object) -> object:
    if isinstance(reply, ReplyError):
        raise reply
    return reply


def read_replies(rb: ReadBuffer, n: int) -> Reader:
    """`n` consecutive replies (a pipeline's), errors as values."""
    replies = []
    for _ in range(n):
        replies.append((yield from read_reply(rb)))
    return replies


def simple(*args: object) -> Op:
    """Any one command; returns its reply, raising an error reply."""

    def read(rb: ReadBuffer) -> Reader:
        return _check((yield from read_reply(rb)))

    return Op(encode_command(args), read)


def pipeline(commands: Sequence[Sequence[object]]) -> Op:
    """Several commands in one round trip; returns the list of replies (errors as values)."""

    def read(rb: ReadBuffer) -> Reader:
        return (yield from read_replies(rb, len(commands)))

    return Op(encode_pipeline(commands), read)


def put_many(keys: Sequence[bytes], values: Sequence[Encoded]) -> Op:
    """Pipelined `SET key <header><payload>`: one round trip, values never joined or copied."""
    commands = [(b"SET", k, Parts(v.parts)) for k, v in zip(keys, values, strict=True)]

    def read(rb: ReadBuffer) -> Reader:
        replies = yield from read_replies(rb, len(commands))
        for key, reply in zip(keys, replies, strict=True):
            if isinstance(reply, ReplyError):
                raise ReplyError(f"SET {key!r}: {reply}")
        return len(replies)

    return Op(encode_pipeline(commands), read)


def get_one(key: bytes, sink: Sink) -> Op:
    """`GET key` read into the sink's buffer; returns the header, or None when absent."""

    def read(rb: ReadBuffer) -> Reader:
        return (yield from _keyed(key, read_chunk(rb, sink)))

    return Op(encode_command((b"GET", key)), read)


def get_many(keys: Sequence[bytes], sinks: Sequence[Sink], return_errors: bool = False) -> Op:
    """`MGET keys...` (one round trip); returns one header or None per key. The first stream-safe
    error is raised after the whole reply was read (other chunks were already written), or with
    `return_errors` each key's error is returned in its place."""

    def read(rb: ReadBuffer) -> Reader:
        n = _check((yield from read_array_length(rb)))
        if n != len(keys):
            raise ProtocolError(f"MGET of {len(keys)} keys answered {n} values")
        out: list[ChunkHeader | Exception | None] = []
        first: Exception | None = None
        for key, sink in zip(keys, sinks, strict=True):
            try:
                out.append((yield from _keyed(key, read_chunk(rb, sink))))
            except STREAM_SAFE as exc:
                out.append(exc if return_errors else None)
                first = first or exc
        if first is not None and not return_errors:
            raise first
        return out

    return Op(encode_command((b"MGET", *keys)), read)


def _keyed(key: bytes, reader: Reader) -> Reader:
    """Run a chunk reader, naming the key in any serde error it raises."""
    try:
        return (yield from reader)
    except SerdeError as exc:
        raise SerdeError(f"key {key.decode(errors='replace')!r}: {exc}") from None


def read_chunk(rb: ReadBuffer, sink: Sink) -> Reader:
    """One bulk reply holding a chunk: header validated before any payload byte is placed."""
    n = yield from read_bulk_length(rb)
    if isinstance(n, ReplyError):
        raise n
    if n < 0:
        return None
    if n < HEADER_SIZE:
        yield from skip(rb, n + 2)
        raise SerdeError(f"value of {n} bytes is shorter than the {HEADER_SIZE}-byte header")
    raw = yield from read_exact(rb, HEADER_SIZE)
    try:
        header = decode_header(raw, n - HEADER_SIZE)
        dst = sink(header)
        if dst.nbytes != header.raw_nbytes:
            raise ValueError(
                f"destination holds {dst.nbytes} bytes, the stored chunk has {header.raw_nbytes} "
                f"({header.dtype.name}{list(header.shape)})"
            )
    except STREAM_SAFE:
        yield from skip(rb, n - HEADER_SIZE + 2)
        raise
    if header.compressed:
        packed = bytearray(header.payload_nbytes)
        yield from read_exact_into(rb, memoryview(packed))
        yield from expect_crlf(rb)
        decompress_into(header, packed, dst)
    else:
        yield from read_exact_into(rb, dst)
        yield from expect_crlf(rb)
    return header


def exists_many(keys: Sequence[bytes]) -> Op:
    """Pipelined `EXISTS key` per key (one round trip); returns a list of bools."""
    commands = [(b"EXISTS", k) for k in keys]

    def read(rb: ReadBuffer) -> Reader:
        replies = yield from read_replies(rb, len(commands))
        return [bool(_check(r)) for r in replies]

    return Op(encode_pipeline(commands), read)


def handshake(
    protocol: int, username: str | None, password: str | None, db: int, client_name: str | None
) -> Op | None:
    """The commands a fresh connection sends (pipelined, one round trip), or None."""
    commands: list[tuple[object, ...]] = []
    if protocol == 3:
        hello: tuple[object, ...] = (b"HELLO", b"3")
        if password:
            hello += (b"AUTH", username or "default", password)
        commands.append(hello)
    elif password:
        commands.append((b"AUTH", username, password) if username else (b"AUTH", password))
    if db:
        commands.append((b"SELECT", db))
    if client_name:
        commands.append((b"CLIENT", b"SETNAME", client_name))
    if not commands:
        return None

    def read(rb: ReadBuffer) -> Reader:
        for cmd in commands:
            reply = yield from read_reply(rb)
            if isinstance(reply, ReplyError):
                raise HandshakeError(f"{bytes(cmd[0]).decode()} failed: {reply}")
            if cmd[0] == b"HELLO" and not (isinstance(reply, dict) and reply.get(b"proto") == 3):
                raise HandshakeError(f"HELLO 3 did not switch to RESP3: {reply!r}")
        return None

    return Op(encode_pipeline(commands), read)
