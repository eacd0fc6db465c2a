//! The redraw sequence of a screen: escape sequences that, fed to a fresh terminal of
//! the same size, paint the same picture (see [`Screen::redraw_sequence`](crate::Screen::redraw_sequence)).
//!
//! What it reproduces: the visible cells with their text (wide glyphs and zero-width
//! characters included), colours and attributes; which rows are soft-wrapped into the
//! next (so a later resize reflows them alike); the cursor position and visibility; the
//! alternate screen; the title; auto-wrap and insert mode. What it does not: the
//! scrollback, the primary screen's content while the alternate screen is shown, a
//! scroll region, origin mode, character sets and tab stops — state a fresh terminal
//! starts without, which later output may rely on. One cell state is painted as a plain
//! blank: the placeholder a wide glyph leaves at a row's end when it wraps, moved into
//! the row by inserting or deleting characters (the canonical text skips it, so such a
//! row's text, and the Screen Hash, differ by that blank). Editing can split other
//! halves of wide glyphs too; the redraw rebuilds a spacer without its glyph and a
//! glyph without its spacer, but gives a spacer its glyph's style (the spacer's own is
//! not shown), and paints a spacer without its glyph as a blank where it cannot be
//! rebuilt (at the start of a row, or the end of a wrapping one).

use std::fmt::Write as _;

use crate::snapshot::{Cell, CellRow, Color, Snapshot, Style};

/// Modes of the screen the redraw restores, besides what a [`Snapshot`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Modes {
    /// Auto-wrap (DECAWM, `CSI ?7h`); on in a fresh terminal.
    pub auto_wrap: bool,
    /// Insert mode (IRM, `CSI 4h`).
    pub insert: bool,
}

/// The redraw sequence of `snapshot` (taken with cells); `wrapped[row]` says whether
/// visible row `row` continues into the next one (a soft wrap).
pub(crate) fn sequence(snapshot: &Snapshot, wrapped: &[bool], modes: Modes) -> String {
    let mut out = String::new();
    if snapshot.is_alt_screen {
        out.push_str("\x1b[?1049h");
    }
    // Default attributes, auto-wrap on while painting, cursor home, screen cleared from
    // there (`CSI J`, not `CSI 2J`: that pushes the screen into the scrollback, where a
    // later widening would pull a blank line back from).
    out.push_str("\x1b[0m\x1b[4l\x1b[?7h\x1b[H\x1b[J");
    let empty: &[CellRow] = &[];
    let rows = snapshot.cells.as_deref().unwrap_or(empty);
    let cols = usize::from(snapshot.cols);
    let last_row = snapshot.rows.saturating_sub(1);
    let wraps = |row: u16| row < last_row && wrapped.get(usize::from(row)).copied().unwrap_or(false);
    // Whether the row ends with a wide glyph in its last column (see `broken_halves`).
    let last_wide =
        |row: &CellRow| cols >= 2 && !wraps(row.row) && row.cells.len() == cols && row.cells[cols - 1].wide;
    let mut pen = Style::default();
    for row in rows {
        broken_halves(&mut out, &mut pen, row, cols, last_wide(row));
    }
    // Whether the previous row wrapped into this one: the text goes on without a jump.
    let mut continues = false;
    let mut next = rows.iter().peekable();
    for row in 0..snapshot.rows {
        let cell_row = next.next_if(|r| r.row == row);
        let cells: &[Cell] = cell_row.map_or(&[], |r| r.cells.as_slice());
        let wraps = wraps(row);
        if cells.is_empty() && !wraps && !continues {
            continue;
        }
        if !continues {
            let _ = write!(out, "\x1b[{};1H", row + 1);
        }
        // A wrapping row is written to its last column, so the next glyph wraps; a
        // continued row needs at least one glyph to make the wrap happen; a wide glyph
        // that lost its spacer needs the column after it; a wide glyph in the last
        // column is already there.
        let orphan_wide_end = cells.last().is_some_and(|c| c.wide) && cells.len() < cols;
        let width = if cell_row.is_some_and(last_wide) {
            cols - 1
        } else if wraps {
            cols
        } else {
            (cells.len() + usize::from(orphan_wide_end)).max(usize::from(continues))
        };
        paint_row(&mut out, &mut pen, row, cells, width, wraps);
        continues = wraps;
    }
    if pen != Style::default() {
        out.push_str("\x1b[0m");
    }
    if let Some(title) = &snapshot.title {
        let title: String = title.chars().filter(|c| !c.is_control()).collect();
        let _ = write!(out, "\x1b]2;{title}\x07");
    }
    if !modes.auto_wrap {
        out.push_str("\x1b[?7l");
    }
    if modes.insert {
        out.push_str("\x1b[4h");
    }
    let _ = write!(out, "\x1b[{};{}H", snapshot.cursor_row + 1, snapshot.cursor_col + 1);
    out.push_str(if snapshot.cursor_visible { "\x1b[?25h" } else { "\x1b[?25l" });
    out
}

