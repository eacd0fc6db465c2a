#!/usr/bin/env bash
# A self-contained demo: builds agent-tty, drives a bash session in a temporary Home,
# and prints where the evidence is. Nothing outside the temporary directory is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
# WebM export links libvpx (found with pkg-config at build time). Install it when we can;
# without it the demo builds without the `webm` feature and says WebM is unavailable
# (GIF is pure Rust).
features=()
if ! pkg-config --exists vpx 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing libvpx-dev and pkg-config (for WebM export)"
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libvpx-dev pkg-config >/dev/null; } \
      || echo "   could not install them: this build will have no WebM export"
  else
    echo "note: libvpx-dev and pkg-config are not installed, so this build has no WebM export"
    echo "      (GIF, asciicast and PNG still work). Install them, e.g."
    echo "      sudo apt-get install libvpx-dev pkg-config, and rerun for WebM."
  fi
fi
pkg-config --exists vpx 2>/dev/null || features=(--no-default-features)
cargo build --release --locked -q "${features[@]}"
bin=$PWD/target/release/agent-tty
demo=$(mktemp -d "${TMPDIR:-/tmp}/agent-tty-demo.XXXXXX")
export XDG_STATE_HOME=$demo/state
at() { "$bin" --home "$demo/home" "$@"; }

id=$(at create --cols 100 --rows 30 --name demo --json -- bash --norc --noprofile \
  | sed -n 's/.*"sessionId": "\([^"]*\)".*/\1/p')
echo "== created session $id"
at run "$id" 'echo "hello from agent-tty"; uname -sm'
at type "$id" 'printf "%s\n" typed-by-agent-tty' --append-newline
at send-keys "$id" Up Enter
at mark "$id" after-keys
at resize "$id" --cols 120 --rows 40
at run "$id" 'stty size'
echo "== an interactive prompt, answered by typing"
# ($q keeps the typed command line from matching the prompt the wait looks for.)
at type "$id" 'q="Your"; read -p "$q name? " name; printf "\033[1;32mHello, %s.\033[0m\n" "$name"' --append-newline
at wait "$id" --text 'Your name?' --timeout 5000 > /dev/null
at type "$id" 'agent-tty' --append-newline
at wait "$id" --text 'Hello, agent-tty.' --timeout 5000 > /dev/null
at wait "$id" --text 'typed-by-agent-tty' --timeout 5000
echo "== snapshot (live)"
at snapshot "$id" --format text
at snapshot "$id" --json > /dev/null
echo "== screenshot"
at screenshot "$id" --show-cursor | grep "PNG Path"
echo "== inspect"
at inspect "$id"
at destroy "$id"
echo "== asciicast recording (replay it with: asciinema play <file>)"
at record export "$id" --format asciicast | grep "Artifact Path"
echo "== video (WebM, VP9) and animated GIF, replayed from the event log"
at record export "$id" --format webm --timing accelerated | grep "Artifact Path" \
  || echo "   (no WebM: see the error above)"
at record export "$id" --format gif --timing accelerated | grep "Artifact Path"
echo "== snapshot after destroy (replayed from the event log)"
at snapshot "$id" --format text | tail -n +6
echo "== list --all"
at list --all
echo
echo "Home:       $demo/home"
echo "Session:    $demo/home/sessions/$id/session.json"
echo "Event log:  $demo/home/sessions/$id/events.jsonl ($(wc -l < "$demo/home/sessions/$id/events.jsonl") events)"
echo "Artifacts:  $demo/home/sessions/$id/artifacts/ ($(ls "$demo/home/sessions/$id/artifacts" | grep -c snapshot) snapshots, $(ls "$demo/home/sessions/$id/artifacts" | grep -c "\.png$") screenshot, $(ls "$demo/home/sessions/$id/artifacts" | grep -c "\.cast$") cast, $(ls "$demo/home/sessions/$id/artifacts" | grep -cE "\.(webm|gif)$") videos, manifest.json)"
echo "Output the session saw:"
grep -o '"type":"output","payload":{"data":"[^"]*hello from agent-tty[^"]*"' \
  "$demo/home/sessions/$id/events.jsonl" | head -1
