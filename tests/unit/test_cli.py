"""Command line and redis.conf reading: client-output-buffer-limit lines set the classes they
name and keep the others, as Redis reads them; a bad line fails start-up with Redis's words."""

from __future__ import annotations

import pytest

from resp_server.cli import parse_args
from resp_server.config import OutputLimit


def test_output_buffer_limit_lines_merge(tmp_path) -> None:
    conf = tmp_path / "redis.conf"
    conf.write_text("client-output-buffer-limit normal 1 2 3\nclient-output-buffer-limit replica 4 5 6\n")
    cfg = parse_args([str(conf), "--client-output-buffer-limit", "pubsub", "7", "8", "9"])
    assert str(cfg.client_output_buffer_limit) == "normal 1 2 3 slave 4 5 6 pubsub 7 8 9"
    cfg = parse_args(["--client-output-buffer-limit", "normal 0 4mb 1"])
    assert cfg.client_output_buffer_limit.normal == OutputLimit(0, 4 << 20, 1)
    assert str(parse_args([]).client_output_buffer_limit) == \
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"


def test_output_buffer_limit_bad_line() -> None:
    with pytest.raises(ValueError, match="Wrong number of arguments in buffer limit configuration"):
        parse_args(["--client-output-buffer-limit", "4mb"])
