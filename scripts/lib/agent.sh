# shellcheck shell=bash
# Customer web hosting on this machine: a private nginx (127.0.0.1:58080, and 58443 once a site has a certificate),
# a private PHP-FPM master per installed PHP version (pools written by the agent), and MPanel.Agent on
# 127.0.0.1:58090 (HMAC secret "mpanel-dev-agent-secret"). Sourced by services.sh; needs root (the agent creates
# system users and runs PHP pools as them).
#
#   start_agent_stack / stop_agent_stack   everything below, in order
#   start_site_nginx  / stop_site_nginx
#   start_php_fpm     / stop_php_fpm
#   start_agent       / stop_agent         publishes MPanel.Agent once to .data/agent-bin (again when its sources change)
#
# Data: .data/nginx (config, sites/, pid), .data/php-fpm/<version>/ (config, pool.d/, pid), .data/agent (state,
# sockets, ACME challenges, certificates), .data/sites/<account> (hosting accounts' homes). Logs: .data/logs.

MPANEL_SITES_HTTP_PORT=${MPANEL_SITES_HTTP_PORT:-58080}
MPANEL_SITES_HTTPS_PORT=${MPANEL_SITES_HTTPS_PORT:-58443}
MPANEL_AGENT_PORT=${MPANEL_AGENT_PORT:-58090}
MPANEL_AGENT_SECRET=${MPANEL_AGENT_SECRET:-mpanel-dev-agent-secret}
MPANEL_NGINX_DIR="$MPANEL_DATA/nginx"
MPANEL_PHPFPM_DIR="$MPANEL_DATA/php-fpm"
MPANEL_AGENT_DATA="$MPANEL_DATA/agent"
MPANEL_AGENT_BIN="$MPANEL_DATA/agent-bin"
MPANEL_SITES_ROOT="$MPANEL_DATA/sites"

_agent_need_root() {
  [[ $EUID -eq 0 ]] && return 0
  _err "the site stack (nginx, PHP-FPM pools per account, MPanel.Agent) needs root"
  return 1
}

# Every directory from / down to $1 must be traversable by nginx's and PHP's worker user.
_agent_traversable() {
  local cur="" part parts
  IFS='/' read -r -a parts <<<"${1#/}"
  for part in "${parts[@]}"; do
    [[ -z "$part" ]] && continue
    cur="$cur/$part"
    [[ -d "$cur" ]] || break
    runuser -u www-data -- test -x "$cur" 2>/dev/null || chmod o+x "$cur"
  done
}

_php_versions() {  # installed PHP-FPM versions, e.g. "8.2"
  local f
  for f in /usr/sbin/php-fpm[0-9]*; do [[ -x "$f" ]] && printf '%s\n' "${f#/usr/sbin/php-fpm}"; done
}

