#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL cluster in DIR on a free loopback port.
# `start DIR` prints `TIEOUT_TEST_PG_DSN=...` for eval. PostgreSQL refuses to run as root, so as root the
# cluster runs as the `postgres` system user that the Debian package creates.
set -euo pipefail
cmd=$1; dir=$2
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
  start)
    mkdir -p "$dir"; [ "$(id -u)" -eq 0 ] && chown postgres "$dir" && chmod 755 "$(dirname "$dir")"
    port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
    as_pg "$bindir/initdb" -D "$dir/data" -U tieout --auth=trust -E UTF8 >/dev/null
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U tieout tieout
    echo "TIEOUT_TEST_PG_DSN='host=127.0.0.1 port=$port dbname=tieout user=tieout'"
    ;;
  stop)
    [ -d "$dir/data" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    ;;
esac
