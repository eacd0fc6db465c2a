#!/usr/bin/env bash
# Captures stay O(1): the cost of one `snapshot` (a capture: artifact file + manifest
# entry) and of one `inspect` (which reports artifact health) at the start of a session
# and after 3,000 earlier captures. Prints the median wall time of each (interleaved
# runs) and the ratio after/start; the budget is <= 1.2.
#
# Two sessions: `same` captures an idle screen (every snapshot has the same seq, so one
# artifact file is overwritten and listed 3,000 times); `distinct` adds a `mark` event
# before each capture, so every snapshot is a file of its own (3,000 files).
#
# Then `inspect` alone once the artifacts directory has been still for 2 s (it then trusts
# the directory's modification time instead of looking up every file: the `distinct`
# case; right after a capture it looks them up).
#
# Wall time on a shared machine is noisy, so each point also counts the instructions of
# one `snapshot` and one `inspect` with `valgrind --tool=callgrind` (stable under load;
# kernel work such as the manifest copy is not in it).
#
# Run: scripts/bench-captures.sh [path/to/agent-tty] [captures] [runs]
#      (defaults: target/release/agent-tty, 3000, 21)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/agent-tty}
captures=${2:-3000}
runs=${3:-21}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

att() { XDG_STATE_HOME="$tmp/state" "$bin" --home "$tmp/home" "$@"; }
now_us() { echo $(($(date +%s%N) / 1000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# instructions <args…>: user-space instructions of one agent-tty call (0 without valgrind).
instructions() {
  command -v valgrind >/dev/null || { echo 0; return; }
  XDG_STATE_HOME="$tmp/state" valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$bin" --home "$tmp/home" "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}

# measure <id> <label>: `runs` interleaved snapshot/inspect pairs; prints the medians
# and leaves them in $snap_us / $insp_us.
measure() {
  local id=$1 label=$2 t0 t1 t2
  : >"$tmp/snap"
  : >"$tmp/insp"
  for _ in $(seq 1 "$runs"); do
    t0=$(now_us)
    att snapshot "$id" --json >/dev/null
    t1=$(now_us)
    att inspect "$id" --json >/dev/null
    t2=$(now_us)
    echo $((t1 - t0)) >>"$tmp/snap"
    echo $((t2 - t1)) >>"$tmp/insp"
  done
  snap_us=$(median <"$tmp/snap")
  insp_us=$(median <"$tmp/insp")
  local total
  total=$(att inspect "$id" --json | sed -n 's/.*"total": *\([0-9]*\).*/\1/p' | head -1)
  snap_ir=$(instructions snapshot "$id" --json)
  insp_ir=$(instructions inspect "$id" --json)
  echo "  $label ($total artifacts listed): snapshot ${snap_us} us / ${snap_ir} instructions," \
    "inspect ${insp_us} us / ${insp_ir} instructions"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

for mode in same distinct; do
  id=$(att create --json -- bash --norc --noprofile | sed -n 's/.*"sessionId": *"\([^"]*\)".*/\1/p')
  att run "$id" "echo ready" --json >/dev/null
  echo "$mode seq:"
  measure "$id" "start"
  s0=$snap_us
  i0=$insp_us
  sr0=$snap_ir
  ir0=$insp_ir
  for n in $(seq 1 "$captures"); do
    if [ "$mode" = distinct ]; then att mark "$id" "m$n" --json >/dev/null; fi
    att snapshot "$id" --json >/dev/null
  done
  measure "$id" "after $captures more captures"
  sleep 2.1
  : >"$tmp/settled"
  for _ in $(seq 1 "$runs"); do
    t0=$(now_us)
    att inspect "$id" --json >/dev/null
    echo $(($(now_us) - t0)) >>"$tmp/settled"
  done
  settled_us=$(median <"$tmp/settled")
  settled_ir=$(instructions inspect "$id" --json)
  echo "  inspect alone, 2 s after the last capture: ${settled_us} us / ${settled_ir} instructions" \
    "(ratio to start: $(ratio "$settled_us" "$i0"), instructions $(ratio "$settled_ir" "$ir0"))"
  echo "  ratio after/start: snapshot $(ratio "$snap_us" "$s0") (instructions $(ratio "$snap_ir" "$sr0"))," \
    "inspect $(ratio "$insp_us" "$i0") (instructions $(ratio "$insp_ir" "$ir0")) (budget <= 1.20)"
  att destroy "$id" --json >/dev/null
done
