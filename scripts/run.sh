#!/usr/bin/env bash
# The rota dev stack in one command (`make run`):
#   1. the pinned Temporal CLI in ./bin (built by make if missing),
#   2. `temporal server start-dev` with its data in .data/ (kept across runs),
#      the Web UI on :8233, the frontend on :7233, the search attributes
#      RotaMembers, RotaOnCall and RotaHealth registered,
#   3. bin/rota and bin/rota-worker built, the worker started, serving the
#      calendar feeds and schedule pages on :8080 (feeds stored in
#      .data/feeds, signed with a secret generated into .data/feed-secret),
#   4. examples/team.yaml applied, and what to try next printed.
# Ctrl-C (or SIGTERM) stops everything this script started.
#
# Environment: TEMPORAL_PORT (7233), TEMPORAL_UI_PORT (8233), HTTP_PORT
# (8080), ROTA_BASE_URL (http://localhost:$HTTP_PORT), ROTA_CONFIG
# (examples/team.yaml), GO (go); ROTA_SLACK_TOKEN and ROTA_SLACK_API_URL
# send the notices to Slack (or a Slack-compatible server) instead of the
# worker's log; ROTA_OPSGENIE_API_KEY/_URL and ROTA_PAGERDUTY_TOKEN/_URL
# sync the pagers.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
GO=${GO:-go}
PORT=${TEMPORAL_PORT:-7233}
UI_PORT=${TEMPORAL_UI_PORT:-8233}
HTTP_PORT=${HTTP_PORT:-8080}
CONFIG=${ROTA_CONFIG:-examples/team.yaml}
TEMPORAL=$ROOT/bin/temporal
DATA=$ROOT/.data
ADDR=127.0.0.1:$PORT
export TEMPORAL_ADDRESS=$ADDR TEMPORAL_NAMESPACE=default
# The calendar feeds: the worker publishes and serves them, rota feeds signs
# their URLs; both read these.
export ROTA_FEED_BUCKET="file://$DATA/feeds?create_dir=true" ROTA_FEED_SECRET_FILE=$DATA/feed-secret
export ROTA_BASE_URL=${ROTA_BASE_URL:-http://localhost:$HTTP_PORT}

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
for p in "$PORT" "$UI_PORT" "$HTTP_PORT"; do
  if port_busy "$p"; then
    die "port $p is already in use (another \`make run\` or \`temporal server start-dev\`?). Stop it, or set TEMPORAL_PORT, TEMPORAL_UI_PORT and HTTP_PORT."
  fi
done
mkdir -p "$DATA"
if [ ! -s "$DATA/feed-secret" ]; then
  # The key that signs the feed URLs (kept across runs, so subscriptions
  # keep working; delete the file to revoke every URL).
  (umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$DATA/feed-secret")
fi
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
if [ -n "${ROTA_SLACK_TOKEN:-}" ]; then
  say "Slack mode: notices go to ${ROTA_SLACK_API_URL:-https://slack.com/api/} (the worker checks ROTA_SLACK_TOKEN with auth.test)"
else
  say "log mode: no ROTA_SLACK_TOKEN, so notices go to the worker's log (.data/worker.log)"
fi
for v in ROTA_OPSGENIE_API_KEY ROTA_PAGERDUTY_TOKEN; do
  [ -z "${!v:-}" ] || say "$v is set: the worker syncs that pager's schedules"
done
say "starting the worker (log in .data/worker.log; feeds and pages on 127.0.0.1:$HTTP_PORT)"
bin/rota-worker --http "127.0.0.1:$HTTP_PORT" --http-index >>"$DATA/worker.log" 2>&1 &
WORKER_PID=$!
sleep 1
[ -z "${ROTA_SLACK_TOKEN:-}" ] || sleep 2 # auth.test
kill -0 "$WORKER_PID" 2>/dev/null || { tail -n 20 "$DATA/worker.log" >&2; die "the worker exited (log above)"; }

# 4. Apply the example.
say "bin/rota apply -f $CONFIG"
bin/rota apply -f "$CONFIG"

# What to try next, with real shift ids of the first rotation: the next
# upcoming shifts and who serves them (csv columns: id,layer,kind,start,end,
# assignees,problems), and operations that its rules allow (nobody on two
# shifts in a row: min_rest 24h; dave has winter leave in the config, so he
# is not moved).
ROT=$(sed -n 's/^  - id: *\([a-z0-9._-]*\).*/\1/p' "$CONFIG" | head -n 1)
ROT=${ROT:-platform}
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
rows=$(bin/rota show "$ROT" --weeks 2 --format csv 2>/dev/null | sed 1d || true)
ids=(); who=()
while IFS=, read -r id _ _ start _ assignees _; do
  [ -n "$id" ] || continue
  ids+=("$id"); who+=("$assignees")
done < <(printf '%s\n' "$rows" | awk -F, -v now="$now" '$4 > now && $6 != ""')
members=(alice bob carol erin)
# on K M: is M on the upcoming shift K (out of range: no)?
on() { [ "$1" -ge 0 ] && [ "$1" -lt "${#who[@]}" ] && [ "${who[$1]}" = "$2" ]; }
# A swap of upcoming shifts I and J = I+2 (I from 1, so that both have known
# neighbours): neither member lands next to a shift they already serve.
SA= SB= MA= MB=
for i in 1 2; do
  for j in $((i + 2)); do
    a=${who[$i]:-} b=${who[$j]:-}
    [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] || continue
    [ "$a" != dave ] && [ "$b" != dave ] || continue
    on $((i - 1)) "$b" || on $((i + 1)) "$b" || on $((j - 1)) "$a" || on $((j + 1)) "$a" && continue
    SA=${ids[$i]} MA=$a SB=${ids[$j]} MB=$b
    break 2
  done
done
# A cover of a later planned shift (the 7th upcoming, within plan_ahead), by
# someone free around it; the swap does not reach its neighbours.
K=6
SC=${ids[$K]:-} MC=${who[$K]:-} BY=
for m in "${members[@]}"; do
  if [ "$m" != "$MC" ] && ! on $((K - 1)) "$m" && ! on $((K + 1)) "$m"; then BY=$m; break; fi
done
# A shift to hand back (the strategy finds someone), a later window for
# unavailable/available, and a slot not planned yet for assign.
SL=${ids[$((K - 1))]:-} ML=${who[$((K - 1))]:-}
LATER=$(date -u -d '+60 days' +%Y-%m-%d) LATER_END=$(date -u -d '+62 days' +%Y-%m-%d)
FAR=$(bin/rota show "$ROT" --from "$(date -u -d '+30 days' +%Y-%m-%d)" --weeks 1 --format csv 2>/dev/null | sed -n 2p | cut -d, -f1)
if [ -z "$SA" ] || [ -z "$SC" ] || [ -z "$BY" ]; then
  say "(could not pick example shifts from the schedule; the README's examples need ROT, SA, MA, ... set by hand)"
fi
swap_json="{\"shift_a\":\"$SA\",\"member_a\":\"$MA\",\"shift_b\":\"$SB\",\"member_b\":\"$MB\"}"
# After the swap, $MB is on $SA and $MA on $SB: the swap back names them so.
back_json="{\"shift_a\":\"$SA\",\"member_a\":\"$MB\",\"shift_b\":\"$SB\",\"member_b\":\"$MA\"}"
# The README's examples read these (export them, or source .data/try.env).
cat >"$DATA/try.env" <<ENV
export TEMPORAL_ADDRESS=$ADDR TEMPORAL_NAMESPACE=default ROTA_FEED_BUCKET="$ROTA_FEED_BUCKET" ROTA_FEED_SECRET_FILE=$ROTA_FEED_SECRET_FILE ROTA_BASE_URL=$ROTA_BASE_URL
export PATH="$ROOT/bin:\$PATH" ROT=$ROT SA=$SA MA=$MA SB=$SB MB=$MB SC=$SC MC=$MC BY=$BY SL=$SL ML=$ML FAR=$FAR LATER=$LATER LATER_END=$LATER_END
ENV

cat <<EOF

$(say "rota is running. Try, in another terminal:")
  Web UI (the rotations are workflows rota/<id>):
      http://localhost:$UI_PORT/namespaces/default/workflows
  bin/rota list          # rotations, with who is on call
  bin/rota who           # who is on call now, everywhere
  bin/rota show $ROT --weeks 2 --format grid
  bin/rota unavailable $MA --from $(date -u +%Y)-12-28 --to $(date -u +%Y)-12-31 --reason "time off"
  bin/rota audit $ROT

  The schedule page and the calendar feeds (subscribe in your calendar app):
      $ROTA_BASE_URL/   (lists the rotations: make run starts the worker with --http-index)
  bin/rota feeds $ROT    # the feed and page URLs of a rotation (or a member: bin/rota feeds alice)

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

  The README's operation examples use these values (in .data/try.env):
    $(sed -n '2s/^export //p' "$DATA/try.env")
  Set them in your shell with: source .data/try.env

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
