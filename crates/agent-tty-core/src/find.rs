//! `find`: when did something appear on screen. Streams a session's Event Log through a
//! fresh [`Screen`] (as offline replay does, from the creation size) and reports the
//! events after which a text or a regex became visible — the first appearance of each
//! occurrence, not every repaint.
//!
//! # Occurrences and appearances
//!
//! The query is matched like `wait --text/--regex` (same limits, same JavaScript regex
//! engine) over the screen's canonical visible text: the rows' text joined by `\n`,
//! trailing spaces trimmed. Every match counts once for its row, and the occurrence is
//! the row's whole text (a row matched twice is one occurrence); a match that spans rows
//! is its matched text instead. The screen is evaluated after every event that changed it
//! ([`Screen::changes`]) and whose visible rows differ from the last evaluation; an
//! **appearance** is an occurrence whose count on screen went up since then. So
//! scrolling, and a repaint of the same rows within one output event (`\e[2J` and the
//! same lines again), are not appearances; the same line printed again is. A matching row
//! that grows (`error: fi` then `error: file not found`, output arriving mid-line) is the
//! same occurrence continuing, not a new one: an occurrence that went up is matched
//! against occurrences that went down and start it, and those pairs are not counted.
//! The rule only sees the screen: a line that comes back into view (a resize that pulls
//! rows back from the scrollback, a program that redraws in several writes) counts again.
//!
//! # Reading the log from its checkpoints
//!
//! The screen checkpoints beside the log (the host's, every 2 MB, and a replay's full
//! ones) cut it into segments (`segments.rs`); a segment's scan starts from the
//! checkpoint at its start, whose screen is the screen a read of the whole log has
//! there, so the previous evaluation there is that screen's rows: nothing before it is
//! needed. A host checkpoint has no scrollback, so a scan from one that meets a resize
//! that can pull lines back starts again from a full checkpoint or the log's start. The
//! damage a checkpoint carries is the damage before it, so every answer (seqs, times,
//! texts, snapshots, damage, `scannedToSeq`) is the one a read of the whole log gives:
//!
//! - `--first` scans the segments from the first and stops at the first appearance;
//! - `--last` scans them from the last and stops at the last segment that has one (its
//!   last appearance is the answer; `total` is then 0 or 1, as for `--first`);
//! - `--all` scans every segment and counts every appearance.
//!
//! Before a segment is parsed, a prefilter (`prefilter.rs`) looks for the text's
//! characters in its raw bytes and on its start screen, and skips it when one cannot be
//! shown; a `--regex` with metacharacters is not prefiltered. The last segment (where
//! the read ends: the last seq and the damage come from it) is always read, but only
//! decoded when the prefilter skips it. Segments are scanned on
//! [`std::thread::available_parallelism`] threads; `--first` drops the segments after
//! one with an appearance, `--last` those before. A log without checkpoints (a short
//! one, or one written by agent-tty 0.5) is one segment, read as a whole as before
//! (decoded only, when the prefilter rules it out).
//!
//! # Cost
//!
//! As in replay, one thread reads and decodes a segment and another feeds the screen,
//! in batches through a short queue. The per-event evaluation costs one read of the
//! visible rows (no grid copy) and a comparison with the previous rows; matching runs
//! only when the rows changed.
//!
//! Before checkpoints (release build, a generated log of 4 KiB output events of coloured
//! lines on 80x24, two cores shared with other work): a line only in the last event of
//! a 500 MB log cost 6.9 s of CPU (14–19 s wall under load ≈ 5); the profile was ~60% the
//! VT engine, ~10% reading the visible rows, the rest decoding.
//!
//! Measured with `scripts/bench-find.sh` (release build; a real session printing
//! coloured build lines on 80x24 until its log is 500 MB, so its host wrote a screen
//! checkpoint every 2 MB of log: 507 MB, 238 checkpoints of 0.97 MB in all; two cores
//! shared with other work, so the ranges are over three runs and wall time varies with
//! the load):
//!
//! | search | through the checkpoints | whole log (checkpoints moved away) |
//! | --- | --- | --- |
//! | `--first`, a text only in the last event | 0.32–0.45 s wall, 0.23 s CPU | 9.4–10.5 s wall, 6.4–8.7 s CPU |
//! | `--first`, a text never printed | 0.26–0.48 s wall, 0.24–0.29 s CPU | 1.5–2.4 s wall, 1.5 s CPU (decoded, not shown) |
//! | `--first`, a common word (event 0) | 0.05–0.07 s | 0.01–0.06 s |
//! | `--last`, the rare text | 0.07–0.09 s | 7.7–13 s wall, 6.3–7.7 s CPU |
//! | `--all`, the rare text | 0.33–0.49 s | 6.8–10.5 s wall, 6.3–8.3 s CPU |
//! | `--regex` (not prefiltered: every segment, two threads) | 5.4–9.7 s wall, 5.0–6.9 s CPU | 7.9–13 s wall, 7.4–7.8 s CPU |
//! | `diff --from-hash` of the last screen (the whole command) | 0.07 s | 12–24 s wall, 10–13 s CPU |
//!
//! So `--first` over 500 MB is within its 2 s budget when the host wrote checkpoints (every
//! session it records); a skipped segment costs a read of its bytes, a few SIMD passes
//! over them (a missing character in its three forms, the `resize` check) and the
//! restore of its start screen (small: a host checkpoint has no scrollback). What
//! remains slow is a search that must show every segment: a `--regex` with
//! metacharacters, or a text in every segment.

mod prefilter;
pub(crate) mod segments;
#[cfg(test)]
pub(crate) mod test_log;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::ops::Range;

