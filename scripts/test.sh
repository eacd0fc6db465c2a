#!/usr/bin/env bash
# The README's test command: installs what the tests need on a Debian machine (as root),
# then runs every test suite to the end (`--no-fail-fast`) and prints the summary.
# Without root it installs nothing: it names the missing packages and how to get them,
# then runs the suites anyway (a test whose program is missing says which one).
set -uo pipefail
cd "$(dirname "$0")/.."

# What the tests drive or read back:
#   tmux vim less htop          real terminal programs the suites run inside sessions
#   util-linux procps           setpriv/prlimit/mount (security and fault tests), ps/pgrep
#   tesseract-ocr ffmpeg        read our screenshots and videos back (OCR, ffprobe)
#   libvpx-dev pkg-config gcc   build WebM export (build.rs); without them it is left out
#   fonts-noto-*                CJK and colour emoji in screenshots
#   python3 python3-pip         asciinema (validates .cast files), jsonschema (validates results
#                               against crates/agent-tty/schemas), mcp (the MCP client that
#                               drives `agent-tty mcp`) and scripted socket peers
#   mount time                  tmpfs Homes (full disk, read-only), peak-memory checks
#   zsh fish man-db             the generated completions and man page are loaded for real
packages=(bash procps util-linux tmux vim less htop tesseract-ocr ffmpeg libvpx-dev pkg-config gcc
  fonts-noto-cjk fonts-noto-color-emoji python3 python3-pip mount time zsh fish man-db)

missing=()
if command -v dpkg-query >/dev/null; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null \
      || { echo "error: apt-get could not install: ${missing[*]}" >&2; exit 1; }
  else
    echo "warning: missing packages: ${missing[*]}" >&2
    echo "         install them with: sudo apt-get install ${missing[*]}" >&2
    echo "         (the tests that need them will say so)" >&2
  fi
fi
if ! command -v asciinema >/dev/null; then
  python3 -m pip install --quiet asciinema==2.4.0 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages asciinema==2.4.0 2>/dev/null \
    || echo "warning: could not install asciinema (pip); its record export checks are skipped" >&2
fi
if ! python3 -c "import mcp" 2>/dev/null; then
  python3 -m pip install --quiet mcp==2.3.0 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages mcp==2.3.0 2>/dev/null \
    || echo "warning: could not install mcp (pip); the MCP server test will fail saying so" >&2
fi
if ! python3 -c "import jsonschema" 2>/dev/null; then
  python3 -m pip install --quiet jsonschema 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages jsonschema 2>/dev/null \
    || echo "warning: could not install jsonschema (pip); the result schema test will fail saying so" >&2
fi

cargo --version
started=$(date +%s)
cargo test --workspace --locked --no-fail-fast 2>&1 | tee /tmp/agent-tty-test.$$.log
status=${PIPESTATUS[0]}
echo
echo "== summary ($(($(date +%s) - started)) s)"
grep -E '^ *(Running|Doc-tests) |^test result:' /tmp/agent-tty-test.$$.log | sed 's/^ *//'
grep -E '^test .* FAILED$' /tmp/agent-tty-test.$$.log | sed 's/^/failed: /'
# Why each failed (the panic message and the test's own output), so a failure far up the
# log is still explained at its end.
grep -A30 -E '^---- .* stdout ----$' /tmp/agent-tty-test.$$.log | head -200
rm -f /tmp/agent-tty-test.$$.log
exit "$status"
