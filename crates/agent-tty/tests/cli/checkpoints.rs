//! Screen checkpoints beside a long session's log: the first offline replay writes them,
//! later ones start from them, and the answer is the same with or without them.

use serde_json::Value;

use crate::support::*;

/// The parts of a snapshot that come from the replayed screen.
fn screen_of(snapshot: &Value) -> Value {
    let keys = ["screenHash", "cursor", "visibleLines", "scrollbackLines", "cells", "capturedAtSeq"];
    keys.iter().map(|key| (key.to_string(), snapshot[*key].clone())).collect::<serde_json::Map<_, _>>().into()
}

#[test]
fn a_long_sessions_offline_snapshot_is_the_same_with_and_without_checkpoints() {
    let t = TestHome::new();
    // About 11 MB of log: more than one checkpoint interval (8 MB of log).
    let created = t.create(
        &["--cols", "40", "--rows", "8"],
        &["bash", "-c", "for i in 1 2; do seq 1 160000 | sed 's/$/ \\x1b[1;3'$i'mcoloured\\x1b[0m/'; done"],
    );
    let id = created["sessionId"].as_str().unwrap().to_string();
    t.at(&["wait", &id, "--exit", "--timeout", "60000", "--json"]).ok("wait");
    let checkpoints = t.session_dir(&id).join("checkpoints");
    assert!(!checkpoints.exists(), "the host writes none");
    let args = ["--include-scrollback", "--format", "structured"];
    let first = screen_of(&t.snapshot(&id, &args));
    let written: Vec<_> = std::fs::read_dir(&checkpoints).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(!written.is_empty(), "the first offline replay writes checkpoints");
    let log = std::fs::metadata(t.session_dir(&id).join("events.jsonl")).unwrap().len();
    let sizes: u64 = written.iter().map(|f| std::fs::metadata(f).unwrap().len()).sum();
    assert!(sizes * 50 < log, "checkpoints of {sizes} bytes for a {log}-byte log");
    let through_checkpoint = screen_of(&t.snapshot(&id, &args));
    assert_eq!(through_checkpoint, first);
    std::fs::remove_dir_all(&checkpoints).unwrap();
    let plain = screen_of(&t.snapshot(&id, &args));
    assert_eq!(plain, first);
    assert_eq!(first["scrollbackLines"].as_array().map(Vec::len), Some(10_000));
}