use agent_tty_vt::{Screen, Snapshot, SnapshotOptions};

use segments::{Order, Plan, ReadPoint, Start, Step, Visit, Walked};

use crate::error::{Error, ErrorCode, Result};
use crate::event_stream::Damage;
use crate::manifest::SessionRecord;
use crate::paths::SessionPaths;
use crate::wait_condition::js_regex::{JsRegex, utf16_len};
use crate::wait_condition::{MAX_REGEX_LEN, MAX_TEXT_LEN, nested_quantifiers};

/// What to look for (validated).
#[derive(Debug, Clone)]
pub enum Query {
    /// A substring of the canonical text.
    Text(String),
    /// A JavaScript pattern (no flags) over the canonical text.
    Regex(Box<RegexQuery>),
}

/// A compiled regex query.
#[derive(Debug, Clone)]
pub struct RegexQuery(JsRegex);

impl Query {
    /// Validates `--text`/`--regex` by the rules of `wait --text/--regex`: exactly one of
    /// them, text 1..=1000 and regex 1..=200 UTF-16 code units, no nested quantifiers, a
    /// pattern JavaScript accepts. Errors are `INVALID_INPUT`.
    pub fn new(text: Option<&str>, regex: Option<&str>) -> Result<Query> {
        match (text, regex) {
            (Some(_), Some(_)) => Err(Error::invalid_input(
                "find takes --text or --regex, not both: give the substring (--text) or the pattern (--regex).",
            )),
            (None, None) => Err(Error::invalid_input(
                "find needs --text TEXT or --regex PATTERN: what to look for on the screen.",
            )),
            (Some(text), None) => {
                let len = utf16_len(text);
                if !(1..=MAX_TEXT_LEN).contains(&len) {
                    return Err(Error::invalid_input(format!(
                        "find --text must be between 1 and {MAX_TEXT_LEN} characters long, got {len}."
                    )));
                }
                Ok(Query::Text(text.to_string()))
            }
            (None, Some(pattern)) => {
                let len = utf16_len(pattern);
                if !(1..=MAX_REGEX_LEN).contains(&len) {
                    return Err(Error::invalid_input(format!(
                        "find --regex must be between 1 and {MAX_REGEX_LEN} characters long, got {len}."
                    )));
                }
                if nested_quantifiers(pattern) {
                    return Err(Error::invalid_input(
                        "find --regex is rejected because it contains nested quantifiers, \
                         which can cause catastrophic backtracking.",
                    ));
                }
                let regex = JsRegex::new(pattern)
                    .map_err(|reason| Error::invalid_input(format!("Invalid regex pattern: {reason}")))?;
                Ok(Query::Regex(Box::new(RegexQuery(regex))))
            }
        }
    }

    /// The text (`Text`) or the pattern as given (`Regex`).
    pub fn source(&self) -> &str {
        match self {
            Query::Text(text) => text,
            Query::Regex(regex) => regex.0.source(),
        }
    }

    /// The byte ranges of every match in `text`, left to right, not overlapping.
    fn matches(&self, text: &str) -> Vec<Range<usize>> {
        match self {
            Query::Text(needle) => {
                text.match_indices(needle.as_str()).map(|(at, m)| at..at + m.len()).collect()
            }
            Query::Regex(regex) => regex.0.find_all(text),
        }
    }

    /// The occurrences on a screen of `lines`: `(row, occurrence)`, each row at most once
    /// per occurrence (see the module docs).
    fn occurrences(&self, lines: &[String]) -> Vec<(u16, String)> {
        // A text without a newline can only match within a row: no need to join.
        if let Query::Text(needle) = self
            && !needle.contains('\n')
        {
            return (0..)
                .zip(lines)
                .filter(|(_, line)| line.contains(needle.as_str()))
                .map(|(row, line)| (row, line.clone()))
                .collect();
        }
        let text = lines.join("\n");
        let mut starts = Vec::with_capacity(lines.len());
        let mut at = 0;
        for line in lines {
            starts.push(at);
            at += line.len() + 1;
        }
        let row_of = |byte: usize| starts.partition_point(|&start| start <= byte).saturating_sub(1);
        let mut found: Vec<(u16, String)> = Vec::new();
        for range in self.matches(&text) {
            let (first, last) = (row_of(range.start), row_of(range.end.saturating_sub(1).max(range.start)));
            let row = u16::try_from(first).unwrap_or(u16::MAX);
            let occurrence =
                if first == last { lines[first].clone() } else { text[range.clone()].to_string() };
            if !found.iter().any(|(r, o)| *r == row && *o == occurrence) {
                found.push((row, occurrence));
            }
        }
        found
    }
}

/// Which appearances a search reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The first one (reading stops there).
    First,
    /// The last one (the log is read backwards from the end, a segment at a time).
    Last,
    /// All of them, up to [`FindOptions::max`].
    All,
}

impl Mode {
    /// The flag's spelling: `first`, `last` or `all`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::First => "first",
            Mode::Last => "last",
            Mode::All => "all",
        }
    }
}

/// How to search.
#[derive(Debug, Clone)]
pub struct FindOptions {
    /// Which appearances to report.
    pub mode: Mode,
    /// With [`Mode::All`], report at most this many (the rest are only counted).
    pub max: usize,
    /// Only appearances after this seq: the screen at this seq is the baseline.
    pub after_seq: Option<u64>,
    /// Only read events before this seq.
    pub before_seq: Option<u64>,
    /// Keep a snapshot (with cells) of the screen at this many reported appearances
    /// (for `--last`: the last one).
    pub snapshots: usize,
    /// The host may still be appending to the log: a torn last line is a write in
    /// progress, not damage, and reading stops at the log's size when the search began.
    pub live: bool,
}

