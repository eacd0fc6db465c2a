"""The MCP server's spare host, seen from outside with the official Python MCP SDK.

Usage: python3 spare.py BINARY HOME   (HOME and XDG_STATE_HOME come from the environment)

`agent-tty mcp` keeps one session host started ahead of time and hands it the next
session on `create`. This checks what a client and the system can see of that: the spare
is there before the call and serves the created session (its /proc cmdline names the
session, so liveness checks work); the program's environment is exactly that of a session
created by the CLI from the same environment; a create the spare cannot serve as a fresh
host would (agent-tty's own variables in --env) starts its own host; destroyed hosts are
reaped (no zombie left under the server); an unclaimed spare exits with the server.
Prints one line per step; exits 0 when all hold, 1 on the first failure, 3 when a
Python package is missing (saying which).
"""

import json
import os
import subprocess
import sys
import time

try:
    import anyio
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client
except ImportError as error:
    print(f"MISSING: Python's mcp package: pip install mcp ({error})")
    sys.exit(3)

BINARY, HOME = sys.argv[1], sys.argv[2]
# The server and the CLI run in the same, whole environment, so their sessions can be compared.
ENV = dict(os.environ)
PLACEHOLDER = "(spare host: not claimed.)"
BASH = ["bash", "--norc", "--noprofile"]


def step(text):
    print(f"ok: {text}", flush=True)


def read_proc(pid, name):
    try:
        with open(f"/proc/{pid}/{name}", "rb") as file:
            return file.read().split(b"\0")
    except OSError:
        return None


def hosts():
    """(pid, argv) of every agent-tty host process of this HOME."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        args = read_proc(entry, "cmdline")
        environ = read_proc(entry, "environ")
        if not args or not environ or len(args) < 3 or args[1] != b"_host":
            continue
        if f"AGENT_TTY_HOME={HOME}".encode() in environ:
            found.append((int(entry), [a.decode(errors="replace") for a in args if a]))
    return found


def spares():
    return [pid for pid, args in hosts() if args[1:] == ["_host", PLACEHOLDER]]


def gone(pid):
    """No /proc entry at all: a zombie (exited, not reaped) still has one."""
    return not os.path.exists(f"/proc/{pid}")


async def until(condition, what, timeout=10):
    """Waits for `condition()` to hold (checked every 5 ms), failing after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await anyio.sleep(0.005)


def cli(command, *args):
    done = subprocess.run([BINARY, "--home", HOME, command, "--json", *args], env=ENV, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)["result"]


def manifest(sid):
    with open(os.path.join(HOME, "sessions", sid, "session.json"), encoding="utf-8") as file:
        return json.load(file)


class Client:
    def __init__(self, session):
        self.session = session

    async def call(self, name, arguments):
        result = await self.session.call_tool(name, arguments)
        assert not result.is_error, f"{name} {arguments} failed: {result.structured_content}"
        return result.structured_content

    async def shell(self, sid, command, marker):
        """Types `command; echo <marker>` + Enter and waits for the marker's line."""
        await self.call("type", {"sessionId": sid, "text": f"{command}; echo {marker}-$((1+1))"})
        await self.call("send_keys", {"sessionId": sid, "keys": ["Enter"]})
        await self.call("wait", {"sessionId": sid, "text": f"{marker}-2", "timeout": "10s"})


def environment(path):
    """The `env` dump of a session, minus what names the session itself."""
    with open(path, encoding="utf-8") as file:
        lines = file.read().splitlines()
    return sorted(line for line in lines if not line.startswith(("AGENT_TTY_SESSION_ID=", "_=")))


async def main():
    server = StdioServerParameters(command=BINARY, args=["mcp", "--home", HOME], env=ENV)
    async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        client = Client(session)
        [spare] = await until(spares, "the server's spare host")
        step(f"a spare host is waiting before any create (pid {spare})")

        created = await client.call("create", {"argv": BASH, "env": ["FOO=bar"]})
        sid = created["sessionId"]
        record = manifest(sid)
        assert record["hostPid"] == spare, f"the session's host is {record['hostPid']}, not the spare {spare}"
        args = read_proc(spare, "cmdline")
        assert args[1:3] == [b"_host", sid.encode()], f"the claimed host's cmdline is {args}"
        step("create handed the session to the spare; its cmdline names the session")

        await client.shell(
            sid,
            'printf "%s|%s|%s|%s|%s\\n" "$FOO" "$TERM" "${AGENT_TTY_SPARE_FD-unset}" '
            '"${AGENT_TTY_READY_FD-unset}" "$AGENT_TTY_HOME"',
            "vars",
        )
        screen = (await client.call("snapshot", {"sessionId": sid, "format": "text"}))["text"]
        assert f"bar|xterm-256color|unset|unset|{HOME}" in screen, screen
        step("the program sees its --env, TERM and Home, and none of the spare's own variables")

        [second] = await until(lambda: [p for p in spares() if p != spare], "a new spare after the claim")
        step(f"a new spare is started after the create (pid {second})")

        mine = os.path.join(HOME, "env-mcp")
        await client.shell(sid, f"env > {mine}", "dumped")
        theirs_id = cli("create", "--env", "FOO=bar", "--", *BASH)["sessionId"]
        theirs = os.path.join(HOME, "env-cli")
        cli("type", theirs_id, f"env > {theirs}; echo dumped-$((1+1))")
        cli("send-keys", theirs_id, "Enter")
        cli("wait", theirs_id, "--text", "dumped-2", "--timeout", "10000")
        ours, cli_env = environment(mine), environment(theirs)
        assert ours == cli_env, f"environments differ:\n mcp only: {set(ours) - set(cli_env)}\n cli only: {set(cli_env) - set(ours)}"
        step(f"the environment equals that of a session created by the CLI ({len(ours)} variables)")

        odd = await client.call("create", {"argv": BASH, "env": ["AGENT_TTY_RPC_IDLE_TIMEOUT_MS=5000"]})
        odd_host = manifest(odd["sessionId"])["hostPid"]
        assert odd_host != second and spares() == [second], (odd_host, second, spares())
        step("a create with agent-tty's own variables in --env starts its own host; the spare keeps waiting")

        listed = {s["sessionId"]: s["status"] for s in cli("list")["sessions"]}
        assert all(listed.get(s) == "running" for s in (sid, theirs_id, odd["sessionId"])), listed
        step("the CLI sees every session running")

        ended = []
        for each in (sid, theirs_id, odd["sessionId"]):
            ended.append(manifest(each)["hostPid"])
            await client.call("destroy", {"sessionId": each})
        for pid in ended:
            await until(lambda pid=pid: gone(pid), f"host {pid} to be reaped")
        step("destroyed hosts are gone, none left a zombie")

    await until(lambda: gone(second), "the unclaimed spare to exit with the server")
    assert spares() == [], spares()
    step("the unclaimed spare exited with the server")


def first_failure(error):
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


if __name__ == "__main__":
    try:
        anyio.run(main)
    except BaseException as error:  # noqa: BLE001 - report the first real failure
        failure = first_failure(error)
        if isinstance(failure, (KeyboardInterrupt, SystemExit)):
            raise
        print(f"FAILED: {type(failure).__name__}: {failure}", flush=True)
        sys.exit(1)
