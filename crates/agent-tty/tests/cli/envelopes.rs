//! Output contract: human-mode lines of every command, inspect's line set, `--no-color`,
//! JSON-vs-human selection for errors.

use serde_json::json;

use crate::support::*;

/// Parses `<prefix><n><suffix>` and returns n.
fn number_in(line: &str, prefix: &str, suffix: &str) -> u64 {
    assert!(line.starts_with(prefix) && line.ends_with(suffix), "{line:?} is not `{prefix}<n>{suffix}`");
    line[prefix.len()..line.len() - suffix.len()].parse().unwrap_or_else(|_| panic!("no number in {line:?}"))
}

/// Every command's human output, with the seq numbers cross-checked against the log.
#[test]
fn human_mode_outputs() {
    let t = TestHome::new();
    let out = t.at(&["create", "--", "bash", "--norc", "--noprofile"]);
    let text = out.human_ok();
    assert!(text.starts_with("Session created: ") && text.lines().count() == 1, "{text:?}");
    let id = text.trim_end()["Session created: ".len()..].to_string();
    assert_ulid(&id);

    let out = t.at(&["run", &id, "echo hi"]);
    let text = out.human_ok().trim_end().to_string();
    let mut lines = text.lines();
    let line = lines.next().unwrap_or_default().to_string();
    assert_eq!(lines.next(), Some("Exit code: 0"), "{text}");
    assert_eq!(lines.next(), Some("hi"), "then what it printed: {text}");
    assert!(line.starts_with("Command completed (seq=") && line.ends_with("ms)."), "{line:?}");
    let run_seq: u64 = line["Command completed (seq=".len()..line.find(',').unwrap()].parse().unwrap();
    let events = t.checked_events(&id);
    assert_eq!(at_seq(&events, run_seq)["type"], "input_run");

    let seq =
        number_in(t.at(&["type", &id, "x"]).human_ok().trim_end(), "Typed text into session at seq ", ".");
    assert_eq!(at_seq(&t.checked_events(&id), seq)["type"], "input_text");
    let seq =
        number_in(t.at(&["paste", &id, "y"]).human_ok().trim_end(), "Pasted text into session at seq ", ".");
    assert_eq!(at_seq(&t.checked_events(&id), seq)["type"], "input_paste");
    let line = t.at(&["send-keys", &id, "Enter", "ctrl+c"]).human_ok().trim_end().to_string();
    let seq = number_in(&line, "Sent 2 key(s) (2 byte(s), seq ", ").");
    assert_eq!(at_seq(&t.checked_events(&id), seq)["type"], "input_keys");
    let line = t.at(&["send-keys", &id, "shift+Up"]).human_ok().trim_end().to_string();
    number_in(&line, "Sent 1 key(s) (6 byte(s), seq ", ").");
    let seq = number_in(t.at(&["mark", &id, "m"]).human_ok().trim_end(), "Marker set at seq ", ".");
    assert_eq!(at_seq(&t.checked_events(&id), seq)["type"], "marker");
    assert_eq!(
        t.at(&["resize", &id, "--cols", "120", "--rows", "40"]).human_ok(),
        "Resized session to 120x40.\n"
    );
    assert_eq!(t.at(&["signal", &id, "SIGINT"]).human_ok(), "Signal SIGINT delivered to session.\n");
    let header = "ID                          NAME  STATUS     COMMAND";
    assert_eq!(
        t.at(&["list"]).human_ok(),
        format!(
            "ID                          NAME  STATUS   COMMAND\n{id}  -     running  bash --norc --noprofile\n"
        )
    );
    assert_eq!(t.at(&["destroy", &id]).human_ok(), format!("Session destroyed: {id}\n"));
    assert_eq!(t.at(&["list"]).human_ok(), "\n", "an empty list prints one empty line");
    assert_eq!(
        t.at(&["list", "--all"]).human_ok(),
        format!("{header}\n{id}  -     destroyed  bash --norc --noprofile\n")
    );
    let message = t.at(&["destroy", &id]).human_err(4, "SESSION_ALREADY_DESTROYED");
    assert_eq!(message, format!("Session \"{id}\" is already destroyed."));
}

