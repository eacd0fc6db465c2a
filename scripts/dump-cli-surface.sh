#!/usr/bin/env bash
# Prints everything clap generates, so a change to how the command tree is built can be
# checked byte for byte: every (sub)command's --help and -h, `help <cmd>`, every manual
# page, all five completion scripts, and a set of usage errors with and without --json,
# each with its exit code. Reads no Home (a fresh temporary one is set anyway).
# Envelope timestamps are blanked. Name both binaries `agent-tty`: usage lines show the name.
# Usage: scripts/dump-cli-surface.sh [path/to/agent-tty] > surface.txt
#        then diff two dumps (e.g. an old build's and a new one's).
set -u
BIN=${1:-target/release/agent-tty}
[ -x "$BIN" ] || { echo "dump-cli-surface: no binary at $BIN" >&2; exit 2; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
export AGENT_TTY_HOME=$T/home XDG_STATE_HOME=$T/state COLUMNS=100
blank() { sed -E 's/"timestamp": "[^"]*"/"timestamp": "-"/' "$1"; }
run() {
  printf '=== %s\n' "$*"
  "$BIN" "$@" >"$T/out" 2>"$T/err"; local code=$?
  blank "$T/out"; printf -- '--- stderr\n'; blank "$T/err"; printf -- '--- exit %s\n' "$code"
}
COMMANDS=(create list ls inspect destroy version run type paste send-keys mark resize signal wait
  snapshot screenshot batch home "home list" "home forget" record "record export" gc doctor
  skills "skills list" "skills get" "skills path" dashboard d completions man)
run; run --help; run -h; run --version; run -V; run help; run version --help
for c in "${COMMANDS[@]}"; do
  read -ra words <<<"$c"
  run "${words[@]}" --help; run "${words[@]}" -h; run help "${words[@]}"
done
run man
for c in "${COMMANDS[@]}"; do read -ra words <<<"$c"; run man "${words[@]}"; done
run man nosuch --json; run man home nosuch
for shell in bash zsh fish elvish powershell; do run completions "$shell"; done
for json in "" --json; do
  run creat $json; run lst $json; run x $json; run --nosuch $json; run create --nosuch $json
  run inspect $json; run send-keys $json; run home $json; run home nosuch $json
  run record export $json; run record export abc $json; run skills get $json
  run wait --exit --text a $json; run completions nosh $json; run --home $json
  run list --all=3 $json; run version extra $json; run --version $json
  run --nosuch home list $json; run --timeout-ms home forget $json; run --log-level skills path $json
  run --home x ls --all=2 $json; run x record export $json
done
