"""Fixtures of the hardening tier: certificates made on the fly, and the figures report.

At the end of the session the figures the tests recorded (tests/hardening/helpers.py FIGURES) are
printed in the terminal summary and written to $HARDENING_FIGURES (default
a figures.json in a new temporary folder, named in the summary) for the README's "Reliability and security" section.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hardening.helpers import FIGURES, make_certs, save_figures


@pytest.fixture(scope="session")
def certs(tmp_path_factory) -> dict[str, str]:
    """CA, server and client certificates (PEM paths), valid for 127.0.0.1 and localhost."""
    d: Path = tmp_path_factory.mktemp("tls")
    try:
        return make_certs(d)
    except ImportError:
        pytest.skip("the cryptography package is not installed")


def pytest_terminal_summary(terminalreporter) -> None:
    if not FIGURES:
        return
    path = save_figures()
    terminalreporter.write_sep("-", "hardening figures")
    for k, v in sorted(FIGURES.items()):
        terminalreporter.write_line(f"{k}: {v}")
    terminalreporter.write_line(f"(written to {path})")
