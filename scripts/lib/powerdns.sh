# shellcheck shell=bash
# PowerDNS Authoritative (PostgreSQL backend) for MPanel's DNS zones. Sourced by services.sh.
#
#   start_powerdns   pdns_server on 127.0.0.1:$MPANEL_PDNS_PORT (5300), HTTP API on
#                    127.0.0.1:$MPANEL_PDNS_API_PORT (58081), api-key $MPANEL_PDNS_API_KEY;
#                    config in $MPANEL_DATA/powerdns, log in $MPANEL_LOGS/powerdns.log; its records live in the
#                    database mpanel_powerdns of the private PostgreSQL (start_postgres first), owned by role pdns.
#
# Why PostgreSQL and not sqlite3: with the sqlite3 backend, concurrent API writes (many provisioning plans at once)
# failed with "database is locked" (HTTP 500); gpgsql takes them in parallel.
#   stop_powerdns
#
# start_powerdns also exports PowerDns__ApiUrl and PowerDns__ApiKey for MPanel (scripts/run, scripts/test).
#
# Idempotent: already running and healthy -> returns 0. MPanel only talks to it through the API.

MPANEL_PDNS_PORT=${MPANEL_PDNS_PORT:-5300}
MPANEL_PDNS_API_PORT=${MPANEL_PDNS_API_PORT:-58081}
MPANEL_PDNS_API_KEY=${MPANEL_PDNS_API_KEY:-mpanel-dev-pdns-key}
MPANEL_PDNS_DIR="$MPANEL_DATA/powerdns"
MPANEL_PDNS_DB=${MPANEL_PDNS_DB:-mpanel_powerdns}
MPANEL_PDNS_DB_PASSWORD=${MPANEL_PDNS_DB_PASSWORD:-mpanel-dev-pdns-db}

_pdns_api_ok() {
  curl -fsS -m 2 -H "X-API-Key: $MPANEL_PDNS_API_KEY" \
    "http://127.0.0.1:$MPANEL_PDNS_API_PORT/api/v1/servers/localhost" >/dev/null 2>&1
}

_pdns_dns_ok() {  # any DNS answer (REFUSED for a zone we do not serve is an answer)
  dig +time=1 +tries=1 @127.0.0.1 -p "$MPANEL_PDNS_PORT" mpanel-health.invalid SOA 2>/dev/null | grep -q 'status: '
}

_pdns_healthy() { _pdns_api_ok && _pdns_dns_ok; }

# The Debian package's own instance (port 53, /etc/powerdns) must not run: no systemd here,
# but an init script may have started it. Stop only pdns_server processes not using our config dir.
_pdns_stop_distro_instance() {
  local pid cmd
  for pid in $(pgrep -x pdns_server 2>/dev/null); do
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
    [[ "$cmd" == *"--config-dir=$MPANEL_PDNS_DIR"* ]] && continue
    [[ "$cmd" == *"--config-dir="* ]] && continue   # someone else's private instance: leave it
    _log "Stopping the Debian default pdns_server (pid $pid)…"
    if [[ -x /etc/init.d/pdns ]]; then _as_root /etc/init.d/pdns stop >/dev/null 2>&1 || true; fi
    kill "$pid" 2>/dev/null || true
  done
}

_pdns_write_config() {
  cat >"$MPANEL_PDNS_DIR/pdns.conf" <<EOF
# Written by scripts/lib/powerdns.sh; regenerated at every start.
launch=gpgsql
gpgsql-host=127.0.0.1
gpgsql-port=$MPANEL_PG_PORT
gpgsql-dbname=$MPANEL_PDNS_DB
gpgsql-user=pdns
gpgsql-password=$MPANEL_PDNS_DB_PASSWORD
local-address=127.0.0.1
local-port=$MPANEL_PDNS_PORT
api=yes
api-key=$MPANEL_PDNS_API_KEY
webserver=yes
webserver-address=127.0.0.1
webserver-port=$MPANEL_PDNS_API_PORT
webserver-allow-from=127.0.0.1
default-soa-content=ns1.mpanel.test hostmaster.@ 0 10800 3600 604800 3600
default-ttl=3600
# Development instance: answers reflect API changes at once (no packet/query caches).
cache-ttl=0
query-cache-ttl=0
negquery-cache-ttl=0
zone-cache-refresh-interval=0
receiver-threads=1
distributor-threads=1
socket-dir=$MPANEL_PDNS_DIR
loglevel=4
security-poll-suffix=
EOF
}

