//! `record export --format asciicast`: the exact header, `o`/`r`/`m` frames only with
//! JavaScript-style times, the result shape, manifest entries and artifact health
//! (including `--out` files), determinism, validation order and exit codes, the
//! video formats' validation, destroyed sessions, and (when installed) that
//! asciinema itself can play the file.

use serde_json::Value;

use crate::support::*;

const RESULT_KEYS: [&str; 8] =
    ["sessionId", "format", "artifactPath", "bytes", "sha256", "capturedAtSeq", "durationMs", "metadata"];
const RESULT_METADATA_KEYS: [&str; 7] =
    ["width", "height", "title", "timestamp", "outputEventCount", "resizeEventCount", "markerCount"];
const ENTRY_KEYS: [&str; 9] =
    ["id", "kind", "filename", "sessionId", "capturedAtSeq", "createdAt", "sha256", "bytes", "metadata"];
const ENTRY_METADATA_KEYS: [&str; 9] = [
    "format",
    "outputPath",
    "width",
    "height",
    "title",
    "timestamp",
    "outputEventCount",
    "resizeEventCount",
    "markerCount",
];

/// A bash session that echoed `token`, was resized to 100x30 and got a `checkpoint` mark.
fn recorded_session(t: &TestHome, token: &str) -> String {
    let id = t.bash();
    t.run_cmd(&id, &format!("echo {token}"));
    t.at(&["resize", &id, "--cols", "100", "--rows", "30", "--json"]).ok("resize");
    t.at(&["mark", &id, "checkpoint", "--json"]).ok("mark");
    id
}

fn manifest_entries(t: &TestHome, id: &str) -> Vec<Value> {
    let path = t.session_dir(id).join("artifacts/manifest.json");
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    manifest["artifacts"].as_array().unwrap().clone()
}

/// Whether `time` is a JS-style number: digits, optionally `.` and 1-3 digits without a
/// trailing zero.
fn js_number(time: &str) -> bool {
    let (whole, frac) = time.split_once('.').unwrap_or((time, ""));
    let whole_ok = !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit());
    let frac_ok = !time.contains('.')
        || (!frac.is_empty()
            && frac.len() <= 3
            && frac.bytes().all(|b| b.is_ascii_digit())
            && !frac.ends_with('0'));
    whole_ok && frac_ok
}

/// Checks the file's header and frames against the event log; returns the frames.
fn check_cast(t: &TestHome, id: &str, text: &str, cols: u64, rows: u64) -> Vec<Value> {
    assert!(text.ends_with('\n') && !text.ends_with("\n\n"), "one trailing newline");
    let lines: Vec<&str> = text.trim_end_matches('\n').split('\n').collect();
    let events = t.checked_events(id);
    let first_ts = events[0]["ts"].as_str().unwrap();
    let first_secs = chrono_secs(first_ts);
    let expected_header = format!(
        "{{\"version\":2,\"width\":{cols},\"height\":{rows},\"timestamp\":{first_secs},\"title\":\"{id}\",\
         \"sessionId\":\"{id}\",\"env\":{{\"TERM\":\"xterm-256color\"}},\"toolVersion\":\"{}\"}}",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(lines[0], expected_header);
    let mut frames = Vec::new();
    let mut last = -1.0f64;
    for line in &lines[1..] {
        let frame: Value = serde_json::from_str(line).unwrap();
        assert_eq!(serde_json::to_string(&frame).unwrap(), *line, "compact frame");
        let time_text = &line[1..line.find(',').unwrap()];
        assert!(js_number(time_text), "JS-style time {time_text:?} in {line}");
        let time = frame[0].as_f64().unwrap();
        assert!(time >= last, "times are non-decreasing: {line}");
        last = time;
        assert!(["o", "r", "m"].contains(&frame[1].as_str().unwrap()), "no input frames: {line}");
        frames.push(frame);
    }
    let emitted: Vec<&Value> = events
        .iter()
        .filter(|e| ["output", "resize", "marker"].contains(&e["type"].as_str().unwrap()))
        .collect();
    assert_eq!(frames.len(), emitted.len(), "one frame per output/resize/marker event");
    for (frame, event) in frames.iter().zip(&emitted) {
        let ms = chrono_ms(event["ts"].as_str().unwrap()) - chrono_ms(first_ts);
        assert_eq!(frame[0].as_f64().unwrap(), ms as f64 / 1000.0);
        let payload = &event["payload"];
        let expected = match event["type"].as_str().unwrap() {
            "output" => ("o", payload["data"].as_str().unwrap().to_string()),
            "resize" => ("r", format!("{}x{}", payload["cols"], payload["rows"])),
            _ => ("m", payload["label"].as_str().unwrap().to_string()),
        };
        assert_eq!(
            (frame[1].as_str().unwrap(), frame[2].as_str().unwrap().to_string()),
            (expected.0, expected.1)
        );
    }
    frames
}

/// Milliseconds since the epoch of `YYYY-MM-DDTHH:MM:SS.mmmZ` (days from civil).
fn chrono_ms(ts: &str) -> u64 {
    let n = |r: std::ops::Range<usize>| ts[r].parse::<i64>().unwrap();
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    let secs = days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19);
    (secs * 1000 + n(20..23)) as u64
}

