//! The event log cut at its screen checkpoints into **segments**, each read from the
//! checkpoint at its start, so a search reads only the segments it needs, several at once.
//!
//! Segment `i` holds the events after boundary `i - 1` (the log's start for the first)
//! up to and including boundary `i` (the log's end for the last), a boundary being a
//! checkpoint's event (both kinds, one per seq). A segment's scan starts from the screen
//! of the checkpoint at its start, which is the screen a read of the whole log has there,
//! and reads the log up to the next checkpoint's byte offset. The damage a checkpoint
//! carries is the damage read before it, so a segment's damage is the whole prefix's.
//!
//! A host's checkpoint ([`Kind::Screen`]) has no scrollback: a scan that starts from one
//! is exact until a resize that can pull lines back (more columns or more rows than
//! now); meeting one, the scan starts again from the last full checkpoint at or before
//! the segment's start (or the log's start), as `replay` does, reading the events before
//! the segment without reporting anything.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::SyncSender;

use agent_tty_vt::Screen;

use crate::checkpoint::{self, Accept, Checkpoint, Entry, Header, Kind};
use crate::event_stream::{Damage, LineReader, Sequencer, StreamEvent, parse_line};
use crate::manifest::SessionRecord;
use crate::paths::SessionPaths;

/// A checkpoint a segment can start from.
#[derive(Debug, Clone)]
pub(crate) struct Boundary {
    /// Its position and the damage before it.
    pub(crate) header: Header,
    /// Whether a screen (host) checkpoint exists at its seq.
    pub(crate) screen: bool,
    /// Whether a full checkpoint exists at its seq.
    pub(crate) full: bool,
}

impl Boundary {
    /// The seq of its event.
    pub(crate) fn seq(&self) -> u64 {
        self.header.position.seq
    }
}

/// The log cut at its checkpoints.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The usable checkpoints, by seq (and byte offset).
    pub(crate) boundaries: Vec<Boundary>,
    /// The log's size when planned.
    size: u64,
    /// Where the last segment's read stops (`None`: at the end of the file).
    limit: Option<u64>,
}

impl Plan {
    /// The segments of `paths`' log, `size` bytes long now, read up to `limit` bytes (all
    /// of it when `None`); checkpoints at or after seq `before` are not used.
    pub(crate) fn new(paths: &SessionPaths, size: u64, limit: Option<u64>, before: Option<u64>) -> Plan {
        let mut boundaries: Vec<Boundary> = Vec::new();
        for entry in checkpoint::entries(paths) {
            if before.is_some_and(|before| entry.seq >= before) {
                break;
            }
            if let Some(last) = boundaries.last_mut()
                && last.seq() == entry.seq
            {
                // Both kinds at one seq: one position (the other kind is checked when loaded).
                match entry.kind {
                    Kind::Screen => last.screen = true,
                    Kind::Full => last.full = true,
                }
                continue;
            }
            let Some(header) = checkpoint::entry_header(paths, entry) else { continue };
            let after_last =
                boundaries.last().is_none_or(|b| b.header.position.offset < header.position.offset);
            if header.position.offset > size || !after_last {
                continue;
            }
            let (screen, full) = (entry.kind == Kind::Screen, entry.kind == Kind::Full);
            boundaries.push(Boundary { header, screen, full });
        }
        Plan { boundaries, size, limit }
    }

    /// How many segments.
    pub(crate) fn len(&self) -> usize {
        self.boundaries.len() + 1
    }

    /// Whether segment `i` is the last one (it ends where the read ends).
    pub(crate) fn is_last(&self, i: usize) -> bool {
        i + 1 == self.len()
    }

    /// The checkpoint segment `i` starts from (`None`: the log's start).
    pub(crate) fn start(&self, i: usize) -> Option<&Boundary> {
        i.checked_sub(1).and_then(|j| self.boundaries.get(j))
    }

    /// The seq of the checkpoint segment `i` starts from.
    pub(crate) fn start_seq(&self, i: usize) -> Option<u64> {
        self.start(i).map(Boundary::seq)
    }

    /// The seq of the last event of segment `i` (`None`: the last segment).
    pub(crate) fn end_seq(&self, i: usize) -> Option<u64> {
        self.boundaries.get(i).map(Boundary::seq)
    }