/// One appearance.
#[derive(Debug, Clone)]
pub struct Appearance {
    /// The seq of the event after which it was visible.
    pub seq: u64,
    /// That event's time, ms since the epoch.
    pub ts_ms: u64,
    /// The 0-based row it appeared on (a match spanning rows: its first row).
    pub row: u16,
    /// The occurrence: the matching row's text, or the matched text when it spans rows.
    pub text: String,
    /// The screen at that moment, when asked for.
    pub snapshot: Option<Snapshot>,
}

/// The outcome of a [`find`].
#[derive(Debug)]
pub struct Found {
    /// The reported appearances, oldest first.
    pub appearances: Vec<Appearance>,
    /// With [`Mode::All`], every appearance in range; with `First` and `Last`, the
    /// reported one (0 or 1: the read stops at it).
    pub total: u64,
    /// The seq of the last event read; `None` when none was.
    pub scanned_to_seq: Option<u64>,
    /// What the read skipped or distrusted.
    pub damage: Damage,
}

/// Tracks occurrences from one evaluated screen to the next (see the module docs).
#[derive(Debug)]
pub struct Tracker {
    query: Query,
    previous: Vec<String>,
    counts: HashMap<String, Vec<u16>>,
}

impl Tracker {
    /// A tracker that has seen a blank screen.
    pub fn new(query: Query) -> Tracker {
        Tracker { query, previous: Vec::new(), counts: HashMap::new() }
    }

    /// Takes `lines` as what is on screen without reporting anything (a baseline).
    pub fn baseline(&mut self, lines: Vec<String>) {
        self.observe(lines);
    }

    /// Takes `lines` as what is on screen now; returns the new appearances as
    /// `(row, occurrence)`, top to bottom.
    pub fn observe(&mut self, lines: Vec<String>) -> Vec<(u16, String)> {
        if lines == self.previous {
            return Vec::new();
        }
        let mut counts: HashMap<String, Vec<u16>> = HashMap::new();
        for (row, occurrence) in self.query.occurrences(&lines) {
            counts.entry(occurrence).or_default().push(row);
        }
        let mut gone: Vec<(&String, usize)> = self
            .counts
            .iter()
            .filter_map(|(o, rows)| {
                let now = counts.get(o).map_or(0, Vec::len);
                (now < rows.len()).then(|| (o, rows.len() - now))
            })
            .collect();
        let mut appeared = Vec::new();
        for (occurrence, rows) in &counts {
            let before = self.counts.get(occurrence).map_or(0, Vec::len);
            let mut new = rows.len().saturating_sub(before);
            // A row that grew is the same occurrence continuing.
            for (old, left) in gone.iter_mut() {
                while new > 0 && *left > 0 && occurrence.starts_with(old.as_str()) {
                    new -= 1;
                    *left -= 1;
                }
            }
            appeared.extend(rows[rows.len() - new..].iter().map(|&row| (row, occurrence.clone())));
        }
        appeared.sort();
        self.counts = counts;
        self.previous = lines;
        appeared
    }
}

/// Searches the session's log (see the module docs).
pub fn find(
    paths: &SessionPaths,
    record: &SessionRecord,
    query: &Query,
    options: &FindOptions,
) -> Result<Found> {
    let size = match std::fs::metadata(&paths.events) {
        Ok(metadata) => metadata.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Found {
                appearances: Vec::new(),
                total: 0,
                scanned_to_seq: None,
                damage: Damage::default(),
            });
        }
        Err(e) => return Err(find_error(paths, &format!("cannot open the event log: {e}"))),
    };
    let plan = Plan::new(paths, size, options.live.then_some(size), options.before_seq);
    let needs = prefilter::Needs::of(query);
    let order = match options.mode {
        Mode::First => Order::Forward,
        Mode::Last => Order::Backward,
        Mode::All => Order::Every,
    };
    let segment = Segment { paths, record, plan: &plan, query, needs: needs.as_ref(), options };
    let scanned = segments::run(plan.len(), order, |i, cancelled| {
        let scanned = segment.scan(i, cancelled)?;
        Ok(scanned.map(|s| {
            let found = !s.found.is_empty();
            (s, found)
        }))
    })?;
    let mut found = assemble(scanned, options);
    if options.live {
        found.damage.forget_torn_tail();
    }
    Ok(found)
}

/// The answer from the segments' results (by segment; `None`: not read).
fn assemble(scanned: Vec<Option<Scanned>>, options: &FindOptions) -> Found {
    let mut scanned = scanned.into_iter().enumerate().filter_map(|(i, s)| Some((i, s?))).collect::<Vec<_>>();
    // The last segment is always read (unless a first appearance came before it).
    let (scanned_to_seq, damage) =
        scanned.last().map_or((None, Damage::default()), |(_, s)| (s.last_seq, s.damage.clone()));
    match options.mode {
        Mode::First => match scanned.into_iter().find(|(_, s)| !s.found.is_empty()) {
            Some((_, s)) => Found {
                total: s.found.len() as u64,
                appearances: s.found,
                scanned_to_seq: s.last_seq,
                damage: s.damage,
            },
            None => Found { appearances: Vec::new(), total: 0, scanned_to_seq, damage },
        },
        Mode::Last => {
            let appearances = scanned
                .iter_mut()
                .rev()
                .find(|(_, s)| !s.found.is_empty())
                .map(|(_, s)| std::mem::take(&mut s.found))
                .unwrap_or_default();
            Found { total: appearances.len() as u64, appearances, scanned_to_seq, damage }
        }
        Mode::All => {
            let mut appearances = Vec::new();
            let mut total = 0;
            for (_, s) in scanned {
                total += s.total;
                let room = options.max.saturating_sub(appearances.len());
                appearances.extend(s.found.into_iter().take(room));
            }
            for appearance in appearances.iter_mut().skip(options.snapshots) {
                appearance.snapshot = None;
            }
            Found { appearances, total, scanned_to_seq, damage }
        }
    }
}

