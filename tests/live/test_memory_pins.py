"""Pinned items and mid-value disconnects, live.

Pins: two stalled readers (raw sockets with a tiny SO_RCVBUF) ask for a 6 MiB value and do not
read the reply, so the server still holds it in its transport buffer (CLIENT LIST omem > 0) and
the item stays pinned. Meanwhile another client overwrites the key, deletes it, or leaves it
alone, and keeps writing well past the 16 MiB cap with values of two size classes (so evictions
and page moves run around the pinned pages): every write succeeds, a pinned item is never evicted,
and when the readers finally read they get exactly the old bytes. The replaced item is a zombie
until its last reader drains (INFO memory pinned_zombies 1 -> 0).

Disconnects: a client sends part of a big SET (or MSET, or a SET queued in MULTI) and goes away
(FIN or RST). The key must not exist (or keep its old value), INFO memory `reservations` must go
back to 0 and the slab chunks in use back to the baseline.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator

import pytest

from scripts.rawclient import RawClient
from tests.conftest import ServerProc
from tests.live.helpers import (
    HOST,
    KIB,
    MIB,
    chunks_used,
    client,
    first_mismatch,
    get_exact,
    info,
    info_int,
    keys,
    pattern,
    rss,
    server,
    set_reply,
    wait_for,
)

BIG = 6 * MIB + 12_345             # a chain of six 1 MiB chunks and a small tail (7 pages)


def _stalled_reader(port: int, name: bytes, key: bytes) -> socket.socket:
    """Connect with a tiny receive buffer, name the client, send GET and read nothing more."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(30)
    s.connect((HOST, port))
    s.sendall(b"*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$%d\r\n%s\r\n" % (len(name), name))
    assert s.recv(5) == b"+OK\r\n"
    s.sendall(b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(key), key))
    return s


def _omem(c: RawClient, name: bytes) -> int:
    listing = c.call("CLIENT", "LIST")
    assert isinstance(listing, bytes)
    for line in listing.decode().splitlines():
        fields = dict(f.split("=", 1) for f in line.split(" ") if "=" in f)
        if fields.get("name") == name.decode():
            return int(fields["omem"])
    raise AssertionError(f"client {name!r} not listed")


def _read_reply(s: socket.socket, n: int) -> bytearray:
    head = b"$%d\r\n" % n
    out = bytearray(len(head) + n + 2)
    view = memoryview(out)
    got = 0
    while got < len(out):
        r = s.recv_into(view[got:])
        assert r, "server closed the stalled reader's connection"
        got += r
    assert out[:len(head)] == head, f"reply header {bytes(out[:20])!r}"
    assert out[-2:] == b"\r\n"
    return out[len(head):-2]


