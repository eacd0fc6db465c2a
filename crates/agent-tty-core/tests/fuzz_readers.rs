//! Property tests of the readers of on-disk state: the Event Log (`event_log::read_all`
//! and `parse_line`, `event_stream::parse_line` and `stream`, offline `replay`, the
//! `follow` tail), the Home Registry, the session manifest and the artifact manifest.
//!
//! Random and mutated input (a real example with bytes flipped, inserted or deleted,
//! lines dropped, doubled or swapped) must never panic: each reader either returns data
//! that satisfies its invariants or its documented error code. Valid input round-trips.
//! Failing cases are kept in `proptest-regressions/fuzz_readers.txt` and replayed first.

use std::path::{Path, PathBuf};

use agent_tty_core::artifacts::{self, ArtifactEntry};
use agent_tty_core::event_log::{self, Event, EventLogWriter};
use agent_tty_core::event_stream::{self, StreamError, StreamEvent};
use agent_tty_core::follow::EventLogTail;
use agent_tty_core::manifest::SessionRecord;
use agent_tty_core::paths::SessionPaths;
use agent_tty_core::{ErrorCode, registry, replay};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::json;

const ID: &str = "01M94WZCBG0WTJCRZXCEFT4127";

/// A real Event Log (a bash session: prompt, typing, Enter, a resize, exit).
const LOG: &str = r#"{"seq":0,"ts":"2026-12-06T05:24:37.880Z","type":"output","payload":{"data":"\u001b[?2004hbash-5.2# "}}
{"seq":1,"ts":"2026-12-06T05:24:38.006Z","type":"input_text","payload":{"data":"echo hi"}}
{"seq":2,"ts":"2026-12-06T05:24:38.007Z","type":"output","payload":{"data":"echo hi"}}
{"seq":3,"ts":"2026-12-06T05:24:38.011Z","type":"input_keys","payload":{"keys":["Enter"]}}
{"seq":4,"ts":"2026-12-06T05:24:38.012Z","type":"output","payload":{"data":"\r\n\u001b[?2004l\rhi\r\n\u001b[?2004hbash-5.2# "}}
{"seq":5,"ts":"2026-12-06T05:24:38.016Z","type":"resize","payload":{"cols":100,"rows":30}}
{"seq":6,"ts":"2026-12-06T05:24:38.023Z","type":"output","payload":{"data":"\r\u001b[K\rbash-5.2# "}}
{"seq":7,"ts":"2026-12-06T05:24:38.030Z","type":"marker","payload":{"label":"m1"}}
{"seq":8,"ts":"2026-12-06T05:24:38.038Z","type":"output","payload":{"data":"\u001b[?2004l\r\u001b[?2004h\u001b[?2004l\r\r\n"}}
{"seq":9,"ts":"2026-12-06T05:24:38.039Z","type":"exit","payload":{"exitCode":0,"exitSignal":"1"}}
"#;

const MANIFEST: &str = r#"{
  "version": 1,
  "sessionId": "01M94WZCBG0WTJCRZXCEFT4127",
  "createdAt": "2026-12-06T05:24:37.872Z",
  "updatedAt": "2026-12-06T05:24:38.039Z",
  "status": "destroyed",
  "command": ["bash", "--norc", "--noprofile"],
  "cwd": "/home/user/project",
  "shell": "/bin/bash",
  "term": "xterm-256color",
  "cols": 100,
  "rows": 30,
  "creationCols": 80,
  "creationRows": 24,
  "hostPid": 31870,
  "childPid": 31873,
  "exitCode": 0,
  "exitSignal": "1"
}
"#;

const ARTIFACTS: &str = r#"{
  "version": 1,
  "sessionId": "01M94WZCBG0WTJCRZXCEFT4127",
  "artifacts": [
    {
      "id": "01M94WZCGJD3H43Y88F0HHEQBM",
      "kind": "snapshot",
      "filename": "snapshot-6-structured.json",
      "sessionId": "01M94WZCBG0WTJCRZXCEFT4127",
      "capturedAtSeq": 6,
      "createdAt": "2026-12-06T05:24:38.034Z",
      "metadata": { "format": "structured", "cols": 100, "rows": 30 }
    }
  ]
}
"#;

