"""The rate-limited client-failure log: one line per kind per second, then a count of the rest."""

from __future__ import annotations

import logging

from resp_server.logsetup import NOTICE, RATE_WINDOW, ClientFailureLog


def test_one_line_per_kind_per_window_with_suppressed_count(caplog) -> None:
    now = [100.0]
    failures = ClientFailureLog(clock=lambda: now[0])
    with caplog.at_level(NOTICE, logger="resp_server"):
        for i in range(50):
            failures.failure("OOM", f"127.0.0.1:{i}", "refused")
            failures.failure("Protocol error", "127.0.0.1:9", "bad")
        now[0] += RATE_WINDOW
        failures.failure("OOM", "127.0.0.1:77", "refused")
    lines = [r.getMessage() for r in caplog.records if r.levelno == NOTICE]
    assert lines == ["OOM: client 127.0.0.1:0: refused", "Protocol error: client 127.0.0.1:9: bad",
                     "OOM: client 127.0.0.1:77: refused (49 more of this kind suppressed in the "
                     "last second(s))"]


def test_nothing_logged_above_notice(caplog) -> None:
    failures = ClientFailureLog(clock=lambda: 0.0)
    with caplog.at_level(logging.WARNING, logger="resp_server"):
        failures.failure("OOM", "x", "y")
    assert not caplog.records and not failures.suppressed