fn chrono_secs(ts: &str) -> u64 {
    chrono_ms(ts) / 1000
}

#[test]
fn exports_header_frames_result_and_manifest_deterministically() {
    let t = TestHome::new();
    let id = recorded_session(&t, "cast-token-4711");
    let result = t.at(&["record", "export", &id, "--format", "asciicast", "--json"]).ok("record export");
    assert_keys(&result, &RESULT_KEYS);
    assert_keys(&result["metadata"], &RESULT_METADATA_KEYS);
    let events = t.checked_events(&id);
    let last_seq = events.last().unwrap()["seq"].as_u64().unwrap();
    let path = t.session_dir(&id).join(format!("artifacts/recording-{last_seq}-asciicast.cast"));
    assert_eq!(result["sessionId"], id.as_str());
    assert_eq!(result["format"], "asciicast");
    assert_eq!(result["artifactPath"], path.to_str().unwrap());
    assert_eq!(result["capturedAtSeq"], last_seq);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(result["bytes"], bytes.len() as u64);
    assert_eq!(result["sha256"], sha256_hex(&bytes));
    let first = chrono_ms(events[0]["ts"].as_str().unwrap());
    let last = chrono_ms(events.last().unwrap()["ts"].as_str().unwrap());
    assert_eq!(result["durationMs"], last - first);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);

    let text = String::from_utf8(bytes.clone()).unwrap();
    let frames = check_cast(&t, &id, &text, 100, 30);
    let count = |code: &str| frames.iter().filter(|f| f[1] == code).count() as u64;
    assert!(frames.iter().any(|f| f[1] == "o" && f[2].as_str().unwrap().contains("cast-token-4711")));
    assert!(frames.iter().any(|f| f[1] == "r" && f[2] == "100x30"));
    assert!(frames.iter().any(|f| f[1] == "m" && f[2] == "checkpoint"));
    let metadata = &result["metadata"];
    assert_eq!((metadata["width"].as_u64(), metadata["height"].as_u64()), (Some(100), Some(30)));
    assert_eq!(metadata["title"], id.as_str());
    assert_eq!(metadata["timestamp"], first / 1000);
    assert_eq!(metadata["outputEventCount"], count("o"));
    assert_eq!(metadata["resizeEventCount"], 1);
    assert_eq!(metadata["markerCount"], 1);

    let entries = manifest_entries(&t, &id);
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_keys(entry, &ENTRY_KEYS);
    assert_keys(&entry["metadata"], &ENTRY_METADATA_KEYS);
    assert_eq!(entry["kind"], "recording");
    assert_eq!(entry["filename"], format!("recording-{last_seq}-asciicast.cast"));
    assert_eq!(entry["sessionId"], id.as_str());
    assert_eq!(entry["capturedAtSeq"], last_seq);
    assert_eq!(entry["sha256"], result["sha256"]);
    assert_eq!(entry["bytes"], result["bytes"]);
    assert_eq!(entry["metadata"]["format"], "asciicast");
    assert_eq!(entry["metadata"]["outputPath"], path.to_str().unwrap());
    for key in RESULT_METADATA_KEYS {
        assert_eq!(entry["metadata"][key], metadata[key], "{key}");
    }
    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspected["artifacts"]["health"], "healthy", "{}", inspected["artifacts"]);

    // Re-export: byte-identical, another manifest entry.
    let again = t.at(&["record", "export", &id, "--format", "asciicast", "--json"]).ok("record export");
    assert_eq!(again["sha256"], result["sha256"]);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    let entries = manifest_entries(&t, &id);
    assert_eq!(entries.len(), 2);
    assert_ne!(entries[0]["id"], entries[1]["id"]);

    // Human output.
    let human = t.at(&["record", "export", &id, "--format", "asciicast"]).human_ok().to_string();
    let expected = [
        format!("Session ID: {id}"),
        "Format: asciicast".to_string(),
        format!("Captured At Seq: {last_seq}"),
        format!("Artifact Path: {}", path.display()),
        format!("Bytes: {}", bytes.len()),
        format!("SHA256: {}", sha256_hex(&bytes)),
        format!("Duration: {} ms", last - first),
    ];
    assert_eq!(human.lines().collect::<Vec<_>>(), expected);

    if optional("asciinema", "asciinema", "the asciinema cat check") {
        let cat = std::process::Command::new("asciinema").arg("cat").arg(&path).output().unwrap();
        assert!(cat.status.success(), "asciinema cat failed: {}", String::from_utf8_lossy(&cat.stderr));
        assert!(String::from_utf8_lossy(&cat.stdout).contains("cast-token-4711"));
    }
}