/// Rebuilds, before anything else is painted, the halves of wide glyphs that editing a
/// line (inserting, deleting or erasing characters) split apart, which stay in the grid:
///
/// - a spacer whose glyph is gone: a wide placeholder is written over it and the column
///   before, and that column erased (`CSI X` leaves the spacer alone);
/// - a wide glyph pushed into the last column without its spacer (`last_wide`), where it
///   cannot be written: it is written a column earlier and pushed over with `CSI @`.
///
/// The row's painting then writes around them (a glyph that lost its spacer is handled
/// there).
fn broken_halves(out: &mut String, pen: &mut Style, row: &CellRow, cols: usize, last_wide: bool) {
    let line = row.row + 1;
    let mut set_pen = |out: &mut String, style: Style| {
        if style != *pen {
            out.push_str(&sgr(&style));
            *pen = style;
        }
    };
    if last_wide {
        let cell = &row.cells[cols - 1];
        set_pen(out, cell.style);
        let col = cols - 1;
        let _ = write!(out, "\x1b[{line};{col}H{}\x1b[{line};{col}H\x1b[@", cell.text);
    }
    for col in 1..row.cells.len() {
        let (before, cell) = (&row.cells[col - 1], &row.cells[col]);
        if cell.spacer && !before.wide {
            set_pen(out, cell.style);
            let _ = write!(out, "\x1b[{line};{col}H{PLACEHOLDER}\x1b[{line};{col}H\x1b[X");
        }
    }
}

/// Paints columns `0..width` of visible row `row`, starting with the cursor at its
/// column 0 (after a jump there, or a pending wrap from the row above). Each cell is
/// written in turn (a wide glyph covers its spacer column); spacers whose glyph is gone
/// are already there ([`broken_halves`]) and are stepped over; a glyph whose spacer is
/// gone gets that spacer erased after it is written.
fn paint_row(out: &mut String, pen: &mut Style, row: u16, cells: &[Cell], width: usize, wraps: bool) {
    let blank = Cell { text: String::new(), style: Style::default(), wide: false, spacer: false };
    let cell_at = |col: usize| cells.get(col).unwrap_or(&blank);
    // The column the cursor is at, and a spacer the painting of a glyph left where the
    // grid has none.
    let mut at = 0;
    let mut stray_spacer = None;
    for col in 0..width {
        let cell = cell_at(col);
        // (A spacer without its glyph in the last column of a wrapping row is painted
        // over, as a blank: the wrap needs a glyph written there.)
        if cell.spacer && col > 0 && !(col + 1 == width && wraps && !cell_at(col - 1).wide) {
            continue;
        }
        if at != col {
            let _ = write!(out, "\x1b[{};{}H", row + 1, col + 1);
            at = col;
        }
        if stray_spacer.take() == Some(col) {
            out.push_str("\x1b[X");
        }
        if cell.style != *pen {
            out.push_str(&sgr(&cell.style));
            *pen = cell.style;
        }
        if cell.wide && col + 1 < width.max(cells.len()) {
            out.push_str(&cell.text);
            at += 2;
            if !cell_at(col + 1).spacer {
                stray_spacer = Some(col + 1);
            }
        } else {
            // (A spacer at column 0 cannot be rebuilt: a blank stands in.)
            out.push_str(if cell.text.is_empty() || cell.wide || cell.spacer { " " } else { &cell.text });
            at += 1;
        }
    }
}

