#!/usr/bin/env bash
# The rota dev stack in one command (`make run`):
#   1. the pinned Temporal CLI in ./bin (built by make if missing),
#   2. `temporal server start-dev` with its data in .data/ (kept across runs),
#      the Web UI on :8233, the frontend on :7233, the search attributes
#      RotaMembers, RotaOnCall and RotaHealth registered,
#   3. bin/rota and bin/rota-worker built, the worker started,
#   4. examples/team.yaml applied, and what to try next printed.
# Ctrl-C (or SIGTERM) stops everything this script started.
#
# Environment: TEMPORAL_PORT (7233), TEMPORAL_UI_PORT (8233), ROTA_CONFIG
# (examples/team.yaml), GO (go).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
GO=${GO:-go}
PORT=${TEMPORAL_PORT:-7233}
UI_PORT=${TEMPORAL_UI_PORT:-8233}
CONFIG=${ROTA_CONFIG:-examples/team.yaml}
TEMPORAL=$ROOT/bin/temporal
DATA=$ROOT/.data
ADDR=127.0.0.1:$PORT
export TEMPORAL_ADDRESS=$ADDR TEMPORAL_NAMESPACE=default

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

SERVER_PID= WORKER_PID= TAIL_PID=

# stop PID NAME: SIGTERM, then SIGKILL if it is still there after 15 s.
stop() {
  local pid=$1 name=$2
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  echo "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  echo "$name did not stop in 15s: killing it"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  [ -n "$interrupted" ] && rc=0
  trap - EXIT INT TERM
  echo
  stop "$TAIL_PID" "log follower"
  stop "$WORKER_PID" "rota-worker"
  stop "$SERVER_PID" "temporal dev server"
  echo "stopped; the data stays in .data/ (make distclean removes it)"
  exit "$rc"
}
trap cleanup EXIT
interrupted=""
trap 'interrupted=1; exit 0' INT  # Ctrl-C is the way to stop: not an error
trap 'exit 143' TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# 1. The Temporal CLI.
if [ ! -x "$TEMPORAL" ]; then
  say "building the Temporal CLI into ./bin (once; a few minutes)"
  GOBIN=$ROOT/bin "$GO" install github.com/temporalio/cli/cmd/temporal@v1.5.1
fi

# 2. The dev server.
for p in "$PORT" "$UI_PORT"; do
  if port_busy "$p"; then
    die "port $p is already in use (another \`make run\` or \`temporal server start-dev\`?). Stop it, or set TEMPORAL_PORT and TEMPORAL_UI_PORT."
  fi
done
mkdir -p "$DATA"
say "starting the Temporal dev server on $ADDR (Web UI :$UI_PORT, data in .data/temporal.db, log in .data/temporal.log)"
"$TEMPORAL" server start-dev \
  --ip 127.0.0.1 --port "$PORT" --ui-port "$UI_PORT" \
  --db-filename "$DATA/temporal.db" \
  --search-attribute RotaMembers=KeywordList \
  --search-attribute RotaOnCall=KeywordList \
  --search-attribute RotaHealth=Keyword \
  --log-level warn >>"$DATA/temporal.log" 2>&1 &
SERVER_PID=$!

for i in $(seq 120); do
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$DATA/temporal.log" >&2; die "the dev server exited (log above)"; }
  if "$TEMPORAL" operator cluster health --address "$ADDR" >/dev/null 2>&1; then break; fi
  [ "$i" = 120 ] && die "the dev server did not get healthy in 60s (see .data/temporal.log)"
  sleep 0.5
done
# start-dev registers the attributes; make sure (an older .data/ may lack them).
for attr in RotaMembers:KeywordList RotaOnCall:KeywordList RotaHealth:Keyword; do
  if ! "$TEMPORAL" operator search-attribute list --address "$ADDR" | grep -qw "${attr%%:*}"; then
    "$TEMPORAL" operator search-attribute create --address "$ADDR" --name "${attr%%:*}" --type "${attr##*:}" >/dev/null
  fi
done
say "Temporal is up: frontend $ADDR, Web UI http://localhost:$UI_PORT"

