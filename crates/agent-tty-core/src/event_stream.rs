//! Streaming reads of an Event Log, one line at a time, for offline replay and exports:
//! constant memory whatever the log's size. Only what replay needs is decoded (output
//! data and resize sizes); the rarer event types are checked in full.
//!
//! # Damage
//!
//! A damaged line never ends a read and never hides: the line is skipped, the read goes
//! on, and the [`Damage`] of the read says how many lines were skipped, which one was
//! first and why, so every result built from the log can report it. A line is skipped
//! when it is not a complete event record (garbage, binary bytes, NUL, an unknown event
//! type, a payload of the wrong shape, an invalid `ts`), when it is longer than
//! [`MAX_LINE_BYTES`] (it is then read through, never held whole), or when its seq does
//! not move forward.
//!
//! Seqs: the first accepted line should carry seq 0 and each next one the previous seq
//! plus one. A line whose seq is **higher** than expected (a gap: events are missing) is
//! used — the events after a gap are real — and the gap is reported as damage without
//! counting a skipped line. A line whose seq is **not higher** than the last accepted one
//! (a duplicate, or seq going backwards) is skipped: the first copy of a seq wins. The
//! next expected seq always follows the last accepted line.
//!
//! Time: a line whose `ts` is earlier than the previous accepted line's is used at the
//! previous line's time (replay timing never runs backwards) and reported as damage
//! without counting a skipped line.
//!
//! A last line without a newline that is not a complete event (a host killed mid-write,
//! or a line cut by the read's byte limit) is reported apart as a torn last line; a
//! reader of a log whose host is still appending can drop that report with
//! [`Damage::forget_torn_tail`].

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::event_log::{self, Event, EventRecord};
use crate::protocol::Seq;

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
    pub seq: Seq,
    /// The event's time, ms since the epoch.
    pub ts_ms: u64,
    /// The event's time as written.
    pub ts: Cow<'a, str>,
    /// The event.
    pub event: StreamEvent<'a>,
}

/// Why a streamed read stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamError<E> {
    /// The file could not be opened or read.
    Io(String),
    /// The visitor stopped the read.
    Visitor(E),
}

/// The longest line a read holds; a longer line is read through and skipped. Real lines
/// are far shorter: an output chunk is at most 64 KiB (under 400 KiB escaped) and a
/// request at most 1 MiB.
pub const MAX_LINE_BYTES: usize = 8 << 20;

/// What a read of a log had to skip or distrust (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Damage {
    /// Lines skipped before the last one (not counting a torn last line).
    pub skipped_lines: u64,
    /// The first damaged line before the last one: 1-based line number and why.
    pub first: Option<(u64, String)>,
    /// A torn last line: 1-based line number and why it is unusable.
    pub torn_tail: Option<(u64, String)>,
}

impl Damage {
    /// True when the read saw no damage at all.
    pub fn is_clean(&self) -> bool {
        self.first.is_none() && self.torn_tail.is_none()
    }

    /// Drops the torn-last-line report: for a log whose host may still be writing it,
    /// an unterminated last line is a write in progress, not damage.
    pub fn forget_torn_tail(&mut self) {
        self.torn_tail = None;
    }

    /// Records that line `line` was skipped because of `why`; `last` says it was the
    /// log's last line and had no newline (a torn write).
    pub fn skip(&mut self, line: u64, last: bool, why: String) {
        if last {
            self.torn_tail = Some((line, format!("torn last line: {why}")));
        } else {
            self.skipped_lines += 1;
            self.first.get_or_insert((line, why));
        }
    }

    /// Records damage at line `line` that did not cost the line (a seq gap, time going
    /// backwards).
    pub fn flag(&mut self, line: u64, why: String) {
        self.first.get_or_insert((line, why));
    }

    /// Total lines skipped, a torn last line included.
    pub fn total_skipped(&self) -> u64 {
        self.skipped_lines + u64::from(self.torn_tail.is_some())
    }

    /// The first damaged line and why, a torn last line only when nothing came before.
    pub fn first_bad(&self) -> Option<(u64, &str)> {
        self.first.as_ref().or(self.torn_tail.as_ref()).map(|(line, why)| (*line, why.as_str()))
    }

