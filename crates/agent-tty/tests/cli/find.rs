//! `find`: the seqs and times at which a text or regex appeared on screen, read from the
//! event log — live and after destroy, bounded by seqs, with screenshots of those moments,
//! through a damaged log, and with bad flags refused as INVALID_INPUT.

use serde_json::Value;

use crate::support::*;

/// The line the tests look for; the commands that print it spell it `ER''ROR` so that
/// their echo never contains it.
const LINE: &str = "ERROR: disk full";
const PRINT: &str = "printf 'ER''ROR: disk %s\\n' full";
/// Clears the screen and paints the same line again, in one write.
const REPAINT: &str = "printf '\\033[2J\\033[HER''ROR: disk %s\\n' full";

fn find(t: &TestHome, id: &str, args: &[&str]) -> Value {
    let mut all = vec!["find", id];
    all.extend_from_slice(args);
    all.push("--json");
    t.at(&all).ok("find")
}

fn seqs(result: &Value) -> Vec<u64> {
    result["matches"].as_array().unwrap().iter().map(|m| m["seq"].as_u64().unwrap()).collect()
}

/// The output events that printed [`LINE`] (not the repaint), by the log.
fn printing_events(t: &TestHome, id: &str) -> Vec<Value> {
    of_type(&t.events(id), "output")
        .into_iter()
        .filter(|e| {
            let data = e["payload"]["data"].as_str().unwrap();
            data.contains(LINE) && !data.contains("\u{1b}[2J")
        })
        .cloned()
        .collect()
}

/// A bash session that printed [`LINE`] three times, then repainted it after a clear.
fn printed_three_times(t: &TestHome) -> String {
    let id = t.bash_ready(&[]);
    for _ in 0..3 {
        t.run_settled(&id, PRINT, LINE);
    }
    t.run_settled(&id, REPAINT, LINE);
    id
}

#[test]
fn first_last_and_all_name_the_output_events_that_showed_the_line_live_and_offline() {
    let t = TestHome::new();
    let id = printed_three_times(&t);
    let printed = printing_events(&t, &id);
    assert_eq!(printed.len(), 3, "three printing events: {printed:?}");
    let expected: Vec<u64> = printed.iter().map(|e| e["seq"].as_u64().unwrap()).collect();

    let first = find(&t, &id, &["--text", "ERROR"]);
    assert_keys(&first, &["sessionId", "query", "mode", "matches", "total", "scannedToSeq"]);
    assert_eq!(first["mode"], "first");
    assert_eq!(first["query"], serde_json::json!({"text": "ERROR"}));
    assert_eq!(seqs(&first), vec![expected[0]]);
    assert_eq!(first["scannedToSeq"], expected[0], "--first stops reading there");
    let found = &first["matches"][0];
    assert_keys(found, &["seq", "time", "row", "text"]);
    assert_eq!(found["time"], printed[0]["ts"], "the time of that event");
    assert_eq!(found["text"], LINE);
    assert_eq!(found["row"], 1, "below the prompt it was typed at");

    let last = find(&t, &id, &["--text", "ERROR", "--last"]);
    assert_eq!(seqs(&last), vec![expected[2]]);
    assert_eq!(last["total"], 1, "the one reported");

    let all = find(&t, &id, &["--text", "ERROR", "--all"]);
    assert_eq!(seqs(&all), expected, "three prints; the clear and repaint is not an appearance");
    assert_eq!(all["total"], 3);
    assert!(all.get("truncated").is_none());
    let capped = find(&t, &id, &["--text", "ERROR", "--all", "--max", "2"]);
    assert_eq!(seqs(&capped), expected[..2]);
    assert_eq!((capped["total"].as_u64(), &capped["truncated"]), (Some(3), &Value::Bool(true)));

    let human = t.at(&["find", &id, "--text", "ERROR", "--all"]);
    let lines: Vec<&str> = human.human_ok().lines().collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    let time = printed[0]["ts"].as_str().unwrap();
    assert_eq!(lines[0], format!("seq {} at {time} row 1: {LINE}", expected[0]));

    let live_all = all.clone();
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let offline = find(&t, &id, &["--text", "ERROR", "--all"]);
    assert_eq!(offline["matches"], live_all["matches"], "offline finds the same appearances");
    let nothing = t.at(&["find", &id, "--text", "never printed"]);
    assert_eq!(nothing.human_ok(), "No match.\n", "no match is not an error");
    let none = find(&t, &id, &["--text", "never printed", "--all"]);
    assert_eq!((none["matches"].as_array().unwrap().len(), none["total"].as_u64()), (0, Some(0)));
    assert_eq!(none["scannedToSeq"], t.last_seq(&id));
}

