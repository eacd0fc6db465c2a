//! Unit tests for [`Snapshot`]: canonical lines, Screen Hash golden vectors,
//! cursor and modes, title, scrollback, the cell grid, the palette and reflow.

use super::*;
use crate::Screen;
use crate::palette::indexed_rgb;

fn screen_with(cols: u16, rows: u16, bytes: &[u8]) -> Screen {
    let mut screen = Screen::new(cols, rows);
    screen.feed(bytes, 0);
    screen
}

fn snap(cols: u16, rows: u16, bytes: &[u8]) -> Snapshot {
    screen_with(cols, rows, bytes).snapshot(SnapshotOptions::default())
}

fn full(cols: u16, rows: u16, bytes: &[u8]) -> Snapshot {
    screen_with(cols, rows, bytes).snapshot(SnapshotOptions { scrollback: true, cells: true })
}

fn row0(cols: u16, bytes: &[u8]) -> String {
    snap(cols, 3, bytes).visible_lines[0].clone()
}

// --- Screen Hash -----------------------------------------------------------

#[test]
fn golden_hash_ascii() {
    assert_eq!(
        screen_hash(&["a", "b", "c"]),
        "ea7fb08b7a2dc4619ffb7c7bb38d95a2047935fa165d71b12efd3852a2e6d0cc"
    );
}

#[test]
fn golden_hash_unicode_untrimmed() {
    assert_eq!(
        screen_hash(&["cafe\u{301}", "漢字", "trailing   "]),
        "e813b95ab8cd844d5a3eff7d6e447a3c3c0cc79300085c701f2b9193efbaa1f3"
    );
}

