//! `events.jsonl`, the Event Log: one compact JSON object per line,
//! `{"seq":N,"ts":"…","type":"…","payload":{…}}`, seq from 0 without gaps, timestamps
//! non-decreasing. The host is the only writer; each flush is one `write` of whole lines,
//! so a killed host loses nothing already flushed and readers see at most a torn last line.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, ErrorCode, Result};
use crate::protocol::Seq;
use crate::time::{MonotonicClock, format_iso};

/// Offline readers refuse logs larger than this (50 MiB).
pub const MAX_EVENT_LOG_BYTES: u64 = 52_428_800;

/// One event, typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Event {
    Output {
        data: String,
    },
    InputText {
        data: String,
    },
    InputPaste {
        data: String,
    },
    InputKeys {
        keys: Vec<String>,
    },
    InputRun {
        command: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        marker: Option<String>,
        #[serde(rename = "noWait")]
        no_wait: bool,
    },
    RunComplete {
        marker: String,
        #[serde(rename = "inputRunSeq", default, skip_serializing_if = "Option::is_none")]
        input_run_seq: Option<u64>,
    },
    Resize {
        cols: u16,
        rows: u16,
    },
    Signal {
        signal: String,
    },
    Exit {
        #[serde(rename = "exitCode")]
        exit_code: Option<i32>,
        #[serde(rename = "exitSignal")]
        exit_signal: Option<String>,
    },
    Marker {
        label: String,
    },
}

/// An event with its position and time.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// Position in the log, from 0.
    pub seq: Seq,
    /// ISO timestamp.
    pub ts: String,
    /// The event.
    pub event: Event,
}

#[derive(Serialize)]
struct LineOut<'a> {
    seq: u64,
    ts: &'a str,
    #[serde(flatten)]
    event: &'a Event,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineIn {
    seq: u64,
    ts: String,
    #[serde(rename = "type")]
    kind: String,
    payload: Value,
}

/// The host's append-only writer. Events are staged with [`push`](Self::push) (which
/// reserves the seq) and written by [`flush`](Self::flush) in one `write`.
#[derive(Debug)]
pub struct EventLogWriter {
    file: File,
    next_seq: u64,
    clock: MonotonicClock,
    staged: Vec<u8>,
    /// Length of the log and next seq after the last successful flush: a failed write is
    /// cut back to them, so a full disk never leaves a torn line or a seq gap behind.
    flushed_len: u64,
    flushed_seq: u64,
    /// Lines in the file after the last successful flush, and lines staged.
    flushed_lines: u64,
    staged_lines: u64,
}

/// Where a staged `output` event's line will be in the log once flushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StagedLine {
    /// The event's seq.
    pub seq: u64,
    /// Its time (ms since the epoch), as written.
    pub ts_ms: u64,
    /// The line's 1-based number.
    pub line: u64,
    /// The byte offset just after the line.
    pub end: u64,
    /// The line's length, newline included.
    pub len: u64,
}

