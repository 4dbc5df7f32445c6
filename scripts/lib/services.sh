# shellcheck shell=bash
# Shared helpers for scripts/run and scripts/test. Source it, do not execute it.
#
#   ensure_packages pkg...   install only the missing Debian packages (apt-get update at most once)
#   start_postgres [test]    private cluster in $ROOT/.data/pg on 127.0.0.1:$MPANEL_PG_PORT (55432)
#   stop_postgres
#   start_redis / stop_redis private redis-server on 127.0.0.1:$MPANEL_REDIS_PORT (56379)
#   ensure_chromium          Debian chromium (/usr/bin/chromium) + fonts when available
#   pg_conn DBNAME           echo an Npgsql connection string for the private cluster
#
# Everything is idempotent; service output goes to $ROOT/.data/logs/.

if [[ -z "${ROOT:-}" ]]; then
  ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fi

MPANEL_PG_PORT=${MPANEL_PG_PORT:-55432}
MPANEL_REDIS_PORT=${MPANEL_REDIS_PORT:-56379}
MPANEL_DATA="$ROOT/.data"
MPANEL_LOGS="$MPANEL_DATA/logs"
MPANEL_PG_DIR="$MPANEL_DATA/pg"
MPANEL_PG_DATA="$MPANEL_PG_DIR/data"
MPANEL_PG_LOG="$MPANEL_LOGS/postgres.log"
MPANEL_REDIS_DIR="$MPANEL_DATA/redis"
MPANEL_PG_STARTED=${MPANEL_PG_STARTED:-0}      # set to 1 when start_postgres really started the server
MPANEL_REDIS_STARTED=${MPANEL_REDIS_STARTED:-0}
_MPANEL_APT_UPDATED=${_MPANEL_APT_UPDATED:-0}
if [[ -x /usr/bin/python3 ]]; then MPANEL_PY=/usr/bin/python3; else MPANEL_PY=$(command -v python3 || echo python3); fi

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

_log()  { printf '%s\n' "$*"; }
_err()  { printf 'error: %s\n' "$*" >&2; }

_as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else _err "need root to run: $*"; return 1
  fi
}

_mkdirs() { mkdir -p "$MPANEL_LOGS"; }

# ---------------------------------------------------------------- packages ---

_pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

_pkg_candidate() {
  local cand
  cand=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2; exit}')
  [[ -n "$cand" && "$cand" != "(none)" ]]
}

# Known to apt? Only refreshes the package lists when none exist yet (fresh
# container), so an unavailable optional package does not cost an update per run.
_pkg_available() {
  _pkg_candidate "$1" && return 0
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    _apt_update_once && _pkg_candidate "$1" && return 0
  fi
  return 1
}

_apt_update_once() {
  [[ "$_MPANEL_APT_UPDATED" == 1 ]] && return 0
  _mkdirs
  if ! _as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$MPANEL_LOGS/apt.log" 2>&1; then
    _err "apt-get update failed (see $MPANEL_LOGS/apt.log)"
    tail -n 20 "$MPANEL_LOGS/apt.log" >&2
    return 1
  fi
  _MPANEL_APT_UPDATED=1
}

ensure_packages() {
  local missing=() p
  for p in "$@"; do _pkg_installed "$p" || missing+=("$p"); done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  _mkdirs
  _apt_update_once
  _log "Installing ${missing[*]} (apt, log: .data/logs/apt.log)…"
  # Keep Debian maintainer scripts from starting system services (e.g. the
  # distro redis-server on 6379): add a temporary policy-rc.d if none exists.
  local tmp_policy=0 rc=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    _as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d' && tmp_policy=1
  fi
  _as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
    >>"$MPANEL_LOGS/apt.log" 2>&1 </dev/null || rc=$?
  [[ $tmp_policy == 1 ]] && _as_root rm -f /usr/sbin/policy-rc.d
  if [[ $rc -ne 0 ]]; then
    _err "apt-get install ${missing[*]} failed (see $MPANEL_LOGS/apt.log)"
    tail -n 20 "$MPANEL_LOGS/apt.log" >&2
    return 1
  fi
}

# ---------------------------------------------------------------- postgres ---

