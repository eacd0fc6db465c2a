//! The live terminal screen: PTY output bytes in, visible text, cursor, modes,
//! title, [`Snapshot`]s and query answers out.
//!
//! [`Screen`] wraps an `alacritty_terminal` emulator and a single, persistent
//! escape-sequence parser (so sequences split across [`Screen::feed`] calls
//! work). No emulator type appears in the public API.
//!
//! Time is never read from a clock: synchronized output (DEC mode 2026) is
//! timed purely from the `now_ms` values passed to [`Screen::feed`], which
//! makes replay deterministic.

mod checkpoint;
mod ground;
mod replies;
mod tracked;

use std::time::Duration;

use alacritty_terminal::Term;
use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::Line;
use alacritty_terminal::term::cell::Flags;
use alacritty_terminal::term::{Config, TermMode};
use alacritty_terminal::vte::ansi::{Processor, Timeout};

pub use checkpoint::CheckpointError;
use replies::{Listener, ReplyQueue};
use tracked::{Shadow, Tracked};

use crate::mouse::{Encoding, MouseModes, Tracking};
use crate::snapshot::{self, Snapshot, SnapshotOptions};

/// Where a text shows on the screen (see [`Screen::find_visible_text`]): one row, from
/// one column to another (both included, 0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextSpan {
    /// The row, from 0 at the top.
    pub row: u16,
    /// The column of its first cell.
    pub first_col: u16,
    /// The column of its last cell.
    pub last_col: u16,
}

/// Default number of scrollback lines kept above the visible area.
pub const SCROLLBACK_LINES: usize = 10_000;

/// Scrollback lines a session host's live screen keeps (see [`Screen::scrollback_trimmed`]).
///
/// None: every scrolled-off line costs 24 bytes per column in the emulator (1.9 kB at
/// 80 columns), and the Event Log holds the whole history anyway, so a request that
/// needs the scrollback (`snapshot --include-scrollback`, a resize that pulls lines back
/// from it) rebuilds the screen from the log with [`SCROLLBACK_LINES`]. Any limit above
/// zero costs at least 1,000 lines, because the emulator grows its history storage in
/// steps of 1,000 rows: after `seq 1 30000` at 80x24 a host grows 18.8 MB with
/// [`SCROLLBACK_LINES`], 1.9 MB with 100 to 1,000 lines, 24 kB with none, and a tmux
/// server (2,000 compact lines) 0.26 MB (`scripts/bench-history.sh`).
pub const LIVE_SCROLLBACK_LINES: usize = 0;

/// Widest supported terminal; wider sizes are clamped down to this.
///
/// Four times a full-screen terminal on a 4K display with a small font (about 250
/// columns), so no real use hits it, while a screen's cells (24 bytes each in the
/// emulator) stay at 12 MB even at [`MAX_COLS`] × [`MAX_ROWS`]: a size from a typo or
/// a crafted event log cannot make a process allocate gigabytes.
pub const MAX_COLS: u16 = 1000;
/// Tallest supported terminal; taller sizes are clamped down to this (see [`MAX_COLS`]).
pub const MAX_ROWS: u16 = 500;

/// Scrollback budget in cells: [`SCROLLBACK_LINES`] full lines of a 200-column
/// terminal (about 48 MB in the emulator). Wider screens keep proportionally fewer
/// lines (2 000 at [`MAX_COLS`]), so history memory stays bounded whatever the width.
pub const SCROLLBACK_CELLS: usize = SCROLLBACK_LINES * 200;

/// Smallest supported width; narrower sizes are clamped up to this.
const MIN_COLS: u16 = 2;
/// Smallest supported height; shorter sizes are clamped up to this.
const MIN_ROWS: u16 = 1;

/// Terminal dimensions as the emulator wants them.
struct Size {
    cols: u16,
    rows: u16,
}

