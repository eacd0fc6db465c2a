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
///
/// Two threads: one reads and parses the log (JSON decoding is about a third of the
/// work), this one feeds the screen, in the log's order, through a short bounded
/// queue of batches; the result is the same as feeding line by line.
pub fn replay(paths: &SessionPaths, record: &SessionRecord, until: Option<u64>) -> Result<Replayed> {
    let cols = record.creation_cols.unwrap_or(record.cols);
    let rows = record.creation_rows.unwrap_or(record.rows);
    let mut screen = Screen::new(cols, rows);
    let file = match File::open(&paths.events) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Replayed { screen, last_seq: None, damage: Damage::default() });
        }
        Err(e) => return Err(replay_error(paths, &format!("cannot open the event log: {e}"))),
    };
    let (batches, received) = std::sync::mpsc::sync_channel::<Vec<Step>>(QUEUED_BATCHES);
    let read = std::thread::scope(|scope| {
        let reader = scope.spawn(move || read_steps(file, until, &batches));
        for batch in received {
            for step in batch {
                match step {
                    Step::Output(data, ts_ms) => screen.feed(data.as_bytes(), ts_ms),
                    Step::Resize { cols, rows } => screen.resize(cols, rows),
                }
            }
        }
        reader.join()
    });
    let (last_seq, damage) = match read {
        Ok(Ok(read)) => read,
        Ok(Err(e)) => return Err(replay_error(paths, &format!("cannot read the event log: {e}"))),
        Err(_) => return Err(replay_error(paths, "the log reader stopped unexpectedly")),
    };
    screen.end_sync();
    Ok(Replayed { screen, last_seq, damage })
}

/// Batches in flight between the reader and the screen (each about [`BATCH_BYTES`]).
const QUEUED_BATCHES: usize = 4;

/// Output bytes per batch handed to the screen.
const BATCH_BYTES: usize = 1 << 20;

/// What the screen must do for one event.
enum Step {
    /// Output received at a time (ms since the epoch).
    Output(String, u64),
    /// A resize.
    Resize { cols: u16, rows: u16 },
}

/// Reads and parses the log up to `until`, sending the screen's steps in batches;
/// returns the seq of the last event applied (any type) and the damage seen.
fn read_steps(
    file: File,
    until: Option<u64>,
    batches: &std::sync::mpsc::SyncSender<Vec<Step>>,
) -> std::io::Result<(Option<u64>, Damage)> {
    let mut damage = Damage::default();
    let mut last_seq = None;
    let mut lines = LineReader::new(BufReader::with_capacity(1 << 20, file));
    let mut sequencer = Sequencer::default();
    let mut batch = Vec::new();
    let mut batched = 0;
    loop {
        if until.is_some_and(|u| last_seq.is_some_and(|s| s >= u)) {
            break;
        }
        let Some(raw) = lines.next_line(&mut damage)? else { break };
        let line = match parse_line(raw.bytes) {
            Ok(line) => line,
            Err(why) => {
                damage.skip(raw.number, raw.last_unterminated, why);
                continue;
            }
        };
        if until.is_some_and(|u| line.seq.get() > u) {
            break;
        }
        let Some(ts_ms) = sequencer.admit(raw.number, line.seq, line.ts_ms, &mut damage) else {
            continue;
        };
        match line.event {
            StreamEvent::Output(data) => {
                batched += data.len();
                batch.push(Step::Output(data.into_owned(), ts_ms));
            }
            StreamEvent::Resize { cols, rows } => batch.push(Step::Resize { cols, rows }),
            StreamEvent::Other => {}
        }
        last_seq = Some(line.seq.get());
        if batched >= BATCH_BYTES {
            batched = 0;
            // The screen side only stops early by panicking; the join reports that.
            let _ = batches.send(std::mem::take(&mut batch));
        }
    }
    let _ = batches.send(batch);
    Ok((last_seq, damage))
}

fn replay_error(paths: &SessionPaths, message: &str) -> Error {
    Error::new(ErrorCode::ReplayError, format!("Cannot replay session \"{}\": {message}.", paths.id))
        .with("sessionId", paths.id.as_str())
        .with("eventLogPath", paths.events.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_log::{Event, EventLogWriter};

    const ID: &str = "01M94WZCBG0WTJCRZXCEFT4127";

    fn record() -> SessionRecord {
        serde_json::from_value(serde_json::json!({
            "version": 1, "sessionId": ID, "createdAt": "2026-12-06T05:24:37.872Z",
            "updatedAt": "2026-12-06T05:24:38.039Z", "status": "exited", "command": ["cat"],
            "cwd": "/", "cols": 60, "rows": 20, "creationCols": 80, "creationRows": 24,
            "hostPid": null, "childPid": null, "exitCode": 0, "exitSignal": null
        }))
        .unwrap()
    }

    /// What a replay must show: the same events fed to a screen one by one.
    enum Step {
        Output(String),
        Resize(u16, u16),
        Other,
    }

    /// A log of several batches' worth of output (coloured, numbered lines) with resizes
    /// and other events between, and the events as written.
    fn write_log(paths: &SessionPaths) -> Vec<Step> {
        std::fs::create_dir_all(&paths.dir).unwrap();
        let mut log = EventLogWriter::open(&paths.events).unwrap();
        let mut steps = Vec::new();
        let mut line = 0;
        while steps.len() < 320 {
            let mut chunk = String::new();
            while chunk.len() < 8000 {
                line += 1;
                chunk.push_str(&format!("\u{1b}[3{}mline {line} é─\u{1b}[0m\r\n", line % 8));
            }
            log.push_output(&chunk);
            steps.push(Step::Output(chunk));
            let n = steps.len() as u16;
            if n.is_multiple_of(97) {
                log.push(&Event::Resize { cols: 50 + n % 40, rows: 10 + n % 20 });
                steps.push(Step::Resize(50 + n % 40, 10 + n % 20));
            } else if n.is_multiple_of(89) {
                log.push(&Event::Marker { label: format!("m{n}") });
                steps.push(Step::Other);
            }
            log.flush().unwrap();
        }
        steps
    }

    fn fed(steps: &[Step]) -> Vec<String> {
        let mut screen = Screen::new(80, 24);
        for step in steps {
            match step {
                Step::Output(data) => screen.feed(data.as_bytes(), 0),
                Step::Resize(cols, rows) => screen.resize(*cols, *rows),
                Step::Other => {}
            }
        }
        screen.visible_lines()
    }

    #[test]
    fn the_threaded_replay_equals_feeding_event_by_event() {
        let dir = tempfile::tempdir().unwrap();
        let paths = SessionPaths::new(&dir.path().join("home"), ID);
        let steps = write_log(&paths);
        assert!(steps.iter().filter(|s| matches!(s, Step::Resize(..))).count() >= 3);
        let whole = replay(&paths, &record(), None).unwrap();
        assert_eq!(whole.last_seq, Some(steps.len() as u64 - 1));
        assert!(whole.damage.is_clean());
        assert_eq!(whole.screen.visible_lines(), fed(&steps));
        for until in [0, 131, 290] {
            let part = replay(&paths, &record(), Some(until)).unwrap();
            assert_eq!(part.last_seq, Some(until));
            assert_eq!(part.screen.visible_lines(), fed(&steps[..=until as usize]), "until {until}");
        }
    }
}
