#!/usr/bin/env bash
# Redaction's cost (issue 18), on the release binary:
#
# 1. Host ingest of 100 MB of mixed output (coloured log lines, some cursor escapes, an AWS
#    key, a GitHub token, a JWT or a Bearer header every ~200 lines) with the default rules
#    vs `--redact off`: `create -- cat FILE` until exit, the host's task-clock as `perf stat
#    -p` counts it (as scripts/ingest-cpu.sh does; CPU time is steadier than wall time on a
#    shared machine), interleaved. Throughput = file size / host CPU time.
# 2. The extra wake-up latency of a wait when output ends in a held tail: a bash session
#    prints `READY-<i> ghp_` (a token's anchor at the very end: held back until the idle
#    flush) or `READY-<i> xyz_` (nothing held), and `wait --text READY-<i>` returns; the
#    time from `type` to the wait's return, median over the runs, interleaved.
#
# Usage: scripts/bench-redact.sh [RUNS] [MB]   (defaults 5 runs, 100 MB)
set -euo pipefail
runs=${1:-5}
mb=${2:-100}
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p agent-tty
bin=$root/target/release/agent-tty
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_STATE_HOME=$work/state
home=$work/home

python3 - "$work/mixed.txt" "$mb" <<'EOF'
import random, sys
path, mb = sys.argv[1], int(sys.argv[2])
random.seed(18)
words = "request served cache miss retry upstream latency ok worker queued done token key secret".split()
secrets = [
    "aws_access_key_id = AKIAZ7Q2LMNOPQRS3TUV",
    "GITHUB_TOKEN=ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
]
target = mb * 1_000_000
with open(path, "w") as f:
    size, n = 0, 0
    while size < target:
        n += 1
        if n % 200 == 0:
            line = random.choice(secrets) + "\n"
        elif n % 50 == 0:
            line = "\x1b[2K\r\x1b[1A\x1b[32mprogress\x1b[0m %d%%\n" % (n % 100)
        else:
            colour = 31 + n % 6
            text = " ".join(random.choice(words) for _ in range(10))
            line = "\x1b[%dm%06d\x1b[0m %s id=%08x\n" % (colour, n, text, random.getrandbits(32))
        f.write(line)
        size += len(line)
EOF
bytes=$(stat -c %s "$work/mixed.txt")
echo "ingest: $((bytes / 1000000)) MB of mixed output, $runs runs per level, interleaved"

ingest() { # level → host task-clock in ms
  local level=$1 id pid ms
  id=$("$bin" --home "$home" create --json --redact "$level" -- cat "$work/mixed.txt" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["sessionId"])')
  pid=$(python3 -c "import json; print(json.load(open('$home/sessions/$id/session.json'))['hostPid'])")
  perf stat -x, -e task-clock -p "$pid" -o "$work/stat" 2>/dev/null &
  local perf_pid=$!
  "$bin" --home "$home" wait "$id" --exit --timeout 600000 --json >/dev/null
  wait "$perf_pid" || true
  ms=$(grep task-clock "$work/stat" | cut -d, -f1 || true)
  ms=${ms%.*}
  # A file too small for perf to attach before the host is done: use more MB.
  [ -n "$ms" ] && [ "$ms" -gt 0 ] || { echo "host done before perf attached: use more MB" >&2; exit 1; }
  echo "$ms $(python3 -c "import json; print(json.load(open('$home/sessions/$id/redaction.json'))['redactions'])")"
  rm -rf "$home/sessions/$id"
}

declare -A times=([default]="" [off]="")
for run in $(seq "$runs"); do
  for level in default off; do
    read -r ms count < <(ingest "$level")
    times[$level]="${times[$level]} $ms"
    echo "  run $run --redact $level: host task-clock $ms ms ($((bytes / 1000 / ms)) MB/s), $count redactions"
  done
done
python3 - "$bytes" "${times[default]}" "${times[off]}" <<'EOF'
import statistics, sys
size = int(sys.argv[1])
default, off = ([int(ms) for ms in arg.split()] for arg in sys.argv[2:4])
for name, pick in (("median", statistics.median), ("best", min)):
    d, o = size / 1000 / pick(default), size / 1000 / pick(off)
    print(f"ingest ({name} run): default {d:.1f} MB/s, off {o:.1f} MB/s (host CPU): "
          f"default is {100 * d / o:.1f}% of off (budget >= 90%)")
EOF

echo "wait wake-up: output ending in a held tail vs not, $((runs * 4)) rounds each"
python3 - "$bin" "$home" "$((runs * 4))" <<'EOF'
import json, statistics, subprocess, sys, time
bin, home, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
def cli(*args):
    # --json right after the command: anything after `--` would be the program's argv.
    command = [bin, "--home", home, args[0], "--json", *args[1:]]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["result"]
sid = cli("create", "--no-shell-integration", "--", "bash", "--norc", "--noprofile")["sessionId"]
cli("wait", sid, "--regex", r"bash-[0-9.]+[#$]\n*$", "--timeout", "20000")
times = {"held (ends in ghp_)": [], "not held (ends in xyz_)": []}
for i in range(rounds):
    for label, tail in (("held (ends in ghp_)", "ghp_"), ("not held (ends in xyz_)", "xyz_")):
        tag = f"{label[0]}{i}"
        start = time.perf_counter()
        # The typed line shows `READY %s` but never `READY-<tag>`: only the output matches.
        cli("type", sid, f"printf '%s-%s {tail}' READY {tag}; read -r\n")
        result = cli("wait", sid, "--text", f"READY-{tag} ", "--timeout", "20000")
        times[label].append((time.perf_counter() - start) * 1000)
        assert result["matched"], result
        cli("type", sid, "\n")
        cli("wait", sid, "--regex", r"bash-[0-9.]+[#$]\n*$", "--timeout", "20000")
for label, values in times.items():
    print(f"  {label}: type -> wait returned, median {statistics.median(values):.1f} ms "
          f"(min {min(values):.1f}, max {max(values):.1f})")
held, plain = (statistics.median(v) for v in times.values())
print(f"wait wake-up: the held tail adds {held - plain:.1f} ms (median; budget <= 20 ms)")
cli("destroy", sid)
EOF