    /// The byte offset where reading segment `i` stops (`None`: at the end of the file).
    pub(crate) fn end_offset(&self, i: usize) -> Option<u64> {
        self.boundaries.get(i).map(|b| b.header.position.offset).or(self.limit)
    }

    /// The bytes of segment `i`: `[start, end)` of the log.
    pub(crate) fn bytes(&self, i: usize) -> (u64, u64) {
        let start = self.start(i).map_or(0, |b| b.header.position.offset);
        (start, self.end_offset(i).unwrap_or(self.size).max(start))
    }
}

/// Where a segment's read starts: a screen and the log position it holds at.
pub(crate) struct Start {
    /// The screen after the last event before the read.
    pub(crate) screen: Screen,
    /// The screen has no scrollback (a host checkpoint): see the module docs.
    pub(crate) partial: bool,
    /// The reader's position and state there.
    pub(crate) from: ReadPoint,
}

/// A reader's position and state.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReadPoint {
    /// Lines before it.
    pub(crate) line: u64,
    /// Its byte offset.
    pub(crate) offset: u64,
    /// Seqs and times admitted so far.
    pub(crate) sequencer: Sequencer,
    /// The damage read before it.
    pub(crate) damage: Damage,
}

impl ReadPoint {
    /// The seq of the last event before it.
    pub(crate) fn last_seq(&self) -> Option<u64> {
        self.sequencer.last_seq()
    }

    /// The time of that event, as admitted.
    pub(crate) fn last_ts(&self) -> u64 {
        self.sequencer.last_ts().unwrap_or(0)
    }
}

impl Start {
    /// A blank screen of the session's creation size, at the log's start.
    pub(crate) fn fresh(record: &SessionRecord) -> Start {
        let cols = record.creation_cols.unwrap_or(record.cols);
        let rows = record.creation_rows.unwrap_or(record.rows);
        Start { screen: Screen::new(cols, rows), partial: false, from: ReadPoint::default() }
    }

    fn of(found: Checkpoint) -> Start {
        let position = found.position;
        Start {
            screen: found.screen,
            partial: found.kind == Kind::Screen,
            from: ReadPoint {
                line: position.line,
                offset: position.offset,
                sequencer: Sequencer::resume(position.seq, position.ts_ms),
                damage: found.damage,
            },
        }
    }

    /// The start of segment `i`: its checkpoint (the host's screen one when there is one:
    /// smaller, and a screen without scrollback is faster to feed), or, when it cannot be
    /// loaded, [`Start::full_before`].
    pub(crate) fn of_segment(paths: &SessionPaths, record: &SessionRecord, plan: &Plan, i: usize) -> Start {
        let Some(boundary) = plan.start(i) else { return Start::fresh(record) };
        let seq = boundary.seq();
        let kinds = [(boundary.screen, Kind::Screen), (boundary.full, Kind::Full)];
        for kind in kinds.into_iter().filter_map(|(has, kind)| has.then_some(kind)) {
            if let Some(found) = checkpoint::load_entry(paths, Entry { seq, kind }) {
                return Start::of(found);
            }
        }
        Start::full_before(paths, record, seq)
    }

    /// The last full checkpoint at or before `seq`, or the log's start.
    pub(crate) fn full_before(paths: &SessionPaths, record: &SessionRecord, seq: u64) -> Start {
        match checkpoint::load_best(paths, Some(seq), Accept::Full) {
            Some(found) => Start::of(found),
            None => Start::fresh(record),
        }
    }
}

/// One event as a scan needs it.
pub(crate) struct Step {
    /// Its seq.
    pub(crate) seq: u64,
    /// Its time as admitted (ms since the epoch).
    pub(crate) ts_ms: u64,
    /// What it does to the screen.
    pub(crate) kind: StepKind,
    /// The damage read up to this event, when it changed since the previous one (so a
    /// scan that stops here reports no more than it read, however far the reader got).
    pub(crate) damage: Option<Box<Damage>>,
}

/// What an event does to the screen.
pub(crate) enum StepKind {
    /// Output.
    Output(String),
    /// A resize.
    Resize { cols: u16, rows: u16 },
    /// Nothing.
    Other,
}