#[test]
fn out_file_is_recorded_with_its_absolute_path_and_counts_as_healthy() {
    let t = TestHome::new();
    let id = recorded_session(&t, "out-token");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("my.cast");
    let result = t
        .at(&["record", "export", &id, "--format", "asciicast", "--out", out.to_str().unwrap(), "--json"])
        .ok("record export");
    let real = dir.path().canonicalize().unwrap().join("my.cast");
    assert_eq!(result["artifactPath"], real.to_str().unwrap());
    let bytes = std::fs::read(&real).unwrap();
    assert_eq!(result["sha256"], sha256_hex(&bytes));
    check_cast(&t, &id, &String::from_utf8(bytes).unwrap(), 100, 30);
    let entries = manifest_entries(&t, &id);
    assert_eq!(entries[0]["filename"], "my.cast");
    assert_eq!(entries[0]["metadata"]["outputPath"], real.to_str().unwrap());
    assert!(!t.session_dir(&id).join("artifacts/my.cast").exists());
    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspected["artifacts"]["health"], "healthy", "{}", inspected["artifacts"]);
    assert_eq!(inspected["artifacts"]["missingCount"], 0);

    // A relative --out resolves against the working directory.
    let rel = t.run_with(
        &[
            "--home",
            &t.home_str(),
            "record",
            "export",
            &id,
            "--format",
            "asciicast",
            "--out",
            "rel.cast",
            "--json",
        ],
        &[],
        Some(&t.work),
    );
    assert_eq!(rel.ok("record export")["artifactPath"], t.work.join("rel.cast").to_str().unwrap());

    // Missing parent directory: EXPORT_ERROR, nothing appended.
    let missing = dir.path().join("nope/x.cast");
    let error = t
        .at(&["record", "export", &id, "--format", "asciicast", "--out", missing.to_str().unwrap(), "--json"])
        .err("record export", 7, "EXPORT_ERROR");
    assert_eq!(error["message"], format!("Failed to export session \"{id}\" as asciicast."));
    assert_eq!(error["details"]["out"], missing.to_str().unwrap());
    assert_eq!(manifest_entries(&t, &id).len(), 2);
}

