#!/usr/bin/env bash
# `agent-tty mcp` speed, as an agent's MCP client meets it: one long-lived server over
# stdio, tool calls as JSON-RPC lines on its pipes, each timed from writing the request to
# reading its answer (a bare client in Python: no SDK in the measured path).
#   type       a `type` tool call on a live bash session (budget: median <= 1 ms)
#   snapshot   a `snapshot` tool call, text and structured (budget: median <= 1 ms)
#   S1         the S1 loop as six tool calls: create bash 80x24, type `echo $((6*7))XY`,
#              send_keys Enter, wait --text 42XY, snapshot --format text, destroy
#              (budget: median <= 5 ms; scripts/bench-s1.sh does it with CLI calls)
#   updated    output -> `notifications/resources/updated`: a session's program prints a line
#              every 70 ms (the host coalesces screen changes per 50 ms) and notes when, on
#              the machine's monotonic clock; the client, subscribed to the session's screen
#              resource, notes when each notification arrives (budget: median <= 10 ms)
# The same work is also timed as CLI calls (one process each), interleaved with the MCP calls
# so that machine noise hits both alike. Prints the median and p95 of each, in milliseconds.
# Usage: scripts/bench-mcp.sh [BINARY] [CALLS] [LOOPS] [UPDATES]
#   (defaults: target/release/agent-tty, 500, 41, 200; CALLS=0 LOOPS=0 times only the updates)
set -euo pipefail
bin=${1:-target/release/agent-tty} calls=${2:-500} loops=${3:-41} updates=${4:-200}
[ -x "$bin" ] || { echo "bench-mcp: no binary at $bin (run \`cargo build --release\` first)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench-mcp: needs python3 (apt-get install python3)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_STATE_HOME=$work/state
python3 - "$bin" "$work/home" "$calls" "$loops" "$updates" "$work" <<'PY'
import json, os, select, statistics, subprocess, sys, time

binary, home, calls, loops, updates, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
server = subprocess.Popen([binary, "mcp", "--home", home], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
next_id = 0


class Lines:
    """The server's stdout as lines, read up to 64 KiB per system call. (`readline` on an
    unbuffered pipe reads one byte per call: a 2 KB answer would cost the client ~2000
    system calls, timed as if the server had been slow.)"""

    def __init__(self, fd):
        self.fd, self.buffer = fd, b""

    def fill(self):
        chunk = os.read(self.fd, 1 << 16)
        self.buffer += chunk
        return bool(chunk)

    def readline(self):
        while b"\n" not in self.buffer:
            if not self.fill():
                line, self.buffer = self.buffer, b""
                return line
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line + b"\n"


out = Lines(server.stdout.fileno())


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
for _ in range(loops + 1 if loops else 0):
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


# output -> resources/updated. The ticker prints once it reads a line (the bench's go),
# then a line every 70 ms, noting each print's CLOCK_MONOTONIC time in a file.
TICKER = '''
import os, sys, time
path, n = sys.argv[1], int(sys.argv[2])
sys.stdin.readline()
with open(path, "w") as out:
    for i in range(n):
        time.sleep(0.07)
        t = time.monotonic_ns()
        os.write(1, b"tick %d\\r\\n" % i)
        out.write(f"{t}\\n")
        out.flush()
'''
latencies, missing = [], 0
if updates:
    ticks_path = os.path.join(work, "ticks")
    sid = call("create", {"argv": [sys.executable, "-c", TICKER, ticks_path, str(updates)], "cols": 80, "rows": 24})["sessionId"]
    uri = f"agent-tty://session/{sid}/screen"
    request("resources/subscribe", {"uri": uri})
    arrivals = []
    call("type", {"sessionId": sid, "text": "go\n"})
    # Notifications (and the type call's answer) as they come, each timed on arrival;
    # the stream ends with the session (its last update) after the last tick.
    done = False
    deadline = time.monotonic() + 30 + updates * 0.2
    while not done and time.monotonic() < deadline:
        if b"\n" not in out.buffer:
            ready, _, _ = select.select([out.fd], [], [], 1)
            if not ready:
                continue
            if not out.fill():
                break
        now = time.monotonic_ns()
        *lines, out.buffer = out.buffer.split(b"\n")
        for line in lines:
            message = json.loads(line)
            if message.get("method") == "notifications/resources/updated" and message["params"]["uri"] == uri:
                arrivals.append(now)
        if os.path.exists(ticks_path):
            with open(ticks_path) as f:
                ticked = f.read().split()
            done = len(ticked) == updates and arrivals and arrivals[-1] >= int(ticked[-1])
    with open(ticks_path) as f:
        ticks = [int(t) for t in f.read().split()]
    os.remove(ticks_path)
    for i, t in enumerate(ticks):
        nxt = ticks[i + 1] if i + 1 < len(ticks) else None
        after = [a for a in arrivals if a >= t and (nxt is None or a < nxt)]
        if after:
            latencies.append((after[0] - t) / 1e6)
        else:
            missing += 1
server.stdin.close()
server.wait()

if latencies:
    report("output -> updated", latencies)
    print(f"{'':<22} max {max(latencies):7.3f} ms   ({missing} of {len(latencies) + missing} prints had no update before the next)")
if not calls:
    sys.exit(0)
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
