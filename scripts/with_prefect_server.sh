#!/usr/bin/env bash
# Run a command against one Prefect server, so that every flow of a `dvc repro` reports to it
# instead of starting a temporary server of its own (~15 s per stage here).
# PREFECT_API_URL already set: use that server. Else start `prefect server start` on
# 127.0.0.1:${PREFECT_SERVER_PORT:-4200} (reused when one already answers there), run the command,
# and stop the server we started. Runs stay in the Prefect database (PREFECT_HOME, see
# pyproject.toml), so `prefect server start` later shows them in the UI.
# Usage: scripts/with_prefect_server.sh VENV_BIN COMMAND [ARGS...]
set -euo pipefail
bin="$1"; shift
if [ -n "${PREFECT_API_URL:-}" ]; then exec "$@"; fi
port="${PREFECT_SERVER_PORT:-4200}"
export PREFECT_API_URL="http://127.0.0.1:${port}/api"
healthy() { "$bin/python" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1] + '/health', timeout=2)" "$PREFECT_API_URL" 2>/dev/null; }
if ! healthy; then
  log="${TMPDIR:-/tmp}/prefect-server-${port}.log"
  "$bin/prefect" server start --host 127.0.0.1 --port "$port" > "$log" 2>&1 &
  server=$!
  trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
  for _ in $(seq 1 120); do
    healthy && break
    kill -0 "$server" 2>/dev/null || { echo "prefect server failed to start; see $log" >&2; exit 1; }
    sleep 1
  done
  healthy || { echo "prefect server did not answer within 120 s; see $log" >&2; exit 1; }
fi
"$@"