    /// The `damage` object of a result, `None` when clean.
    pub fn report(&self) -> Option<DamageReport> {
        let (line, why) = self.first_bad()?;
        Some(DamageReport {
            skipped_lines: self.total_skipped(),
            first_bad_line: line,
            reason: why.to_string(),
            torn_last_line: self.torn_tail.is_some(),
        })
    }

    /// One human line describing the damage, `None` when clean.
    pub fn summary(&self) -> Option<String> {
        self.report().map(|report| report.summary())
    }
}

/// The `damage` object of a result read from a damaged log:
/// `{"skippedLines": N, "firstBadLine": L, "reason": "...", "tornLastLine": bool}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DamageReport {
    /// Lines skipped, a torn last line included.
    pub skipped_lines: u64,
    /// The first damaged line (1-based); a torn last line only when nothing came before.
    pub first_bad_line: u64,
    /// Why that line is damaged.
    pub reason: String,
    /// Whether the last line is torn (a write cut short).
    pub torn_last_line: bool,
}

impl DamageReport {
    /// The human warning line.
    pub fn summary(&self) -> String {
        let torn = if self.torn_last_line { " (the last line is torn)" } else { "" };
        format!(
            "Warning: the event log is damaged: {} line(s) skipped{torn}; first bad line {}: {}.",
            self.skipped_lines, self.first_bad_line, self.reason
        )
    }
}

/// Line-by-line reader of a log that never holds more than [`MAX_LINE_BYTES`] of a line.
pub struct LineReader<R> {
    reader: R,
    buf: Vec<u8>,
    number: u64,
    offset: u64,
}

/// One non-blank line handed out by [`LineReader::next_line`].
#[derive(Debug)]
pub struct RawLine<'a> {
    /// 1-based line number.
    pub number: u64,
    /// The line, newline included when it has one.
    pub bytes: &'a [u8],
    /// Whether the line ended without a newline at the end of the input.
    pub last_unterminated: bool,
    /// The log's byte offset just after the line.
    pub end: u64,
}

impl<R: BufRead> LineReader<R> {
    /// A reader over `reader`.
    pub fn new(reader: R) -> LineReader<R> {
        LineReader::resume(reader, 0, 0)
    }

    /// A reader over `reader`, positioned after line `number` at byte `offset` of the log
    /// (where a screen checkpoint was taken).
    pub fn resume(reader: R, number: u64, offset: u64) -> LineReader<R> {
        LineReader { reader, buf: Vec::with_capacity(1 << 16), number, offset }
    }

    /// The next non-blank line, or `None` at the end. A line over [`MAX_LINE_BYTES`] is
    /// read through without being held, recorded in `damage` and not handed out.
    pub fn next_line(&mut self, damage: &mut Damage) -> std::io::Result<Option<RawLine<'_>>> {
        loop {
            self.buf.clear();
            let (total, newline) = read_line_capped(&mut self.reader, &mut self.buf, MAX_LINE_BYTES)?;
            if total == 0 {
                return Ok(None);
            }
            self.number += 1;
            self.offset += total;
            if total > MAX_LINE_BYTES as u64 {
                let why =
                    format!("the line is {total} bytes long, over the {MAX_LINE_BYTES}-byte line limit");
                damage.skip(self.number, !newline, why);
                continue;
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Some(RawLine {
                number: self.number,
                bytes: &self.buf,
                last_unterminated: !newline,
                end: self.offset,
            }));
        }
    }
}

/// Reads one line into `buf`, keeping at most `cap` bytes of it; returns the line's
/// whole length and whether it ended with a newline.
fn read_line_capped(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<(u64, bool)> {
    let mut total = 0u64;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((total, false));
        }
        let (used, done) = match find_newline(available) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        let room = cap.saturating_sub(buf.len()).min(used);
        buf.extend_from_slice(&available[..room]);
        reader.consume(used);
        total += used as u64;
        if done {
            return Ok((total, true));
        }
    }
}

