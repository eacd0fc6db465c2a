//! asciicast v2 generation from an Event Log: a header line, then one line per `output`
//! (`o`), `resize` (`r`) and `marker` (`m`) event; input, run, signal and exit events are
//! not emitted. Pure: events and header data in, bytes out; byte-identical for the same
//! input.

use std::fmt::Write as _;

use crate::event_log::{Event, EventRecord};

/// The constant `env` of the header (not the session's `--term`).
pub const TERM: &str = "xterm-256color";

/// What the header needs besides the events.
#[derive(Debug, Clone)]
pub struct HeaderData<'a> {
    /// The session's current cols.
    pub width: u16,
    /// The session's current rows.
    pub height: u16,
    /// The session id (also the title).
    pub session_id: &'a str,
    /// Header `timestamp` (Unix seconds) when the log has no events.
    pub fallback_timestamp: u64,
    /// `toolVersion`.
    pub tool_version: &'a str,
}

/// A generated recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Asciicast {
    /// The file's bytes (UTF-8, trailing newline).
    pub bytes: Vec<u8>,
    /// Header `timestamp` (Unix seconds).
    pub timestamp: u64,
    /// Last event ts − first event ts, in ms.
    pub duration_ms: u64,
    /// `o` frames.
    pub output_event_count: u64,
    /// `r` frames.
    pub resize_event_count: u64,
    /// `m` frames.
    pub marker_count: u64,
}

/// The part of the log a clipped recording covers (`record export --from-*/--to-*`).
#[derive(Debug, Clone, Copy)]
pub struct Clip<'a> {
    /// Where the clip starts; `None`: at the log's start, like a whole recording.
    pub from: Option<ClipStart<'a>>,
    /// The last event seq the clip covers.
    pub to_seq: u64,
}

/// The start of a clip that does not start with the log.
#[derive(Debug, Clone, Copy)]
pub struct ClipStart<'a> {
    /// The seq at which the clip starts: events up to and including it are shown only
    /// through `opening`; its time is the clip's time 0.
    pub seq: u64,
    /// Escape sequences that paint the screen as it was at `seq`: the first `o` frame,
    /// at time 0 (see `agent_tty_vt::Screen::redraw_sequence`). The header's size
    /// should be the screen's size at `seq`.
    pub opening: &'a str,
}

/// Generates the recording; `Err` describes an unparseable or decreasing timestamp.
pub fn generate(records: &[EventRecord], header: &HeaderData<'_>) -> Result<Asciicast, String> {
    generate_clip(records, header, None)
}