# 3. Build and start the worker.
say "building bin/rota and bin/rota-worker"
"$GO" build -o bin/rota ./cmd/starter
"$GO" build -o bin/rota-worker ./cmd/worker
say "starting the worker (log in .data/worker.log)"
bin/rota-worker >>"$DATA/worker.log" 2>&1 &
WORKER_PID=$!
sleep 1
kill -0 "$WORKER_PID" 2>/dev/null || { tail -n 20 "$DATA/worker.log" >&2; die "the worker exited (log above)"; }

# 4. Apply the example.
say "bin/rota apply -f $CONFIG"
bin/rota apply -f "$CONFIG"

# What to try next, with real shift ids: the next two shifts of the first
# rotation (csv columns: id,layer,kind,start,end,assignees,problems).
ROT=$(sed -n 's/^  - id: *\([a-z0-9._-]*\).*/\1/p' "$CONFIG" | head -n 1)
ROT=${ROT:-platform}
rows=$(bin/rota show "$ROT" --weeks 1 --format csv 2>/dev/null | sed 1d || true)
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
next=$(printf '%s\n' "$rows" | awk -F, -v now="$now" '$4 > now && $6 != "" {print $1, $6}' | head -n 2)
SA=$(printf '%s\n' "$next" | sed -n 1p | cut -d' ' -f1); MA=$(printf '%s\n' "$next" | sed -n 1p | cut -d' ' -f2)
SB=$(printf '%s\n' "$next" | sed -n 2p | cut -d' ' -f1); MB=$(printf '%s\n' "$next" | sed -n 2p | cut -d' ' -f2)
if [ -z "$SB" ]; then SA="$ROT/main/START_A" MA=alice SB="$ROT/main/START_B" MB=bob; fi
swap_json="{\"shift_a\":\"$SA\",\"member_a\":\"$MA\",\"shift_b\":\"$SB\",\"member_b\":\"$MB\"}"
# After the swap, $MB is on $SA and $MA on $SB: the swap back names them so.
back_json="{\"shift_a\":\"$SA\",\"member_a\":\"$MB\",\"shift_b\":\"$SB\",\"member_b\":\"$MA\"}"

cat <<EOF

$(say "rota is running. Try, in another terminal:")
  Web UI (the rotations are workflows rota/<id>):
      http://localhost:$UI_PORT/namespaces/default/workflows
  bin/rota list          # rotations, with who is on call
  bin/rota who           # who is on call now, everywhere
  bin/rota show $ROT --weeks 2 --format grid
  bin/rota unavailable $MA --from $(date -u +%Y)-12-28 --to $(date -u +%Y)-12-31 --reason "time off"
  bin/rota audit $ROT

  Swap the next two shifts with the rota CLI, swap them back with a
  Temporal update, and once more with a signal (then see rota audit $ROT):
    bin/rota swap --shift-a $SA --member-a $MA \\
                  --shift-b $SB --member-b $MB
    bin/temporal workflow update execute --workflow-id rota/$ROT --name swap \\
        --input '$back_json'
    bin/temporal workflow signal --workflow-id rota/$ROT --name swap \\
        --input '$swap_json'
  Each checks the rotation as it is: the same swap twice is refused (the
  members are no longer on those shifts). bin/rota status $ROT says whether
  every message, pager override and calendar went out.

  Edit $CONFIG, then: bin/rota apply -f $CONFIG --dry-run
  Docs: README.md (signals, updates, queries), docs/running.md

Following the worker's log (.data/worker.log). Ctrl-C stops the server and the worker.
EOF

tail -n 0 -F "$DATA/worker.log" &
TAIL_PID=$!

while kill -0 "$SERVER_PID" 2>/dev/null && kill -0 "$WORKER_PID" 2>/dev/null; do
  sleep 1
done
# Ctrl-C reaches the server and the worker too: they may stop before this
# script's own trap runs.
[ -n "$interrupted" ] && exit 0
kill -0 "$SERVER_PID" 2>/dev/null || echo "the dev server exited (see .data/temporal.log)" >&2
kill -0 "$WORKER_PID" 2>/dev/null || echo "the worker exited (see .data/worker.log)" >&2
exit 1