const REGISTRY: &str = r#"{
  "version": 1,
  "homes": [
    { "path": "/home/user/.agent-tty", "lastSeenAt": "2026-12-06T05:24:37.874Z" },
    { "path": "/srv/agent-tty-home", "lastSeenAt": "2026-12-05T11:02:00.000Z" }
  ]
}
"#;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/fuzz_readers.txt",
        ))),
        ..ProptestConfig::default()
    }
}

/// One edit of a valid example.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    DropLine(usize),
    DoubleLine(usize),
    SwapLines(usize, usize),
    /// Splices a well-formed but hostile line in (huge resize, NUL, unknown type...).
    Splice(usize, &'static str),
}

const HOSTILE: [&str; 8] = [
    r#"{"seq":5,"ts":"2026-12-06T05:24:38.016Z","type":"resize","payload":{"cols":60000,"rows":60000}}"#,
    r#"{"seq":5,"ts":"2026-12-06T05:24:38.016Z","type":"resize","payload":{"cols":0,"rows":0}}"#,
    r#"{"seq":5,"ts":"1970-01-01T00:00:00.000Z","type":"output","payload":{"data":"\u0000\u001b[999999;999999H\u001b[9999L"}}"#,
    r#"{"seq":5,"ts":"2026-12-06T05:24:38.016Z","type":"teleport","payload":{}}"#,
    r#"{"seq":5,"ts":"2026-12-06T05:24:38.016Z","type":"output","payload":{"data":7}}"#,
    r#"{"seq":18446744073709551615,"ts":"x","type":"output","payload":{"data":""}}"#,
    "\u{0}\u{0}\u{0}",
    "[1,2,3]",
];

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<usize>(), 1u8..=255).prop_map(|(i, b)| Edit::Flip(i, b)),
        3 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        3 => any::<usize>().prop_map(Edit::Delete),
        1 => any::<usize>().prop_map(Edit::DropLine),
        1 => any::<usize>().prop_map(Edit::DoubleLine),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        1 => (any::<usize>(), proptest::sample::select(HOSTILE.to_vec())).prop_map(|(i, l)| Edit::Splice(i, l)),
    ]
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    proptest::collection::vec(edit(), 1..6)
}

/// Applies `edits` to `base`; the result may be any bytes.
fn mutate(base: &str, edits: &[Edit]) -> Vec<u8> {
    let mut bytes = base.as_bytes().to_vec();
    for edit in edits {
        let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
        match *edit {
            Edit::Flip(i, b) if !bytes.is_empty() => {
                let i = at(i, bytes.len());
                bytes[i] ^= b;
            }
            Edit::Insert(i, b) => bytes.insert(at(i, bytes.len() + 1), b),
            Edit::Delete(i) if !bytes.is_empty() => {
                bytes.remove(at(i, bytes.len()));
            }
            Edit::DropLine(i) | Edit::DoubleLine(i) | Edit::SwapLines(i, _) | Edit::Splice(i, _) => {
                let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
                let n = at(i, lines.len());
                match *edit {
                    Edit::DropLine(_) => {
                        lines.remove(n);
                    }
                    Edit::DoubleLine(_) => lines.insert(n, lines[n].clone()),
                    Edit::SwapLines(_, j) => {
                        let j = at(j, lines.len());
                        lines.swap(n, j);
                    }
                    Edit::Splice(_, line) => lines.insert(n, line.as_bytes().to_vec()),
                    _ => {}
                }
                bytes = lines.join(&b'\n');
            }
            _ => {}
        }
    }
    bytes
}

/// A Home with session [`ID`] whose files are `log` and `manifest`.
struct Fixture {
    _dir: tempfile::TempDir,
    home: PathBuf,
    paths: SessionPaths,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home");
        let paths = SessionPaths::new(&home, ID);
        std::fs::create_dir_all(&paths.artifacts).expect("session dir");
        Fixture { _dir: dir, home, paths }
    }
}

fn record() -> SessionRecord {
    serde_json::from_str(MANIFEST).expect("sample manifest")
}

/// Tails `path` to the end in `chunk`-byte polls.
fn tail_all(path: &Path, chunk: usize) -> Vec<event_log::EventRecord> {
    let mut tail = EventLogTail::new(path.to_path_buf());
    let mut records = Vec::new();
    loop {
        let (batch, _) = tail.poll(chunk);
        records.extend(batch);
        if !tail.has_more() {
            return records;
        }
    }
}

