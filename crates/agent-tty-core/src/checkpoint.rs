//! Screen checkpoints beside the event log: `<session>/checkpoints/<seq>[.screen].bin`,
//! each a serialised screen ([`agent_tty_vt::Screen::checkpoint`]) after event `seq`, so
//! a replay to a late seq restores the last checkpoint at or before it and reads only the
//! rest of the log, and a seq or a time is found by reading a few checkpoints' headers
//! ([`seek`]) instead of the log's prefix. The log stays the only truth: checkpoints are
//! a cache, written by the host (screen ones) and by replays (full ones, every
//! [`INTERVAL_BYTES`] of log, at the first event after which the screen can be captured),
//! and ignored — and deleted — when missing, damaged or stale.
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
//! Two kinds ([`Kind`]):
//! - **full** (`<seq>.bin`): a replay's screen ([`Screen::new`]: [`SCROLLBACK_LINES`] of
//!   scrollback), written by a replay that reads a long log; exact for every later use;
//! - **screen** (`<seq>.screen.bin`): the host's live screen, which keeps no scrollback
//!   ([`LIVE_SCROLLBACK_LINES`]), written by the host as the output arrives (see
//!   `host/checkpoints.rs`). Its visible screen is a replay's (the host rebuilds its
//!   screen from the log whenever a resize could pull lines back from the scrollback), so
//!   a replay that needs only the visible screen starts from it, unless a resize that
//!   can pull lines back follows (then it restarts from a full one).

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use agent_tty_vt::{LIVE_SCROLLBACK_LINES, SCROLLBACK_LINES, Screen};
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
    /// What it holds.
    pub kind: Kind,
}

/// `<session>/checkpoints`.
pub fn dir(paths: &SessionPaths) -> PathBuf {
    paths.dir.join(DIR)
}

/// What a checkpoint holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The visible screen only (the host's live screen, no scrollback).
    Screen,
    /// The screen with its full scrollback (a replay's).
    Full,
}

impl Kind {
    const fn suffix(self) -> &'static str {
        match self {
            Kind::Screen => ".screen.bin",
            Kind::Full => ".bin",
        }
    }

    /// The scrollback limit a screen of this kind has.
    const fn scrollback(self) -> usize {
        match self {
            Kind::Screen => LIVE_SCROLLBACK_LINES,
            Kind::Full => SCROLLBACK_LINES,
        }
    }
}

/// Which checkpoints a reader can start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Full ones only (the scrollback is needed).
    Full,
    /// Either kind (only the visible screen is needed).
    Any,
}

impl Accept {
    fn takes(self, kind: Kind) -> bool {
        self == Accept::Any || kind == Kind::Full
    }
}

/// A checkpoint file: its seq and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// The seq it was taken after.
    pub seq: u64,
    /// What it holds.
    pub kind: Kind,
}

fn file_path(dir: &Path, entry: Entry) -> PathBuf {
    dir.join(format!("{:020}{}", entry.seq, entry.kind.suffix()))
}

/// The checkpoint directory of the log at `events` (beside it).
fn dir_of(events: &Path) -> PathBuf {
    events.parent().unwrap_or(Path::new(".")).join(DIR)
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
    kind: Kind,
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
    // Within what a header read takes (the reasons this crate writes are far shorter).
    let cut = (0..=first_why.len().min(MAX_WHY)).rev().find(|&i| first_why.is_char_boundary(i)).unwrap_or(0);
    let first_why = &first_why[..cut];
    out.extend_from_slice(&first_line.to_le_bytes());
    out.extend_from_slice(&(first_why.len() as u64).to_le_bytes());
    out.extend_from_slice(first_why.as_bytes());
    out.extend_from_slice(screen);
    let dir = dir(paths);
    // Never re-creates a session directory removed meanwhile (`gc`, `destroy`).
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(crate::error::Error::storage_write(&dir, &e)),
    }
    crate::fsio::write_atomic_in_place(&file_path(&dir, Entry { seq: position.seq, kind }), &out)
}

/// The last usable checkpoint of a kind `accept` takes at or before `until` (any when
/// `None`), checked against the log; unusable files met on the way (damaged, stale) are
/// deleted. Of two at the same seq, the full one.
pub fn load_best(paths: &SessionPaths, until: Option<u64>, accept: Accept) -> Option<Checkpoint> {
    let dir = dir(paths);
    let mut entries = entries_in(&dir);
    entries.retain(|e| until.is_none_or(|until| e.seq <= until) && accept.takes(e.kind));
    let log = File::open(&paths.events).ok()?;
    entries.into_iter().rev().find_map(|entry| usable(&dir, entry, &log, load))
}

/// What `read` gives of the file of `entry` when it is usable (its position is the one
/// its name says); otherwise the file is deleted, a cache entry that cannot be used and
/// that the next replay rebuilds.
fn usable<T: At>(
    dir: &Path,
    entry: Entry,
    log: &File,
    read: fn(&Path, &File, Kind) -> Option<T>,
) -> Option<T> {
    let path = file_path(dir, entry);
    let found = read(&path, log, entry.kind).filter(|found| found.seq() == entry.seq);
    if found.is_none() {
        let _ = std::fs::remove_file(&path);
    }
    found
}