/// What the scan of one segment found.
#[derive(Debug)]
struct Scanned {
    /// The appearances it reports (as [`Found::appearances`], for this segment).
    found: Vec<Appearance>,
    /// Appearances it found.
    total: u64,
    /// The seq of the last event read.
    last_seq: Option<u64>,
    /// The damage read up to there, from the log's start.
    damage: Damage,
}

/// The search of one segment (see `segments.rs`).
struct Segment<'a> {
    paths: &'a SessionPaths,
    record: &'a SessionRecord,
    plan: &'a Plan,
    query: &'a Query,
    needs: Option<&'a prefilter::Needs>,
    options: &'a FindOptions,
}

impl Segment<'_> {
    /// Scans segment `i` unless it can hold no appearance (the last one, where the read
    /// ends, is then read without being shown: it gives the damage and the last seq);
    /// `None` when skipped or `cancelled`.
    fn scan(&self, i: usize, cancelled: &dyn Fn() -> bool) -> Result<Option<Scanned>> {
        let (plan, options) = (self.plan, self.options);
        let last = plan.is_last(i);
        if !last && options.after_seq.is_some_and(|after| plan.end_seq(i).is_some_and(|end| end <= after)) {
            return Ok(None);
        }
        let mut start = None;
        if let Some(needs) = self.needs {
            let log = File::open(&self.paths.events)
                .map_err(|e| find_error(self.paths, &format!("cannot open the event log: {e}")))?;
            let candidate = needs
                .candidate(&log, plan.bytes(i), &mut || {
                    let start =
                        start.get_or_insert_with(|| Start::of_segment(self.paths, self.record, plan, i));
                    // A start before the segment's (its checkpoint could not be loaded)
                    // does not show what the segment starts with.
                    (start.from.last_seq() == plan.start_seq(i)).then(|| start.chars()).flatten()
                })
                .map_err(|e| find_error(self.paths, &format!("cannot read the event log: {e}")))?;
            if !candidate && !last {
                return Ok(None);
            }
            if !candidate {
                // The last segment gives the last seq and the damage: read, not shown.
                let start = start.unwrap_or_else(|| Start::of_segment(self.paths, self.record, plan, i));
                return self.skim(start, i, cancelled);
            }
        }
        // Nothing before the segment's start is reported; the screen there is the baseline.
        let after = options.after_seq.max(plan.start_seq(i));
        let mut start = start.unwrap_or_else(|| Start::of_segment(self.paths, self.record, plan, i));
        loop {
            let Start { screen, partial, from } = start;
            let mut search = Search::new(screen, &from, Tracker::new(self.query.clone()), options, after);
            let (end, before) = (plan.end_offset(i), options.before_seq);
            let walked = segments::walk(self.paths, &from, partial, (end, before), cancelled, &mut search)
                .map_err(|e| find_error(self.paths, &format!("cannot read the event log: {e}")))?;
            let (last_seq, damage) = match walked {
                Walked::Cancelled => return Ok(None),
                Walked::Restart => {
                    start = Start::full_before(self.paths, self.record, plan.start_seq(i).unwrap_or(0));
                    continue;
                }
                // Only what was read up to the appearance, whatever the reader had read ahead.
                Walked::Read { stopped: true, .. } => (search.last_seq, search.damage.clone()),
                Walked::Read { last_seq, damage, .. } => {
                    if last {
                        search.finish();
                    }
                    (last_seq, damage)
                }
            };
            return Ok(Some(Scanned { found: search.found, total: search.total, last_seq, damage }));
        }
    }
}

impl Segment<'_> {
    /// Reads segment `i` from `start` without showing it (no appearance can be in it):
    /// the last seq read and the damage.
    fn skim(&self, start: Start, i: usize, cancelled: &dyn Fn() -> bool) -> Result<Option<Scanned>> {
        let Start { screen, from, .. } = start;
        let (end, before) = (self.plan.end_offset(i), self.options.before_seq);
        let walked = segments::walk(self.paths, &from, false, (end, before), cancelled, &mut Skim(screen))
            .map_err(|e| find_error(self.paths, &format!("cannot read the event log: {e}")))?;
        Ok(match walked {
            Walked::Read { last_seq, damage, .. } => {
                Some(Scanned { found: Vec::new(), total: 0, last_seq, damage })
            }
            Walked::Restart | Walked::Cancelled => None,
        })
    }
}

/// A read that applies nothing (see [`Segment::skim`]).
struct Skim(Screen);

impl Visit for Skim {
    fn screen(&self) -> &Screen {
        &self.0
    }

    fn apply(&mut self, _: Step) -> bool {
        true
    }
}

impl Start {
    /// The characters this start screen can show again without printing them (see
    /// `prefilter.rs`); `None` when they cannot be told.
    fn chars(&mut self) -> Option<HashSet<char>> {
        let mut chars: HashSet<char> = self.screen.visible_lines().iter().flat_map(|l| l.chars()).collect();
        chars.extend(self.screen.hidden_lines()?.iter().flat_map(|l| l.chars()));
        if let Some(c) = self.screen.last_printed() {
            chars.insert(c);
            chars.extend(prefilter::dec_glyph(c));
        }
        Some(chars)
    }
}