/// The inspect line set, in order, for a live and for a terminal session.
#[test]
fn inspect_human_lines() {
    let t = TestHome::new();
    let id = t.bash();
    t.run_cmd(&id, "echo hi");
    let text = t.at(&["inspect", &id]).human_ok().to_string();
    let keys: Vec<&str> = text.lines().map(|l| l.split_once(": ").map_or(l, |(k, _)| k)).collect();
    assert_eq!(
        keys,
        [
            "Session ID",
            "Status",
            "Command",
            "Working Directory",
            "Size",
            "Created At",
            "Updated At",
            "Event Count",
            "Renderer",
            "Last Event Seq",
            "Event Log Bytes",
            "Uptime",
            "Host CLI Version",
            "RPC Socket",
            "Artifacts",
            "Shell Integration",
            "Redaction",
            "Host PID",
            "Child PID",
            "Exit Code",
            "Exit Signal",
        ],
        "{text}"
    );
    let manifest = t.manifest(&id);
    let line = |key: &str| -> String {
        text.lines().find_map(|l| l.strip_prefix(&format!("{key}: "))).unwrap().to_string()
    };
    assert_eq!(line("Session ID"), id);
    assert_eq!(line("Status"), "running");
    assert_eq!(line("Command"), "bash --norc --noprofile");
    assert_eq!(line("Working Directory"), t.work.to_str().unwrap());
    assert_eq!(line("Size"), "80x24");
    assert_eq!(line("Host PID"), manifest["hostPid"].to_string());
    assert_eq!(line("Child PID"), manifest["childPid"].to_string());
    assert_eq!(line("Exit Code"), "-");
    assert_eq!(line("Exit Signal"), "-");
    assert!(line("Uptime").ends_with("ms"));
    assert!(line("Renderer").contains("(live-host, healthy"), "{}", line("Renderer"));
    assert_eq!(line("Artifacts"), "0 total (none), health: no-artifacts");

    t.at(&["run", &id, "exit 4", "--no-wait", "--json"]).ok("run");
    t.at(&["wait", &id, "--exit", "--timeout", "20000", "--json"]).ok("wait");
    let text = t.at(&["inspect", &id]).human_ok().to_string();
    let keys: Vec<&str> = text.lines().map(|l| l.split_once(": ").map_or(l, |(k, _)| k)).collect();
    assert_eq!(
        keys,
        [
            "Session ID",
            "Status",
            "Command",
            "Working Directory",
            "Size",
            "Created At",
            "Updated At",
            "Event Count",
            "Renderer",
            "Last Event Seq",
            "Event Log Bytes",
            "Uptime",
            "Artifacts",
            "Shell Integration",
            "Redaction",
            "Host PID",
            "Child PID",
            "Exit Code",
            "Exit Signal",
            "Termination",
        ],
        "{text}"
    );
    assert!(text.contains("\nStatus: exited\n"));
    assert!(text.contains("\nExit Code: 4\n"));
    assert!(text.contains("\nTermination: nonzero-exit\n"));
    assert!(text.contains("(offline-replay, fallback — session-not-running)"), "{text}");
}

/// Inspect's JSON for a terminal session: no host block, offline renderer runtime.
#[test]
fn inspect_terminal_json() {
    let t = TestHome::new();
    let id = t.bash();
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let result = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_keys(
        &result,
        &[
            "session",
            "eventCount",
            "uptime",
            "lastEventSeq",
            "terminationCategory",
            "artifacts",
            "usedOfflineReplay",
            "rendererRuntime",
            "eventLogBytes",
            "shellIntegration",
            "redaction",
        ],
    );
    assert_keys(&result["rendererRuntime"], &["backend", "mode", "status", "reason"]);
    assert_eq!(result["rendererRuntime"]["mode"], "offline-replay");
    assert_eq!(result["rendererRuntime"]["reason"], "session-not-running");
    let session = &result["session"];
    let created = session["createdAt"].as_str().unwrap();
    let updated = session["updatedAt"].as_str().unwrap();
    assert!(updated >= created);
    assert_eq!(result["eventCount"].as_u64().unwrap(), t.checked_events(&id).len() as u64);
    assert_eq!(result["eventLogBytes"].as_u64().unwrap(), t.events_raw(&id).len() as u64);
}

