//! Screen checkpoints beside a long session's log: the host writes its screen's as the
//! output arrives, the first offline replay writes full ones (with the scrollback), later
//! replays start from them, and the answer is the same with or without them.

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
    let files = |suffix: &str| -> Vec<std::path::PathBuf> {
        let all = std::fs::read_dir(&checkpoints).unwrap().map(|e| e.unwrap().path());
        all.filter(|p| p.to_str().unwrap().ends_with(suffix) && !p.to_str().unwrap().ends_with(".screen.bin"))
            .collect()
    };
    assert!(files(".bin").is_empty(), "the host writes no full checkpoint");
    let args = ["--include-scrollback", "--format", "structured"];
    let first = screen_of(&t.snapshot(&id, &args));
    let written: Vec<_> = std::fs::read_dir(&checkpoints).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(
        !files(".bin").is_empty(),
        "the first offline replay with the scrollback writes full checkpoints"
    );
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

/// A snapshot's screen at a seq, with cells.
fn at_seq(t: &TestHome, id: &str, seq: u64) -> Value {
    let snapshot = t.snapshot(id, &["--include-cells", "--at-seq", &seq.to_string()]);
    assert_eq!(snapshot["capturedAtSeq"], seq);
    screen_of(&snapshot)
}

#[test]
fn the_hosts_screen_checkpoints_give_past_screens_equal_to_the_live_ones() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let mut live = Vec::new();
    // Each `seq` prints about 4 MB of log; resizes between that can pull lines back from
    // the scrollback (then a replay cannot start from a screen checkpoint).
    for (command, last, size) in [
        ("seq 1 400000", "400000", None),
        ("seq 400001 800000", "800000", Some(("100", "30"))),
        ("seq 1 350000", "350000", Some(("60", "20"))),
    ] {
        if let Some((cols, rows)) = size {
            t.at(&["resize", &id, "--cols", cols, "--rows", rows, "--json"]).ok("resize");
        }
        t.run_settled(&id, command, last);
        live.push(screen_of(&t.snapshot(&id, &["--include-cells"])));
    }
    let checkpoints = t.session_dir(&id).join("checkpoints");
    let mut screens: Vec<u64> = std::fs::read_dir(&checkpoints)
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().to_str()?.strip_suffix(".screen.bin")?.parse().ok())
        .collect();
    screens.sort_unstable();
    assert!(screens.len() >= 4, "the host wrote screen checkpoints every 2 MB: {screens:?}");
    assert_eq!(mode(&checkpoints), 0o700, "no other user reads the screens");
    for entry in std::fs::read_dir(&checkpoints).unwrap() {
        assert_eq!(mode(&entry.unwrap().path()), 0o600);
    }
    let log = std::fs::metadata(t.session_dir(&id).join("events.jsonl")).unwrap().len();
    let sizes: u64 =
        std::fs::read_dir(&checkpoints).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    assert!(sizes * 100 < log, "checkpoints of {sizes} bytes for a {log}-byte log");
    // The live screens, replayed through the checkpoints while the session runs.
    for screen in &live {
        let seq = screen["capturedAtSeq"].as_u64().unwrap();
        assert_eq!(&at_seq(&t, &id, seq), screen, "seq {seq}");
    }
    // At and around every checkpoint, the same screens as a plain replay from the start.
    let seqs: Vec<u64> = screens.iter().flat_map(|s| [s - 1, *s, s + 1]).collect();
    let through: Vec<Value> = seqs.iter().map(|seq| at_seq(&t, &id, *seq)).collect();
    let moved = t.path("checkpoints-moved");
    std::fs::rename(&checkpoints, &moved).unwrap();
    std::fs::write(&checkpoints, "").unwrap(); // no replay can write any
    for (seq, screen) in seqs.iter().zip(&through) {
        assert_eq!(&at_seq(&t, &id, *seq), screen, "seq {seq} without checkpoints");
    }
}