/// Every reader of the Event Log on the file at `fixture.paths.events`.
fn check_log_readers(fixture: &Fixture, chunk: usize) -> Result<(), TestCaseError> {
    let path = &fixture.paths.events;
    let all = event_log::read_all(path);
    match &all {
        Ok(records) => {
            for (i, r) in records.iter().enumerate() {
                prop_assert_eq!(r.seq, i as u64);
            }
        }
        Err(e) => prop_assert_eq!(e.code, ErrorCode::ReplayError, "{}", e.message),
    }

    let mut streamed = 0u64;
    match event_stream::stream(path, None, |_| {
        streamed += 1;
        Ok::<(), ()>(())
    }) {
        // Damaged lines are skipped and counted, never fatal (and never more than exist).
        Ok(out) => prop_assert_eq!(out.events, streamed),
        Err(StreamError::Io(e)) => prop_assert!(false, "I/O error on a readable file: {e}"),
        Err(StreamError::Visitor(())) => prop_assert!(false, "the visitor never fails"),
    }
    if let Ok(records) = &all {
        // Both readers accept a valid log in full.
        prop_assert_eq!(records.len() as u64, streamed);
    }

    let replayed = replay::replay(&fixture.paths, &record(), None)
        .expect("replay reports, never fails, on a readable log");
    let (cols, rows) = replayed.screen.size();
    prop_assert!(cols <= agent_tty_vt::MAX_COLS && rows <= agent_tty_vt::MAX_ROWS, "{cols}x{rows}");
    prop_assert!(replayed.last_seq.map_or(0, |s| s + 1) >= streamed);

    // The tail decodes the same records whatever the size of its reads.
    let whole = tail_all(path, 1 << 20);
    prop_assert_eq!(tail_all(path, chunk), whole.clone());
    if let Ok(records) = &all {
        // The tail waits for a newline; the others take a complete unterminated last line.
        let terminated =
            std::fs::read(path).map_err(|e| TestCaseError::fail(e.to_string()))?.ends_with(b"\n");
        let waits = !terminated && whole.len() + 1 == records.len();
        prop_assert!(&whole == records || waits, "tail {} vs read_all {}", whole.len(), records.len());
    }
    Ok(())
}

