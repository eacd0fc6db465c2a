//! `agent-tty dashboard` end to end: the real binary in a real terminal (a private tmux
//! server at 120×40), driven with keys and read back with `capture-pane`. Two Homes share
//! one Home Registry; the dashboard watches the first, follows what a test types into a
//! session, maximizes and restores, follows a terminal resize, switches Home through the
//! picker and quits — and the sessions' Event Logs show that it never sent input or
//! resized anything. Also: keys stay prompt while a session floods its log, and without a
//! terminal the dashboard refuses to start.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::*;
use crate::tmux::Tmux;

/// The spec's exact refusal.
const NOT_A_TTY: &str = "agent-tty dashboard requires an interactive terminal: stdin and stdout must both be \
                         a TTY. It is interactive-only and does not support --json or piped/CI use.";

/// A second Home that shares the first one's `HOME` and `XDG_STATE_HOME` (so one Home
/// Registry lists both); dropping it destroys its sessions.
fn sibling_home(t: &TestHome) -> TestHome {
    let mut other = TestHome::new();
    other.home = t.work.join("other-home");
    other.state = t.state.clone();
    other.user_home = t.user_home.clone();
    other
}

/// Keeps the window's shell alive after `command`: when a pane dies, tmux scrolls its
/// screen up a line to print "Pane is dead", which would hide the first line.
fn linger(command: &str) -> String {
    format!("{command}; sleep 600")
}

/// The dashboard of `home` in a 120×40 tmux window; the window prints
/// `DASHBOARD-EXIT=<code>` when it ends.
fn open_dashboard(t: &TestHome, home: &str, args: &str) -> Tmux {
    let command = format!("env AGENT_TTY_HOME='{home}' '{BIN}' dashboard {args}; echo DASHBOARD-EXIT=$?");
    Tmux::start(t, &t.work, 120, 40, &linger(&command))
}

/// Waits until the screen satisfies `check`; panics with the screen otherwise.
fn wait_screen(tmux: &Tmux, what: &str, check: impl Fn(&[String]) -> bool) {
    wait_screen_for(tmux, what, DEADLINE, check);
}

/// [`wait_screen`] with its own hang guard.
fn wait_screen_for(tmux: &Tmux, what: &str, deadline: Duration, check: impl Fn(&[String]) -> bool) {
    let mut last = Vec::new();
    let start = Instant::now();
    while start.elapsed() < deadline {
        last = tmux.lines();
        if check(&last) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    panic!("timed out waiting until {what}; the screen:\n{}", last.join("\n"));
}

/// The `input_*` and `resize` events of a session's log, as `(type, payload)`.
fn inputs_and_resizes(events: &[Value]) -> Vec<(String, Value)> {
    events
        .iter()
        .filter(|e| e["type"].as_str().is_some_and(|k| k.starts_with("input_") || k == "resize"))
        .map(|e| (e["type"].as_str().unwrap().to_string(), e["payload"].clone()))
        .collect()
}

#[test]
fn dashboard_follows_sessions_switches_homes_and_never_touches_them() {
    let t = TestHome::new();
    let other = sibling_home(&t);
    let alpha = t.bash_ready(&["--name", "alpha"]);
    let beta = t.bash_ready(&["--name", "beta"]);
    let gamma = other.bash_ready(&["--name", "gamma"]);

    let tmux = open_dashboard(&t, &t.home_str(), "");
    let shows = |needle: &str| {
        let needle = needle.to_string();
        move |lines: &[String]| lines.join("\n").contains(&needle)
    };
    wait_screen(&tmux, "both sessions are listed", |lines| {
        let text = lines.join("\n");
        text.contains("Sessions · active (2)")
            && text.contains(&format!("▸ ● {beta} beta"))
            && text.contains(&format!("  ● {alpha} alpha"))
    });
    wait_screen(&tmux, "the newest session is followed", |lines| {
        lines[0].starts_with("agent-tty dashboard  read-only · …/")
            && lines[0].ends_with(&format!("/home · …{} running", &beta[17..]))
            && lines[2].contains("│screen 80×24 ")
            && lines[3].contains("│bash-")
    });

    t.type_text(&beta, "echo seen-by-the-dashboard");
    let typed = Instant::now();
    wait_screen(&tmux, "typed text shows in the Live View", shows("echo seen-by-the-dashboard"));
    eprintln!("dashboard: `type` returned → frame on screen in {:?}", typed.elapsed());
    t.send_keys(&beta, &["Enter"]);
    wait_screen(&tmux, "the command's output shows", |lines| {
        lines.iter().any(|l| l.contains("│seen-by-the-dashboard "))
    });

    tmux.key("Enter");
    wait_screen(&tmux, "the Live View is maximized", |lines| {
        lines[39].starts_with("maximized · ") && !lines.join("\n").contains("Sessions ·")
    });
    tmux.key("Escape");
    wait_screen(&tmux, "the split layout is back", |lines| {
        lines[39].starts_with("focus:list · ") && lines[1].starts_with("Sessions · active (2)")
    });
    tmux.key("a");
    wait_screen(&tmux, "the scope is all", shows("Sessions · all (2)"));
    tmux.key("a");
    wait_screen(&tmux, "the scope is active again", shows("Sessions · active (2)"));

    tmux.resize(100, 30);
    wait_screen(&tmux, "the layout follows the terminal size at once", |lines| {
        lines.len() == 30
            && lines[29].starts_with("focus:list · ")
            && lines[2].starts_with(&format!("▸ ● …{} beta ", &beta[17..]))
            && lines[1].ends_with('╮')
            && lines[1].chars().count() == 98
    });
    tmux.resize(120, 40);
    wait_screen(&tmux, "the full ids are back", shows(&format!("▸ ● {beta} beta")));

    tmux.key("H");
    wait_screen(&tmux, "the picker lists both Homes", |lines| {
        let text = lines.join("\n");
        text.contains("Switch Home · active (2)")
            && text.contains("◉  home ")
            && text.contains("○  other-home ")
            && lines[0] == "agent-tty dashboard  read-only · choosing Home…"
    });
    let other_first = tmux.lines().iter().any(|l| l.starts_with("│▸ ○  other-home "));
    if !other_first {
        tmux.key("j");
        wait_screen(&tmux, "the other Home is highlighted", shows("│▸ ○  other-home "));
    }
    tmux.key("Enter");
    wait_screen(&tmux, "the other Home's session is listed and followed", |lines| {
        let text = lines.join("\n");
        lines[0].contains("/other-home · ")
            && text.contains(&format!("▸ ● {gamma} gamma"))
            && !text.contains(&alpha)
            && text.contains("│bash-")
    });

    tmux.key("q");
    wait_screen(&tmux, "the dashboard quit", shows("DASHBOARD-EXIT=0"));

    assert_eq!(inputs_and_resizes(&t.checked_events(&alpha)), [], "alpha got nothing");
    let keys = serde_json::json!({ "keys": ["Enter"] });
    let text = serde_json::json!({ "data": "echo seen-by-the-dashboard" });
    assert_eq!(
        inputs_and_resizes(&t.checked_events(&beta)),
        [("input_text".to_string(), text), ("input_keys".to_string(), keys)],
        "beta got only the test's own input"
    );
    assert_eq!(inputs_and_resizes(&other.checked_events(&gamma)), [], "gamma got nothing");
}

#[test]
fn dashboard_keys_stay_prompt_while_a_session_floods() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let tmux = open_dashboard(&t, &t.home_str(), "--all");
    wait_screen(&tmux, "the session is followed", |lines| lines[3].contains("│bash-"));
    // The flood runs until we stop it, so how long it lasts never depends on how fast a
    // loaded machine moves bytes through the PTY (a fixed-size flood made this test flaky).
    t.type_text(&id, "yes flood-line\r");
    wait_screen(&tmux, "the flood shows", |lines| lines.iter().any(|l| l.contains("│flood-line ")));
    tmux.key("a");
    let pressed = Instant::now();
    wait_screen(&tmux, "the scope toggles during the flood", |lines| {
        lines[1].starts_with("Sessions · active (1)")
    });
    eprintln!("dashboard: `a` during a flood took effect in {:?}", pressed.elapsed());
    t.send_keys(&id, &["ctrl+c"]);
    t.type_text(&id, "echo flood-$((40+2))\r");
    // The dashboard replays everything the flood wrote before it shows the end; on a loaded
    // machine that backlog is large, so this hang guard is generous (it is not what the
    // test measures: the key above is).
    wait_screen_for(&tmux, "the flood ends on screen", DEADLINE * 6, |lines| {
        lines.iter().any(|l| l.contains("flood-42"))
    });
    tmux.key("q");
    wait_screen(&tmux, "the dashboard quit", |lines| lines.join("\n").contains("DASHBOARD-EXIT=0"));
}