/// The index of the first `\n` in `bytes`, 8 bytes per step (the "has a zero byte"
/// word trick): lines are tens of KiB long, and a byte-by-byte search was a fifth of
/// the reading.
fn find_newline(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut index = 0;
    while let Some(Ok(chunk)) = bytes.get(index..index + 8).map(<[u8; 8]>::try_from) {
        let word = u64::from_le_bytes(chunk) ^ (ONES * u64::from(b'\n'));
        if word.wrapping_sub(ONES) & !word & HIGHS != 0 {
            break;
        }
        index += 8;
    }
    bytes[index..].iter().position(|&b| b == b'\n').map(|i| index + i)
}

/// Keeps seqs moving forward and time from running backwards (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct Sequencer {
    last_seq: Option<u64>,
    last_ts: Option<u64>,
}

impl Sequencer {
    /// Admits the event at line `line` with `seq` and time `ts_ms`: the time to use, or
    /// `None` when the line must be skipped (already recorded in `damage`).
    pub fn admit(&mut self, line: u64, seq: Seq, ts_ms: u64, damage: &mut Damage) -> Option<u64> {
        let seq = seq.get();
        if let Some(previous) = self.last_seq
            && seq <= previous
        {
            let why = if seq == previous {
                format!("duplicate seq {seq}")
            } else {
                format!("seq {seq} goes backwards after seq {previous}")
            };
            damage.skip(line, false, why);
            return None;
        }
        let expected = self.last_seq.map_or(0, |s| s + 1);
        if seq != expected {
            let missing = seq - expected;
            damage.flag(
                line,
                format!("seq gap: expected seq {expected}, found {seq} ({missing} event(s) missing)"),
            );
        }
        let ts = match self.last_ts {
            Some(previous) if ts_ms < previous => {
                damage.flag(
                    line,
                    format!("time goes backwards at seq {seq}; replayed at the previous event's time"),
                );
                previous
            }
            _ => ts_ms,
        };
        self.last_seq = Some(seq);
        self.last_ts = Some(ts);
        Some(ts)
    }

    /// A sequencer that has admitted up to `last_seq` at time `last_ts` (resuming a
    /// replay from a screen checkpoint).
    pub fn resume(last_seq: u64, last_ts: u64) -> Sequencer {
        Sequencer { last_seq: Some(last_seq), last_ts: Some(last_ts) }
    }

    /// The time of the last admitted event, as admitted.
    pub fn last_ts(&self) -> Option<u64> {
        self.last_ts
    }

    /// The seq of the last admitted event.
    pub fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }
}

/// A damaged line's reason: what is wrong with it, never its content.
fn unusable(error: impl std::fmt::Display) -> String {
    format!("not a valid event record ({error})")
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

/// Parses one line (with or without its newline). The seq is not checked here (see
/// [`Sequencer`]).
pub fn parse_line(line: &[u8]) -> Result<StreamedLine<'_>, String> {
    let text = trim(line);
    match parse_output_line(text) {
        Some(parsed) => Ok(parsed),
        None => parse_line_general(text),
    }
}

/// [`parse_line`] through serde_json, for every line the fast path leaves (`text` is
/// trimmed).
fn parse_line_general(text: &[u8]) -> Result<StreamedLine<'_>, String> {
    let line: Line<'_> = serde_json::from_slice(text).map_err(unusable)?;
    let ts_ms = crate::time::parse_iso(&line.ts).ok_or_else(|| format!("invalid ts {:?}", line.ts))?;
    let event = match line.kind.as_ref() {
        "output" => {
            let data: Data<'_> = serde_json::from_str(line.payload.get())
                .map_err(|e| format!("invalid output payload ({e})"))?;
            StreamEvent::Output(data.data)
        }
        "resize" => {
            let size: Size = serde_json::from_str(line.payload.get())
                .map_err(|e| format!("invalid resize payload ({e})"))?;
            StreamEvent::Resize { cols: size.cols, rows: size.rows }
        }
        "input_text" | "input_paste" | "input_keys" | "input_run" | "run_complete" | "signal" | "exit"
        | "marker" => {
            // Rare events: checked in full, so every reader skips the same lines.
            let text = std::str::from_utf8(text).map_err(unusable)?;
            event_log::parse_line(text).map_err(|e| format!("invalid {} payload ({e})", line.kind))?;
            StreamEvent::Other
        }
        other => return Err(format!("unknown event type {other:?}")),
    };
    Ok(StreamedLine { seq: Seq(line.seq), ts_ms, ts: line.ts, event })
}

