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
for name in RotaMembers RotaOnCall; do
	"$temporal" operator search-attribute create --address "$address" --name "$name" --type KeywordList
done

read -r first second < <(go run ./workflows/testdata/gen -address "$address")
"$temporal" workflow show --address "$address" --workflow-id rota/demo --run-id "$first" --output json >"$out/demo-run1.json"
"$temporal" workflow show --address "$address" --workflow-id rota/demo --run-id "$second" --output json >"$out/demo-run2.json"
echo "wrote $out/demo-run1.json (run $first) and $out/demo-run2.json (run $second)"
