#!/usr/bin/env bash
# `find` over a big event log: the wall time of `find --first` when the line is near the
# start, when it only appears in the last event (the whole log is read), and of
# `find --all` over the whole log, against an offline `snapshot` (a plain replay of the
# same log) for reference. The budget is 2 s for `find --first` over 500 MB.
#
# The log is generated (a destroyed bash session whose events.jsonl is replaced): output
# events of about 4 KiB (a PTY read) of coloured build-log lines on an 80x24 screen;
# `FATAL: out of memory` is printed once in event 10 and once in the last event.
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
now_ms() { echo $(($(date +%s%N) / 1000000)); }

id=$(att create --json --cols 80 --rows 24 -- bash --norc --noprofile | sed -n 's/.*"sessionId": *"\([^"]*\)".*/\1/p')
att destroy "$id" --json >/dev/null
log="$tmp/home/sessions/$id/events.jsonl"

python3 - "$log" "$megabytes" <<'EOF'
import sys
path, megabytes = sys.argv[1], int(sys.argv[2])
target = megabytes * 1_000_000
line = 0
seq = 0
written = 0
base_ms = 1_796_000_000_000  # 2026-11-29
def ts(ms):
    import datetime
    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
with open(path, "w") as out:
    last = False
    while not last:
        chunk = []
        size = 0
        while size < 4000:
            line += 1
            text = f"\\u001b[3{line % 8}m[{line:>9}]\\u001b[0m compiling module_{line % 977} ... ok\\r\\n"
            chunk.append(text)
            size += len(text)
        if seq == 10:
            chunk.append("FATAL: out of memory\\r\\n")
        last = written + size + 200 >= target
        if last:
            chunk.append("FATAL: out of memory (again)\\r\\n")
        record = f'{{"seq":{seq},"ts":"{ts(base_ms + seq * 10)}","type":"output","payload":{{"data":"{"".join(chunk)}"}}}}\n'
        out.write(record)
        written += len(record)
        seq += 1
print(f"generated {written / 1e6:.0f} MB, {seq} output events", file=sys.stderr)
EOF

time_of() {
  local t0 t1 out
  t0=$(now_ms)
  out=$(att "$@" --json)
  t1=$(now_ms)
  echo "$((t1 - t0)) ms: agent-tty $* -> $(echo "$out" | tr -d ' \n' | grep -o '"seq":[0-9]*' | tr '\n' ' ')"
}

att find "$id" --text FATAL --json >/dev/null # warm the page cache
time_of find "$id" --text FATAL
time_of find "$id" --text "FATAL: out of memory (again)"
time_of find "$id" --text FATAL --all
time_of find "$id" --regex 'FATAL: \w+ of memory \(again\)'
time_of snapshot "$id" --format text