/// `--no-color` strips ANSI sequences from human output (here: an argv element that
/// contains an escape sequence, echoed by `list` and `inspect`).
#[test]
fn no_color_strips_ansi() {
    let t = TestHome::new();
    let created = t.create(&[], &["sh", "-c", "exec cat", "\u{1b}[31mred\u{1b}[0m"]);
    let id = created["sessionId"].as_str().unwrap().to_string();
    let home = t.home_str();
    let colored = t.raw(&["--home", &home, "list"]).human_ok().to_string();
    assert!(colored.contains("\u{1b}[31m"), "without --no-color the argv is printed as is: {colored:?}");
    let plain = t.raw(&["--home", &home, "--no-color", "list"]).human_ok().to_string();
    assert_eq!(plain.lines().nth(1), Some(format!("{id}  -     running  sh -c exec cat red").as_str()));
    let inspect = t.raw(&["--home", &home, "--no-color", "inspect", &id]).human_ok().to_string();
    assert!(!inspect.contains('\u{1b}') && inspect.contains("\nCommand: sh -c exec cat red\n"), "{inspect}");
    // JSON output is never altered
    let listed = t.raw(&["--home", &home, "--no-color", "list", "--json"]).ok("list");
    assert_eq!(listed["sessions"][0]["command"], json!(["sh", "-c", "exec cat", "\u{1b}[31mred\u{1b}[0m"]));
}

/// Errors: JSON on stdout with `--json` (stderr empty); `CODE: message` on stderr
/// otherwise (stdout empty). The JSON decision uses the raw `--json` token.
#[test]
fn error_output_modes() {
    let t = TestHome::new();
    let out = t.at(&["inspect", "01NOPE", "--json"]);
    out.err("inspect", 3, "SESSION_NOT_FOUND");
    assert_eq!(out.stderr, "");
    let message = t.at(&["inspect", "01NOPE"]).human_err(3, "SESSION_NOT_FOUND");
    assert_eq!(
        message,
        format!(
            "Session \"01NOPE\" was not found in Home {} (looked for an id, an id prefix or a name). \
             Run `agent-tty list --all` to see its sessions, or pass --home <dir> for another Home.",
            t.home_str()
        )
    );
    // the token may come anywhere after the subcommand
    t.at(&["inspect", "--json", "01NOPE"]).err("inspect", 3, "SESSION_NOT_FOUND");
    let message = t.at(&["create", "--cols", "abc"]).human_err(2, "INVALID_DIMENSIONS");
    assert_eq!(message, "cols must be a positive integer, got: NaN");
    // an envelope is printed exactly once
    let out = t.at(&["create", "--cols", "abc", "--json"]);
    assert_eq!(out.stdout.matches("\"ok\"").count(), 1);
}

/// `ls` and `list` give identical results; success envelopes carry fresh timestamps.
#[test]
fn list_alias_envelope() {
    let t = TestHome::new();
    let id = t.bash();
    let a = t.at(&["list", "--json"]).ok("list");
    let b = t.at(&["ls", "--json"]).ok("list");
    assert_eq!(a, b);
    assert_eq!(a["sessions"][0]["sessionId"], id.as_str());
    assert_keys(&a["sessions"][0], &["sessionId", "status", "command", "createdAt", "pid"]);
    let envelope = t.at(&["ls", "--json"]).json();
    let ts = envelope["timestamp"].as_str().unwrap();
    assert!(ts >= a["sessions"][0]["createdAt"].as_str().unwrap(), "timestamp is emission time");
}