/// A checkpoint's seq, as its file says.
trait At {
    fn seq(&self) -> u64;
}

impl At for Checkpoint {
    fn seq(&self) -> u64 {
        self.position.seq
    }
}

impl At for Header {
    fn seq(&self) -> u64 {
        self.position.seq
    }
}

/// The checkpoint `entry` (one of [`entries`]), checked against the log; `None` (and the
/// file deleted) when it cannot be used.
pub fn load_entry(paths: &SessionPaths, entry: Entry) -> Option<Checkpoint> {
    let log = File::open(&paths.events).ok()?;
    usable(&dir(paths), entry, &log, load)
}

/// The position and damage of checkpoint `entry` (one of [`entries`]), read from the
/// start of its file and checked against the log (the screen is not read); `None` (and
/// the file deleted) when it cannot be used.
pub fn entry_header(paths: &SessionPaths, entry: Entry) -> Option<Header> {
    let log = File::open(&paths.events).ok()?;
    usable(&dir(paths), entry, &log, read_header)
}

/// The session's checkpoint files, by seq (a screen one before a full one of the same
/// seq).
pub fn entries(paths: &SessionPaths) -> Vec<Entry> {
    entries_in(&dir(paths))
}

fn entries_in(dir: &Path) -> Vec<Entry> {
    let Ok(read) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut entries: Vec<Entry> = read
        .filter_map(|entry| {
            let name = entry.ok()?.file_name();
            let name = name.to_str()?;
            let (stem, kind) = match name.strip_suffix(Kind::Screen.suffix()) {
                Some(stem) => (stem, Kind::Screen),
                None => (name.strip_suffix(Kind::Full.suffix())?, Kind::Full),
            };
            (stem.len() == 20).then_some(())?;
            Some(Entry { seq: stem.parse().ok()?, kind })
        })
        .collect();
    entries.sort_unstable();
    entries
}

/// Where in the log a checkpoint was taken and the damage seen before it, read from the
/// start of its file and checked against the log (the screen is not read).
#[derive(Debug, Clone)]
pub struct Header {
    /// The position.
    pub position: Position,
    /// The damage seen before it.
    pub damage: Damage,
}

impl Header {
    /// Where a read of the log after this checkpoint resumes.
    pub fn resume(&self) -> crate::event_stream::Resume {
        crate::event_stream::Resume {
            line: self.position.line,
            offset: self.position.offset,
            seq: self.position.seq,
            ts_ms: self.position.ts_ms,
            damage: self.damage.clone(),
        }
    }
}

/// The last checkpoint (either kind) whose position satisfies `before`, a test that holds
/// for a prefix of the log (seqs and times only grow): a binary search that reads a few
/// headers. Unusable files met are deleted and skipped. The start of a read of the log
/// that needs no screen (resolving a seq or a time).
pub fn seek(events: &Path, before: impl Fn(&Position) -> bool) -> Option<Header> {
    let dir = dir_of(events);
    let mut entries = entries_in(&dir);
    let log = File::open(events).ok()?;
    // The last index whose header passes, among `entries[..hi]`; bad ones are dropped.
    let (mut lo, mut hi) = (0, entries.len());
    let mut best: Option<Header> = None;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match usable(&dir, entries[mid], &log, read_header) {
            None => {
                entries.remove(mid);
                hi -= 1;
            }
            Some(header) if before(&header.position) => {
                best = Some(header);
                lo = mid + 1;
            }
            Some(_) => hi = mid,
        }
    }
    best
}

/// Reads the position and damage at the start of a checkpoint file, checked against the
/// log.
fn read_header(path: &Path, log: &File, _: Kind) -> Option<Header> {
    let file = File::open(path).ok()?;
    let mut bytes = vec![0; HEADER_READ];
    let mut filled = 0;
    while filled < bytes.len() {
        match file.read_at(&mut bytes[filled..], filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    bytes.truncate(filled);
    let mut input = Input { bytes: &bytes };
    parse_header(&mut input, log)
}

/// Bytes read for a header: the fixed part and a damage reason of up to [`MAX_WHY`].
const HEADER_READ: usize = 4096;
/// The longest damage reason a checkpoint keeps.
const MAX_WHY: usize = 3072;

/// The header at the start of `input`, checked against the log.
fn parse_header(input: &mut Input<'_>, log: &File) -> Option<Header> {
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
    Some(Header { position, damage: Damage { skipped_lines, first, torn_tail: None } })
}

fn load(path: &Path, log: &File, kind: Kind) -> Option<Checkpoint> {
    let file = File::open(path).ok()?;
    if file.metadata().ok()?.len() > MAX_FILE {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let mut input = Input { bytes: &bytes };
    let Header { position, damage } = parse_header(&mut input, log)?;
    let screen = Screen::restore(input.bytes).ok()?;
    if screen.scrollback_lines() != kind.scrollback() {
        return None;
    }
    Some(Checkpoint { position, damage, screen, kind })
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
                let _ = write(paths, Kind::Full, &self.log, position, &self.damage, &bytes);
                self.written += size;
            }
            if self.interval >= INTERVAL_BYTES {
                interval = interval.max(size.saturating_mul(MAX_SHARE_INVERSE));
            }
        }
        self.next_at = position.offset.saturating_add(interval);
    }
}
