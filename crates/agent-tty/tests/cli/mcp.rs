//! `agent-tty mcp` driven by a real MCP client: the official Python SDK's stdio client
//! (`tests/mcp/client.py`) starts the real binary as its server and walks every step an
//! agent takes (initialise, list the tools, create a bash session, run, type, send keys,
//! wait, snapshot, screenshot, the history/find/diff/inspect/list/export tools, the
//! resources (list, templates, read each kind, subscribe to a screen and get
//! `resources/updated`, `list_changed` as sessions come and go, unsubscribe), invalid
//! calls, a cancelled long wait (whose connection the host then closes), a second client and the CLI on the same session,
//! destroy), validating every result against the tool's advertised output schema. The
//! script needs Python's `mcp` and `jsonschema` packages (`scripts/test.sh` installs them).

use std::process::Command;

use crate::support::*;

/// The client script, next to this crate's tests.
const CLIENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp/client.py");

#[test]
fn a_python_mcp_client_drives_every_tool() {
    require("python3", "python3");
    require("bash", "bash");
    let t = TestHome::new();
    let out = Command::new("python3")
        .args([CLIENT, BIN, &t.home_str()])
        .current_dir(&t.work)
        .env("HOME", &t.user_home)
        .env("XDG_STATE_HOME", &t.state)
        .env("SHELL", "/bin/bash")
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(3) {
        panic!("{stdout}(scripts/test.sh installs it)");
    }
    assert!(out.status.success(), "the MCP client failed ({}):\n{stdout}\n{stderr}", out.status);
    for step in [
        "initialised",
        "read: the session list, the screen",
        "subscribed: resources/updated for the screen",
        "list_changed when a session came and went",
        "unsubscribed: no update after it",
        "screenshot: a ",
        "cancelled a long wait",
        "no answer to it",
        "the host dropped the cancelled wait",
    ] {
        assert!(stdout.contains(step), "the client did not report {step:?}:\n{stdout}");
    }
    assert!(!stderr.contains("panicked"), "the server panicked:\n{stderr}");
}