impl Step {
    /// Applies this step to `screen`.
    pub(crate) fn apply_to(&self, screen: &mut Screen) {
        match &self.kind {
            StepKind::Output(data) => screen.feed(data.as_bytes(), self.ts_ms),
            StepKind::Resize { cols, rows } => screen.resize(*cols, *rows),
            StepKind::Other => {}
        }
    }
}

/// What a scan does with the events of a segment.
pub(crate) trait Visit {
    /// The screen (to tell whether a resize can pull lines back).
    fn screen(&self) -> &Screen;
    /// Applies `step` (in the log's order); `false` when the scan has what it wanted.
    fn apply(&mut self, step: Step) -> bool;
}

/// How a [`walk`] ended.
#[derive(Debug)]
pub(crate) enum Walked {
    /// The reader reached the segment's end, or the visitor stopped: the seq of the last
    /// event the reader read and the damage it saw (a stopped visitor knows its own).
    Read { last_seq: Option<u64>, damage: Damage, stopped: bool },
    /// A resize that can pull lines back, on a screen without scrollback.
    Restart,
    /// `cancelled` said so.
    Cancelled,
}

/// Batches in flight between the reader and the screen.
const QUEUED_BATCHES: usize = 4;

/// Output bytes per batch handed to the screen.
const BATCH_BYTES: usize = 1 << 20;

/// Events per batch handed to the screen.
const BATCH_EVENTS: usize = 4096;

/// Reads `paths`' log from `from` (a screen without scrollback when `partial`) up to byte `end` (the end of the file when `None`),
/// the events before seq `before` only, and hands each to `visit`: one thread reads and
/// decodes, this one applies, in batches through a short queue. `cancelled` is asked
/// between batches.
pub(crate) fn walk(
    paths: &SessionPaths,
    from: &ReadPoint,
    partial: bool,
    (end, before): (Option<u64>, Option<u64>),
    cancelled: &dyn Fn() -> bool,
    visit: &mut impl Visit,
) -> std::io::Result<Walked> {
    let file = File::open(&paths.events)?;
    let (batches, received) = std::sync::mpsc::sync_channel::<Vec<Step>>(QUEUED_BATCHES);
    let from = from.clone();
    let (ending, read) = std::thread::scope(|scope| {
        let reader = scope.spawn(move || read_steps(file, from, end, before, &batches));
        let mut ending = None;
        'read: for batch in received.iter() {
            if cancelled() {
                ending = Some(Walked::Cancelled);
                break;
            }
            for step in batch {
                if let StepKind::Resize { cols, rows } = step.kind
                    && partial
                {
                    let (now_cols, now_rows) = visit.screen().size();
                    if cols > now_cols || rows > now_rows {
                        ending = Some(Walked::Restart);
                        break 'read;
                    }
                }
                if !visit.apply(step) {
                    ending = Some(Walked::Read { last_seq: None, damage: Damage::default(), stopped: true });
                    break 'read;
                }
            }
        }
        // Dropping the queue stops the reader at its next batch.
        drop(received);
        (ending, reader.join())
    });
    let (last_seq, damage) = match read {
        Ok(read) => read?,
        Err(_) => return Err(std::io::Error::other("the log reader stopped unexpectedly")),
    };
    Ok(ending.unwrap_or(Walked::Read { last_seq, damage, stopped: false }))
}

