"""Fast lane: plain GET and SET of small values, run for a whole pipelined batch at once.

Most traffic on a cache is `GET key` and `SET key value`. Through the general path each one
costs a table lookup, arity/auth/MULTI/OOM checks, a handler call, the store's generic write and
the reply encoder's type dispatch - several microseconds of Python. Here the checks that cannot
change inside a batch of such commands are made once (`lane_open`), the clock is read once per
batch (as Redis caches its `mstime` per event-loop iteration), and each command is a dict probe
plus the store's two fast primitives, `Keyspace.read_view` and `Keyspace.rewrite` (a SET the
store cannot do in place - a new key, another size class, a TTL to clear - calls `Keyspace.store`).

The lane is exact, not an approximation: the same replies, keyspace hits/misses, LRU/S3-FIFO
bumps, WATCH notifications, commandstats (calls and time, each command timed), latency
histograms and monitor samples, total commands,
CLIENT LIST `cmd` and SLOWLOG entries as the general path. Anything it does not handle - another
command or spelling, options, an expired key for GET, a value sent zero-copy (pinned), a
multi-chunk value, a SET the store refuses (OOM), in cluster mode a key of a slot this node does
not own (the slot is computed once per item and cached on it: the CRC is a third of a GET's
cost here) - stops the lane at that request, which the caller runs through `dispatch.execute`; the
lane then resumes after it.
"""

from __future__ import annotations

from time import perf_counter_ns
from typing import TYPE_CHECKING

from resp_server.cluster.slots import key_slot
from resp_server.resp.encoder import BULK_HEADERS, ZEROCOPY_MIN
from resp_server.store.items import OOMError

if TYPE_CHECKING:
    from resp_server.client import ClientState

_GET, _SET = 1, 2
_KINDS = {b"GET": _GET, b"get": _GET, b"SET": _SET, b"set": _SET}
_OK = b"+OK\r\n"
_CRLF = b"\r\n"


def run(c: ClientState, batch: list, i: int, small: bytearray, flush_at: int) -> int:
    """Run batch[i:] while the requests are lane commands, appending replies to `small` until it
    holds more than `flush_at` bytes; return the index of the first request not run."""
    argv = batch[i]
    if argv[0] not in _KINDS or not lane_open(c):
        return i
    server = c.server
    ks = server.keyspace
    items = ks.dbs[c.db].items
    null = b"$-1\r\n" if c.resp == 2 else b"_\r\n"
    now = ks.clock()
    can_set = None                 # SET allowed (not over maxmemory)? Asked at the first SET
    slow = server.slowlog_log_slower_than
    slow_ns = slow * 1000 if slow >= 0 else 1 << 62
    lat = server.latency
    alert_ns = min(slow_ns, lat.alert_usec * 1000)   # slowlog or latency monitor: look closer
    hget = hset = None
    if lat.tracking:
        hget, hset = server.stats.command("get").hist, server.stats.command("set").hist
    read_view, rewrite, store = ks.read_view, ks.rewrite, ks.store
    db = c.db
    cluster = server.cluster
    owned = cluster.mask if cluster is not None else None   # cluster mode: slots served here
    marks = server.object_marks or None     # None while no APPEND & co has marked an item
    n = len(batch)
    sets = misses = get_ns = set_ns = served = 0
    t0 = perf_counter_ns()
    start = i
    while i < n:
        argv = batch[i]
        kind = _KINDS.get(argv[0])
        if kind is None or len(argv) < 2:
            break
        item = items.get(argv[1])
        if owned is not None:              # cluster mode: the slot, cached on the item
            if item is None:
                slot = key_slot(argv[1])
            else:
                slot = item.slot
                if slot < 0:
                    slot = item.slot = key_slot(argv[1])
            if not owned[slot]:
                break                      # another node's key: the general path redirects
        if kind is _GET and len(argv) == 2:
            if item is None:
                misses += 1
                small += null
            else:
                size = item.length
                exp = item.expire_at
                if size >= ZEROCOPY_MIN or len(item.chunks) != 1 or (exp is not None and exp <= now):
                    break
                small += BULK_HEADERS[size] if size <= 1000 else b"$%d\r\n" % size
                served += size
                small += read_view(item, now)
                small += _CRLF
            t1 = perf_counter_ns()
            get_ns += t1 - t0
        elif kind is _SET and len(argv) == 3:
            if can_set is None:
                can_set = not ks.maxmemory or not ks.enforce_maxmemory()
                item = items.get(argv[1])  # enforcing may have evicted the item looked up
            if not can_set:
                break
            if item is None or not rewrite(item, argv[2], now):
                try:
                    item = store(db, argv[1], argv[2])
                except OOMError:
                    break                  # the general path answers (and counts) the error
            if marks is not None:
                marks.forget(item)
            small += _OK
            t1 = perf_counter_ns()
            set_ns += t1 - t0
            sets += 1
        else:
            break
        if hget is not None:
            us = (t1 - t0) // 1000
            h = hget if kind is _GET else hset
            h[us] = h.get(us, 0) + 1
        if t1 - t0 >= alert_ns:
            _alert(c, argv, (t1 - t0) // 1000, slow_ns, kind is _GET)
        t0 = t1
        i += 1
        if len(small) > flush_at:
            break
    if i > start:
        gets = i - start - sets
        _account(c, gets, get_ns, sets, set_ns, gets - misses, misses, served)
        c.last_cmd = b"get" if _KINDS[batch[i - 1][0]] is _GET else b"set"
    return i


def _alert(c: ClientState, argv: list, usec: int, slow_ns: int, fast: bool) -> None:
    """A lane command slow enough for the slowlog or the latency monitor (GET is fast, SET not)."""
    server = c.server
    if usec * 1000 >= slow_ns:
        server.slowlog.add(argv, usec, c.addr, c.name)
    server.latency.sample("fast-command" if fast else "command", usec // 1000)


def lane_open(c: ClientState) -> bool:
    """Can this client's requests take the lane? (Checks that hold for a whole batch.)"""
    server = c.server
    return (c.authenticated and c.multi is None and not c.no_touch and not server.monitors
            and not c.reply_mode and not server.pause.mode
            and not server.keyspace.cfg.debug_invariants)


def _account(c: ClientState, gets: int, get_ns: int, sets: int, set_ns: int, hits: int,
             misses: int, served: int) -> None:
    server = c.server
    stats = server.stats
    if gets:
        st = stats.command("get")
        st.calls += gets
        st.usec += get_ns // 1000
    if sets:
        st = stats.command("set")
        st.calls += sets
        st.usec += set_ns // 1000
    stats.total_commands_processed += gets + sets
    stats.kv_served_bytes += served            # the lane serves only values under ZEROCOPY_MIN
    stats.kv_small_hits += hits
    stats.kv_get_misses += misses
    ks_stats = server.keyspace.stats
    ks_stats.keyspace_hits += hits
    ks_stats.keyspace_misses += misses
