//! Time travel over the event log: `snapshot`/`screenshot --at-seq/--at-time`, `diff` and
//! `snapshot --since-hash`, live and offline, on real TUIs (vim, less, htop) across resizes
//! and alternate-screen switches.

use serde_json::Value;

use crate::support::*;

/// A live snapshot with cells and the live screenshot at one quiet moment.
struct Moment {
    snapshot: Value,
    screenshot_sha: String,
}

/// Takes a live snapshot (cells) and a live screenshot of a screen that is quiet (the
/// same seq for both); retries while output still arrives between the two.
fn moment(t: &TestHome, id: &str) -> Moment {
    let mut last = None;
    for _ in 0..20 {
        t.wait_render(id, &["--screen-stable-ms", "300"]);
        let snapshot = t.snapshot(id, &["--include-cells"]);
        let shot = t.at(&["screenshot", id, "--json"]).ok("screenshot");
        if shot["capturedAtSeq"] == snapshot["capturedAtSeq"] {
            return Moment { snapshot, screenshot_sha: shot["sha256"].as_str().unwrap().to_string() };
        }
        last = Some((snapshot, shot));
    }
    panic!("the screen never stayed quiet for a snapshot and a screenshot: {last:?}");
}

/// `snapshot --at-seq N --include-cells` equals the live snapshot taken at N (cells, cursor,
/// hash), and `screenshot --at-seq N` is pixel-identical (the same PNG bytes).
fn assert_at_seq_equals(t: &TestHome, id: &str, moment: &Moment) {
    let seq = moment.snapshot["capturedAtSeq"].as_u64().unwrap().to_string();
    let past = t.snapshot(id, &["--include-cells", "--at-seq", &seq]);
    for key in [
        "capturedAtSeq",
        "cols",
        "rows",
        "cursorRow",
        "cursorCol",
        "isAltScreen",
        "visibleLines",
        "cells",
        "screenHash",
    ] {
        assert_eq!(past[key], moment.snapshot[key], "{key} at seq {seq}");
    }
    let shot = t.at(&["screenshot", id, "--at-seq", &seq, "--json"]).ok("screenshot");
    assert_eq!(shot["capturedAtSeq"].as_u64().unwrap().to_string(), seq);
    assert_eq!(shot["sha256"], moment.screenshot_sha.as_str(), "the screenshot at seq {seq} is the live one");
}

#[test]
fn past_screens_of_vim_less_and_htop_equal_the_live_ones_across_resizes() {
    require("vim", "vim");
    require("less", "less");
    require("htop", "htop");
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let mut moments = Vec::new();
    std::fs::write(t.work.join("notes.txt"), (1..=200).map(|n| format!("line {n}\n")).collect::<String>())
        .unwrap();

    t.type_text(&id, "printf 'main screen before\\n'\r");
    t.wait_render(&id, &["--text", "main screen before\n"]);
    moments.push(moment(&t, &id));

    t.type_text(&id, "vim -u NONE -N notes.txt\r");
    t.wait_render(&id, &["--regex", "\"notes.txt\" 200L"]);
    moments.push(moment(&t, &id));
    t.at(&["resize", &id, "--cols", "100", "--rows", "30", "--json"]).ok("resize");
    t.type_text(&id, "50G");
    t.wait_render(&id, &["--text", "line 50"]);
    moments.push(moment(&t, &id));
    t.type_text(&id, ":q!\r");
    t.wait_render(&id, &["--regex", &format!("{PROMPT_RE}\\n*$")]);
    moments.push(moment(&t, &id));

    t.type_text(&id, "less notes.txt\r");
    t.wait_render(&id, &["--text", "line 1\n"]);
    t.send_keys(&id, &["space"]);
    t.wait_render(&id, &["--text", "line 40"]);
    moments.push(moment(&t, &id));
    t.at(&["resize", &id, "--cols", "70", "--rows", "20", "--json"]).ok("resize");
    t.type_text(&id, "q");
    t.wait_render(&id, &["--regex", &format!("{PROMPT_RE}\\n*$")]);
    moments.push(moment(&t, &id));

    t.type_text(&id, "htop -d 100\r");
    t.wait_render(&id, &["--text", "PID"]);
    t.type_text(&id, "q");
    t.wait_render(&id, &["--regex", &format!("{PROMPT_RE}\\n*$")]);
    moments.push(moment(&t, &id));

    for moment in &moments {
        assert_at_seq_equals(&t, &id, moment);
    }
    // The alternate screen and the resizes are in what was compared.
    assert!(moments.iter().any(|m| m.snapshot["isAltScreen"] == true));
    assert!(
        moments.iter().any(|m| m.snapshot["cols"] == 100) && moments.iter().any(|m| m.snapshot["cols"] == 70)
    );

    // Offline, after the host is gone: the same.
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    for moment in &moments {
        assert_at_seq_equals(&t, &id, moment);
    }
}

