"""Drives `agent-tty mcp` with the official Python MCP SDK's stdio client.

Usage: python3 client.py BINARY HOME   (HOME and XDG_STATE_HOME come from the environment)

Every step asserts its result (the resources too: list, templates, read, subscribe and
unsubscribe, list_changed); every successful structuredContent is validated against
the tool's advertised outputSchema with `jsonschema` (Draft 2020-12), and every advertised
schema is checked to be a valid JSON Schema. Prints one line per step; exits 0 when all
hold, 1 on the first failure, 3 when a Python package is missing (saying which).
"""

import base64
import json
import os
import struct
import subprocess
import sys
import time
import warnings

try:
    import anyio
    import jsonschema
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client
    from mcp.shared.exceptions import MCPError
except ImportError as error:
    package = "jsonschema" if "jsonschema" in str(error) else "mcp"
    print(f"MISSING: Python's {package} package: pip install {package} ({error})")
    sys.exit(3)

# The server negotiates 2025-11-25 (the newest version with `initialize`), where
# `resources/subscribe` is how a client subscribes; the SDK warns about 2026-07-28.
warnings.filterwarnings("ignore", message="resources/(un)?subscribe is removed")

BINARY, HOME = sys.argv[1], sys.argv[2]
ENV = {name: os.environ[name] for name in ("HOME", "XDG_STATE_HOME", "PATH") if name in os.environ}
BASH = ["bash"]  # with shell integration (the temporary HOME has no rc files), for history
TOOLS = {
    "create", "list", "inspect", "destroy", "run", "type", "paste", "send_keys", "mark", "resize", "signal",
    "wait", "snapshot", "screenshot", "history", "diff", "find", "record_export", "mouse",
}


def step(text):
    print(f"ok: {text}", flush=True)


def server(trace=None):
    """The server's parameters; with `trace`, its stdin and stdout are also copied to
    `<trace>.in` and `<trace>.out` (JSON-RPC lines) through `tee`."""
    if trace is None:
        return StdioServerParameters(command=BINARY, args=["mcp", "--home", HOME], env=ENV)
    script = 'tee -a "$1.in" | "$2" mcp --home "$3" | tee -a "$1.out"'
    return StdioServerParameters(command="sh", args=["-c", script, "sh", trace, BINARY, HOME], env=ENV)


def messages(path):
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


class Client:
    """A connected session plus the advertised tools, validating every result."""

    def __init__(self, session, tools):
        self.session = session
        self.tools = {tool.name: tool for tool in tools}

    async def call(self, name, arguments, **options):
        result = await self.session.call_tool(name, arguments, **options)
        assert not result.is_error, f"{name} {arguments} failed: {result.structured_content} {result.content}"
        schema = self.tools[name].output_schema
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(result.structured_content))
        assert not errors, f"{name}: the result does not validate: {[e.message for e in errors]}"
        return result

    async def error(self, name, arguments, code):
        result = await self.session.call_tool(name, arguments)
        assert result.is_error, f"{name} {arguments} did not fail: {result.structured_content}"
        body = result.structured_content
        assert list(body) == ["code", "message", "retryable", "details"], body
        assert body["code"] == code, f"{name}: expected {code}, got {body}"
        assert result.content[0].text.startswith(f"{code}: "), result.content
        return body


def text_of(result):
    return "\n".join(block.text for block in result.content if block.type == "text")


class Notes:
    """The resource notifications a client received: (monotonic time, method, uri)."""

    METHODS = ("notifications/resources/updated", "notifications/resources/list_changed")

    def __init__(self):
        self.items = []
        self.arrived = anyio.Event()

    async def handler(self, message):
        method = getattr(message, "method", None)
        if method in self.METHODS:
            params = getattr(message, "params", None)
            self.items.append((time.monotonic(), method, getattr(params, "uri", None)))
            self.arrived.set()
            self.arrived = anyio.Event()

    async def wait(self, since, method, uri=None, timeout=10):
        """The first notification at index >= since with that method (and uri); fails
        after `timeout` seconds without one."""
        with anyio.fail_after(timeout):
            while True:
                arrived = self.arrived
                for item in self.items[since:]:
                    if item[1] == method and (uri is None or item[2] == uri):
                        return item
                await arrived.wait()


