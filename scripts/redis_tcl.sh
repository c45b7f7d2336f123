#!/usr/bin/env bash
# Run Redis 7.0.15's own TCL units (default: unit/type/string unit/bitops unit/dump) against our
# server, in the harness's external-server mode. Redis's test suite comes from Debian's source
# package (`apt-get source redis`, through a private deb-src list: the system's apt setup is not
# touched), unpacked once into $REDIS_TCL_DIR (default .cache/redis-tcl). Needs tclsh.
#
# Adaptations, each because of a feature we do not have: the harness's `function flush` before
# each file is wrapped in `catch` (no FUNCTION/scripting here), tests tagged needs:repl are left
# out (no replication), and --durable lets a test that needs another data type (LPUSH, SADD...:
# we store strings only) fail without stopping its file. docs/strings-bits-dump.md lists what fails.
# Usage: scripts/redis_tcl.sh [unit/bitops ...]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=${REDIS_TCL_DIR:-$ROOT/.cache/redis-tcl}
SRC=$DIR/redis-7.0.15
UNITS=("$@")
[ ${#UNITS[@]} -gt 0 ] || UNITS=(unit/type/string unit/bitops unit/dump)
command -v tclsh >/dev/null || { echo "tclsh is needed (apt-get install tcl)" >&2; exit 1; }
if [ ! -f "$SRC/tests/test_helper.tcl" ]; then
    mkdir -p "$DIR/apt/lists/partial"
    echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" \
        > "$DIR/apt/src.list"
    O=(-o "Dir::Etc::SourceList=$DIR/apt/src.list" -o "Dir::Etc::SourceParts=/nonexistent"
       -o "Dir::State::Lists=$DIR/apt/lists")
    apt-get "${O[@]}" update -qq
    (cd "$DIR" && apt-get "${O[@]}" source --download-only -qq redis=5:7.0.15-1~deb12u7)
    tar -xzf "$DIR"/redis_7.0.15.orig.tar.gz -C "$DIR"
    sed -i 's/^    r function flush$/    catch {r function flush}/' "$SRC/tests/support/server.tcl"
fi
source scripts/pyenv.sh
choose_python
PORT=$("$PY" -c "from scripts.servers import free_port; print(free_port())")
"$PY" -m resp_server --port "$PORT" --bind 127.0.0.1 --enable-debug-command yes --maxmemory 2gb \
    > "$DIR/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
rc=0
for u in "${UNITS[@]}"; do
    log=$DIR/$(echo "$u" | tr / _).log
    (cd "$SRC" && tclsh tests/test_helper.tcl --host 127.0.0.1 --port "$PORT" --single "$u" \
        --clients 1 --timeout 120 --durable --tags -needs:repl) > "$log" 2>&1 || rc=1
    plain=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
    ok=$(grep -c '^\[ok\]' <<<"$plain" || true); err=$(grep -c '^\[err\]' <<<"$plain" || true)
    ign=$(grep -c '^\[ignore\]' <<<"$plain" || true)
    echo "$u: $ok ok, $err err, $ign ignored (log: $log)"
    grep '^\[err\]' <<<"$plain" || true
done
exit $rc
