"""Reply values returned by command handlers.

Handlers return plain Python values and the encoder (encoder.py) turns them into RESP2 or RESP3:

  bytes / bytearray / memoryview -> bulk string        str      -> bulk string (utf-8)
  int                            -> integer            bool     -> RESP3 boolean, RESP2 integer 0/1
  float                          -> RESP3 double, RESP2 bulk string
  None                           -> null bulk ($-1 / _)         NULL_ARRAY -> null array (*-1 / _)
  NO_REPLY                       -> nothing (CLIENT REPLY OFF / SKIP)
  list / tuple                   -> array              dict     -> RESP3 map, RESP2 flat array
  set / frozenset                -> RESP3 set, RESP2 array
  Status                         -> simple string      RespError -> error
  Verbatim                       -> RESP3 verbatim string (txt), RESP2 bulk
  Item (store)                   -> bulk string sent from slab memory (the connection pins it)

Nothing here knows the protocol version.
"""

from __future__ import annotations


class Status(bytes):
    """A simple string reply (`+OK`)."""

    __slots__ = ()


class RespError(Exception):
    """An error reply. Raise it from a handler (or return it); `msg` starts with its code (ERR, ...)."""

    def __init__(self, msg: str) -> None:
        super().__init__(msg)
        self.msg = msg


class Verbatim(str):
    """Text that RESP3 sends as a verbatim string (INFO, CLIENT INFO, ...)."""

    __slots__ = ()


class _NullArray:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NULL_ARRAY"


NULL_ARRAY = _NullArray()


class _NoReply:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_REPLY"


NO_REPLY = _NoReply()
"""Nothing is sent (CLIENT REPLY OFF / SKIP): the encoder writes no bytes for it."""
OK = Status(b"OK")
PONG = Status(b"PONG")
QUEUED = Status(b"QUEUED")

# Error texts shared by many commands, to the letter of Redis 7.
ERR_SYNTAX = "ERR syntax error"
ERR_NOT_INT = "ERR value is not an integer or out of range"
ERR_NOT_FLOAT = "ERR value is not a valid float"
ERR_WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
ERR_NO_KEY = "ERR no such key"
ERR_OOM = "OOM command not allowed when used memory > 'maxmemory'."
ERR_NOAUTH = "NOAUTH Authentication required."
ERR_WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
ERR_DB_INDEX = "ERR DB index is out of range"