#[test]
fn a_regex_with_seq_bounds_and_screenshots_of_the_moments() {
    let t = TestHome::new();
    let id = printed_three_times(&t);
    let expected: Vec<u64> = printing_events(&t, &id).iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    let all = find(&t, &id, &["--regex", "ERROR: \\w+ f[a-z]+", "--all"]);
    assert_eq!(all["query"], serde_json::json!({"regex": "ERROR: \\w+ f[a-z]+"}));
    assert_eq!(seqs(&all), expected);

    // After the first print, its line is the baseline: only the two later ones appear.
    let after = expected[0].to_string();
    let later = find(&t, &id, &["--text", "ERROR", "--all", "--after-seq", &after]);
    assert_eq!(seqs(&later), expected[1..]);
    let before = expected[1].to_string();
    let earlier = find(&t, &id, &["--text", "ERROR", "--all", "--before-seq", &before]);
    assert_eq!(seqs(&earlier), expected[..1]);
    assert_eq!(earlier["scannedToSeq"], expected[1] - 1);

    let shot = find(&t, &id, &["--text", "ERROR", "--last", "--screenshot"]);
    let screenshot = &shot["matches"][0]["screenshot"];
    assert_keys(screenshot, &["path", "profileName", "pixelWidth", "pixelHeight", "pngSizeBytes", "sha256"]);
    let path = screenshot["path"].as_str().unwrap();
    assert!(path.ends_with(&format!("screenshot-{}-reference-dark.png", expected[2])), "{path}");
    let png = std::fs::read(path).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert_eq!(screenshot["sha256"], sha256_hex(&png));
    let manifest = std::fs::read_to_string(t.session_dir(&id).join("artifacts/manifest.json")).unwrap();
    assert!(manifest.contains(&format!("screenshot-{}-reference-dark.png", expected[2])), "{manifest}");
    let each = find(&t, &id, &["--text", "ERROR", "--all", "--screenshot", "--profile", "reference-light"]);
    let paths: Vec<&str> = each["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["screenshot"]["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 3);
    assert!(
        paths.iter().all(|p| p.ends_with("reference-light.png") && std::fs::metadata(p).is_ok()),
        "{paths:?}"
    );
}

/// One event log line (with its newline).
fn event(seq: u64, kind: &str, payload: &str) -> String {
    format!(
        "{{\"seq\":{seq},\"ts\":\"2026-11-26T10:00:{seq:02}.000Z\",\"type\":\"{kind}\",\"payload\":{payload}}}\n"
    )
}

