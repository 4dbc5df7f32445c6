# shellcheck shell=bash
# Pebble, the ACME test CA (Debian package `pebble`), for certificate issuance and renewal tests.
# Sourced by scripts/lib/services.sh.
#
#   start_pebble   https://127.0.0.1:$MPANEL_PEBBLE_PORT/dir (14000), management on 15000; validates
#                  http-01 on 58080 and tls-alpn-01 on 58443 (nginx's ports) and resolves names through
#                  PowerDNS on 127.0.0.1:5300. Its roots (https://127.0.0.1:15000/roots/0) change at
#                  every start: tests fetch them at run time.
#   stop_pebble
#
# Idempotent: an already healthy Pebble is left alone. Data in $MPANEL_DATA/pebble, log in $MPANEL_LOGS/pebble.log.

MPANEL_PEBBLE_PORT=${MPANEL_PEBBLE_PORT:-14000}
MPANEL_PEBBLE_MGMT_PORT=${MPANEL_PEBBLE_MGMT_PORT:-15000}
MPANEL_PEBBLE_DNS=${MPANEL_PEBBLE_DNS:-127.0.0.1:5300}
MPANEL_PEBBLE_DIR="$MPANEL_DATA/pebble"

_pebble_healthy() {
  curl -fsS --max-time 2 --cacert "$MPANEL_PEBBLE_DIR/cert.pem" \
    "https://127.0.0.1:$MPANEL_PEBBLE_PORT/dir" >/dev/null 2>&1
}

_pebble_write_config() {
  mkdir -p "$MPANEL_PEBBLE_DIR"
  if [[ ! -s "$MPANEL_PEBBLE_DIR/cert.pem" || ! -s "$MPANEL_PEBBLE_DIR/key.pem" ]]; then
    # Pebble's example config points at certificates the package lacks: make our own for the listener.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -keyout "$MPANEL_PEBBLE_DIR/key.pem" -out "$MPANEL_PEBBLE_DIR/cert.pem" \
      >>"$MPANEL_LOGS/pebble.log" 2>&1 || { _err "openssl could not create Pebble's certificate"; return 1; }
  fi
  cat >"$MPANEL_PEBBLE_DIR/pebble-config.json" <<JSON
{
  "pebble": {
    "listenAddress": "127.0.0.1:$MPANEL_PEBBLE_PORT",
    "managementListenAddress": "127.0.0.1:$MPANEL_PEBBLE_MGMT_PORT",
    "certificate": "$MPANEL_PEBBLE_DIR/cert.pem",
    "privateKey": "$MPANEL_PEBBLE_DIR/key.pem",
    "httpPort": 58080,
    "tlsPort": 58443,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false
  }
}
JSON
}

start_pebble() {
  command -v pebble >/dev/null 2>&1 || ensure_packages pebble || return 1
  command -v openssl >/dev/null 2>&1 || ensure_packages openssl || return 1
  _mkdirs
  _pebble_healthy && return 0
  local pidfile="$MPANEL_PEBBLE_DIR/pebble.pid" log="$MPANEL_LOGS/pebble.log"
  if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill "$(cat "$pidfile")" 2>/dev/null || true   # ours, but not answering: start afresh
  fi
  rm -f "$pidfile"
  _pebble_write_config || return 1
  # NOSLEEP: validate at once. NONCEREJECT=0: never reject a good nonce (the client retries badNonce
  # once anyway; this keeps test runs deterministic).
  PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 nohup pebble \
    -config "$MPANEL_PEBBLE_DIR/pebble-config.json" -dnsserver "$MPANEL_PEBBLE_DNS" \
    </dev/null >>"$log" 2>&1 &
  echo $! >"$pidfile"
  local deadline=$((SECONDS + ${MPANEL_PEBBLE_TIMEOUT:-30}))
  until _pebble_healthy; do
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null || (( SECONDS >= deadline )); then
      _err "Pebble did not answer https://127.0.0.1:$MPANEL_PEBBLE_PORT/dir; log tail ($log):"
      tail -n 20 "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  _log "Pebble ACME CA on https://127.0.0.1:$MPANEL_PEBBLE_PORT/dir (DNS via $MPANEL_PEBBLE_DNS)"
}

stop_pebble() {
  local pidfile="$MPANEL_PEBBLE_DIR/pebble.pid" pid=""
  [[ -f "$pidfile" ]] && pid=$(cat "$pidfile")
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.1; done
  fi
  rm -f "$pidfile"
}