/// The screen side of a search.
struct Search<'o> {
    screen: Screen,
    tracker: Tracker,
    options: &'o FindOptions,
    /// Appearances are reported after this seq only (the screen there is the baseline).
    after: Option<u64>,
    /// Whether the baseline has been taken (before the first event after `after`).
    started: bool,
    changes: u64,
    found: Vec<Appearance>,
    total: u64,
    last_seq: Option<u64>,
    last_ts: u64,
    /// The damage read up to the last step applied.
    damage: Damage,
    /// `--first` found its appearance.
    stopped: bool,
}

impl<'o> Search<'o> {
    fn new(
        screen: Screen,
        from: &ReadPoint,
        tracker: Tracker,
        options: &'o FindOptions,
        after: Option<u64>,
    ) -> Search<'o> {
        Search {
            changes: screen.changes(),
            screen,
            tracker,
            options,
            after,
            started: false,
            found: Vec::new(),
            total: 0,
            last_seq: from.last_seq(),
            last_ts: from.last_ts(),
            damage: from.damage.clone(),
            stopped: false,
        }
    }

    /// At the end of the read: a synchronized update still pending is shown, as replay
    /// does.
    fn finish(&mut self) {
        if !self.stopped && self.started && self.screen.sync_deadline().is_some() {
            self.screen.end_sync();
            self.evaluate();
        }
    }

    /// Evaluates the screen as it is after the last step.
    fn evaluate(&mut self) {
        let appeared = self.tracker.observe(self.screen.visible_lines());
        let Some(seq) = self.last_seq else { return };
        for (row, text) in appeared {
            self.total += 1;
            let keep = match self.options.mode {
                Mode::First => self.found.is_empty(),
                Mode::Last => true,
                Mode::All => self.found.len() < self.options.max,
            };
            if !keep {
                continue;
            }
            let snapshot_wanted = match self.options.mode {
                Mode::Last => self.options.snapshots > 0,
                _ => self.found.len() < self.options.snapshots,
            };
            let snapshot = snapshot_wanted
                .then(|| self.screen.snapshot(SnapshotOptions { scrollback: false, cells: true }));
            if self.options.mode == Mode::Last {
                self.found.clear();
            }
            self.found.push(Appearance { seq, ts_ms: self.last_ts, row, text, snapshot });
            if self.options.mode == Mode::First {
                self.stopped = true;
                return;
            }
        }
    }
}

impl Visit for Search<'_> {
    fn screen(&self) -> &Screen {
        &self.screen
    }

    fn apply(&mut self, step: Step) -> bool {
        if !self.started && self.after.is_none_or(|after| step.seq > after) {
            self.started = true;
            self.tracker.baseline(self.screen.visible_lines());
            self.changes = self.screen.changes();
        }
        if let Some(damage) = &step.damage {
            self.damage = (**damage).clone();
        }
        step.apply_to(&mut self.screen);
        self.last_seq = Some(step.seq);
        self.last_ts = step.ts_ms;
        if self.started && self.screen.changes() != self.changes {
            self.changes = self.screen.changes();
            self.evaluate();
        }
        !self.stopped
    }
}

