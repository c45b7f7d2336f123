"""Config-line reading as Redis's sdssplitargs/sdscatrepr, and the value kinds' canonical text."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resp_server.conffile import ConfigError, parse_argv
from resp_server.kinds import EventsKind, PercentMemKind, mem_rewrite_text
from resp_server.splitargs import quote, split_args


@pytest.mark.parametrize(("line", "words"), [
    ('port "abc" ', ["port", "abc"]), ("a \"b c\" 'd e'", ["a", "b c", "d e"]),
    ('x "\\x41\\n"', ["x", "A\n"]), ("save \"\"", ["save", ""]), ("y 'it\\'s'", ["y", "it's"]),
    ('bad "q', None), ('bad "q"x', None), ("bad 'q'x", None), ("  ", []),
])
def test_split_args_as_redis(line: str, words: list[str] | None) -> None:
    assert split_args(line) == words


@given(st.text(max_size=40))
def test_quote_reads_back(word: str) -> None:
    assert split_args("name " + quote(word)) == ["name", word]


def test_kinds_canonical_text() -> None:
    assert EventsKind().parse("KEA") == "AKE" and EventsKind().parse("An") == "A"
    assert EventsKind().parse("ElK") == "lKE"
    assert PercentMemKind().parse("0%") == "0" and PercentMemKind().parse("5%") == "5%"
    assert [mem_rewrite_text(n) for n in (0, 1000, 1024, 200 << 20, 3 << 30)] == \
        ["0", "1000", "1kb", "200mb", "3gb"]


def test_later_line_wins_and_maxmemory_default_is_flagged(tmp_path) -> None:
    conf = tmp_path / "r.conf"
    conf.write_text("maxmemory 1mb\nhz 5\n")
    cfg = parse_argv([str(conf), "--hz", "7"])
    assert cfg.hz == 7 and cfg.store.maxmemory == 1 << 20 and not cfg.maxmemory_auto
    assert cfg.config_file == str(conf)
    auto = parse_argv([])
    assert auto.maxmemory_auto and auto.store.maxmemory > 0


def test_no_effect_directives_are_collected() -> None:
    cfg = parse_argv(["--save", "900", "1", "--appendonly", "no", "--io-threads", "4",
                      "--hash-max-listpack-entries", "128"])
    assert dict(cfg.no_effect) == {"save": "900 1", "io-threads": "4"}
    with pytest.raises(ConfigError, match="Bad directive"):
        parse_argv(["--nosuch", "1"])


def test_config_file_is_absolute_from_the_starting_directory(tmp_path, monkeypatch) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "r.conf").write_text(f"dir {tmp_path / 'sub'}\n")
    monkeypatch.chdir(tmp_path)
    cfg = parse_argv(["r.conf"])
    assert cfg.config_file == str(tmp_path / "r.conf")
    assert os.getcwd() == str(tmp_path / "sub")                   # `dir` applied, as Redis