_agent_packages() {
  local want=()
  command -v nginx >/dev/null 2>&1 || want+=(nginx)
  [[ -n "$(_php_versions)" ]] || want+=(php-fpm)
  [[ ${#want[@]} -eq 0 ]] || ensure_packages "${want[@]}"
  # Debian's own instances are not ours: stop them if a package started any (no systemd here).
  local pidfile
  for pidfile in /run/nginx.pid /run/php/php*-fpm.pid; do
    [[ -f "$pidfile" ]] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
}

# ------------------------------------------------------------------- nginx ---

_site_nginx_running() {
  [[ -f "$MPANEL_NGINX_DIR/nginx.pid" ]] && kill -0 "$(cat "$MPANEL_NGINX_DIR/nginx.pid")" 2>/dev/null
}

_site_nginx_config() {
  mkdir -p "$MPANEL_NGINX_DIR"/{sites,temp,logs}
  cat >"$MPANEL_NGINX_DIR/nginx.conf.new" <<EOF
# Written by scripts/lib/agent.sh. Server blocks in sites/ belong to MPanel.Agent.
user www-data;
worker_processes 1;
pid $MPANEL_NGINX_DIR/nginx.pid;
error_log $MPANEL_LOGS/nginx-error.log warn;
events { worker_connections 512; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    server_tokens off;
    access_log $MPANEL_LOGS/nginx-access.log;
    client_body_temp_path $MPANEL_NGINX_DIR/temp/body;
    proxy_temp_path $MPANEL_NGINX_DIR/temp/proxy;
    fastcgi_temp_path $MPANEL_NGINX_DIR/temp/fastcgi;
    uwsgi_temp_path $MPANEL_NGINX_DIR/temp/uwsgi;
    scgi_temp_path $MPANEL_NGINX_DIR/temp/scgi;
    server_names_hash_bucket_size 128;
    # Unknown host names get nothing.
    server {
        listen 127.0.0.1:$MPANEL_SITES_HTTP_PORT default_server;
        server_name _;
        return 404;
    }
    include $MPANEL_NGINX_DIR/sites/*.conf;
}
EOF
  mv "$MPANEL_NGINX_DIR/nginx.conf.new" "$MPANEL_NGINX_DIR/nginx.conf"
}

start_site_nginx() {
  _agent_need_root || return 1
  _agent_packages || return 1
  _site_nginx_running && return 0
  _mkdirs
  _site_nginx_config
  local log="$MPANEL_LOGS/nginx-error.log"
  if ! nginx -t -q -c "$MPANEL_NGINX_DIR/nginx.conf" -p "$MPANEL_NGINX_DIR/" >>"$log" 2>&1; then
    _err "nginx config check failed; log tail ($log):"; tail -n 20 "$log" >&2; return 1
  fi
  nginx -c "$MPANEL_NGINX_DIR/nginx.conf" -p "$MPANEL_NGINX_DIR/" </dev/null >>"$log" 2>&1 || {
    _err "nginx failed to start; log tail ($log):"; tail -n 20 "$log" >&2; return 1; }
  local deadline=$((SECONDS + 20))
  until _site_nginx_running && (exec 3<>"/dev/tcp/127.0.0.1/$MPANEL_SITES_HTTP_PORT") 2>/dev/null; do
    if (( SECONDS >= deadline )); then _err "nginx did not open 127.0.0.1:$MPANEL_SITES_HTTP_PORT"; tail -n 20 "$log" >&2; return 1; fi
    sleep 0.1
  done
  _log "nginx (customer sites) listening on 127.0.0.1:$MPANEL_SITES_HTTP_PORT"
}

stop_site_nginx() {
  _site_nginx_running || return 0
  local pid; pid=$(cat "$MPANEL_NGINX_DIR/nginx.pid")
  kill -QUIT "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 10))
  while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.1; done
}

# ----------------------------------------------------------------- php-fpm ---

_php_fpm_running() {  # version
  [[ -f "$MPANEL_PHPFPM_DIR/$1/php-fpm.pid" ]] && kill -0 "$(cat "$MPANEL_PHPFPM_DIR/$1/php-fpm.pid")" 2>/dev/null
}

start_php_fpm() {
  _agent_need_root || return 1
  _agent_packages || return 1
  _mkdirs
  mkdir -p "$MPANEL_AGENT_DATA/run"
  local v dir log
  for v in $(_php_versions); do
    _php_fpm_running "$v" && continue
    dir="$MPANEL_PHPFPM_DIR/$v"
    log="$MPANEL_LOGS/php-fpm$v.log"
    mkdir -p "$dir/pool.d" "$dir/base.d"
    # PHP-FPM refuses to start without a pool: a tiny idle one keeps the master up before any site exists.
    cat >"$dir/base.d/idle.conf" <<EOF
[mpanel-idle]
user = www-data
group = www-data
listen = $MPANEL_AGENT_DATA/run/php$v-idle.sock
pm = ondemand
pm.max_children = 1
EOF
    cat >"$dir/php-fpm.conf" <<EOF
; Written by scripts/lib/agent.sh. Pools in pool.d/ belong to MPanel.Agent (it reloads this master with SIGUSR2).
[global]
pid = $dir/php-fpm.pid
error_log = $log
daemonize = yes
include = $dir/base.d/*.conf
include = $dir/pool.d/*.conf
EOF
    if ! "php-fpm$v" -t --fpm-config "$dir/php-fpm.conf" >>"$log" 2>&1; then
      _err "php-fpm$v config check failed; log tail ($log):"; tail -n 20 "$log" >&2; return 1
    fi
    "php-fpm$v" --fpm-config "$dir/php-fpm.conf" </dev/null >>"$log" 2>&1 || {
      _err "php-fpm$v failed to start; log tail ($log):"; tail -n 20 "$log" >&2; return 1; }
    local deadline=$((SECONDS + 20))
    until _php_fpm_running "$v" && [[ -S "$MPANEL_AGENT_DATA/run/php$v-idle.sock" ]]; do
      if (( SECONDS >= deadline )); then _err "php-fpm$v did not start"; tail -n 20 "$log" >&2; return 1; fi
      sleep 0.1
    done
    _log "PHP-FPM $v running (pools in .data/php-fpm/$v/pool.d)"
  done
}

stop_php_fpm() {
  local v pid
  for v in $(_php_versions); do
    _php_fpm_running "$v" || continue
    pid=$(cat "$MPANEL_PHPFPM_DIR/$v/php-fpm.pid")
    kill -QUIT "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.1; done
  done
}

# ------------------------------------------------------------------- agent ---

_agent_healthy() {
  [[ "$(curl -fsS --max-time 2 "http://127.0.0.1:$MPANEL_AGENT_PORT/health" 2>/dev/null)" == ok ]]
}

_agent_publish() {
  local dll="$MPANEL_AGENT_BIN/MPanel.Agent.dll"
  if [[ -f "$dll" ]] && [[ -z "$(find "$ROOT/MPanel.Agent" "$ROOT/MPanel.Domain" -name '*.cs' -newer "$dll" -not -path '*/obj/*' -print -quit)" ]]; then
    return 0
  fi
  _log "Publishing MPanel.Agent (log: .data/logs/agent-publish.log)…"
  if ! dotnet publish "$ROOT/MPanel.Agent/MPanel.Agent.csproj" -c Release -o "$MPANEL_AGENT_BIN" --nologo -v q \
       </dev/null >"$MPANEL_LOGS/agent-publish.log" 2>&1; then
    _err "publishing MPanel.Agent failed:"; grep -E ': error ' "$MPANEL_LOGS/agent-publish.log" | sort -u | head -n 20 >&2
    return 1
  fi
  touch "$dll"
}

start_agent() {
  _agent_need_root || return 1
  _mkdirs
  # MPanel itself (scripts/run) talks to this agent with the same secret.
  export Agent__Url="http://127.0.0.1:$MPANEL_AGENT_PORT" Agent__Secret="$MPANEL_AGENT_SECRET"
  if _agent_healthy; then
    # Running, but from older sources? Restart it on the new build.
    local dll="$MPANEL_AGENT_BIN/MPanel.Agent.dll"
    if [[ -f "$dll" ]] && [[ -z "$(find "$ROOT/MPanel.Agent" "$ROOT/MPanel.Domain" -name '*.cs' -newer "$dll" -not -path '*/obj/*' -print -quit)" ]]; then
      return 0
    fi
    stop_agent
  fi
  _agent_publish || return 1
  mkdir -p "$MPANEL_AGENT_DATA" "$MPANEL_SITES_ROOT"
  _agent_traversable "$MPANEL_SITES_ROOT"
  _agent_traversable "$MPANEL_AGENT_DATA"
  local log="$MPANEL_LOGS/agent.log" v
  v=$(_php_versions | head -n 1)
  (
    export Agent__Secret="$MPANEL_AGENT_SECRET" Agent__Listen="http://127.0.0.1:$MPANEL_AGENT_PORT" \
      Agent__DataDir="$MPANEL_AGENT_DATA" Agent__SitesRoot="$MPANEL_SITES_ROOT" \
      Agent__NginxConfig="$MPANEL_NGINX_DIR/nginx.conf" Agent__NginxPrefix="$MPANEL_NGINX_DIR/" \
      Agent__NginxSitesDir="$MPANEL_NGINX_DIR/sites" Agent__NginxPidFile="$MPANEL_NGINX_DIR/nginx.pid" \
      Agent__HttpListen="127.0.0.1:$MPANEL_SITES_HTTP_PORT" Agent__HttpsListen="127.0.0.1:$MPANEL_SITES_HTTPS_PORT" \
      Agent__PhpFpmDir="$MPANEL_PHPFPM_DIR" ASPNETCORE_ENVIRONMENT=Production DOTNET_gcServer=0
    cd "$MPANEL_AGENT_BIN" || exit 1
    # A simple command in the background: $! is the agent itself, and no shell stays behind holding our stdout.
    nohup dotnet "$MPANEL_AGENT_BIN/MPanel.Agent.dll" </dev/null >>"$log" 2>&1 &
    echo $! >"$MPANEL_DATA/agent.pid"
  )
  local deadline=$((SECONDS + 60))
  until _agent_healthy; do
    if (( SECONDS >= deadline )) || ! kill -0 "$(cat "$MPANEL_DATA/agent.pid")" 2>/dev/null; then
      _err "MPanel.Agent did not answer on 127.0.0.1:$MPANEL_AGENT_PORT/health; log tail ($log):"; tail -n 30 "$log" >&2; return 1
    fi
    sleep 0.2
  done
  if ! kill -0 "$(cat "$MPANEL_DATA/agent.pid")" 2>/dev/null; then
    _err "another process answers on 127.0.0.1:$MPANEL_AGENT_PORT and MPanel.Agent exited; log tail ($log):"; tail -n 30 "$log" >&2; return 1
  fi
  _log "MPanel.Agent listening on 127.0.0.1:$MPANEL_AGENT_PORT"
}

stop_agent() {
  local pidfile="$MPANEL_DATA/agent.pid" pid
  [[ -f "$pidfile" ]] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 15))
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.1; done
  fi
  rm -f "$pidfile"
}

start_agent_stack() {
  start_site_nginx && start_php_fpm && start_agent
}

stop_agent_stack() {
  stop_agent; stop_php_fpm; stop_site_nginx
}