impl EventLogWriter {
    /// Opens (creating if needed, mode 0600) the log and continues its numbering. A torn
    /// last line left by a killed writer is cut off so the log stays parseable.
    pub fn open(path: &Path) -> Result<EventLogWriter> {
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| Error::storage_write(path, &e))?;
        crate::fsio::chmod(path, 0o600).map_err(|e| Error::storage_write(path, &e))?;
        let (next_seq, flushed_lines) = recover_tail(&file, path)?;
        let flushed_len = file.metadata().map_err(|e| Error::storage_read(path, &e))?.len();
        Ok(EventLogWriter {
            file,
            next_seq,
            clock: MonotonicClock::default(),
            staged: Vec::new(),
            flushed_len,
            flushed_seq: next_seq,
            flushed_lines,
            staged_lines: 0,
        })
    }

    /// The log's length after the last successful flush.
    pub fn flushed_len(&self) -> u64 {
        self.flushed_len
    }

    /// The seq the next pushed event will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The lines staged and not yet flushed, as they will be written.
    pub fn staged(&self) -> &[u8] {
        &self.staged
    }

    /// Stages an event and returns its seq.
    pub fn push(&mut self, event: &Event) -> u64 {
        let seq = self.next_seq;
        let ts = format_iso(self.clock.now_ms());
        if let Event::Output { data } = event {
            self.push_output_line(seq, &ts, data);
        } else {
            let line = LineOut { seq, ts: &ts, event };
            // Serialising plain data into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut self.staged, &line);
            self.staged.push(b'\n');
            self.staged_lines += 1;
        }
        self.next_seq += 1;
        seq
    }

    /// Stages an `output` event without building an [`Event`] (the hot path).
    pub fn push_output(&mut self, data: &str) -> u64 {
        self.push_output_staged(data).seq
    }

    /// [`push_output`](Self::push_output), telling where the line will be.
    pub fn push_output_staged(&mut self, data: &str) -> StagedLine {
        let seq = self.next_seq;
        let ts_ms = self.clock.now_ms();
        let start = self.staged.len();
        self.push_output_line(seq, &format_iso(ts_ms), data);
        self.next_seq += 1;
        let len = (self.staged.len() - start) as u64;
        StagedLine {
            seq,
            ts_ms,
            line: self.flushed_lines + self.staged_lines,
            end: self.flushed_len + self.staged.len() as u64,
            len,
        }
    }

    fn push_output_line(&mut self, seq: u64, ts: &str, data: &str) {
        let out = &mut self.staged;
        let _ = write!(out, r#"{{"seq":{seq},"ts":"{ts}","type":"output","payload":{{"data":"#);
        crate::json_escape::push_json_string(out, data);
        out.extend_from_slice(b"}}\n");
        self.staged_lines += 1;
    }

    /// Writes everything staged in one `write`. On failure (full disk, read-only file
    /// system) the staged events are dropped, whatever part of them reached the file is
    /// cut off again (truncating needs no new blocks) and their seqs are given back.
    pub fn flush(&mut self) -> std::io::Result<()> {
        if self.staged.is_empty() {
            return Ok(());
        }
        let result = self.file.write_all(&self.staged);
        let written = self.staged.len() as u64;
        self.staged.clear();
        let lines = std::mem::take(&mut self.staged_lines);
        match result {
            Ok(()) => {
                self.flushed_len += written;
                self.flushed_lines += lines;
                self.flushed_seq = self.next_seq;
                Ok(())
            }
            Err(e) => {
                let _ = self.file.set_len(self.flushed_len);
                self.next_seq = self.flushed_seq;
                Err(e)
            }
        }
    }

    /// Flushes and fsyncs (shutdown).
    pub fn sync(&mut self) -> std::io::Result<()> {
        self.flush()?;
        self.file.sync_all()
    }
}

/// Finds the next seq and the line count of an existing log, truncating a torn final
/// line.
fn recover_tail(file: &File, path: &Path) -> Result<(u64, u64)> {
    let len = file.metadata().map_err(|e| Error::storage_read(path, &e))?.len();
    if len == 0 {
        return Ok((0, 0));
    }
    if len > MAX_EVENT_LOG_BYTES {
        return Err(too_large(path, len));
    }
    let mut text = String::new();
    let mut reader = file;
    reader.seek(SeekFrom::Start(0)).map_err(|e| Error::storage_read(path, &e))?;
    reader.read_to_string(&mut text).map_err(|e| Error::storage_read(path, &e))?;
    let complete = text.rfind('\n').map_or(0, |i| i + 1);
    if complete < text.len() {
        file.set_len(complete as u64).map_err(|e| Error::storage_write(path, &e))?;
    }
    let count = text[..complete].lines().filter(|l| !l.trim().is_empty()).count();
    let lines = memchr::memchr_iter(b'\n', &text.as_bytes()[..complete]).count();
    Ok((count as u64, lines as u64))
}

fn too_large(path: &Path, len: u64) -> Error {
    Error::new(
        ErrorCode::StorageReadError,
        format!("Event log {} is {len} bytes, over the {MAX_EVENT_LOG_BYTES}-byte limit.", path.display()),
    )
    .with("path", path.display().to_string())
}

/// Counts of a log for `inspect`: non-blank lines and file size. `None` when absent.
pub fn stats(path: &Path) -> Result<Option<(u64, u64)>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::storage_read(path, &e)),
    };
    let bytes = file.metadata().map_err(|e| Error::storage_read(path, &e))?.len();
    let mut count = 0u64;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(|e| Error::storage_read(path, &e))?;
        if n == 0 {
            break;
        }
        if line.iter().any(|b| !b.is_ascii_whitespace()) {
            count += 1;
        }
    }
    Ok(Some((count, bytes)))
}