#[test]
fn dashboard_refuses_to_run_without_a_terminal() {
    let t = TestHome::new();
    let out = t.at(&["dashboard"]);
    assert_eq!(out.human_err(2, "INVALID_INPUT"), NOT_A_TTY);
    assert!(!out.stderr.contains('\u{1b}'), "no escape codes: {:?}", out.stderr);
    let out = t.at(&["d", "--all", "--session", "x"]);
    assert_eq!(out.human_err(2, "INVALID_INPUT"), NOT_A_TTY, "the alias too");

    let error = t.at(&["dashboard", "--json"]).err("dashboard", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("--json"), "{error}");
    let error = t.at(&["d", "--json"]).err("dashboard", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("--json"), "{error}");
    let help = t.at(&["d", "--help"]);
    assert!(help.human_ok().contains("Watch what your agents are doing in their shells"));

    // One of the two in a terminal is not enough.
    let command = format!(
        "'{BIN}' dashboard </dev/null; echo STDIN-EXIT=$?; '{BIN}' dashboard >out.txt; echo STDOUT-EXIT=$?"
    );
    let tmux = Tmux::start(&t, &t.work, 200, 20, &linger(&command));
    wait_screen(&tmux, "both refusals", |lines| {
        let text = lines.join("\n");
        text.contains("STDIN-EXIT=2") && text.contains("STDOUT-EXIT=2")
    });
    let text = tmux.lines().join("\n");
    assert_eq!(text.matches(&format!("INVALID_INPUT: {NOT_A_TTY}")).count(), 2, "{text}");
    assert_eq!(std::fs::read_to_string(t.work.join("out.txt")).unwrap(), "", "nothing on stdout");
}

/// A terminal that goes away (the tmux server ends, an ssh connection drops) ends the
/// dashboard: it must not linger reading end-of-file forever.
#[test]
fn dashboard_exits_when_its_terminal_hangs_up() {
    let t = TestHome::new();
    let home = t.home.to_str().unwrap().to_string();
    let tmux = open_dashboard(&t, &home, "");
    wait_screen(&tmux, "the dashboard is up", |lines| {
        lines.iter().any(|l| l.contains("agent-tty dashboard"))
    });
    let shell = tmux.pane_pid();
    let children =
        std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap_or_default();
    let dashboard: u32 =
        children.split_whitespace().next().and_then(|p| p.parse().ok()).expect("dashboard pid");
    tmux.kill_server();
    wait_until("the dashboard exits after its terminal hung up", DEADLINE, || pid_gone(dashboard));
}
