//! Projection of a Live View frame onto the dashboard's pane (pure; never reflows, never
//! stretches).
//!
//! [`project`] turns a [`Snapshot`] into a grid of [`ProjectedCell`]s that fits a pane of
//! `pane_cols` × `pane_rows`:
//!
//! * [`Mode::OneToOne`]: one terminal cell per pane cell. The window starts at the pan
//!   offset, clamped to `[0, max(0, rows − pane_rows)] × [0, max(0, cols − pane_cols)]`,
//!   and is `min(pane, remaining)` big: a screen smaller than the pane is shown at its own
//!   size (letterbox: no padding cells). [`Projection::truncated`] marks the edges past
//!   which the screen continues; the cursor cell is flagged when the cursor is visible.
//! * [`Mode::Overview`]: the whole screen scaled down by integer factors
//!   `scale = max(1, ceil(size / pane))` per axis; each output cell summarises its block
//!   by ink density (`' '` for none, else `░ ▒ ▓ █` by `ceil(density × 4)`) in the colour
//!   of the block's first inked cell. No cursor, no truncation, pan reported as `(0, 0)`.
//!
//! # Cell source
//!
//! `snapshot.cells` when present (column-indexed; a row or column it omits is a default
//! blank, since the snapshot leaves out trailing default cells and all-default rows);
//! otherwise the `col`-th code point of `visible_lines[row]`, else `' '`.
//!
//! # Wide glyphs
//!
//! A wide glyph's cell carries the glyph and its right-hand **spacer** column is a cell
//! whose `text` is `""`: the renderer must draw the glyph (it occupies two columns) and
//! **skip** the spacer, so every output row still spans exactly its width in columns. A
//! wide glyph cut in half by the window's left or right edge is replaced by a blank `' '`
//! (keeping its style), so the row's width never changes. In overview, a spacer counts as
//! inked (the glyph covers it).

use agent_tty_vt::{Cell, Snapshot, Style};

/// How the frame is fitted to the pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One terminal cell per pane cell, clipped to the pane and panned.
    OneToOne,
    /// The whole screen, scaled down into density glyphs.
    Overview,
}

/// One output cell.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectedCell {
    /// One grapheme cluster; `' '` for a blank; `""` for the spacer column of a wide
    /// glyph drawn in the cell before it (the renderer skips it).
    pub text: String,
    /// Colours and attributes (default in overview except `fg`).
    pub style: Style,
    /// The terminal cursor is on this cell (draw it in inverse).
    pub cursor: bool,
}

/// Which edges of the screen lie outside the projected window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Edges {
    /// Rows above the window are hidden.
    pub top: bool,
    /// Rows below the window are hidden.
    pub bottom: bool,
    /// Columns left of the window are hidden.
    pub left: bool,
    /// Columns right of the window are hidden.
    pub right: bool,
}

/// The projected grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// Output rows, top to bottom, each with one entry per column (a wide glyph's spacer
    /// included); all rows have the same length. At most `pane_rows` × `pane_cols`.
    pub rows: Vec<Vec<ProjectedCell>>,
    /// Truncated edges (always none in overview).
    pub truncated: Edges,
    /// The `(row, col)` pan offset actually used, after clamping (`(0, 0)` in overview).
    pub pan: (u16, u16),
}

/// Projects `snapshot` onto a `pane_cols` × `pane_rows` pane in `mode`, panned by
/// `pan = (row, col)` (one-to-one only; clamped).
pub fn project(
    snapshot: &Snapshot,
    pane_cols: u16,
    pane_rows: u16,
    mode: Mode,
    pan: (u16, u16),
) -> Projection {
    let grid = Grid::new(snapshot);
    match mode {
        Mode::OneToOne => one_to_one(&grid, snapshot, pane_cols, pane_rows, pan),
        Mode::Overview => overview(&grid, pane_cols, pane_rows),
    }
}