fn find_error(paths: &SessionPaths, message: &str) -> Error {
    Error::new(ErrorCode::ReplayError, format!("Cannot search session \"{}\": {message}.", paths.id))
        .with("sessionId", paths.id.as_str())
        .with("eventLogPath", paths.events.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(rows: &[&str]) -> Vec<String> {
        rows.iter().map(|r| r.to_string()).collect()
    }

    fn text(needle: &str) -> Tracker {
        Tracker::new(Query::new(Some(needle), None).unwrap())
    }

    fn regex(pattern: &str) -> Tracker {
        Tracker::new(Query::new(None, Some(pattern)).unwrap())
    }

    #[test]
    fn a_printed_line_appears_once_and_scrolling_it_is_no_appearance() {
        let mut t = text("error");
        assert_eq!(t.observe(lines(&["$ make", "", ""])), vec![]);
        assert_eq!(t.observe(lines(&["$ make", "error: x", "$"])), vec![(1, "error: x".to_string())]);
        assert_eq!(t.observe(lines(&["error: x", "$", "$ ls"])), vec![]);
        assert_eq!(t.observe(lines(&["$", "$ ls", "a b"])), vec![]);
    }

    #[test]
    fn a_repaint_of_the_same_rows_is_no_appearance_a_reprint_is() {
        let mut t = text("error");
        assert_eq!(t.observe(lines(&["error: x", "$", ""])).len(), 1);
        // Same rows, redrawn elsewhere on the screen: no count went up.
        assert_eq!(t.observe(lines(&["", "error: x", "$"])), vec![]);
        // The same line printed again: its count went up.
        assert_eq!(t.observe(lines(&["error: x", "$", "error: x"])), vec![(2, "error: x".to_string())]);
        // Cleared, then printed again.
        assert_eq!(t.observe(lines(&["", "", ""])), vec![]);
        assert_eq!(t.observe(lines(&["error: x", "", ""])), vec![(0, "error: x".to_string())]);
    }

    #[test]
    fn a_matching_row_that_grows_is_the_same_occurrence() {
        let mut t = text("error");
        assert_eq!(t.observe(lines(&["error: fi", ""])).len(), 1);
        assert_eq!(t.observe(lines(&["error: file not found", ""])), vec![]);
        // It grows while the screen scrolls.
        let mut t = text("error");
        assert_eq!(t.observe(lines(&["$ make", "error: fi"])).len(), 1);
        assert_eq!(t.observe(lines(&["error: file not found", "$"])), vec![]);
        // A different line is new.
        assert_eq!(t.observe(lines(&["$", "warning: error"])).len(), 1);
    }

    #[test]
    fn a_row_matched_twice_is_one_occurrence_and_a_regex_spanning_rows_is_its_text() {
        let mut t = regex("o+");
        assert_eq!(t.observe(lines(&["foo boo", ""])), vec![(0, "foo boo".to_string())]);
        let mut t = regex("a\\nb");
        assert_eq!(t.observe(lines(&["xa", "by", "a"])), vec![(0, "a\nb".to_string())]);
        assert_eq!(t.observe(lines(&["xa", "by", "a", "b"])), vec![(2, "a\nb".to_string())]);
        // `^` is the screen's start, as for wait --regex.
        let mut t = regex("^e");
        assert_eq!(t.observe(lines(&["x", "e"])), vec![]);
        assert_eq!(t.observe(lines(&["e", "x"])).len(), 1);
    }

    #[test]
    fn a_regex_matching_empty_text_moves_on_a_character_at_a_time() {
        let mut t = regex("x*");
        let seen = t.observe(lines(&["é─x", ""]));
        assert_eq!(seen, vec![(0, "é─x".to_string()), (1, String::new())]);
    }

    #[test]
    fn several_copies_at_once_are_several_appearances() {
        let mut t = text("E!");
        let seen = t.observe(lines(&["E! 1", "E! 1", "E! 2"]));
        assert_eq!(seen, vec![(0, "E! 1".to_string()), (1, "E! 1".to_string()), (2, "E! 2".to_string())]);
    }

    #[test]
    fn queries_are_checked_like_wait() {
        let message = |t: Option<&str>, r: Option<&str>| Query::new(t, r).unwrap_err().message.clone();
        assert!(message(None, None).contains("--text TEXT or --regex PATTERN"));
        assert!(message(Some("a"), Some("b")).contains("not both"));
        assert!(message(Some(""), None).contains("between 1 and 1000"));
        assert!(message(None, Some(&"a".repeat(201))).contains("between 1 and 200"));
        assert!(message(None, Some("(a+)+")).contains("nested quantifiers"));
        assert!(message(None, Some("(")).starts_with("Invalid regex pattern"));
    }
}

#[cfg(test)]
mod log_tests {
    use super::*;
    use crate::event_log::{Event, EventLogWriter};

    use crate::find::test_log::ID;

    fn record() -> SessionRecord {
        crate::find::test_log::record_created(40, 5)
    }

    /// Writes `events` (seq = index) and returns the session's paths.
    fn log(dir: &std::path::Path, events: &[Event]) -> SessionPaths {
        let paths = SessionPaths::new(&dir.join("home"), ID);
        std::fs::create_dir_all(&paths.dir).unwrap();
        let mut writer = EventLogWriter::open(&paths.events).unwrap();
        for event in events {
            writer.push(event);
        }
        writer.flush().unwrap();
        paths
    }

    fn out(data: &str) -> Event {
        Event::Output { data: data.to_string() }
    }

    fn options(mode: Mode) -> FindOptions {
        FindOptions { mode, max: 100, after_seq: None, before_seq: None, snapshots: 0, live: false }
    }

    fn seqs(found: &Found) -> Vec<(u64, u16)> {
        found.appearances.iter().map(|a| (a.seq, a.row)).collect()
    }

    #[test]
    fn each_appearance_is_the_event_that_completed_it() {
        let dir = tempfile::tempdir().unwrap();
        let events = [
            out("$ make\r\n"),                                 // 0
            out("ERR"),                                        // 1: not yet
            out("OR: fi"),                                     // 2: visible
            out("le not found\r\n"),                           // 3: the same line growing
            Event::Marker { label: "m".into() },               // 4
            out("1\r\n2\r\n3\r\n4\r\n"),                       // 5: scrolled off
            out("ERROR: file not found\r\n"),                  // 6: printed again
            out("\u{1b}[2J\u{1b}[HERROR: file not found\r\n"), // 7: repaint
            Event::Resize { cols: 30, rows: 5 },               // 8
        ];
        let paths = log(dir.path(), &events);
        let query = Query::new(Some("ERROR"), None).unwrap();
        let all = find(&paths, &record(), &query, &options(Mode::All)).unwrap();
        assert_eq!(seqs(&all), vec![(2, 1), (6, 3)]);
        assert_eq!(all.appearances[1].text, "ERROR: file not found");
        assert_eq!((all.total, all.scanned_to_seq), (2, Some(8)));
        assert!(all.damage.is_clean());
        let first = find(&paths, &record(), &query, &options(Mode::First)).unwrap();
        assert_eq!((seqs(&first), first.scanned_to_seq), (vec![(2, 1)], Some(2)));
        let last =
            find(&paths, &record(), &query, &FindOptions { snapshots: 1, ..options(Mode::Last) }).unwrap();
        assert_eq!((seqs(&last), last.total), (vec![(6, 3)], 1));
        let shown = last.appearances[0].snapshot.as_ref().expect("a snapshot was asked for");
        assert!(shown.cells.is_some(), "with cells, for the renderer");
        // The screen at 2 is the baseline: the line already shown there does not appear.
        let after = FindOptions { after_seq: Some(2), ..options(Mode::All) };
        assert_eq!(seqs(&find(&paths, &record(), &query, &after).unwrap()), vec![(6, 3)]);
        let before = FindOptions { before_seq: Some(6), ..options(Mode::All) };
        let early = find(&paths, &record(), &query, &before).unwrap();
        assert_eq!((seqs(&early), early.scanned_to_seq), (vec![(2, 1)], Some(5)));
    }

    #[test]
    fn a_torn_last_line_is_damage_offline_and_a_write_in_progress_live() {
        let dir = tempfile::tempdir().unwrap();
        let paths = log(dir.path(), &[out("ERROR one\r\n"), out("ok\r\n")]);
        let mut file = std::fs::OpenOptions::new().append(true).open(&paths.events).unwrap();
        std::io::Write::write_all(&mut file, b"{\"seq\":2,\"ts\":\"2026-").unwrap();
        let query = Query::new(Some("ERROR"), None).unwrap();
        let offline = find(&paths, &record(), &query, &options(Mode::Last)).unwrap();
        assert_eq!((seqs(&offline), offline.scanned_to_seq), (vec![(0, 0)], Some(1)));
        assert!(offline.damage.report().is_some_and(|d| d.torn_last_line && d.skipped_lines == 1));
        let live =
            find(&paths, &record(), &query, &FindOptions { live: true, ..options(Mode::Last) }).unwrap();
        assert_eq!(seqs(&live), vec![(0, 0)]);
        assert!(live.damage.is_clean(), "{:?}", live.damage);
    }

    #[test]
    fn first_reports_the_damage_read_up_to_its_appearance_only() {
        let dir = tempfile::tempdir().unwrap();
        let paths = SessionPaths::new(&dir.path().join("home"), ID);
        std::fs::create_dir_all(&paths.dir).unwrap();
        let line = |seq: u64, data: &str| {
            format!(
                "{{\"seq\":{seq},\"ts\":\"2026-11-26T10:00:0{seq}.000Z\",\"type\":\"output\",\"payload\":{{\"data\":\"{data}\"}}}}\n"
            )
        };
        let log = [
            line(0, "a\\r\\n"),
            "garbage\n".into(),
            line(1, "ERROR\\r\\n"),
            "more garbage\n".into(),
            line(2, "b"),
        ];
        std::fs::write(&paths.events, log.concat()).unwrap();
        let query = Query::new(Some("ERROR"), None).unwrap();
        let first = find(&paths, &record(), &query, &options(Mode::First)).unwrap();
        assert_eq!(seqs(&first), vec![(1, 1)]);
        let report = first.damage.report().expect("the garbage before the appearance");
        assert_eq!((report.skipped_lines, report.first_bad_line), (1, 2));
        let all = find(&paths, &record(), &query, &options(Mode::All)).unwrap();
        assert_eq!(all.damage.report().map(|r| r.skipped_lines), Some(2));
    }

    #[test]
    fn a_missing_log_finds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let paths = SessionPaths::new(&dir.path().join("home"), ID);
        let query = Query::new(None, Some("x")).unwrap();
        let found = find(&paths, &record(), &query, &options(Mode::All)).unwrap();
        assert_eq!((found.appearances.len(), found.total, found.scanned_to_seq), (0, 0, None));
    }
}

