#!/usr/bin/env bash
# `make readme`: starts the stack `make run` starts (scripts/run.sh), then
# runs every ```sh block of README.md in order, each in a fresh bash with
# .data/try.env sourced, and fails on the first block that errors. It
# stops the stack at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
log=$ROOT/.data/readme-check.log
mkdir -p .data
rm -f .data/try.env

./scripts/run.sh >"$log" 2>&1 &
stack=$!
cleanup() {
  kill -TERM "$stack" 2>/dev/null || true
  wait "$stack" 2>/dev/null || true
}
trap cleanup EXIT

for i in $(seq 600); do
  [ -s .data/try.env ] && grep -q "README's operation examples" "$log" && break
  kill -0 "$stack" 2>/dev/null || { tail -n 30 "$log" >&2; echo "readme-check: the stack did not start (log above)" >&2; exit 1; }
  [ "$i" = 600 ] && { tail -n 30 "$log" >&2; echo "readme-check: the stack was not ready in 5 minutes" >&2; exit 1; }
  sleep 0.5
done
echo "readme-check: the stack is up; the examples' values:"
sed 's/^export /  /' .data/try.env

blocks=$(mktemp -d)
awk -v dir="$blocks" '
  /^```sh$/ { n++; file = sprintf("%s/%03d.sh", dir, n); print "# README.md line " NR + 1 > file; inblock = 1; next }
  /^```/ && inblock { inblock = 0; close(file); next }
  inblock { print > file }
' README.md

failed=0 ran=0
for b in "$blocks"/*.sh; do
  ran=$((ran + 1))
  where=$(head -n 1 "$b" | sed 's/^# //')
  echo "== $where"
  if ! bash -eo pipefail -c "source .data/try.env; set -x; $(cat "$b")" 2>&1 | sed 's/^/   /'; then
    echo "readme-check: the block at $where failed" >&2
    failed=1
    break
  fi
done
rm -rf "$blocks"
[ "$failed" = 0 ] || exit 1
echo "readme-check: $ran blocks of README.md ran without error"
