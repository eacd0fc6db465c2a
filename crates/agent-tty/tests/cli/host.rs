//! The hidden `_host` entry point must refuse to serve a session it does not own.

use serde_json::json;

use crate::support::*;

/// `_host` for a missing session fails without creating anything.
#[test]
fn host_for_missing_session() {
    let t = TestHome::new();
    let home = t.home_str();
    let out = t.run_with(&["_host", "01NOSUCHSESSION00000000000"], &[("AGENT_TTY_HOME", Some(&home))], None);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("SESSION_NOT_FOUND"), "{out:?}");
    assert!(!t.home.exists(), "the host must not create the Home");
    let out = t.run_with(&["_host", "a/b"], &[("AGENT_TTY_HOME", Some(&home))], None);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(!t.home.exists());
}

/// A second `_host` for a running session exits with an error and leaves the live host
/// (and its session) alone; `_host` for a destroyed session does not resurrect it.
#[test]
fn host_refuses_owned_or_terminal_sessions() {
    let t = TestHome::new();
    let home = t.home_str();
    let id = t.bash();
    let before = t.manifest(&id);
    let out = t.run_with(&["_host", &id], &[("AGENT_TTY_HOME", Some(&home))], None);
    assert_ne!(out.code, 0, "a second host must not start: {out:?}");
    let after = t.manifest(&id);
    assert_eq!(after["hostPid"], before["hostPid"]);
    assert_eq!(after["childPid"], before["childPid"]);
    assert_eq!(after["status"], "running");
    t.run_cmd(&id, "echo still-served");
    assert!(t.output_text(&id).contains("still-served\r\n"));

    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let events_before = t.events_raw(&id);
    let out = t.run_with(&["_host", &id], &[("AGENT_TTY_HOME", Some(&home))], None);
    assert_ne!(out.code, 0, "{out:?}");
    assert_eq!(t.manifest(&id)["status"], "destroyed");
    assert_eq!(t.events_raw(&id), events_before, "the event log is untouched");
    assert_eq!(t.at(&["list", "--json"]).ok("list"), json!({"sessions": []}));
}
