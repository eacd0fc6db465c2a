//! Streaming reads of an Event Log, one line at a time, for offline replay and video
//! export: constant memory whatever the log's size. Only what replay needs is decoded
//! (output data and resize sizes); other event types are checked by name.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

/// One decoded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent<'a> {
    /// Program output.
    Output(Cow<'a, str>),
    /// A terminal resize.
    Resize {
        /// New width.
        cols: u16,
        /// New height.
        rows: u16,
    },
    /// Any other known event type (input, run completion, signal, exit, marker).
    Other,
}

/// One parsed line.
#[derive(Debug)]
pub struct StreamedLine<'a> {
    /// The event's seq.
    pub seq: u64,
    /// The event's time, ms since the epoch.
    pub ts_ms: u64,
    /// The event.
    pub event: StreamEvent<'a>,
}

/// Why a streamed read stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamError<E> {
    /// The file could not be opened or read.
    Io(String),
    /// Line `line` (1-based) is corrupt or out of sequence (not a torn final line).
    Corrupt {
        /// 1-based line number.
        line: u64,
        /// What is wrong with it.
        why: String,
    },
    /// The visitor stopped the read.
    Visitor(E),
}

#[derive(Deserialize)]
struct Line<'a> {
    seq: u64,
    #[serde(borrow)]
    ts: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    payload: &'a RawValue,
}

#[derive(Deserialize)]
struct Data<'a> {
    #[serde(borrow)]
    data: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Size {
    cols: u16,
    rows: u16,
}

/// Parses one line (without its newline) that must carry `expected_seq`.
pub fn parse_line(line: &[u8], expected_seq: u64) -> Result<StreamedLine<'_>, String> {
    let line: Line<'_> = serde_json::from_slice(trim(line)).map_err(|e| e.to_string())?;
    if line.seq != expected_seq {
        return Err(format!("expected seq {expected_seq}, found {}", line.seq));
    }
    let ts_ms = crate::time::parse_iso(&line.ts).ok_or_else(|| format!("invalid ts {:?}", line.ts))?;
    let event = match line.kind.as_ref() {
        "output" => {
            let data: Data<'_> = serde_json::from_str(line.payload.get()).map_err(|e| e.to_string())?;
            StreamEvent::Output(data.data)
        }
        "resize" => {
            let size: Size = serde_json::from_str(line.payload.get()).map_err(|e| e.to_string())?;
            StreamEvent::Resize { cols: size.cols, rows: size.rows }
        }
        "input_text" | "input_paste" | "input_keys" | "input_run" | "run_complete" | "signal" | "exit"
        | "marker" => StreamEvent::Other,
        other => return Err(format!("unknown event type {other:?}")),
    };
    Ok(StreamedLine { seq: line.seq, ts_ms, event })
}

/// Opens `path` limited to its first `limit` bytes (all of it when `None`). A log
/// still being appended to is read as it was: pass the length taken when the read
/// began. `Ok(None)` when the file does not exist.
fn open_limited(path: &Path, limit: Option<u64>) -> std::io::Result<Option<BufReader<std::io::Take<File>>>> {
    match File::open(path) {
        Ok(file) => Ok(Some(BufReader::with_capacity(1 << 20, file.take(limit.unwrap_or(u64::MAX))))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads the first `limit` bytes of `path` (all of it when `None`) line by line and
/// hands every event to `visit`, in order. A missing file is an empty log. A final line
/// without a newline (a torn write, or one cut by `limit`) is ignored unless it is a
/// complete event; any other bad line ends the read with [`StreamError::Corrupt`].
/// Returns the number of events visited.
pub fn stream<E>(
    path: &Path,
    limit: Option<u64>,
    mut visit: impl FnMut(StreamedLine<'_>) -> Result<(), E>,
) -> Result<u64, StreamError<E>> {
    let mut reader = match open_limited(path, limit) {
        Ok(Some(reader)) => reader,
        Ok(None) => return Ok(0),
        Err(e) => return Err(StreamError::Io(format!("cannot open the event log: {e}"))),
    };
    let mut buf = Vec::with_capacity(1 << 16);
    let (mut line_number, mut count) = (0u64, 0u64);
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| StreamError::Io(format!("cannot read the event log: {e}")))?;
        if n == 0 {
            return Ok(count);
        }
        line_number += 1;
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_line(&buf, count) {
            Ok(line) => visit(line).map_err(StreamError::Visitor)?,
            Err(_) if buf.last() != Some(&b'\n') => return Ok(count),
            Err(why) => return Err(StreamError::Corrupt { line: line_number, why }),
        }
        count += 1;
    }
}

/// The largest terminal size the first `limit` bytes of a log resize to, starting from
/// `(cols, rows)`. Only lines that mention `"resize"` are parsed (whatever the JSON
/// spacing); unreadable ones are skipped (the real read reports them).
pub fn max_size(path: &Path, limit: Option<u64>, (cols, rows): (u16, u16)) -> (u16, u16) {
    let Ok(Some(mut reader)) = open_limited(path, limit) else { return (cols, rows) };
    let (mut max_cols, mut max_rows) = (cols, rows);
    let mut buf = Vec::with_capacity(1 << 16);
    while reader.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
        if buf.windows(8).any(|w| w == b"\"resize\"")
            && let Ok(Line { kind, payload, .. }) = serde_json::from_slice::<Line<'_>>(trim(&buf))
            && kind == "resize"
            && let Ok(size) = serde_json::from_str::<Size>(payload.get())
        {
            max_cols = max_cols.max(size.cols);
            max_rows = max_rows.max(size.rows);
        }
        buf.clear();
    }
    (max_cols, max_rows)
}

fn trim(line: &[u8]) -> &[u8] {
    let end = line.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1);
    &line[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(seq: u64, kind: &str, payload: &str) -> String {
        format!(
            "{{\"seq\":{seq},\"ts\":\"2026-11-26T10:00:0{seq}.000Z\",\"type\":\"{kind}\",\"payload\":{payload}}}\n"
        )
    }

    #[test]
    fn reads_only_up_to_the_limit_and_drops_a_cut_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let first = line(0, "output", r#"{"data":"a"}"#);
        let text = first.clone() + &line(1, "output", r#"{"data":"b"}"#);
        std::fs::write(&path, &text).unwrap();
        let mut seen = Vec::new();
        let count = stream(&path, Some(first.len() as u64 + 10), |l| {
            seen.push(l.seq);
            Ok::<(), ()>(())
        });
        assert_eq!((count, seen), (Ok(1), vec![0]), "the second line is cut by the limit");
        assert_eq!(stream(&path, None, |_| Ok::<(), ()>(())), Ok(2));
    }

    #[test]
    fn max_size_finds_resizes_whatever_the_spacing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let text = line(0, "resize", r#"{"cols":90,"rows":20}"#)
            + "{\"seq\": 1, \"ts\": \"2026-11-26T10:00:01.000Z\", \"type\": \"resize\", \"payload\": {\"cols\": 50, \"rows\": 60}}\n"
            + &line(2, "output", r#"{"data":"say \"resize\" 999x999"}"#);
        std::fs::write(&path, &text).unwrap();
        assert_eq!(max_size(&path, None, (80, 24)), (90, 60));
        let first_only = line(0, "resize", r#"{"cols":90,"rows":20}"#).len() as u64;
        assert_eq!(max_size(&path, Some(first_only), (80, 24)), (90, 24));
    }
}
