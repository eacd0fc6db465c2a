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

/// The PTY is read on a thread of its own: a flood's last bytes still reach the log before
/// the exit, in order, with nothing lost or repeated.
#[test]
fn a_flood_is_logged_whole_and_before_the_exit() {
    let t = TestHome::new();
    let created = t.create(&[], &["bash", "-c", "seq 1 300000; echo LAST-LINE"]);
    let id = created["sessionId"].as_str().unwrap().to_string();
    let waited = t.at(&["wait", &id, "--exit", "--timeout", "60000", "--json"]).ok("wait");
    assert_eq!(waited, json!({"timedOut": false, "exitCode": 0}));
    let events = t.checked_events(&id);
    assert_eq!(events.last().unwrap()["type"], "exit", "the exit is the last event");
    let output = output_of(&events);
    let lines: Vec<&str> = output.split("\r\n").collect();
    let expected: Vec<String> =
        (1..=300_000).map(|n| n.to_string()).chain(["LAST-LINE".into(), String::new()]).collect();
    assert_eq!(lines.len(), expected.len(), "every line once");
    assert!(lines.iter().zip(&expected).all(|(a, b)| a == b), "the lines in order");
}

/// A program whose background child keeps the terminal open: its exit is still recorded
/// (after everything it printed), and the session can be destroyed.
#[test]
fn an_exit_is_recorded_while_a_leftover_holds_the_terminal() {
    let t = TestHome::new();
    let created = t.create(&[], &["bash", "-c", "sleep 30 & echo parent-done"]);
    let id = created["sessionId"].as_str().unwrap().to_string();
    let waited = t.at(&["wait", &id, "--exit", "--timeout", "20000", "--json"]).ok("wait");
    assert_eq!(waited, json!({"timedOut": false, "exitCode": 0}));
    let events = t.checked_events(&id);
    assert!(output_of(&events).contains("parent-done"), "{}", output_of(&events));
    assert_eq!(events.last().unwrap()["type"], "exit");
    t.at(&["destroy", &id, "--json"]).ok("destroy");
}