_pdns_init_db() {  # role pdns (no superuser) owning database $MPANEL_PDNS_DB with the package's schema
  if ! _pg_ready; then _err "PowerDNS keeps its records in PostgreSQL: start it first (start_postgres)"; return 1; fi
  local schema=""
  local f
  for f in /usr/share/pdns-backend-pgsql/schema/schema.pgsql.sql /usr/share/doc/pdns-backend-pgsql/schema.pgsql.sql; do
    [[ -f "$f" ]] && { schema="$f"; break; }
  done
  if [[ -z "$schema" ]]; then _err "PowerDNS PostgreSQL schema not found (pdns-backend-pgsql)"; return 1; fi
  if [[ "$(_pg_psql -tAc "select 1 from pg_roles where rolname = 'pdns'")" != 1 ]]; then
    _pg_psql -c "CREATE ROLE pdns LOGIN PASSWORD '$MPANEL_PDNS_DB_PASSWORD'" >/dev/null || return 1
  else
    _pg_psql -c "ALTER ROLE pdns PASSWORD '$MPANEL_PDNS_DB_PASSWORD'" >/dev/null || return 1
  fi
  if [[ "$(_pg_psql -tAc "select 1 from pg_database where datname = '$MPANEL_PDNS_DB'")" != 1 ]]; then
    _pg_psql -c "CREATE DATABASE $MPANEL_PDNS_DB OWNER pdns" >/dev/null || return 1
  fi
  if [[ "$(_pg_psql -d "$MPANEL_PDNS_DB" -tAc "select to_regclass('public.domains') is not null")" != t ]]; then
    PGPASSWORD=$MPANEL_PDNS_DB_PASSWORD "$(_pg_bin)/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$MPANEL_PG_PORT" -U pdns \
      -d "$MPANEL_PDNS_DB" -f "$schema" >/dev/null || { _err "could not load $schema into $MPANEL_PDNS_DB"; return 1; }
  fi
}

start_powerdns() {
  export PowerDns__ApiUrl="http://127.0.0.1:$MPANEL_PDNS_API_PORT" PowerDns__ApiKey="$MPANEL_PDNS_API_KEY"
  if ! command -v pdns_server >/dev/null 2>&1 || [[ -z "$(ls /usr/lib/*/pdns/libgpgsqlbackend.so 2>/dev/null)" ]] \
       || ! command -v dig >/dev/null 2>&1; then
    ensure_packages pdns-server pdns-backend-pgsql dnsutils curl || return 1
  fi
  command -v curl >/dev/null 2>&1 || ensure_packages curl || return 1
  _pdns_stop_distro_instance
  # Healthy and on the PostgreSQL backend (an instance from before the switch from sqlite3 is restarted).
  grep -qx 'launch=gpgsql' "$MPANEL_PDNS_DIR/pdns.conf" 2>/dev/null && _pdns_healthy && return 0
  _mkdirs
  mkdir -p "$MPANEL_PDNS_DIR"
  local pidfile="$MPANEL_PDNS_DIR/pdns.pid" log="$MPANEL_LOGS/powerdns.log" pid
  if [[ -f "$pidfile" ]]; then
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then   # ours, but not healthy: restart it
      kill "$pid" 2>/dev/null || true
      local d=$((SECONDS + 10))
      while kill -0 "$pid" 2>/dev/null && (( SECONDS < d )); do sleep 0.1; done
    fi
    rm -f "$pidfile"
  fi
  _pdns_init_db || return 1
  _pdns_write_config
  local start_line=0
  [[ -f "$log" ]] && start_line=$(wc -l <"$log")
  nohup pdns_server --config-dir="$MPANEL_PDNS_DIR" --daemon=no --guardian=no --disable-syslog=yes \
    </dev/null >>"$log" 2>&1 &
  pid=$!
  echo "$pid" >"$pidfile"
  local deadline=$((SECONDS + ${MPANEL_PDNS_TIMEOUT:-30}))
  until _pdns_healthy; do
    if ! kill -0 "$pid" 2>/dev/null || (( SECONDS >= deadline )); then
      _err "PowerDNS did not come up on 127.0.0.1:$MPANEL_PDNS_PORT (API :$MPANEL_PDNS_API_PORT); log tail ($log):"
      tail -n +"$((start_line + 1))" "$log" | tail -n 30 >&2
      kill "$pid" 2>/dev/null || true
      rm -f "$pidfile"
      return 1
    fi
    sleep 0.1
  done
  _log "PowerDNS listening on 127.0.0.1:$MPANEL_PDNS_PORT (API http://127.0.0.1:$MPANEL_PDNS_API_PORT)"
}

stop_powerdns() {
  local pidfile="$MPANEL_PDNS_DIR/pdns.pid" pid=""
  [[ -f "$pidfile" ]] && pid=$(cat "$pidfile")
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
