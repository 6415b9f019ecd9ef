# Shared by scripts/run, scripts/test and scripts/pg. Source it; do not run it.
# shellcheck shell=bash

PARLEY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BIN=/usr/lib/postgresql/15/bin
BUILD_DIR=${PARLEY_BUILD_DIR:-$PARLEY_ROOT/build}

# Debian 12 packages Parley needs to build, run and test.
PARLEY_PACKAGES=(
  build-essential cmake ninja-build ccache clang libclang-rt-14-dev pkg-config procps
  iproute2 openssl
  libcaf-dev libboost-dev libboost-system-dev libpqxx-dev libssl-dev
  nlohmann-json3-dev catch2 libargon2-dev libspdlog-dev libcli11-dev libsqlite3-dev
  postgresql-15 postgresql-client-15
  python3 python3-websockets python3-psycopg2 python3-pytest python3-cryptography
  coturn
)

log() { printf '[parley] %s\n' "$*" >&2; }

# Every connection is a descriptor: ask for 65536, or the most the hard
# limit allows (a soft limit of 1024 would cap the node at ~1000 clients).
raise_fd_limit() {
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
}
die() { printf '[parley] error: %s\n' "$*" >&2; exit 1; }

# Installs what is missing of PARLEY_PACKAGES and of any packages named.
install_dependencies() {
  local missing=()
  for pkg in "${PARLEY_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing packages (${missing[*]}); run as root or install them"
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  keep_coturn_service_off
}

# Parley starts its own coturn (scripts/coturn), as a child of the script
# that needs it; the package's system service stays off.
keep_coturn_service_off() {
  if command -v systemctl >/dev/null && systemctl is-enabled --quiet coturn 2>/dev/null; then
    systemctl disable --now coturn >/dev/null 2>&1 || true
  fi
}

# Starts scripts/coturn DIR PORT [MIN MAX] in the background (its log in
# DIR/coturn.log) and waits until it answers a STUN Binding request. Sets
# COTURN_PID; parleyd's flags for it are in TURN_FLAGS.
start_coturn() {
  local dir=$1 port=$2 min=${3:-49160} max=${4:-49359}
  mkdir -p "$dir"
  "$PARLEY_ROOT/scripts/coturn" "$dir" "$port" "$min" "$max" >"$dir/coturn.log" 2>&1 &
  COTURN_PID=$!
  local _
  for _ in $(seq 1 100); do
    if timeout 2 turnutils_stunclient -p "$port" 127.0.0.1 >/dev/null 2>&1; then
      TURN_FLAGS=(--turn-secret-file "$dir/secret"
                  --turn-url "turn:127.0.0.1:$port?transport=udp"
                  --turn-url "turn:127.0.0.1:$port?transport=tcp")
      return 0
    fi
    kill -0 "$COTURN_PID" 2>/dev/null || die "coturn exited: $(tail -5 "$dir/coturn.log")"
    sleep 0.1
  done
  die "coturn did not answer STUN on 127.0.0.1:$port (log: $dir/coturn.log)"
}