async def connect(stack, trace=None, notes=None):
    read, write = await stack.enter_async_context(stdio_client(server(trace)))
    handler = notes.handler if notes else None
    session = await stack.enter_async_context(ClientSession(read, write, message_handler=handler))
    info = await session.initialize()
    tools = (await session.list_tools()).tools
    return info, Client(session, tools)


def host_sockets(pid):
    """How many sockets the host process has open (its listener and its connections)."""
    fds = os.path.join("/proc", str(pid), "fd")
    links = []
    for name in os.listdir(fds):
        try:
            links.append(os.readlink(os.path.join(fds, name)))
        except OSError:  # closed meanwhile
            pass
    return sum(link.startswith("socket:") for link in links)


async def until(condition, timeout, what):
    """Re-checks `condition` every few ms until it holds; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting until {what}"
        await anyio.sleep(0.005)


async def settle_sockets(pid):
    """Until the host's socket count held still for 300 ms (closed subscriptions gone)."""
    with anyio.fail_after(10):
        count, since = host_sockets(pid), time.monotonic()
        while time.monotonic() - since < 0.3:
            await anyio.sleep(0.01)
            now = host_sockets(pid)
            if now != count:
                count, since = now, time.monotonic()


def cli_json(*args):
    done = subprocess.run([BINARY, "--home", HOME, *args, "--json"], env=ENV, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)["result"]


async def rpc_error(call, code):
    try:
        await call
    except MCPError as error:
        assert error.code == code, (error.code, error.message, error.data)
        return error
    raise AssertionError(f"no error {code}")


