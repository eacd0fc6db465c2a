//! Damage never hides: a damaged Event Log line is skipped, replay goes on, and every
//! result built from the log (`snapshot`, `screenshot`, offline `wait`, `record export`)
//! reports it in a trailing `damage` object; a failed capture never deletes an earlier
//! artifact; `gc` never removes a folder under another session's name.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::*;

/// One event log line (with its newline).
fn event(seq: u64, second: u64, kind: &str, payload: &str) -> String {
    format!(
        "{{\"seq\":{seq},\"ts\":\"2026-11-26T10:00:{second:02}.000Z\",\"type\":\"{kind}\",\"payload\":{payload}}}\n"
    )
}

/// An output line printing `text` on its own line.
fn output(seq: u64, text: &str) -> String {
    event(seq, seq + 1, "output", &format!("{{\"data\":\"{text}\\r\\n\"}}"))
}

/// Two good lines, then `bad` (line 3), then the good lines `after`.
fn log_with(bad: &[u8], after: &str) -> Vec<u8> {
    let mut log = (output(0, "before-0") + &output(1, "before-1")).into_bytes();
    log.extend_from_slice(bad);
    log.extend_from_slice(after.as_bytes());
    log
}

/// A destroyed session whose log the test then replaces.
fn offline_session(t: &TestHome) -> String {
    let id = t.bash();
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    id
}

fn webm_built() -> bool {
    agent_tty_render::video::webm_unavailable().is_none()
}

fn video_formats() -> Vec<&'static str> {
    if webm_built() { vec!["gif", "webm"] } else { vec!["gif"] }
}

/// Every result built from the log carries the same `damage`, and shows `shown` (text of
/// lines after the damage) but never `hidden`; returns the damage object.
fn check_every_reader(t: &TestHome, id: &str, last_seq: u64, shown: &str, hidden: &str) -> Value {
    let snap = t.at(&["snapshot", id, "--format", "text", "--json"]).ok("snapshot");
    let text = snap["text"].as_str().unwrap();
    assert!(text.contains(shown) && text.contains("before-1"), "{text:?}");
    assert!(!text.contains(hidden), "{text:?}");
    assert_eq!(snap["capturedAtSeq"], last_seq);
    let damage = snap["damage"].clone();
    assert_keys(&damage, &["skippedLines", "firstBadLine", "reason", "tornLastLine"]);
    let keys: Vec<&String> = snap.as_object().unwrap().keys().collect();
    assert_eq!(keys.last().map(|k| k.as_str()), Some("damage"), "an addition after the existing keys");
    let artifact = snap_artifact(t, id, last_seq);
    assert_eq!(artifact["damage"], damage, "the snapshot artifact says so too");

    let shot = t.at(&["screenshot", id, "--json"]).ok("screenshot");
    assert_eq!((&shot["capturedAtSeq"], &shot["damage"]), (&json!(last_seq), &damage), "screenshot");

    let waited = t.at(&["wait", id, "--text", shown, "--json"]).ok("wait");
    assert_eq!(waited["damage"], damage, "offline wait");
    let missed = t.at(&["wait", id, "--text", hidden, "--json"]).err("wait", 10, "REPLAY_ERROR");
    assert_eq!(missed["details"]["damage"], damage, "a failed offline wait says so too");

    let cast = t.at(&["record", "export", id, "--format", "asciicast", "--json"]).ok("record export");
    assert_eq!((&cast["capturedAtSeq"], &cast["damage"]), (&json!(last_seq), &damage), "asciicast");
    let cast_text = std::fs::read_to_string(cast["artifactPath"].as_str().unwrap()).unwrap();
    assert!(cast_text.contains(shown) && !cast_text.contains(hidden), "{cast_text}");
    for format in video_formats() {
        let video = t.at(&["record", "export", id, "--format", format, "--json"]).ok("record export");
        assert_eq!((&video["capturedAtSeq"], &video["damage"]), (&json!(last_seq), &damage), "{format}");
        assert!(Path::new(video["artifactPath"].as_str().unwrap()).is_file());
    }
    damage
}

