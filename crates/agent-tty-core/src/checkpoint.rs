//! Screen checkpoints beside the event log: `<session>/checkpoints/<seq>.bin`, each a
//! serialised replay screen ([`agent_tty_vt::Screen::checkpoint`]) after event `seq`, so
//! a replay to a late seq restores the last checkpoint at or before it and reads only the
//! rest of the log. The log stays the only truth: checkpoints are a cache that a replay
//! writes as it goes (every [`INTERVAL_BYTES`] of log, at the first event after which the
//! screen can be captured) and ignores — and deletes — when missing, damaged or stale.
//!
//! A file names the log position it belongs to: the seq, the event's time (as the replay
//! admitted it), the line number and byte offset after the event's line, that line's
//! length and SHA-256. It is stale when the log is shorter than the offset or the line
//! there is not the same (the log was replaced or rewritten). A change elsewhere in the
//! prefix that keeps that line is not detected; logs are append-only, so none happens.
//!
//! Damage: a checkpoint carries the damage the replay had seen up to it (lines skipped,
//! the first bad line and why), so a replay that starts from it reports the same damage
//! as one that reads the whole log.
//!
//! Only screens built like a plain replay's ([`Screen::new`]: [`SCROLLBACK_LINES`] of
//! scrollback) are written or used: the host's live screen keeps no scrollback.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use agent_tty_vt::{SCROLLBACK_LINES, Screen};
use sha2::{Digest, Sha256};

use crate::event_stream::Damage;
use crate::paths::SessionPaths;

/// The directory of a session's checkpoints, inside its directory.
pub const DIR: &str = "checkpoints";

/// Log bytes between checkpoints. Measured with `scripts/bench-checkpoints.sh` (500 MB of
/// coloured output at 120x40, a 676 MB log): an offline `snapshot` takes 10.9 s with a
/// plain replay and about 110 ms from the last checkpoint (the whole CLI call); the 84
/// checkpoints (each with a full 10,000-line scrollback) are 0.52 % of the log (with the
/// body deflated at level 6; it is level 3 now, see `agent_tty_vt`'s checkpoint module).
/// Output that compresses badly gets fewer checkpoints: see [`Taker::after`].
pub const INTERVAL_BYTES: u64 = 8 << 20;

/// One over the largest share of the log its checkpoints may take (1/50: 2 %).
const MAX_SHARE_INVERSE: u64 = 50;

const MAGIC: &[u8; 8] = b"ATTYCKLG";
const VERSION: u8 = 1;
/// The largest checkpoint file read.
const MAX_FILE: u64 = 64 << 20;

/// A position in the log: just after the line of event `seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The event's seq.
    pub seq: u64,
    /// The event's time as the replay admitted it (ms since the epoch).
    pub ts_ms: u64,
    /// The 1-based number of the event's line.
    pub line: u64,
    /// The byte offset just after the event's line.
    pub offset: u64,
    /// The length of the event's line, newline included.
    pub line_len: u64,
}

/// A checkpoint read back and checked against the log.
#[derive(Debug)]
pub struct Checkpoint {
    /// Where in the log it was taken.
    pub position: Position,
    /// The damage seen before it.
    pub damage: Damage,
    /// The screen after event `position.seq`.
    pub screen: Screen,
}

/// `<session>/checkpoints`.
pub fn dir(paths: &SessionPaths) -> PathBuf {
    paths.dir.join(DIR)
}

fn file_path(paths: &SessionPaths, seq: u64) -> PathBuf {
    dir(paths).join(format!("{seq:020}.bin"))
}

/// The SHA-256 of the log line that ends at `position`, read from `log`.
fn line_hash(log: &File, position: &Position) -> std::io::Result<[u8; 32]> {
    let len = usize::try_from(position.line_len).map_err(std::io::Error::other)?;
    let start =
        position.offset.checked_sub(position.line_len).ok_or_else(|| std::io::Error::other("bad offset"))?;
    let mut line = vec![0; len];
    log.read_exact_at(&mut line, start)?;
    Ok(Sha256::digest(&line).into())
}

/// Writes the checkpoint `screen` (bytes from [`Screen::checkpoint`]) of `log` at
/// `position`, with the `damage` seen before it. Atomic: a reader sees the old file or
/// the whole new one.
pub fn write(
    paths: &SessionPaths,
    log: &File,
    position: &Position,
    damage: &Damage,
    screen: &[u8],
) -> crate::error::Result<()> {
    let hash = line_hash(log, position).map_err(|e| crate::error::Error::storage_read(&paths.events, &e))?;
    let mut out = MAGIC.to_vec();
    out.push(VERSION);
    for value in [position.seq, position.ts_ms, position.line, position.offset, position.line_len] {
        out.extend_from_slice(&value.to_le_bytes());
    }
    out.extend_from_slice(&hash);
    out.extend_from_slice(&damage.skipped_lines.to_le_bytes());
    let (first_line, first_why) = damage.first.as_ref().map_or((0, ""), |(line, why)| (*line, why.as_str()));
    out.extend_from_slice(&first_line.to_le_bytes());
    out.extend_from_slice(&(first_why.len() as u64).to_le_bytes());
    out.extend_from_slice(first_why.as_bytes());
    out.extend_from_slice(screen);
    crate::fsio::write_atomic(&file_path(paths, position.seq), &out)
}

