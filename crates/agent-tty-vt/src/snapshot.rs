//! The semantic [`Snapshot`] of a [`Screen`](crate::Screen): size, cursor, modes,
//! title, the canonical visible lines (and optionally scrollback and a per-cell
//! style grid), plus the Screen Hash.
//!
//! # Canonical lines (the single definition)
//!
//! Every line of text this crate reports — [`Snapshot::visible_lines`],
//! [`Snapshot::scrollback_lines`] and [`Screen::visible_lines`](crate::Screen::visible_lines)
//! — is built by one function, walking the row's columns `0..cols`:
//!
//! * the trailing spacer column of a wide glyph contributes nothing, and neither
//!   does the placeholder left at the end of a row when a wide glyph wrapped to
//!   the next row;
//! * a blank cell contributes one `' '` (a cell the horizontal tab moved over is
//!   blank: the emulator marks the cell where a tab started with `'\t'`, which is
//!   reported as `' '`, exactly like a terminal that writes nothing there);
//! * any other cell contributes its whole grapheme cluster: the base character
//!   followed by the zero-width characters (combining marks, ZWJ, variation
//!   selectors) stored with it;
//! * trailing U+0020 are stripped — only U+0020: NBSP and other whitespace survive.
//!
//! Interior gaps therefore survive as spaces and an all-blank row is `""`.
//!
//! # Screen Hash
//!
//! Lowercase hex SHA-256 of the UTF-8 bytes of the canonical text, which is the
//! canonical visible lines joined with `"\n"` (no trailing newline). It never
//! reads styles, cursor, title or scrollback.

use alacritty_terminal::Term;
use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::Line;
use alacritty_terminal::term::TermMode;
use alacritty_terminal::term::cell::{Cell as GridCell, Flags};
use alacritty_terminal::vte::ansi::{Color as AnsiColor, NamedColor};
use sha2::{Digest, Sha256};

/// What to include in a [`Snapshot`] besides the always-present fields.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotOptions {
    /// Fill [`Snapshot::scrollback_lines`].
    pub scrollback: bool,
    /// Fill [`Snapshot::cells`].
    pub cells: bool,
}

/// The semantic state of a screen at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Width in columns.
    pub cols: u16,
    /// Height in rows.
    pub rows: u16,
    /// Cursor row, 0-based, always `< rows`.
    pub cursor_row: u16,
    /// Cursor column, 0-based, always `< cols`.
    pub cursor_col: u16,
    /// Whether the cursor is shown (DECTCEM, `CSI ?25h/l`).
    pub cursor_visible: bool,
    /// Whether the alternate screen buffer is active.
    pub is_alt_screen: bool,
    /// The window title set with OSC 0 or OSC 2, if any (an empty title is `None`).
    pub title: Option<String>,
    /// Exactly `rows` canonical lines, top to bottom (see the module docs).
    pub visible_lines: Vec<String>,
    /// Only when requested: the rows that scrolled off the top, oldest first, as
    /// canonical lines; `[]` when nothing scrolled off. Always `[]` while the
    /// alternate screen is active (it has no scrollback; the primary screen's
    /// history is not shown).
    pub scrollback_lines: Option<Vec<String>>,
    /// Only when requested: one [`CellRow`] per visible row that has at least one
    /// non-blank or styled cell, top to bottom.
    pub cells: Option<Vec<CellRow>>,
}

/// The cells of one visible row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRow {
    /// Visible row, 0-based.
    pub row: u16,
    /// `cells[col]` is terminal column `col`, up to and including the last cell
    /// that is not a plain default blank (earlier blanks are present as blanks).
    pub cells: Vec<Cell>,
}

/// One terminal cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The grapheme cluster shown in this cell; `""` for a blank cell and for the
    /// spacer column after a wide glyph.
    pub text: String,
    /// Colours and attributes.
    pub style: Style,
    /// This cell holds a wide glyph (its next column is a spacer).
    pub wide: bool,
    /// This cell is the trailing column of the wide glyph before it.
    pub spacer: bool,
}

