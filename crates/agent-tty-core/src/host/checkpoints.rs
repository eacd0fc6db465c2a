//! The host's screen checkpoints: every [`INTERVAL_BYTES`] of log, the live screen
//! (visible only: it keeps no scrollback) is written beside the log as a
//! [`Kind::Screen`] checkpoint, so that a snapshot, screenshot, diff or clip at any seq
//! replays at most that much of the log, even the first time (the full checkpoints a
//! replay writes are further apart and come only with a first replay; see
//! [`crate::checkpoint`]).
//!
//! The screen is serialised on the loop, just after the output event it follows is fed,
//! while no other event can come between (a few hundred microseconds for a 200×50
//! screen, once per [`INTERVAL_BYTES`]); a thread of its own writes the file once the
//! log holds the event's line. A checkpoint is a cache: one that cannot be taken (the
//! screen is mid escape sequence) is taken after a later output event, and one that
//! cannot be written is left out.
//!
//! Bytes, not time, decide: replaying [`INTERVAL_BYTES`] costs tens of milliseconds
//! whatever time it took to arrive, so a time trigger would only add files.

use std::sync::mpsc::{Receiver, Sender};

use agent_tty_vt::Screen;

use crate::checkpoint::{self, Kind, Position};
use crate::event_log::StagedLine;
use crate::event_stream::Damage;
use crate::paths::SessionPaths;

/// Log bytes between the host's checkpoints. Replaying 2 MB from one takes about 50 ms
/// (release build), within the 150 ms a `snapshot --at-seq` may take.
pub const INTERVAL_BYTES: u64 = 2 << 20;

/// One over the largest share of the log the host's checkpoints may take (1 %; full
/// checkpoints share the rest of the 2 % budget).
const MAX_SHARE_INVERSE: u64 = 100;

/// A checkpoint taken, waiting for its line to be flushed.
struct Job {
    position: Position,
    bytes: Vec<u8>,
}

/// The checkpoints of one host.
#[derive(Default)]
pub(crate) struct Checkpoints {
    /// The log offset from which the next one is due.
    next_at: u64,
    /// Taken, not yet handed to the writer (its line is still staged).
    pending: Option<Job>,
    /// The writer thread's queue and handle, once started.
    writer: Option<(Sender<Job>, std::thread::JoinHandle<()>)>,
    /// Whether the writer could not be started (then none are taken).
    failed: bool,
}

impl std::fmt::Debug for Checkpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkpoints").field("next_at", &self.next_at).finish()
    }
}

impl Checkpoints {
    /// Checkpoints for a log that is `len` bytes long now (the first is due one interval
    /// in).
    pub(crate) fn new(len: u64) -> Checkpoints {
        Checkpoints { next_at: len.saturating_add(INTERVAL_BYTES), ..Checkpoints::default() }
    }

    /// After `screen` was fed the output event staged at `line`: takes a checkpoint when
    /// one is due and the screen can be captured.
    pub(crate) fn after_output(&mut self, screen: &mut Screen, line: &StagedLine) {
        if line.end < self.next_at || self.failed || !screen.can_checkpoint() {
            return;
        }
        let Some(bytes) = screen.checkpoint() else { return };
        let size = bytes.len() as u64;
        // A screen that compresses badly (random text on a large screen) is kept less often.
        self.next_at = line.end.saturating_add(INTERVAL_BYTES.max(size.saturating_mul(MAX_SHARE_INVERSE)));
        let position = Position {
            seq: line.seq,
            ts_ms: line.ts_ms,
            line: line.line,
            offset: line.end,
            line_len: line.len,
        };
        self.pending = Some(Job { position, bytes });
    }

    /// After the log was flushed: hands a pending checkpoint to the writer.
    pub(crate) fn flushed(&mut self, paths: &SessionPaths) {
        let Some(job) = self.pending.take() else { return };
        if self.writer.is_none() {
            let (tx, rx) = std::sync::mpsc::channel();
            let paths = paths.clone();
            let spawned = std::thread::Builder::new()
                .name("agent-tty-checkpoints".into())
                .spawn(move || write_all(&paths, &rx));
            match spawned {
                Ok(handle) => self.writer = Some((tx, handle)),
                Err(_) => {
                    self.failed = true;
                    return;
                }
            }
        }
        if let Some((writer, _)) = &self.writer
            && writer.send(job).is_err()
        {
            self.failed = true;
        }
    }

    /// Writes what is queued and stops the writer (the host is ending).
    pub(crate) fn finish(&mut self) {
        if let Some((writer, handle)) = self.writer.take() {
            drop(writer);
            let _ = handle.join();
        }
    }
}

/// The writer thread: writes each checkpoint it receives until the host drops the queue.
fn write_all(paths: &SessionPaths, jobs: &Receiver<Job>) {
    let Ok(log) = std::fs::File::open(&paths.events) else { return };
    for job in jobs {
        // The host is the log's only writer and writes no damaged line.
        let _ = checkpoint::write(paths, Kind::Screen, &log, &job.position, &Damage::default(), &job.bytes);
    }
}