build_parley() {
  log "building (Release, Ninja) in $BUILD_DIR"
  cmake -S "$PARLEY_ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR"
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Runs a command as the postgres user when we are root (PostgreSQL refuses
# to run as root), else as ourselves.
as_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

pg_superuser() {
  if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

# PostgreSQL runs as the postgres user, which must be able to reach its data
# directory. When the checkout is somewhere it cannot (under /root, say),
# keep the data in /var/lib/parley and leave var/pg as a link to it.
reachable_pg_dir() {
  local dir=$1
  mkdir -p "$(dirname "$dir")"
  [ "$(id -u)" -eq 0 ] || { mkdir -p "$dir"; echo "$dir"; return; }
  if [ ! -e "$dir" ]; then
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    if ! runuser -u postgres -- test -w "$dir"; then
      rmdir "$dir"
      local elsewhere
      elsewhere=/var/lib/parley/pg-$(echo "$dir" | md5sum | cut -c1-12)
      mkdir -p "$elsewhere"
      chown postgres:postgres "$elsewhere"
      ln -s "$elsewhere" "$dir"
      log "postgres cannot reach $dir: data kept in $elsewhere (linked from var/pg)"
    fi
  fi
  readlink -f "$dir"
}

# The private PostgreSQL under a folder is run as production runs it: every
# role has a scram-sha-256 password (no `trust`), the socket lives in a 0700
# directory, each database is owned by parley_owner (which runs the
# migrations) and parleyd connects as parley_app, which may only read and
# write Parley's tables. The passwords are in DIR/pgpass (0600), the file
# libpq reads when PGPASSFILE names it, so no URL and no argv carries one.
PG_OWNER=parley_owner
PG_APP=parley_app

# The pgpass file of the private PostgreSQL under $1 (export it as PGPASSFILE).
private_pg_passfile() {
  echo "$(reachable_pg_dir "$1")/pgpass"
}

# Runs psql as the superuser against the private PostgreSQL under $1.
private_psql() {
  local dir=$1
  shift
  PGPASSFILE="$dir/pgpass" as_pg_user "$PG_BIN/psql" -h 127.0.0.1 -p "$(cat "$dir/port")" \
    -U "$(pg_superuser)" -v ON_ERROR_STOP=1 -X -q "$@"
}

init_private_pg() {
  local dir=$1 pw
  pw=$(openssl rand -hex 24)
  (umask 077; echo "$pw" >"$dir/superuser.pw"
   for role in "$(pg_superuser)" "$PG_OWNER" "$PG_APP"; do echo "127.0.0.1:*:*:$role:$pw"; done \
     >"$dir/pgpass")
  [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir/superuser.pw" "$dir/pgpass"
  as_pg_user "$PG_BIN/initdb" -D "$dir/data" -U "$(pg_superuser)" --auth=scram-sha-256 \
    --pwfile="$dir/superuser.pw" -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  rm -f "$dir/superuser.pw"
}

# Starts (or reuses) the private PostgreSQL under $1, makes sure database
# ${2:-parley} exists and is migrated (with parleyd, once it is built), and
# prints the URL parleyd uses (parley_app, no password: see PGPASSFILE).
start_private_pg() {
  local dir port db=${2:-parley}
  dir=$(reachable_pg_dir "$1")
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    init_private_pg "$dir"
  elif [ ! -s "$dir/pgpass" ]; then
    die "$1 was made before passwords were required (trust): stop it (scripts/pg stop) and remove $1 to re-create it"
  fi
  mkdir -p "$dir/socket"
  chmod 700 "$dir/socket"
  [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir/socket"
  if as_pg_user "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    port=$(cat "$dir/port")
  else
    port=$(free_port)
    echo "$port" >"$dir/port"
    as_pg_user "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir/socket -c listen_addresses=127.0.0.1" start >/dev/null \
      || { tail -20 "$dir/server.log" >&2; die "PostgreSQL did not start"; }
  fi
  local pw
  pw=$(head -1 "$dir/pgpass" | cut -d: -f5)
  private_psql "$dir" -d postgres -v pw="$pw" >/dev/null <<SQL
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', r, :'pw') FROM unnest(ARRAY['$PG_OWNER', '$PG_APP']) r
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \\gexec
SELECT format('CREATE DATABASE %I OWNER %I', '$db', '$PG_OWNER')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$db') \\gexec
SQL
  if [ -x "$BUILD_DIR/parleyd" ]; then
    PGPASSFILE="$dir/pgpass" "$BUILD_DIR/parleyd" --migrate-only --log-level warn \
      --db "postgresql://$PG_OWNER@127.0.0.1:$port/$db" --grant-to "$PG_APP" >&2 \
      || die "migrating database $db failed"
  fi
  echo "postgresql://$PG_APP@127.0.0.1:$port/$db"
}

# Drops database $2 of the private PostgreSQL under $1.
drop_private_db() {
  local dir
  dir=$(reachable_pg_dir "$1")
  private_psql "$dir" -d postgres -c "DROP DATABASE IF EXISTS \"$2\"" >/dev/null 2>&1 || true
}

stop_private_pg() {
  local dir=$1
  [ -f "$dir/data/PG_VERSION" ] || return 0
  as_pg_user "$PG_BIN/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
}

# A parleyd for measurements (scripts/bench, scripts/count-allocs): the
# private PostgreSQL under $PARLEY_ROOT/var/pg-bench, a fresh database, one
# node on a free port logging to $1/parleyd.log. Cheap password hashing
# (only the set-up of thousands of users pays it) and no per-connection
# frame limit in the way of the offered rate, and no sign-up or login
# throttle (every simulated user comes from 127.0.0.1). Arguments after the folder
# are NAME=VALUE settings for parleyd's environment. Sets PID and PORT;
# the EXIT trap stops the node and drops the database.
start_bench_parleyd() {
  local out=$1
  shift
  local db_url
  BENCH_DB_NAME=bench_$$
  db_url=$(start_private_pg "$PARLEY_ROOT/var/pg-bench" "$BENCH_DB_NAME")
  BENCH_DB_URL=$db_url
  export PGPASSFILE
  PGPASSFILE=$(private_pg_passfile "$PARLEY_ROOT/var/pg-bench")
  PORT=$(free_port)
  env PARLEY_SIGNUPS_PER_IP=0 PARLEY_LOGIN_ATTEMPTS_PER_IP=0 PARLEY_LOOKUPS_PER_IP=0 \
    PARLEY_USER_SEND_RATE=0 "$@" \
    "${PARLEYD:-$BUILD_DIR/parleyd}" --listen "127.0.0.1:$PORT" --db "$db_url" \
    --node-id 1 --media-dir "$out/media" --argon2-memory-kib 1024 --argon2-time-cost 1 \
    --rate 1000000 --rate-burst 1000000 --log-level warn "${BENCH_PARLEYD_FLAGS[@]}" \
    >"$out/parleyd.log" 2>&1 &
  PID=$!
  trap stop_bench_parleyd EXIT
  for _ in $(seq 100); do
    grep -q "ready on" "$out/parleyd.log" 2>/dev/null && break
    sleep 0.1
  done
  kill -0 "$PID" 2>/dev/null || { cat "$out/parleyd.log" >&2; die "parleyd did not start"; }
}

stop_bench_parleyd() {
  kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  drop_private_db "$PARLEY_ROOT/var/pg-bench" "$BENCH_DB_NAME"
}