/// Colours and attributes of a cell, as the program set them (inverse video is
/// a flag, not applied to `fg`/`bg`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Foreground colour.
    pub fg: Color,
    /// Background colour.
    pub bg: Color,
    /// SGR 1.
    pub bold: bool,
    /// SGR 2 (faint).
    pub dim: bool,
    /// SGR 3.
    pub italic: bool,
    /// SGR 4 (any underline style: single, double, curly, dotted, dashed).
    pub underline: bool,
    /// SGR 9.
    pub strikethrough: bool,
    /// SGR 7.
    pub inverse: bool,
    /// SGR 8 (concealed).
    pub hidden: bool,
}

/// A cell colour.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// The terminal's default foreground or background.
    #[default]
    Default,
    /// A palette index: 0–15 are the named ANSI colours (8–15 the bright ones),
    /// 16–231 the 6×6×6 cube, 232–255 the grey ramp. See [`indexed_rgb`](crate::palette::indexed_rgb).
    Indexed(u8),
    /// A direct (truecolour) colour.
    Rgb(u8, u8, u8),
}

/// The Screen Hash of `lines`: lowercase hex SHA-256 of `lines.join("\n")`.
///
/// The lines are hashed verbatim (no trimming or normalisation).
pub fn screen_hash(lines: &[&str]) -> String {
    hash_lines(lines.iter().copied())
}

impl Snapshot {
    /// The canonical text: [`Snapshot::visible_lines`] joined with `"\n"`.
    pub fn canonical_text(&self) -> String {
        self.visible_lines.join("\n")
    }

    /// The Screen Hash of [`Snapshot::canonical_text`].
    pub fn screen_hash(&self) -> String {
        hash_lines(self.visible_lines.iter().map(String::as_str))
    }
}