/// Generates the recording of the events `clip` covers (all of them when `None`, exactly
/// as [`generate`]), with times relative to the clip's start; `Err` describes an
/// unparseable or decreasing timestamp anywhere in the log.
pub fn generate_clip(
    records: &[EventRecord],
    header: &HeaderData<'_>,
    clip: Option<&Clip<'_>>,
) -> Result<Asciicast, String> {
    let mut times = Vec::with_capacity(records.len());
    let mut previous = None;
    for record in records {
        let ms = crate::time::parse_iso(&record.ts)
            .ok_or_else(|| format!("event {} has an invalid timestamp {:?}", record.seq, record.ts))?;
        if previous.is_some_and(|p| ms < p) {
            return Err(format!("event {} has a timestamp earlier than the previous event", record.seq));
        }
        previous = Some(ms);
        times.push(ms);
    }
    let from = clip.and_then(|c| c.from);
    let covered = |record: &EventRecord| {
        let seq = record.seq.get();
        from.is_none_or(|f| seq > f.seq) && clip.is_none_or(|c| seq <= c.to_seq)
    };
    // Time 0: the clip's start event (the last at or before it, when a damaged log lost
    // it), else the first event covered.
    let origin = match from {
        Some(start) => records.iter().zip(&times).take_while(|(r, _)| r.seq.get() <= start.seq).last(),
        None => records.iter().zip(&times).find(|(r, _)| covered(r)),
    };
    let first = origin.map(|(_, ms)| *ms);
    let last = records.iter().zip(&times).filter(|(r, _)| covered(r)).map(|(_, ms)| *ms).next_back();
    let timestamp = first.map_or(header.fallback_timestamp, |ms| ms / 1000);
    let duration_ms = match (first, last.or(first)) {
        (Some(first), Some(last)) => last - first,
        _ => 0,
    };
    let mut out = String::new();
    let _ = write!(
        out,
        r#"{{"version":2,"width":{},"height":{},"timestamp":{timestamp},"title":{},"sessionId":{},"env":{{"TERM":{}}},"toolVersion":{}}}"#,
        header.width,
        header.height,
        json_string(header.session_id),
        json_string(header.session_id),
        json_string(TERM),
        json_string(header.tool_version),
    );
    out.push('\n');
    let (mut outputs, mut resizes, mut markers) = (0, 0, 0);
    if let Some(start) = from {
        outputs += 1;
        let _ = writeln!(out, r#"[0,"o",{}]"#, json_string(start.opening));
    }
    for (record, ms) in records.iter().zip(&times).filter(|(r, _)| covered(r)) {
        let (code, data) = match &record.event {
            Event::Output { data } => {
                outputs += 1;
                ("o", json_string(data))
            }
            Event::Resize { cols, rows } => {
                resizes += 1;
                ("r", json_string(&format!("{cols}x{rows}")))
            }
            Event::Marker { label } => {
                markers += 1;
                ("m", json_string(label))
            }
            _ => continue,
        };
        let time = js_seconds(ms - first.unwrap_or(0));
        let _ = writeln!(out, r#"[{time},"{code}",{data}]"#);
    }
    Ok(Asciicast {
        bytes: out.into_bytes(),
        timestamp,
        duration_ms,
        output_event_count: outputs,
        resize_event_count: resizes,
        marker_count: markers,
    })
}

/// `ms / 1000` as JavaScript prints it (shortest round trip): `0`, `0.25`, `1.5`, `2`.
pub fn js_seconds(ms: u64) -> String {
    let (whole, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:03}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// A JSON string escaped as `JSON.stringify` does (serde_json's escaping is the same).
fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: u64, ts: &str, event: Event) -> EventRecord {
        EventRecord { seq: crate::protocol::Seq(seq), ts: ts.to_string(), event }
    }

    fn header(id: &str) -> HeaderData<'_> {
        HeaderData { width: 100, height: 30, session_id: id, fallback_timestamp: 42, tool_version: "9.9.9" }
    }

    #[test]
    fn formats_seconds_like_javascript() {
        let cases = [(0, "0"), (250, "0.25"), (1500, "1.5"), (2000, "2"), (4759, "4.759"), (1, "0.001")];
        for (ms, text) in cases {
            assert_eq!(js_seconds(ms), text);
        }
        assert_eq!(js_seconds(17_608), "17.608");
        assert_eq!(js_seconds(123_456_780), "123456.78");
    }

    #[test]
    fn exact_bytes_for_a_mixed_log() {
        let id = "01KM0000000000000000000000";
        let records = vec![
            rec(0, "2026-03-22T22:32:30.500Z", Event::InputText { data: "echo hi\r".into() }),
            rec(1, "2026-03-22T22:32:30.750Z", Event::Output { data: "hi\r\n\u{1b}[0m".into() }),
            rec(2, "2026-03-22T22:32:32.000Z", Event::Resize { cols: 100, rows: 30 }),
            rec(3, "2026-03-22T22:32:32.000Z", Event::InputKeys { keys: vec!["Enter".into()] }),
            rec(4, "2026-03-22T22:32:35.259Z", Event::Marker { label: String::new() }),
            rec(5, "2026-03-22T22:32:35.300Z", Event::Exit { exit_code: Some(0), exit_signal: None }),
        ];
        let cast = generate(&records, &header(id)).unwrap();
        let expected = format!(
            "{{\"version\":2,\"width\":100,\"height\":30,\"timestamp\":1774218750,\"title\":\"{id}\",\
             \"sessionId\":\"{id}\",\"env\":{{\"TERM\":\"xterm-256color\"}},\"toolVersion\":\"9.9.9\"}}\n\
             [0.25,\"o\",\"hi\\r\\n\\u001b[0m\"]\n\
             [1.5,\"r\",\"100x30\"]\n\
             [4.759,\"m\",\"\"]\n"
        );
        assert_eq!(String::from_utf8(cast.bytes.clone()).unwrap(), expected);
        assert_eq!(cast.timestamp, 1_774_218_750);
        assert_eq!(cast.duration_ms, 4800);
        assert_eq!((cast.output_event_count, cast.resize_event_count, cast.marker_count), (1, 1, 1));
        assert_eq!(generate(&records, &header(id)).unwrap(), cast, "deterministic");
    }

    #[test]
    fn escapes_like_json_stringify() {
        let data = "\"\\\u{8}\u{c}\n\r\t\u{1}\u{1b}\u{1f}\u{7f}é✓/😀";
        let records = vec![rec(0, "2026-01-01T00:00:02.000Z", Event::Output { data: data.into() })];
        let cast = generate(&records, &header("S")).unwrap();
        let text = String::from_utf8(cast.bytes).unwrap();
        let frame = text.lines().nth(1).unwrap();
        assert_eq!(
            frame, "[0,\"o\",\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001b\\u001f\u{7f}é✓/😀\"]",
            "short forms, lowercase \\u00xx, DEL and non-ASCII raw, / unescaped"
        );
    }

    #[test]
    fn empty_log_uses_the_fallback_timestamp() {
        let cast = generate(&[], &header("S")).unwrap();
        let text = String::from_utf8(cast.bytes).unwrap();
        assert_eq!(
            text,
            "{\"version\":2,\"width\":100,\"height\":30,\"timestamp\":42,\"title\":\"S\",\"sessionId\":\"S\",\
             \"env\":{\"TERM\":\"xterm-256color\"},\"toolVersion\":\"9.9.9\"}\n"
        );
        assert_eq!(cast.duration_ms, 0);
    }

    #[test]
    fn a_clip_opens_with_the_screen_and_ends_at_to() {
        let id = "S";
        let records = vec![
            rec(0, "2026-01-01T00:00:01.000Z", Event::Output { data: "one\r\n".into() }),
            rec(1, "2026-01-01T00:00:02.000Z", Event::Output { data: "two\r\n".into() }),
            rec(2, "2026-01-01T00:00:02.500Z", Event::Marker { label: "m".into() }),
            rec(3, "2026-01-01T00:00:04.250Z", Event::Resize { cols: 90, rows: 20 }),
            rec(4, "2026-01-01T00:00:05.000Z", Event::Output { data: "five".into() }),
        ];
        let start = ClipStart { seq: 1, opening: "\u{1b}[Hone\r\ntwo" };
        let clip = Clip { from: Some(start), to_seq: 3 };
        let cast = generate_clip(&records, &header(id), Some(&clip)).unwrap();
        let text = String::from_utf8(cast.bytes).unwrap();
        let frames: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(
            frames,
            ["[0,\"o\",\"\\u001b[Hone\\r\\ntwo\"]", "[0.5,\"m\",\"m\"]", "[2.25,\"r\",\"90x20\"]"]
        );
        assert!(text.contains("\"timestamp\":1767225602,"), "{text}");
        assert_eq!(cast.duration_ms, 2250);
        assert_eq!((cast.output_event_count, cast.resize_event_count, cast.marker_count), (1, 1, 1));
        // Only an end: the log's start as in a whole recording, cut after `to`.
        let clip = Clip { from: None, to_seq: 1 };
        let cast = generate_clip(&records, &header(id), Some(&clip)).unwrap();
        let text = String::from_utf8(cast.bytes).unwrap();
        assert_eq!(
            text.lines().skip(1).collect::<Vec<_>>(),
            ["[0,\"o\",\"one\\r\\n\"]", "[1,\"o\",\"two\\r\\n\"]"]
        );
        assert_eq!(cast.duration_ms, 1000);
        // A clip of one point: only the opening picture.
        let clip = Clip { from: Some(start), to_seq: 1 };
        let cast = generate_clip(&records, &header(id), Some(&clip)).unwrap();
        assert_eq!(String::from_utf8(cast.bytes).unwrap().lines().count(), 2);
        assert_eq!(cast.duration_ms, 0);
        // No clip: the whole recording, as `generate`.
        assert_eq!(generate_clip(&records, &header(id), None), generate(&records, &header(id)));
    }

    #[test]
    fn decreasing_or_invalid_timestamps_are_errors() {
        let records = vec![
            rec(0, "2026-01-01T00:00:02.000Z", Event::Marker { label: "a".into() }),
            rec(1, "2026-01-01T00:00:01.000Z", Event::Marker { label: "b".into() }),
        ];
        assert!(generate(&records, &header("S")).is_err());
        let records = vec![rec(0, "yesterday", Event::Marker { label: "a".into() })];
        assert!(generate(&records, &header("S")).is_err());
    }
}
