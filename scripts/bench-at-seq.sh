#!/usr/bin/env bash
# `snapshot --at-seq` anywhere in a long log, as an agent meets it: a real session prints
# MEGABYTES of output (the host writes its screen checkpoints as it goes), then, with no
# replay run before, snapshots at seqs spread over the log, each the whole CLI call (the
# worst is just before a checkpoint: the longest replay). Then the same with the
# checkpoints moved away (a plain replay from the start), `--at-time`, a `diff` of two
# far points, and the checkpoints' size against the log's.
#
# KIND: `text` (coloured numbered lines, compresses well) or `random` (base64 of random
# bytes, the worst case for a checkpoint's size).
#
# Usage: scripts/bench-at-seq.sh BINARY [MEGABYTES] [KIND]   (default 500 text)
set -euo pipefail
bin=$1 megabytes=${2:-500} kind=${3:-text}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_STATE_HOME=$work/state
home=$work/home
python3 - "$work/out" "$megabytes" "$kind" <<'PY'
import base64, os, sys
path, mb, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "w") as f:
    n, size = 0, 0
    while size < mb << 20:
        if kind == "random":
            chunk = "\r\n".join(base64.b64encode(os.urandom(90)).decode() for _ in range(4000)) + "\r\n"
        else:
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
last=$(($(wc -l <"$dir/events.jsonl") - 1))
echo "log: $((log >> 20)) MB, seqs 0-$last ($kind)"
ms() { local start end; start=$(date +%s%N); "$@" >/dev/null; end=$(date +%s%N); echo $(((end - start) / 1000000)); }
# The seq just before each of a few checkpoints (the longest replay from the one before).
mapfile -t before < <(find "$dir/checkpoints" -name '*.screen.bin' -printf '%f\n' | sort | awk 'NR % 40 == 0 { print $1 + 0 - 1 }')
seqs=(1 $((last / 10)) $((last / 3)) $((last / 2)) $((last * 9 / 10)) "$last" "${before[@]}")
worst=0 total=0
for seq in "${seqs[@]}"; do
  t=$(ms "$bin" --home "$home" snapshot "$id" --at-seq "$seq" --json)
  echo "snapshot --at-seq $seq: $t ms"
  total=$((total + t))
  ((t > worst)) && worst=$t
done
echo "snapshot --at-seq: worst $worst ms, mean $((total / ${#seqs[@]})) ms over ${#seqs[@]} seqs"
echo "snapshot --at-time -1s: $(ms "$bin" --home "$home" snapshot "$id" --at-time -1s --json) ms"
echo "screenshot --at-seq $((last / 2)): $(ms "$bin" --home "$home" screenshot "$id" --at-seq $((last / 2)) --json) ms"
echo "diff --from $((last / 4)) --to $((last * 3 / 4)): $(ms "$bin" --home "$home" diff "$id" --from $((last / 4)) --to $((last * 3 / 4)) --json) ms"
files=$(find "$dir/checkpoints" -name '*.screen.bin' | wc -l)
bytes=$(find "$dir/checkpoints" -name '*.screen.bin' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
echo "host checkpoints: $files files, $bytes bytes ($(python3 -c "print(f'{100 * $bytes / $log:.2f}')") % of the log)"
mv "$dir/checkpoints" "$work/saved"
touch "$dir/checkpoints" # no checkpoint can be written or read
echo "without checkpoints: snapshot --at-seq $((last / 2)): $(ms "$bin" --home "$home" snapshot "$id" --at-seq $((last / 2)) --json) ms"
echo "without checkpoints: snapshot --at-seq $last: $(ms "$bin" --home "$home" snapshot "$id" --at-seq "$last" --json) ms"
