#!/usr/bin/env bash
# Run a command with LAPOR_TEST_DATABASE pointing at PostgreSQL.
#
# Uses TEST_POSTGRES_URL when given (postgresql+asyncpg://user:pass@host:port/db); otherwise starts a
# throwaway server (initdb + pg_ctl on a free loopback port, as a non-root user), installs Debian's
# postgresql first when the binaries are missing, and stops and deletes the server afterwards.
set -euo pipefail

if [ -n "${TEST_POSTGRES_URL:-}" ]; then
  LAPOR_TEST_DATABASE="$TEST_POSTGRES_URL" exec "$@"
fi

find_bindir() {
  local candidate
  for candidate in "$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || echo /none/initdb)")")" \
                   /usr/lib/postgresql/*/bin; do
    if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

if ! bindir=$(find_bindir); then
  echo "with-postgres: PostgreSQL binaries not found; installing Debian's postgresql" >&2
  if [ "$(id -u)" -ne 0 ]; then echo "with-postgres: need root to apt-get install postgresql" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  bindir=$(find_bindir) || { echo "with-postgres: still no initdb after installing postgresql" >&2; exit 1; }
fi

# PostgreSQL refuses to run as root: use the postgres user (or create one) when we are root.
as_user=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  as_user=(runuser -u postgres --)
fi

workdir=$(mktemp -d /tmp/lapor-pg.XXXXXX)
chmod 755 "$workdir"
mkdir -p "$workdir/data" "$workdir/socket"
[ ${#as_user[@]} -eq 0 ] || chown -R postgres "$workdir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

cleanup() {
  "${as_user[@]}" "$bindir/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT

"${as_user[@]}" "$bindir/initdb" -D "$workdir/data" -U postgres -A trust -E UTF8 --no-sync >"$workdir/initdb.log" 2>&1 \
  || { cat "$workdir/initdb.log" >&2; exit 1; }
"${as_user[@]}" "$bindir/pg_ctl" -D "$workdir/data" -w -t 60 -l "$workdir/server.log" \
  -o "-p $port -k $workdir/socket -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$workdir/server.log" >&2; exit 1; }
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2

LAPOR_TEST_DATABASE="postgresql+asyncpg://postgres@127.0.0.1:$port/postgres" "$@"