/// A wide glyph written where a spacer without its glyph must be rebuilt (then erased).
const PLACEHOLDER: &str = "\u{4e00}";

/// The SGR sequence that sets exactly `style` (starting from a reset).
fn sgr(style: &Style) -> String {
    let mut codes = String::from("\x1b[0");
    let flags = [
        (style.bold, "1"),
        (style.dim, "2"),
        (style.italic, "3"),
        (style.underline, "4"),
        (style.inverse, "7"),
        (style.hidden, "8"),
        (style.strikethrough, "9"),
    ];
    for (on, code) in flags {
        if on {
            codes.push(';');
            codes.push_str(code);
        }
    }
    colour(&mut codes, style.fg, 30, 90, 38);
    colour(&mut codes, style.bg, 40, 100, 48);
    codes.push('m');
    codes
}

/// Appends the SGR parameters of `color`: `base + n` for the 8 ANSI colours, `bright +
/// n - 8` for the bright ones, `extended;5;n` for the other palette entries and
/// `extended;2;r;g;b` for truecolour.
fn colour(codes: &mut String, color: Color, base: u8, bright: u8, extended: u8) {
    let _ = match color {
        Color::Default => Ok(()),
        Color::Indexed(n @ 0..=7) => write!(codes, ";{}", base + n),
        Color::Indexed(n @ 8..=15) => write!(codes, ";{}", bright + n - 8),
        Color::Indexed(n) => write!(codes, ";{extended};5;{n}"),
        Color::Rgb(r, g, b) => write!(codes, ";{extended};2;{r};{g};{b}"),
    };
}

#[cfg(test)]
mod tests {
    use crate::{Screen, SnapshotOptions};

    const FULL: SnapshotOptions = SnapshotOptions { scrollback: false, cells: true };

    /// Feeds `bytes` to a `cols`×`rows` screen, feeds its redraw to a fresh screen of
    /// the same size, and checks both show the same snapshot (cells, cursor, modes,
    /// title) and Screen Hash; returns the redraw.
    fn round_trip(cols: u16, rows: u16, bytes: &[u8]) -> String {
        let mut original = Screen::new(cols, rows);
        original.feed(bytes, 0);
        let redraw = original.redraw_sequence();
        let mut copy = Screen::new(cols, rows);
        copy.feed(redraw.as_bytes(), 0);
        let (want, got) = (original.snapshot(FULL), copy.snapshot(FULL));
        assert_eq!(got, want, "redraw {redraw:?}");
        assert_eq!(got.screen_hash(), want.screen_hash());
        redraw
    }

    #[test]
    fn plain_text_and_the_cursor() {
        round_trip(20, 5, b"hello\r\nworld\x1b[4;7H");
        round_trip(20, 5, b"");
        round_trip(10, 3, b"a\tb\x1b[2;9Hxy");
    }

    #[test]
    fn colours_of_every_kind() {
        let redraw = round_trip(
            40,
            4,
            b"\x1b[31mred\x1b[92mgreen\x1b[38;5;200mpink\x1b[38;2;1;2;3mrgb\x1b[0m\r\n\
              \x1b[44mblue bg\x1b[103m \x1b[48;5;17m  \x1b[48;2;9;8;7mx\x1b[m\r\n\
              \x1b[39;49mplain",
        );
        assert!(redraw.contains("\x1b[0;31mred"), "{redraw:?}");
        assert!(redraw.contains("\x1b[0;38;5;200mpink"), "{redraw:?}");
        assert!(redraw.contains("\x1b[0;48;2;9;8;7mx"), "{redraw:?}");
    }

