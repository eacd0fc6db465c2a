//! Wire round trips: every typed params and reply against the exact 0.5 line (key order
//! and omitted keys included).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::*;
use crate::wait_condition::WaitSpec;

/// `value` encodes to exactly `line` and `line` decodes back to `value`.
fn wire<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T, line: &str) {
    assert_eq!(serde_json::to_string(value).unwrap(), line);
    assert_eq!(&serde_json::from_str::<T>(line).unwrap(), value);
}

#[test]
fn input_params_and_replies() {
    wire(&TextParams::plain("ls\n".into()), r#"{"text":"ls\n"}"#);
    wire(&MarkParams { label: String::new() }, r#"{"label":""}"#);
    wire(&SendKeysParams { keys: vec!["ctrl+c".into()] }, r#"{"keys":["ctrl+c"]}"#);
    wire(&ResizeParams { cols: 100, rows: 30 }, r#"{"cols":100,"rows":30}"#);
    wire(&SignalParams { signal: "SIGINT".into() }, r#"{"signal":"SIGINT"}"#);
    wire(&SeqReply { seq: Seq(7) }, r#"{"seq":7}"#);
    wire(
        &SendKeysReply { accepted: vec!["enter".into()], bytes_written: 1, seq: Seq(3) },
        r#"{"accepted":["enter"],"bytesWritten":1,"seq":3}"#,
    );
    wire(&ResizeReply { cols: 80, rows: 24 }, r#"{"cols":80,"rows":24}"#);
    wire(&SignalReply {}, "{}");
}

#[test]
fn run_params_and_both_replies() {
    let started = RunParams { command: "sleep 1".into(), no_wait: true, timeout_ms: None, max_output: None };
    wire(&started, r#"{"command":"sleep 1","noWait":true}"#);
    let waited =
        RunParams { command: "ls".into(), no_wait: false, timeout_ms: Some(30_000), max_output: None };
    wire(&waited, r#"{"command":"ls","noWait":false,"timeoutMs":30000}"#);
    assert!(!serde_json::from_str::<RunParams>(r#"{"command":"ls"}"#).unwrap().no_wait);
    wire(&RunReply::Started(RunStarted { accepted: true, seq: Seq(4) }), r#"{"accepted":true,"seq":4}"#);
    let finished = RunReply::Finished(RunFinished {
        accepted: true,
        completed: true,
        timed_out: false,
        seq: Seq(5),
        duration_ms: 12,
        marker: "m".into(),
        exit_code: None,
        cwd: None,
        output: None,
        output_truncated: None,
    });
    wire(
        &finished,
        r#"{"accepted":true,"completed":true,"timedOut":false,"seq":5,"durationMs":12,"marker":"m"}"#,
    );
    assert_eq!(finished.seq(), Seq(5));
    let outcome = RunReply::Finished(RunFinished {
        accepted: true,
        completed: true,
        timed_out: false,
        seq: Seq(5),
        duration_ms: 12,
        marker: "m".into(),
        exit_code: Some(1),
        cwd: Some("/tmp".into()),
        output: Some("no\n".into()),
        output_truncated: Some(false),
    });
    wire(
        &outcome,
        r#"{"accepted":true,"completed":true,"timedOut":false,"seq":5,"durationMs":12,"marker":"m","exitCode":1,"cwd":"/tmp","output":"no\n","outputTruncated":false}"#,
    );
}

#[test]
fn waits_keep_the_host_and_cli_orders() {
    wire(
        &WaitParams { exit: Some(true), idle_ms: None, timeout_ms: Some(10_000) },
        r#"{"exit":true,"timeoutMs":10000}"#,
    );
    wire(&WaitParams { exit: None, idle_ms: Some(500), timeout_ms: None }, r#"{"idleMs":500}"#);
    // The host writes `exitCode` first; the CLI prints `timedOut` first (both as 0.5 does).
    wire(&WaitReply::exited(Some(7)), r#"{"exitCode":7,"timedOut":false}"#);
    wire(&WaitReply::exited(None), r#"{"timedOut":false}"#);
    wire(&WaitReply { evidence: None, ..WaitReply::exited(None) }, r#"{"timedOut":false}"#);
    wire(&WaitResult::from(WaitReply::exited(Some(7))), r#"{"timedOut":false,"exitCode":7}"#);
}

#[test]
fn render_wait_params_carry_the_spec() {
    let spec = WaitSpec { regex: Some(r"\$ $".into()), after_seq: Some(Seq(9)), ..WaitSpec::default() };
    let params = RenderWaitParams::new(spec.clone(), 1500);
    wire(&params, r#"{"regex":"\\$ $","afterSeq":9,"timeoutMs":1500}"#);
    assert_eq!(params.into_spec(), (spec, Some(1500)));
    let forever = RenderWaitParams::new(WaitSpec { screen_stable_ms: Some(200), ..WaitSpec::default() }, 0);
    wire(&forever, r#"{"screenStableMs":200}"#);
    let matched = RenderWaitReply {
        matched: true,
        timed_out: false,
        matched_text: Some("ready".into()),
        cursor_row: Some(1),
        cursor_col: Some(2),
        captured_at_seq: Seq(12),
        screen_hash: Some("abc".into()),
        damage: None,
        evidence: None,
    };
    wire(
        &matched,
        r#"{"matched":true,"timedOut":false,"matchedText":"ready","cursorRow":1,"cursorCol":2,"capturedAtSeq":12,"screenHash":"abc"}"#,
    );
    wire(&RenderWaitReply::timed_out(Seq(3), None), r#"{"matched":false,"timedOut":true,"capturedAtSeq":3}"#);
    let output = WaitSpec {
        text: Some("x".into()),
        within: crate::wait_condition::WaitIn::Output,
        ..WaitSpec::default()
    };
    let params = RenderWaitParams::new(output.clone(), 0);
    wire(&params, r#"{"text":"x","in":"output"}"#);
    assert_eq!(params.into_spec(), (output, None));
}

#[test]
fn snapshot_params_and_format() {
    let params = SnapshotParams {
        format: Some(Format::Text),
        include_scrollback: Some(false),
        include_cells: Some(true),
        renderer_name: None,
    };
    wire(&params, r#"{"format":"text","includeScrollback":false,"includeCells":true}"#);
    wire(&SnapshotParams::default(), "{}");
    let bad = serde_json::from_str::<SnapshotParams>(r#"{"format":"html"}"#).unwrap_err();
    assert_eq!(bad.to_string(), "Snapshot format must be one of: structured, text. at line 1 column 17");
    let wrong_type = serde_json::from_str::<SnapshotParams>(r#"{"format":5}"#).unwrap_err();
    assert!(wrong_type.to_string().starts_with("invalid type: integer `5`, expected a string"));
}

#[test]
fn snapshot_result_shapes() {
    let text = SnapshotResult {
        format: Format::Text,
        session_id: SessionId::from("s1"),
        captured_at_seq: Seq(2),
        cols: 80,
        rows: 1,
        cursor_row: 0,
        cursor_col: 2,
        is_alt_screen: None,
        visible_lines: None,
        scrollback_lines: None,
        cells: None,
        text: Some("$ ".into()),
        screen_hash: "h".into(),
        cursor_visible: Some(true),
        damage: None,
        since_hash: None,
    };
    wire(
        &text,
        r##"{"format":"text","sessionId":"s1","capturedAtSeq":2,"cols":80,"rows":1,"cursorRow":0,"cursorCol":2,"text":"$ ","screenHash":"h","cursorVisible":true}"##,
    );
    let cell =
        SnapshotCell { char: "a".into(), fg: Some("#ff0000".into()), bold: true, ..SnapshotCell::default() };
    let structured = SnapshotResult {
        format: Format::Structured,
        is_alt_screen: Some(false),
        visible_lines: Some(vec![NumberedLine { row: 0, text: "a".into() }]),
        cells: Some(vec![SnapshotCellRow { line_number: 0, cells: vec![cell] }]),
        text: None,
        ..text
    };
    wire(
        &structured,
        r##"{"format":"structured","sessionId":"s1","capturedAtSeq":2,"cols":80,"rows":1,"cursorRow":0,"cursorCol":2,"isAltScreen":false,"visibleLines":[{"row":0,"text":"a"}],"cells":[{"lineNumber":0,"cells":[{"char":"a","fg":"#ff0000","bold":true}]}],"screenHash":"h","cursorVisible":true}"##,
    );
}

#[test]
fn session_methods() {
    wire(&EmptyParams {}, "{}");
    wire(&DestroyParams::default(), "{}");
    wire(
        &DestroyReply { session_id: SessionId::from("ab12"), destroyed: true },
        r#"{"sessionId":"ab12","destroyed":true}"#,
    );
}

#[test]
fn params_are_strict() {
    assert!(serde_json::from_str::<TextParams>(r#"{"text":"a","extra":1}"#).is_err());
    assert!(serde_json::from_str::<RenderWaitParams>(r#"{"text":"a","timeout":1}"#).is_err());
    assert!(serde_json::from_str::<EmptyParams>(r#"{"x":1}"#).is_err());
}

#[test]
fn transport_timeouts_follow_the_method() {
    use method::{Run, Type, Wait, WaitForRender};
    let text = TextParams::plain("a".into());
    assert_eq!(Type::inactivity_timeout_ms(&text), 5000);
    let no_wait = RunParams { command: "a".into(), no_wait: true, timeout_ms: None, max_output: None };
    assert_eq!(
        (Run::inactivity_timeout_ms(&no_wait), Run::effect_unknown_on_timeout(&no_wait)),
        (10_000, false)
    );
    let waited = RunParams { no_wait: false, ..no_wait };
    assert_eq!(
        (Run::inactivity_timeout_ms(&waited), Run::effect_unknown_on_timeout(&waited)),
        (40_000, true)
    );
    let two_s = RunParams { timeout_ms: Some(2000), ..waited };
    assert_eq!(Run::inactivity_timeout_ms(&two_s), 12_000);
    let forever = RenderWaitParams::new(WaitSpec { text: Some("a".into()), ..WaitSpec::default() }, 0);
    assert_eq!(WaitForRender::inactivity_timeout_ms(&forever), 0);
    let ten_s = WaitParams { exit: Some(true), idle_ms: None, timeout_ms: Some(10_000) };
    assert_eq!(Wait::inactivity_timeout_ms(&ten_s), 15_000);
    // Requests the host may answer by replaying the log get the history timeout.
    let plain = SnapshotParams::default();
    assert_eq!(method::Snapshot::inactivity_timeout_ms(&plain), 5000);
    let history = SnapshotParams { include_scrollback: Some(true), ..SnapshotParams::default() };
    assert_eq!(method::Snapshot::inactivity_timeout_ms(&history), HISTORY_TIMEOUT_MS);
    assert_eq!(
        method::Resize::inactivity_timeout_ms(&ResizeParams { cols: 80, rows: 24 }),
        HISTORY_TIMEOUT_MS
    );
}

#[test]
fn every_reply_has_a_schema() {
    let run = serde_json::to_value(schemars::schema_for!(RunReply)).unwrap();
    assert_eq!(run["anyOf"].as_array().map(Vec::len), Some(2));
    let snapshot = serde_json::to_value(schemars::schema_for!(SnapshotResult)).unwrap();
    assert!(snapshot["properties"]["capturedAtSeq"].is_object());
    let wait = serde_json::to_value(schemars::schema_for!(RenderWaitParams)).unwrap();
    assert_eq!(wait["additionalProperties"], false);
}