impl Size {
    fn clamped(cols: u16, rows: u16) -> Self {
        Self { cols: cols.clamp(MIN_COLS, MAX_COLS), rows: rows.clamp(MIN_ROWS, MAX_ROWS) }
    }
}

/// Scrollback lines kept at `cols` columns: at most `requested`, and within
/// [`SCROLLBACK_CELLS`].
fn history_lines(requested: usize, cols: u16) -> usize {
    requested.min(SCROLLBACK_CELLS / usize::from(cols.max(1)))
}

impl Dimensions for Size {
    fn total_lines(&self) -> usize {
        usize::from(self.rows)
    }

    fn screen_lines(&self) -> usize {
        usize::from(self.rows)
    }

    fn columns(&self) -> usize {
        usize::from(self.cols)
    }
}

/// Synchronized-update timer for the parser, driven by the caller's `now_ms`.
///
/// The parser only tells it "arm for `duration`" / "disarm"; it cannot see
/// the time. Each arm bumps `arms`, and [`Screen`] turns a new arm into an
/// absolute deadline using the `now_ms` of the feed in which it happened.
#[derive(Debug, Default)]
struct SyncTimer {
    pending: bool,
    arms: u64,
    duration_ms: u64,
}

impl Timeout for SyncTimer {
    fn set_timeout(&mut self, duration: Duration) {
        self.pending = true;
        self.arms = self.arms.wrapping_add(1);
        self.duration_ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
    }

    fn clear_timeout(&mut self) {
        self.pending = false;
    }

    fn pending_timeout(&self) -> bool {
        // Expiry is enforced by `Screen::feed`, never by the parser itself:
        // reporting "expired" here would desynchronise the parser's buffer.
        self.pending
    }
}

/// A live terminal screen fed with PTY output.
pub struct Screen {
    term: Term<Listener>,
    parser: Processor<SyncTimer>,
    queue: ReplyQueue,
    replies: Vec<u8>,
    /// Absolute deadline (in `now_ms` units) of the pending synchronized update.
    sync_deadline: Option<u64>,
    /// `SyncTimer::arms` already turned into `sync_deadline`.
    seen_arms: u64,
    /// The window title (OSC 0/2), tracked from the emulator's events.
    title: Option<String>,
    /// The emulator's configuration, re-applied to make it report its title.
    config: Config,
    /// Scrollback lines asked for; the emulator keeps fewer on wide screens.
    requested_history: usize,
    /// See [`Screen::scrollback_trimmed`].
    trimmed: bool,
    /// See [`Screen::changes`].
    changes: u64,
    /// Emulator state the emulator does not show, for checkpoints.
    shadow: Shadow,
    /// Whether the bytes fed so far end in the parser's ground state (conservative).
    ground: bool,
    /// The screen was resized while the alternate screen was shown (see `checkpoint.rs`).
    alt_resized: bool,
}

impl Screen {
    /// A blank `cols` × `rows` screen with [`SCROLLBACK_LINES`] of scrollback.
    ///
    /// Sizes are clamped to 2..=[`MAX_COLS`] columns and 1..=[`MAX_ROWS`] rows.
    pub fn new(cols: u16, rows: u16) -> Screen {
        Screen::with_scrollback(cols, rows, SCROLLBACK_LINES)
    }

    /// A blank `cols` × `rows` screen keeping `scrollback` lines of history
    /// (fewer on screens wider than 200 columns: see [`SCROLLBACK_CELLS`]).
    ///
    /// Sizes are clamped to 2..=[`MAX_COLS`] columns and 1..=[`MAX_ROWS`] rows.
    pub fn with_scrollback(cols: u16, rows: u16, scrollback: usize) -> Screen {
        let queue = ReplyQueue::default();
        let size = Size::clamped(cols, rows);
        let config = Config { scrolling_history: history_lines(scrollback, size.cols), ..Config::default() };
        let term = Term::new(config.clone(), &size, Listener::new(queue.clone()));
        let trimmed = config.scrolling_history == 0;
        Screen {
            term,
            parser: Processor::new(),
            queue,
            replies: Vec::new(),
            sync_deadline: None,
            seen_arms: 0,
            title: None,
            config,
            requested_history: scrollback,
            trimmed,
            changes: 0,
            shadow: Shadow::new(&size),
            ground: true,
            alt_resized: false,
        }
    }