fn snap_artifact(t: &TestHome, id: &str, seq: u64) -> Value {
    let path = t.session_dir(id).join(format!("artifacts/snapshot-{seq}-text.json"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// One damaged line and what every reader must report about it.
struct Case {
    what: &'static str,
    /// The damaged line (line 3 of the log).
    bad: Vec<u8>,
    /// The good lines after it.
    after: String,
    last_seq: u64,
    skipped: u64,
    /// A part of the reported reason.
    reason: &'static str,
    /// Text only the damaged line has, which must not show.
    hidden: &'static str,
}

/// Each kind of damaged line in the middle of the log: skipped (or, for a seq gap and
/// time going backwards, used and flagged), the lines after it replayed, and the damage
/// reported identically by every reader.
#[test]
fn every_kind_of_damaged_line_is_skipped_and_reported() {
    let t = TestHome::new();
    let id = offline_session(&t);
    let log_path = t.session_dir(&id).join("events.jsonl");
    let after = output(2, "after-2") + &output(3, "after-3");
    let back = event(2, 0, "output", r#"{"data":"back-2\r\n"}"#);
    let case = |what, bad: &[u8], skipped, reason| Case {
        what,
        bad: bad.to_vec(),
        after: after.clone(),
        last_seq: 3,
        skipped,
        reason,
        hidden: "zzz",
    };
    let cases = [
        case("garbage", b"this is not json\n", 1, "not a valid event record"),
        case("binary", b"\xff\xfe\x80{\"seq\":2\x81\xc3\n", 1, "not a valid event record"),
        case("NUL bytes", b"\0\0\0\0{\0}\n", 1, "not a valid event record"),
        Case {
            hidden: "dup-hidden",
            ..case("duplicate seq", output(1, "dup-hidden").as_bytes(), 1, "duplicate seq 1")
        },
        Case {
            hidden: "backwards-hidden",
            ..case(
                "seq going backwards",
                output(0, "backwards-hidden").as_bytes(),
                1,
                "seq 0 goes backwards after seq 1",
            )
        },
        Case {
            hidden: "unknown-hidden",
            ..case(
                "unknown type",
                event(2, 3, "teleport", r#"{"data":"unknown-hidden"}"#).as_bytes(),
                1,
                "unknown event type \"teleport\"",
            )
        },
        case(
            "wrong payload type",
            event(2, 3, "output", r#"{"data":42}"#).as_bytes(),
            1,
            "invalid output payload",
        ),
        case(
            "wrong marker payload",
            event(2, 3, "marker", r#"{"label":["x"]}"#).as_bytes(),
            1,
            "invalid marker payload",
        ),
        Case {
            hidden: "ts-hidden",
            ..case(
                "invalid ts",
                output(2, "ts-hidden").replace("2026-11-26T", "later").as_bytes(),
                1,
                "invalid ts",
            )
        },
        Case {
            after: output(6, "after-3"),
            last_seq: 6,
            ..case(
                "seq gap",
                output(5, "gap-5").as_bytes(),
                0,
                "seq gap: expected seq 2, found 5 (3 event(s) missing)",
            )
        },
        Case {
            after: output(3, "after-3"),
            ..case("time going backwards", back.as_bytes(), 0, "time goes backwards at seq 2")
        },
    ];
    for Case { what, bad, after, last_seq, skipped, reason, hidden } in cases {
        std::fs::write(&log_path, log_with(&bad, &after)).unwrap();
        let damage = check_every_reader(&t, &id, last_seq, "after-3", hidden);
        assert_eq!(damage["skippedLines"], skipped, "{what}: {damage}");
        assert_eq!(damage["firstBadLine"], 3, "{what}: {damage}");
        assert_eq!(damage["tornLastLine"], false, "{what}: {damage}");
        let why = damage["reason"].as_str().unwrap();
        assert!(why.contains(reason), "{what}: {why:?} should say {reason:?}");
    }
    // A used-but-flagged line shows: the gap's line and the line whose time went back.
    std::fs::write(&log_path, log_with(output(5, "gap-5").as_bytes(), &output(6, "after-3"))).unwrap();
    let text = t.snapshot(&id, &["--format", "text"])["text"].as_str().unwrap().to_string();
    assert!(text.contains("gap-5"), "{text:?}");

    // Several damaged lines: all counted, the first one named.
    let bad = b"junk\n\0\n".to_vec();
    std::fs::write(&log_path, log_with(&[bad, output(1, "dup-hidden").into_bytes()].concat(), &after))
        .unwrap();
    let damage = check_every_reader(&t, &id, 3, "after-3", "dup-hidden");
    assert_eq!((&damage["skippedLines"], &damage["firstBadLine"]), (&json!(3), &json!(3)));

    // Human mode: the output, then one warning line; nothing on stderr.
    let human = t.at(&["snapshot", &id, "--format", "text"]);
    let stdout = human.human_ok();
    let last = stdout.lines().last().unwrap();
    assert!(
        last.starts_with("Warning: the event log is damaged: 3 line(s) skipped; first bad line 3: "),
        "{stdout}"
    );
}

/// A clean log: no `damage` key anywhere, byte-identical results to before.
#[test]
fn a_clean_log_reports_no_damage() {
    let t = TestHome::new();
    let id = offline_session(&t);
    let log = output(0, "before-0") + &output(1, "before-1") + &output(2, "after-3");
    std::fs::write(t.session_dir(&id).join("events.jsonl"), log).unwrap();
    let snap = t.snapshot(&id, &["--format", "text"]);
    assert!(snap.get("damage").is_none(), "{snap}");
    assert!(!t.at(&["snapshot", &id]).human_ok().contains("Warning"));
    let shot = t.at(&["screenshot", &id, "--json"]).ok("screenshot");
    assert!(shot.get("damage").is_none(), "{shot}");
    let waited = t.at(&["wait", &id, "--text", "after-3", "--json"]).ok("wait");
    assert!(waited.get("damage").is_none(), "{waited}");
    for format in ["asciicast", "gif"] {
        let out = t.at(&["record", "export", &id, "--format", format, "--json"]).ok("record export");
        assert!(out.get("damage").is_none(), "{out}");
    }
}

/// A torn last line (a host killed mid-write) is reported apart: `tornLastLine`, and a
/// reason that says so; a garbage line before it is still the first bad line.
#[test]
fn a_torn_last_line_is_reported_apart() {
    let t = TestHome::new();
    let id = offline_session(&t);
    let log_path = t.session_dir(&id).join("events.jsonl");
    let good = output(0, "before-0") + &output(1, "before-1") + &output(2, "after-3");
    std::fs::write(&log_path, good.clone() + "{\"seq\":3,\"ts\":\"2026-11-2").unwrap();
    let damage = check_every_reader(&t, &id, 2, "after-3", "zzz");
    assert_eq!(
        (&damage["skippedLines"], &damage["firstBadLine"], &damage["tornLastLine"]),
        (&json!(1), &json!(4), &json!(true))
    );
    assert!(damage["reason"].as_str().unwrap().starts_with("torn last line"), "{damage}");

    std::fs::write(
        &log_path,
        output(0, "before-0") + &output(1, "before-1") + "oops\n" + &output(2, "after-3") + "{",
    )
    .unwrap();
    let damage = check_every_reader(&t, &id, 2, "after-3", "zzz");
    assert_eq!(
        (&damage["skippedLines"], &damage["firstBadLine"], &damage["tornLastLine"]),
        (&json!(2), &json!(3), &json!(true))
    );
    assert!(damage["reason"].as_str().unwrap().contains("not a valid event record"), "{damage}");
}

/// A 60 MB line is read through, never held: the replay goes on after it, reports it,
/// and (where `/usr/bin/time` can tell) its peak memory stays far below the line's size.
#[test]
fn a_60_mb_line_is_skipped_without_holding_it() {
    let t = TestHome::new();
    let id = offline_session(&t);
    let log_path = t.session_dir(&id).join("events.jsonl");
    let size = 60 << 20;
    let mut huge = Vec::with_capacity(size + 100);
    huge.extend_from_slice(
        b"{\"seq\":2,\"ts\":\"2026-11-26T10:00:03.000Z\",\"type\":\"output\",\"payload\":{\"data\":\"",
    );
    huge.resize(size, b'x');
    huge.extend_from_slice(b"\"}}\n");
    std::fs::write(&log_path, log_with(&huge, &(output(2, "after-2") + &output(3, "after-3")))).unwrap();
    drop(huge);

    let snap = t.snapshot(&id, &["--format", "text"]);
    assert!(snap["text"].as_str().unwrap().contains("after-3"));
    let damage = &snap["damage"];
    assert_eq!((&damage["skippedLines"], &damage["firstBadLine"]), (&json!(1), &json!(3)));
    assert!(damage["reason"].as_str().unwrap().contains("line limit"), "{damage}");
    let cast = t.at(&["record", "export", &id, "--format", "asciicast", "--json"]).ok("record export");
    assert_eq!(&cast["damage"], damage);
    let gif = t.at(&["record", "export", &id, "--format", "gif", "--json"]).ok("record export");
    assert_eq!(&gif["damage"], damage);

    let time_found = Path::new("/usr/bin/time").is_file();
    if !time_found {
        eprintln!("skipped the peak memory check: needs /usr/bin/time: apt-get install time");
    }
    if time_found {
        let report = t.path("rss.txt");
        let status = std::process::Command::new("/usr/bin/time")
            .args(["-f", "%M", "-o", report.to_str().unwrap(), BIN, "--home", &t.home_str()])
            .args(["snapshot", &id, "--json"])
            .env("HOME", &t.user_home)
            .env("XDG_STATE_HOME", &t.state)
            .env_remove("AGENT_TTY_HOME")
            .env_remove("AGENT_TTY_PROFILE")
            .env_remove("AGENT_TTY_RENDERER")
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        let text = std::fs::read_to_string(&report).unwrap();
        let peak_kib: u64 = text.trim().lines().last().unwrap().trim().parse().unwrap();
        eprintln!("snapshot of a log with a 60 MB line: peak RSS {peak_kib} KiB");
        assert!(peak_kib < 40 * 1024, "peak RSS {peak_kib} KiB for a 60 MB line");
    }
}

/// A video export of a log with no usable event says why: the damage, in the message
/// and the details.
#[test]
fn an_export_failing_because_of_damage_says_why() {
    let t = TestHome::new();
    let id = offline_session(&t);
    std::fs::write(t.session_dir(&id).join("events.jsonl"), "garbage\n\0\0\n").unwrap();
    let error =
        t.at(&["record", "export", &id, "--format", "gif", "--json"]).err("record export", 7, "EXPORT_ERROR");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("no usable events") && message.contains("line 1"), "{message}");
    assert_eq!(error["details"]["damage"]["skippedLines"], 2, "{error}");
    assert_eq!(error["details"]["damage"]["firstBadLine"], 1, "{error}");
    assert!(error["details"]["reason"].as_str().unwrap().contains("not a valid event record"), "{error}");
    let artifacts = t.session_dir(&id).join("artifacts");
    let names: Vec<String> = std::fs::read_dir(&artifacts)
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    assert!(names.iter().all(|n| !n.ends_with(".gif") && !n.contains(".tmp-")), "{names:?}");
}

/// A garbled artifact manifest makes the next captures fail, and each failure leaves the
/// earlier files of the same name exactly as they were (and no temporary file behind).
#[test]
fn a_failed_capture_keeps_earlier_artifacts() {
    let t = TestHome::new();
    let id = offline_session(&t);
    let log = output(0, "before-0") + &output(1, "after-3");
    std::fs::write(t.session_dir(&id).join("events.jsonl"), log).unwrap();
    let dir = t.session_dir(&id).join("artifacts");
    let mut earlier = Vec::new();
    let snap = t.at(&["snapshot", &id, "--format", "text", "--json"]).ok("snapshot");
    assert_eq!(snap["capturedAtSeq"], 1);
    earlier.push(dir.join("snapshot-1-text.json"));
    earlier
        .push(t.at(&["screenshot", &id, "--json"]).ok("screenshot")["artifactPath"].as_str().unwrap().into());
    for format in ["asciicast", "gif"] {
        let out = t.at(&["record", "export", &id, "--format", format, "--json"]).ok("record export");
        earlier.push(out["artifactPath"].as_str().unwrap().into());
    }
    // Mark each earlier file so that a replacement, not only a deletion, would show.
    for (k, path) in earlier.iter().enumerate() {
        assert!(path.is_file(), "{path:?}");
        std::fs::write(path, format!("earlier capture {k}")).unwrap();
    }
    std::fs::write(dir.join("manifest.json"), "{\"version\":1,\"sessionId\":").unwrap();

    let commands: [&[&str]; 4] = [
        &["snapshot", &id, "--format", "text", "--json"],
        &["screenshot", &id, "--json"],
        &["record", "export", &id, "--format", "asciicast", "--json"],
        &["record", "export", &id, "--format", "gif", "--json"],
    ];
    for args in commands {
        let command = if args[0] == "record" { "record export" } else { args[0] };
        t.at(args).err(command, 8, "MANIFEST_VALIDATION_ERROR");
    }
    for (k, path) in earlier.iter().enumerate() {
        assert_eq!(std::fs::read_to_string(path).unwrap(), format!("earlier capture {k}"), "{path:?}");
    }
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// `gc` removes exactly the folders it reports: a folder whose `session.json` names
/// another session is skipped with the reason, and kept.
#[test]
fn gc_skips_a_folder_whose_manifest_names_another_session() {
    let t = TestHome::new();
    let real = offline_session(&t);
    let impostor = offline_session(&t);
    let manifest_path = t.session_dir(&impostor).join("session.json");
    let mut manifest: Value = serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    manifest["sessionId"] = json!(real);
    std::fs::write(&manifest_path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();

    let dry = t.at(&["gc", "--dry-run", "--json"]).ok("gc");
    assert_eq!(dry["homes"][0]["removedSessions"], json!([real]));
    let result = t.at(&["gc", "--json"]).ok("gc");
    let home = &result["homes"][0];
    assert_eq!(home["removedSessions"], json!([real]), "{result}");
    let skipped = home["skippedSessions"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{result}");
    assert_eq!(skipped[0]["sessionId"], impostor, "reported under its folder's name");
    let reason = skipped[0]["reason"].as_str().unwrap();
    assert!(reason.contains(&real) && reason.contains(&impostor), "{reason}");
    assert!(!t.session_dir(&real).exists(), "the reported folder is removed");
    assert!(t.session_dir(&impostor).is_dir(), "the mismatched folder is kept");
    assert!(manifest_path.is_file());
}
