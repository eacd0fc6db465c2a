//! Screen checkpoints: a [`Screen`] serialised to a compact, versioned, checksummed byte
//! string ([`Screen::checkpoint`]) and restored from one ([`Screen::restore`]) into a
//! screen that behaves exactly like the original for any further input: both grids with
//! the scrollback, cursor and saved cursor, modes, scroll region, charsets, cursor style,
//! title and title stack, colours changed by OSC 4/10/11/12, the scrollback limit.
//!
//! What is not saved, and so when no checkpoint is taken (`checkpoint` returns `None`):
//! - the parser's state (beyond the last printed character, which REP repeats): only in
//!   its ground state (the bytes fed so far end outside any
//!   escape sequence and any UTF-8 sequence; see `ground.rs`), and with no synchronized
//!   update (DEC mode 2026) pending;
//! - tab stops set or cleared by the program (HTS, TBC) since the last full reset: the
//!   emulator does not show them;
//! - the primary screen's saved cursor while the alternate screen is shown, if the screen
//!   was resized since the alternate screen was entered (it is equal to the primary
//!   cursor otherwise, and the restore relies on that);
//! - vi mode and the kitty keyboard protocol (never enabled by [`Screen`]);
//! - X10 mouse reporting (`?9`) and the urxvt mouse encoding (`?1015`), which only the
//!   shadow tracks (rare; format version 1 has no place for them).
//!
//! Format (version 1): the magic `ATTYCKPT`, a version byte, the body deflated, then the
//! first 8 bytes of the SHA-256 of everything before. The body is a header (`codec.rs`:
//! LEB128 integers, strings) and the grids in the emulator's own serde layout through a
//! compact run-length format (`binary.rs`), so the grids' internals (ring-buffer offset,
//! cached rows, each row's occupied count, which decide what later resets clear) come
//! back exactly.
//! Restoring checks the checksum, every bound, and that the emulator's modes came out
//! equal; any failure is a [`CheckpointError`] and never a panic.

mod binary;
mod codec;

use alacritty_terminal::Grid;
use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Line, Point};
use alacritty_terminal::term::TermMode;
use alacritty_terminal::term::cell::Cell;
use alacritty_terminal::term::color::COUNT as COLOR_COUNT;
use alacritty_terminal::vte::ansi::{
    CharsetIndex, CursorShape, CursorStyle, Handler, Mode, NamedMode, NamedPrivateMode, PrivateMode,
    StandardCharset,
};
use sha2::{Digest, Sha256};

use binary::BinError;
use codec::{Damaged, Reader, Writer};

use super::tracked::Shadow;
use super::{MAX_COLS, MAX_ROWS, Screen, Size};

/// The first bytes of every checkpoint.
const MAGIC: &[u8; 8] = b"ATTYCKPT";
/// The format written by this version.
const VERSION: u8 = 1;
/// Checksum bytes at the end.
const CHECKSUM_LEN: usize = 8;
/// Deflate level of the body: 3, under a fifth of the output's size for coloured text
/// (level 1 left the serialised cells as large as the output), while the first replay of
/// an 84 MB log that writes them takes 1.2× a plain replay (level 6: 1.9×).
const DEFLATE_LEVEL: u8 = 3;
/// The largest inflated body accepted (a full scrollback of the widest screen with every
/// cell different stays well below).
const MAX_BODY: usize = 256 << 20;

/// Why a checkpoint could not be restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointError {
    /// Not a checkpoint, or one of another format version.
    Format,
    /// The checksum does not match: the bytes were changed or cut short.
    Checksum,
    /// The checksum matched but the content is inconsistent.
    Content(&'static str),
}

impl std::fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckpointError::Format => write!(f, "not a screen checkpoint of format version {VERSION}"),
            CheckpointError::Checksum => write!(f, "the screen checkpoint's checksum does not match"),
            CheckpointError::Content(what) => write!(f, "the screen checkpoint is inconsistent: {what}"),
        }
    }
}

impl std::error::Error for CheckpointError {}

impl From<BinError> for CheckpointError {
    fn from(_: BinError) -> Self {
        CheckpointError::Content("a grid does not decode")
    }
}

impl From<Damaged> for CheckpointError {
    fn from(_: Damaged) -> Self {
        CheckpointError::Content("a value is cut short or out of range")
    }
}

