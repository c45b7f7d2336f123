"""Server commands: INFO, CONFIG, COMMAND, MONITOR, OBJECT, MEMORY, SLOWLOG, SHUTDOWN, ..."""

from __future__ import annotations

import re
import time

import pytest

from resp_server.commands.monitor import format_monitor_line, repr_arg
from resp_server.config import OutputLimits
from resp_server.resp.replies import OK, Status, Verbatim
from resp_server.sysmem import human_bytes
from tests.unit.helpers import Env


def parse_info(text: str) -> dict[str, str]:
    out = {}
    for line in text.split("\r\n"):
        if line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


def sections(text: str) -> list[str]:
    return re.findall(r"^# (\w+)\r$", text, re.M)


def test_info_default_sections_and_fields() -> None:
    env = Env(store={"maxmemory": 1 << 30})
    env.ok("SET", "k", "v", "EX", "100")
    env.ok("SET", "j", "v")
    env("GET", "k")
    env("GET", "missing")
    text = env("INFO")
    assert isinstance(text, Verbatim) and "\n" not in text.replace("\r\n", "")
    assert sections(text) == ["Server", "Clients", "Memory", "Persistence", "Stats",
                              "Replication", "CPU", "Modules", "Errorstats", "Cluster", "Keyspace"]
    f = parse_info(text)
    assert f["redis_version"] == "7.0.15" and f["redis_mode"] == "standalone"
    assert f["resp_kvcache_version"] and f["arch_bits"] == "64"
    assert int(f["process_id"]) > 0 and f["tcp_port"] == "6380"
    assert f["connected_clients"] == "1" and f["role"] == "master"
    assert f["maxmemory"] == str(1 << 30) and f["maxmemory_human"] == "1.00G"
    assert f["maxmemory_policy"] == env.server.keyspace.policy   # the configured default
    assert int(f["used_memory"]) > 0 and f["used_memory_human"]
    assert float(f["mem_fragmentation_ratio"]) >= 0
    assert f["keyspace_hits"] == "1" and f["keyspace_misses"] == "1"
    assert f["evicted_keys"] == "0" and f["expired_keys"] == "0"
    assert int(f["total_commands_processed"]) >= 4
    assert f["loading"] == "0" and f["aof_enabled"] == "0" and f["cluster_enabled"] == "0"
    assert f["rdb_changes_since_last_save"] == "2"
    assert f["db0"] == "keys=2,expires=1,avg_ttl=0"
    assert "instantaneous_ops_per_sec" in f and "rejected_connections" in f


def test_info_selected_sections() -> None:
    env = Env()
    env("SET", "k", "v")
    assert sections(env("INFO", "keyspace")) == ["Keyspace"]
    assert sections(env("INFO", "keyspace", "SERVER")) == ["Server", "Keyspace"]
    assert env("INFO", "nosuchsection") == ""
    stats = parse_info(env("INFO", "commandstats"))
    assert re.fullmatch(r"calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,"
                        r"failed_calls=0", stats["cmdstat_set"])
    everything = sections(env("INFO", "everything"))
    assert {"Commandstats", "Slabs", "Modules", "Latencystats"} <= set(everything)
    assert sections(env("INFO", "all")) == everything   # no module-generated sections here
    slabs = parse_info(env("INFO", "slabs"))
    assert any(k.startswith("slab_") for k in slabs)


def test_commandstats_count_failures_and_rejections() -> None:
    env = Env()
    env("SET", "k", "abc")
    env("INCR", "k")
    env("GET")
    f = parse_info(env("INFO", "commandstats"))
    assert "failed_calls=1" in f["cmdstat_incr"]
    assert "rejected_calls=1" in f["cmdstat_get"]


def test_human_bytes() -> None:
    assert human_bytes(0) == "0B"
    assert human_bytes(1023) == "1023B"
    assert human_bytes(1024) == "1.00K"
    assert human_bytes(1536 * 1024) == "1.50M"
    assert human_bytes(4 << 30) == "4.00G"


