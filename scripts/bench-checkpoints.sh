#!/usr/bin/env bash
# Screen checkpoints on a long log: an offline `snapshot` (replay to the last seq) with a
# plain replay (no checkpoint can be written or read: `checkpoints` is made a file), the
# first one that writes checkpoints, and the next one that starts from the last of them;
# then the checkpoints' size against the log's.
#
# Usage: scripts/bench-checkpoints.sh BINARY [MEGABYTES]   (default 500 MB of output)
set -euo pipefail
bin=$1 megabytes=${2:-500}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_STATE_HOME=$work/state
home=$work/home
# Coloured numbered lines, about 40 bytes each.
python3 - "$work/out" "$megabytes" <<'PY'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    n, size = 0, 0
    while size < mb << 20:
        chunk = "".join(f"\x1b[3{i % 8}m{i:>9}\x1b[0m the quick brown fox\r\n" for i in range(n, n + 10000))
        n += 10000
        size += len(chunk)
        f.write(chunk)
PY
id=$("$bin" --home "$home" create --cols 120 --rows 40 --json -- cat "$work/out" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["sessionId"])')
"$bin" --home "$home" wait "$id" --exit --timeout 900000 --json >/dev/null
dir=$home/sessions/$id
log=$(stat -c %s "$dir/events.jsonl")
echo "log: $((log >> 20)) MB"
ms() { local start end; start=$(date +%s%N); "$@" >/dev/null; end=$(date +%s%N); echo $(((end - start) / 1000000)); }
snap=("$bin" --home "$home" snapshot "$id" --json --include-scrollback)
touch "$dir/checkpoints"
echo "plain replay (no checkpoints): $(ms "${snap[@]}") ms"
rm "$dir/checkpoints"
echo "first replay, writing checkpoints: $(ms "${snap[@]}") ms"
for run in 1 2 3; do
  echo "replay from the last checkpoint, run $run: $(ms "${snap[@]}") ms"
done
for run in 1 2 3; do
  echo "the same without --include-scrollback, run $run: $(ms "$bin" --home "$home" snapshot "$id" --json) ms"
done
files=$(find "$dir/checkpoints" -type f | wc -l)
bytes=$(du -cb "$dir/checkpoints"/* | tail -1 | cut -f1)
echo "checkpoints: $files files, $bytes bytes ($(python3 -c "print(f'{100 * $bytes / $log:.2f}')") % of the log)"
