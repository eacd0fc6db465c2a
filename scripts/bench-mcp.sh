#!/usr/bin/env bash
# `agent-tty mcp` speed, as an agent's MCP client meets it: one long-lived server over
# stdio, tool calls as JSON-RPC lines on its pipes, each timed from writing the request to
# reading its answer (a bare client in Python: no SDK in the measured path).
#   type       a `type` tool call on a live bash session (budget: median <= 1 ms)
#   snapshot   a `snapshot` tool call, text and structured (budget: median <= 1 ms)
#   S1         the S1 loop as six tool calls: create bash 80x24, type `echo $((6*7))XY`,
#              send_keys Enter, wait --text 42XY, snapshot --format text, destroy
#              (budget: median <= 5 ms; scripts/bench-s1.sh does it with CLI calls)
# The same work is also timed as CLI calls (one process each), interleaved with the MCP calls
# so that machine noise hits both alike. Prints the median and p95 of each, in milliseconds.
# Usage: scripts/bench-mcp.sh [BINARY] [CALLS] [LOOPS]   (defaults: target/release/agent-tty, 500, 41)
set -euo pipefail
bin=${1:-target/release/agent-tty} calls=${2:-500} loops=${3:-41}
[ -x "$bin" ] || { echo "bench-mcp: no binary at $bin (run \`cargo build --release\` first)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench-mcp: needs python3 (apt-get install python3)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_STATE_HOME=$work/state
python3 - "$bin" "$work/home" "$calls" "$loops" <<'PY'
import json, statistics, subprocess, sys, time

binary, home, calls, loops = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
server = subprocess.Popen([binary, "mcp", "--home", home], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
out = server.stdout
next_id = 0


def request(method, params):
    global next_id
    next_id += 1
    server.stdin.write((json.dumps({"jsonrpc": "2.0", "id": next_id, "method": method, "params": params}) + "\n").encode())
    while True:
        message = json.loads(out.readline())
        if message.get("id") == next_id:
            if "error" in message:
                sys.exit(f"bench-mcp: {method} failed: {message['error']}")
            return message["result"]


def call(name, arguments):
    result = request("tools/call", {"name": name, "arguments": arguments})
    if result.get("isError"):
        sys.exit(f"bench-mcp: {name} failed: {result['structuredContent']}")
    return result["structuredContent"]


def timed(name, arguments):
    start = time.perf_counter()
    result = call(name, arguments)
    return (time.perf_counter() - start) * 1000, result


def report(label, samples):
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    print(f"{label:<22} median {statistics.median(samples):7.3f} ms   p95 {p95:7.3f} ms   ({len(samples)} runs)")


request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}})
server.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
bash = ["bash", "--norc", "--noprofile"]
sid = call("create", {"argv": bash, "cols": 80, "rows": 24})["sessionId"]
call("wait", {"sessionId": sid, "screenStableMs": 100, "timeout": "5s"})
for _ in range(20):  # warm-up
    call("snapshot", {"sessionId": sid, "format": "text"})


def cli(*args):
    start = time.perf_counter()
    done = subprocess.run([binary, "--home", home, args[0], "--json", *args[1:]], stdout=subprocess.PIPE, check=False)
    if done.returncode != 0:
        sys.exit(f"bench-mcp: agent-tty {' '.join(args)} failed: {done.stdout.decode()}")
    return (time.perf_counter() - start) * 1000, json.loads(done.stdout)["result"]


types, cli_types = [], []
for i in range(calls):
    types.append(timed("type", {"sessionId": sid, "text": "x"})[0])
    if i % 5 == 0:
        cli_types.append(cli("type", sid, "x")[0])
call("send_keys", {"sessionId": sid, "keys": ["ctrl+u"]})
texts, structured, cli_texts = [], [], []
for i in range(calls):
    texts.append(timed("snapshot", {"sessionId": sid, "format": "text"})[0])
    structured.append(timed("snapshot", {"sessionId": sid})[0])
    if i % 5 == 0:
        cli_texts.append(cli("snapshot", sid, "--format", "text")[0])
call("destroy", {"sessionId": sid})


def cli_s1():
    start = time.perf_counter()
    sid = cli("create", "--cols", "80", "--rows", "24", "--", *bash)[1]["sessionId"]
    cli("type", sid, "echo $((6*7))XY")
    cli("send-keys", sid, "Enter")
    assert cli("wait", sid, "--text", "42XY", "--timeout", "5000")[1]["matched"]
    assert "42XY" in cli("snapshot", sid, "--format", "text")[1]["text"]
    cli("destroy", sid)
    return (time.perf_counter() - start) * 1000


steps = {name: [] for name in ("create", "type", "send_keys", "wait", "snapshot", "destroy")}
loop_times, cli_loops = [], []
for _ in range(loops + 1):
    cli_loop = cli_s1()
    start = time.perf_counter()
    t, created = timed("create", {"argv": bash, "cols": 80, "rows": 24})
    sid = created["sessionId"]
    durations = [t]
    durations.append(timed("type", {"sessionId": sid, "text": "echo $((6*7))XY"})[0])
    durations.append(timed("send_keys", {"sessionId": sid, "keys": ["Enter"]})[0])
    t, waited = timed("wait", {"sessionId": sid, "text": "42XY", "timeout": 5000})
    assert waited["matched"], waited
    durations.append(t)
    t, snap = timed("snapshot", {"sessionId": sid, "format": "text"})
    assert "42XY" in snap["text"], snap
    durations.append(t)
    durations.append(timed("destroy", {"sessionId": sid})[0])
    total = (time.perf_counter() - start) * 1000
    if _ == 0:
        continue  # warm-up
    loop_times.append(total)
    cli_loops.append(cli_loop)
    for name, t in zip(steps, durations):
        steps[name].append(t)
server.stdin.close()
server.wait()

report("type", types)
report("  CLI type", cli_types)
report("snapshot (text)", texts)
report("  CLI snapshot (text)", cli_texts)
report("snapshot (structured)", structured)
report("S1 loop", loop_times)
report("  CLI S1 loop", cli_loops)
for name, samples in steps.items():
    report(f"  S1 {name}", samples)
PY