    #[test]
    fn attributes() {
        round_trip(
            60,
            3,
            b"\x1b[1mbold\x1b[22m \x1b[2mdim\x1b[0m \x1b[3mital\x1b[23m \x1b[4munder\x1b[24m \
              \x1b[7minverse\x1b[27m \x1b[8mhidden\x1b[28m \x1b[9mstrike\x1b[29m\r\n\
              \x1b[1;4;7;35;46mall at once\x1b[0m",
        );
    }

    #[test]
    fn wide_and_combining_characters() {
        round_trip(12, 3, "漢字 and 😀, cafe\u{301}".as_bytes());
        // A wide glyph that does not fit the last column wraps, leaving a spacer.
        round_trip(5, 3, "abcd漢x".as_bytes());
    }

    #[test]
    fn soft_wrapped_rows_reflow_alike() {
        let bytes = b"0123456789abcdefghijKLMNOPQRST\r\nshort";
        round_trip(8, 6, bytes);
        let mut original = Screen::new(8, 6);
        original.feed(bytes, 0);
        let mut copy = Screen::new(8, 6);
        copy.feed(original.redraw_sequence().as_bytes(), 0);
        original.resize(40, 6);
        copy.resize(40, 6);
        assert_eq!(copy.visible_lines(), original.visible_lines());
        assert_eq!(copy.visible_lines()[0], "0123456789abcdefghijKLMNOPQRST");
    }

    #[test]
    fn the_alternate_screen_title_and_modes() {
        let redraw = round_trip(20, 4, b"main\x1b]2;my title\x07\x1b[?1049h\x1b[2;3Hin alt\x1b[?25l");
        assert!(redraw.starts_with("\x1b[?1049h"), "{redraw:?}");
        let mut original = Screen::new(20, 4);
        original.feed(b"\x1b[?7l\x1b[4hab", 0);
        let mut copy = Screen::new(20, 4);
        copy.feed(original.redraw_sequence().as_bytes(), 0);
        // No auto-wrap, insert mode: the same later output lands alike.
        for screen in [&mut original, &mut copy] {
            screen.feed(b"\x1b[1;1HX\x1b[1;19H123456", 0);
        }
        assert_eq!(copy.snapshot(FULL), original.snapshot(FULL));
    }

    #[test]
    fn a_full_screen_does_not_scroll() {
        let mut bytes = Vec::new();
        for row in 0..4 {
            bytes.extend_from_slice(format!("\x1b[{};1H\x1b[4{row}m{}", row + 1, "#".repeat(10)).as_bytes());
        }
        round_trip(10, 4, &bytes);
    }