#[cfg(test)]
mod checkpoint_tests {
    use super::test_log::{self, Generated};
    use super::*;
    use crate::checkpoint;

    /// Everything a search's result shows (a snapshot by the digest of its every field).
    type Shown = (Vec<(u64, u64, u16, String, Option<String>)>, u64, Option<u64>, Damage);

    fn shown(found: Found) -> Shown {
        use sha2::Digest;
        let digest = |s: Snapshot| format!("{:x}", sha2::Sha256::digest(format!("{s:?}")));
        let appearances = found
            .appearances
            .into_iter()
            .map(|a| (a.seq, a.ts_ms, a.row, a.text, a.snapshot.map(digest)))
            .collect();
        (appearances, found.total, found.scanned_to_seq, found.damage)
    }

    fn search(generated: &Generated, query: &Query, options: &FindOptions) -> Shown {
        shown(find(&generated.paths, &test_log::record(), query, options).unwrap())
    }

    fn options(mode: Mode) -> FindOptions {
        FindOptions { mode, max: 4, after_seq: None, before_seq: None, snapshots: 2, live: false }
    }

    fn queries(pulled_back: &str) -> Vec<Query> {
        let texts = [
            "EARLY: disk full",
            "say \"hi\" to C:\\temp",
            "┌────┐",
            "QQQQQQ",
            "HIDDEN: kept",
            "TRANSIENT",
            "Grüße aus 漢字",
            "EEEEEEEE",
            "sync: held",
            "漢字テスト and é",
            "LATE: the end",
            "compiling module_13 ",
            "never-seen-xyzzy",
        ];
        let regexes = ["disk full", "\\[ *12\\d\\d\\] compiling", "LATE: .*end"];
        let texts = texts.iter().map(|t| Query::new(Some(t), None).unwrap());
        let texts = texts.chain([Query::new(Some(pulled_back), None).unwrap()]);
        texts.chain(regexes.iter().map(|r| Query::new(None, Some(r)).unwrap())).collect()
    }

