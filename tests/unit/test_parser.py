"""Request parser: every split point, pipelines, inline commands, big arguments, malformed input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resp_server.resp.parser import BIG_ARG, ByteSink, ProtocolError, RequestParser, split_inline
from scripts.rawclient import encode as resp
from tests.parser_driver import ParserDriver, split


def feed_all(chunks: list[bytes], parser: RequestParser | None = None,
             batch: bool = False) -> list[list]:
    """Feed chunks as the connection does (tests/parser_driver.py); the requests, as bytes."""
    out: list[list] = []
    driver = ParserDriver(parser or RequestParser(), batch,
                          lambda argv: out.append([_plain(a) for a in argv]))
    for chunk in chunks:
        driver.feed(chunk)
    return out


def _plain(arg: object) -> bytes:
    return b"".join(arg.views()) if hasattr(arg, "views") else bytes(arg)


def test_single_and_pipeline():
    data = resp(b"SET", b"k", b"v") + resp(b"GET", b"k") + b"PING\r\n"
    assert feed_all([data]) == [[b"SET", b"k", b"v"], [b"GET", b"k"], [b"PING"]]


@pytest.mark.parametrize("value_len", [0, 5, BIG_ARG - 1, BIG_ARG, BIG_ARG * 3 + 7])
def test_every_split_point(value_len):
    value = bytes(range(256)) * (value_len // 256 + 1)
    value = value[:value_len]
    data = resp(b"SET", b"key", value) + resp(b"GET", b"key")
    want = [[b"SET", b"key", value], [b"GET", b"key"]]
    step = 1 if len(data) < 300 else max(1, len(data) // 97)
    for i in range(0, len(data) + 1, step):
        assert feed_all([data[:i], data[i:]]) == want, i


def test_byte_by_byte():
    data = resp(b"MSET", b"a", b"1", b"b", b"2") + b"ECHO hi\r\n"
    assert feed_all([data[i:i + 1] for i in range(len(data))]) == [
        [b"MSET", b"a", b"1", b"b", b"2"], [b"ECHO", b"hi"]]


def test_big_argument_goes_to_sink_once():
    made = []

    def factory(argv, n):
        made.append((list(argv), n))
        return ByteSink(n)

    value = b"x" * (BIG_ARG * 2)
    p = RequestParser(factory)
    assert feed_all([resp(b"SET", b"k", value)[:100], resp(b"SET", b"k", value)[100:]], p) == [
        [b"SET", b"k", value]]
    assert made == [([b"SET", b"k"], len(value))]


def test_inline_quotes_and_escapes():
    assert split_inline(b'set "a b" \'c d\' "\\x41\\n"') == [b"set", b"a b", b"c d", b"A\n"]
    assert split_inline(b'set "unbalanced') is None
    assert split_inline(b"  ping  ") == [b"ping"]
    assert feed_all([b"\r\n\r\nPING\r\n"]) == [[b"PING"]]


def test_bytes_after_bulk_are_skipped_like_redis():
    # Redis does not check the CRLF after a bulk; neither path of ours may differ from it.
    assert feed_all([b"*1\r\n$4\r\nPINGXY"]) == [[b"PING"]]
    assert feed_all([b"*1\r\n$4\r\nPINGXY"], batch=True) == [[b"PING"]]


def test_empty_multibulk_ignored():
    assert feed_all([b"*0\r\n*-1\r\n" + resp(b"PING")]) == [[b"PING"]]


@pytest.mark.parametrize("data,msg", [
    (b"*x\r\n", "invalid multibulk length"),
    (b"*1\r\n:1\r\n", r"expected '\$', got ':'"),
    (b"*1\r\n$x\r\n", "invalid bulk length"),
    (b"*1\r\n$-5\r\n", "invalid bulk length"),
    (b"*1\r\n$9999999999999\r\n", "invalid bulk length"),
    (b'GET "x\r\n', "unbalanced quotes"),
    (b"*99999999999\r\n", "invalid multibulk length"),
])
def test_protocol_errors(data, msg):
    with pytest.raises(ProtocolError, match=msg):
        feed_all([data])
    with pytest.raises(ProtocolError, match=msg):
        feed_all([resp(b"PING") + data], batch=True)


@pytest.mark.parametrize("data,msg", [
    (b"*1\r\n+PING\r\n", "expected '\\$', got '\\+'"),
    (b"*2\r\n$1\r\na\r\n*1\r\n$1\r\nb\r\n", "expected '\\$', got '\\*'"),
    (b"*1\r\n$-1\r\n", "invalid bulk length"),
])
def test_fast_path_is_as_strict_as_redis(data, msg):
    with pytest.raises(ProtocolError, match=msg):
        feed_all([resp(b"PING") + data], batch=True)


def test_unauthenticated_limits():
    p = RequestParser()
    p.authenticated = False
    with pytest.raises(ProtocolError, match="unauthenticated multibulk length"):
        feed_all([b"*11\r\n"], p)
    p = RequestParser()
    p.authenticated = False
    with pytest.raises(ProtocolError, match="unauthenticated bulk length"):
        feed_all([b"*1\r\n$20000\r\n"], p)


def test_too_big_inline():
    with pytest.raises(ProtocolError, match="too big inline request"):
        feed_all([b"x" * (70 * 1024)])


def test_discard_releases_sinks():
    released = []
    p = RequestParser(release=released.append)
    data = resp(b"SET", b"k", b"y" * BIG_ARG)
    feed_all([data[:BIG_ARG // 2]], p)
    assert p.sink_left > 0
    p.discard()
    assert len(released) == 1 and p.sink is None and p.argv == []


@settings(max_examples=150, deadline=None)
@given(args=st.lists(st.lists(st.binary(max_size=40), min_size=1, max_size=5), min_size=1, max_size=6),
       cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=6))
def test_any_split_parses_the_same(args, cuts):
    _check_splits(args, cuts, batch=False)
    _check_splits(args, cuts, batch=True)


def _check_splits(args, cuts, batch):
    data = b"".join(resp(*a) for a in args)
    assert feed_all(split(data, cuts), batch=batch) == args


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_crash(data):
    for batch in (False, True):
        try:
            feed_all([data], batch=batch)
        except ProtocolError:
            pass


@pytest.mark.parametrize("data", [b"*2147483648\r\n", b"*1\r\n*2147483648\r\n", b"*1\r\n%99999999\r\n"])
def test_huge_aggregate_headers_never_reach_hiredis(data):
    # hiredis allocates aggregates eagerly (seconds for 2**31 elements): the fast path must
    # leave such buffers to the Python parser, which rejects them at once.
    out: list = []
    assert RequestParser().parse_batch(bytearray(data), 0, len(data), out) == 0 and out == []
    with pytest.raises(ProtocolError):
        feed_all([data], batch=True)


@pytest.mark.parametrize("data", [b"*1\r\n$+4\r\nPING\r\n", b"*+1\r\n$4\r\nPING\r\n", b"*1\r\n$04\r\nPING\r\n",
                                  b"*1\r\n$4_0\r\nPING\r\n", b"* 1\r\n$4\r\nPING\r\n"])
def test_lengths_are_parsed_like_string2ll(data):
    for batch in (False, True):
        with pytest.raises(ProtocolError):
            feed_all([data], batch=batch)


def _outcome(data: bytes, batch: bool):
    try:
        return feed_all([data], batch=batch)
    except ProtocolError as e:
        return str(e)


_EXOTIC = [b"+x\r\n", b"(1\r\n", b"=5\r\ntxt:x\r\n", b"~1\r\n$1\r\nx\r\n", b">1\r\n$1\r\nx\r\n",
           b"%1\r\n$1\r\nx\r\n$1\r\ny\r\n", b"|1\r\n$1\r\nx\r\n$1\r\ny\r\n", b"*1\r\n$1\r\nx\r\n",
           b"*0\r\n", b"_\r\n", b":7\r\n", b"#t\r\n", b",1.5\r\n", b"-ERR x\r\n", b"!3\r\nerr\r\n",
           b"$-1\r\n", b"*-1\r\n", b"$?\r\n;1\r\nx\r\n;0\r\n", b"*?\r\n$1\r\nx\r\n.\r\n"]


@pytest.mark.parametrize("element", _EXOTIC)
@pytest.mark.parametrize("terminator", [b"\r\n", b"XY"])
def test_batch_path_parses_exotic_types_like_the_python_parser(element, terminator):
    # Non-bulk elements and requests, in plain sight or behind a lax bulk terminator, with a
    # byte that makes the buffer "exotic" or not: the fast path must agree with the exact parser.
    for prefix in (b"*1\r\n$4\r\nPING" + terminator, b"*2\r\n$3\r\nGET" + terminator):
        for tail in (element, element + resp(b"PING")):
            data = prefix + tail
            assert _outcome(data, True) == _outcome(data, False), data
    data = resp(b"PING") + element
    assert _outcome(data, True) == _outcome(data, False), data


@settings(max_examples=200, deadline=None)
@given(args=st.lists(st.lists(st.binary(min_size=1, max_size=300), min_size=1, max_size=4), min_size=1,
                     max_size=8))
def test_batch_path_takes_binary_values(args):
    data = bytearray(b"".join(resp(*a) for a in args))
    out: list = []
    assert RequestParser().parse_batch(data, 0, len(data), out) == len(data)
    assert out == args


def test_batch_path_leaves_half_requests_to_the_python_parser():
    whole = resp(b"SET", b"k", b"v" * 100)
    for cut in range(1, len(whole)):
        data = bytearray(resp(b"PING") + whole[:cut])
        out: list = []
        p = RequestParser()
        assert p.parse_batch(data, 0, len(data), out) in (0, len(data) - cut)
        assert feed_all([bytes(data), whole[cut:]], batch=True) == [[b"PING"], [b"SET", b"k", b"v" * 100]]


@pytest.mark.parametrize("data", [
    # four simple strings (3 bytes shorter than bulks) and three verbatim strings (4 longer)
    b"*14\r\n" + b"$1\r\naXY+b\r\n" * 4 + b"$1\r\naXY=5\r\ntxt:dXY" * 3,
    b"*1\r\n$4\r\nECHOXY|1\r\n$1\r\na\r\n$1\r\nb\r\n",            # an attribute, size-neutral
    b"*1\r\n$4\r\nPINGXY~1\r\n$4\r\nPING\r\n",                    # a set request, size-neutral
])
def test_hidden_type_bytes_that_keep_the_size_are_caught(data):
    assert _outcome(data, True) == _outcome(data, False)
