//! Size bounds: `create`/`resize` refuse more than 1000 columns × 500 rows with
//! `INVALID_DIMENSIONS` naming the limit (the host's `resize` method too), a session at
//! the limit keeps a small host, a screenshot too large for an image fails with
//! `EXPORT_ERROR`, and an event log with a crafted 60000×60000 resize replays without
//! allocating a huge grid. Never an abort, a panic or an allocation failure.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;

use serde_json::{Value, json};

use crate::support::{self, BASH, DEADLINE, Out, TestHome, wait_until};

const MAX_COLS: &str = "1000";
const MAX_ROWS: &str = "500";

/// The resident memory of `pid` in KiB (`VmRSS` of `/proc/<pid>/status`).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("host status");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("VmRSS value")
}

/// Neither an abort nor a panic nor an allocation failure reached the user.
fn clean(out: &Out) -> &Out {
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(
        !text.contains("memory allocation") && !text.contains("panicked") && out.code >= 0,
        "unclean end of {:?} (exit {}):\n{text}",
        out.args,
        out.code
    );
    out
}

fn size_of(t: &TestHome, id: &str) -> (Value, Value) {
    let manifest = t.manifest(id);
    (manifest["cols"].clone(), manifest["rows"].clone())
}

#[test]
fn create_beyond_the_limit_is_invalid_dimensions_naming_it() {
    let t = TestHome::new();
    for (flags, name, max) in [
        (["--cols", "1001", "--rows", "24"], "cols", MAX_COLS),
        (["--cols", "80", "--rows", "501"], "rows", MAX_ROWS),
        (["--cols", "10000", "--rows", "10000"], "cols", MAX_COLS),
        (["--cols", "99999999999", "--rows", "24"], "cols", MAX_COLS),
    ] {
        let mut args = vec!["create", "--json"];
        args.extend_from_slice(&flags);
        let error = clean(&t.at(&args)).err("create", 2, "INVALID_DIMENSIONS");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("{name} must be a positive integer no larger than {max}, got: "))
        );
        assert_eq!(error["details"]["max"].to_string(), max);
    }
    assert!(
        !t.home.join("sessions").exists() || std::fs::read_dir(t.home.join("sessions")).unwrap().count() == 0
    );
}

#[test]
fn resize_beyond_the_limit_is_invalid_dimensions_and_changes_nothing() {
    let t = TestHome::new();
    let id = t.bash();
    for (cols, rows) in [("1001", "24"), ("80", "501"), ("10000", "10000"), ("60000", "60000")] {
        let out = t.at(&["resize", &id, "--cols", cols, "--rows", rows, "--json"]);
        let error = clean(&out).err("resize", 2, "INVALID_DIMENSIONS");
        assert_eq!(
            error["message"],
            format!("Resize dimensions must be at most 1000 columns and 500 rows, got: {cols}x{rows}.")
        );
        assert_eq!(error["details"]["maxCols"], 1000);
        assert_eq!(error["details"]["maxRows"], 500);
    }
    assert_eq!(size_of(&t, &id), (json!(80), json!(24)));
    let resized = t.at(&["resize", &id, "--cols", MAX_COLS, "--rows", MAX_ROWS, "--json"]).ok("resize");
    assert_eq!(resized, json!({ "cols": 1000, "rows": 500 }));
}

/// A client that talks to the host directly (as a 0.5 CLI would) gets the same refusal.
#[test]
fn host_resize_method_refuses_more_than_the_limit() {
    let t = TestHome::new();
    let id = t.bash();
    let socket = support::socket_dir(&t.home).join(&support::sha256_hex(id.as_bytes())[..12]);
    let mut stream = UnixStream::connect(&socket).expect("connect to the host");
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let request = json!({ "id": "r1", "method": "resize", "params": { "cols": 60000, "rows": 60000 } });
    stream.write_all(format!("{request}\n").as_bytes()).unwrap();
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line).expect("a reply");
    let reply: Value = serde_json::from_str(&line).expect("JSON reply");
    assert_eq!(reply["ok"], false, "{reply}");
    assert_eq!(reply["error"]["code"], "INVALID_DIMENSIONS");
    assert!(reply["error"]["message"].as_str().unwrap().contains("at most 1000 columns and 500 rows"));
    assert_eq!(size_of(&t, &id), (json!(80), json!(24)));
    assert!(!support::of_type(&t.events(&id), "resize").iter().any(|e| e["payload"]["cols"] == 60000));
}