@pytest.mark.parametrize("action", ["overwrite", "delete", "untouched"])
def test_pinned_value_survives_overwrite_delete_and_eviction(action: str) -> None:
    key = b"pin:big"
    old = pattern(key, 0, BIG)
    with server("--maxmemory", "16mb", "--debug-invariants", "yes") as sp, client(sp) as c:
        assert set_reply(c, key, old) == b"OK"
        readers = [_stalled_reader(sp.port, b"stalled%d" % i, key) for i in range(2)]
        try:
            for i in range(2):
                wait_for(lambda i=i: _omem(c, b"stalled%d" % i) > 0, what="a pending GET reply")
            new = pattern(key, 1, BIG)
            if action == "overwrite":
                assert set_reply(c, key, new) == b"OK"
                assert info_int(c, "memory", "pinned_zombies") == 1
                assert get_exact(c, key, new)
            elif action == "delete":
                assert c.call("DEL", key) == 1
                assert info_int(c, "memory", "pinned_zombies") == 1
            # Write 3x the cap around the pinned value: two size classes, so pages move too.
            written: dict[bytes, int] = {}
            for i in range(36):
                k = b"fill:%d" % i
                size = MIB - 99 if i % 3 else 100 * KIB + 1
                reply = set_reply(c, k, pattern(k, 0, size))
                assert reply == b"OK", f"SET {k!r} with a pinned item in memory: {reply!r}"
                written[k] = size
            mem = info(c, "memory")
            assert int(mem["used_memory"]) <= 16 * MIB
            assert info_int(c, "stats", "evicted_keys") > 0
            if action == "untouched":
                assert c.call("EXISTS", key) == 1, "a pinned item was evicted"
            else:
                assert int(mem["pinned_zombies"]) == 1
            present = keys(c)
            for k in present - {key}:
                assert get_exact(c, k, pattern(k, 0, written[k]))
            # The first reader drains: the item is still pinned by the second one.
            got = _read_reply(readers[0], BIG)
            diff = first_mismatch(got, old)
            assert not diff, f"stalled reader 1 got a corrupt value: {diff}"
            if action != "untouched":
                assert info_int(c, "memory", "pinned_zombies") == 1
            for i in range(6):                          # more writes between the two drains
                k = b"fill2:%d" % i
                assert set_reply(c, k, pattern(k, 0, MIB - 99)) == b"OK"
            got = _read_reply(readers[1], BIG)
            diff = first_mismatch(got, old)
            assert not diff, f"stalled reader 2 got a corrupt value: {diff}"
            wait_for(lambda: info_int(c, "memory", "pinned_zombies") == 0,
                     what="the zombie to be freed at its last unpin")
            if action == "overwrite":
                assert c.call("EXISTS", key) == 0 or get_exact(c, key, new)
            elif action == "delete":
                assert c.call("EXISTS", key) == 0
            else:
                assert get_exact(c, key, old)
            for i in range(20):                         # the freed chunks are reusable
                k = b"fill3:%d" % i
                assert set_reply(c, k, pattern(k, 0, MIB - 99)) == b"OK"
            assert int(info(c, "memory")["used_memory"]) <= 16 * MIB
        finally:
            for r in readers:
                r.close()
        print(f"\npinned ({action}): two stalled 6 MiB readers got the old value intact after "
              f"{info_int(c, 'stats', 'evicted_keys')} evictions around it")


# --- mid-value disconnects -------------------------------------------------------------------

@pytest.fixture(scope="module")
def disc_server() -> Iterator[ServerProc]:
    with server("--maxmemory", "64mb", "--debug-invariants", "yes") as sp:
        yield sp


def _close(s: socket.socket, how: str) -> None:
    if how == "rst":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def _bulk(b: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(b), b)


SCENARIOS = ["set-new", "set-existing", "mset-second-value", "multi-queued", "setex-tail"]


