#!/usr/bin/env bash
# Memory of history: how much a session's host grows while `seq 1 30000` scrolls through
# an 80x24 bash session, against a tmux server doing the same in the same run.
# Growth = private memory (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup, in kB)
# after minus before. Prints one line per tool and per round, then the medians.
#
# Run: scripts/bench-history.sh [path/to/agent-tty] [rounds]   (default: target/release, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/agent-tty}
rounds=${2:-3}
lines=30000
tmp=$(mktemp -d)
sock="bench-history-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$tmp"' EXIT

private_kb() { awk '/^Private_(Clean|Dirty):/ { kb += $2 } END { print kb }' "/proc/$1/smaps_rollup"; }
att() { XDG_STATE_HOME="$tmp/state" "$bin" --home "$tmp/home" "$@"; }

ours() {
  local id pid before after
  id=$(att create --json --cols 80 --rows 24 -- bash --norc --noprofile | sed -n 's/.*"sessionId": *"\([^"]*\)".*/\1/p')
  att run "$id" "echo warm" --json >/dev/null
  pid=$(sed -n 's/.*"hostPid": *\([0-9]*\).*/\1/p' "$tmp/home/sessions/$id/session.json")
  before=$(private_kb "$pid")
  att run "$id" "seq 1 $lines" --timeout 120000 --json >/dev/null
  after=$(private_kb "$pid")
  att destroy "$id" --json >/dev/null
  echo $((after - before))
}

theirs() {
  local pid before after
  tmux -L "$sock" -f /dev/null new-session -d -x 80 -y 24 "bash --norc --noprofile"
  pid=$(tmux -L "$sock" display -p '#{pid}')
  tmux -L "$sock" send-keys "echo warm" Enter
  until tmux -L "$sock" capture-pane -p | grep -qx warm; do :; done
  before=$(private_kb "$pid")
  tmux -L "$sock" send-keys "seq 1 $lines; echo DONE-\$((6*7))" Enter
  until tmux -L "$sock" capture-pane -p | grep -qx DONE-42; do :; done
  after=$(private_kb "$pid")
  tmux -L "$sock" kill-server
  echo $((after - before))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: >"$tmp/ours"
: >"$tmp/tmux"
for round in $(seq 1 "$rounds"); do
  o=$(ours)
  t=$(theirs)
  echo "round $round: agent-tty host +${o} kB, tmux server +${t} kB"
  echo "$o" >>"$tmp/ours"
  echo "$t" >>"$tmp/tmux"
done
o=$(median <"$tmp/ours")
t=$(median <"$tmp/tmux")
echo "median growth after seq 1 $lines (80x24): agent-tty host +${o} kB, tmux server +${t} kB," \
  "ratio $(awk -v o="$o" -v t="$t" 'BEGIN { printf "%.2f", (t > 0 ? o / t : 0) }') (budget <= 2.00)"
