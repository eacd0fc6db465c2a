#!/usr/bin/env bash
# 100 live idle sessions in a temporary Home: how long `list --json` takes (median of 21,
# budget <= 5 ms) and how much private memory the hosts hold (Private_Clean + Private_Dirty
# from /proc/PID/smaps_rollup, summed; budget <= 1 MB per idle session). Destroys them all.
# Usage: scripts/bench-sessions.sh [path/to/agent-tty] [sessions] [program...]
#        (defaults: target/release/agent-tty, 100, sleep 1000)
set -u
BIN=${1:-target/release/agent-tty}; N=${2:-100}; shift $(( $# > 2 ? 2 : $# ))
PROGRAM=("$@"); [ ${#PROGRAM[@]} -gt 0 ] || PROGRAM=(sleep 1000)
[ -x "$BIN" ] || { echo "bench-sessions: no binary at $BIN (run \`cargo build --release\` first)" >&2; exit 2; }
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench-sessions: needs bash >= 5 (EPOCHREALTIME)" >&2; exit 2; }
[ -r /proc/self/smaps_rollup ] || { echo "bench-sessions: needs Linux >= 4.14 (/proc/PID/smaps_rollup)" >&2; exit 2; }
T=$(mktemp -d); export XDG_STATE_HOME=$T/state; H=$T/home
ids=()
cleanup() {
  for id in "${ids[@]}"; do "$BIN" --home "$H" destroy "$id" --json >/dev/null 2>&1; done
  rm -rf "$T"
}
trap cleanup EXIT
us() { local t=${EPOCHREALTIME/[.,]/}; echo "$t"; }

for _ in $(seq "$N"); do
  out=$("$BIN" --home "$H" create --json -- "${PROGRAM[@]}")
  [[ $out =~ \"sessionId\":\ \"([^\"]+)\" ]] || { echo "bench-sessions: create failed: $out" >&2; exit 1; }
  ids+=("${BASH_REMATCH[1]}")
done

# Sum of Private_Clean + Private_Dirty (kB) over the hosts, read from their session.json.
private_kb=0; hosts=0
for id in "${ids[@]}"; do
  pid=$(sed -n 's/.*"hostPid": \([0-9]*\).*/\1/p' "$H/sessions/$id/session.json")
  kb=$(awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s + 0}' "/proc/$pid/smaps_rollup" 2>/dev/null)
  [ -n "$kb" ] && [ "$kb" -gt 0 ] && { private_kb=$((private_kb + kb)); hosts=$((hosts + 1)); }
done

"$BIN" --home "$H" list --json >/dev/null   # warm-up
for _ in $(seq 21); do
  a=$(us); "$BIN" --home "$H" list --json >/dev/null; b=$(us); echo $((b - a))
done | sort -n | awk '{a[NR]=$1} END{printf "%.2f\n", a[int((NR+1)/2)]/1000}' > "$T/list"
listed=$("$BIN" --home "$H" list --json | grep -c '"sessionId"')

echo "sessions: $N of \`${PROGRAM[*]}\` ($listed listed, $hosts hosts measured)"
echo "list --json median of 21: $(cat "$T/list") ms (budget <= 5 ms)"
awk -v kb="$private_kb" -v n="$hosts" 'BEGIN{ if (n == 0) n = 1;
  printf "host private memory: %.1f MB in all, %.0f kB per session (budget <= 1024 kB)\n", kb/1024, kb/n }'
