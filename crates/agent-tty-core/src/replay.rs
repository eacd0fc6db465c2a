//! Offline replay: rebuilds a session's Screen from its Event Log, for sessions whose
//! host is gone (and for exports). Streams the file line by line, applies `output` and
//! `resize` events from the creation size on, and takes synchronized-output timeouts from
//! event time so the result is deterministic. Damaged lines are skipped and the replay
//! goes on; what was skipped is returned as [`Damage`] for the caller's result (the
//! rules are in [`crate::event_stream`]).
//!
//! A replay starts from the last screen checkpoint at or before the seq asked for, when
//! there is a usable one, and reads the log from there; it writes checkpoints as it goes
//! (see [`crate::checkpoint`]), so the next replay of a long log reads only its end.

use std::fs::File;
use std::io::BufReader;

use agent_tty_vt::Screen;

use crate::checkpoint::{self, Accept, Kind};
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
    replay_checkpointing(paths, record, until, checkpoint::INTERVAL_BYTES, Accept::Full)
}

/// [`replay`] for a caller that reads only the visible screen (cells, cursor, modes,
/// size: a snapshot without scrollback, a screenshot, a diff): it may start from the
/// host's screen checkpoints too, so the returned screen may keep no scrollback. Its
/// visible screen is the one [`replay`] builds.
pub fn replay_visible(paths: &SessionPaths, record: &SessionRecord, until: Option<u64>) -> Result<Replayed> {
    replay_checkpointing(paths, record, until, checkpoint::INTERVAL_BYTES, Accept::Any)
}

/// [`replay`], taking a checkpoint every `interval` bytes of log, starting from a
/// checkpoint `accept` takes.
fn replay_checkpointing(
    paths: &SessionPaths,
    record: &SessionRecord,
    until: Option<u64>,
    interval: u64,
    accept: Accept,
) -> Result<Replayed> {
    let file = match File::open(&paths.events) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let screen = fresh_screen(record);
            return Ok(Replayed { screen, last_seq: None, damage: Damage::default() });
        }
        Err(e) => return Err(replay_error(paths, &format!("cannot open the event log: {e}"))),
    };
    let start = Start::find(paths, record, until, accept);
    // A screen without its scrollback cannot give a full checkpoint.
    let partial = start.kind == Some(Kind::Screen);
    let mut taker = (!partial)
        .then(|| checkpoint::Taker::new(paths, start.offset, start.damage.clone(), interval))
        .flatten();
    let mut screen = start.screen;
    let resume =
        Resume { line: start.line, offset: start.offset, sequencer: start.sequencer, damage: start.damage };
    let last_seq = start.last_seq;
    let (batches, received) = std::sync::mpsc::sync_channel::<Vec<Step>>(QUEUED_BATCHES);
    let mut restart = false;
    let read = std::thread::scope(|scope| {
        let reader = scope.spawn(move || read_steps(file, resume, last_seq, until, &batches));
        'batches: for batch in &received {
            for step in batch {
                match step {
                    Step::Output(data, ts_ms, position) => {
                        screen.feed(data.as_bytes(), ts_ms);
                        if let (Some(taker), Some(position)) = (&mut taker, position) {
                            taker.after(paths, &mut screen, &position);
                        }
                    }
                    Step::Resize { cols, rows } => {
                        let (now_cols, now_rows) = screen.size();
                        if partial && (cols > now_cols || rows > now_rows) {
                            // It may pull lines back from a scrollback this screen lacks.
                            restart = true;
                            break 'batches;
                        }
                        screen.resize(cols, rows);
                    }
                    Step::Damage(damage) => {
                        if let Some(taker) = &mut taker {
                            taker.set_damage(damage);
                        }
                    }
                }
            }
        }
        // Dropping the queue (on a restart) stops the reader at its next batch.
        drop(received);
        reader.join()
    });
    if restart {
        return replay_checkpointing(paths, record, until, interval, Accept::Full);
    }
    let (last_seq, damage) = match read {
        Ok(Ok(read)) => read,
        Ok(Err(e)) => return Err(replay_error(paths, &format!("cannot read the event log: {e}"))),
        Err(_) => return Err(replay_error(paths, "the log reader stopped unexpectedly")),
    };
    screen.end_sync();
    Ok(Replayed { screen, last_seq, damage })
}

/// A blank screen of the session's creation size.
fn fresh_screen(record: &SessionRecord) -> Screen {
    let cols = record.creation_cols.unwrap_or(record.cols);
    let rows = record.creation_rows.unwrap_or(record.rows);
    Screen::new(cols, rows)
}

