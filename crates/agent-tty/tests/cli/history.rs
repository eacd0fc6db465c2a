//! History beyond the live screen: a session host keeps no scrollback of its own (its
//! memory does not grow with the output), so `--include-scrollback` and a resize that
//! pulls lines back are answered from the Event Log — with exactly the lines a screen
//! with the full 10,000-line scrollback gives, live and after exit.

use serde_json::Value;

use crate::support::*;

/// `seq 1 12000` on a 20x5 screen, then the program waits for Enter.
fn long_output(t: &TestHome) -> String {
    let created = t.create(&["--cols", "20", "--rows", "5"], &["bash", "-c", "seq 1 12000; read line"]);
    let id = created["sessionId"].as_str().unwrap().to_string();
    t.wait_render(&id, &["--text", "12000"]);
    id
}

fn numbers(range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|n| n.to_string()).collect()
}

/// The scrollback and visible lines of a structured snapshot with scrollback.
fn history_of(snapshot: &Value) -> (Vec<String>, Vec<String>) {
    (line_texts(&snapshot["scrollbackLines"]), line_texts(&snapshot["visibleLines"]))
}

/// Checks the history after `seq 1 12000` and `blank` empty lines below it.
fn check_full_history(t: &TestHome, id: &str, blank: u32) {
    let structured = t.snapshot(id, &["--include-scrollback"]);
    let (scrollback, visible) = history_of(&structured);
    let first = 1997 + blank;
    assert_eq!(scrollback.len(), 10_000, "the 10,000-line limit, as before");
    let span = (scrollback.first().cloned(), scrollback.last().cloned());
    assert!(scrollback == numbers(first..=first + 9999), "every line, oldest first; got {span:?}");
    let blanks = vec![String::new(); blank as usize + 1];
    assert_eq!(visible, [numbers(first + 10_000..=12000), blanks].concat());
    let text = t.snapshot(id, &["--include-scrollback", "--format", "text"]);
    let expected =
        (first..=12000).map(|n| format!("{n}\n")).collect::<String>() + &"\n".repeat(blank as usize);
    assert!(text["text"] == expected.as_str(), "the text format has the same lines");
    assert_eq!(text["screenHash"], structured["screenHash"]);
}

#[test]
fn include_scrollback_beyond_the_live_screen_comes_from_the_log_live_and_after_exit() {
    let t = TestHome::new();
    let id = long_output(&t);
    check_full_history(&t, &id, 0);
    assert_eq!(t.listed_status(&id).as_deref(), Some("running"), "the live host answered");
    let plain = t.snapshot(&id, &[]);
    assert!(plain.get("scrollbackLines").is_none(), "no scrollback unless asked: {plain}");
    t.send_keys(&id, &["Enter"]);
    t.at(&["wait", &id, "--exit", "--timeout", "20000", "--json"]).ok("wait");
    // The Enter echoed by `read` scrolled one more line off.
    check_full_history(&t, &id, 1);
}

/// Lines pushed off by a shrink come back on a grow, and lines wrapped by a narrowing
/// re-join on a widening, exactly as with a full live scrollback (the figures are those
/// of 0.5-era hosts that kept 10,000 lines).
#[test]
fn a_resize_brings_back_lines_from_the_log() {
    let t = TestHome::new();
    let id = long_output(&t);
    t.at(&["resize", &id, "--cols", "20", "--rows", "3", "--json"]).ok("resize");
    t.at(&["resize", &id, "--cols", "20", "--rows", "8", "--json"]).ok("resize");
    let grown = t.snapshot(&id, &[]);
    assert_eq!(line_texts(&grown["visibleLines"]), [numbers(11994..=12000), vec![String::new()]].concat());
    assert_eq!(grown["cursorRow"], 7);
    t.at(&["resize", &id, "--cols", "4", "--rows", "8", "--json"]).ok("resize");
    t.at(&["resize", &id, "--cols", "30", "--rows", "8", "--json"]).ok("resize");
    let (scrollback, visible) = history_of(&t.snapshot(&id, &["--include-scrollback"]));
    let span = (scrollback.first().cloned(), scrollback.last().cloned());
    assert!(scrollback == numbers(3995..=11993), "re-joined after the 4-column limit: {span:?}");
    assert_eq!(visible, [numbers(11994..=12000), vec![String::new()]].concat());
}
