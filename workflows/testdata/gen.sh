#!/usr/bin/env bash
# Regenerates the replay histories workflows/testdata/demo-run*.json from a
# real Temporal server (see README.md). Takes about three minutes.
#
#   workflows/testdata/gen.sh            # uses bin/temporal
#   TEMPORAL=/path/to/temporal workflows/testdata/gen.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
temporal=${TEMPORAL:-$root/bin/temporal}
out=$root/workflows/testdata

tmp=$(mktemp -d)
port=$(go run ./workflows/testdata/gen -free-port)
address=127.0.0.1:$port
"$temporal" server start-dev --headless --ip 127.0.0.1 --port "$port" \
	--db-filename "$tmp/temporal.db" --log-level warn >"$tmp/server.log" 2>&1 &
server=$!
cleanup() {
	kill "$server" 2>/dev/null || true
	wait "$server" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

for _ in $(seq 60); do
	"$temporal" operator cluster health --address "$address" >/dev/null 2>&1 && break
	sleep 1
done
for attr in RotaMembers:KeywordList RotaOnCall:KeywordList RotaHealth:Keyword; do
	"$temporal" operator search-attribute create --address "$address" --name "${attr%%:*}" --type "${attr##*:}"
done

go run ./workflows/testdata/gen -address "$address" >"$tmp/runs"
# v0-*.json were recorded before calendar feeds (GetVersion calendar-feeds),
# v1-*.json before the Slack notices (GetVersion slack-notices), v2-*.json
# before the pager sync (GetVersion pager-sync); they are
# kept: they guard the runs started before those.
rm -f "$out"/demo-*.json "$out"/broken-*.json "$out"/ending-*.json
while read -r file workflow run; do
	"$temporal" workflow show --address "$address" --workflow-id "$workflow" --run-id "$run" --output json >"$out/$file"
	echo "wrote $out/$file ($workflow run $run)"
done <"$tmp/runs"
