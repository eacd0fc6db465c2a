"""Session hosts started by `agent-tty mcp`, seen from outside with the official Python MCP SDK.

Usage: python3 hosts.py BINARY HOME   (HOME and XDG_STATE_HOME come from the environment)

The server is a long-lived process, so the hosts it starts are its children. This checks
that a session created through it is the same as one the CLI creates from the same
environment (the program's whole environment, the host's cmdline that liveness checks
read), and that a destroyed session's host is reaped at once instead of staying a zombie
under the server (a zombie still looks alive to `kill(pid, 0)`). Prints one line per
step; exits 0 when all hold, 1 on the first failure, 3 when a Python package is missing.
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
BASH = ["bash", "--norc", "--noprofile"]


def step(text):
    print(f"ok: {text}", flush=True)


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            return [arg.decode(errors="replace") for arg in file.read().split(b"\0") if arg]
    except OSError:
        return None


def gone(pid):
    """No /proc entry at all: a zombie (exited, not reaped) still has one."""
    return not os.path.exists(f"/proc/{pid}")


async def until(condition, what, timeout=10):
    """Waits for `condition()` to hold (checked every 5 ms), failing after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await anyio.sleep(0.005)


def cli(command, *args):
    done = subprocess.run([BINARY, "--home", HOME, command, "--json", *args], env=ENV, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)["result"]


def manifest(sid):
    with open(os.path.join(HOME, "sessions", sid, "session.json"), encoding="utf-8") as file:
        return json.load(file)


def environment(path):
    """The `env` dump of a session, minus what names the session itself."""
    with open(path, encoding="utf-8") as file:
        lines = file.read().splitlines()
    return sorted(line for line in lines if not line.startswith(("AGENT_TTY_SESSION_ID=", "_=")))


async def main():
    server = StdioServerParameters(command=BINARY, args=["mcp", "--home", HOME], env=ENV)
    async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
        await session.initialize()

        async def call(name, arguments):
            result = await session.call_tool(name, arguments)
            assert not result.is_error, f"{name} {arguments} failed: {result.structured_content}"
            return result.structured_content

        sid = (await call("create", {"argv": BASH, "env": ["FOO=bar"]}))["sessionId"]
        host = manifest(sid)["hostPid"]
        assert cmdline(host)[1:] == ["_host", sid], cmdline(host)
        mine = os.path.join(HOME, "env-mcp")
        await call("type", {"sessionId": sid, "text": f"env > {mine}; echo dumped-$((1+1))"})
        await call("send_keys", {"sessionId": sid, "keys": ["Enter"]})
        await call("wait", {"sessionId": sid, "text": "dumped-2", "timeout": "10s"})

        theirs_id = cli("create", "--env", "FOO=bar", "--", *BASH)["sessionId"]
        theirs = os.path.join(HOME, "env-cli")
        cli("type", theirs_id, f"env > {theirs}; echo dumped-$((1+1))")
        cli("send-keys", theirs_id, "Enter")
        cli("wait", theirs_id, "--text", "dumped-2", "--timeout", "10000")
        ours, cli_env = environment(mine), environment(theirs)
        assert "FOO=bar" in ours and not any(v.startswith("AGENT_TTY_READY_FD=") for v in ours), ours
        assert ours == cli_env, f"environments differ:\n mcp only: {set(ours) - set(cli_env)}\n cli only: {set(cli_env) - set(ours)}"
        step(f"a session created through the server has the CLI's environment ({len(ours)} variables)")

        listed = {s["sessionId"]: s["status"] for s in cli("list")["sessions"]}
        assert listed.get(sid) == "running" and listed.get(theirs_id) == "running", listed
        step("the CLI sees both sessions running")

        await call("destroy", {"sessionId": sid})
        await until(lambda: gone(host), f"host {host} to be reaped")
        cli("destroy", theirs_id)
        step("a destroyed session's host is reaped by the server, not left a zombie")


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