/// Where a replay starts: the last usable checkpoint at or before `until`, or the
/// beginning of the log.
struct Start {
    screen: Screen,
    /// The kind of checkpoint it is, if one.
    kind: Option<Kind>,
    last_seq: Option<u64>,
    line: u64,
    offset: u64,
    sequencer: Sequencer,
    damage: Damage,
}

impl Start {
    fn find(paths: &SessionPaths, record: &SessionRecord, until: Option<u64>, accept: Accept) -> Start {
        match checkpoint::load_best(paths, until, accept) {
            Some(found) => Start {
                screen: found.screen,
                kind: Some(found.kind),
                last_seq: Some(found.position.seq),
                line: found.position.line,
                offset: found.position.offset,
                sequencer: Sequencer::resume(found.position.seq, found.position.ts_ms),
                damage: found.damage,
            },
            None => Start {
                screen: fresh_screen(record),
                kind: None,
                last_seq: None,
                line: 0,
                offset: 0,
                sequencer: Sequencer::default(),
                damage: Damage::default(),
            },
        }
    }
}

/// Where the reader resumes.
struct Resume {
    line: u64,
    offset: u64,
    sequencer: Sequencer,
    damage: Damage,
}

/// Batches in flight between the reader and the screen (each about [`BATCH_BYTES`]).
const QUEUED_BATCHES: usize = 4;

/// Output bytes per batch handed to the screen.
const BATCH_BYTES: usize = 1 << 20;

/// What the screen must do for one event.
enum Step {
    /// Output received at a time (ms since the epoch), with the position of its event
    /// when a checkpoint may be taken after it.
    Output(String, u64, Option<checkpoint::Position>),
    /// A resize.
    Resize { cols: u16, rows: u16 },
    /// The damage seen so far changed (for the checkpoints taken after).
    Damage(Damage),
}