_pg_bin() {
  if [[ -n "${MPANEL_PG_BIN:-}" ]]; then echo "$MPANEL_PG_BIN"; return; fi
  if [[ -x /usr/lib/postgresql/15/bin/pg_ctl ]]; then echo /usr/lib/postgresql/15/bin; return; fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [[ -z "$d" ]]; then
    ensure_packages postgresql-15 postgresql-client-15 >&2
    d=/usr/lib/postgresql/15/bin
  fi
  echo "$d"
}

# Unix socket directory: inside .data/pg, unless the resulting socket path would
# exceed the 107-byte sun_path limit (very deep checkouts); then use /tmp.
_pg_sock_dir() {
  local d="$MPANEL_PG_DIR/run"
  if (( ${#d} + 20 > 107 )); then
    d="/tmp/mpanel-pg-$(printf '%s' "$ROOT" | md5sum | cut -c1-10)"
  fi
  echo "$d"
}

# Run a command as the postgres OS user when we are root (postgres refuses root).
_as_pg() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

_ensure_pg_user() {
  [[ $EUID -eq 0 ]] || return 0
  id -u postgres >/dev/null 2>&1 && return 0
  getent group postgres >/dev/null 2>&1 || groupadd --system postgres
  useradd --system --gid postgres --home-dir /var/lib/postgresql --no-create-home \
    --shell /usr/sbin/nologin postgres
}

# Every directory from / down to $1 must be traversable by the postgres user.
_ensure_traversable() {
  [[ $EUID -eq 0 ]] || return 0
  local path="$1" cur="" part parts
  IFS='/' read -r -a parts <<<"${path#/}"
  for part in "${parts[@]}"; do
    [[ -z "$part" ]] && continue
    cur="$cur/$part"
    [[ -d "$cur" ]] || break
    if ! runuser -u postgres -- test -x "$cur" 2>/dev/null; then
      chmod o+x "$cur"
    fi
  done
}

_pg_running() {  # our cluster, according to pg_ctl
  [[ -f "$MPANEL_PG_DATA/PG_VERSION" ]] || return 1
  _as_pg "$(_pg_bin)/pg_ctl" status -D "$MPANEL_PG_DATA" >/dev/null 2>&1
}

_pg_ready() {
  "$(_pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$MPANEL_PG_PORT" -U postgres -d postgres -t 1 >/dev/null 2>&1
}

_pg_psql() {  # psql over the private unix socket as superuser
  "$(_pg_bin)/psql" -X -q -v ON_ERROR_STOP=1 -h "$(_pg_sock_dir)" -p "$MPANEL_PG_PORT" -U postgres "$@"
}

start_postgres() {
  local mode="${1:-run}" bin sock
  bin=$(_pg_bin)
  sock=$(_pg_sock_dir)
  _mkdirs

  if _pg_running; then
    # A cluster left running by scripts/test has fsync=off; not acceptable for run.
    if [[ "$mode" != test ]] && [[ "$(_pg_psql -tAc 'show fsync' 2>/dev/null)" == off ]]; then
      _log "Restarting PostgreSQL with durable settings (was started in test mode)…"
      stop_postgres
    else
      _pg_psql -c "ALTER ROLE postgres PASSWORD 'postgres'" >/dev/null 2>&1 || true
      return 0
    fi
  elif _pg_ready; then
    _log "note: something already answers on 127.0.0.1:$MPANEL_PG_PORT (not .data/pg); using it."
    return 0
  fi

  _ensure_pg_user
  mkdir -p "$MPANEL_PG_DIR" "$sock"
  _ensure_traversable "$MPANEL_PG_DIR"
  _ensure_traversable "$sock"
  chmod o+x "$MPANEL_DATA" "$MPANEL_LOGS" 2>/dev/null || true
  if [[ $EUID -eq 0 ]]; then
    chown postgres: "$MPANEL_PG_DIR" "$sock"
    touch "$MPANEL_PG_LOG"
    chown postgres: "$MPANEL_PG_LOG"
  fi

  if [[ ! -f "$MPANEL_PG_DATA/PG_VERSION" ]]; then
    rm -rf "$MPANEL_PG_DATA"
    mkdir -p "$MPANEL_PG_DATA"
    chmod 700 "$MPANEL_PG_DATA"
    [[ $EUID -eq 0 ]] && chown postgres: "$MPANEL_PG_DATA"
    if ! _as_pg "$bin/initdb" -D "$MPANEL_PG_DATA" -U postgres --auth=trust --encoding=UTF8 \
         --locale=C.UTF-8 >"$MPANEL_LOGS/initdb.log" 2>&1; then
      _err "initdb failed:"
      tail -n 30 "$MPANEL_LOGS/initdb.log" >&2
      rm -rf "$MPANEL_PG_DATA"
      return 1
    fi
  elif [[ $EUID -eq 0 ]]; then
    chown -R postgres: "$MPANEL_PG_DATA"
  fi
  # pg_ctl said "not running": any postmaster.pid left is stale (e.g. after a crash/reboot).
  rm -f "$MPANEL_PG_DATA/postmaster.pid"

  local opts="-c listen_addresses=127.0.0.1 -c port=$MPANEL_PG_PORT -c unix_socket_directories='$sock' -c max_connections=300"
  if [[ "$mode" == test ]]; then
    opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi

  local start_line=0
  [[ -f "$MPANEL_PG_LOG" ]] && start_line=$(wc -l <"$MPANEL_PG_LOG")
  if ! _as_pg "$bin/pg_ctl" start -D "$MPANEL_PG_DATA" -l "$MPANEL_PG_LOG" -o "$opts" -W -s \
       </dev/null >>"$MPANEL_PG_LOG" 2>&1; then
    _err "pg_ctl start failed; log tail ($MPANEL_PG_LOG):"
    tail -n +"$((start_line + 1))" "$MPANEL_PG_LOG" | tail -n 30 >&2
    return 1
  fi

  # pg_ctl -W returns before the postmaster writes its pid file, so "not
  # running" only counts as a crash after a short grace period.
  local timeout="${MPANEL_PG_TIMEOUT:-60}" t0=$SECONDS
  until _pg_ready; do
    if (( SECONDS - t0 >= timeout )) || { (( SECONDS - t0 >= 3 )) && ! _pg_running; }; then
      if _pg_running; then _err "PostgreSQL did not become ready on 127.0.0.1:$MPANEL_PG_PORT within ${timeout}s; log tail ($MPANEL_PG_LOG):"
      else _err "PostgreSQL failed to start on 127.0.0.1:$MPANEL_PG_PORT; log tail ($MPANEL_PG_LOG):"; fi
      tail -n +"$((start_line + 1))" "$MPANEL_PG_LOG" | tail -n 30 >&2
      return 1
    fi
    sleep 0.2
  done
  MPANEL_PG_STARTED=1

  _pg_psql -c "ALTER ROLE postgres PASSWORD 'postgres'" >/dev/null
  _log "PostgreSQL ($mode mode) listening on 127.0.0.1:$MPANEL_PG_PORT"
}

stop_postgres() {
  _pg_running || return 0
  _as_pg "$(_pg_bin)/pg_ctl" stop -D "$MPANEL_PG_DATA" -m fast -w -s </dev/null >>"$MPANEL_PG_LOG" 2>&1
}

pg_conn() {
  echo "Host=127.0.0.1;Port=$MPANEL_PG_PORT;Username=postgres;Password=postgres;Database=${1:?database name}"
}

# ------------------------------------------------------------------- redis ---

_redis_ping() {
  [[ "$(redis-cli -h 127.0.0.1 -p "$MPANEL_REDIS_PORT" ping 2>/dev/null)" == PONG ]]
}

start_redis() {
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    ensure_packages redis-server redis-tools
  fi
  _redis_ping && return 0
  _mkdirs
  mkdir -p "$MPANEL_REDIS_DIR"
  local pidfile="$MPANEL_REDIS_DIR/redis.pid" log="$MPANEL_LOGS/redis.log"
  if [[ -f "$pidfile" ]] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then rm -f "$pidfile"; fi
  if ! redis-server --bind 127.0.0.1 --port "$MPANEL_REDIS_PORT" --save '' --appendonly no \
       --dir "$MPANEL_REDIS_DIR" --daemonize yes --pidfile "$pidfile" --logfile "$log" \
       </dev/null >>"$log" 2>&1; then
    _err "redis-server failed to start; log tail ($log):"
    tail -n 20 "$log" >&2
    return 1
  fi
  local deadline=$((SECONDS + ${MPANEL_REDIS_TIMEOUT:-30}))
  until _redis_ping; do
    if (( SECONDS >= deadline )); then
      _err "redis did not answer PING on 127.0.0.1:$MPANEL_REDIS_PORT; log tail ($log):"
      tail -n 20 "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  MPANEL_REDIS_STARTED=1
  _log "Redis listening on 127.0.0.1:$MPANEL_REDIS_PORT"
}

stop_redis() {
  local pidfile="$MPANEL_REDIS_DIR/redis.pid" pid=""
  [[ -f "$pidfile" ]] && pid=$(cat "$pidfile")
  if _redis_ping; then
    redis-cli -h 127.0.0.1 -p "$MPANEL_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  elif [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
  fi
  if [[ -n "$pid" ]]; then
    local deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.1; done
  fi
  rm -f "$pidfile"
}

# ---------------------------------------------------------------- chromium ---

ensure_chromium() {
  local want=(chromium) p
  for p in fonts-liberation fonts-noto-color-emoji; do
    _pkg_installed "$p" && continue
    if _pkg_available "$p"; then want+=("$p"); else _log "note: optional package $p not available; skipping"; fi
  done
  ensure_packages "${want[@]}"
  if [[ ! -x /usr/bin/chromium ]]; then
    _err "/usr/bin/chromium missing after installing chromium"
    return 1
  fi
}

# ------------------------------------------------------------------- tests ---

# trx_summary DIR: sum the <Counters> of every *.trx under DIR and print
# "PASSED FAILED SKIPPED". Fails (prints nothing) when no TRX file exists.
trx_summary() {
  "$MPANEL_PY" - "$1" <<'PY'
import sys, pathlib, xml.etree.ElementTree as ET
files = sorted(pathlib.Path(sys.argv[1]).rglob("*.trx")) if pathlib.Path(sys.argv[1]).is_dir() else []
if not files:
    sys.exit(1)
passed = failed = skipped = 0
for f in files:
    try:
        root = ET.parse(f).getroot()
    except ET.ParseError:
        failed += 1
        continue
    c = next((e for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "Counters"), None)
    if c is None:
        failed += 1
        continue
    n = lambda k: int(c.get(k, 0) or 0)
    passed += n("passed")
    failed += n("failed") + n("error") + n("timeout") + n("aborted")
    skipped += n("notExecuted") or max(0, n("total") - n("executed"))
print(passed, failed, skipped)
PY
}

# -------------------------------------------------------------- smtp sink ---
# A real SMTP server for the tests (Debian's aiosmtpd), delivering every message into a Maildir under .data.
MPANEL_SMTP_PORT=${MPANEL_SMTP_PORT:-56025}
MPANEL_MAILDIR="$MPANEL_DATA/smtp-maildir"

_smtp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$MPANEL_SMTP_PORT") 2>/dev/null; }

start_smtp_sink() {
  [[ -d /usr/lib/python3/dist-packages/aiosmtpd ]] || ensure_packages python3-aiosmtpd
  _smtp_open && return 0
  _mkdirs
  mkdir -p "$MPANEL_MAILDIR"/{tmp,new,cur}   # a Maildir: aiosmtpd only creates these when the folder is new
  local log="$MPANEL_LOGS/smtp.log"
  # Debian's python3 (not a pyenv one), where the package lives.
  nohup /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$MPANEL_SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$MPANEL_MAILDIR" \
    </dev/null >>"$log" 2>&1 &
  echo $! > "$MPANEL_DATA/smtp.pid"
  local deadline=$((SECONDS + 30))
  until _smtp_open; do
    if (( SECONDS >= deadline )); then
      _err "the SMTP sink did not open 127.0.0.1:$MPANEL_SMTP_PORT; log tail ($log):"
      tail -n 20 "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  _log "SMTP sink listening on 127.0.0.1:$MPANEL_SMTP_PORT (Maildir .data/smtp-maildir)"
}

stop_smtp_sink() {
  local pidfile="$MPANEL_DATA/smtp.pid"
  [[ -f "$pidfile" ]] && kill "$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile"
}

# shellcheck source=powerdns.sh
source "$(dirname "${BASH_SOURCE[0]}")/powerdns.sh"
source "$ROOT/scripts/lib/mariadb.sh"
# shellcheck source=agent.sh
source "$(dirname "${BASH_SOURCE[0]}")/agent.sh"   # customer sites: nginx 58080/58443, PHP-FPM, MPanel.Agent 58090
# shellcheck source=pebble.sh
source "$ROOT/scripts/lib/pebble.sh"