def test_config_get() -> None:
    env = Env()
    assert env("CONFIG", "GET", "save") == {"save": ""}
    assert env("CONFIG", "GET", "appendonly") == {"appendonly": "no"}
    assert env("CONFIG", "GET", "maxmemory") == {"maxmemory": "0"}
    assert env("CONFIG", "GET", "MAXMEMORY") == {"MAXMEMORY": "0"}
    assert env("CONFIG", "GET", "nosuch") == {}
    got = env("CONFIG", "GET", "maxmemory*", "timeout")
    assert set(got) == {"maxmemory", "maxmemory-policy", "maxmemory-samples",
                        "maxmemory-eviction-tenacity", "maxmemory-clients", "timeout"}
    assert env("CONFIG", "GET", "databases")["databases"] == "16"
    assert len(env("CONFIG", "GET", "*")) > 30
    assert env.err("CONFIG", "GET") == "ERR wrong number of arguments for 'config|get' command"


def test_config_set_applies_to_the_server() -> None:
    env = Env()
    env.ok("CONFIG", "SET", "maxmemory", "100mb", "maxmemory-policy", "noeviction")
    ks = env.server.keyspace
    assert ks.maxmemory == 100 * 1024 * 1024 and ks.policy == "noeviction"
    assert env("CONFIG", "GET", "maxmemory") == {"maxmemory": "104857600"}
    env.ok("CONFIG", "SET", "maxmemory", "1GB")
    assert ks.maxmemory == 1 << 30
    env.ok("CONFIG", "SET", "timeout", "30", "maxclients", "50")
    assert (env.server.timeout, env.server.maxclients) == (30, 50)
    env.ok("CONFIG", "SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "3")
    assert env.server.slowlog_log_slower_than == 0 and env.server.slowlog.max_len == 3
    env.ok("CONFIG", "SET", "hz", "1000")
    assert env("CONFIG", "GET", "hz") == {"hz": "500"}
    env.ok("CONFIG", "SET", "save", "", "appendonly", "no")
    assert env("CONFIG", "GET", "save") == {"save": ""}
    env.ok("CONFIG", "SET", "requirepass", "pw")
    assert env.server.requirepass == "pw" and env.c.authenticated
    assert not env.client().authenticated



OBL = "client-output-buffer-limit"
OBL_ERR = f"ERR CONFIG SET failed (possibly related to argument '{OBL}') - "


# What Redis 7.0.15 answers, checked by hand against redis-server (CONFIG SET then CONFIG GET).
@pytest.mark.parametrize("value, shown", [
    ("normal 1mb 2mb 3", "normal 1048576 2097152 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
    ("replica 1 2 3", "normal 0 0 0 slave 1 2 3 pubsub 33554432 8388608 60"),
    ("pubsub 10 20 30 normal 0 0 0", "normal 0 0 0 slave 268435456 67108864 60 pubsub 10 20 30"),
    ("", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
    ("NORMAL 4MB 1K 5", "normal 4194304 1000 5 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
    ("normal 1 2 3 normal 4 5 6", "normal 4 5 6 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
    ("normal  1 2", "normal 0 1 2 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
    ("normal 1 2 +5", "normal 1 2 5 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
    ("normal 1 2 4294967297", "normal 1 2 1 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
    ("normal 18446744073709551616 0 0",
     "normal 18446744073709551615 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
])
def test_config_output_buffer_limit_round_trip(value: str, shown: str) -> None:
    env = Env()
    assert env("CONFIG", "GET", OBL) == {OBL: str(OutputLimits())}
    env.ok("CONFIG", "SET", OBL, value)
    assert env("CONFIG", "GET", OBL) == {OBL: shown}
    assert str(env.server.client_output_buffer_limit) == shown


@pytest.mark.parametrize("value, why", [
    ("master 1 2 3", "Invalid client class specified in buffer limit configuration."),
    ("normal 1 2 3 foo 1 2 3", "Invalid client class specified in buffer limit configuration."),
    ("normal 1 2", "Wrong number of arguments in buffer limit configuration."),
    ("  normal 7 8 9", "Wrong number of arguments in buffer limit configuration."),
    ("normal -1 2 3", "Error in hard, soft or soft_seconds setting in buffer limit configuration."),
    ("normal 1 2 -3", "Error in hard, soft or soft_seconds setting in buffer limit configuration."),
    ("normal 1.5mb 0 0", "Error in hard, soft or soft_seconds setting in buffer limit configuration."),
    ("normal 1 2 0x5", "Error in hard, soft or soft_seconds setting in buffer limit configuration."),
    ("normal 1 2 2147483648", "Error in hard, soft or soft_seconds setting in buffer limit configuration."),
])
def test_config_output_buffer_limit_errors_change_nothing(value: str, why: str) -> None:
    env = Env()
    env.ok("CONFIG", "SET", OBL, "normal 0 4mb 10")
    before = env.server.client_output_buffer_limit
    assert env.err("CONFIG", "SET", OBL, value) == OBL_ERR + why
    assert env.server.client_output_buffer_limit == before

@pytest.mark.parametrize("args, err", [
    (("foo", "bar"), "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"),
    (("maxmemory", "abc"), "ERR CONFIG SET failed (possibly related to argument 'maxmemory') "
                           "- argument must be a memory value"),
    (("maxmemory", "10", "maxmemory", "20"),
     "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter"),
    (("databases", "3"),
     "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable "
     "config"),
    (("hz", "abc"), "ERR CONFIG SET failed (possibly related to argument 'hz') - argument "
                    "couldn't be parsed into an integer"),
    (("timeout", "-1"), "ERR CONFIG SET failed (possibly related to argument 'timeout') - "
                        "argument must be between 0 and 2147483647 inclusive"),
    (("proto-max-bulk-len", "10"),
     "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument "
     "must be between 1048576 and 9223372036854775807 inclusive"),
    (("maxmemory",), "ERR wrong number of arguments for 'config|set' command"),
    (("maxmemory", "1", "timeout"), "ERR syntax error"),  # odd pair count
])
def test_config_set_errors(args: tuple, err: str) -> None:
    assert Env().err("CONFIG", "SET", *args) == err


def test_config_set_checks_names_before_values() -> None:
    """configSetCommand: names first (first problem wins, named as typed), then values."""
    env = Env()
    dup = "ERR CONFIG SET failed (possibly related to argument '{}') - duplicate parameter"
    assert env.err("CONFIG", "SET", "maxmemory", "x", "MAXMEMORY", "y") == dup.format("MAXMEMORY")
    assert env.err("CONFIG", "SET", "hz", "abc", "nosuch", "1") == \
        "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"
    assert env.err("CONFIG", "SET", "hz", "abc", "DATABASES", "3").endswith(
        "argument 'DATABASES') - can't set immutable config")
    assert env.err("CONFIG", "SET", "HZ", "abc").startswith(
        "ERR CONFIG SET failed (possibly related to argument 'hz')")


def test_config_get_names_are_case_insensitive_once() -> None:
    env = Env()
    assert list(env("CONFIG", "GET", "MAXMEMORY", "maxmemory", "maxmemory*")) == \
        ["MAXMEMORY", "maxmemory-policy", "maxmemory-samples", "maxmemory-eviction-tenacity",
         "maxmemory-clients"]


def test_config_set_is_all_or_nothing() -> None:
    env = Env()
    assert env.err("CONFIG", "SET", "timeout", "5", "hz", "abc").startswith("ERR CONFIG SET")
    assert env.server.timeout == 0


def test_config_policy_error_lists_our_policies() -> None:
    msg = Env().err("CONFIG", "SET", "maxmemory-policy", "foo")
    assert msg.startswith("ERR CONFIG SET failed (possibly related to argument "
                          "'maxmemory-policy') - argument(s) must be one of the following: ")
    assert "allkeys-lru" in msg and "noeviction" in msg


def test_config_resetstat_and_misc() -> None:
    env = Env()
    env("SET", "k", "v")
    env("GET", "k")
    env.ok("CONFIG", "RESETSTAT")
    f = parse_info(env("INFO", "stats"))
    assert f["keyspace_hits"] == "0" and f["total_commands_processed"] == "1"   # RESETSTAT
    assert env.err("CONFIG", "REWRITE") == "ERR The server is running without a config file"
    assert env.err("CONFIG", "foo") == "ERR unknown subcommand 'foo'. Try CONFIG HELP."


def test_command_introspection() -> None:
    env = Env()
    n = env("COMMAND", "COUNT")
    assert n == len(env("COMMAND")) > 60
    names = env("COMMAND", "LIST")                  # subcommands listed after their container
    assert len(names) > n and names.index("client|list") > names.index("client")
    [get] = env("COMMAND", "INFO", "get")
    assert get[:2] == ["get", 2] and list(get[2]) == [Status(b"readonly"), Status(b"fast")]
    assert get[3:6] == [1, 1, 1]
    assert list(get[6]) == [Status(b"@read"), Status(b"@string"), Status(b"@fast")]
    assert list(get[7]) == [] and list(get[9]) == []
    [spec] = get[8]
    assert spec == {"flags": {Status(b"RO"), Status(b"access")},
                    "begin_search": {"type": "index", "spec": {"index": 1}},
                    "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1,
                                                            "limit": 0}}}
    assert env("COMMAND", "INFO", "nosuch") == [None]
    [mset] = env("COMMAND", "INFO", "MSET")
    assert Status(b"denyoom") in mset[2] and Status(b"bigvalue") not in mset[2]
    assert list(mset[7]) == ["request_policy:multi_shard", "response_policy:all_succeeded"]
    [hello] = env("COMMAND", "INFO", "hello")
    assert Status(b"no_auth") in hello[2]
    [slowlog] = env("COMMAND", "INFO", "slowlog")
    assert [e[0] for e in slowlog[9]] == ["slowlog|get", "slowlog|len", "slowlog|reset",
                                          "slowlog|help"]
    [enc, nosub] = env("COMMAND", "INFO", "OBJECT|ENCODING", "object|nosuch")
    assert enc[:6] == ["object|encoding", 3, {Status(b"readonly")}, 2, 2, 1] and nosub is None
    docs = env("COMMAND", "DOCS", "get", "nosuch")
    assert docs == {"get": {"summary": "Get the value of a key", "since": "1.0.0",
                            "group": "string", "complexity": "O(1)",
                            "arguments": [{"name": "key", "type": "key", "key_spec_index": 0}]}}
    assert "client|list" in env("COMMAND", "DOCS", "client")["client"]["subcommands"]
    assert "lpush" not in names
    assert sorted(env("COMMAND", "LIST", "FILTERBY", "PATTERN", "get*")) == \
        ["get", "getbit", "getdel", "getex", "getrange", "getset"]
    assert "set" in env("COMMAND", "LIST", "FILTERBY", "ACLCAT", "write")
    assert "client|kill" in env("COMMAND", "LIST", "FILTERBY", "ACLCAT", "DANGEROUS")
    assert env.err("COMMAND", "LIST", "FILTERBY", "foo", "x") == "ERR syntax error"
    assert env("COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2") == [b"a", b"b"]
    assert env("COMMAND", "GETKEYS", "RENAME", "a", "b") == [b"a", b"b"]
    assert env("COMMAND", "GETKEYS", "object", "encoding", "k") == [b"k"]
    [[key, flags]] = env("COMMAND", "GETKEYSANDFLAGS", "set", "k", "v")
    assert key == b"k" and list(flags) == [Status(b"OW"), Status(b"update")]
    [[key, flags]] = env("COMMAND", "GETKEYSANDFLAGS", "set", "k", "v", "GET")
    assert list(flags) == [Status(b"RW"), Status(b"access"), Status(b"update")]
    assert env.err("COMMAND", "GETKEYS", "foo", "a") == "ERR Invalid command specified"
    assert env.err("COMMAND", "GETKEYS", "object", "foo", "k") == "ERR Invalid command specified"
    assert env.err("COMMAND", "GETKEYS", "get", "a", "b") == \
        "ERR Invalid number of arguments specified for command"
    assert env.err("COMMAND", "GETKEYS", "ping", "x") == "ERR The command has no key arguments"
    assert env.err("COMMAND", "GETKEYS", "echo", "a", "b") == \
        "ERR The command has no key arguments"      # checked before the arity
    assert env.err("COMMAND", "GETKEYS", "get") == \
        "ERR wrong number of arguments for 'command|getkeys' command"
    assert env.err("COMMAND", "foo") == "ERR unknown subcommand 'foo'. Try COMMAND HELP."


def test_time_and_lastsave() -> None:
    env = Env()
    sec, usec = env("TIME")
    assert abs(int(sec) - time.time()) < 5 and 0 <= int(usec) < 1_000_000
    assert env("LASTSAVE") == int(env.server.started)


def test_persistence_commands_answer_a_clear_error() -> None:
    env = Env()
    assert env.err("BGREWRITEAOF") == "ERR persistence is not supported by this server"
    for cmd in ("SAVE", "BGSAVE"):     # they point at what does keep the cache: --memory-file
        assert env.err(cmd) == ("ERR persistence is not supported by this server: start it with "
                                "--memory-file PATH to keep the cache across restarts "
                                "(SHUTDOWN saves it)")


def test_monitor_line_format() -> None:
    env = Env()
    c = env.c
    c.addr = "127.0.0.1:5000"
    line = format_monitor_line(c, [b"set", b"k", b"v"])
    assert isinstance(line, Status)
    assert re.fullmatch(rb'\d{10}\.\d{6} \[0 127\.0\.0\.1:5000\] "set" "k" "v"', line)
    assert format_monitor_line(c, [b"AUTH", b"user", b"pw"]).endswith(
        b'"AUTH" "(redacted)" "(redacted)"')
    assert format_monitor_line(c, [b"hello", b"3", b"AUTH", b"u", b"p"]).endswith(
        b'"hello" "3" "AUTH" "(redacted)" "(redacted)"')
    assert repr_arg(b'a"b\\c\n\r\t\x07\x08\x00\xff') == \
        b'"a\\"b\\\\c\\n\\r\\t\\a\\b\\x00\\xff"'


def test_monitor_receives_other_clients_commands() -> None:
    env = Env()
    watcher = env.client()
    assert env("MONITOR", client=watcher) == OK
    assert watcher.monitor and watcher in env.server.monitors
    env.c.db = 0
    env("SET", "k", "v")
    env("GET", "k")
    lines = watcher.conn.delivered
    assert len(lines) == 2 and lines[0].endswith(b'"SET" "k" "v"')


def test_monitor_order_and_hidden_subcommands() -> None:
    """Fed after the command ran (SELECT shows the new db, EXEC after its commands); admin
    subcommands, rejected subcommands and Redis 7.2's CLIENT SETINFO are not shown."""
    env = Env()
    watcher = env.client()
    env("MONITOR", client=watcher)
    for cmd in (("MULTI",), ("SET", "a", "1"), ("SELECT", "2"), ("EXEC",), ("CLIENT", "ID"),
                ("CLIENT", "LIST"), ("CLIENT", "NOSUCH"), ("CLIENT", "SETNAME"),
                ("CLIENT", "SETINFO", "LIB-NAME", "x"), ("CONFIG", "GET", "hz"),
                ("OBJECT", "ENCODING", "a"), ("DEBUG", "JMAP")):
        env(*cmd)
    shown = [bytes(x).split(b"] ", 1)[0].rsplit(b"[", 1)[1][:1] + b" " + bytes(x).split(b"] ", 1)[1]
             for x in watcher.conn.delivered]
    assert shown == [b'0 "MULTI"', b'0 "SET" "a" "1"', b'2 "SELECT" "2"', b'2 "EXEC"',
                     b'2 "CLIENT" "ID"', b'2 "OBJECT" "ENCODING" "a"']


def test_object_refcount_shared_integers() -> None:
    """0..9999 are Redis's shared integers (INT_MAX), unless COPY'd, appended, or maxmemory is
    set with a policy that keeps per-key access data."""
    env = Env()
    for k, v in (("z", "0"), ("y", "9999"), ("x", "10000"), ("m", "-1"), ("s", "abc")):
        env.ok("SET", k, v)
    refs = [env("OBJECT", "REFCOUNT", k) for k in ("z", "y", "x", "m", "s")]
    assert refs == [2147483647, 2147483647, 1, 1, 1]
    env("COPY", "z", "z2")
    env("RENAME", "y", "y2")
    assert (env("OBJECT", "REFCOUNT", "z2"), env("OBJECT", "REFCOUNT", "y2")) == (1, 2147483647)
    env.ok("CONFIG", "SET", "maxmemory", "1gb", "maxmemory-policy", "allkeys-lru")
    assert env("OBJECT", "REFCOUNT", "z") == 1
    env.ok("CONFIG", "SET", "maxmemory-policy", "noeviction")
    assert env("OBJECT", "REFCOUNT", "z") == 2147483647


def test_object_subcommands() -> None:
    env = Env()
    env.ok("SET", "i", "123")
    env.ok("SET", "s", "short")
    env.ok("SET", "r", "x" * 45)
    assert env("OBJECT", "ENCODING", "i") == b"int"
    assert env("OBJECT", "ENCODING", "s") == b"embstr"
    assert env("OBJECT", "ENCODING", "r") == b"raw"
    assert env("OBJECT", "ENCODING", "nokey") is None
    assert env("OBJECT", "REFCOUNT", "s") == 1
    assert env("OBJECT", "IDLETIME", "s") == 0
    assert env("OBJECT", "FREQ", "nokey") is None
    assert env.err("OBJECT", "FREQ", "s").startswith(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked.")
    env.ok("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    assert isinstance(env("OBJECT", "FREQ", "s"), int)
    assert env.err("OBJECT", "IDLETIME", "s").startswith(
        "ERR An LFU maxmemory policy is selected, idle time not tracked.")
    assert env.err("OBJECT", "foo", "k") == "ERR unknown subcommand 'foo'. Try OBJECT HELP."
    assert env.err("OBJECT", "encoding") == \
        "ERR wrong number of arguments for 'object|encoding' command"


def test_memory_subcommands() -> None:
    env = Env()
    env.ok("SET", "k", "v" * 1000)
    assert env("MEMORY", "USAGE", "k") >= 1000
    assert env("MEMORY", "USAGE", "k", "SAMPLES", "5") >= 1000
    assert env("MEMORY", "USAGE", "nokey") is None
    assert env.err("MEMORY", "USAGE", "k", "SAMPLES") == "ERR syntax error"
    assert env.err("MEMORY", "USAGE", "k", "SAMPLES", "-1") == "ERR syntax error"
    stats = env("MEMORY", "STATS")
    assert stats["keys.count"] == 1 and "db.0" in stats and "dataset.bytes" in stats
    assert isinstance(env("MEMORY", "DOCTOR"), Verbatim)
    assert env.err("MEMORY", "foo") == "ERR unknown subcommand 'foo'. Try MEMORY HELP."


def test_slowlog() -> None:
    env = Env()
    env.ok("CONFIG", "SET", "slowlog-log-slower-than", "0")
    env("SET", "k", "v")
    assert env("SLOWLOG", "LEN") >= 2
    [latest, entry] = env("SLOWLOG", "GET", "2")
    assert latest[3] == [b"SLOWLOG", b"LEN"] and latest[0] == entry[0] + 1
    assert entry[3] == [b"SET", b"k", b"v"] and entry[4] == env.c.addr
    assert len(env("SLOWLOG", "GET", "-1")) == env("SLOWLOG", "LEN") - 1
    assert env.err("SLOWLOG", "GET", "-2") == "ERR count should be greater than or equal to -1"
    assert env.err("slowlog", "Get", "-1", "x") == ("ERR unknown subcommand or wrong number of "
                                                    "arguments for 'Get'. Try SLOWLOG HELP.")
    assert env.err("SLOWLOG", "GET", "abc") == "ERR count should be greater than or equal to -1"
    env.ok("SLOWLOG", "RESET")
    assert env("SLOWLOG", "LEN") == 1               # the RESET itself is logged after it ran
    assert env.err("SLOWLOG", "foo") == "ERR unknown subcommand 'foo'. Try SLOWLOG HELP."


def test_shutdown() -> None:
    env = Env()
    calls = []
    env.server.shutdown_requested = lambda: calls.append(1)
    assert env.err("SHUTDOWN", "foo") == "ERR syntax error"
    assert env.err("SHUTDOWN", "NOSAVE", "SAVE") == "ERR syntax error"
    assert env.err("SHUTDOWN", "ABORT", "NOSAVE") == "ERR syntax error"
    assert env.err("SHUTDOWN", "ABORT") == "ERR No shutdown in progress."
    assert env.err("SHUTDOWN", "SAVE") == "ERR Errors trying to SHUTDOWN. Check logs."  # no memory file
    assert calls == []
    env("SHUTDOWN", "NOSAVE")
    assert calls == [1] and env.c.conn.killed


def test_debug_subset() -> None:
    env = Env(enable_debug_command="yes")
    env.ok("DEBUG", "SLEEP", "0")
    env.ok("DEBUG", "JMAP")
    assert env.err("DEBUG", "foo") == \
        "ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP."


def test_debug_protected_by_enable_debug_command() -> None:
    """Redis 7: DEBUG refused by default, before NOAUTH and at MULTI queueing; `local` lets
    loopback clients (and unix sockets) run it, not others."""
    refused = ("ERR DEBUG command not allowed. If the enable-debug-command option is set to "
               "\"local\", you can run it from a local connection, otherwise you need to set this "
               "option in the configuration file, and then restart the server.")
    env = Env(requirepass="pw")
    assert env.err("DEBUG", "SLEEP", "0") == refused          # not NOAUTH
    env.ok("AUTH", "pw")
    assert env.err("DEBUG", "JMAP") == refused
    env.ok("MULTI")
    assert env.err("DEBUG", "JMAP") == refused                # at queueing time
    assert env.err("EXEC").startswith("EXECABORT")
    local = Env(enable_debug_command="local")
    local.ok("DEBUG", "JMAP")
    assert local.err("DEBUG", "JMAP", client=local.client("10.1.2.3:5000")) == refused
    assert local("DEBUG", "JMAP", client=local.client(":0")) == b"OK"   # a unix socket peer


def test_subcommands_checked_before_auth_and_multi() -> None:
    """Unknown subcommands and subcommand arity are refused like unknown commands: before
    NOAUTH, and at queueing time inside MULTI (EXECABORT later); commandstats are per
    `parent|sub`."""
    env = Env(requirepass="pw")
    assert env.err("CLIENT", "NOSUCH") == "ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP."
    assert env.err("CLIENT", "SETNAME") == \
        "ERR wrong number of arguments for 'client|setname' command"
    assert env.err("CLIENT", "ID") == "NOAUTH Authentication required."
    assert env.err("EXEC") == \
        "EXECABORT Transaction discarded because of: NOAUTH Authentication required."
    env.ok("AUTH", "pw")
    env.ok("CONFIG", "RESETSTAT")
    env.ok("MULTI")
    assert env.err("OBJECT", "ENCODING").startswith("ERR wrong number of arguments")
    assert env.err("EXEC") == "EXECABORT Transaction discarded because of previous errors."
    assert isinstance(env("CLIENT", "ID"), int)
    stats = env.server.stats.commands
    assert stats["client|id"].calls == 1 and stats["object|encoding"].rejected_calls == 1
    assert env.c.last_cmd == b"client|id"


def test_info_sections_like_redis() -> None:
    """`# Modules` (empty) is a default section; `# Latencystats` is in all/everything."""
    env = Env()

    def headers(*args: str) -> list[str]:
        text = env("INFO", *args)
        return [ln[2:] for ln in text.split("\r\n") if ln.startswith("# ")]

    assert headers() == ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication",
                         "CPU", "Modules", "Errorstats", "Cluster", "Keyspace"]
    assert headers("all")[7:12] == ["Modules", "Commandstats", "Errorstats", "Latencystats",
                                    "Cluster"]
    assert headers("everything") == headers("all")
    assert headers("latencystats") == ["Latencystats"]


def test_latency_tracking_percentiles() -> None:
    """HdrHistogram buckets as Redis prints them; on by default, RESETSTAT clears them."""
    from resp_server import latency

    h = {46: 1, 124: 1}                                  # usec -> calls
    assert [latency.value_at_percentile(h, p) for p in (50, 99, 99.9)] == [46079, 124415, 124415]
    assert latency.bucket_high(latency.bucket_low(4000)) == 4015
    assert latency.bucket_low(0) == 1                   # clamped to 1 ns: "0.001"
    env = Env()
    assert env("CONFIG", "GET", "latency-tracking") == {"latency-tracking": "yes"}
    env("SET", "k", "v")
    env("CLIENT", "ID")
    text = env("INFO", "latencystats")
    assert re.search(r"latency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},"
                     r"p99\.9=\d+\.\d{3}\r\n", text), text
    assert "latency_percentiles_usec_client|id:" in text
    env.ok("CONFIG", "RESETSTAT")
    assert "usec_set" not in env("INFO", "latencystats")
    env.ok("CONFIG", "SET", "latency-tracking", "no")
    env("SET", "k", "v")
    assert "latency_percentiles" not in env("INFO", "latencystats")
    assert env.server.latency is not Env().server.latency      # state per server instance


def test_error_messages_quote_arguments_like_c_strings() -> None:
    """%s / %.128s: an argument is cut at its first NUL byte, lengths count bytes."""
    env = Env()
    assert env.err("XYZ", b"ab\x00cd", "z") == \
        "ERR unknown command 'XYZ', with args beginning with: 'ab' 'z' "
    assert env.err("XYZ", "\u00e9" * 70).endswith("'" + "\u00e9" * 64 + "' ")   # 128 bytes
    assert env.err("CLIENT", b"no\x00pe") == "ERR unknown subcommand 'no'. Try CLIENT HELP."
    assert env.err("CONFIG", "SET", b"x\x00y", "1") == \
        "ERR Unknown option or number of arguments for CONFIG SET - 'x'"