#[test]
fn validation_order_and_exit_codes() {
    let t = TestHome::new();
    let ghost = "01KM0000000000000000000000";
    let bad_format = t.at(&["record", "export", ghost, "--format", "mp4", "--json"]);
    let error = bad_format.err("record export", 2, "INVALID_INPUT");
    assert_eq!(error["message"], "Record export format must be one of: asciicast, webm, gif.");
    let bad_timing =
        t.at(&["record", "export", ghost, "--format", "asciicast", "--timing", "slow", "--json"]);
    let error = bad_timing.err("record export", 2, "INVALID_INPUT");
    assert_eq!(error["message"], "Replay timing mode must be one of: recorded, accelerated, max-speed.");
    t.at(&["record", "export", ghost, "--format", "webm", "--timing", "x", "--json"]).err(
        "record export",
        2,
        "INVALID_INPUT",
    );
    t.at(&["record", "export", ghost, "--format", "asciicast", "--json"]).err(
        "record export",
        3,
        "SESSION_NOT_FOUND",
    );
    t.at(&["record", "export", ghost, "--format", "webm", "--json"]).err(
        "record export",
        3,
        "SESSION_NOT_FOUND",
    );
    t.at(&["record", "export", ghost, "--json"]).exit(2);

    let id = t.bash();
    for format in ["webm", "gif"] {
        let long = "p".repeat(101);
        let out = t.at(&["record", "export", &id, "--format", format, "--profile", &long, "--json"]);
        let error = out.err("record export", 2, "INVALID_INPUT");
        assert_eq!(error["message"], "Record export profile is invalid.");
        let out = t.at(&["record", "export", &id, "--format", format, "--profile", "neon", "--json"]);
        let error = out.err("record export", 7, "EXPORT_ERROR");
        assert_eq!(error["message"], format!("Failed to export session \"{id}\" as {format}."));
        assert!(error["details"]["reason"].as_str().unwrap().contains("neon"), "{error}");
        let wrong = t.path("clip.mp4");
        let out =
            t.at(&["record", "export", &id, "--format", format, "--out", wrong.to_str().unwrap(), "--json"]);
        let error = out.err("record export", 7, "EXPORT_ERROR");
        assert!(error["details"]["reason"].as_str().unwrap().contains(&format!(".{format}")), "{error}");
        assert!(!wrong.exists());
    }
    // --profile is accepted and ignored for asciicast.
    t.at(&["record", "export", &id, "--format", "asciicast", "--profile", "whatever", "--json"])
        .ok("record export");
}

#[test]
fn destroyed_sessions_export_and_corrupt_logs_fail() {
    let t = TestHome::new();
    let id = recorded_session(&t, "gone-token");
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let result = t.at(&["record", "export", &id, "--format", "asciicast", "--json"]).ok("record export");
    let text = std::fs::read_to_string(result["artifactPath"].as_str().unwrap()).unwrap();
    assert!(text.contains("gone-token"));
    check_cast(&t, &id, &text, 100, 30);

    // A torn final line is left out, and reported.
    let log = t.session_dir(&id).join("events.jsonl");
    let mut raw = std::fs::read_to_string(&log).unwrap();
    raw.push_str("{\"seq\":999,\"ts\":");
    std::fs::write(&log, &raw).unwrap();
    let torn = t.at(&["record", "export", &id, "--format", "asciicast", "--json"]).ok("record export");
    assert_eq!(torn["sha256"], result["sha256"]);
    assert_eq!(torn["damage"]["tornLastLine"], true, "{torn}");
    assert!(result.get("damage").is_none());

    // Any other invalid line is skipped and reported (0.5 failed the export).
    raw.push('\n');
    std::fs::write(&log, &raw).unwrap();
    let skipped = t.at(&["record", "export", &id, "--format", "asciicast", "--json"]).ok("record export");
    assert_eq!(skipped["sha256"], result["sha256"]);
    assert_eq!(
        (&skipped["damage"]["skippedLines"], &skipped["damage"]["tornLastLine"]),
        (&serde_json::json!(1), &serde_json::json!(false))
    );
}
