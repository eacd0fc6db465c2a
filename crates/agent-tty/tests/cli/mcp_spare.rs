//! The spare host of `agent-tty mcp`, driven by the official Python SDK's stdio client
//! (`tests/mcp/spare.py`): the spare waits before any create and serves the next session,
//! named in its cmdline; the program's environment equals that of a CLI-created session;
//! a create the spare cannot serve starts its own host; hosts are reaped; an unclaimed
//! spare exits with the server.

use std::process::Command;

use crate::support::*;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp/spare.py");

#[test]
fn the_mcp_server_hands_create_a_spare_host_started_ahead() {
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
    assert!(out.status.success(), "the spare-host client failed ({}):\n{stdout}\n{stderr}", out.status);
    for step in [
        "a spare host is waiting before any create",
        "create handed the session to the spare",
        "none of the spare's own variables",
        "a new spare is started after the create",
        "the environment equals that of a session created by the CLI",
        "starts its own host; the spare keeps waiting",
        "none left a zombie",
        "the unclaimed spare exited with the server",
    ] {
        assert!(stdout.contains(step), "the client did not report {step:?}:\n{stdout}");
    }
}