/// Reads and validates a whole log. A torn final line (no newline, unparseable) is
/// ignored; any other invalid line, a first seq other than 0, or a gap is `REPLAY_ERROR`.
pub fn read_all(path: &Path) -> Result<Vec<EventRecord>> {
    let text = match std::fs::read(path) {
        Ok(bytes) if bytes.len() as u64 > MAX_EVENT_LOG_BYTES => {
            return Err(replay_error(path, format!("the log is over {MAX_EVENT_LOG_BYTES} bytes")));
        }
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::storage_read(path, &e)),
    };
    let torn_from = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut records = Vec::new();
    for (number, bytes) in text.split(|&b| b == b'\n').enumerate() {
        // Like the streaming reader: a line that is not UTF-8 is invalid (not patched up).
        let line = std::str::from_utf8(bytes).map(str::trim);
        if line.is_ok_and(str::is_empty) {
            continue;
        }
        let is_torn_tail = bytes.as_ptr() as usize - text.as_ptr() as usize >= torn_from;
        let parsed = line.map_err(|_| "the line is not valid UTF-8".to_string()).and_then(parse_line);
        match parsed {
            Ok(record) => records.push(record),
            Err(_) if is_torn_tail => break,
            Err(message) => {
                return Err(replay_error(path, format!("line {}: {message}", number + 1)));
            }
        }
    }
    for (expected, record) in records.iter().enumerate() {
        if record.seq != Seq(expected as u64) {
            let message = format!("expected seq {expected}, found {}", record.seq);
            return Err(replay_error(path, message));
        }
    }
    Ok(records)
}

/// Parses one log line.
pub fn parse_line(line: &str) -> std::result::Result<EventRecord, String> {
    let raw: LineIn = serde_json::from_str(line).map_err(|e| e.to_string())?;
    // The same check as the streaming reader's, so every reader accepts the same lines.
    if crate::time::parse_iso(&raw.ts).is_none() {
        return Err(format!("invalid ts {:?}", raw.ts));
    }
    let tagged = serde_json::json!({ "type": raw.kind, "payload": raw.payload });
    let event: Event = serde_json::from_value(tagged).map_err(|e| e.to_string())?;
    Ok(EventRecord { seq: Seq(raw.seq), ts: raw.ts, event })
}

fn replay_error(path: &Path, message: String) -> Error {
    Error::new(ErrorCode::ReplayError, format!("Cannot read event log {}: {message}.", path.display()))
        .with("path", path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_exact_line_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let mut log = EventLogWriter::open(&path).unwrap();
        assert_eq!(log.push_output("a\u{1b}[0m\"\\\r\n\u{7f}é"), 0);
        let run = Event::InputRun { command: "ls".into(), marker: None, no_wait: true };
        assert_eq!(log.push(&run), 1);
        log.push(&Event::RunComplete { marker: "m".into(), input_run_seq: Some(1) });
        log.push(&Event::Exit { exit_code: Some(0), exit_signal: Some("15".into()) });
        log.flush().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let strip_ts = |l: &str| l.replacen(&l[15..39], "TS", 1);
        assert_eq!(
            strip_ts(lines[0]),
            r#"{"seq":0,"ts":"TS","type":"output","payload":{"data":"a\u001b[0m\"\\\r\n"#.to_string()
                + "\u{7f}é\"}}"
        );
        assert_eq!(
            strip_ts(lines[1]),
            r#"{"seq":1,"ts":"TS","type":"input_run","payload":{"command":"ls","noWait":true}}"#
        );
        assert_eq!(
            strip_ts(lines[2]),
            r#"{"seq":2,"ts":"TS","type":"run_complete","payload":{"marker":"m","inputRunSeq":1}}"#
        );
        assert_eq!(
            strip_ts(lines[3]),
            r#"{"seq":3,"ts":"TS","type":"exit","payload":{"exitCode":0,"exitSignal":"15"}}"#
        );
        let records = read_all(&path).unwrap();
        assert_eq!(records.len(), 4);
        assert_eq!(records[1].event, run);
        assert_eq!(stats(&path).unwrap().unwrap().0, 4);
    }

    #[test]
    fn reopening_continues_numbering_and_cuts_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let mut log = EventLogWriter::open(&path).unwrap();
        log.push(&Event::Marker { label: String::new() });
        log.flush().unwrap();
        drop(log);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(br#"{"seq":1,"ts":"#).unwrap();
        assert_eq!(read_all(&path).unwrap().len(), 1, "torn tail is ignored by readers");
        let log = EventLogWriter::open(&path).unwrap();
        assert_eq!(log.next_seq(), 1);
        assert!(std::fs::read_to_string(&path).unwrap().ends_with("}}\n"));
    }

    #[test]
    fn gaps_and_garbage_are_replay_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        std::fs::write(&path, "{\"seq\":1,\"ts\":\"t\",\"type\":\"marker\",\"payload\":{\"label\":\"\"}}\n")
            .unwrap();
        assert_eq!(read_all(&path).unwrap_err().code, ErrorCode::ReplayError);
        std::fs::write(&path, "not json\n{}\n").unwrap();
        assert_eq!(read_all(&path).unwrap_err().code, ErrorCode::ReplayError);
    }
}
