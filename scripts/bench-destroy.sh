#!/usr/bin/env bash
# `destroy` of an idle bash session, two builds interleaved run by run (each run creates
# one session per build, waits until bash has printed its prompt, then times destroy).
# Prints each build's median, quartiles and the ratio new/old.
# Usage: scripts/bench-destroy.sh old/agent-tty new/agent-tty [runs]   (default 21 runs)
set -u
OLD=${1:?usage: bench-destroy.sh old/agent-tty new/agent-tty [runs]}; NEW=${2:?}; RUNS=${3:-21}
for b in "$OLD" "$NEW"; do
  [ -x "$b" ] || { echo "bench-destroy: no binary at $b" >&2; exit 2; }
done
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench-destroy: needs bash >= 5 (EPOCHREALTIME)" >&2; exit 2; }
T=$(mktemp -d); export XDG_STATE_HOME=$T/state AGENT_TTY_HOME=$T/home
trap 'rm -rf "$T"' EXIT
us() { local t=${EPOCHREALTIME/[.,]/}; echo "$t"; }
one() { # $1 = binary: prints destroy's wall time in microseconds
  local out id t0 t1
  out=$("$1" create --json -- bash --norc --noprofile)
  [[ $out =~ \"sessionId\":\ \"([^\"]+)\" ]] || { echo "bench-destroy: create failed: $out" >&2; exit 1; }
  id=${BASH_REMATCH[1]}
  "$1" wait "$id" --idle-ms 100 --timeout 5000 --json >/dev/null
  t0=$(us); "$1" destroy "$id" --json >/dev/null; t1=$(us)
  echo $((t1 - t0))
}
for _ in $(seq "$RUNS"); do echo "$(one "$OLD") $(one "$NEW")"; done > "$T/t"
stats() { cut -d' ' -f"$1" "$T/t" | sort -n | awk '{a[NR]=$1} END{printf "%.2f ms median (p25 %.2f, p75 %.2f)", a[int((NR+1)/2)]/1000, a[int(NR/4)+1]/1000, a[int(3*NR/4)]/1000}'; }
med() { cut -d' ' -f"$1" "$T/t" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
echo "destroy, $RUNS interleaved runs:"
echo "  old $(stats 1)  $OLD"
echo "  new $(stats 2)  $NEW"
awk -v a="$(med 2)" -v b="$(med 1)" 'BEGIN{printf "  new/old %.2f\n", a/b}'