/// The hot path of [`parse_line`]: an `output` line exactly as the host writes it
/// (`{"seq":N,"ts":"…","type":"output","payload":{"data":"…"}}`), decoded without
/// serde. `None` for anything else, a valid line written differently included: the
/// general parse then decides, so both paths accept and reject the same lines.
fn parse_output_line(text: &[u8]) -> Option<StreamedLine<'_>> {
    let rest = text.strip_prefix(b"{\"seq\":")?;
    let digits = rest.iter().position(|b| !b.is_ascii_digit())?;
    if digits == 0 || (digits > 1 && rest[0] == b'0') {
        return None;
    }
    let seq: u64 = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    let rest = rest[digits..].strip_prefix(b",\"ts\":\"")?;
    let end = rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    if rest[end] != b'"' {
        return None;
    }
    let ts = std::str::from_utf8(&rest[..end]).ok()?;
    let rest = rest[end + 1..].strip_prefix(b",\"type\":\"output\",\"payload\":{\"data\":\"")?;
    let (data, taken) = crate::json_escape::unescape_json_string(rest)?;
    if &rest[taken..] != b"}}" {
        return None;
    }
    let ts_ms = crate::time::parse_iso(ts)?;
    Some(StreamedLine {
        seq: Seq(seq),
        ts_ms,
        ts: Cow::Borrowed(ts),
        event: StreamEvent::Output(Cow::Owned(data)),
    })
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

/// The outcome of a [`stream`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Streamed {
    /// Events visited.
    pub events: u64,
    /// What was skipped on the way.
    pub damage: Damage,
}

/// Reads the first `limit` bytes of `path` (all of it when `None`) line by line and
/// hands every usable event to `visit`, in order, with its (never decreasing) time. A
/// missing file is an empty log. Damaged lines are skipped and reported in the result
/// (see the module docs); only an I/O error or the visitor ends the read early.
pub fn stream<E>(
    path: &Path,
    limit: Option<u64>,
    visit: impl FnMut(StreamedLine<'_>) -> Result<(), E>,
) -> Result<Streamed, StreamError<E>> {
    let reader = match open_limited(path, limit) {
        Ok(Some(reader)) => reader,
        Ok(None) => return Ok(Streamed::default()),
        Err(e) => return Err(StreamError::Io(format!("cannot open the event log: {e}"))),
    };
    stream_lines(LineReader::new(reader), Sequencer::default(), Streamed::default(), visit)
}

/// Where a read of the log resumes: after the line `line` (1-based) of the event `seq`
/// with time `ts_ms`, at byte `offset`, with `damage` seen before (a screen checkpoint's
/// position).
#[derive(Debug, Clone)]
pub struct Resume {
    /// The line's number.
    pub line: u64,
    /// The byte offset after it.
    pub offset: u64,
    /// The event's seq.
    pub seq: u64,
    /// The event's time as admitted.
    pub ts_ms: u64,
    /// The damage seen up to it.
    pub damage: Damage,
}

/// [`stream`] of the whole log, from `resume` on (from the start when `None`): the
/// events after it, with the damage seen before it included in the result.
pub fn stream_from<E>(
    path: &Path,
    resume: Option<Resume>,
    visit: impl FnMut(StreamedLine<'_>) -> Result<(), E>,
) -> Result<Streamed, StreamError<E>> {
    let Some(resume) = resume else { return stream(path, None, visit) };
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) => return Err(StreamError::Io(format!("cannot open the event log: {e}"))),
    };
    use std::io::Seek;
    file.seek(std::io::SeekFrom::Start(resume.offset))
        .map_err(|e| StreamError::Io(format!("cannot read the event log: {e}")))?;
    let lines = LineReader::resume(BufReader::with_capacity(1 << 20, file), resume.line, resume.offset);
    let streamed = Streamed { events: 0, damage: resume.damage };
    stream_lines(lines, Sequencer::resume(resume.seq, resume.ts_ms), streamed, visit)
}

