//! The redraw sequence of a screen: escape sequences that, fed to a fresh terminal of
//! the same size, paint the same picture (see [`Screen::redraw_sequence`](crate::Screen::redraw_sequence)).
//!
//! What it reproduces: the visible cells with their text (wide glyphs and zero-width
//! characters included), colours and attributes; which rows are soft-wrapped into the
//! next (so a later resize reflows them alike); the cursor position and visibility; the
//! alternate screen; the title; auto-wrap and insert mode. What it does not: the
//! scrollback, the primary screen's content while the alternate screen is shown, a
//! scroll region, origin mode, character sets and tab stops — state a fresh terminal
//! starts without, which later output may rely on.

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
    let mut pen = Style::default();
    // Whether the previous row wrapped into this one: the text goes on without a jump.
    let mut continues = false;
    let mut next = rows.iter().peekable();
    for row in 0..snapshot.rows {
        let cells: &[Cell] = match next.peek() {
            Some(cell_row) if cell_row.row == row => next.next().map_or(&[], |r| r.cells.as_slice()),
            _ => &[],
        };
        let wraps = row < last_row && wrapped.get(usize::from(row)).copied().unwrap_or(false);
        if cells.is_empty() && !wraps && !continues {
            continue;
        }
        if !continues {
            let _ = write!(out, "\x1b[{};1H", row + 1);
        }
        // A wrapping row is written to its last column, so the next glyph wraps; a
        // continued row needs at least one glyph to make the wrap happen.
        let width = if wraps { cols } else { cells.len().max(usize::from(continues)) };
        let mut col = 0;
        while col < width {
            let cell = cells.get(col);
            let style = cell.map_or_else(Style::default, |c| c.style);
            if style != pen {
                out.push_str(&sgr(&style));
                pen = style;
            }
            match cell {
                Some(cell) if cell.spacer => {}
                Some(cell) if !cell.text.is_empty() => out.push_str(&cell.text),
                _ => out.push(' '),
            }
            col += 1;
        }
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
}
