//! Session hosts started by `agent-tty mcp`, driven by the official Python SDK's stdio
//! client (`tests/mcp/hosts.py`): a session created through the server has exactly the
//! environment of one the CLI creates, and a destroyed session's host is reaped by the
//! long-lived server instead of staying its zombie.

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp/hosts.py");

#[test]
fn hosts_started_by_the_mcp_server_match_the_cli_and_are_reaped() {
    crate::mcp::run_client(
        SCRIPT,
        &[
            "a session created through the server has the CLI's environment",
            "the CLI sees both sessions running",
            "a destroyed session's host is reaped by the server, not left a zombie",
        ],
    );
}