#[test]
fn hash_edge_cases() {
    // SHA-256 of the empty string.
    assert_eq!(screen_hash(&[]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_eq!(screen_hash(&[""]), screen_hash(&[]));
    assert_ne!(screen_hash(&["a", ""]), screen_hash(&["a"]));
    assert_ne!(screen_hash(&["a "]), screen_hash(&["a"]));
}

#[test]
fn snapshot_hash_matches_free_function() {
    let snapshot = snap(10, 3, b"a\r\nb\r\nc");
    assert_eq!(snapshot.canonical_text(), "a\nb\nc");
    assert_eq!(snapshot.screen_hash(), screen_hash(&["a", "b", "c"]));
    assert_eq!(snapshot.screen_hash(), "ea7fb08b7a2dc4619ffb7c7bb38d95a2047935fa165d71b12efd3852a2e6d0cc");
}

#[test]
fn hash_changes_with_one_glyph_not_with_style() {
    let plain = snap(20, 3, b"hello world");
    let glyph = snap(20, 3, b"hello wOrld");
    let styled = snap(20, 3, b"\x1b[1;31mhello\x1b[0m \x1b[7;48;5;200mworld\x1b[m");
    let moved = snap(20, 3, b"hello world\x1b[3;5H\x1b[?25l");
    assert_ne!(plain.screen_hash(), glyph.screen_hash());
    assert_eq!(plain.screen_hash(), styled.screen_hash());
    assert_eq!(plain.screen_hash(), moved.screen_hash());
}

// --- canonical lines -------------------------------------------------------

#[test]
fn exactly_rows_lines_and_blank_rows_are_empty() {
    let snapshot = snap(80, 24, b"READY> ");
    assert_eq!(snapshot.visible_lines.len(), 24);
    assert_eq!(snapshot.visible_lines[0], "READY>");
    assert!(snapshot.visible_lines[1..].iter().all(String::is_empty));
    assert_eq!(snapshot.canonical_text().matches('\n').count(), 23);
}

#[test]
fn trailing_spaces_trimmed_interior_gap_kept() {
    assert_eq!(row0(20, b"a\x1b[1;6Hb"), "a    b");
    assert_eq!(row0(20, b"  x   "), "  x");
    assert_eq!(row0(20, b"\x1b[1;10Hz"), "         z");
}

#[test]
fn nbsp_survives_trimming() {
    assert_eq!(row0(20, "value\u{a0}".as_bytes()), "value\u{a0}");
    assert_eq!(row0(20, "value\u{a0}  ".as_bytes()), "value\u{a0}");
}

#[test]
fn tab_moves_over_blank_cells() {
    // HT writes no character: the cells it skips are blanks.
    assert_eq!(row0(20, b"a\tb"), "a       b");
    assert_eq!(row0(20, b"a\t"), "a");
    // A tab over existing text leaves the text alone.
    assert_eq!(row0(20, b"abcdefghij\r\t"), "abcdefghij");
}

#[test]
fn wide_cjk_between_ascii() {
    let snapshot = snap(10, 2, "A漢字B".as_bytes());
    assert_eq!(snapshot.visible_lines[0], "A漢字B");
    assert_eq!((snapshot.cursor_row, snapshot.cursor_col), (0, 6));
}

#[test]
fn combining_mark_stays_two_code_points() {
    let line = row0(10, "cafe\u{301}!".as_bytes());
    assert_eq!(line, "cafe\u{301}!");
    assert_eq!(line.chars().count(), 6);
}

#[test]
fn zwj_family_emoji_stays_intact() {
    let family = "👨\u{200d}👩\u{200d}👧";
    let line = row0(20, format!("[{family}]").as_bytes());
    assert_eq!(line, format!("[{family}]"));
    assert!(line.contains(family));
}

#[test]
fn leading_wide_char_spacer_contributes_nothing() {
    let snapshot = snap(5, 2, "abcd日".as_bytes());
    assert_eq!(snapshot.visible_lines, vec!["abcd", "日"]);
}

#[test]
fn screen_visible_lines_is_the_canonical_definition() {
    let bytes = "A漢字B\r\n  x\u{a0} \r\na\x1b[3;6Hb\te\u{301}".as_bytes();
    let screen = screen_with(20, 4, bytes);
    assert_eq!(screen.visible_lines(), screen.snapshot(SnapshotOptions::default()).visible_lines);
    assert_eq!(screen.visible_lines(), vec!["A漢字B", "  x\u{a0}", "a    b  e\u{301}", ""]);
}

// --- cursor, modes, title --------------------------------------------------

#[test]
fn cursor_position_and_visibility() {
    let snapshot = snap(20, 5, b"abc\r\nde");
    assert_eq!((snapshot.cursor_row, snapshot.cursor_col), (1, 2));
    assert!(snapshot.cursor_visible);
    let snapshot = snap(20, 5, b"\x1b[3;7H\x1b[?25l");
    assert_eq!((snapshot.cursor_row, snapshot.cursor_col), (2, 6));
    assert!(!snapshot.cursor_visible);
    // Pending wrap at the last column stays inside the viewport.
    let snapshot = snap(4, 2, b"abcd");
    assert_eq!((snapshot.cursor_row, snapshot.cursor_col), (0, 3));
}

#[test]
fn size_follows_resize() {
    let mut screen = screen_with(80, 24, b"x");
    screen.resize(100, 30);
    let snapshot = screen.snapshot(SnapshotOptions::default());
    assert_eq!((snapshot.cols, snapshot.rows), (100, 30));
    assert_eq!(snapshot.visible_lines.len(), 30);
}

#[test]
fn alt_screen_flag_and_content() {
    let mut screen = screen_with(20, 3, b"main");
    assert!(!screen.snapshot(SnapshotOptions::default()).is_alt_screen);
    screen.feed(b"\x1b[?1049h\x1b[2J\x1b[Halt", 1);
    let snapshot = screen.snapshot(SnapshotOptions::default());
    assert!(snapshot.is_alt_screen);
    assert_eq!(snapshot.visible_lines, vec!["alt", "", ""]);
    screen.feed(b"\x1b[?1049l", 2);
    let snapshot = screen.snapshot(SnapshotOptions::default());
    assert!(!snapshot.is_alt_screen);
    assert_eq!(snapshot.visible_lines, vec!["main", "", ""]);
}

#[test]
fn title_from_osc_0_and_2() {
    let mut screen = Screen::new(20, 3);
    assert_eq!(screen.title(), None);
    assert_eq!(screen.snapshot(SnapshotOptions::default()).title, None);
    screen.feed(b"\x1b]2;hello\x07", 1);
    assert_eq!(screen.title(), Some("hello"));
    assert_eq!(screen.snapshot(SnapshotOptions::default()).title.as_deref(), Some("hello"));
    screen.feed(b"\x1b]0;split", 2);
    screen.feed(b" title\x1b\\", 3);
    assert_eq!(screen.title(), Some("split title"));
    screen.feed(b"\x1b]2;\x07", 4);
    assert_eq!(screen.title(), None);
}

#[test]
fn title_cleared_by_full_reset_and_kept_by_cursor_style() {
    let mut screen = screen_with(20, 3, b"\x1b]2;kept\x07\x1b[5 q\x1b[?12h");
    assert_eq!(screen.title(), Some("kept"));
    screen.feed(b"\x1bc", 1);
    assert_eq!(screen.title(), None);
    screen.feed(b"\x1b]2;a\x07\x1bc\x1b]2;b\x07", 2);
    assert_eq!(screen.title(), Some("b"));
}

#[test]
fn title_stack_push_pop() {
    let mut screen = screen_with(20, 3, b"\x1b]2;first\x07\x1b[22;0t\x1b]2;second\x07");
    assert_eq!(screen.title(), Some("second"));
    screen.feed(b"\x1b[23;0t", 1);
    assert_eq!(screen.title(), Some("first"));
}

#[test]
fn snapshot_does_not_end_a_sync_block() {
    let mut screen = Screen::new(20, 3);
    screen.feed(b"old\x1b[?2026h\r\x1b[Knew", 0);
    assert_eq!(screen.snapshot(SnapshotOptions::default()).visible_lines[0], "old");
    screen.end_sync();
    assert_eq!(screen.snapshot(SnapshotOptions::default()).visible_lines[0], "new");
}

// --- scrollback ------------------------------------------------------------

#[test]
fn scrollback_only_when_requested() {
    let snapshot = snap(10, 3, b"x");
    assert_eq!(snapshot.scrollback_lines, None);
    assert_eq!(snapshot.cells, None);
    let snapshot = full(10, 3, b"x");
    assert_eq!(snapshot.scrollback_lines, Some(vec![]));
}

#[test]
fn scrollback_oldest_first() {
    let mut bytes = Vec::new();
    for i in 1..=30 {
        bytes.extend_from_slice(format!("line {i}  \r\n").as_bytes());
    }
    let snapshot = full(20, 10, &bytes);
    let scrollback = snapshot.scrollback_lines.expect("requested");
    // 30 lines plus the empty cursor line on a 10-row screen: 21 scrolled off.
    assert_eq!(scrollback.len(), 21);
    assert_eq!(scrollback[0], "line 1");
    assert_eq!(scrollback[20], "line 21");
    assert_eq!(snapshot.visible_lines[0], "line 22");
    assert_eq!(snapshot.visible_lines[8], "line 30");
    assert_eq!(snapshot.visible_lines[9], "");
}

#[test]
fn scrollback_respects_the_limit() {
    let mut screen = Screen::with_scrollback(10, 2, 5);
    for i in 0..20 {
        screen.feed(format!("{i}\r\n").as_bytes(), 0);
    }
    let scrollback = screen
        .snapshot(SnapshotOptions { scrollback: true, cells: false })
        .scrollback_lines
        .expect("requested");
    assert_eq!(scrollback, vec!["14", "15", "16", "17", "18"]);
}

#[test]
fn scrollback_is_empty_on_the_alt_screen() {
    let mut screen = screen_with(10, 2, b"1\r\n2\r\n3\r\n4");
    let options = SnapshotOptions { scrollback: true, cells: false };
    assert_eq!(screen.snapshot(options).scrollback_lines, Some(vec!["1".to_owned(), "2".to_owned()]));
    screen.feed(b"\x1b[?1049ha\r\nb\r\nc", 1);
    assert_eq!(screen.snapshot(options).scrollback_lines, Some(vec![]));
    screen.feed(b"\x1b[?1049l", 2);
    assert_eq!(screen.snapshot(options).scrollback_lines, Some(vec!["1".to_owned(), "2".to_owned()]));
}

// --- cells -----------------------------------------------------------------

fn cells_of(snapshot: &Snapshot, row: u16) -> &[Cell] {
    let rows = snapshot.cells.as_ref().expect("cells requested");
    &rows.iter().find(|r| r.row == row).expect("row present").cells
}

#[test]
fn cells_sgr_attributes() {
    let snapshot = full(40, 3, b"\x1b[1;31mRED\x1b[0m \x1b[4;38;5;33mU\x1b[0m \x1b[7mINV\x1b[0m");
    let cells = cells_of(&snapshot, 0);
    assert_eq!(cells.len(), 9);
    for cell in &cells[0..3] {
        assert_eq!(cell.style, Style { fg: Color::Indexed(1), bold: true, ..Style::default() });
    }
    let text: Vec<&str> = cells.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(text, ["R", "E", "D", "", "U", "", "I", "N", "V"]);
    assert_eq!(cells[3].style, Style::default());
    assert_eq!(cells[4].style, Style { fg: Color::Indexed(33), underline: true, ..Style::default() });
    for cell in &cells[6..9] {
        assert_eq!(cell.style, Style { inverse: true, ..Style::default() });
    }
    assert!(cells.iter().all(|c| !c.wide && !c.spacer));
    // Only row 0 has anything.
    assert_eq!(snapshot.cells.as_ref().map(Vec::len), Some(1));
}

#[test]
fn cells_colours_and_flags() {
    let bytes = b"\x1b[38;2;1;2;3mT\x1b[0m\x1b[48;2;4;5;6mB\x1b[0m\x1b[92;44mN\x1b[0m\
                  \x1b[2;3;9;8mF\x1b[0m\x1b[4:3mC\x1b[0m\x1b[48;5;200m\x1b[K";
    let snapshot = full(10, 2, bytes);
    let cells = cells_of(&snapshot, 0);
    assert_eq!(cells[0].style.fg, Color::Rgb(1, 2, 3));
    assert_eq!(cells[1].style.bg, Color::Rgb(4, 5, 6));
    assert_eq!((cells[2].style.fg, cells[2].style.bg), (Color::Indexed(10), Color::Indexed(4)));
    let f = cells[3].style;
    assert!(f.dim && f.italic && f.strikethrough && f.hidden && !f.bold);
    assert!(cells[4].style.underline, "curly underline counts as underline");
    // Erase with a background colour styles the erased cells up to the last column.
    assert_eq!(cells.len(), 10);
    assert_eq!(
        cells[9],
        Cell {
            text: String::new(),
            style: Style { bg: Color::Indexed(200), ..Style::default() },
            wide: false,
            spacer: false
        }
    );
}

#[test]
fn cells_wide_char_then_spacer() {
    let snapshot = full(10, 2, "a\x1b[32m漢\x1b[0mb".as_bytes());
    let cells = cells_of(&snapshot, 0);
    assert_eq!(cells.len(), 4);
    assert_eq!(cells[0].text, "a");
    assert_eq!(cells[1].text, "漢");
    assert!(cells[1].wide && !cells[1].spacer);
    assert_eq!(cells[2].text, "");
    assert!(cells[2].spacer && !cells[2].wide);
    assert_eq!(cells[2].style, cells[1].style);
    assert_eq!(cells[1].style.fg, Color::Indexed(2));
    assert_eq!(cells[3].text, "b");
}

#[test]
fn cells_keep_grapheme_clusters_and_gaps() {
    let snapshot = full(10, 3, "\r\n\x1b[2;3He\u{301}".as_bytes());
    let rows = snapshot.cells.as_ref().expect("requested");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].row, 1);
    let texts: Vec<&str> = rows[0].cells.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, ["", "", "e\u{301}"]);
}

