#!/usr/bin/env bash
# Host CPU time for ingesting one file (`create -- cat FILE` until exit), per binary,
# interleaved: the session host's task-clock as `perf stat -p` counts it (attached right
# after `create` returns, so the first few ms of output are not counted). CPU time is
# far steadier than wall time on a shared machine.
#
# Usage: scripts/ingest-cpu.sh FILE RUNS BINARY...
set -euo pipefail
file=$1 runs=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_STATE_HOME=$work/state
for run in $(seq "$runs"); do
  for bin in "$@"; do
    home=$work/home
    id=$("$bin" --home "$home" create --json -- cat "$file" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["sessionId"])')
    pid=$(python3 -c "import json; print(json.load(open('$home/sessions/$id/session.json'))['hostPid'])")
    perf stat -x, -e task-clock -p "$pid" -o "$work/stat" &
    perf_pid=$!
    "$bin" --home "$home" wait "$id" --exit --timeout 600000 --json >/dev/null
    wait "$perf_pid" || true
    ms=$(grep task-clock "$work/stat" | cut -d, -f1)
    echo "run $run $(basename "$bin"): host task-clock ${ms%.*} ms"
    rm -rf "$home/sessions/$id"
  done
done
