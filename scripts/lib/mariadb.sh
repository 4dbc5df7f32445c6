# shellcheck shell=bash
# MariaDB for customer databases (sourced by services.sh).
#
#   start_mariadb   private mariadbd on 127.0.0.1:$MPANEL_MARIADB_PORT (53306), datadir $MPANEL_DATA/mariadb,
#                   admin through the unix socket as root; exports CustomerDatabases__MariaDbAdmin and
#                   MPANEL_TEST_MARIADB_SOCKET for the app and the tests
#   stop_mariadb
#
# Idempotent: already running and answering -> return 0. Output goes to $MPANEL_LOGS/mariadb.log.

MPANEL_MARIADB_PORT=${MPANEL_MARIADB_PORT:-53306}
MPANEL_MARIADB_DIR="$MPANEL_DATA/mariadb"

_mariadb_sock() {  # inside .data unless the path would pass the 107-byte sun_path limit
  local s="$MPANEL_MARIADB_DIR/run/mysqld.sock"
  if (( ${#s} > 100 )); then s="/tmp/mpanel-mariadb-$(printf '%s' "$ROOT" | md5sum | cut -c1-10)/mysqld.sock"; fi
  echo "$s"
}

_mariadb_ping() {
  mariadb-admin --no-defaults --socket="$(_mariadb_sock)" -uroot ping >/dev/null 2>&1
}

_mariadb_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$MPANEL_MARIADB_PORT") 2>/dev/null; }

_mariadb_export() {
  local sock
  sock=$(_mariadb_sock)
  export MPANEL_TEST_MARIADB_SOCKET="$sock"
  export CustomerDatabases__MariaDbAdmin="Server=$sock;Protocol=Unix;User ID=root"
}

start_mariadb() {
  if ! command -v mariadbd >/dev/null 2>&1 || ! command -v mariadb-install-db >/dev/null 2>&1; then
    ensure_packages mariadb-server mariadb-client || return 1
  fi
  _mariadb_export
  _mariadb_ping && return 0
  if _mariadb_port_open; then
    _log "note: something already answers on 127.0.0.1:$MPANEL_MARIADB_PORT (not $MPANEL_MARIADB_DIR); using it."
    return 0
  fi
  _mkdirs
  local data="$MPANEL_MARIADB_DIR/data" sock log="$MPANEL_LOGS/mariadb.log" user=mysql
  sock=$(_mariadb_sock)
  id -u mysql >/dev/null 2>&1 || user=$(id -un)
  mkdir -p "$data" "$(dirname "$sock")"
  if [[ $EUID -eq 0 ]]; then
    chown -R "$user": "$MPANEL_MARIADB_DIR" "$(dirname "$sock")"
    _ensure_traversable "$MPANEL_MARIADB_DIR" 2>/dev/null || true
    chmod o+x "$MPANEL_DATA" 2>/dev/null || true
  fi
  if [[ ! -d "$data/mysql" ]]; then
    if ! mariadb-install-db --no-defaults --datadir="$data" --user="$user" --auth-root-authentication-method=socket \
         --skip-test-db >>"$log" 2>&1 </dev/null; then
      _err "mariadb-install-db failed; log tail ($log):"
      tail -n 30 "$log" >&2
      return 1
    fi
  fi
  rm -f "$sock" "$MPANEL_MARIADB_DIR/mariadbd.pid"
  nohup mariadbd --no-defaults --datadir="$data" --user="$user" --bind-address=127.0.0.1 --port="$MPANEL_MARIADB_PORT" \
    --socket="$sock" --pid-file="$MPANEL_MARIADB_DIR/mariadbd.pid" --log-error="$log" --skip-name-resolve \
    --max-connections=300 --innodb-buffer-pool-size=64M </dev/null >>"$log" 2>&1 &
  local pid=$! deadline=$((SECONDS + ${MPANEL_MARIADB_TIMEOUT:-60}))
  until _mariadb_ping; do
    if (( SECONDS >= deadline )) || ! kill -0 "$pid" 2>/dev/null; then
      _err "MariaDB did not start on 127.0.0.1:$MPANEL_MARIADB_PORT; log tail ($log):"
      tail -n 30 "$log" >&2
      return 1
    fi
    sleep 0.2
  done
  _log "MariaDB listening on 127.0.0.1:$MPANEL_MARIADB_PORT (admin socket $sock)"
}

stop_mariadb() {
  local pidfile="$MPANEL_MARIADB_DIR/mariadbd.pid" pid=""
  [[ -f "$pidfile" ]] && pid=$(cat "$pidfile")
  _mariadb_ping && mariadb-admin --no-defaults --socket="$(_mariadb_sock)" -uroot shutdown >/dev/null 2>&1
  if [[ -n "$pid" ]]; then
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
  fi
  rm -f "$pidfile"
}