#[test]
fn cells_absent_for_a_blank_screen() {
    assert_eq!(full(10, 3, b"   ").cells, Some(vec![]));
}

// --- palette ---------------------------------------------------------------

#[test]
fn palette_values() {
    assert_eq!(indexed_rgb(0), (0x1d, 0x1f, 0x21));
    assert_eq!(indexed_rgb(1), (0xcc, 0x66, 0x66));
    assert_eq!(indexed_rgb(15), (0xea, 0xea, 0xea));
    assert_eq!(indexed_rgb(16), (0, 0, 0));
    assert_eq!(indexed_rgb(33), (0, 0x87, 0xff));
    assert_eq!(indexed_rgb(196), (0xff, 0, 0));
    assert_eq!(indexed_rgb(231), (0xff, 0xff, 0xff));
    assert_eq!(indexed_rgb(232), (8, 8, 8));
    assert_eq!(indexed_rgb(255), (0xee, 0xee, 0xee));
}

// --- reflow ----------------------------------------------------------------

#[test]
fn resize_reflows_wrapped_lines() {
    let long: String = (0..158).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
    let mut screen = screen_with(80, 10, long.as_bytes());
    let lines = screen.visible_lines();
    assert_eq!(lines[0], long[..80]);
    assert_eq!(lines[1], long[80..]);

    screen.resize(160, 10);
    let lines = screen.visible_lines();
    assert_eq!(lines[0], long);
    assert_eq!(lines[1], "");
    assert_eq!(screen.cursor(), (0, 158));

    // Narrower: re-wrapped into four rows. The emulator keeps the cursor row
    // anchored (rows above it move into the scrollback) rather than growing
    // the content downwards into the blank rows.
    screen.resize(40, 10);
    let snapshot = screen.snapshot(SnapshotOptions { scrollback: true, cells: false });
    let mut all = snapshot.scrollback_lines.expect("requested");
    all.extend(snapshot.visible_lines);
    let start = all.iter().position(|l| *l == long[..40]).expect("first piece");
    assert_eq!(all[start..start + 5], [&long[..40], &long[40..80], &long[80..120], &long[120..], ""]);
    let (row, col) = screen.cursor();
    assert_eq!(col, 38);
    assert_eq!(screen.visible_lines()[usize::from(row)], long[120..]);
}

#[test]
fn resize_keeps_hard_line_breaks() {
    let mut screen = screen_with(10, 5, b"one\r\ntwo");
    screen.resize(40, 5);
    assert_eq!(screen.visible_lines()[..2], ["one", "two"]);
}