async def resources(c, notes, sid):
    """Resources: list, templates, read each kind, errors, subscribe/unsubscribe, list_changed."""
    session = c.session
    base = f"agent-tty://session/{sid}"
    screen_uri = f"{base}/screen"
    templates = {t.uri_template: t.mime_type for t in (await session.list_resource_templates()).resource_templates}
    assert templates == {
        "agent-tty://session/{sessionId}/screen": "text/plain",
        "agent-tty://session/{sessionId}/screenshot": "image/png",
        "agent-tty://session/{sessionId}/events{?afterSeq}": "application/x-ndjson",
    }, templates
    listed = {r.uri: r.mime_type for r in (await session.list_resources()).resources}
    assert listed == {
        "agent-tty://sessions": "application/json",
        screen_uri: "text/plain",
        f"{base}/screenshot": "image/png",
        f"{base}/events": "application/x-ndjson",
    }, listed
    step("resources: 3 templates; the session list and a live session's screen, screenshot and events")

    await c.call("wait", {"sessionId": sid, "screenStableMs": 200, "timeout": "10s"})
    (sessions,) = (await session.read_resource("agent-tty://sessions")).contents
    assert sessions.mime_type == "application/json", sessions
    cli_list = cli_json("list")
    assert [s["sessionId"] for s in json.loads(sessions.text)["sessions"]] == [s["sessionId"] for s in cli_list["sessions"]] == [sid]
    (screen,) = (await session.read_resource(screen_uri)).contents
    assert screen.mime_type == "text/plain", screen
    assert screen.text == cli_json("snapshot", sid, "--format", "text")["text"], screen.text
    assert "hi2" in screen.text, screen.text
    (shot,) = (await session.read_resource(f"{base}/screenshot")).contents
    assert shot.mime_type == "image/png", shot.mime_type
    png = base64.b64decode(shot.blob)
    assert png[:8] == b"\x89PNG\r\n\x1a\n", png[:8]
    (events,) = (await session.read_resource(f"{base}/events")).contents
    assert events.mime_type == "application/x-ndjson", events.mime_type
    with open(os.path.join(HOME, "sessions", sid, "events.jsonl"), encoding="utf-8") as log:
        logged = log.read().splitlines()
    lines = events.text.splitlines()
    assert lines == logged, (len(lines), len(logged))
    meta = events.meta
    assert meta == {"lastSeq": json.loads(lines[-1])["seq"], "more": False}, meta
    last_two = (await session.read_resource(f"{base}/events?afterSeq={json.loads(lines[-3])['seq']}")).contents[0]
    assert last_two.text.splitlines() == lines[-2:], last_two.text
    step(f"read: the session list, the screen (= snapshot --format text), a {len(png)}-byte PNG, {len(lines)} events (= events.jsonl)")

    error = await rpc_error(session.read_resource("agent-tty://session/no-such-session/screen"), -32002)
    assert error.data["code"] == "SESSION_NOT_FOUND", error.data
    error = await rpc_error(session.read_resource(f"{base}/nope"), -32602)
    assert "agent-tty://session/<id>/screen" in error.message and error.data["code"] == "INVALID_INPUT", error.message
    error = await rpc_error(session.read_resource(f"{base}/events?afterSeq=-1"), -32602)
    assert error.message.startswith("afterSeq must be a seq"), error.message
    await rpc_error(session.subscribe_resource("agent-tty://session/no-such-session/screen"), -32002)
    step("bad URIs and unknown sessions are JSON-RPC errors carrying the CLI's error object")

    # Subscribe to the screen: typing sends `resources/updated` for it.
    await session.subscribe_resource(screen_uri)
    since = len(notes.items)
    typed_at = time.monotonic()
    await c.call("type", {"sessionId": sid, "text": "echo sub$((2+3))\n"})
    at, _, _ = await notes.wait(since, "notifications/resources/updated", screen_uri)
    await c.call("wait", {"sessionId": sid, "text": "sub5", "timeout": "10s"})
    step(f"subscribed: resources/updated for the screen {1000 * (at - typed_at):.0f} ms after the type call began")

    # An events subscription hears of each record.
    events_uri = f"{base}/events"
    await session.subscribe_resource(events_uri)
    since = len(notes.items)
    await c.call("mark", {"sessionId": sid, "label": "resource"})
    await notes.wait(since, "notifications/resources/updated", events_uri)
    await session.unsubscribe_resource(events_uri)
    step("an events subscription: resources/updated for a new record")

    # Sessions come and go: list_changed (and an update of the subscribed session list);
    # a subscribed screen whose session ends gets a last update.
    await session.subscribe_resource("agent-tty://sessions")
    since = len(notes.items)
    other = (await c.call("create", {"argv": ["cat"]})).structured_content["sessionId"]
    await notes.wait(since, "notifications/resources/list_changed")
    await notes.wait(since, "notifications/resources/updated", "agent-tty://sessions")
    await session.unsubscribe_resource("agent-tty://sessions")
    other_screen = f"agent-tty://session/{other}/screen"
    await session.subscribe_resource(other_screen)
    since = len(notes.items)
    await c.call("destroy", {"sessionId": other})
    await notes.wait(since, "notifications/resources/updated", other_screen)
    await notes.wait(since, "notifications/resources/list_changed")
    error = await rpc_error(session.subscribe_resource(other_screen), -32602)
    assert error.data["code"] == "SESSION_NOT_RUNNING", error.data
    await session.unsubscribe_resource(other_screen)
    step("list_changed when a session came and went; its screen's last update when it ended")

    # Unsubscribed: output sends no more updates for the screen.
    await c.call("wait", {"sessionId": sid, "screenStableMs": 200, "timeout": "10s"})
    await session.unsubscribe_resource(screen_uri)
    since = len(notes.items)
    await c.call("type", {"sessionId": sid, "text": "echo unsub$((3+3))\n"})
    await c.call("wait", {"sessionId": sid, "text": "unsub6", "timeout": "10s"})
    await c.call("wait", {"sessionId": sid, "screenStableMs": 300, "timeout": "10s"})
    late = [item for item in notes.items[since:] if item[2] == screen_uri]
    assert not late, late
    step("unsubscribed: no update after it")