/// Modes restored through the private-mode handler, with their flag.
const PRIVATE_MODES: [(TermMode, NamedPrivateMode); 13] = [
    (TermMode::SHOW_CURSOR, NamedPrivateMode::ShowCursor),
    (TermMode::APP_CURSOR, NamedPrivateMode::CursorKeys),
    (TermMode::MOUSE_REPORT_CLICK, NamedPrivateMode::ReportMouseClicks),
    (TermMode::MOUSE_DRAG, NamedPrivateMode::ReportCellMouseMotion),
    (TermMode::MOUSE_MOTION, NamedPrivateMode::ReportAllMouseMotion),
    (TermMode::FOCUS_IN_OUT, NamedPrivateMode::ReportFocusInOut),
    (TermMode::BRACKETED_PASTE, NamedPrivateMode::BracketedPaste),
    (TermMode::SGR_MOUSE, NamedPrivateMode::SgrMouse),
    (TermMode::UTF8_MOUSE, NamedPrivateMode::Utf8Mouse),
    (TermMode::ALTERNATE_SCROLL, NamedPrivateMode::AlternateScroll),
    (TermMode::LINE_WRAP, NamedPrivateMode::LineWrap),
    (TermMode::ORIGIN, NamedPrivateMode::Origin),
    (TermMode::URGENCY_HINTS, NamedPrivateMode::UrgencyHints),
];

/// Modes a checkpoint cannot carry.
fn unsupported_modes() -> TermMode {
    TermMode::VI | TermMode::KITTY_KEYBOARD_PROTOCOL
}

impl Screen {
    /// This screen serialised, or `None` when it is not at a point a checkpoint can
    /// capture (see the module docs: mid escape sequence, synchronized update pending,
    /// custom tab stops, ...). Takes `&mut self` to read the primary screen while the
    /// alternate one is shown (it swaps and swaps back; nothing visible changes and
    /// [`Screen::changes`] does not move).
    pub fn checkpoint(&mut self) -> Option<Vec<u8>> {
        if !self.can_checkpoint() {
            return None;
        }
        let mut out = Writer::default();
        self.write_header(&mut out).ok()?;
        if self.is_alt_screen() {
            let alt = self.term.grid().clone();
            self.term.swap_alt();
            let primary = write_grid(&mut out, self.term.grid());
            self.term.swap_alt();
            *self.term.grid_mut() = alt;
            primary.ok()?;
        }
        write_grid(&mut out, self.term.grid()).ok()?;
        let mut bytes = MAGIC.to_vec();
        bytes.push(VERSION);
        bytes.extend_from_slice(&miniz_oxide::deflate::compress_to_vec(&out.bytes, DEFLATE_LEVEL));
        let digest = Sha256::digest(&bytes);
        bytes.extend_from_slice(&digest[..CHECKSUM_LEN]);
        Some(bytes)
    }

    /// Whether [`Screen::checkpoint`] would capture this screen now.
    pub fn can_checkpoint(&self) -> bool {
        self.ground
            && self.sync_deadline.is_none()
            && !self.shadow.holds_unsaved_state()
            && !(self.is_alt_screen() && self.alt_resized)
            && !self.term.mode().intersects(unsupported_modes())
            && self.term.grid().display_offset() == 0
    }