fn one_to_one(
    grid: &Grid<'_>,
    snapshot: &Snapshot,
    pane_cols: u16,
    pane_rows: u16,
    pan: (u16, u16),
) -> Projection {
    let (cols, rows) = (grid.cols, grid.rows);
    let top = pan.0.min(rows.saturating_sub(pane_rows));
    let left = pan.1.min(cols.saturating_sub(pane_cols));
    let height = pane_rows.min(rows - top);
    let width = pane_cols.min(cols - left);
    let cursor = snapshot.cursor_visible.then_some((snapshot.cursor_row, snapshot.cursor_col));
    let out = (top..top + height)
        .map(|row| {
            (left..left + width)
                .map(|col| {
                    let source = grid.cell(row, col);
                    let cut_spacer = source.spacer && col == left;
                    let cut_wide = source.wide && col + 1 == left + width;
                    let text = if cut_spacer || cut_wide {
                        " ".to_owned()
                    } else if source.spacer {
                        String::new()
                    } else {
                        source.text.to_owned()
                    };
                    ProjectedCell { text, style: source.style, cursor: cursor == Some((row, col)) }
                })
                .collect()
        })
        .collect();
    let truncated =
        Edges { top: top > 0, bottom: top + height < rows, left: left > 0, right: left + width < cols };
    Projection { rows: out, truncated, pan: (top, left) }
}

fn overview(grid: &Grid<'_>, pane_cols: u16, pane_rows: u16) -> Projection {
    let (cols, rows) = (usize::from(grid.cols), usize::from(grid.rows));
    let scale_x = cols.div_ceil(usize::from(pane_cols.max(1))).max(1);
    let scale_y = rows.div_ceil(usize::from(pane_rows.max(1))).max(1);
    let out = (0..rows.div_ceil(scale_y))
        .map(|by| {
            (0..cols.div_ceil(scale_x))
                .map(|bx| {
                    let block_rows = by * scale_y..((by + 1) * scale_y).min(rows);
                    let block_cols = bx * scale_x..((bx + 1) * scale_x).min(cols);
                    summarise(grid, block_rows, block_cols)
                })
                .collect()
        })
        .collect();
    Projection { rows: out, truncated: Edges::default(), pan: (0, 0) }
}

/// The density glyph of one block.
fn summarise(grid: &Grid<'_>, rows: std::ops::Range<usize>, cols: std::ops::Range<usize>) -> ProjectedCell {
    let total = rows.len() * cols.len();
    let mut inked = 0usize;
    let mut fg = None;
    for row in rows {
        for col in cols.clone() {
            let source = grid.cell(to_u16(row), to_u16(col));
            if source.spacer || !is_blank(source.text) {
                inked += 1;
                fg.get_or_insert(source.style.fg);
            }
        }
    }
    let text = match (4 * inked).div_ceil(total.max(1)) {
        0 => " ",
        1 => "░",
        2 => "▒",
        3 => "▓",
        _ => "█",
    };
    let style = Style { fg: fg.unwrap_or_default(), ..Style::default() };
    ProjectedCell { text: text.to_owned(), style, cursor: false }
}

fn is_blank(text: &str) -> bool {
    text.is_empty() || text == " "
}

/// One source cell, blank text already turned into `' '`.
struct Source<'a> {
    text: &'a str,
    style: Style,
    wide: bool,
    spacer: bool,
}

/// Random access to a snapshot's cells (see the module docs for the source rules).
struct Grid<'a> {
    cols: u16,
    rows: u16,
    /// Per visible row: its cells (when the snapshot has cells) or its text.
    lines: Vec<Line<'a>>,
}