    #[test]
    fn searches_through_checkpoints_equal_a_read_of_the_whole_log() {
        let dir = tempfile::tempdir().unwrap();
        let generated = test_log::generate(dir.path(), 4_000, 20_000);
        let entries = checkpoint::entries(&generated.paths);
        let kinds = |kind| entries.iter().filter(|e| e.kind == kind).count();
        assert!(kinds(checkpoint::Kind::Screen) >= 20 && kinds(checkpoint::Kind::Full) >= 5, "{entries:?}");
        let last_seq = generated.hashes.last().unwrap().0;
        let mut cases: Vec<(Query, FindOptions)> = Vec::new();
        for query in queries(&generated.pulled_back) {
            for mode in [Mode::First, Mode::Last, Mode::All] {
                cases.push((query.clone(), options(mode)));
            }
        }
        // Bounds that cut segments.
        let bounded =
            [(Some(200), None), (None, Some(last_seq / 2)), (Some(last_seq / 3), Some(last_seq - 40))];
        for (after_seq, before_seq) in bounded {
            for mode in [Mode::First, Mode::Last, Mode::All] {
                let query = Query::new(Some("compiling module_13 "), None).unwrap();
                cases.push((query, FindOptions { after_seq, before_seq, ..options(mode) }));
            }
        }
        // Reads of the whole log, every event shown (slow in a debug build): on two threads.
        let expected: Vec<Shown> = test_log::without_checkpoints(&generated.paths, || {
            let (early, late) = cases.split_at(cases.len() / 2);
            let scan = |cases: &[(Query, FindOptions)]| -> Vec<Shown> {
                prefilter::OFF.set(true);
                let shown = cases.iter().map(|(query, options)| search(&generated, query, options)).collect();
                prefilter::OFF.set(false);
                shown
            };
            std::thread::scope(|scope| {
                let late = scope.spawn(|| scan(late));
                let mut all = scan(early);
                all.extend(late.join().unwrap());
                all
            })
        });
        for ((query, options), expected) in cases.iter().zip(&expected) {
            let got = search(&generated, query, options);
            let what = format!(
                "{:?} {:?} after {:?} before {:?}",
                query.source(),
                options.mode,
                options.after_seq,
                options.before_seq
            );
            assert_eq!(got, *expected, "{what}");
        }
        // The log shows each case (and the damage before and after checkpoints).
        let count = |text: &str| {
            let at = cases.iter().position(|(q, o)| q.source() == text && o.mode == Mode::All).unwrap();
            expected[at].1
        };
        assert_eq!(count("HIDDEN: kept"), 2, "printed, then shown again as the alternate screen ends");
        assert_eq!(count("QQQQQQ"), 1);
        assert_eq!(count("┌────┐"), 1);
        assert_eq!(count("Grüße aus 漢字"), 1);
        assert_eq!(count("EEEEEEEE"), 30, "DECALN fills the 30 rows");
        assert_eq!(count("never-seen-xyzzy"), 0);
        // Printed and scrolled off within one output event: it shows only when pulled back.
        assert_eq!(count(&generated.pulled_back), 1, "pulled back by a resize");
        assert!(count("compiling module_13 ") > 4, "over the cap");
        // `say "hi"`, the second query, first appears after one garbage line.
        assert_eq!(expected[3].3.skipped_lines, 1, "{:?}", expected[3].3);
        assert!(expected[2].3.skipped_lines == 3 && expected[2].3.first.is_some(), "{:?}", expected[2].3);
    }

    #[test]
    fn checkpoints_that_cannot_be_loaded_are_read_from_an_earlier_start() {
        let dir = tempfile::tempdir().unwrap();
        let generated = test_log::generate(dir.path(), 4_000, 20_000);
        let cases: Vec<(Query, FindOptions)> = ["QQQQQQ", "HIDDEN: kept", "Grüße aus 漢字"]
            .iter()
            .flat_map(|text| {
                let query = Query::new(Some(text), None).unwrap();
                [Mode::First, Mode::Last, Mode::All].map(|mode| (query.clone(), options(mode)))
            })
            .collect();
        let expected: Vec<Shown> = test_log::without_checkpoints(&generated.paths, || {
            prefilter::OFF.set(true);
            let expected = cases.iter().map(|(q, o)| search(&generated, q, o)).collect();
            prefilter::OFF.set(false);
            expected
        });
        // The host's checkpoints: headers intact (the plan keeps them), screens damaged
        // (and so deleted when loaded: put back for every search).
        let damaged: Vec<(std::path::PathBuf, Vec<u8>)> =
            std::fs::read_dir(checkpoint::dir(&generated.paths))
                .unwrap()
                .map(|entry| entry.unwrap().path())
                .filter(|path| path.to_string_lossy().ends_with(".screen.bin"))
                .map(|path| {
                    let mut bytes = std::fs::read(&path).unwrap();
                    *bytes.last_mut().unwrap() ^= 0x55;
                    (path, bytes)
                })
                .collect();
        let size = std::fs::metadata(&generated.paths.events).unwrap().len();
        for ((query, options), expected) in cases.iter().zip(&expected) {
            for (path, bytes) in &damaged {
                std::fs::write(path, bytes).unwrap();
            }
            assert!(Plan::new(&generated.paths, size, None, None).len() > 25);
            let got = search(&generated, query, options);
            assert_eq!(&got, expected, "{:?} {:?}", query.source(), options.mode);
        }
    }

    #[test]
    fn the_prefilter_skips_segments_without_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let generated = test_log::generate(dir.path(), 4_000, 20_000);
        let paths = &generated.paths;
        let size = std::fs::metadata(&paths.events).unwrap().len();
        let plan = Plan::new(paths, size, None, None);
        assert!(plan.len() > 25, "{}", plan.len());
        let log = File::open(&paths.events).unwrap();
        let candidates = |text: &str| {
            let needs = prefilter::Needs::of(&Query::new(Some(text), None).unwrap()).unwrap();
            (0..plan.len())
                .filter(|&i| {
                    let mut start = None;
                    needs
                        .candidate(&log, plan.bytes(i), &mut || {
                            start
                                .get_or_insert_with(|| {
                                    Start::of_segment(paths, &test_log::record(), &plan, i)
                                })
                                .chars()
                        })
                        .unwrap()
                })
                .count()
        };
        assert_eq!(candidates("never-seen-xyzzy"), 3, "the segments with a resize");
        assert_eq!(candidates("LATE: the end"), 4, "the resizes', and the last");
        assert_eq!(candidates("compiling"), plan.len());
    }
}