    /// Feed PTY output received at time `now_ms` (any monotonic millisecond clock).
    ///
    /// If a synchronized update is pending and `now_ms` has reached its
    /// deadline, the update is force-ended before `bytes` are processed.
    pub fn feed(&mut self, bytes: &[u8], now_ms: u64) {
        if bytes.is_empty() && self.sync_deadline.is_none_or(|deadline| now_ms < deadline) {
            return;
        }
        self.changes = self.changes.wrapping_add(1);
        if self.sync_deadline.is_some_and(|deadline| now_ms >= deadline) {
            self.stop_sync();
        }
        self.parser.advance(&mut Tracked { term: &mut self.term, shadow: &mut self.shadow }, bytes);
        self.ground = ground::ends_in_ground(self.ground, bytes);
        if !self.is_alt_screen() {
            self.alt_resized = false;
        }
        self.note_full_history();
        self.track_sync(now_ms);
        self.collect_replies();
    }

    /// Drain the bytes the program expects back (answers to its queries), in order.
    pub fn take_replies(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.replies)
    }

    /// Resize to `cols` × `rows` (clamped to 2..=[`MAX_COLS`] × 1..=[`MAX_ROWS`]).
    ///
    /// Content reflows: rows that were soft-wrapped are re-joined when the
    /// screen gets wider and re-wrapped when it gets narrower (hard line breaks
    /// are kept); rows pushed off the top go to the scrollback. A wider screen
    /// keeps fewer scrollback lines (see [`SCROLLBACK_CELLS`]); the oldest go.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.changes = self.changes.wrapping_add(1);
        let size = Size::clamped(cols, rows);
        let history = history_lines(self.requested_history, size.cols);
        // Trim the history before widening (widening grows every kept line).
        if history < self.config.scrolling_history {
            self.set_history(history);
        }
        let (new_cols, new_rows) = (size.cols, size.rows);
        let changed = self.size() != (new_cols, new_rows);
        self.term.resize(size);
        if changed {
            // The emulator resets the scroll region on every resize that changes the size.
            self.shadow.scroll_region = None;
            self.alt_resized |= self.is_alt_screen();
            if !self.is_alt_screen() {
                self.shadow.resize_alt_grid(usize::from(new_rows), usize::from(new_cols));
            }
        }
        if history > self.config.scrolling_history {
            self.set_history(history);
        }
        self.note_full_history();
    }

    /// Whether scrollback lines may have been dropped for want of room: the scrollback
    /// has been full at some point (checked after every [`Screen::feed`] and
    /// [`Screen::resize`]; sticky). While it is `false`, this screen's scrollback is
    /// exactly what a screen fed the same input with the default [`SCROLLBACK_LINES`]
    /// would hold (the limit never acted), so it can answer for one; once `true`, such
    /// a screen must be rebuilt from the input (the Event Log) instead.
    ///
    /// Conservative: a scrollback filled to exactly its limit, or one filled and then
    /// cleared, counts as trimmed; a screen keeping no scrollback always is.
    pub fn scrollback_trimmed(&self) -> bool {
        self.trimmed
    }

    /// The scrollback lines asked for (see [`Screen::with_scrollback`]).
    pub fn scrollback_lines(&self) -> usize {
        self.requested_history
    }

    /// Keeps at most `lines` of scrollback from now on (fewer on screens wider than 200
    /// columns: see [`SCROLLBACK_CELLS`]); the oldest lines beyond go.
    pub fn limit_scrollback(&mut self, lines: usize) {
        self.requested_history = lines;
        let history = history_lines(lines, to_u16(self.term.columns()));
        if history != self.config.scrolling_history {
            self.set_history(history);
        }
        self.trimmed = false;
        self.note_full_history();
    }

    /// Takes the place of this screen by `rebuilt`, a screen rebuilt from the same input
    /// (with a longer scrollback, from the Event Log), keeping this screen's scrollback
    /// limit, pending replies and [`Screen::changes`] counter (which moves on).
    pub fn adopt(&mut self, mut rebuilt: Screen) {
        rebuilt.limit_scrollback(self.requested_history);
        rebuilt.replies = std::mem::take(&mut self.replies);
        rebuilt.changes = self.changes.wrapping_add(1);
        *self = rebuilt;
    }

    /// Notes a full scrollback (see [`Screen::scrollback_trimmed`]). Within one feed the
    /// history only grows, or is cleared (then both screens agree again), so a check
    /// after each feed cannot miss lines that are still shown elsewhere.
    fn note_full_history(&mut self) {
        if !self.trimmed {
            let limit = self.config.scrolling_history;
            self.trimmed = limit == 0 || self.term.grid().history_size() >= limit;
        }
    }

    /// Keeps at most `lines` of scrollback.
    fn set_history(&mut self, lines: usize) {
        self.config.scrolling_history = lines;
        self.term.set_options(self.config.clone());
        // Re-applying the configuration re-reports the (unchanged) title.
        if let Some(title) = self.queue.take_title() {
            self.title = title;
        }
    }

    /// A change counter: it moves whenever something a [`Snapshot`] shows may have
    /// changed — every [`Screen::feed`] that parses bytes or ends a synchronized update,
    /// every [`Screen::resize`] and every [`Screen::end_sync`] that applies a pending
    /// update — and never otherwise (reading the screen, taking replies). So an unchanged
    /// counter guarantees an unchanged snapshot (cells, cursor position and visibility,
    /// size, modes, title); a moved one does not guarantee a visible difference (a feed
    /// of a query, or of output that rewrites the same text, moves it too). Costs one
    /// increment per call: no hashing or comparing of the grid. Wraps at `u64::MAX`;
    /// compare for equality only.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// Current size as `(cols, rows)`.
    pub fn size(&self) -> (u16, u16) {
        (to_u16(self.term.columns()), to_u16(self.term.screen_lines()))
    }

    /// Cursor position as `(row, col)`, 0-based within the visible area.
    pub fn cursor(&self) -> (u16, u16) {
        let point = self.term.grid().cursor.point;
        let row = u16::try_from(point.line.0.max(0)).unwrap_or(u16::MAX);
        (row, to_u16(point.column.0))
    }

    /// The canonical text of every visible row, top to bottom: exactly `rows`
    /// lines, built by the same rules as [`Snapshot::visible_lines`] (see the
    /// [`snapshot`] module docs).
    ///
    /// Wide characters appear once (their spacer cells are skipped), zero-width
    /// characters follow their base character, blank cells (including where a
    /// tab moved the cursor) are spaces, and trailing U+0020 are trimmed.
    pub fn visible_lines(&self) -> Vec<String> {
        let grid = self.term.grid();
        let cols = grid.columns();
        (0..grid.screen_lines())
            .map(|row| {
                snapshot::canonical_line(&grid[Line(i32::try_from(row).unwrap_or(i32::MAX))][..], cols)
            })
            .collect()
    }

    /// The window title set with OSC 0 or OSC 2, if any.
    ///
    /// An empty title counts as none; a full reset (`ESC c`) clears it.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// The semantic snapshot of the screen as it is now.
    ///
    /// Takes `&self` and therefore does **not** end a pending synchronized
    /// update (DEC mode 2026): output buffered inside the block is not visible
    /// yet, so the snapshot shows the last complete frame. Call
    /// [`Screen::end_sync`] first to apply it (as when [`Screen::sync_deadline`]
    /// has passed, or at the end of a replay).
    ///
    /// The default options cost only the visible lines (no grid copy).
    pub fn snapshot(&self, options: SnapshotOptions) -> Snapshot {
        snapshot::build(&self.term, self.title(), options)
    }

    /// Escape sequences that, fed to a fresh screen of the same size, paint this screen's
    /// picture: the same snapshot (cells with their colours and attributes, cursor,
    /// alternate screen, title) and so the same Screen Hash. Starts a clipped recording
    /// with the screen as it was at the clip's start. See [`crate::redraw`] for what it
    /// does not restore (scrollback, scroll region, character sets…).
    ///
    /// Like [`Screen::snapshot`], shows the last complete frame of a pending
    /// synchronized update.
    pub fn redraw_sequence(&self) -> String {
        let snapshot = self.snapshot(SnapshotOptions { scrollback: false, cells: true });
        let grid = self.term.grid();
        let cols = grid.columns();
        let wrapped: Vec<bool> = (0..grid.screen_lines())
            .map(|row| {
                let line = &grid[Line(i32::try_from(row).unwrap_or(i32::MAX))];
                cols > 0 && line[alacritty_terminal::index::Column(cols - 1)].flags.contains(Flags::WRAPLINE)
            })
            .collect();
        let mode = self.term.mode();
        let modes = crate::redraw::Modes {
            auto_wrap: mode.contains(TermMode::LINE_WRAP),
            insert: mode.contains(TermMode::INSERT),
        };
        crate::redraw::sequence(&snapshot, &wrapped, modes)
    }

    /// The mouse reporting the program asked for, its encoding, and the modes that decide
    /// what the wheel does without it (see [`crate::mouse`]).
    pub fn mouse_modes(&self) -> MouseModes {
        let mode = self.term.mode();
        let tracking = if self.shadow.mouse_x10 {
            Some(Tracking::X10)
        } else if mode.contains(TermMode::MOUSE_MOTION) {
            Some(Tracking::AnyEvent)
        } else if mode.contains(TermMode::MOUSE_DRAG) {
            Some(Tracking::ButtonEvent)
        } else if mode.contains(TermMode::MOUSE_REPORT_CLICK) {
            Some(Tracking::Normal)
        } else {
            None
        };
        let encoding = if self.shadow.mouse_urxvt {
            Encoding::Urxvt
        } else if mode.contains(TermMode::SGR_MOUSE) {
            Encoding::Sgr
        } else if mode.contains(TermMode::UTF8_MOUSE) {
            Encoding::Utf8
        } else {
            Encoding::Default
        };
        MouseModes {
            tracking,
            encoding,
            alt_screen: mode.contains(TermMode::ALT_SCREEN),
            alternate_scroll: mode.contains(TermMode::ALTERNATE_SCROLL),
            app_cursor: mode.contains(TermMode::APP_CURSOR),
        }
    }

    /// Where `needle` shows on the visible screen: every match within a row, top to
    /// bottom and left to right (not overlapping), as the cells it covers (wide
    /// characters count their two cells). Text that wraps to the next row is not found.
    pub fn find_visible_text(&self, needle: &str) -> Vec<TextSpan> {
        let grid = self.term.grid();
        let cols = grid.columns();
        let mut spans = Vec::new();
        if needle.is_empty() {
            return spans;
        }
        for row in 0..grid.screen_lines() {
            let line = &grid[Line(i32::try_from(row).unwrap_or(i32::MAX))];
            let (text, columns) = snapshot::line_with_columns(&line[..], cols);
            let mut from = 0;
            while let Some(found) = text[from..].find(needle) {
                let (start, end) = (from + found, from + found + needle.len());
                let first = columns.iter().find(|c| c.0 == start).map_or(0, |c| c.1);
                let last = columns.iter().rev().find(|c| c.0 < end).map_or(first, |c| c.2);
                spans.push(TextSpan { row: to_u16(row), first_col: first, last_col: last });
                from = end;
            }
        }
        spans
    }

    /// Whether the alternate screen buffer is active.
    pub fn is_alt_screen(&self) -> bool {
        self.term.mode().contains(TermMode::ALT_SCREEN)
    }

    /// The last character printed, as received (before a character set maps it), which
    /// REP (`CSI b`) prints again: a later input can show it without containing it.
    pub fn last_printed(&self) -> Option<char> {
        self.shadow.preceding_char
    }

    /// The canonical text of every row of the screen buffer not shown, which switching
    /// buffers shows again without printing it: the primary screen's while the
    /// alternate one is shown, the alternate screen's kept cells otherwise. `None` when
    /// it cannot be read without changing the screen (the alternate screen is shown and
    /// was resized since it was entered: see the checkpoint module).
    pub fn hidden_lines(&mut self) -> Option<Vec<String>> {
        let lines = |grid: &alacritty_terminal::Grid<alacritty_terminal::term::cell::Cell>| {
            let cols = grid.columns();
            (0..grid.screen_lines())
                .map(|row| {
                    let line = Line(i32::try_from(row).unwrap_or(i32::MAX));
                    snapshot::canonical_line(&grid[line][..], cols)
                })
                .collect()
        };
        if !self.is_alt_screen() {
            return Some(self.shadow.alt_grid.as_ref().map_or_else(Vec::new, lines));
        }
        if self.alt_resized {
            return None;
        }
        // Out of the alternate screen and back, as a checkpoint does: the primary
        // screen's saved cursor is its cursor while it is hidden (no resize), and the
        // alternate grid, which entering clears, is put back.
        let alt = self.term.grid().clone();
        self.term.swap_alt();
        let primary = lines(self.term.grid());
        self.term.swap_alt();
        *self.term.grid_mut() = alt;
        Some(primary)
    }

    /// If a synchronized update (DEC mode 2026) is pending, the `now_ms` at
    /// which it must be force-ended (150 ms after it was last begun).
    pub fn sync_deadline(&self) -> Option<u64> {
        self.sync_deadline
    }

    /// Force-end a pending synchronized update, applying its buffered output.
    ///
    /// Call before reading the screen if [`Screen::sync_deadline`] is `Some`.
    /// Does nothing when no update is pending.
    pub fn end_sync(&mut self) {
        if self.sync_deadline.is_some() {
            self.changes = self.changes.wrapping_add(1);
            self.stop_sync();
            self.collect_replies();
        }
    }

    fn stop_sync(&mut self) {
        self.parser.stop_sync(&mut Tracked { term: &mut self.term, shadow: &mut self.shadow });
        self.sync_deadline = None;
        self.seen_arms = self.parser.sync_timeout().arms;
    }

    /// Turn parser timer changes into an absolute deadline.
    fn track_sync(&mut self, now_ms: u64) {
        let timer = self.parser.sync_timeout();
        if !timer.pending {
            self.sync_deadline = None;
        } else if timer.arms != self.seen_arms {
            self.seen_arms = timer.arms;
            self.sync_deadline = Some(now_ms.saturating_add(timer.duration_ms));
        }
    }

    /// Render queued replies and pick up title changes (after every parse).
    fn collect_replies(&mut self) {
        if self.queue.take_maybe_reset() {
            // A full reset clears the title without an event; re-applying the
            // (unchanged) configuration makes the emulator report its title.
            self.term.set_options(self.config.clone());
        }
        if let Some(title) = self.queue.take_title() {
            self.title = title;
        }
        let (cols, rows) = self.size();
        self.queue.drain_into(&mut self.replies, self.term.colors(), cols, rows);
    }
}

impl std::fmt::Debug for Screen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screen")
            .field("size", &self.size())
            .field("cursor", &self.cursor())
            .field("alt_screen", &self.is_alt_screen())
            .field("title", &self.title)
            .field("sync_deadline", &self.sync_deadline)
            .field("pending_replies", &self.replies.len())
            .finish_non_exhaustive()
    }
}

fn to_u16(value: usize) -> u16 {
    u16::try_from(value).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests;
