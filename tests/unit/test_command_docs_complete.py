"""Every command and subcommand has its COMMAND INFO / DOCS entry, and its two key encodings agree.

A command's key positions are written twice: the legacy (first, last, step) of its CommandSpec
(or a subcommand's Doc.keys) and its key specs (docs data). Redis derives the first from the
second (populateCommandLegacyRangeSpec); this derives it the same way and asks for equality, so a
key spec edited without its legacy range (or the reverse) fails here, not in a client.
"""

from __future__ import annotations

import pytest

from resp_server.commands import dispatch  # noqa: F401 - fills the table and the docs
from resp_server.commands.args import SUBTABLES
from resp_server.commands.docs import KS, doc_of
from resp_server.commands.table import TABLE

SPECS = sorted(TABLE.values(), key=lambda s: s.name)
SUBS = sorted(f"{parent}|{sub}" for parent, t in SUBTABLES.items() for sub in t.names())
U32 = 1 << 32


def legacy_range(specs: tuple[KS, ...]) -> tuple[int, int, int]:
    """Redis 7.0's populateCommandLegacyRangeSpec, then COMMAND INFO's (first, last, step)."""
    plain = [s for s in specs if not s.keyword]
    if len(specs) == 1 and plain:
        s = plain[0]
        return s.index, s.index + s.lastkey if s.lastkey >= 0 else s.lastkey, s.keystep
    first, last, prev = 1 << 31, 0, 0
    for s in plain:
        if s.keystep != 1 or (prev and prev != s.index - 1):
            continue                               # movable keys: not in the legacy range
        first = min(first, s.index)
        end = s.index + s.lastkey if s.lastkey >= 0 else s.lastkey
        last = max(last % U32, end % U32)          # unsigned: a negative lastkey wins
        last = last - U32 if last >= 1 << 31 else last
        prev = last
    if first == 1 << 31:
        return 0, 0, 0
    return first, last, 1


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_command_has_docs_and_legacy_keys_match_key_specs(spec) -> None:
    doc = doc_of(spec.name)                     # KeyError: no docs entry
    assert legacy_range(doc.key_specs) == (spec.first_key, spec.last_key, spec.step)


@pytest.mark.parametrize("name", SUBS)
def test_subcommand_has_docs_and_legacy_keys_match_key_specs(name: str) -> None:
    doc = doc_of(name)
    assert legacy_range(doc.key_specs) == doc.keys


def test_a_missing_entry_is_an_error_not_a_blank() -> None:
    with pytest.raises(KeyError):
        doc_of("nosuchcommand")


def test_legacy_range_follows_redis_on_known_shapes() -> None:
    assert legacy_range((KS("RW", 1, -1, 2),)) == (1, -1, 2)        # MSET
    assert legacy_range((KS("RW", 1, 1, 1),)) == (1, 2, 1)          # RENAME as one spec
    assert legacy_range((KS("RW", 1), KS("OW", 2))) == (1, 2, 1)    # RENAME / COPY: two specs
    assert legacy_range((KS("RW", 3), KS("RW", keyword="KEYS", startfrom=-2, lastkey=-1))) \
        == (3, 3, 1)                                               # MIGRATE
    assert legacy_range(()) == (0, 0, 0)