enum Line<'a> {
    Cells(&'a [Cell]),
    /// Byte offsets of each code point of the row's text, and the text.
    Text(Vec<usize>, &'a str),
}

impl<'a> Grid<'a> {
    fn new(snapshot: &'a Snapshot) -> Self {
        let rows = usize::from(snapshot.rows);
        let lines = match &snapshot.cells {
            Some(cell_rows) => {
                let mut lines: Vec<Line<'a>> = (0..rows).map(|_| Line::Cells(&[])).collect();
                for cell_row in cell_rows {
                    if let Some(line) = lines.get_mut(usize::from(cell_row.row)) {
                        *line = Line::Cells(&cell_row.cells);
                    }
                }
                lines
            }
            None => (0..rows)
                .map(|row| {
                    let text = snapshot.visible_lines.get(row).map_or("", String::as_str);
                    Line::Text(text.char_indices().map(|(i, _)| i).collect(), text)
                })
                .collect(),
        };
        Grid { cols: snapshot.cols, rows: snapshot.rows, lines }
    }

    fn cell(&self, row: u16, col: u16) -> Source<'a> {
        let blank = Source { text: " ", style: Style::default(), wide: false, spacer: false };
        let col = usize::from(col);
        match self.lines.get(usize::from(row)) {
            Some(Line::Cells(cells)) => cells.get(col).map_or(blank, |cell| Source {
                text: if cell.text.is_empty() { " " } else { &cell.text },
                style: cell.style,
                wide: cell.wide,
                spacer: cell.spacer,
            }),
            Some(Line::Text(starts, text)) => match starts.get(col) {
                Some(&start) => {
                    let end = starts.get(col + 1).copied().unwrap_or(text.len());
                    Source { text: &text[start..end], ..blank }
                }
                None => blank,
            },
            None => blank,
        }
    }
}