fn stream_lines<R: BufRead, E>(
    mut lines: LineReader<R>,
    mut sequencer: Sequencer,
    mut out: Streamed,
    mut visit: impl FnMut(StreamedLine<'_>) -> Result<(), E>,
) -> Result<Streamed, StreamError<E>> {
    let read_error = |e: std::io::Error| StreamError::Io(format!("cannot read the event log: {e}"));
    while let Some(raw) = lines.next_line(&mut out.damage).map_err(read_error)? {
        let (number, last) = (raw.number, raw.last_unterminated);
        let mut line = match parse_line(raw.bytes) {
            Ok(line) => line,
            Err(why) => {
                out.damage.skip(number, last, why);
                continue;
            }
        };
        let Some(ts_ms) = sequencer.admit(number, line.seq, line.ts_ms, &mut out.damage) else { continue };
        line.ts_ms = ts_ms;
        visit(line).map_err(StreamError::Visitor)?;
        out.events += 1;
    }
    Ok(out)
}

/// Parses one line into a whole record and its time in ms, with the same checks and
/// reasons as [`parse_line`] (so every reader skips the same lines).
pub fn parse_record(line: &[u8]) -> Result<(EventRecord, u64), String> {
    let parsed = parse_line(line)?;
    let event = match parsed.event {
        // The common events are built from the one parse; the rare ones parsed in full.
        StreamEvent::Output(data) => Event::Output { data: data.into_owned() },
        StreamEvent::Resize { cols, rows } => Event::Resize { cols, rows },
        StreamEvent::Other => {
            let text = std::str::from_utf8(trim(line)).map_err(unusable)?;
            event_log::parse_line(text).map_err(unusable)?.event
        }
    };
    Ok((EventRecord { seq: parsed.seq, ts: parsed.ts.into_owned(), event }, parsed.ts_ms))
}

/// Every usable record of the log at `path`, in order, for consumers that need whole
/// events (asciicast export): the same skipping, seq and time rules as [`stream`]
/// (a record whose time goes backwards gets the previous record's `ts`). Fails when the
/// usable records exceed `max_bytes` of log text.
pub fn read_records(path: &Path, max_bytes: u64) -> Result<(Vec<EventRecord>, Damage), String> {
    let reader = match open_limited(path, None) {
        Ok(Some(reader)) => reader,
        Ok(None) => return Ok((Vec::new(), Damage::default())),
        Err(e) => return Err(format!("cannot open the event log: {e}")),
    };
    let mut lines = LineReader::new(reader);
    let mut sequencer = Sequencer::default();
    let mut damage = Damage::default();
    let (mut records, mut bytes) = (Vec::<EventRecord>::new(), 0u64);
    while let Some(raw) =
        lines.next_line(&mut damage).map_err(|e| format!("cannot read the event log: {e}"))?
    {
        let (number, last) = (raw.number, raw.last_unterminated);
        let (mut record, ms) = match parse_record(raw.bytes) {
            Ok(parsed) => parsed,
            Err(why) => {
                damage.skip(number, last, why);
                continue;
            }
        };
        let Some(ts_ms) = sequencer.admit(number, record.seq, ms, &mut damage) else { continue };
        if ts_ms != ms
            && let Some(previous) = records.last()
        {
            record.ts = previous.ts.clone();
        }
        bytes += raw.bytes.len() as u64;
        if bytes > max_bytes {
            return Err(format!("the log holds over {max_bytes} bytes of events"));
        }
        records.push(record);
    }
    Ok((records, damage))
}

/// The largest terminal size the first `limit` bytes of a log resize to, starting from
/// `(cols, rows)`. Only lines that mention `"resize"` are parsed (whatever the JSON
/// spacing); unreadable ones are skipped (the real read reports them).
pub fn max_size(path: &Path, limit: Option<u64>, (cols, rows): (u16, u16)) -> (u16, u16) {
    let Ok(Some(reader)) = open_limited(path, limit) else { return (cols, rows) };
    let (mut max_cols, mut max_rows) = (cols, rows);
    let mut lines = LineReader::new(reader);
    let mut damage = Damage::default();
    while let Ok(Some(raw)) = lines.next_line(&mut damage) {
        if raw.bytes.windows(8).any(|w| w == b"\"resize\"")
            && let Ok(Line { kind, payload, .. }) = serde_json::from_slice::<Line<'_>>(trim(raw.bytes))
            && kind == "resize"
            && let Ok(size) = serde_json::from_str::<Size>(payload.get())
        {
            max_cols = max_cols.max(size.cols);
            max_rows = max_rows.max(size.rows);
        }
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

    /// What a parse gives, comparable: `(seq, ts_ms, ts, event)` or the reason.
    fn outcome(parsed: Result<StreamedLine<'_>, String>) -> Result<(u64, u64, String, String), String> {
        parsed.map(|l| (l.seq.get(), l.ts_ms, l.ts.into_owned(), format!("{:?}", l.event)))
    }

    #[test]
    fn finds_the_first_newline_wherever_it_is() {
        for len in 0..40 {
            for at in 0..=len {
                let mut bytes: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                bytes.extend([0x8a, 0x0b, 0x09]);
                if at < len {
                    bytes[at] = b'\n';
                    bytes[len.min(at + 3)..].iter_mut().for_each(|b| *b = b'\n');
                }
                let expected = bytes.iter().position(|&b| b == b'\n');
                assert_eq!(find_newline(&bytes), expected, "len {len}, at {at}");
            }
        }
    }

    #[test]
    fn the_output_fast_path_agrees_with_serde_json() {
        let ts = "2026-11-26T10:00:01.000Z";
        let good = [
            format!(r#"{{"seq":0,"ts":"{ts}","type":"output","payload":{{"data":""}}}}"#),
            format!(
                r#"{{"seq":18446744073709551615,"ts":"{ts}","type":"output","payload":{{"data":"a\u001b[0m\r\né\ud83d\ude00\/"}}}}"#
            ),
        ];
        for text in &good {
            assert!(parse_output_line(text.as_bytes()).is_some(), "fast path taken: {text}");
            assert_eq!(outcome(parse_line(text.as_bytes())), outcome(parse_line_general(text.as_bytes())));
        }
        let left_to_serde = [
            format!(r#"{{"seq":01,"ts":"{ts}","type":"output","payload":{{"data":"a"}}}}"#),
            format!(r#"{{"seq":18446744073709551616,"ts":"{ts}","type":"output","payload":{{"data":"a"}}}}"#),
            r#"{"seq":1,"ts":"bad","type":"output","payload":{"data":"a"}}"#.to_string(),
            format!(r#"{{"seq":1,"ts":"{ts}\u0041","type":"output","payload":{{"data":"a"}}}}"#),
            format!(r#"{{"seq":1,"ts":"{ts}","type":"output","payload":{{"data":"\ud83d"}}}}"#),
            format!(r#"{{"seq":1,"ts":"{ts}","type":"output","payload":{{"data":"a\x"}}}}"#),
            format!("{{\"seq\":1,\"ts\":\"{ts}\",\"type\":\"output\",\"payload\":{{\"data\":\"\t\"}}}}"),
            format!(r#"{{"seq":1,"ts":"{ts}","type":"output","payload":{{"data":"a","more":1}}}}"#),
            format!(r#"{{"seq":1,"ts":"{ts}","type":"output","payload":{{"data":"a"}},"x":1}}"#),
            format!(r#"{{ "seq":1,"ts":"{ts}","type":"output","payload":{{"data":"a"}}}}"#),
            format!(r#"{{"seq":1,"ts":"{ts}","type":"output","payload":{{"data":"a"}}"#),
        ];
        for text in &left_to_serde {
            assert!(parse_output_line(text.trim_end().as_bytes()).is_none(), "fast path left: {text}");
            assert_eq!(
                outcome(parse_line(text.as_bytes())),
                outcome(parse_line_general(trim(text.as_bytes())))
            );
        }
        let mut invalid_utf8 = good[0].clone().into_bytes();
        invalid_utf8.splice(invalid_utf8.len() - 4..invalid_utf8.len() - 4, [0xff]);
        assert!(parse_output_line(&invalid_utf8).is_none());
        assert!(parse_line(&invalid_utf8).is_err());
    }

    #[test]
    fn reads_only_up_to_the_limit_and_drops_a_cut_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let first = line(0, "output", r#"{"data":"a"}"#);
        let text = first.clone() + &line(1, "output", r#"{"data":"b"}"#);
        std::fs::write(&path, &text).unwrap();
        let mut seen = Vec::new();
        let streamed = stream(&path, Some(first.len() as u64 + 10), |l| {
            seen.push(l.seq.get());
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!((streamed.events, seen), (1, vec![0]), "the second line is cut by the limit");
        assert_eq!(streamed.damage.torn_tail.map(|(line, _)| line), Some(2), "reported as a torn last line");
        assert_eq!(streamed.damage.skipped_lines, 0);
        let whole = stream(&path, None, |_| Ok::<(), ()>(())).unwrap();
        assert_eq!((whole.events, whole.damage.is_clean()), (2, true));
    }

    /// Streams `text` and returns the seqs and times visited and the damage.
    fn streamed(text: &[u8]) -> (Vec<(u64, u64)>, Damage) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        std::fs::write(&path, text).unwrap();
        let mut seen = Vec::new();
        let out = stream(&path, None, |l| {
            seen.push((l.seq.get(), l.ts_ms % 60_000));
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(out.events, seen.len() as u64);
        (seen, out.damage)
    }

    #[test]
    fn damaged_lines_are_skipped_and_reported() {
        let output = |seq| line(seq, "output", r#"{"data":"x"}"#);
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("garbage", b"not json\n".to_vec(), "not a valid event record"),
            ("binary", vec![0xff, 0xfe, 0x80, b'{', 0x00, b'\n'], "not a valid event record"),
            ("nul", b"\0\0\0\0\n".to_vec(), "not a valid event record"),
            ("unknown type", line(2, "bogus", "{}").into_bytes(), "unknown event type \"bogus\""),
            ("wrong payload", line(2, "output", r#"{"data":5}"#).into_bytes(), "invalid output payload"),
            ("bad ts", output(2).replace("2026-11-26T", "yesterday").into_bytes(), "invalid ts"),
        ];
        for (what, bad, reason) in cases {
            let mut text = (output(0) + &output(1)).into_bytes();
            text.extend_from_slice(&bad);
            text.extend_from_slice((output(2) + &output(3)).as_bytes());
            let (seen, damage) = streamed(&text);
            assert_eq!(
                seen.iter().map(|s| s.0).collect::<Vec<_>>(),
                [0, 1, 2, 3],
                "{what}: goes on after it"
            );
            assert_eq!(damage.skipped_lines, 1, "{what}");
            let (line, why) = damage.first_bad().unwrap();
            assert_eq!(line, 3, "{what}");
            assert!(why.contains(reason), "{what}: {why}");
            assert!(damage.torn_tail.is_none(), "{what}");
            assert_eq!(serde_json::to_value(damage.report().unwrap()).unwrap()["skippedLines"], 1);
        }
    }

    #[test]
    fn seqs_gaps_duplicates_and_time_going_backwards() {
        let output = |seq| line(seq, "output", r#"{"data":"x"}"#);
        // A gap: the line after it is used, the gap reported without a skipped line.
        let (seen, damage) = streamed((output(0) + &output(3) + &output(4)).as_bytes());
        assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), [0, 3, 4]);
        assert_eq!((damage.skipped_lines, damage.first_bad().unwrap().0), (0, 2));
        assert!(damage.first_bad().unwrap().1.contains("expected seq 1, found 3"));
        // A duplicate and a seq going backwards: skipped, the first copy wins.
        let (seen, damage) =
            streamed((output(0) + &output(1) + &output(1) + &output(0) + &output(2)).as_bytes());
        assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!((damage.skipped_lines, damage.first_bad().unwrap()), (2, (3, "duplicate seq 1")));
        // Time going backwards: used at the previous time.
        let back = line(2, "output", r#"{"data":"x"}"#).replace("10:00:02", "09:59:00");
        let (seen, damage) = streamed((output(0) + &output(1) + &back + &output(3)).as_bytes());
        assert_eq!(seen, [(0, 0), (1, 1000), (2, 1000), (3, 3000)]);
        assert_eq!((damage.skipped_lines, damage.first_bad().unwrap().0), (0, 3));
        assert!(damage.first_bad().unwrap().1.contains("time goes backwards"));
    }

    #[test]
    fn torn_last_lines_are_told_apart() {
        let output = |seq| line(seq, "output", r#"{"data":"x"}"#);
        let (seen, damage) = streamed((output(0) + "{\"seq\":1,\"ts").as_bytes());
        assert_eq!(seen.len(), 1);
        assert_eq!((damage.skipped_lines, damage.torn_tail.as_ref().map(|t| t.0)), (0, Some(2)));
        let json = serde_json::to_value(damage.report().unwrap()).unwrap();
        assert_eq!((json["skippedLines"].as_u64(), json["tornLastLine"].as_bool()), (Some(1), Some(true)));
        // A complete last event without a newline is no damage.
        let (seen, damage) = streamed((output(0) + output(1).trim_end()).as_bytes());
        assert_eq!((seen.len(), damage.is_clean()), (2, true));
        // A garbage line in the middle comes first even with a torn tail.
        let (_, mut damage) = streamed((output(0) + "junk\n" + &output(1) + "{").as_bytes());
        assert_eq!(serde_json::to_value(damage.report().unwrap()).unwrap()["skippedLines"], 2);
        assert_eq!(damage.first_bad().unwrap().0, 2);
        damage.forget_torn_tail();
        assert_eq!(serde_json::to_value(damage.report().unwrap()).unwrap()["tornLastLine"], false);
    }

    #[test]
    fn an_overlong_line_is_read_through_not_held() {
        let mut buf = Vec::new();
        let long = [b'a'; 100];
        let text = [&long[..], b"\nnext\n"].concat();
        let mut input = std::io::BufReader::with_capacity(16, &text[..]);
        assert_eq!(read_line_capped(&mut input, &mut buf, 10).unwrap(), (101, true));
        assert_eq!(buf.len(), 10, "only the cap is kept");
        buf.clear();
        assert_eq!(read_line_capped(&mut input, &mut buf, 10).unwrap(), (5, true));
        assert_eq!(buf, b"next\n");
        buf.clear();
        assert_eq!(read_line_capped(&mut input, &mut buf, 10).unwrap(), (0, false));

        let output = |seq| line(seq, "output", r#"{"data":"x"}"#);
        let huge = format!("{{\"seq\":1,\"junk\":\"{}\"}}\n", "y".repeat(MAX_LINE_BYTES + 10));
        let (seen, damage) = streamed((output(0) + &huge + &output(1)).as_bytes());
        assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(damage.skipped_lines, 1);
        assert!(damage.first_bad().unwrap().1.contains("line limit"), "{damage:?}");
    }

    #[test]
    fn records_follow_the_same_rules() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let output = |seq| line(seq, "output", r#"{"data":"x"}"#);
        let back = line(3, "marker", r#"{"label":"m"}"#).replace("10:00:03", "09:00:00");
        std::fs::write(&path, output(0) + "\0\n" + &output(1) + &output(1) + &back + "{\"se").unwrap();
        let (records, damage) = read_records(&path, 1 << 20).unwrap();
        assert_eq!(records.iter().map(|r| r.seq).collect::<Vec<_>>(), [0, 1, 3]);
        assert_eq!(records[2].ts, records[1].ts, "time going backwards takes the previous ts");
        assert_eq!((damage.skipped_lines, damage.first_bad().unwrap().0), (2, 2));
        assert!(damage.torn_tail.is_some());
        assert!(read_records(&path, 10).is_err(), "the byte budget holds");
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
