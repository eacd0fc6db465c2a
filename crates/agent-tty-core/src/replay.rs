//! Offline replay: rebuilds a session's Screen from its Event Log, for sessions whose
//! host is gone (and for exports). Streams the file line by line, applies `output` and
//! `resize` events from the creation size on, and takes synchronized-output timeouts from
//! event time so the result is deterministic. Damaged lines are skipped and the replay
//! goes on; what was skipped is returned as [`Damage`] for the caller's result (the
//! rules are in [`crate::event_stream`]).

use std::fs::File;
use std::io::BufReader;

use agent_tty_vt::Screen;

use crate::error::{Error, ErrorCode, Result};
use crate::event_stream::{Damage, LineReader, Sequencer, StreamEvent, parse_line};
use crate::manifest::SessionRecord;
use crate::paths::SessionPaths;

/// The outcome of a replay.
#[derive(Debug)]
pub struct Replayed {
    /// The rebuilt screen.
    pub screen: Screen,
    /// Seq of the last event applied (any type); `None` for an empty log.
    pub last_seq: Option<u64>,
    /// The lines the replay skipped or distrusted; clean for an intact log.
    pub damage: Damage,
}

/// Replays the session's log up to and including `until` (all of it when `None`). With
/// `until`, reading stops at the event `until` itself, so lines a running host appends
/// meanwhile are never read (nor reported as torn).
pub fn replay(paths: &SessionPaths, record: &SessionRecord, until: Option<u64>) -> Result<Replayed> {
    let cols = record.creation_cols.unwrap_or(record.cols);
    let rows = record.creation_rows.unwrap_or(record.rows);
    let mut replayed =
        Replayed { screen: Screen::new(cols, rows), last_seq: None, damage: Damage::default() };
    let file = match File::open(&paths.events) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(replayed),
        Err(e) => return Err(replay_error(paths, &format!("cannot open the event log: {e}"))),
    };
    let mut lines = LineReader::new(BufReader::with_capacity(1 << 20, file));
    let mut sequencer = Sequencer::default();
    loop {
        if until.is_some_and(|u| replayed.last_seq.is_some_and(|s| s >= u)) {
            break;
        }
        let raw = lines
            .next_line(&mut replayed.damage)
            .map_err(|e| replay_error(paths, &format!("cannot read the event log: {e}")))?;
        let Some(raw) = raw else { break };
        let line = match parse_line(raw.bytes) {
            Ok(line) => line,
            Err(why) => {
                replayed.damage.skip(raw.number, raw.last_unterminated, why);
                continue;
            }
        };
        if until.is_some_and(|u| line.seq > u) {
            break;
        }
        let Some(ts_ms) = sequencer.admit(raw.number, line.seq, line.ts_ms, &mut replayed.damage) else {
            continue;
        };
        match line.event {
            StreamEvent::Output(data) => replayed.screen.feed(data.as_bytes(), ts_ms),
            StreamEvent::Resize { cols, rows } => replayed.screen.resize(cols, rows),
            StreamEvent::Other => {}
        }
        replayed.last_seq = Some(line.seq);
    }
    replayed.screen.end_sync();
    Ok(replayed)
}

fn replay_error(paths: &SessionPaths, message: &str) -> Error {
    Error::new(ErrorCode::ReplayError, format!("Cannot replay session \"{}\": {message}.", paths.id))
        .with("sessionId", paths.id.as_str())
        .with("eventLogPath", paths.events.display().to_string())
}