    /// The screen a [`Screen::checkpoint`] captured. Its [`Screen::changes`] counter
    /// starts at 0 and it has no pending replies.
    pub fn restore(bytes: &[u8]) -> Result<Screen, CheckpointError> {
        let compressed = verified_body(bytes)?;
        let body = miniz_oxide::inflate::decompress_to_vec_with_limit(compressed, MAX_BODY)
            .map_err(|_| CheckpointError::Content("the body does not inflate"))?;
        let mut input = Reader::new(&body);
        let header = Header::read(&mut input)?;
        let mut screen = Screen::with_scrollback(header.cols, header.rows, header.requested_history);
        if let Some(c) = header.shadow.preceding_char {
            // Printed for the parser to remember it (REP); the grid is replaced below.
            screen.feed(c.encode_utf8(&mut [0; 4]).as_bytes(), 0);
        }
        if screen.size() != (header.cols, header.rows) {
            return Err(CheckpointError::Content("the size is out of range"));
        }
        if screen.config.scrolling_history != header.history_limit {
            return Err(CheckpointError::Content("the scrollback limit does not match the size"));
        }
        header.apply_to_term(&mut screen);
        let size = Size { cols: header.cols, rows: header.rows };
        let primary = read_grid(&mut input, &size, header.history_limit)?;
        if let Some(alt) = &header.shadow.alt_grid {
            // Into the alternate screen and out again, to set the hidden alternate grid.
            screen.term.swap_alt();
            *screen.term.grid_mut() = alt.clone();
            screen.term.swap_alt();
        }
        *screen.term.grid_mut() = primary;
        if header.mode.contains(TermMode::ALT_SCREEN) {
            screen.term.swap_alt();
            let alt = read_grid(&mut input, &size, 0)?;
            *screen.term.grid_mut() = alt;
        }
        if !input.is_empty() {
            return Err(CheckpointError::Content("bytes follow the last grid"));
        }
        if *screen.term.mode() != header.mode {
            return Err(CheckpointError::Content("the modes could not be restored"));
        }
        screen.collect_replies();
        screen.replies.clear();
        screen.title = header.screen_title;
        screen.shadow = header.shadow;
        screen.trimmed = header.trimmed;
        screen.changes = 0;
        Ok(screen)
    }

    fn write_header(&self, out: &mut Writer) -> Result<(), BinError> {
        let (cols, rows) = self.size();
        out.usize(usize::from(cols));
        out.usize(usize::from(rows));
        out.usize(self.requested_history);
        out.usize(self.config.scrolling_history);
        out.bool(self.trimmed);
        out.opt_str(self.title.as_deref());
        out.uint(u64::from(self.term.mode().bits()));
        let style = self.term.cursor_style();
        out.u8(cursor_shape_code(style.shape));
        out.bool(style.blinking);
        out.u8(self.shadow.active_charset as u8);
        out.bool(self.shadow.scroll_region.is_some());
        if let Some((top, bottom)) = self.shadow.scroll_region {
            out.usize(top);
            out.bool(bottom.is_some());
            out.usize(bottom.unwrap_or(0));
        }
        out.bool(self.shadow.preceding_char.is_some());
        out.uint(u64::from(self.shadow.preceding_char.map_or(0, u32::from)));
        out.opt_str(self.shadow.title.as_deref());
        out.usize(self.shadow.titles.len());
        for title in &self.shadow.titles {
            out.opt_str(title.as_deref());
        }
        let alt_grid = self.shadow.alt_grid.as_ref().filter(|_| !self.is_alt_screen());
        out.bool(alt_grid.is_some());
        if let Some(grid) = alt_grid {
            write_grid(out, grid)?;
        }
        let colors = self.term.colors();
        let changed: Vec<usize> = (0..COLOR_COUNT).filter(|i| colors[*i].is_some()).collect();
        out.usize(changed.len());
        for index in changed {
            out.usize(index);
            if let Some(rgb) = colors[index] {
                out.rgb(rgb);
            }
        }
        Ok(())
    }
}