/// SHA-256 of the lines joined with `"\n"`, without building the joined string.
fn hash_lines<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let mut hasher = Sha256::new();
    for (i, line) in lines.enumerate() {
        if i > 0 {
            hasher.update(b"\n");
        }
        hasher.update(line.as_bytes());
    }
    let mut hex = String::with_capacity(64);
    for byte in hasher.finalize() {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// Build the snapshot of `term` (the body of [`Screen::snapshot`](crate::Screen::snapshot)).
pub(crate) fn build<T>(term: &Term<T>, title: Option<&str>, options: SnapshotOptions) -> Snapshot {
    let grid = term.grid();
    let cols = grid.columns();
    let rows = grid.screen_lines();
    let point = grid.cursor.point;
    let cursor_row = usize::try_from(point.line.0).unwrap_or(0).min(rows.saturating_sub(1));
    let cursor_col = point.column.0.min(cols.saturating_sub(1));

    let visible_lines = (0..rows).map(|row| canonical_line(&grid[line(row)][..], cols)).collect();
    let scrollback_lines = options.scrollback.then(|| {
        let history = grid.history_size();
        (1..=history).rev().map(|back| canonical_line(&grid[history_line(back)][..], cols)).collect()
    });
    let cells = options
        .cells
        .then(|| (0..rows).filter_map(|row| cell_row(to_u16(row), &grid[line(row)][..], cols)).collect());

    Snapshot {
        cols: to_u16(cols),
        rows: to_u16(rows),
        cursor_row: to_u16(cursor_row),
        cursor_col: to_u16(cursor_col),
        cursor_visible: term.mode().contains(TermMode::SHOW_CURSOR),
        is_alt_screen: term.mode().contains(TermMode::ALT_SCREEN),
        title: title.map(str::to_owned),
        visible_lines,
        scrollback_lines,
        cells,
    }
}

/// The canonical text of one grid row (see the module docs).
pub(crate) fn canonical_line(cells: &[GridCell], cols: usize) -> String {
    let skip = Flags::WIDE_CHAR_SPACER | Flags::LEADING_WIDE_CHAR_SPACER;
    let mut text = String::with_capacity(cols);
    for cell in cells.iter().take(cols) {
        if cell.flags.intersects(skip) {
            continue;
        }
        if is_blank_char(cell.c) {
            text.push(' ');
        } else {
            text.push(cell.c);
        }
        if let Some(zero_width) = cell.zerowidth() {
            text.extend(zero_width);
        }
    }
    text.truncate(text.trim_end_matches(' ').len());
    text
}

/// The text of one grid row as [`canonical_line`] builds it but not trimmed, with the
/// cell behind each character: `(byte offset in the text, first column, last column)`
/// for each cell's first character (a wide character covers two columns; zero-width
/// characters join their base's cell).
pub(crate) fn line_with_columns(cells: &[GridCell], cols: usize) -> (String, Vec<(usize, u16, u16)>) {
    let skip = Flags::WIDE_CHAR_SPACER | Flags::LEADING_WIDE_CHAR_SPACER;
    let mut text = String::with_capacity(cols);
    let mut columns = Vec::with_capacity(cols);
    for (col, cell) in cells.iter().take(cols).enumerate() {
        if cell.flags.intersects(skip) {
            continue;
        }
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        let last = if cell.flags.contains(Flags::WIDE_CHAR) { col.saturating_add(1) } else { col };
        columns.push((text.len(), col, last));
        text.push(if is_blank_char(cell.c) { ' ' } else { cell.c });
        if let Some(zero_width) = cell.zerowidth() {
            text.extend(zero_width);
        }
    }
    (text, columns)
}

/// A character that leaves its cell blank: the default space, the mark the
/// emulator leaves where a horizontal tab started, and NUL.
fn is_blank_char(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\0')
}

/// The cells of one visible row, or `None` when every cell is a default blank.
fn cell_row(row: u16, cells: &[GridCell], cols: usize) -> Option<CellRow> {
    let mut out: Vec<Cell> = cells.iter().take(cols).map(convert_cell).collect();
    let used = out.iter().rposition(|cell| !is_default_cell(cell))? + 1;
    out.truncate(used);
    Some(CellRow { row, cells: out })
}

fn is_default_cell(cell: &Cell) -> bool {
    cell.text.is_empty() && !cell.wide && !cell.spacer && cell.style == Style::default()
}

fn convert_cell(cell: &GridCell) -> Cell {
    let flags = cell.flags;
    let spacer = flags.contains(Flags::WIDE_CHAR_SPACER);
    let mut text = String::new();
    let blank = is_blank_char(cell.c) && cell.zerowidth().is_none_or(<[char]>::is_empty);
    if !spacer && !flags.contains(Flags::LEADING_WIDE_CHAR_SPACER) && !blank {
        text.push(if is_blank_char(cell.c) { ' ' } else { cell.c });
        if let Some(zero_width) = cell.zerowidth() {
            text.extend(zero_width);
        }
    }
    Cell {
        text,
        style: Style {
            fg: convert_color(cell.fg),
            bg: convert_color(cell.bg),
            bold: flags.contains(Flags::BOLD),
            dim: flags.contains(Flags::DIM),
            italic: flags.contains(Flags::ITALIC),
            underline: flags.intersects(Flags::ALL_UNDERLINES),
            strikethrough: flags.contains(Flags::STRIKEOUT),
            inverse: flags.contains(Flags::INVERSE),
            hidden: flags.contains(Flags::HIDDEN),
        },
        wide: flags.contains(Flags::WIDE_CHAR),
        spacer,
    }
}

fn convert_color(color: AnsiColor) -> Color {
    match color {
        AnsiColor::Spec(rgb) => Color::Rgb(rgb.r, rgb.g, rgb.b),
        AnsiColor::Indexed(index) => Color::Indexed(index),
        AnsiColor::Named(named) => {
            let index = named as usize;
            let dim_black = NamedColor::DimBlack as usize;
            match index {
                0..=15 => Color::Indexed(index as u8),
                _ if (dim_black..dim_black + 8).contains(&index) => Color::Indexed((index - dim_black) as u8),
                // Foreground, Background, Cursor, BrightForeground, DimForeground.
                _ => Color::Default,
            }
        }
    }
}

/// Grid line of visible row `row` (0 = top of the screen).
fn line(row: usize) -> Line {
    Line(i32::try_from(row).unwrap_or(i32::MAX))
}

/// Grid line `back` rows above the top of the screen (1 = newest history row).
fn history_line(back: usize) -> Line {
    Line(-i32::try_from(back).unwrap_or(i32::MAX))
}

fn to_u16(value: usize) -> u16 {
    u16::try_from(value).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests;