/// Reads and parses the log from `from` up to byte `end` and the event before `before`,
/// sending steps in batches until the screen side hangs up; returns the seq of the last
/// event read and the damage seen.
fn read_steps(
    mut file: File,
    from: ReadPoint,
    end: Option<u64>,
    before: Option<u64>,
    batches: &SyncSender<Vec<Step>>,
) -> std::io::Result<(Option<u64>, Damage)> {
    file.seek(std::io::SeekFrom::Start(from.offset))?;
    let length = end.map_or(u64::MAX, |end| end.saturating_sub(from.offset));
    let reader = BufReader::with_capacity(1 << 20, file.take(length));
    let mut lines = LineReader::resume(reader, from.line, from.offset);
    let mut sequencer = from.sequencer;
    let mut damage = from.damage;
    let mut last_seq = sequencer.last_seq();
    let mut batch = Vec::new();
    let mut batched = 0;
    let mut reported = fingerprint(&damage);
    while let Some(raw) = lines.next_line(&mut damage)? {
        let line = match parse_line(raw.bytes) {
            Ok(line) => line,
            Err(why) => {
                damage.skip(raw.number, raw.last_unterminated, why);
                continue;
            }
        };
        if before.is_some_and(|b| line.seq.get() >= b) {
            break;
        }
        let Some(ts_ms) = sequencer.admit(raw.number, line.seq, line.ts_ms, &mut damage) else {
            continue;
        };
        let kind = match line.event {
            StreamEvent::Output(data) => {
                batched += data.len();
                StepKind::Output(data.into_owned())
            }
            StreamEvent::Resize { cols, rows } => StepKind::Resize { cols, rows },
            StreamEvent::Other => StepKind::Other,
        };
        let seq = line.seq.get();
        last_seq = Some(seq);
        let changed = (fingerprint(&damage) != reported).then(|| Box::new(damage.clone()));
        reported = fingerprint(&damage);
        batch.push(Step { seq, ts_ms, kind, damage: changed });
        if batched >= BATCH_BYTES || batch.len() >= BATCH_EVENTS {
            batched = 0;
            if batches.send(std::mem::take(&mut batch)).is_err() {
                // The screen side has what it wanted.
                return Ok((last_seq, damage));
            }
        }
    }
    let _ = batches.send(batch);
    Ok((last_seq, damage))
}

/// What a [`Damage`] report depends on: it changes whenever the damage grows.
fn fingerprint(damage: &Damage) -> (u64, Option<u64>, bool) {
    (damage.skipped_lines, damage.first.as_ref().map(|(line, _)| *line), damage.torn_tail.is_some())
}

/// The order in which segments are scanned, and which ones a find makes useless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// From the first; a find in a segment makes the later ones useless.
    Forward,
    /// From the last; a find in a segment makes the earlier ones useless.
    Backward,
    /// Every segment.
    Every,
}

/// The most threads a search uses.
const MAX_THREADS: usize = 8;

/// Runs `job` on the segments `0..count` in `order`, on up to
/// [`std::thread::available_parallelism`] scoped threads. `job(i, cancelled)` gives
/// `None` (nothing to report: skipped, or cancelled) or its result and whether it found
/// something; `cancelled()` turns true once a find elsewhere makes segment `i` useless
/// (a job should check it now and then). Results are by segment; the first error stops
/// handing out segments and is returned.
pub(crate) fn run<T, E>(
    count: usize,
    order: Order,
    job: impl Fn(usize, &dyn Fn() -> bool) -> Result<Option<(T, bool)>, E> + Sync,
) -> Result<Vec<Option<T>>, E>
where
    T: Send,
    E: Send,
{
    const NONE: usize = usize::MAX;
    let next = AtomicUsize::new(0);
    // Forward: the lowest segment with a find; Backward: the highest (NONE: none yet).
    let best = AtomicUsize::new(NONE);
    let useless = |i: usize| {
        let best = best.load(Ordering::Acquire);
        best != NONE
            && match order {
                Order::Forward => best < i,
                Order::Backward => best > i,
                Order::Every => false,
            }
    };
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..count).map(|_| None).collect());
    let failed: Mutex<Option<E>> = Mutex::new(None);
    let threads =
        std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_THREADS).min(count);
    let work = || {
        loop {
            let taken = next.fetch_add(1, Ordering::AcqRel);
            if taken >= count || failed.lock().map_or(true, |f| f.is_some()) {
                return;
            }
            let i = if order == Order::Backward { count - 1 - taken } else { taken };
            if useless(i) {
                continue;
            }
            match job(i, &|| useless(i)) {
                Ok(None) => {}
                Ok(Some((result, found))) => {
                    if found {
                        let _ = match order {
                            Order::Forward => best.fetch_min(i, Ordering::AcqRel),
                            Order::Backward => best
                                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |b| {
                                    (b == NONE || b < i).then_some(i)
                                })
                                .unwrap_or(0),
                            Order::Every => 0,
                        };
                    }
                    if let Ok(mut results) = results.lock() {
                        results[i] = Some(result);
                    }
                }
                Err(e) => {
                    if let Ok(mut failed) = failed.lock() {
                        failed.get_or_insert(e);
                    }
                    return;
                }
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(work);
        }
        work();
    });
    if let Some(e) = failed.into_inner().ok().flatten() {
        return Err(e);
    }
    Ok(results.into_inner().unwrap_or_default())
}