#[test]
fn at_time_diff_and_since_hash() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_cmd(&id, "echo phase-one");
    let first = t.snapshot(&id, &[]);
    let first_seq = first["capturedAtSeq"].as_u64().unwrap();
    let first_hash = first["screenHash"].as_str().unwrap().to_string();
    t.run_cmd(&id, "echo phase-two; echo extra");
    let now = t.snapshot(&id, &[]);

    // --at-time: an ISO time, and durations from the end and from the start.
    let events = t.checked_events(&id);
    let ts = events.iter().find(|e| e["seq"] == first_seq).unwrap()["ts"].as_str().unwrap().to_string();
    let at_time = t.snapshot(&id, &["--at-time", &ts]);
    assert_eq!(at_time["screenHash"], first["screenHash"], "the screen at {ts}");
    let latest = t.snapshot(&id, &["--at-time", "-0s"]);
    assert_eq!(latest["screenHash"], now["screenHash"]);
    let start = t.snapshot(&id, &["--at-time", "+0s", "--format", "text"]);
    // The last event at or before the first event's time (several may share a millisecond).
    let first_ts = &events[0]["ts"];
    let expected = events.iter().filter(|e| &e["ts"] == first_ts).map(|e| e["seq"].as_u64().unwrap()).max();
    assert_eq!(start["capturedAtSeq"].as_u64(), expected);

    // diff: the rows that changed, before and after.
    let diff = t.at(&["diff", &id, "--from", &first_seq.to_string(), "--json"]).ok("diff");
    assert_eq!(diff["from"]["seq"], first_seq);
    assert_eq!(diff["to"]["screenHash"], now["screenHash"]);
    assert_eq!(diff["changed"], true);
    let afters: Vec<&str> =
        diff["rows"].as_array().unwrap().iter().filter_map(|r| r["after"].as_str()).collect();
    assert!(afters.contains(&"phase-two") && afters.contains(&"extra"), "{diff}");
    assert!(diff["summary"].as_str().unwrap().contains("rows changed"), "{diff}");
    let budget = t.at(&["diff", &id, "--from", "0", "--max-rows", "1", "--json"]).ok("diff");
    assert_eq!(budget["rows"].as_array().unwrap().len(), 1);
    assert!(budget["omittedRows"].as_u64().unwrap() >= 1, "{budget}");
    let by_hash = t.at(&["diff", &id, "--from-hash", &first_hash, "--json"]).ok("diff");
    assert_eq!(by_hash["rows"], diff["rows"], "the snapshot's hash names the same screen");
    let none = t.at(&["diff", &id, "--from", &now["capturedAtSeq"].to_string(), "--json"]).ok("diff");
    assert_eq!(
        (none["changed"].clone(), none["summary"].clone()),
        (Value::Bool(false), Value::from("no change"))
    );
    let human = t.at(&["diff", &id, "--from", &first_seq.to_string()]).human_ok().to_string();
    assert!(human.contains("+ phase-two"), "{human}");

    // snapshot --since-hash: only the changed rows; an unknown hash gives the whole screen.
    let since = t.snapshot(&id, &["--since-hash", &first_hash]);
    assert_eq!(since["sinceHash"]["found"], true, "{since}");
    let rows = line_texts(&since["visibleLines"]);
    assert!(rows.contains(&"extra".to_string()) && rows.len() < 24, "{since}");
    let unknown = t.snapshot(&id, &["--since-hash", &"0".repeat(64)]);
    assert_eq!(unknown["sinceHash"]["found"], false);
    assert_eq!(unknown["visibleLines"].as_array().unwrap().len(), 24);

    // Bad points say what is valid; offline works the same.
    let error = t.at(&["snapshot", &id, "--at-seq", "99999", "--json"]).err("snapshot", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("valid seqs are 0–"), "{error}");
    assert!(error["details"]["lastSeq"].is_u64(), "{error}");
    t.at(&["snapshot", &id, "--at-time", "yesterday", "--json"]).err("snapshot", 2, "INVALID_INPUT");
    t.at(&["diff", &id, "--from-hash", "xyz", "--json"]).err("diff", 2, "INVALID_INPUT");
    t.at(&["diff", &id, "--from", "5", "--to", "2", "--json"]).err("diff", 2, "INVALID_INPUT");
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let offline = t
        .at(&[
            "diff",
            &id,
            "--from",
            &first_seq.to_string(),
            "--to",
            &now["capturedAtSeq"].to_string(),
            "--json",
        ])
        .ok("diff");
    assert_eq!(offline["rows"], diff["rows"]);
}