async def main():
    from contextlib import AsyncExitStack

    trace = os.path.join(os.path.dirname(HOME), "mcp-trace")
    async with AsyncExitStack() as stack:
        notes = Notes()
        info, c = await connect(stack, trace, notes)
        assert info.server_info.name == "agent-tty", info.server_info
        assert info.capabilities.tools is not None, info.capabilities
        resources_capability = info.capabilities.resources
        assert resources_capability.subscribe is True and resources_capability.list_changed is True, info.capabilities
        step(f"initialised ({info.protocol_version})")

        assert set(c.tools) == TOOLS, sorted(c.tools)
        for tool in c.tools.values():
            for kind, schema in (("input", tool.input_schema), ("output", tool.output_schema)):
                assert schema is not None and schema.get("type") == "object", f"{tool.name} {kind}: {schema}"
                jsonschema.Draft202012Validator.check_schema(schema)
        step(f"{len(c.tools)} tools, every input and output schema a valid JSON Schema")

        created = (await c.call("create", {"argv": BASH, "cols": 80, "rows": 24})).structured_content
        sid = created["sessionId"]
        assert created["cols"] == 80 and created["rows"] == 24, created
        step(f"created {sid}")

        ran = await c.call("run", {"sessionId": sid, "command": "echo $((6*7))XY", "timeout": "10s"})
        assert ran.structured_content["exitCode"] == 0, ran.structured_content
        assert ran.structured_content["output"] == "42XY\n", ran.structured_content
        step("run echo: exit 0, output 42XY")

        await c.call("type", {"sessionId": sid, "text": "echo hi$((1+1))"})
        await c.call("send_keys", {"sessionId": sid, "keys": ["Enter"]})
        waited = (await c.call("wait", {"sessionId": sid, "text": "hi2", "timeout": 10000})).structured_content
        assert waited["matched"] is True and waited["timedOut"] is False, waited
        step("type + send_keys + wait: matched hi2")

        refused = await c.error("mouse", {"sessionId": sid, "action": "click", "onText": "hi2"}, "MOUSE_NOT_ENABLED")
        assert "--force" in refused["message"], refused
        missed = await c.error("mouse", {"sessionId": sid, "action": "click", "onText": "nowhere"}, "INVALID_INPUT")
        assert missed["details"]["matches"] == 0 and missed["details"]["lastLines"], missed
        step("mouse: MOUSE_NOT_ENABLED in bash, a missed onText carries the screen")

        snap = await c.call("snapshot", {"sessionId": sid, "format": "text"})
        assert "hi2" in snap.structured_content["text"], snap.structured_content
        assert "hi2" in text_of(snap), text_of(snap)
        lines = await c.call("snapshot", {"sessionId": sid})
        assert any("42XY" in line["text"] for line in lines.structured_content["visibleLines"]), lines.structured_content
        artifacts = os.path.join(HOME, "sessions", sid, "artifacts")
        kept = lambda: [n for n in os.listdir(artifacts) if n.startswith("snapshot-")] if os.path.isdir(artifacts) else []
        assert kept() == [], kept()
        await c.call("snapshot", {"sessionId": sid, "format": "text", "keepArtifact": True})
        assert len(kept()) == 1, kept()
        step("snapshot text and structured (an artifact only with keepArtifact)")

        await resources(c, notes, sid)

        shot = await c.call("screenshot", {"sessionId": sid})
        images = [block for block in shot.content if block.type == "image"]
        assert len(images) == 1 and images[0].mime_type == "image/png", shot.content
        png = base64.b64decode(images[0].data)
        assert png[:8] == b"\x89PNG\r\n\x1a\n", png[:8]
        assert png[12:16] == b"IHDR", png[8:16]
        width, height = struct.unpack(">II", png[16:24])
        meta = shot.structured_content
        assert (width, height) == (meta["pixelWidth"], meta["pixelHeight"]), (width, height, meta)
        assert len(png) == meta["pngSizeBytes"], (len(png), meta)
        step(f"screenshot: a {width}x{height} PNG")

        await c.call("mark", {"sessionId": sid, "label": "checkpoint"})
        history = (await c.call("history", {"sessionId": sid})).structured_content
        assert any("6*7" in entry["command"] for entry in history["commands"]), history
        found = (await c.call("find", {"sessionId": sid, "text": "42XY"})).structured_content
        assert found["total"] >= 1 and found["matches"], found
        diff = (await c.call("diff", {"sessionId": sid, "from": 0})).structured_content
        assert diff["changed"] is True, diff
        await c.call("inspect", {"sessionId": sid})
        listed = (await c.call("list", {})).structured_content
        assert [s["sessionId"] for s in listed["sessions"]] == [sid], listed
        exported = (await c.call("record_export", {"sessionId": sid, "format": "asciicast"})).structured_content
        assert os.path.getsize(exported["artifactPath"]) == exported["bytes"], exported
        late = (await c.call("wait", {"sessionId": sid, "text": "NEVER_THERE", "timeout": 300})).structured_content
        assert late["timedOut"] is True and late["matched"] is False, late
        started = (await c.call("run", {"sessionId": sid, "command": "true", "noWait": True})).structured_content
        assert started["accepted"] is True and "exitCode" not in started, started
        await c.call("wait", {"sessionId": sid, "screenStableMs": 200, "timeout": "10s"})
        step("mark, history, find, diff, inspect, list, record_export, a timed-out wait, run noWait")

        await c.error("type", {"sessionId": "no-such-session", "text": "x"}, "SESSION_NOT_FOUND")
        body = await c.error("type", {"sessionId": sid, "txt": "x"}, "INVALID_INPUT")
        assert "inputSchema" in body["message"], body
        await c.error("wait", {"sessionId": sid, "timeout": "5s"}, "INVALID_INPUT")
        await c.error("run", {"sessionId": sid, "command": "true", "check": True, "noWait": True}, "INVALID_INPUT")
        await c.error("wait", {"sessionId": sid, "text": "x", "timeout": "soon"}, "INVALID_DURATION")
        step("invalid calls are tool errors with the CLI's codes")

        # A long wait reports progress; cancelling it ends the call at once, the server
        # answers the next call, and the host drops the wait and closes its connection
        # (long before the wait's own 60 s time-out).
        with open(os.path.join(HOME, "sessions", sid, "session.json"), encoding="utf-8") as manifest:
            host_pid = json.load(manifest)["hostPid"]
        await settle_sockets(host_pid)
        baseline = host_sockets(host_pid)
        progress = []
        first = anyio.Event()

        async def on_progress(value, total, message):
            progress.append((value, message))
            first.set()

        cancelled_at = None
        async with anyio.create_task_group() as group:
            async def long_wait():
                await c.session.call_tool(
                    "wait", {"sessionId": sid, "text": "NEVER_THERE", "timeout": "60s"}, progress_callback=on_progress
                )
                raise AssertionError("the cancelled wait returned a result")

            group.start_soon(long_wait)
            with anyio.fail_after(10):
                await first.wait()
            assert host_sockets(host_pid) == baseline + 1, (host_sockets(host_pid), baseline)
            cancelled_at = time.monotonic()
            group.cancel_scope.cancel()
        assert progress and progress[0][1].startswith("wait running"), progress
        with anyio.fail_after(5):
            after = await c.call("snapshot", {"sessionId": sid, "format": "text"})
        elapsed = time.monotonic() - cancelled_at
        assert elapsed < 2, f"the next call took {elapsed:.2f} s after the cancel"
        assert "hi2" in after.structured_content["text"]
        step(f"cancelled a long wait after {len(progress)} progress notification(s); next call in {elapsed * 1000:.0f} ms")
        await until(lambda: host_sockets(host_pid) == baseline, 10, "the host closed the cancelled wait's connection")
        freed = time.monotonic() - cancelled_at
        assert freed < 5, f"the host held the cancelled wait's connection for {freed:.2f} s"
        step(f"the host dropped the cancelled wait: its connection closed {freed * 1000:.0f} ms after the cancel")

        # A second client (another server process) and the CLI use the same session at once.
        async with AsyncExitStack() as other:
            _, d = await connect(other)
            await d.call("type", {"sessionId": sid, "text": "echo from-second-client\n"})
            cli = subprocess.run(
                [BINARY, "--home", HOME, "wait", sid, "--text", "from-second-client", "--timeout", "10s", "--json"],
                env=ENV, capture_output=True, text=True, check=False,
            )
            assert cli.returncode == 0 and json.loads(cli.stdout)["result"]["matched"], cli.stdout + cli.stderr
            # The first client's wait sees what the second client typed.
            seen = await c.call("wait", {"sessionId": sid, "text": "from-second-client", "timeout": "10s"})
            assert seen.structured_content["matched"], seen.structured_content
        # The second client went away; its server ended; the session still runs.
        listed = (await c.call("list", {})).structured_content
        assert listed["sessions"][0]["status"] == "running", listed
        step("a second client and the CLI drove the same session; it outlived the second client")

        # A server killed outright (its client died with it) leaves its sessions running.
        killed = subprocess.Popen(
            [BINARY, "mcp", "--home", HOME], env=ENV, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0
        )

        def rpc(message):
            killed.stdin.write((json.dumps({"jsonrpc": "2.0", **message}) + "\n").encode())
            while "id" in message:  # skipping notifications (list_changed)
                answer = json.loads(killed.stdout.readline())
                if answer.get("id") == message["id"]:
                    return answer

        hello = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "doomed", "version": "1"}}
        assert rpc({"id": 1, "method": "initialize", "params": hello})["result"]["serverInfo"]["name"] == "agent-tty"
        rpc({"method": "notifications/initialized"})
        made = rpc({"id": 2, "method": "tools/call", "params": {"name": "create", "arguments": {"argv": BASH}}})
        orphan = made["result"]["structuredContent"]["sessionId"]
        killed.kill()
        killed.wait()
        running = (await c.call("inspect", {"sessionId": orphan})).structured_content
        assert running["session"]["status"] == "running", running
        await c.call("run", {"sessionId": orphan, "command": "true"})
        await c.call("destroy", {"sessionId": orphan})
        step("a session outlived the server (SIGKILL) that created it")

        destroyed = (await c.call("destroy", {"sessionId": sid})).structured_content
        assert destroyed["destroyed"] is True, destroyed
        listed = (await c.call("list", {})).structured_content
        assert listed["sessions"] == [], listed
        step("destroyed")

    # The trace: the client sent `notifications/cancelled` for the long wait, and the
    # server never answered that request (not even after the session ended).
    sent, received = messages(trace + ".in"), messages(trace + ".out")
    cancels = [m["params"]["requestId"] for m in sent if m.get("method") == "notifications/cancelled"]
    assert len(cancels) == 1, cancels
    waits = [m for m in sent if m.get("id") == cancels[0] and m.get("method") == "tools/call"]
    assert waits and waits[0]["params"]["name"] == "wait", waits
    assert not [m for m in received if m.get("id") == cancels[0]], "the cancelled wait was answered"
    assert any(m.get("method") == "notifications/progress" for m in received), "no progress notification"
    step(f"the trace shows the cancel of request {cancels[0]} and no answer to it")


def first_failure(error):
    """The innermost exception of task-group exception groups."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


try:
    anyio.run(main)
except BaseException as error:  # noqa: BLE001 - reported, then exit 1
    failure = first_failure(error)
    print(f"FAILED: {type(failure).__name__}: {failure}", flush=True)
    sys.exit(1)