/// The checkpoint's body, after checking its magic, version and checksum.
fn verified_body(bytes: &[u8]) -> Result<&[u8], CheckpointError> {
    let start = MAGIC.len() + 1;
    if bytes.len() < start + CHECKSUM_LEN || &bytes[..MAGIC.len()] != MAGIC || bytes[MAGIC.len()] != VERSION {
        return Err(CheckpointError::Format);
    }
    let (content, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    if Sha256::digest(content)[..CHECKSUM_LEN] != *checksum {
        return Err(CheckpointError::Checksum);
    }
    Ok(&content[start..])
}

/// Everything before the grids.
struct Header {
    cols: u16,
    rows: u16,
    requested_history: usize,
    history_limit: usize,
    trimmed: bool,
    screen_title: Option<String>,
    mode: TermMode,
    cursor_style: CursorStyle,
    shadow: Shadow,
    colors: Vec<(usize, alacritty_terminal::vte::ansi::Rgb)>,
}

impl Header {
    fn read(input: &mut Reader<'_>) -> Result<Header, CheckpointError> {
        let cols = u16::try_from(input.bounded(usize::from(MAX_COLS))?).map_err(|_| Damaged)?;
        let rows = u16::try_from(input.bounded(usize::from(MAX_ROWS))?).map_err(|_| Damaged)?;
        let requested_history = input.usize()?;
        let history_limit = input.usize()?;
        let trimmed = input.bool()?;
        let screen_title = input.opt_string()?;
        let bits = u32::try_from(input.uint()?).map_err(|_| Damaged)?;
        let mode = TermMode::from_bits(bits).ok_or(Damaged)?;
        if mode.intersects(unsupported_modes()) {
            return Err(CheckpointError::Content("a mode a checkpoint cannot carry is set"));
        }
        let cursor_style = CursorStyle { shape: cursor_shape(input.u8()?)?, blinking: input.bool()? };
        let shadow = read_shadow(input, &Size { cols, rows })?;
        let count = input.bounded(COLOR_COUNT)?;
        let mut colors = Vec::with_capacity(count);
        for _ in 0..count {
            let index = input.bounded(COLOR_COUNT - 1)?;
            colors.push((index, input.rgb()?));
        }
        Ok(Header {
            cols,
            rows,
            requested_history,
            history_limit,
            trimmed,
            screen_title,
            mode,
            cursor_style,
            shadow,
            colors,
        })
    }

    /// Sets the emulator's modes, scroll region, charset, colours, cursor style and titles
    /// through its handler, as the program did (the grids come after and overwrite what
    /// these moved).
    fn apply_to_term(&self, screen: &mut Screen) {
        let term = &mut screen.term;
        for (flag, mode) in PRIVATE_MODES {
            if term.mode().contains(flag) != self.mode.contains(flag) {
                if self.mode.contains(flag) {
                    term.set_private_mode(PrivateMode::Named(mode));
                } else {
                    term.unset_private_mode(PrivateMode::Named(mode));
                }
            }
        }
        if self.mode.contains(TermMode::APP_KEYPAD) {
            term.set_keypad_application_mode();
        }
        for (flag, mode) in [
            (TermMode::INSERT, NamedMode::Insert),
            (TermMode::LINE_FEED_NEW_LINE, NamedMode::LineFeedNewLine),
        ] {
            if self.mode.contains(flag) {
                term.set_mode(Mode::Named(mode));
            }
        }
        if let Some((top, bottom)) = self.shadow.scroll_region {
            term.set_scrolling_region(top, bottom);
        }
        term.set_active_charset(self.shadow.active_charset);
        for (index, rgb) in &self.colors {
            term.set_color(*index, *rgb);
        }
        if term.cursor_style() != self.cursor_style {
            term.set_cursor_style(Some(self.cursor_style));
        }
        for title in &self.shadow.titles {
            term.set_title(title.clone());
            term.push_title();
        }
        if self.shadow.title.is_some() || !self.shadow.titles.is_empty() {
            term.set_title(self.shadow.title.clone());
        }
    }
}

fn read_shadow(input: &mut Reader<'_>, size: &Size) -> Result<Shadow, CheckpointError> {
    let active_charset = match input.u8()? {
        0 => CharsetIndex::G0,
        1 => CharsetIndex::G1,
        2 => CharsetIndex::G2,
        3 => CharsetIndex::G3,
        _ => return Err(Damaged.into()),
    };
    let scroll_region = if input.bool()? {
        let top = input.usize()?;
        let has_bottom = input.bool()?;
        let bottom = input.usize()?;
        Some((top, has_bottom.then_some(bottom)))
    } else {
        None
    };
    let has_preceding_char = input.bool()?;
    let code = u32::try_from(input.uint()?).map_err(|_| Damaged)?;
    let preceding_char = if has_preceding_char { Some(char::from_u32(code).ok_or(Damaged)?) } else { None };
    let title = input.opt_string()?;
    let count = input.bounded(super::tracked::TITLE_STACK_MAX_DEPTH)?;
    let mut titles = Vec::with_capacity(count.min(64));
    for _ in 0..count {
        titles.push(input.opt_string()?);
    }
    let alt_grid = if input.bool()? { Some(read_grid(input, size, 0)?) } else { None };
    Ok(Shadow {
        active_charset,
        scroll_region,
        custom_tabs: false,
        title,
        titles,
        preceding_char,
        alt_grid,
        mouse_x10: false,
        mouse_urxvt: false,
    })
}

fn cursor_shape_code(shape: CursorShape) -> u8 {
    match shape {
        CursorShape::Block => 0,
        CursorShape::Underline => 1,
        CursorShape::Beam => 2,
        CursorShape::HollowBlock => 3,
        CursorShape::Hidden => 4,
    }
}

fn cursor_shape(code: u8) -> Result<CursorShape, Damaged> {
    Ok(match code {
        0 => CursorShape::Block,
        1 => CursorShape::Underline,
        2 => CursorShape::Beam,
        3 => CursorShape::HollowBlock,
        4 => CursorShape::Hidden,
        _ => return Err(Damaged),
    })
}

type Cursor = alacritty_terminal::grid::Cursor<Cell>;

fn write_cursor(out: &mut Writer, cursor: &Cursor) -> Result<(), BinError> {
    binary::encode(&cursor.point, &mut out.bytes)?;
    out.bool(cursor.input_needs_wrap);
    for index in [CharsetIndex::G0, CharsetIndex::G1, CharsetIndex::G2, CharsetIndex::G3] {
        out.bool(cursor.charsets[index] == StandardCharset::SpecialCharacterAndLineDrawing);
    }
    binary::encode(&cursor.template, &mut out.bytes)
}

fn read_cursor(input: &mut Reader<'_>, size: &Size) -> Result<Cursor, CheckpointError> {
    let point: Point = binary::decode(&mut input.bytes, CELL_BUDGET)?;
    if point.line.0 < 0 || point.line.0 >= i32::from(size.rows) || point.column.0 >= usize::from(size.cols) {
        return Err(CheckpointError::Content("a cursor is outside the screen"));
    }
    let mut cursor = Cursor { point, input_needs_wrap: input.bool()?, ..Cursor::default() };
    for index in [CharsetIndex::G0, CharsetIndex::G1, CharsetIndex::G2, CharsetIndex::G3] {
        if input.bool()? {
            cursor.charsets[index] = StandardCharset::SpecialCharacterAndLineDrawing;
        }
    }
    cursor.template = binary::decode(&mut input.bytes, CELL_BUDGET)?;
    Ok(cursor)
}

/// Elements a lone cursor's fields may hold (a cell's zero-width characters).
const CELL_BUDGET: u64 = 1 << 16;

/// Cached rows the emulator may keep beyond its lines (it grows its storage 1,000 rows
/// at a time).
const CACHED_ROWS: u64 = 1_000;

fn write_grid(out: &mut Writer, grid: &Grid<Cell>) -> Result<(), BinError> {
    write_cursor(out, &grid.cursor)?;
    write_cursor(out, &grid.saved_cursor)?;
    binary::encode(grid, &mut out.bytes)
}

/// A grid of `size` with up to `history_limit` lines of scrollback, as `write_grid` wrote
/// it, checked against the size before the emulator indexes it.
fn read_grid(
    input: &mut Reader<'_>,
    size: &Size,
    history_limit: usize,
) -> Result<Grid<Cell>, CheckpointError> {
    let cursor = read_cursor(input, size)?;
    let saved_cursor = read_cursor(input, size)?;
    let cols = u64::from(size.cols);
    let rows = history_limit as u64 + u64::from(size.rows) + CACHED_ROWS;
    let budget = rows.saturating_mul(cols + 1).saturating_add(rows + CELL_BUDGET);
    let mut grid: Grid<Cell> = binary::decode(&mut input.bytes, budget)?;
    check_grid(&grid, size, history_limit)?;
    grid.cursor = cursor;
    grid.saved_cursor = saved_cursor;
    Ok(grid)
}

fn check_grid(grid: &Grid<Cell>, size: &Size, history_limit: usize) -> Result<(), CheckpointError> {
    let cols = usize::from(size.cols);
    if grid.columns() != cols || grid.screen_lines() != usize::from(size.rows) {
        return Err(CheckpointError::Content("a grid's size does not match the screen's"));
    }
    if grid.total_lines() < grid.screen_lines()
        || grid.history_size() > history_limit
        || grid.display_offset() != 0
    {
        return Err(CheckpointError::Content("a grid's scrollback is out of range"));
    }
    let top = -i32::try_from(grid.history_size()).map_err(|_| Damaged)?;
    if (top..i32::from(size.rows)).any(|line| grid[Line(line)].len() != cols) {
        return Err(CheckpointError::Content("a grid row has the wrong width"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
