//! `snapshot`: the exact shapes of both formats, the canonical text and Screen Hash,
//! scrollback, the cell grid, artifacts and their manifest entries, human output, the
//! offline (replayed) snapshot equal to the live one, and offline replay of a torn or
//! corrupt event log.

use serde_json::{Value, json};

use crate::support::*;

const STRUCTURED_KEYS: [&str; 11] = [
    "format",
    "sessionId",
    "capturedAtSeq",
    "cols",
    "rows",
    "cursorRow",
    "cursorCol",
    "isAltScreen",
    "visibleLines",
    "screenHash",
    "cursorVisible",
];

const TEXT_KEYS: [&str; 10] = [
    "format",
    "sessionId",
    "capturedAtSeq",
    "cols",
    "rows",
    "cursorRow",
    "cursorCol",
    "text",
    "screenHash",
    "cursorVisible",
];

/// The structured keys with `extra` inserted after `visibleLines`.
fn structured_keys_with(extra: &[&'static str]) -> Vec<&'static str> {
    let mut keys = STRUCTURED_KEYS[..9].to_vec();
    keys.extend_from_slice(extra);
    keys.extend_from_slice(&["screenHash", "cursorVisible"]);
    keys
}

/// Checks the invariants shared by every structured snapshot; returns the canonical text.
pub fn check_structured(s: &Value, id: &str, cols: u64, rows: u64) -> String {
    assert_eq!(s["format"], "structured");
    assert_eq!(s["sessionId"], id);
    assert!(s["capturedAtSeq"].is_u64());
    assert_eq!((s["cols"].as_u64(), s["rows"].as_u64()), (Some(cols), Some(rows)), "size of {s}");
    assert!(
        s["cursorRow"].as_u64().unwrap() < rows && s["cursorCol"].as_u64().unwrap() < cols,
        "cursor of {s}"
    );
    assert!(s["isAltScreen"].is_boolean());
    let lines = s["visibleLines"].as_array().unwrap();
    assert_eq!(lines.len() as u64, rows, "visibleLines has exactly `rows` entries");
    for (i, line) in lines.iter().enumerate() {
        assert_keys(line, &["row", "text"]);
        assert_eq!(line["row"], i as u64);
        let text = line["text"].as_str().unwrap();
        assert!(!text.ends_with(' '), "trailing spaces are trimmed: {text:?}");
    }
    if let Some(scrollback) = s.get("scrollbackLines") {
        for (i, line) in scrollback.as_array().unwrap().iter().enumerate() {
            assert_keys(line, &["row", "text"]);
            assert_eq!(line["row"], i as u64, "scrollback rows count up from 0, oldest first");
            assert!(!line["text"].as_str().unwrap().ends_with(' '));
        }
    }
    let text = canonical_text(s);
    assert_eq!(
        s["screenHash"].as_str().unwrap(),
        sha256_hex(text.as_bytes()),
        "screenHash = sha256(canonical text)"
    );
    text
}

/// Checks a text snapshot; returns its text.
fn check_text(s: &Value, id: &str, cols: u64, rows: u64) -> String {
    assert_keys(s, &TEXT_KEYS);
    assert_eq!(s["format"], "text");
    assert_eq!(s["sessionId"], id);
    assert_eq!((s["cols"].as_u64(), s["rows"].as_u64()), (Some(cols), Some(rows)));
    let text = s["text"].as_str().unwrap().to_string();
    assert!(text.split('\n').all(|l| !l.ends_with(' ')), "trailing spaces are trimmed: {text:?}");
    text
}

/// Both formats: exact keys and order, `rows` lines, trimming, interior gaps, NBSP, the
/// `\n` join without a trailing newline, and one Screen Hash for both.
#[test]
fn formats_canonical_text_and_hash() {
    let t = TestHome::new();
    let id = t.bash_ready(&["--cols", "60", "--rows", "12"]);
    t.run_settled(&id, r"printf 'trail   \nA\033[6Gb\nnb\302\240\nend-of-output\n'", "end-of-output");

    let s = t.snapshot(&id, &[]);
    assert_keys(&s, &STRUCTURED_KEYS);
    assert_eq!(s["isAltScreen"], false);
    let canonical = check_structured(&s, &id, 60, 12);
    let lines = line_texts(&s["visibleLines"]);
    for expected in ["trail", "A    b", "nb\u{a0}", "end-of-output"] {
        assert!(lines.iter().any(|l| l == expected), "a row reads exactly {expected:?}: {lines:#?}");
    }
    assert!(
        lines.iter().skip_while(|l| *l != "end-of-output").nth(1).is_some_and(|l| l.starts_with("bash-"))
    );

    let tx = t.snapshot(&id, &["--format", "text"]);
    let text = check_text(&tx, &id, 60, 12);
    assert_eq!(text, canonical, "text = visible lines joined with \\n, nothing appended");
    assert_eq!(text.split('\n').count(), 12);
    assert_eq!(tx["screenHash"], s["screenHash"], "same screen, same hash in both formats");
    assert_eq!(tx["capturedAtSeq"], s["capturedAtSeq"]);
    assert_eq!((&tx["cursorRow"], &tx["cursorCol"]), (&s["cursorRow"], &s["cursorCol"]));

    // --include-cells is not emitted in text format
    let tc = t.snapshot(&id, &["--format", "text", "--include-cells"]);
    assert_keys(&tc, &TEXT_KEYS);
    assert_eq!(tc["text"], tx["text"]);

    // the default format is structured; `--format bogus` fails before the lookup
    let error = t.at(&["snapshot", "01NOTAREALSESSION000000000", "--format", "bogus", "--json"]).err(
        "snapshot",
        2,
        "INVALID_INPUT",
    );
    assert_eq!(error["message"], "Snapshot format must be one of: structured, text.");
    assert_eq!(error["details"], json!({"format": "bogus"}));
    t.at(&["snapshot", "01NOTAREALSESSION000000000", "--json"]).err("snapshot", 3, "SESSION_NOT_FOUND");
}

/// `--include-scrollback` after 100 lines on a 10-row terminal: the first lines, oldest
/// first, in `scrollbackLines` and before the visible lines in the text format; the hash
/// stays that of the visible screen.
#[test]
fn scrollback_oldest_first() {
    let t = TestHome::new();
    let id = t.bash_ready(&["--rows", "10"]);
    t.run_settled(&id, r#"for i in $(seq 1 100); do echo "row-$i"; done"#, "row-100");

    let plain = t.snapshot(&id, &[]);
    assert!(plain.get("scrollbackLines").is_none());
    let visible = line_texts(&plain["visibleLines"]);
    assert!(!visible.iter().any(|l| l == "row-1"), "the viewport does not show the first lines");
    assert!(visible.iter().any(|l| l == "row-100"));

    let s = t.snapshot(&id, &["--include-scrollback"]);
    assert_keys(&s, &structured_keys_with(&["scrollbackLines"]));
    check_structured(&s, &id, 80, 10);
    assert_eq!(s["screenHash"], plain["screenHash"], "the hash covers the visible screen only");
    let scrollback = line_texts(&s["scrollbackLines"]);
    assert!(scrollback.len() >= 91, "at least 91 lines scrolled off: {}", scrollback.len());
    let all: Vec<&String> = scrollback.iter().chain(visible.iter()).collect();
    let numbered: Vec<&String> = all.iter().copied().filter(|l| l.starts_with("row-")).collect();
    let expected: Vec<String> = (1..=100).map(|i| format!("row-{i}")).collect();
    assert_eq!(numbered, expected.iter().collect::<Vec<_>>(), "every line once, oldest first");
    let first = scrollback.iter().position(|l| l == "row-1").unwrap();
    assert!(first <= 1, "row-1 is at the top of the scrollback (after the command line): {scrollback:?}");
    assert!(
        scrollback[0].contains("seq 1 100") || scrollback[0] == "row-1",
        "oldest line first: {scrollback:?}"
    );

    let tx = t.snapshot(&id, &["--format", "text", "--include-scrollback"]);
    assert_keys(&tx, &TEXT_KEYS);
    let joined: Vec<String> = scrollback.iter().chain(visible.iter()).cloned().collect();
    assert_eq!(tx["text"].as_str().unwrap(), joined.join("\n"), "scrollback lines, then the visible lines");
    assert_eq!(tx["screenHash"], plain["screenHash"]);
    let viewport_only = t.snapshot(&id, &["--format", "text"]);
    assert_eq!(viewport_only["text"].as_str().unwrap(), visible.join("\n"));

    // the manifest records the scrollback line count for scrollback snapshots only
    let manifest = artifact_manifest(&t, &id);
    let entries = manifest["artifacts"].as_array().unwrap();
    let counts: Vec<Option<u64>> = entries
        .iter()
        .map(|e| e["metadata"].get("scrollbackLineCount").map(|c| c.as_u64().unwrap()))
        .collect();
    assert_eq!(counts, vec![None, Some(scrollback.len() as u64), Some(scrollback.len() as u64), None]);
}

/// `--include-cells`: colours and attributes per cell, wide glyphs with an empty spacer
/// of the same style, and the key order with cells (and scrollback).
#[test]
fn cells_styles_and_wide_glyph_spacers() {
    let t = TestHome::new();
    let id = t.bash_ready(&["--env", "LANG=C.UTF-8"]);
    t.run_settled(
        &id,
        r"printf '\033[1;31mRED\033[0m \033[4;38;5;33mU\033[0m \033[32m漢\033[0m字|\n'",
        "RED U 漢字|",
    );
    let s = t.snapshot(&id, &["--include-cells"]);
    assert_keys(&s, &structured_keys_with(&["cells"]));
    check_structured(&s, &id, 80, 24);
    let lines = line_texts(&s["visibleLines"]);
    let row = lines.iter().position(|l| l == "RED U 漢字|").expect("the printed row") as u64;
    let grid = s["cells"].as_array().unwrap();
    for line in grid {
        assert_keys(line, &["lineNumber", "cells"]);
        assert!(line["lineNumber"].as_u64().unwrap() < 24);
        for cell in line["cells"].as_array().unwrap() {
            let keys: Vec<&str> = cell.as_object().unwrap().keys().map(String::as_str).collect();
            let order = ["char", "fg", "bg", "bold", "italic", "underline", "strikethrough"];
            let mut positions =
                keys.iter().map(|k| order.iter().position(|o| o == k).expect("known cell key"));
            assert_eq!(keys[0], "char");
            let mut last = 0;
            assert!(positions.all(|p| std::mem::replace(&mut last, p) <= p), "cell key order: {cell}");
            for color in ["fg", "bg"] {
                if let Some(c) = cell.get(color) {
                    let c = c.as_str().unwrap();
                    assert!(
                        c.len() == 7
                            && c.starts_with('#')
                            && c[1..].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
                        "{color} is #rrggbb: {cell}"
                    );
                }
            }
        }
    }
    let cells = grid
        .iter()
        .find(|l| l["lineNumber"] == row)
        .unwrap_or_else(|| panic!("no cells for line {row}: {grid:?}"))["cells"]
        .as_array()
        .unwrap();
    let red = json!({"char": "R", "fg": "#cc6666", "bold": true});
    assert_eq!(cells[0], red);
    assert_eq!(cells[1], json!({"char": "E", "fg": "#cc6666", "bold": true}));
    assert_eq!(cells[2], json!({"char": "D", "fg": "#cc6666", "bold": true}));
    assert_eq!(cells[4], json!({"char": "U", "fg": "#0087ff", "underline": true}));
    // 漢 at column 6 (green), its spacer at 7; 字 at 8, its spacer at 9; `|` at 10
    assert_eq!(cells[6]["char"], "漢");
    assert!(cells[6].get("fg").is_some(), "the green glyph has a colour: {}", cells[6]);
    let mut spacer_style = cells[7].clone();
    let mut glyph_style = cells[6].clone();
    assert_eq!(spacer_style["char"], "", "a wide glyph's trailing column is an empty-string spacer");
    spacer_style.as_object_mut().unwrap().remove("char");
    glyph_style.as_object_mut().unwrap().remove("char");
    assert_eq!(spacer_style, glyph_style, "the spacer carries the glyph's style");
    assert_eq!(cells[8]["char"], "字");
    assert_eq!(cells[9], json!({"char": ""}));
    assert_eq!(cells[10], json!({"char": "|"}));

    let both = t.snapshot(&id, &["--include-cells", "--include-scrollback"]);
    assert_keys(&both, &structured_keys_with(&["scrollbackLines", "cells"]));
    assert_eq!(both["screenHash"], s["screenHash"], "cells do not change the hash");
}

/// The artifact manifest of a session.
fn artifact_manifest(t: &TestHome, id: &str) -> Value {
    let path = t.session_dir(id).join("artifacts").join("manifest.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Every snapshot writes `snapshot-<seq>-<format>.json` (the result, pretty JSON +
/// newline, mode 0600; a repeat overwrites it) and appends a manifest entry; offline
/// snapshots too; `inspect` counts them.
#[test]
fn artifacts_and_manifest_entries() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_settled(&id, "echo artifact-$((2*21))", "artifact-42");
    let dir = t.session_dir(&id).join("artifacts");

    let mut taken: Vec<(Value, &str, bool)> = Vec::new();
    for (extra, format, scrollback) in [
        (&[][..], "structured", false),
        (&["--format", "text"][..], "text", false),
        (&[][..], "structured", false),
        (&["--include-scrollback", "--format", "text"][..], "text", true),
    ] {
        let result = t.snapshot(&id, extra);
        let seq = result["capturedAtSeq"].as_u64().unwrap();
        let file = dir.join(format!("snapshot-{seq}-{format}.json"));
        let mut pretty = serde_json::to_string_pretty(&result).unwrap();
        pretty.push('\n');
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            pretty,
            "{} holds exactly the result",
            file.display()
        );
        assert_eq!(mode(&file), 0o600);
        taken.push((result, format, scrollback));
    }
    let manifest = artifact_manifest(&t, &id);
    assert_keys(&manifest, &["version", "sessionId", "artifacts"]);
    assert_eq!(manifest["version"], 1);
    assert_eq!(manifest["sessionId"], id.as_str());
    let entries = manifest["artifacts"].as_array().unwrap();
    assert_eq!(entries.len(), 4, "a repeated snapshot adds a second entry");
    let mut ids = Vec::new();
    for (entry, (result, format, scrollback)) in entries.iter().zip(&taken) {
        assert_keys(
            entry,
            &["id", "kind", "filename", "sessionId", "capturedAtSeq", "createdAt", "metadata"],
        );
        assert_ulid(entry["id"].as_str().unwrap());
        ids.push(entry["id"].as_str().unwrap().to_string());
        assert_eq!(entry["kind"], "snapshot");
        let seq = result["capturedAtSeq"].as_u64().unwrap();
        assert_eq!(entry["filename"], format!("snapshot-{seq}-{format}.json"));
        assert_eq!(entry["sessionId"], id.as_str());
        assert_eq!(entry["capturedAtSeq"], seq);
        assert_iso(entry["createdAt"].as_str().unwrap());
        let mut metadata = json!({
            "format": format,
            "rendererBackend": "agent-tty-vt",
            "cols": result["cols"],
            "rows": result["rows"],
            "cursorRow": result["cursorRow"],
            "cursorCol": result["cursorCol"],
        });
        if *scrollback {
            metadata["scrollbackLineCount"] = json!(0);
        }
        assert_eq!(entry["metadata"], metadata);
        let keys: Vec<&str> = metadata.as_object().unwrap().keys().map(String::as_str).collect();
        assert_keys(&entry["metadata"], &keys);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "fresh ids");
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temp files left: {leftovers:?}");

    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(
        inspected["artifacts"],
        json!({"total": 4, "byKind": {"snapshot": 4}, "missingCount": 0, "health": "healthy"})
    );
    assert_eq!(inspected["rendererRuntime"]["backend"], "agent-tty-vt");
    assert_eq!(inspected["rendererRuntime"]["mode"], "live-host");

    // offline snapshots are persisted as well
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let offline = t.snapshot(&id, &[]);
    let seq = offline["capturedAtSeq"].as_u64().unwrap();
    assert!(dir.join(format!("snapshot-{seq}-structured.json")).exists());
    assert_eq!(artifact_manifest(&t, &id)["artifacts"].as_array().unwrap().len(), 5);
    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspected["artifacts"]["byKind"], json!({"snapshot": 5}));
    assert_eq!(inspected["artifacts"]["health"], "healthy");
    assert_eq!(
        inspected["rendererRuntime"],
        json!({"backend": "agent-tty-vt", "mode": "offline-replay", "status": "fallback", "reason": "session-not-running"})
    );
}

/// Human output per 02 §2.3, for both formats, with and without scrollback.
#[test]
fn human_output() {
    let t = TestHome::new();
    let id = t.bash_ready(&["--cols", "40", "--rows", "5"]);
    t.run_settled(&id, "echo human-$((2+3))", "human-5");

    let s = t.snapshot(&id, &[]);
    let head = |s: &Value, format: &str| {
        format!(
            "Session ID: {id}\nCaptured At Seq: {}\nFormat: {format}\nSize: 40x5\nCursor: row {}, col {}\n",
            s["capturedAtSeq"], s["cursorRow"], s["cursorCol"]
        )
    };
    let visible: String =
        line_texts(&s["visibleLines"]).iter().enumerate().map(|(i, l)| format!("  [{i}] {l}\n")).collect();
    let human = t.at(&["snapshot", &id]).human_ok().to_string();
    assert_eq!(human, format!("{}Alt Screen: no\nVisible Lines (5):\n{visible}", head(&s, "structured")));

    let human = t.at(&["snapshot", &id, "--include-scrollback"]).human_ok().to_string();
    assert_eq!(
        human,
        format!(
            "{}Alt Screen: no\nScrollback Lines (0):\n  (none)\nVisible Lines (5):\n{visible}",
            head(&s, "structured")
        )
    );

    let human = t.at(&["snapshot", &id, "--format", "text"]).human_ok().to_string();
    // Human text leaves out the blank rows below the last text (the JSON keeps them).
    let text = canonical_text(&s);
    assert!(text.ends_with('\n'), "the screen has blank rows at the bottom: {text:?}");
    assert_eq!(human, format!("{}Text:\n{}\n", head(&s, "text"), text.trim_end_matches('\n')));

    // after output scrolled off
    t.run_settled(&id, "seq 1 6", "6");
    let s = t.snapshot(&id, &["--include-scrollback"]);
    let scrollback = line_texts(&s["scrollbackLines"]);
    assert!(!scrollback.is_empty());
    let block = |lines: &[String]| -> String {
        lines.iter().enumerate().map(|(i, l)| format!("  [{i}] {l}\n")).collect()
    };
    let human = t.at(&["snapshot", &id, "--include-scrollback"]).human_ok().to_string();
    assert_eq!(
        human,
        format!(
            "{}Alt Screen: no\nScrollback Lines ({}):\n{}Visible Lines (5):\n{}",
            head(&s, "structured"),
            scrollback.len(),
            block(&scrollback),
            block(&line_texts(&s["visibleLines"]))
        )
    );
}

/// A bash session's offline snapshot (host gone) shows the live text and hash; replayed
/// to the live seq it is the live snapshot exactly (bash moves the cursor when hung up:
/// it prints `\r\r\n` on its way out).
#[test]
fn offline_snapshot_equals_live() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_settled(&id, "printf 'one\\ntwo\\n'; echo live-$((40+2))", "live-42");
    let live = t.live_snapshots(&id);
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    t.assert_offline_equals_live(&id, &live);
}

/// Offline replay tolerates a torn last line (replays everything before it) and a
/// garbage line in the middle (skips it and replays the lines after it), and reports
/// both as `damage` (more kinds in `damage.rs`).
#[test]
fn offline_replay_of_torn_and_corrupt_logs() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_settled(&id, "echo first-part", "first-part");
    let cut = t.checked_events(&id).len();
    t.run_settled(&id, "echo second-part", "second-part");
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let events_path = t.session_dir(&id).join("events.jsonl");
    let original = t.events_raw(&id);
    assert!(original.ends_with('\n'));

    let same = |a: &Value, b: &Value, what: &str| {
        for key in ["text", "screenHash", "capturedAtSeq", "cursorRow", "cursorCol"] {
            assert_eq!(a[key], b[key], "{what}: {key}");
        }
    };
    let before = t.snapshot(&id, &["--format", "text"]);
    assert!(before["text"].as_str().unwrap().contains("\nsecond-part\n"));

    // a torn line at the end
    std::fs::write(&events_path, format!("{original}{{\"seq\":")).unwrap();
    let torn = t.snapshot(&id, &["--format", "text"]);
    same(&torn, &before, "torn last line");
    assert_eq!(torn["damage"]["tornLastLine"], true, "{torn}");
    assert!(before.get("damage").is_none());
    let waited = t.at(&["wait", &id, "--text", "second-part", "--json"]).ok("wait");
    assert_eq!(waited["screenHash"], before["screenHash"]);

    // a garbage line in the middle: skipped, the lines after it replayed
    let lines: Vec<&str> = original.lines().collect();
    let head: String = lines[..cut].iter().map(|l| format!("{l}\n")).collect();
    let tail: String = lines[cut..].iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&events_path, &head).unwrap();
    let truncated = t.snapshot(&id, &["--format", "text"]);
    let text = truncated["text"].as_str().unwrap();
    assert!(text.contains("\nfirst-part\n") && !text.contains("second-part\n"), "{text:?}");
    assert_eq!(truncated["capturedAtSeq"], cut as u64 - 1);
    std::fs::write(&events_path, format!("{head}not json\n{tail}")).unwrap();
    let corrupt = t.snapshot(&id, &["--format", "text"]);
    same(&corrupt, &before, "garbage line in the middle");
    assert_eq!(corrupt["damage"]["firstBadLine"], cut as u64 + 1, "{corrupt}");
    assert_eq!(corrupt["damage"]["skippedLines"], 1, "{corrupt}");

    // and the intact log again
    std::fs::write(&events_path, &original).unwrap();
    same(&t.snapshot(&id, &["--format", "text"]), &before, "restored log");
}