/// Reads and parses the log from `resume` up to `until`, sending the screen's steps in
/// batches; returns the seq of the last event applied (any type) and the damage seen.
fn read_steps(
    mut file: File,
    resume: Resume,
    mut last_seq: Option<u64>,
    until: Option<u64>,
    batches: &std::sync::mpsc::SyncSender<Vec<Step>>,
) -> std::io::Result<(Option<u64>, Damage)> {
    use std::io::Seek;
    file.seek(std::io::SeekFrom::Start(resume.offset))?;
    let mut damage = resume.damage;
    let mut lines = LineReader::resume(BufReader::with_capacity(1 << 20, file), resume.line, resume.offset);
    let mut sequencer = resume.sequencer;
    let mut batch = Vec::new();
    let mut batched = 0;
    let mut reported = damage.clone();
    loop {
        if until.is_some_and(|u| last_seq.is_some_and(|s| s >= u)) {
            break;
        }
        let Some(raw) = lines.next_line(&mut damage)? else { break };
        let (number, last_unterminated, end, len) =
            (raw.number, raw.last_unterminated, raw.end, raw.bytes.len());
        let line = match parse_line(raw.bytes) {
            Ok(line) => line,
            Err(why) => {
                damage.skip(number, last_unterminated, why);
                continue;
            }
        };
        if until.is_some_and(|u| line.seq.get() > u) {
            break;
        }
        let Some(ts_ms) = sequencer.admit(number, line.seq, line.ts_ms, &mut damage) else {
            continue;
        };
        if damage != reported {
            reported = damage.clone();
            batch.push(Step::Damage(reported.clone()));
        }
        let seq = line.seq.get();
        match line.event {
            StreamEvent::Output(data) => {
                batched += data.len();
                // No checkpoint after a line without its newline: the host may be writing it.
                let position = (!last_unterminated).then_some(checkpoint::Position {
                    seq,
                    ts_ms,
                    line: number,
                    offset: end,
                    line_len: len as u64,
                });
                batch.push(Step::Output(data.into_owned(), ts_ms, position));
            }
            StreamEvent::Resize { cols, rows } => batch.push(Step::Resize { cols, rows }),
            StreamEvent::Other => {}
        }
        last_seq = Some(seq);
        if batched >= BATCH_BYTES {
            batched = 0;
            // The screen side stops early on a restart (or a panic, which the join reports).
            if batches.send(std::mem::take(&mut batch)).is_err() {
                return Ok((last_seq, damage));
            }
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

    use crate::find::test_log::{ID, record};

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

    use agent_tty_vt::SnapshotOptions;

    const ALL: SnapshotOptions = SnapshotOptions { scrollback: true, cells: true };

    /// Everything a replay's result shows.
    fn shown(replayed: &Replayed) -> (agent_tty_vt::Snapshot, Option<u64>, Damage) {
        (replayed.screen.snapshot(ALL), replayed.last_seq, replayed.damage.clone())
    }

    fn checkpoint_files(paths: &SessionPaths) -> Vec<std::path::PathBuf> {
        let Ok(entries) = std::fs::read_dir(checkpoint::dir(paths)) else { return Vec::new() };
        let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        files
    }

    /// Replays with no checkpoint files (removing them first).
    fn plain(paths: &SessionPaths, until: Option<u64>) -> Replayed {
        let _ = std::fs::remove_dir_all(checkpoint::dir(paths));
        let replayed = replay_checkpointing(paths, &record(), until, u64::MAX, Accept::Full).unwrap();
        assert!(checkpoint_files(paths).is_empty());
        replayed
    }

    const SMALL: u64 = 200_000;

    #[test]
    fn a_replay_through_checkpoints_equals_a_plain_one() {
        let dir = tempfile::tempdir().unwrap();
        let paths = SessionPaths::new(&dir.path().join("home"), ID);
        write_log(&paths);
        let expected: Vec<_> = [Some(0), Some(131), Some(200), Some(290), None]
            .iter()
            .map(|u| shown(&plain(&paths, *u)))
            .collect();
        let built = replay_checkpointing(&paths, &record(), None, SMALL, Accept::Full).unwrap();
        assert_eq!(shown(&built), expected[4]);
        let files = checkpoint_files(&paths);
        assert!(files.len() >= 8, "{files:?}");
        // In production a checkpoint is kept at most every `INTERVAL_BYTES`, and further
        // apart when it is large, so that all of them stay within 2 % of the log; these,
        // with a full scrollback of text, are small enough to be kept at that interval.
        let largest = files.iter().map(|f| std::fs::metadata(f).unwrap().len()).max().unwrap();
        assert!(largest < checkpoint::INTERVAL_BYTES / 25, "a checkpoint of {largest} bytes");
        for (until, expected) in [Some(0), Some(131), Some(200), Some(290), None].iter().zip(&expected) {
            let start = checkpoint::load_best(&paths, *until, Accept::Full).map(|c| c.position.seq);
            assert!(until.is_none_or(|u| u < 20) || start.is_some(), "until {until:?}");
            let replayed = replay_checkpointing(&paths, &record(), *until, SMALL, Accept::Full).unwrap();
            assert_eq!(&shown(&replayed), expected, "until {until:?} from {start:?}");
        }
    }

    #[test]
    fn damaged_stale_and_orphan_checkpoints_are_ignored_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let paths = SessionPaths::new(&dir.path().join("home"), ID);
        write_log(&paths);
        let expected = shown(&plain(&paths, None));
        replay_checkpointing(&paths, &record(), None, SMALL, Accept::Full).unwrap();
        let files = checkpoint_files(&paths);
        // A flipped byte in the newest: ignored, removed, the one before used.
        let newest = files.last().unwrap();
        let mut bytes = std::fs::read(newest).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x55;
        std::fs::write(newest, &bytes).unwrap();
        assert_eq!(
            shown(&replay_checkpointing(&paths, &record(), None, u64::MAX, Accept::Full).unwrap()),
            expected
        );
        assert!(!newest.exists());
        // A log cut short: checkpoints past its end are stale.
        let log = std::fs::read(&paths.events).unwrap();
        let cut = log.len() / 2;
        let cut = cut + log[cut..].iter().position(|b| *b == b'\n').unwrap() + 1;
        std::fs::write(&paths.events, &log[..cut]).unwrap();
        let short = shown(&plain(&paths, None));
        std::fs::write(&paths.events, &log).unwrap();
        replay_checkpointing(&paths, &record(), None, SMALL, Accept::Full).unwrap();
        std::fs::write(&paths.events, &log[..cut]).unwrap();
        assert_eq!(
            shown(&replay_checkpointing(&paths, &record(), None, u64::MAX, Accept::Full).unwrap()),
            short
        );
        assert!(checkpoint_files(&paths).iter().all(|f| std::fs::metadata(f).unwrap().len() > 0));
        // A log replaced by another of the same length: every checkpoint is stale.
        let other = String::from_utf8(log.clone()).unwrap().replace("line", "LINE");
        std::fs::write(&paths.events, &other).unwrap();
        let replaced = shown(&replay_checkpointing(&paths, &record(), None, u64::MAX, Accept::Full).unwrap());
        assert!(checkpoint_files(&paths).is_empty(), "stale files are removed");
        assert_eq!(replaced, shown(&plain(&paths, None)));
        assert_ne!(replaced.0, expected.0);
    }

    #[test]
    fn damage_before_a_checkpoint_is_still_reported() {
        let dir = tempfile::tempdir().unwrap();
        let paths = SessionPaths::new(&dir.path().join("home"), ID);
        write_log(&paths);
        let log = std::fs::read_to_string(&paths.events).unwrap();
        let damaged = log.replacen("\n", "\nnot json\n", 3);
        std::fs::write(&paths.events, damaged).unwrap();
        let expected = shown(&plain(&paths, None));
        assert_eq!(expected.2.skipped_lines, 3);
        replay_checkpointing(&paths, &record(), None, SMALL, Accept::Full).unwrap();
        assert!(checkpoint::load_best(&paths, None, Accept::Full).is_some());
        assert_eq!(
            shown(&replay_checkpointing(&paths, &record(), None, u64::MAX, Accept::Full).unwrap()),
            expected
        );
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

    /// Each event's position in the log (seq, time, line, end offset, line length).
    fn positions(paths: &SessionPaths) -> Vec<checkpoint::Position> {
        let file = File::open(&paths.events).unwrap();
        let mut lines = LineReader::new(BufReader::new(file));
        let mut damage = Damage::default();
        let mut out = Vec::new();
        while let Some(raw) = lines.next_line(&mut damage).unwrap() {
            let line = parse_line(raw.bytes).unwrap();
            out.push(checkpoint::Position {
                seq: line.seq.get(),
                ts_ms: line.ts_ms,
                line: raw.number,
                offset: raw.end,
                line_len: raw.bytes.len() as u64,
            });
        }
        out
    }

    #[test]
    fn the_hosts_screen_checkpoints_give_a_plain_replays_visible_screen() {
        let dir = tempfile::tempdir().unwrap();
        let paths = SessionPaths::new(&dir.path().join("home"), ID);
        let steps = write_log(&paths);
        let positions = positions(&paths);
        assert_eq!(positions.len(), steps.len());
        // The host: a screen without scrollback fed event by event, rebuilt from the log
        // when a resize can pull lines back (as `host/history.rs` does), its screen
        // checkpointed every 100 kB.
        let log = File::open(&paths.events).unwrap();
        let mut live = Screen::with_scrollback(80, 24, agent_tty_vt::LIVE_SCROLLBACK_LINES);
        let mut next_at = 100_000;
        for (step, position) in steps.iter().zip(&positions) {
            match step {
                Step::Output(data) => {
                    live.feed(data.as_bytes(), position.ts_ms);
                    if position.offset >= next_at
                        && let Some(bytes) = live.checkpoint()
                    {
                        let clean = Damage::default();
                        checkpoint::write(&paths, Kind::Screen, &log, position, &clean, &bytes).unwrap();
                        next_at = position.offset + 100_000;
                    }
                }
                Step::Resize(cols, rows) => {
                    let (now_cols, now_rows) = live.size();
                    if *cols > now_cols || *rows > now_rows {
                        let replayed = replay_checkpointing(
                            &paths,
                            &record(),
                            Some(position.seq),
                            u64::MAX,
                            Accept::Full,
                        );
                        live.adopt(replayed.unwrap().screen);
                    }
                    live.resize(*cols, *rows);
                }
                Step::Other => {}
            }
        }
        let screens = checkpoint::entries(&paths);
        assert!(screens.len() >= 20 && screens.iter().all(|e| e.kind == Kind::Screen), "{screens:?}");
        let visible = SnapshotOptions { scrollback: false, cells: true };
        // Every event, and a resize that pulls lines back after a checkpoint (97, 194)
        // restarts from the start; the plain replays are taken with the files moved away.
        let saved = dir.path().join("saved");
        for until in (0..steps.len() as u64).step_by(29).chain([96, 97, 98, 194, 195, 318, 319]) {
            let from_checkpoints =
                replay_checkpointing(&paths, &record(), Some(until), u64::MAX, Accept::Any).unwrap();
            std::fs::rename(checkpoint::dir(&paths), &saved).unwrap();
            let plain = replay_checkpointing(&paths, &record(), Some(until), u64::MAX, Accept::Full).unwrap();
            std::fs::rename(&saved, checkpoint::dir(&paths)).unwrap();
            assert_eq!(
                from_checkpoints.screen.snapshot(visible),
                plain.screen.snapshot(visible),
                "until {until}"
            );
            assert_eq!(
                (from_checkpoints.last_seq, &from_checkpoints.damage),
                (plain.last_seq, &plain.damage)
            );
        }
        // A replay that needs the scrollback never starts from them.
        assert!(checkpoint::load_best(&paths, None, Accept::Full).is_none());
        assert_eq!(
            shown(&replay_checkpointing(&paths, &record(), None, u64::MAX, Accept::Full).unwrap()),
            shown(&plain(&paths, None))
        );
    }
}
