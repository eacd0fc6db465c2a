#!/usr/bin/env bash
# `find` over a big event log, with and without the screen checkpoints its host wrote.
# The budget is 2 s for `find --first` over 500 MB.
#
# The log is recorded by a real session (so the host writes its screen checkpoints, one
# per 2 MB of log, as it goes): a Python program prints coloured build-log lines on an
# 80x24 screen until the log is about the size asked for; `FATAL: out of memory` is
# printed once near the start and `FATAL: out of memory (again)` at the very end, each
# followed by a short pause so that it ends an output event (it is on screen after it).
#
# Printed for each search: wall time, CPU time (user + system, all threads) and the
# seqs found: `find --first` of a text only in the last event, of a text never printed,
# of a common word; `--last`; `--all` of the rare text; a Screen Hash lookup of the last
# screen (`diff --from-hash`); then the same with the checkpoints moved away (a read of
# the whole log), and an offline `snapshot` for reference.
#
# Run: scripts/bench-find.sh [path/to/agent-tty] [megabytes]
#      (defaults: target/release/agent-tty, 500)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/agent-tty}
megabytes=${2:-500}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

att() { XDG_STATE_HOME="$tmp/state" "$bin" --home "$tmp/home" "$@"; }

# About 0.8 bytes of output per byte of log (escapes and \r\n make the log longer).
output_bytes=$((megabytes * 800000))
program=$(cat <<'EOF'
import sys, time
target = int(sys.argv[1])
out = sys.stdout
written = 0
line = 0
while written < target:
    chunk = []
    for _ in range(100):
        line += 1
        chunk.append(f"\x1b[3{line % 8}m[{line:>9}]\x1b[0m compiling module_{line % 977} ... ok\n")
    text = "".join(chunk)
    out.write(text)
    written += len(text)
    if line == 1000:
        out.write("FATAL: out of memory\n")
        out.flush()
        time.sleep(0.2)
out.write("FATAL: out of memory (again)\n")
out.flush()
time.sleep(0.2)
EOF
)
t0=$(date +%s%N)
id=$(att create --json --cols 80 --rows 24 -- python3 -c "$program" "$output_bytes" |
  sed -n 's/.*"sessionId": *"\([^"]*\)".*/\1/p')
att wait "$id" --exit --timeout 1800000 --json >/dev/null
t1=$(date +%s%N)
dir="$tmp/home/sessions/$id"
log_mb=$(($(stat -c %s "$dir/events.jsonl") / 1000000))
checkpoints=$(find "$dir/checkpoints" -name '*.bin' | wc -l)
checkpoint_kb=$(($(du -sk "$dir/checkpoints" | cut -f1)))
echo "recorded ${log_mb} MB of log in $(((t1 - t0) / 1000000)) ms; the host wrote $checkpoints checkpoints (${checkpoint_kb} kB)"

measure() {
  local out
  out=$( { /usr/bin/time -f '%e %U %S' "$bin" --home "$tmp/home" "$@" --json >"$tmp/out.json"; } 2>&1 | tail -1)
  read -r wall user sys <<<"$out"
  local cpu
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
  local found
  found=$(tr -d ' \n' <"$tmp/out.json" | grep -o '"seq":[0-9]*' | head -3 | tr '\n' ' ' || true)
  printf '%6.2f s wall %6.2f s CPU: %s -> %s\n' "$wall" "$cpu" "$*" "${found:-no match}"
}

searches() {
  measure find "$id" --text "FATAL: out of memory (again)"
  measure find "$id" --text "never printed anywhere"
  measure find "$id" --text compiling
  measure find "$id" --text FATAL --last
  measure find "$id" --text FATAL --all
  measure find "$id" --regex 'FATAL: \w+ of memory \(again\)'
  measure diff "$id" --from-hash "$hash"
}

att find "$id" --text FATAL --json >/dev/null # warm the page cache
hash=$(att snapshot "$id" --json | tr -d ' \n' | grep -o '"screenHash":"[0-9a-f]*"' | cut -d'"' -f4)
echo "-- with the host's checkpoints"
searches
mv "$dir/checkpoints" "$tmp/saved-checkpoints"
echo "-- without checkpoints (the whole log is read)"
searches
measure snapshot "$id" --format text