fn event() -> impl Strategy<Value = Event> {
    let text = "(?s).{0,12}";
    prop_oneof![
        4 => text.prop_map(|data| Event::Output { data }),
        1 => text.prop_map(|data| Event::InputText { data }),
        1 => text.prop_map(|data| Event::InputPaste { data }),
        1 => proptest::collection::vec("[A-Za-z+]{1,8}", 1..3).prop_map(|keys| Event::InputKeys { keys }),
        1 => (any::<u16>(), any::<u16>()).prop_map(|(cols, rows)| Event::Resize { cols, rows }),
        1 => "[A-Z0-9]{1,8}".prop_map(|signal| Event::Signal { signal }),
        1 => text.prop_map(|label| Event::Marker { label }),
        1 => (any::<Option<i32>>(), proptest::option::of("[A-Z0-9]{1,6}"))
            .prop_map(|(exit_code, exit_signal)| Event::Exit { exit_code, exit_signal }),
    ]
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn mutated_logs_are_read_or_reported(edits in edits(), chunk in 1usize..128) {
        let fixture = Fixture::new();
        let bytes = mutate(LOG, &edits);
        std::fs::write(&fixture.paths.events, &bytes).expect("write log");
        check_log_readers(&fixture, chunk)?;
        for line in bytes.split(|&b| b == b'\n') {
            let _ = event_stream::parse_line(line);
            let _ = event_log::parse_line(&String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn random_lines_never_panic(line in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = event_stream::parse_line(&line);
        let _ = event_log::parse_line(&String::from_utf8_lossy(&line));
    }

    #[test]
    fn mutated_session_manifests_are_read_or_invalid(edits in edits()) {
        let fixture = Fixture::new();
        std::fs::write(&fixture.paths.manifest, mutate(MANIFEST, &edits)).expect("write");
        match SessionRecord::read(&fixture.paths.manifest) {
            Ok(Some(record)) => prop_assert!(!record.command.is_empty() && record.command.iter().all(|c| !c.is_empty())),
            Ok(None) => prop_assert!(false, "the file exists"),
            Err(e) => prop_assert_eq!(e.code, ErrorCode::ManifestValidationError, "{}", e.message),
        }
    }

    #[test]
    fn mutated_artifact_manifests_are_read_or_invalid(edits in edits()) {
        let fixture = Fixture::new();
        std::fs::write(fixture.paths.artifacts.join("manifest.json"), mutate(ARTIFACTS, &edits)).expect("write");
        match artifacts::read(&fixture.paths.artifacts, ID) {
            Ok(manifest) => prop_assert_eq!(manifest.session_id.as_str(), ID),
            Err(e) => prop_assert_eq!(e.code, ErrorCode::ManifestValidationError, "{}", e.message),
        }
    }

    #[test]
    fn mutated_registries_read_leniently(edits in edits()) {
        let fixture = Fixture::new();
        let path = fixture.home.join("homes.json");
        std::fs::create_dir_all(&fixture.home).expect("home");
        std::fs::write(&path, mutate(REGISTRY, &edits)).expect("write");
        let entries = registry::read(&path);
        prop_assert!(entries.iter().all(|e| !e.path.is_empty() && !e.last_seen_at.is_empty()));
        prop_assert!(entries.windows(2).all(|w| w[0].last_seen_at >= w[1].last_seen_at), "newest first");
    }

}

// Round trips write through the real writers (and replay): fewer cases.
proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn written_logs_read_back_identically(events in proptest::collection::vec(event(), 1..16), chunk in 64usize..1024) {
        let fixture = Fixture::new();
        let mut writer = EventLogWriter::open(&fixture.paths.events).expect("open log");
        for event in &events {
            writer.push(event);
        }
        writer.flush().expect("flush");
        drop(writer);
        let read: Vec<Event> = event_log::read_all(&fixture.paths.events).expect("valid log").into_iter().map(|r| r.event).collect();
        prop_assert_eq!(&read, &events);
        let outputs: Vec<String> = events.iter().filter_map(|e| match e { Event::Output { data } => Some(data.clone()), _ => None }).collect();
        let mut streamed = Vec::new();
        event_stream::stream(&fixture.paths.events, None, |line| {
            if let StreamEvent::Output(data) = line.event {
                streamed.push(data.into_owned());
            }
            Ok::<(), ()>(())
        }).map_err(|_| TestCaseError::fail("stream rejected a valid log"))?;
        prop_assert_eq!(streamed, outputs);
        check_log_readers(&fixture, chunk)?;
        let replayed = replay::replay(&fixture.paths, &record(), None).expect("replay");
        prop_assert_eq!(replayed.last_seq, Some(events.len() as u64 - 1));
        prop_assert!(replayed.damage.is_clean());
    }

    #[test]
    fn session_manifests_round_trip(
        cols in any::<u16>(), rows in any::<u16>(),
        command in proptest::collection::vec("\\PC{1,8}", 1..4),
        name in proptest::option::of("\\PC{0,12}"),
        exit_code in any::<Option<i32>>(),
    ) {
        let fixture = Fixture::new();
        let record = SessionRecord { cols, rows, command, name, exit_code, ..record() };
        record.write(&fixture.paths.manifest).expect("write");
        prop_assert_eq!(SessionRecord::read(&fixture.paths.manifest).expect("read"), Some(record));
    }

    #[test]
    fn appended_artifacts_read_back_in_order(kinds in proptest::collection::vec("[a-z]{1,10}", 1..6), seqs in proptest::collection::vec(any::<u64>(), 6)) {
        let fixture = Fixture::new();
        let mut expected = Vec::new();
        for (kind, seq) in kinds.iter().zip(&seqs) {
            let entry = ArtifactEntry::new(kind, format!("{kind}-{seq}.txt"), ID, *seq, serde_json::Map::new());
            artifacts::append(&fixture.paths.artifacts, ID, entry.clone()).expect("append");
            expected.push(entry);
        }
        let manifest = artifacts::read(&fixture.paths.artifacts, ID).expect("read");
        prop_assert_eq!(manifest.artifacts, expected);
    }

    #[test]
    fn registered_homes_read_back(names in proptest::collection::btree_set("[a-z0-9._-]{1,10}", 1..5)) {
        let fixture = Fixture::new();
        let path = fixture.home.join("state").join("homes.json");
        for name in &names {
            registry::upsert(&path, &Path::new("/srv/homes").join(name)).expect("upsert");
        }
        let read: std::collections::BTreeSet<String> = registry::read(&path).into_iter().map(|e| e.path).collect();
        let expected: std::collections::BTreeSet<String> =
            names.iter().map(|n| registry::normalize_home(&Path::new("/srv/homes").join(n))).collect();
        prop_assert_eq!(read, expected);
        // Re-registering one keeps a single entry for it.
        let first = names.iter().next().expect("one name");
        registry::upsert(&path, &Path::new("/srv/homes").join(first)).expect("upsert again");
        prop_assert_eq!(registry::read(&path).len(), names.len());
    }
}

/// Found by `mutated_logs_are_read_or_reported` (seed in the regressions file): a line
/// whose `ts` is not an ISO time (here with a leading space) was accepted by
/// `event_log::read_all` and the follow tail but rejected by the streaming reader (replay,
/// video export), so the readers disagreed on how much of the log was valid.
#[test]
fn every_reader_rejects_a_line_with_an_invalid_ts() {
    let line =
        r#"{"seq":0,"ts":" 2026-12-06T05:24:38.016Z","type":"resize","payload":{"cols":100,"rows":30}}"#;
    assert!(event_stream::parse_line(line.as_bytes()).is_err());
    assert_eq!(
        event_log::parse_line(line).err().as_deref(),
        Some(r#"invalid ts " 2026-12-06T05:24:38.016Z""#)
    );
    let fixture = Fixture::new();
    std::fs::write(&fixture.paths.events, format!("{line}\n")).expect("write");
    assert_eq!(event_log::read_all(&fixture.paths.events).expect_err("invalid").code, ErrorCode::ReplayError);
    assert_eq!(tail_all(&fixture.paths.events, 1 << 20), Vec::new());
}

/// Found by `mutated_logs_are_read_or_reported` (seed in the regressions file): a byte
/// that is not UTF-8 inside a line was patched to U+FFFD by `event_log::read_all`
/// (asciicast export) while the streaming reader and the tail rejected the line.
#[test]
fn every_reader_rejects_a_line_that_is_not_utf8() {
    let fixture = Fixture::new();
    let mut log = LOG.as_bytes().to_vec();
    let at = LOG.find("hi\\r").expect("sample output");
    log.insert(at, 0x80);
    std::fs::write(&fixture.paths.events, &log).expect("write");
    let error = event_log::read_all(&fixture.paths.events).expect_err("invalid");
    assert_eq!(error.code, ErrorCode::ReplayError);
    assert!(error.message.contains("line 5: the line is not valid UTF-8"), "{}", error.message);
    let streamed = event_stream::stream(&fixture.paths.events, None, |_| Ok::<(), ()>(()));
    let damage = streamed.map(|out| out.damage).map_err(|_| "stream failed").expect("streamed");
    assert_eq!(damage.first_bad().map(|(line, _)| line), Some(5), "the line is skipped and reported");
    assert_eq!(tail_all(&fixture.paths.events, 1 << 20).len(), 9);
}

#[test]
fn the_examples_are_valid() {
    let records = {
        let fixture = Fixture::new();
        std::fs::write(&fixture.paths.events, LOG).expect("write");
        event_log::read_all(&fixture.paths.events).expect("the sample log is valid")
    };
    assert_eq!(records.len(), 10);
    assert_eq!(serde_json::to_value(record()).expect("json")["cols"], json!(100));
    assert_eq!(registry::read(Path::new("/nonexistent/homes.json")), Vec::new());
    let fixture = Fixture::new();
    std::fs::write(fixture.paths.artifacts.join("manifest.json"), ARTIFACTS).expect("write");
    assert_eq!(artifacts::read(&fixture.paths.artifacts, ID).expect("valid").artifacts.len(), 1);
    let path = fixture.home.join("homes.json");
    std::fs::write(&path, REGISTRY).expect("write");
    assert_eq!(registry::read(&path).len(), 2);
}
