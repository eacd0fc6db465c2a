#!/usr/bin/env bash
# `events --follow` latency: output appears in the session → its line reaches a consumer of
# `events --follow`. The session's program prints a marker carrying the wall-clock time
# (ns) at which it was written, every 20 ms; the consumer reads the stream, stamps each
# line that holds a marker on arrival and prints the difference (median, p95, max).
# Both clocks are this machine's, so the figures need no synchronisation.
#
# Usage: scripts/bench-events.sh BINARY [MARKERS]   (default 300)
set -euo pipefail
bin=$1 markers=${2:-300}
work=$(mktemp -d)
trap '"$bin" --home "$work/home" destroy --all --force >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export XDG_STATE_HOME=$work/state
home=$work/home
cat >"$work/marks.py" <<PY
import sys, time
sys.stdin.readline()  # go
for i in range($markers):
    time.sleep(0.02)
    sys.stdout.write(f"MARK {time.time_ns()}\n")
    sys.stdout.flush()
PY
id=$("$bin" --home "$home" create --json -- python3 "$work/marks.py" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["sessionId"])')
python3 - "$bin" "$home" "$id" "$markers" <<'PY'
import json, re, statistics, subprocess, sys, time
bin, home, sid, markers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
# Buffered: a raw pipe's line iteration reads one byte per system call, which would be
# timed as latency of the stream.
events = subprocess.Popen([bin, "--home", home, "events", sid, "--follow", "--type", "output"],
                          stdout=subprocess.PIPE)
# Go once the stream is live (the CLI read the log and subscribed).
time.sleep(0.3)
subprocess.run([bin, "--home", home, "type", sid, "go\r"], check=True, stdout=subprocess.DEVNULL)
lat = []
for raw in events.stdout:
    now = time.time_ns()
    data = json.loads(raw)["payload"]["data"]
    for stamp in re.findall(r"MARK (\d+)", data):
        lat.append((now - int(stamp)) / 1e6)
    if len(lat) >= markers:
        break
events.kill()
lat.sort()
p95 = lat[int(len(lat) * 0.95) - 1]
print(f"events --follow: output -> line over {len(lat)} markers: "
      f"median {statistics.median(lat):.2f} ms, p95 {p95:.2f} ms, max {lat[-1]:.2f} ms")
PY

# What a follower costs the host: PTY → log throughput of a flood (MB of `seq` output,
# printed once Enter is typed) without a follower, then with one that reads to /dev/null.
flood_mb=${FLOOD_MB:-200}
python3 -c "
import sys
with open('$work/flood', 'w') as f:
    n = 0
    while f.tell() < $flood_mb << 20:
        f.write(''.join(f'{i:>9} the quick brown fox\r\n' for i in range(n, n + 10000))); n += 10000
"
flood() { # $1: with a follower (1) or not (0); prints MB/s
  local id start end follower=
  id=$("$bin" --home "$home" create --json -- bash -c "read; cat '$work/flood'" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["sessionId"])')
  if [[ $1 == 1 ]]; then
    "$bin" --home "$home" events "$id" --follow >/dev/null &
    follower=$!
    sleep 0.3
  fi
  start=$(date +%s%N)
  "$bin" --home "$home" type "$id" $'\r' >/dev/null
  "$bin" --home "$home" wait "$id" --exit --timeout 600000 --json >/dev/null
  end=$(date +%s%N)
  [[ -n $follower ]] && wait "$follower"
  python3 -c "print(f'{$flood_mb / (($end - $start) / 1e9):.0f}')"
}
echo "flood of $flood_mb MB through the host: $(flood 0) MB/s without a follower, $(flood 1) MB/s with one"