/// The last usable checkpoint at or before `until` (any when `None`), checked against
/// the log; unusable files met on the way (damaged, stale) are deleted.
pub fn load_best(paths: &SessionPaths, until: Option<u64>) -> Option<Checkpoint> {
    let mut seqs = list(&dir(paths));
    seqs.retain(|seq| until.is_none_or(|until| *seq <= until));
    seqs.sort_unstable();
    let log = File::open(&paths.events).ok()?;
    for seq in seqs.into_iter().rev() {
        let path = file_path(paths, seq);
        match load(&path, &log) {
            Some(checkpoint) if checkpoint.position.seq == seq => return Some(checkpoint),
            _ => {
                // A cache entry that cannot be used: rebuilt by the next replay.
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    None
}

/// The seqs of the checkpoint files in `dir`.
fn list(dir: &Path) -> Vec<u64> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries.filter_map(|entry| entry.ok()?.file_name().to_str()?.strip_suffix(".bin")?.parse().ok()).collect()
}

fn load(path: &Path, log: &File) -> Option<Checkpoint> {
    let file = File::open(path).ok()?;
    if file.metadata().ok()?.len() > MAX_FILE {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let mut input = Input { bytes: &bytes };
    if input.take(MAGIC.len())? != MAGIC || input.take(1)? != [VERSION] {
        return None;
    }
    let position = Position {
        seq: input.u64()?,
        ts_ms: input.u64()?,
        line: input.u64()?,
        offset: input.u64()?,
        line_len: input.u64()?,
    };
    let hash = input.take(32)?;
    if log.metadata().ok()?.len() < position.offset || line_hash(log, &position).ok()?[..] != *hash {
        return None;
    }
    let skipped_lines = input.u64()?;
    let first_line = input.u64()?;
    let why_len = usize::try_from(input.u64()?).ok()?;
    let why = String::from_utf8(input.take(why_len)?.to_vec()).ok()?;
    let first = (first_line > 0).then_some((first_line, why));
    let screen = Screen::restore(input.bytes).ok()?;
    if screen.scrollback_lines() != SCROLLBACK_LINES {
        return None;
    }
    Some(Checkpoint { position, damage: Damage { skipped_lines, first, torn_tail: None }, screen })
}

struct Input<'a> {
    bytes: &'a [u8],
}

impl<'a> Input<'a> {
    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        if len > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Some(head)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

/// Takes checkpoints during a replay: every [`INTERVAL_BYTES`] of log, at the first
/// output event after which the screen can be captured.
#[derive(Debug)]
pub struct Taker {
    log: File,
    next_at: u64,
    interval: u64,
    damage: Damage,
    /// Bytes of checkpoints this taker wrote.
    written: u64,
}

impl Taker {
    /// A taker for a replay of `paths`' log that starts at byte `start` with `damage`
    /// seen so far, one checkpoint per `interval` bytes; `None` when the log cannot be
    /// opened for it.
    pub fn new(paths: &SessionPaths, start: u64, damage: Damage, interval: u64) -> Option<Taker> {
        let log = File::open(&paths.events).ok()?;
        // What earlier replays kept counts against the share too.
        let written = std::fs::read_dir(dir(paths))
            .map(|entries| entries.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
            .unwrap_or(0);
        Some(Taker { log, next_at: start.saturating_add(interval), interval, damage, written })
    }

    /// The damage the replay has seen so far.
    pub fn set_damage(&mut self, damage: Damage) {
        self.damage = damage;
    }

    /// After the screen applied the event at `position`: takes a checkpoint if one is due
    /// and the screen can be captured. Failing to write is not an error (it is a cache).
    pub fn after(&mut self, paths: &SessionPaths, screen: &mut Screen, position: &Position) {
        if position.offset < self.next_at || !screen.can_checkpoint() {
            return;
        }
        let mut interval = self.interval;
        if let Some(bytes) = screen.checkpoint() {
            // Checkpoints stay within 1/MAX_SHARE_INVERSE of the log whatever the output: a
            // screen that compresses badly (random text in a full scrollback) is kept less
            // often, and one that would go over the share is not kept.
            // (Tests replay small logs with tiny intervals: the share is for real ones.)
            let size = bytes.len() as u64;
            let within_share = (self.written + size).saturating_mul(MAX_SHARE_INVERSE) <= position.offset;
            if within_share || self.interval < INTERVAL_BYTES {
                let _ = write(paths, &self.log, position, &self.damage, &bytes);
                self.written += size;
            }
            if self.interval >= INTERVAL_BYTES {
                interval = interval.max(size.saturating_mul(MAX_SHARE_INVERSE));
            }
        }
        self.next_at = position.offset.saturating_add(interval);
    }
}
