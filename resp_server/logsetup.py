"""Logging as redis-server does it, and a rate-limited log for per-client failures.

Lines read `pid:M 02 Dec 2026 15:57:42.465 * message`, Redis's format and level marks
(. debug, - verbose, * notice, # warning), to `logfile` ("" = standard output, as Redis).
`loglevel` picks the least important level shown; NOTICE sits between Python's INFO (our
verbose) and WARNING. `ClientFailureLog` logs why clients fail (-OOM replies, protocol errors)
with the client's address at most once per RATE_WINDOW seconds per kind, the next line counting
what was suppressed, so a flood of failures costs a line a second.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

NOTICE = 25
VERBOSE = logging.INFO
LEVELS = {"debug": logging.DEBUG, "verbose": VERBOSE, "notice": NOTICE,
          "warning": logging.WARNING, "nothing": logging.CRITICAL + 1}
_MARKS = {logging.DEBUG: ".", VERBOSE: "-", NOTICE: "*"}
RATE_WINDOW = 1.0                 # seconds between two lines of one kind of client failure
logging.addLevelName(NOTICE, "NOTICE")
log = logging.getLogger("resp_server")


class _RedisFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        record.mark = _MARKS.get(record.levelno, "#")
        return super().format(record)


def setup_logging(level: str, logfile: str = "") -> None:
    """Send the server's log to logfile ("" = stdout) at loglevel; OSError if it cannot open."""
    handler: logging.Handler
    if logfile:
        handler = logging.FileHandler(logfile, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_RedisFormatter("%(process)d:M %(asctime)s.%(msecs)03d %(mark)s %(message)s",
                                         datefmt="%d %b %Y %H:%M:%S"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(LEVELS[level])


def set_level(level: str) -> None:
    """CONFIG SET loglevel: takes effect at once."""
    logging.getLogger().setLevel(LEVELS[level])


def notice(msg: str, *args: object) -> None:
    log.log(NOTICE, msg, *args)


class ClientFailureLog:
    """One line per kind per RATE_WINDOW: `<what> (client <addr>)[, N more since]`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.last: dict[str, float] = {}         # kind -> time of its last line
        self.suppressed: dict[str, int] = {}     # kind -> lines not written since

    def failure(self, kind: str, addr: str, detail: str) -> None:
        if not log.isEnabledFor(NOTICE):
            return
        now = self.clock()
        if now - self.last.get(kind, -RATE_WINDOW) < RATE_WINDOW:
            self.suppressed[kind] = self.suppressed.get(kind, 0) + 1
            return
        self.last[kind] = now
        more = self.suppressed.pop(kind, 0)
        tail = f" ({more} more of this kind suppressed in the last second(s))" if more else ""
        log.log(NOTICE, "%s: client %s: %s%s", kind, addr or "?", detail, tail)


failures = ClientFailureLog()
