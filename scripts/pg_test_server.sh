#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: a fresh cluster in a temporary folder,
# listening only on a Unix socket in that folder (no TCP port, nothing to collide with
# or to expose), trust authentication for the one local user.
#
#   scripts/pg_test_server.sh start [DIR]   # prints the DSN for DESK_TEST_POSTGRES
#   scripts/pg_test_server.sh stop  [DIR]
#   DESK_PG_PORT=5440 DESK_PG_FSYNC=on scripts/pg_test_server.sh start /tmp/desk-pg-bench
#                                           # a cluster for benchmarks: fsync on, as deployed
#
# Needs the Debian `postgresql` package (initdb and pg_ctl under /usr/lib/postgresql).
# initdb refuses to run as root, so as root the cluster belongs to `nobody`.
set -euo pipefail

action=${1:-}
dir=${2:-/tmp/desk-pg-test}
port=${DESK_PG_PORT:-5433}
# fsync off by default: a test cluster is thrown away, and the tests' commits are many.
# A benchmark needs it on (DESK_PG_FSYNC=on): without it a commit costs no flush, which
# no deployment gets, and the figures would flatter PostgreSQL.
case "${DESK_PG_FSYNC:-off}" in
on) durability="-c fsync=on" ;;
off) durability="-c fsync=off" ;;
*) echo "pg_test_server: DESK_PG_FSYNC is on or off" >&2; exit 2 ;;
esac
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "pg_test_server: PostgreSQL is not installed (apt-get install postgresql)" >&2
    exit 2
fi

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u nobody -- "$@"
    else
        "$@"
    fi
}

case "$action" in
start)
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        rm -rf "$dir"
        mkdir -p "$dir/data" "$dir/socket"
        [ "$(id -u)" = 0 ] && chown -R nobody "$dir"
        # C collation and UTF-8: the server's text compares byte by byte on both
        # backends (central/db.py also declares its text columns COLLATE "C").
        as_owner "$bin/initdb" -D "$dir/data" -U desk --auth=trust --encoding=UTF8 \
            --locale=C >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if ! as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-k $dir/socket -p $port -c listen_addresses='' $durability -c max_connections=300" \
            start >/dev/null
    fi
    echo "postgresql://desk@/postgres?host=$dir/socket&port=$port"
    ;;
stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
*)
    echo "usage: $0 start|stop [DIR]" >&2
    exit 2
    ;;
esac