/// At the limit the host stays small even with its scrollback full, a semantic snapshot
/// works, and a screenshot too large for an image is a clean `EXPORT_ERROR`; shrunk to
/// 512×256 cells (a 4096×4096 px image, the largest) the screenshot works.
#[test]
fn a_session_at_the_limit_stays_small_and_screenshots_fail_cleanly() {
    let t = TestHome::new();
    let created = t.create(&["--cols", MAX_COLS, "--rows", MAX_ROWS], &BASH);
    let id = created["sessionId"].as_str().unwrap().to_string();
    let host = support::pid_of(&t.manifest(&id), "hostPid");
    // 3000 full-width lines: the visible screen and all the scrollback the width allows.
    t.type_text(&id, "printf '%01000d\\n' $(seq 1 3000); echo FILLED-$((6*7))\n");
    t.wait_output(&id, "FILLED-42");
    wait_until("the screen shows the end", DEADLINE, || {
        t.snapshot(&id, &["--format", "text"])["text"].as_str().is_some_and(|s| s.contains("FILLED-42"))
    });
    // Cells are 24 bytes: 500 000 visible (12 MB) + 2 000 000 of scrollback (48 MB),
    // plus the host's own ~10 MB. 10000×10000 used to take 4.6 GiB.
    let rss_mib = rss_kib(host) / 1024;
    assert!(rss_mib < 160, "host RSS at 1000x500 with full scrollback: {rss_mib} MiB");

    let out = t.at(&["screenshot", &id, "--json"]);
    let error = clean(&out).err("screenshot", 7, "EXPORT_ERROR");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("1000x500 cells") && message.contains("16 megapixels"), "{message}");
    assert_eq!(error["details"]["cols"], 1000);

    t.at(&["resize", &id, "--cols", "512", "--rows", "256", "--json"]).ok("resize");
    let shot = t.at(&["screenshot", &id, "--json"]).ok("screenshot");
    assert_eq!((shot["pixelWidth"].clone(), shot["pixelHeight"].clone()), (json!(4096), json!(4096)));
}

/// An event log with a crafted 60000×60000 resize: replay clamps it to the limit, so a
/// snapshot works at 1000×500; a screenshot and video exports fail with `EXPORT_ERROR`;
/// the text export (asciicast) works. Nothing allocates a 60000×60000 grid.
#[test]
fn a_crafted_huge_resize_in_the_log_replays_without_a_huge_grid() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_settled(&id, "echo before-resize", "before-resize");
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let log = t.session_dir(&id).join("events.jsonl");
    let events = t.events(&id);
    let last = events.last().unwrap();
    let (seq, ts) = (last["seq"].as_u64().unwrap(), last["ts"].as_str().unwrap().to_string());
    let mut raw = std::fs::read_to_string(&log).unwrap();
    raw.push_str(&format!(
        "{}\n{}\n",
        json!({ "seq": seq + 1, "ts": ts, "type": "resize", "payload": { "cols": 60000, "rows": 60000 } }),
        json!({ "seq": seq + 2, "ts": ts, "type": "output", "payload": { "data": "after-resize\r\n" } }),
    ));
    std::fs::write(&log, raw).unwrap();

    let snapshot = clean(&t.at(&["snapshot", &id, "--format", "text", "--json"])).ok("snapshot");
    assert_eq!((snapshot["cols"].clone(), snapshot["rows"].clone()), (json!(1000), json!(500)));
    assert!(snapshot["text"].as_str().unwrap().contains("after-resize"));

    let shot = clean(&t.at(&["screenshot", &id, "--json"])).err("screenshot", 7, "EXPORT_ERROR");
    assert!(shot["message"].as_str().unwrap().contains("16 megapixels"), "{shot}");
    for format in ["webm", "gif"] {
        let out = t.at(&["record", "export", &id, "--format", format, "--json"]);
        let error = clean(&out).err("record export", 7, "EXPORT_ERROR");
        let reason = error["details"]["reason"].as_str().unwrap();
        assert!(reason.contains("1000x500 cells") && reason.contains("16 megapixels"), "{error}");
    }
    let cast =
        clean(&t.at(&["record", "export", &id, "--format", "asciicast", "--json"])).ok("record export");
    let text = std::fs::read_to_string(cast["artifactPath"].as_str().unwrap()).unwrap();
    assert!(text.contains("after-resize"));
}
