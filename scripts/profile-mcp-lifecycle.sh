#!/usr/bin/env bash
# Where the milliseconds of `create` and `destroy` go when an MCP client calls them.
# With `perf` (linux-tools / linux-perf): `agent-tty mcp` runs under `perf trace` (no
# ptrace stops, little overhead) and the phases of each loop's create and destroy are
# cut at syscalls that mark them (host fork/exec, the program's fork/exec, the ready line,
# SIGHUP, reaping, the final manifest write, the reply); their medians are printed.
# With `strace`: `agent-tty mcp` also runs under a light strace (seccomp-filtered: only the syscalls that mark a
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
command -v strace >/dev/null || command -v perf >/dev/null ||
    { echo "profile: needs perf (apt-get install linux-perf) or strace (apt-get install strace)" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_STATE_HOME=$work/state
cat >"$work/client.py" <<'PY'
import json, statistics, subprocess, sys, time

binary, home, loops = sys.argv[1], sys.argv[2], int(sys.argv[3])
server = subprocess.Popen(sys.argv[4:] + [binary, "mcp", "--home", home], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
# Buffered reads of the answers (an unbuffered pipe's readline reads one byte per call).
out = open(server.stdout.fileno(), "rb", buffering=1 << 16, closefd=False)
next_id = 0


def call(name, arguments):
    global next_id
    next_id += 1
    request = {"jsonrpc": "2.0", "id": next_id, "method": "tools/call", "params": {"name": name, "arguments": arguments}}
    if name == "initialize":
        request.update(method="initialize", params=arguments)
    server.stdin.write((json.dumps(request) + "\n").encode())
    while True:
        message = json.loads(out.readline())
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
cat >"$work/phases.py" <<'PY'
import re,statistics,sys,collections
L=open(sys.argv[1]).read().splitlines()
ev=[]
for l in L:
    m=re.match(r'\s*([\d.]+) \(\s*([\d.]*)\s*(ms)?\): (\S+?)/(\d+) (.*)',l)
    if m: ev.append((float(m.group(1)),m.group(4),int(m.group(5)),m.group(6)))
# The server's main thread answers with writev on its stdout and reads requests from its stdin.
mcp=collections.Counter(p for t,c,p,r in ev if r.startswith('writev(')).most_common(1)[0][0]
out_fd=collections.Counter(re.match(r'writev\(fd: (\d+)',r).group(1) for t,c,p,r in ev if p==mcp and r.startswith('writev(')).most_common(1)[0][0]
in_fd=collections.Counter(re.match(r'read\(fd: (\d+)',r).group(1) for t,c,p,r in ev if p==mcp and r.startswith('read(') and not r.endswith('= 0')).most_common(1)[0][0]
clones={}
for t,c,p,r in ev:
    m=re.search(r'clone\(.*\) = (\d+)',r)
    if m: clones[int(m.group(1))]=(t,p)
reads=[t for t,c,p,r in ev if p==mcp and r.startswith(f'read(fd: {in_fd},') and not r.endswith('= 0')]
replies=[t for t,c,p,r in ev if p==mcp and r.startswith(f'writev(fd: {out_fd},')]
rows=[]
for t,c,h,r in ev:
    if not (r.startswith('execve') and r.endswith('= 0') and 'agent-tty' in c and h!=mcp and h in clones): continue
    t_clone=clones[h][0]
    if t_clone<min(reads): continue
    req=max(x for x in reads if x<=t_clone)
    rep=min(x for x in replies if x>=t_clone)
    bps=[k for k,(tt,p) in clones.items() if p==h]
    bex=[(k,[t2 for t2,c2,p2,r2 in ev if p2==k and r2.startswith('execve') and r2.endswith('= 0')]) for k in bps]
    bex=[(k,x[0]) for k,x in bex if x]
    if not bex: continue
    bp,t_be=bex[0]; t_bc=clones[bp][0]
    rd=[t2 for t2,c2,p2,r2 in ev if p2==h and r2.startswith('write(fd: 3') and r2.endswith('= 12')]
    if not rd: continue
    rows.append([t_clone-req,t-t_clone,t_bc-t,t_be-t_bc,rd[0]-t_be,rep-rd[0],rep-req])
names=["request -> host fork (MCP: parse, allocate dir + manifest, host.log)","host fork -> host execve","host execve -> bash fork (load, runtime, manifest, events, socket, pty)","bash fork -> bash execve returned","bash exec -> ready line (pidfd, manifest, ready)","ready line -> MCP reply (read manifest, encode)","create total"]
print("create, server side (median):")
for i,n in enumerate(names):
    print(f"{statistics.median([r[i] for r in rows[1:]]):6.2f} ms  {n}")
print(f"({len(rows) - 1} loops)")
# destroy: request -> SIGHUP sent -> bash's last self-SIGHUP (it re-raises after saving history) -> host reaps it -> final manifest rename -> reply
drows=[]
sighups=[(t,p,int(re.search(r'kill\(pid: (\d+)',r).group(1))) for t,c,p,r in ev if r.startswith('kill(pid: ') and 'sig: HUP' in r and not r.startswith('kill(pid: -')]
for t,hp,bp in sighups:
    if hp==bp: continue
    req=max(x for x in reads if x<=t)
    rep=min(x for x in replies if x>=t)
    self_hup=[t2 for t2,p2,b2 in sighups if p2==bp and b2==bp and t2>=t]
    reaped=[t2 for t2,c2,p2,r2 in ev if p2==hp and r2.startswith('wait4') and r2.endswith('(bash)') and t2>=t]
    ren=[t2 for t2,c2,p2,r2 in ev if p2==hp and r2.startswith('renameat2') and t2>=(reaped[0] if reaped else t)]
    if not (self_hup and reaped and ren): continue
    drows.append([t-req,self_hup[-1]-t,reaped[0]-self_hup[-1],ren[-1]-reaped[0] if ren[-1]<rep else float('nan'),rep-(ren[-1] if ren[-1]<rep else reaped[0]),rep-req])
dnames=["request -> SIGHUP sent (resolve, 2 connections, RPC)","SIGHUP -> bash re-raises it (bash saves history, exits)","bash dies -> host reaps it","reaped -> final manifest written (exit event, waiters)","manifest -> MCP reply (exit answer, manifest read)","destroy total"]
print("destroy, server side (median):")
for i,n in enumerate(dnames):
    print(f"{statistics.median([r[i] for r in drows[1:]]):6.2f} ms  {n}")
print(f"({len(drows) - 1} loops)")
PY
if command -v perf >/dev/null && perf trace -o /dev/null -e write -- true 2>/dev/null; then
    echo "under perf trace:"
    python3 "$work/client.py" "$bin" "$work/home3" "$((loops * 2 + 1))" perf trace -f -o "$work/perf" \
        -e clone,execve,writev,read,write,kill,wait4,renameat2,rename --
    python3 "$work/phases.py" "$work/perf"
fi
command -v strace >/dev/null || exit 0
echo "under strace:"
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
