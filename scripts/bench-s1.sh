#!/usr/bin/env bash
# The S1 loop, three ways, interleaved so machine noise hits all of them alike:
#   ours    six agent-tty CLI calls: create, type, send-keys, wait --text, snapshot --format text, destroy
#   tmux    the same work through the tmux CLI (the wait polls capture-pane: tmux has no wait-for-text)
#   expect  GNU expect doing the same work in one process (spawn, send, expect, read, close, wait)
# S1: start bash at 80x24, type `echo $((6*7))XY` + Enter, wait until `42XY` is on screen, read the
# screen as text, end the session. Prints per-tool medians, the two ratios (budget: ours <= 0.7 x tmux
# and <= 1.3 x expect) and the median of each of our six calls.
# Usage: scripts/bench-s1.sh [path/to/agent-tty] [runs]   (defaults: target/release/agent-tty, 21)
set -u
BIN=${1:-target/release/agent-tty}; RUNS=${2:-21}
missing=()
command -v tmux >/dev/null || missing+=(tmux)
command -v expect >/dev/null || missing+=(expect)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench-s1: missing ${missing[*]}: install with \`apt-get install ${missing[*]}\` (Debian package names)" >&2
  exit 2
fi
[ -x "$BIN" ] || { echo "bench-s1: no binary at $BIN (run \`cargo build --release\` first)" >&2; exit 2; }
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench-s1: needs bash >= 5 (EPOCHREALTIME)" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
T=$(mktemp -d); export XDG_STATE_HOME=$T/state; H=$T/home; SOCK=s1bench$$
trap 'tmux -L "$SOCK" kill-server 2>/dev/null; rm -rf "$T"' EXIT

# Microseconds since the epoch, without a fork.
us() { local t=${EPOCHREALTIME/[.,]/}; echo "$t"; }
ours() {
  local t0 t1 t2 t3 t4 t5 t6 out id
  t0=$(us)
  out=$("$BIN" --home "$H" create --json -- bash --norc --noprofile)
  [[ $out =~ \"sessionId\":\ \"([^\"]+)\" ]] || { echo "bench-s1: create failed: $out" >&2; exit 1; }
  id=${BASH_REMATCH[1]}
  t1=$(us); "$BIN" --home "$H" type "$id" 'echo $((6*7))XY' --json >/dev/null
  t2=$(us); "$BIN" --home "$H" send-keys "$id" Enter --json >/dev/null
  t3=$(us); "$BIN" --home "$H" wait "$id" --text 42XY --timeout 5000 --json >/dev/null
  t4=$(us); "$BIN" --home "$H" snapshot "$id" --format text --json >/dev/null
  t5=$(us); "$BIN" --home "$H" destroy "$id" --json >/dev/null
  t6=$(us)
  echo "$((t6 - t0)) $((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t4 - t3)) $((t5 - t4)) $((t6 - t5))"
}
tmux_s1() {
  tmux -L "$SOCK" new-session -d -x 80 -y 24 'bash --norc --noprofile'
  tmux -L "$SOCK" send-keys 'echo $((6*7))XY' Enter
  until tmux -L "$SOCK" capture-pane -p | grep -q '^42XY'; do sleep 0.002; done
  tmux -L "$SOCK" capture-pane -p >/dev/null
  tmux -L "$SOCK" kill-server
}
cat > "$T/s1.exp" <<'EOF'
set stty_init "rows 24 cols 80"
log_user 0
spawn -noecho bash --norc --noprofile
send "echo \$((6*7))XY\r"
set timeout 5
expect {
  -ex "42XY" {}
  timeout { exit 1 }
}
set screen $expect_out(buffer)
close
wait
EOF
expect_s1() { expect -f "$T/s1.exp" || { echo "bench-s1: the expect script failed" >&2; exit 1; }; }

ours >/dev/null; tmux_s1; expect_s1   # warm-up
for _ in $(seq "$RUNS"); do
  o=$(ours)
  a=$(us); tmux_s1; b=$(us); expect_s1; c=$(us)
  echo "$o $((b - a)) $((c - b))"
done > "$T/t"
# Median of column $1, in ms.
med() { cut -d' ' -f"$1" "$T/t" | sort -n | awk '{a[NR]=$1} END{printf "%.1f", a[int((NR+1)/2)]/1000}'; }
o=$(med 1); t=$(med 8); e=$(med 9)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
echo "S1 medians of $RUNS interleaved runs: agent-tty ${o} ms, tmux ${t} ms, expect ${e} ms"
echo "ratios: agent-tty/tmux $(ratio "$o" "$t") (budget <= 0.70), agent-tty/expect $(ratio "$o" "$e") (budget <= 1.30)"
echo "agent-tty per call (median ms): create $(med 2), type $(med 3), send-keys $(med 4), wait $(med 5), snapshot $(med 6), destroy $(med 7)"