/// A damaged log: the skipped lines are reported, as offline replay does.
#[test]
fn damaged_logs_are_reported() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_cmd(&id, "echo before-damage");
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let events = t.session_dir(&id).join("events.jsonl");
    let text = std::fs::read_to_string(&events).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let middle = lines.len() / 2;
    let damaged: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| if i == middle { "{not json".to_string() } else { l.to_string() })
        .collect();
    std::fs::write(&events, damaged.join("\n") + "\n").unwrap();
    let last = (lines.len() - 1).to_string();
    let past = t.snapshot(&id, &["--at-seq", &last]);
    assert!(past["damage"].is_object(), "{past}");
    let diff = t.at(&["diff", &id, "--from", "0", "--json"]).ok("diff");
    assert!(diff["damage"].is_object(), "{diff}");
}

/// Snapshots, diffs and finds are batch steps too; they read the history and move no baseline.
#[test]
fn snapshot_diff_and_find_are_batch_steps() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let first = t.snapshot(&id, &[]);
    let hash = first["screenHash"].as_str().unwrap();
    let steps = format!(
        r#"[{{"run":"echo batch-a"}},{{"snapshot":{{"format":"text"}}}},{{"diff":{{"fromHash":"{hash}"}}}},
           {{"snapshot":{{"atSeq":0}}}},{{"snapshot":{{"sinceHash":"{hash}"}}}},{{"diff":{{"from":0,"to":"-0s","maxRows":1}}}}]"#
    );
    let result = t.at(&["batch", &id, &steps, "--json"]).ok("batch");
    let steps = result["steps"].as_array().unwrap();
    assert!(steps.iter().all(|s| s["status"] == "completed"), "{result}");
    assert!(steps[1]["snapshot"]["text"].as_str().unwrap().contains("batch-a"), "{result}");
    let rows = steps[2]["diff"]["rows"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["after"] == "batch-a"), "{result}");
    assert_eq!(steps[3]["snapshot"]["capturedAtSeq"], 0);
    assert_eq!(steps[4]["snapshot"]["sinceHash"]["found"], true, "{result}");
    assert_eq!(steps[5]["diff"]["rows"].as_array().unwrap().len(), 1);
    let found = t
        .at(&[
            "batch",
            &id,
            r#"[{"find":{"text":"batch-a","mode":"all"}},{"find":{"regex":"nope[0-9]"}}]"#,
            "--json",
        ])
        .ok("batch");
    let first = &found["steps"][0]["find"];
    assert_eq!(first["mode"], "all", "{found}");
    assert!(first["matches"].as_array().unwrap().iter().any(|m| m["text"] == "batch-a"), "{found}");
    assert_eq!(
        found["steps"][1]["find"]["matches"].as_array().unwrap().len(),
        0,
        "no match is not a failure"
    );
    t.at(&["batch", &id, r#"[{"find":{"text":"x","mode":"every"}}]"#, "--json"]).err(
        "batch",
        2,
        "INVALID_INPUT",
    );
    let bad = t.at(&["batch", &id, r#"[{"diff":{"to":"1"}}]"#, "--json"]).err("batch", 2, "INVALID_INPUT");
    assert!(bad["message"].as_str().unwrap().contains("fromHash"), "{bad}");
    t.at(&["batch", &id, r#"[{"snapshot":{"atSeq":999999}}]"#, "--json"]).ok_with_exit("batch", 2);
}
