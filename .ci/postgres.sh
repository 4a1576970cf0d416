#!/usr/bin/env bash
# A throwaway PostgreSQL for the e2e tests: installs Debian's postgresql if missing, creates a
# cluster under /tmp owned by the `postgres` user (PostgreSQL refuses to run as root), starts it
# on 127.0.0.1 and creates the database. Idempotent: a second call reuses the running server.
# stdout carries only the PG* variables to export, so callers can do:
#     eval "$(bash .ci/postgres.sh)"
# Overrides: PG_E2E_PORT (54329), PG_E2E_DATA (/tmp/tap-github-pat-grants-pg), PG_E2E_DB.
set -euo pipefail

port=${PG_E2E_PORT:-54329}
data=${PG_E2E_DATA:-/tmp/tap-github-pat-grants-pg}
db=${PG_E2E_DB:-tap_github_pat_grants}
password=postgres  # a local, throwaway server: the password only exercises the target's setting

log() { echo "postgres.sh: $*" >&2; }

bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n $dir && -x $dir/initdb ]] && echo "$dir"
}

if ! bin=$(bindir); then
  log "installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # The package's own cluster is not used (or started) here; ours lives under $data.
  apt-get install -y -qq --no-install-recommends postgresql >&2
  bin=$(bindir) || { log "postgresql installed but no initdb found under /usr/lib/postgresql"; exit 1; }
fi

as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"  # not root: run as ourselves (then we own $data)
  fi
}

if [[ ! -s $data/PG_VERSION ]]; then
  log "creating a cluster in $data"
  mkdir -p "$data"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$data"
  chmod 700 "$data"
  pwfile=$(mktemp)
  echo "$password" > "$pwfile"
  chmod 644 "$pwfile"
  as_postgres "$bin/initdb" -D "$data" -U postgres --pwfile="$pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >&2
  rm -f "$pwfile"
fi

if ! as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  rm -f "$data/postmaster.pid"  # left by a server that was killed (e.g. at the end of a session)
  log "starting on 127.0.0.1:$port"
  as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data" >&2 \
    || { tail -n 20 "$data/server.log" >&2; exit 1; }
fi

export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGPASSWORD=$password
if [[ -z $(psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
  psql -d postgres -qc "CREATE DATABASE $db" >&2
fi
log "ready: postgresql://postgres@127.0.0.1:$port/$db"

cat <<VARS
export PGHOST=127.0.0.1
export PGPORT=$port
export PGUSER=postgres
export PGPASSWORD=$password
export PGDATABASE=$db
VARS