    /// Pieces of terminal output: text (ASCII, wide, combining), colours, attributes,
    /// cursor moves, erases of whole lines, line feeds, tabs, scrolling; with `editing`,
    /// also the line edits that can split a wide glyph from its spacer (erasing part of
    /// a line, inserting and deleting characters).
    fn piece(editing: bool) -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let edits: Vec<&str> = if editing {
            vec!["\x1b[K", "\x1b[1K", "\x1b[2P", "\x1b[3@", "\x1b[2X"]
        } else {
            vec!["\x1b[2K"]
        };
        prop_oneof![
            "[a-z ]{1,12}",
            Just("漢字".to_string()),
            Just("e\u{301}".to_string()),
            Just("\r\n".to_string()),
            Just("\t".to_string()),
            (0u8..8, 0u8..8).prop_map(|(f, b)| format!("\x1b[3{f};4{b}m")),
            (0u16..256).prop_map(|n| format!("\x1b[38;5;{n}m")),
            (0u8..255, 0u8..255, 0u8..255).prop_map(|(r, g, b)| format!("\x1b[48;2;{r};{g};{b}m")),
            prop::sample::select(vec!["1", "2", "3", "4", "7", "8", "9", "0", "22", "27"])
                .prop_map(|a| format!("\x1b[{a}m")),
            (1u16..9, 1u16..14).prop_map(|(r, c)| format!("\x1b[{r};{c}H")),
            prop::sample::select(vec!["\x1b[J", "\x1b[L", "\x1b[M", "\x1b[2S"]).prop_map(str::to_string),
            prop::sample::select(edits).prop_map(str::to_string),
            Just("\x1b[?25l".to_string()),
            Just("\x1b[?1049h".to_string()),
        ]
    }

    /// The visible lines as the cells show them: a blank for every cell that is not a
    /// spacer (so also for a wrapped wide glyph's placeholder that editing moved off the
    /// row's end, which the canonical text skips).
    fn text_of_cells(snapshot: &crate::Snapshot) -> Vec<String> {
        let mut lines = vec![String::new(); usize::from(snapshot.rows)];
        for row in snapshot.cells.as_deref().unwrap_or_default() {
            let line: String = row
                .cells
                .iter()
                .filter(|c| !c.spacer)
                .map(|c| if c.text.is_empty() { " " } else { c.text.as_str() })
                .collect();
            lines[usize::from(row.row)] = line.trim_end_matches(' ').to_string();
        }
        lines
    }

    /// The rows holding half of a wide glyph split by editing: a spacer without its
    /// glyph, a glyph without its spacer, or a wrapped glyph's placeholder moved into the
    /// row (seen only as text the cells do not show).
    fn broken_rows(snapshot: &crate::Snapshot) -> Vec<u16> {
        let text = text_of_cells(snapshot);
        let mut rows: Vec<u16> = (0..snapshot.rows)
            .filter(|&r| text[usize::from(r)] != snapshot.visible_lines[usize::from(r)])
            .collect();
        for row in snapshot.cells.as_deref().unwrap_or_default() {
            let cells = &row.cells;
            let split = (0..cells.len()).any(|c| {
                (cells[c].spacer && (c == 0 || !cells[c - 1].wide))
                    || (cells[c].wide && cells.get(c + 1).is_none_or(|n| !n.spacer))
            });
            if split {
                rows.push(row.row);
            }
        }
        rows
    }

    proptest::proptest! {
        #[test]
        fn any_output_round_trips(pieces in proptest::collection::vec(piece(false), 0..60)) {
            round_trip(13, 8, pieces.concat().as_bytes());
        }

        #[test]
        fn edited_lines_round_trip_but_for_split_wide_glyphs(
            pieces in proptest::collection::vec(piece(true), 0..60)
        ) {
            let mut original = Screen::new(13, 8);
            original.feed(pieces.concat().as_bytes(), 0);
            let want = original.snapshot(FULL);
            let broken = broken_rows(&want);
            let mut copy = Screen::new(13, 8);
            copy.feed(original.redraw_sequence().as_bytes(), 0);
            let got = copy.snapshot(FULL);
            proptest::prop_assert_eq!((got.cursor_row, got.cursor_col), (want.cursor_row, want.cursor_col));
            proptest::prop_assert_eq!(got.is_alt_screen, want.is_alt_screen);
            // A spacer shifted next to another glyph by inserting or deleting characters
            // keeps its own style, which nothing shows (the glyph covers it); the redraw
            // gives it the glyph's.
            let cells_of = |s: &crate::Snapshot, row: u16| {
                let mut cells = s.cells.as_deref().unwrap_or_default().iter().find(|r| r.row == row).cloned();
                if let Some(cells) = cells.as_mut().map(|r| &mut r.cells) {
                    for c in 1..cells.len() {
                        if cells[c].spacer && cells[c - 1].wide {
                            cells[c].style = cells[c - 1].style;
                        }
                    }
                }
                cells
            };
            for row in 0..want.rows {
                // A split glyph's row may differ, and so may the row it wraps into.
                if broken.iter().any(|&b| b == row || b + 1 == row) {
                    continue;
                }
                proptest::prop_assert_eq!(&got.visible_lines[usize::from(row)], &want.visible_lines[usize::from(row)]);
                proptest::prop_assert_eq!(cells_of(&got, row), cells_of(&want, row), "row {}", row);
            }
        }
    }
}