fn to_u16(value: usize) -> u16 {
    u16::try_from(value).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use agent_tty_vt::{Color, Screen, SnapshotOptions};

    use super::*;

    fn snapshot(cols: u16, rows: u16, bytes: &str) -> Snapshot {
        let mut screen = Screen::new(cols, rows);
        screen.feed(bytes.as_bytes(), 0);
        screen.snapshot(SnapshotOptions { scrollback: false, cells: true })
    }

    fn text(projection: &Projection) -> Vec<String> {
        projection.rows.iter().map(|row| row.iter().map(|cell| cell.text.as_str()).collect()).collect()
    }

    /// 20 × 10, row `r` is `r` repeated plus the column's letter: "0abcdefghijklmnopqrs".
    fn lettered() -> Snapshot {
        let rows: Vec<String> = (0..10).map(|r| format!("{r}abcdefghijklmnopqrs")).collect();
        snapshot(20, 10, &rows.join("\r\n"))
    }

    #[test]
    fn one_to_one_clips_pans_and_flags() {
        let snap = lettered();
        let p = project(&snap, 8, 4, Mode::OneToOne, (3, 5));
        assert_eq!(text(&p), ["efghijkl"; 4]);
        assert_eq!(p.pan, (3, 5));
        assert_eq!(p.truncated, Edges { top: true, bottom: true, left: true, right: true });

        let p = project(&snap, 8, 4, Mode::OneToOne, (0, 0));
        assert_eq!(text(&p), ["0abcdefg", "1abcdefg", "2abcdefg", "3abcdefg"]);
        assert_eq!(p.truncated, Edges { top: false, bottom: true, left: false, right: true });

        let p = project(&snap, 8, 4, Mode::OneToOne, (100, 100));
        assert_eq!(p.pan, (6, 12), "clamped to rows - paneRows, cols - paneCols");
        assert_eq!(text(&p), ["lmnopqrs"; 4]);
        assert_eq!(p.truncated, Edges { top: true, bottom: false, left: true, right: false });
    }

    #[test]
    fn a_small_screen_is_letterboxed() {
        let snap = snapshot(10, 3, "hi");
        let p = project(&snap, 40, 20, Mode::OneToOne, (5, 5));
        assert_eq!(text(&p), ["hi        ", "          ", "          "]);
        assert_eq!((p.pan, p.truncated), ((0, 0), Edges::default()));
    }

    #[test]
    fn the_cursor_cell_is_flagged_when_visible() {
        let snap = snapshot(10, 3, "ab\x1b[31mc");
        let p = project(&snap, 10, 3, Mode::OneToOne, (0, 0));
        let flagged: Vec<(usize, usize)> =
            (0..3).flat_map(|r| (0..10).map(move |c| (r, c))).filter(|&(r, c)| p.rows[r][c].cursor).collect();
        assert_eq!(flagged, [(0, 3)]);
        assert_eq!(p.rows[0][2].style.fg, Color::Indexed(1));
        let panned = project(&snap, 2, 2, Mode::OneToOne, (0, 2));
        assert!(panned.rows[0][1].cursor);
        let hidden = snapshot(10, 3, "ab\x1b[?25l");
        let p = project(&hidden, 10, 3, Mode::OneToOne, (0, 0));
        assert!(p.rows.iter().flatten().all(|cell| !cell.cursor));
    }

    #[test]
    fn wide_glyphs_keep_their_spacer_and_are_blanked_when_cut() {
        let snap = snapshot(10, 2, "日本x");
        let p = project(&snap, 10, 2, Mode::OneToOne, (0, 0));
        let row: Vec<&str> = p.rows[0].iter().map(|c| c.text.as_str()).collect();
        assert_eq!(row[..6], ["日", "", "本", "", "x", " "]);
        let p = project(&snap, 3, 2, Mode::OneToOne, (0, 1));
        let row: Vec<&str> = p.rows[0].iter().map(|c| c.text.as_str()).collect();
        assert_eq!(row, [" ", "本", ""], "a spacer without its glyph is blank");
        let p = project(&snap, 3, 2, Mode::OneToOne, (0, 0));
        let row: Vec<&str> = p.rows[0].iter().map(|c| c.text.as_str()).collect();
        assert_eq!(row, ["日", "", " "], "a glyph without its spacer is blank");
    }

    #[test]
    fn text_is_the_fallback_without_cells() {
        let mut snap = snapshot(6, 2, "a\u{e9}b\r\nz");
        snap.cells = None;
        let p = project(&snap, 6, 2, Mode::OneToOne, (0, 0));
        assert_eq!(text(&p), ["a\u{e9}b   ", "z     "]);
    }

    #[test]
    fn overview_summarises_blocks_by_density_and_colour() {
        // Blocks of 2 × 2: 0, 1, 3, 4 and 2 inked cells.
        let bytes = "  \x1b[31ma\x1b[0m  \x1b[32mb\x1b[0meef\r\n    cd\x1b[34me\x1b[0meg";
        let snap = snapshot(10, 2, bytes);
        let p = project(&snap, 5, 1, Mode::Overview, (7, 7));
        assert_eq!(text(&p), [" ░▓█▒"]);
        let fgs: Vec<Color> = p.rows[0].iter().map(|cell| cell.style.fg).collect();
        let (red, green) = (Color::Indexed(1), Color::Indexed(2));
        assert_eq!(fgs, [Color::Default, red, green, Color::Default, Color::Default]);
        assert!(
            p.rows[0]
                .iter()
                .all(|cell| !cell.cursor && Style { fg: Color::Default, ..cell.style } == Style::default())
        );
        assert_eq!((p.pan, p.truncated), ((0, 0), Edges::default()));
    }

    #[test]
    fn overview_sizes_are_ceil_divisions() {
        let snap = lettered(); // 20 × 10
        let p = project(&snap, 6, 4, Mode::Overview, (0, 0));
        // scaleX = ceil(20 / 6) = 4, scaleY = ceil(10 / 4) = 3 ⇒ 5 × 4.
        assert_eq!((p.rows.len(), p.rows[0].len()), (4, 5));
        assert_eq!(text(&p)[3], "█████", "a clipped edge block counts only its own cells");
        let p = project(&snap, 80, 24, Mode::Overview, (0, 0));
        assert_eq!((p.rows.len(), p.rows[0].len()), (10, 20));
        assert!(p.rows.iter().flatten().all(|cell| cell.text == "█"));
    }
}