#[test]
fn a_damaged_log_is_searched_through_and_the_damage_reported() {
    let t = TestHome::new();
    let id = t.bash();
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let mut log = event(0, "output", r#"{"data":"ERROR one\r\n"}"#);
    log.push_str("this line is garbage\n");
    log.push_str(&event(1, "output", r#"{"data":"ok\r\n"}"#));
    log.push_str(&event(2, "output", r#"{"data":"ERROR two\r\n"}"#));
    log.push_str("{\"seq\":3,\"ts\":"); // torn: a host killed mid-write
    std::fs::write(t.session_dir(&id).join("events.jsonl"), log).unwrap();

    let all = find(&t, &id, &["--text", "ERROR", "--all"]);
    assert_eq!(seqs(&all), vec![0, 2], "the lines after the damage are searched");
    assert_eq!(all["matches"][1]["time"], "2026-11-26T10:00:02.000Z");
    let damage = &all["damage"];
    assert_keys(damage, &["skippedLines", "firstBadLine", "reason", "tornLastLine"]);
    assert_eq!((damage["skippedLines"].as_u64(), damage["firstBadLine"].as_u64()), (Some(2), Some(2)));
    assert_eq!(damage["tornLastLine"], true);
    let keys: Vec<&String> = all.as_object().unwrap().keys().collect();
    assert_eq!(keys.last().map(|k| k.as_str()), Some("damage"));
    let human = t.at(&["find", &id, "--text", "ERROR", "--all"]);
    let text = human.human_ok();
    assert!(text.starts_with("seq 0 at 2026-11-26T10:00:00.000Z row 0: ERROR one\n"), "{text}");
    assert!(text.contains("\nWarning: the event log is damaged: 2 line(s) skipped"), "{text}");
    // --first stops before the damage: it read none.
    let first = find(&t, &id, &["--text", "ERROR"]);
    assert_eq!(seqs(&first), vec![0]);
    assert!(first.get("damage").is_none(), "{first}");
}

#[test]
fn bad_flags_are_invalid_input_with_a_clear_message() {
    let t = TestHome::new();
    let id = t.bash();
    let cases: &[(&[&str], &str)] = &[
        (&[], "--text TEXT or --regex PATTERN"),
        (&["--text", "a", "--regex", "b"], "not both"),
        (&["--text", ""], "between 1 and 1000"),
        (&["--regex", "(a+)+"], "nested quantifiers"),
        (&["--regex", "("], "Invalid regex pattern"),
        (&["--text", "a", "--first", "--all"], "mutually exclusive"),
        (&["--text", "a", "--all", "--max", "0"], "--max must be a positive integer"),
        (&["--text", "a", "--max", "5"], "--max is for --all"),
        (&["--text", "a", "--after-seq", "-1"], "--after-seq must be a seq"),
        (&["--text", "a", "--after-seq", "4", "--before-seq", "5"], "no event lies between them"),
        (&["--text", "a", "--profile", "reference-dark"], "--profile is for --screenshot"),
        (&["--text", "a", "--screenshot", "--profile", "sepia"], "unknown render profile"),
    ];
    for (flags, part) in cases {
        let mut args = vec!["find", id.as_str()];
        args.extend_from_slice(flags);
        args.push("--json");
        let error = t.at(&args).err("find", 2, "INVALID_INPUT");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(part), "{flags:?}: {message:?} should say {part:?}");
    }
    t.at(&["find", "01NOSUCHSESSION0000000000", "--text", "a", "--json"]).err("find", 3, "SESSION_NOT_FOUND");
}

#[test]
fn a_long_log_gives_the_same_answers_with_and_without_the_hosts_checkpoints() {
    let t = TestHome::new();
    // About 5 MB of log: the host writes a screen checkpoint every 2 MB. Each mark is
    // shown alone for a moment (an output event of its own), so it is on screen after an
    // event; the numbers scroll by many to an event.
    let script = "seq 1 250000; echo MIDDLE MARK; sleep 0.3; seq 250001 400000; echo MIDDLE MARK 2; sleep 0.3; \
                  seq 400001 540000; echo END 77777; sleep 0.3; echo done";
    let created = t.create(&["--cols", "80", "--rows", "24"], &["bash", "-c", script]);
    let id = created["sessionId"].as_str().unwrap().to_string();
    t.at(&["wait", &id, "--exit", "--timeout", "60000", "--json"]).ok("wait");
    let log = std::fs::metadata(t.session_dir(&id).join("events.jsonl")).unwrap().len();
    assert!(log > 4_000_000, "a {log}-byte log");
    let checkpoints = t.session_dir(&id).join("checkpoints");
    let screens = std::fs::read_dir(&checkpoints)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".screen.bin"))
        .count();
    assert!(screens >= 2, "the host wrote {screens} screen checkpoints");

    let searches: &[&[&str]] = &[
        &["--text", "MIDDLE MARK"],
        &["--text", "MIDDLE MARK", "--last"],
        &["--text", "MIDDLE MARK", "--all"],
        &["--text", "77777", "--all", "--max", "3"],
        &["--text", "77777", "--last"],
        &["--regex", "END \\d{5}"],
        &["--text", "never printed"],
    ];
    let answers = || -> Vec<Value> { searches.iter().map(|args| find(&t, &id, args)).collect() };
    let through_checkpoints = answers();
    std::fs::remove_dir_all(&checkpoints).unwrap();
    let whole_log = answers();
    assert_eq!(through_checkpoints, whole_log);
    assert!(!checkpoints.exists(), "find writes no checkpoints");

    let marks = seqs(&whole_log[2]);
    assert_eq!(marks.len(), 2, "{}", whole_log[2]);
    assert_eq!((seqs(&whole_log[0]), seqs(&whole_log[1])), (vec![marks[0]], vec![marks[1]]));
    assert_eq!(whole_log[0]["scannedToSeq"], marks[0]);
    let sevens = &whole_log[3];
    assert!(sevens["total"].as_u64() >= Some(1) && seqs(sevens).len() <= 3, "{sevens}");
    assert_eq!(whole_log[4]["matches"][0]["text"], "END 77777");
    assert_eq!(whole_log[5]["matches"][0]["text"], "END 77777");
    assert_eq!(whole_log[6]["total"], 0);
    assert_eq!(whole_log[6]["scannedToSeq"], t.last_seq(&id));
}
