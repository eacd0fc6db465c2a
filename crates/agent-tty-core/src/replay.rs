//! Offline replay: rebuilds a session's Screen from its Event Log, for sessions whose
//! host is gone (and for exports). Streams the file line by line, applies `output` and
//! `resize` events from the creation size on, and takes synchronized-output timeouts from
//! event time so the result is deterministic. A torn or corrupt line ends the replay at
//! the last good event instead of failing it.

use std::fs::File;
use std::io::{BufRead, BufReader};

use agent_tty_vt::Screen;

use crate::error::{Error, ErrorCode, Result};
use crate::event_stream::{StreamEvent, parse_line};
use crate::manifest::SessionRecord;
use crate::paths::SessionPaths;

/// The outcome of a replay.
#[derive(Debug)]
pub struct Replayed {
    /// The rebuilt screen.
    pub screen: Screen,
    /// Seq of the last event applied (any type); `None` for an empty log.
    pub last_seq: Option<u64>,
    /// Why replay stopped early, if it did (a torn or corrupt line).
    pub stopped_early: Option<String>,
}

/// Replays the session's log up to and including `until` (all of it when `None`).
pub fn replay(paths: &SessionPaths, record: &SessionRecord, until: Option<u64>) -> Result<Replayed> {
    let cols = record.creation_cols.unwrap_or(record.cols);
    let rows = record.creation_rows.unwrap_or(record.rows);
    let mut replayed = Replayed { screen: Screen::new(cols, rows), last_seq: None, stopped_early: None };
    let file = match File::open(&paths.events) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(replayed),
        Err(e) => return Err(replay_error(paths, &format!("cannot open the event log: {e}"))),
    };
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut buf = Vec::with_capacity(1 << 16);
    let mut line_number = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| replay_error(paths, &format!("cannot read the event log: {e}")))?;
        if n == 0 {
            break;
        }
        line_number += 1;
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let expected = replayed.last_seq.map_or(0, |s| s + 1);
        match apply_line(&mut replayed.screen, &buf, expected, until) {
            Ok(None) => break,
            Ok(Some(seq)) => replayed.last_seq = Some(seq),
            Err(why) => {
                replayed.stopped_early = Some(format!("line {line_number}: {why}"));
                break;
            }
        }
    }
    replayed.screen.end_sync();
    Ok(replayed)
}

/// Applies one log line and returns its seq, or `None` when it lies past `until`.
fn apply_line(
    screen: &mut Screen,
    line: &[u8],
    expected_seq: u64,
    until: Option<u64>,
) -> std::result::Result<Option<u64>, String> {
    let line = parse_line(line, expected_seq)?;
    if until.is_some_and(|u| line.seq > u) {
        return Ok(None);
    }
    match line.event {
        StreamEvent::Output(data) => screen.feed(data.as_bytes(), line.ts_ms),
        StreamEvent::Resize { cols, rows } => screen.resize(cols, rows),
        StreamEvent::Other => {}
    }
    Ok(Some(line.seq))
}

fn replay_error(paths: &SessionPaths, message: &str) -> Error {
    Error::new(ErrorCode::ReplayError, format!("Cannot replay session \"{}\": {message}.", paths.id))
        .with("sessionId", paths.id.as_str())
        .with("eventLogPath", paths.events.display().to_string())
}