@pytest.mark.parametrize("how", ["fin", "rst"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_disconnect_mid_value_leaves_no_key_and_no_chunk(disc_server: ServerProc, scenario: str,
                                                         how: str) -> None:
    sp = disc_server
    key = b"disc:%s:%s" % (scenario.encode(), how.encode())
    key2 = key + b":2"
    with client(sp) as c:
        old = pattern(key, 0, 3 * MIB + 5)
        if scenario == "set-existing":
            assert set_reply(c, key, old) == b"OK"
        base_chunks = chunks_used(c)
        evicted = info_int(c, "stats", "evicted_keys")
        value = pattern(key, 1, 8 * MIB)
        s = socket.create_connection((HOST, sp.port), timeout=30)
        try:
            if scenario in ("set-new", "set-existing"):
                s.sendall(b"*3\r\n$3\r\nSET\r\n" + _bulk(key) + b"$%d\r\n" % len(value))
                s.sendall(value[:len(value) // 2])
            elif scenario == "mset-second-value":
                v1 = pattern(key, 2, 4 * MIB)
                s.sendall(b"*5\r\n$4\r\nMSET\r\n" + _bulk(key) + _bulk(v1) + _bulk(key2)
                          + b"$%d\r\n" % len(value))
                s.sendall(value[:3 * MIB])
            elif scenario == "multi-queued":
                s.sendall(b"*1\r\n$5\r\nMULTI\r\n")
                s.sendall(b"*3\r\n$3\r\nSET\r\n" + _bulk(key) + _bulk(value))
                want = b"+OK\r\n+QUEUED\r\n"
                got = b""
                while len(got) < len(want):
                    part = s.recv(64)
                    assert part, "server closed the connection"
                    got += part
                assert got == want
            else:                                   # whole value received, options cut short
                s.sendall(b"*5\r\n$3\r\nSET\r\n" + _bulk(key) + _bulk(value) + b"$2\r\nEX\r\n$3\r\n10")
            # The value (or its first part) sits in reserved slab chunks right now.
            wait_for(lambda: info_int(c, "memory", "reservations") >= 1,
                     what="a reservation for the value in flight")
            assert chunks_used(c) > base_chunks
        finally:
            _close(s, how)
        wait_for(lambda: info_int(c, "memory", "reservations") == 0,
                 what="the reservation to be released after the disconnect")
        wait_for(lambda: chunks_used(c) == base_chunks,
                 what=f"chunks in use back to the baseline {base_chunks}")
        assert info_int(c, "stats", "evicted_keys") == evicted
        assert c.call("EXISTS", key, key2) == (1 if scenario == "set-existing" else 0)
        if scenario == "set-existing":
            assert get_exact(c, key, old), "the old value was lost"
            assert c.call("DEL", key) == 1
        # The connection path still works for a full SET of the same size.
        assert set_reply(c, key, value) == b"OK"
        assert get_exact(c, key, value)
        assert c.call("DEL", key) == 1


def test_lowering_maxmemory_below_a_pinned_value_shrinks_at_unpin() -> None:
    """CONFIG SET maxmemory below the pinned memory: everything else goes at once, the pinned
    value is served intact, and memory (pages and RSS) shrinks to the new cap when it drains."""
    key = b"pin:cfg"
    old = pattern(key, 0, 32 * MIB)
    with server("--maxmemory", "64mb", "--debug-invariants", "yes") as sp, client(sp) as c:
        pid = sp.proc.pid
        assert set_reply(c, key, old) == b"OK"
        for i in range(20):
            k = b"other:%d" % i
            assert set_reply(c, k, pattern(k, 0, MIB - 99)) == b"OK"
        reader = _stalled_reader(sp.port, b"stalledcfg", key)
        try:
            wait_for(lambda: _omem(c, b"stalledcfg") > 0, what="a pending GET reply")
            rss_before = rss(pid)
            assert c.call("CONFIG", "SET", "maxmemory", "16mb") == b"OK"
            assert keys(c) == {key}, "lowering the cap kept unpinned keys or dropped the pinned one"
            for i in range(1):               # over the cap with pinned memory: OOM, never corruption
                k = b"while:%d" % i
                reply = set_reply(c, k, pattern(k, 0, MIB - 99))
                assert reply == b"OK" or str(reply).startswith("OOM "), reply
            got = _read_reply(reader, len(old))
            assert not (diff := first_mismatch(got, old)), f"pinned value corrupt: {diff}"
        finally:
            reader.close()
        wait_for(lambda: info_int(c, "memory", "used_memory") <= 16 * MIB,
                 what="used_memory under the lowered cap after the unpin")
        mem = info(c, "memory")
        assert int(mem["slab_pages"]) * int(mem["slab_page_size"]) <= 16 * MIB
        for i in range(20):
            k = b"after:%d" % i
            assert set_reply(c, k, pattern(k, 0, MIB - 99)) == b"OK"
        rss_after = rss(pid)
        print(f"\nlowered cap 64 -> 16 MiB under a pinned 32 MiB value: RSS {rss_before / MIB:.1f} "
              f"-> {rss_after / MIB:.1f} MiB after the drain and 20 more writes")
        assert rss_after < rss_before - 16 * MIB, "pages were not released after the unpin"
