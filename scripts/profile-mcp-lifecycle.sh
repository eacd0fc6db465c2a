#!/usr/bin/env bash
# Where the milliseconds of `create` and `destroy` go when an MCP client calls them: runs
# `agent-tty mcp` under a light strace (seccomp-filtered: only the syscalls that mark a
# phase stop the tracee, so the figures are inflated far less than by a full `strace -f`)
# for N S1-like loops (create bash 80x24, type + wait for 42XY, destroy), then prints the
# timeline of one warm loop's create and destroy, each syscall relative to the request's
# arrival on the server's stdin. Untraced medians are printed first for scale.
# Usage: scripts/profile-mcp-lifecycle.sh [BINARY] [LOOPS] [WHICH]
#   (defaults: target/release/agent-tty, 12, the 7th loop). Needs python3 and strace.
set -euo pipefail
bin=${1:-target/release/agent-tty} loops=${2:-12} which=${3:-7}
[ -x "$bin" ] || { echo "profile: no binary at $bin (run \`cargo build --release\` first)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "profile: needs python3 (apt-get install python3)" >&2; exit 2; }
command -v strace >/dev/null || { echo "profile: needs strace (apt-get install strace)" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_STATE_HOME=$work/state
cat >"$work/client.py" <<'PY'
import json, statistics, subprocess, sys, time

binary, home, loops = sys.argv[1], sys.argv[2], int(sys.argv[3])
server = subprocess.Popen(sys.argv[4:] + [binary, "mcp", "--home", home], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
next_id = 0


def call(name, arguments):
    global next_id
    next_id += 1
    request = {"jsonrpc": "2.0", "id": next_id, "method": "tools/call", "params": {"name": name, "arguments": arguments}}
    if name == "initialize":
        request.update(method="initialize", params=arguments)
    server.stdin.write((json.dumps(request) + "\n").encode())
    while True:
        message = json.loads(server.stdout.readline())
        if message.get("id") == next_id:
            result = message["result"]
            if result.get("isError"):
                sys.exit(f"profile: {name} failed: {result['structuredContent']}")
            return result.get("structuredContent", result)


call("initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "profile", "version": "1"}})
server.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
creates, destroys = [], []
for _ in range(loops):
    start = time.perf_counter()
    sid = call("create", {"argv": ["bash", "--norc", "--noprofile"], "cols": 80, "rows": 24})["sessionId"]
    created = time.perf_counter()
    call("type", {"sessionId": sid, "text": "echo $((6*7))XY\n"})
    assert call("wait", {"sessionId": sid, "text": "42XY", "timeout": 5000})["matched"]
    waited = time.perf_counter()
    call("destroy", {"sessionId": sid})
    creates.append((created - start) * 1000)
    destroys.append((time.perf_counter() - waited) * 1000)
server.stdin.close()
server.wait()
print(f"create median {statistics.median(creates):.2f} ms, destroy median {statistics.median(destroys):.2f} ms ({loops} loops)")
PY
echo "untraced:"
python3 "$work/client.py" "$bin" "$work/home" "$loops"
echo "traced:"
python3 "$work/client.py" "$bin" "$work/home2" "$loops" strace -f --seccomp-bpf -tt -o "$work/trace" \
    -e trace=execve,clone,clone3,read,writev,write,kill,exit_group,openat,renameat2,rename,connect,fsync,pidfd_open,wait4,prctl,bind
python3 - "$work/trace" "$which" <<'PY'
import re, sys

lines = open(sys.argv[1]).read().splitlines()
which = int(sys.argv[2])


def ms(line):
    h, m, s = line.split()[1].split(":")
    return (int(h) * 3600 + int(m) * 60 + float(s)) * 1000


# The client's requests as the server reads them from its stdin (the client writes
# `{"jsonrpc": "2.0", "id": …`, with spaces), 4 per loop after `initialize`.
request = re.compile(r'(read\(\d+, |<\.\.\. read resumed>)"\{\\"jsonrpc\\": \\"2\.0\\", \\"id')
requests = [i for i, l in enumerate(lines) if request.search(l)]
first = 1 + 4 * (which - 1)
phases = [("create", requests[first], requests[first + 1]), ("destroy", requests[first + 3], requests[first + 4] if first + 4 < len(requests) else len(lines))]
marks = re.compile(
    r'execve\(|clone\(|exit_group|kill\(|openat\(.*(session\.json|events|pts|homes|reserve|maps)|rename|connect\(|fsync|'
    r'pidfd_open|wait4|bind\(|writev\(|read\(\d+, "\{\\"jsonrpc|write\(\d+, "\{\\"(ok|seq)|write\(\d+, "\{\\n|\+\+\+'
)
for name, begin, end in phases:
    print(f"--- {name} (loop {which}), ms from the request's arrival")
    t0 = ms(lines[begin])
    for line in lines[begin:end]:
        if marks.search(line) and "ENOENT" not in line and " resumed>" not in line:
            print(f"{ms(line) - t0:7.2f}  {line[:160]}")
PY
