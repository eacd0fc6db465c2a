//! Session hosts started by `agent-tty mcp`, driven by the official Python SDK's stdio
//! client (`tests/mcp/hosts.py`): a session created through the server has exactly the
//! environment of one the CLI creates, and a destroyed session's host is reaped by the
//! long-lived server instead of staying its zombie.

use std::process::Command;

use crate::support::*;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp/hosts.py");

#[test]
fn hosts_started_by_the_mcp_server_match_the_cli_and_are_reaped() {
    require("python3", "python3");
    require("bash", "bash");
    let t = TestHome::new();
    let out = Command::new("python3")
        .args([SCRIPT, BIN, &t.home_str()])
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
    assert!(out.status.success(), "the MCP hosts client failed ({}):\n{stdout}\n{stderr}", out.status);
    for step in [
        "a session created through the server has the CLI's environment",
        "the CLI sees both sessions running",
        "a destroyed session's host is reaped by the server, not left a zombie",
    ] {
        assert!(stdout.contains(step), "the client did not report {step:?}:\n{stdout}");
    }
}
