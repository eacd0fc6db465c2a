//! Unit tests for [`Screen`]: text, cursor, resize, alt screen, query answers,
//! synchronized output and wide characters.

use super::replies::default_color;
use super::*;

fn screen_with(cols: u16, rows: u16, bytes: &[u8]) -> Screen {
    let mut screen = Screen::new(cols, rows);
    screen.feed(bytes, 0);
    screen
}

fn reply(bytes: &[u8]) -> Vec<u8> {
    screen_with(80, 24, bytes).take_replies()
}

#[test]
fn screen_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Screen>();
}

#[test]
fn text_lands_in_visible_lines() {
    let screen = screen_with(20, 3, b"hello   ");
    assert_eq!(screen.visible_lines(), vec!["hello", "", ""]);
    assert_eq!(screen.size(), (20, 3));
}

#[test]
fn cursor_after_output() {
    let screen = screen_with(20, 5, b"abc\r\nde");
    assert_eq!(screen.cursor(), (1, 2));
    let screen = screen_with(20, 5, b"\x1b[3;7H");
    assert_eq!(screen.cursor(), (2, 6));
}

#[test]
fn carriage_return_and_line_feed() {
    let screen = screen_with(20, 4, b"one\r\ntwo\rT\nx");
    assert_eq!(screen.visible_lines(), vec!["one", "Two", " x", ""]);
    assert_eq!(screen.cursor(), (2, 2));
}

#[test]
fn output_scrolls_off_the_top() {
    let screen = screen_with(10, 2, b"1\r\n2\r\n3");
    assert_eq!(screen.visible_lines(), vec!["2", "3"]);
    assert_eq!(screen.cursor(), (1, 1));
}

#[test]
fn long_lines_wrap() {
    let screen = screen_with(4, 3, b"abcdefg");
    assert_eq!(screen.visible_lines(), vec!["abcd", "efg", ""]);
}

#[test]
fn tabs_render_as_spaces() {
    let screen = screen_with(20, 1, b"a\tb");
    assert_eq!(screen.visible_lines(), vec!["a       b"]);
}

#[test]
fn resize_changes_size_and_keeps_text() {
    let mut screen = screen_with(20, 4, b"hello\r\nworld");
    screen.resize(30, 6);
    assert_eq!(screen.size(), (30, 6));
    let lines = screen.visible_lines();
    assert_eq!(lines.len(), 6);
    assert!(lines.iter().any(|l| l == "hello"), "{lines:?}");
    screen.resize(0, 0);
    assert_eq!(screen.size(), (2, 1));
    assert_eq!(screen.visible_lines().len(), 1);
}

#[test]
fn alt_screen_on_and_off() {
    let mut screen = screen_with(20, 3, b"main");
    assert!(!screen.is_alt_screen());
    screen.feed(b"\x1b[?1049h\x1b[Halt", 1);
    assert!(screen.is_alt_screen());
    assert_eq!(screen.visible_lines(), vec!["alt", "", ""]);
    screen.feed(b"\x1b[?1049l", 2);
    assert!(!screen.is_alt_screen());
    assert_eq!(screen.visible_lines(), vec!["main", "", ""]);
}

#[test]
fn device_status_report() {
    assert_eq!(reply(b"\x1b[5n"), b"\x1b[0n");
}

#[test]
fn cursor_position_report_is_one_based() {
    assert_eq!(reply(b"ab\r\ncde\x1b[6n"), b"\x1b[2;4R");
}

#[test]
fn primary_device_attributes() {
    assert_eq!(reply(b"\x1b[c"), b"\x1b[?6c");
}

#[test]
fn osc_11_background_both_terminators() {
    assert_eq!(reply(b"\x1b]11;?\x07"), b"\x1b]11;rgb:1e1e/1e1e/2e2e\x07");
    assert_eq!(reply(b"\x1b]11;?\x1b\\"), b"\x1b]11;rgb:1e1e/1e1e/2e2e\x1b\\");
}

#[test]
fn osc_10_foreground_both_terminators() {
    assert_eq!(reply(b"\x1b]10;?\x07"), b"\x1b]10;rgb:cdcd/d6d6/f4f4\x07");
    assert_eq!(reply(b"\x1b]10;?\x1b\\"), b"\x1b]10;rgb:cdcd/d6d6/f4f4\x1b\\");
}

#[test]
fn osc_4_answers_from_the_snapshot_palette() {
    assert_eq!(reply(b"\x1b]4;1;?\x07"), b"\x1b]4;1;rgb:cccc/6666/6666\x07");
    assert_eq!(reply(b"\x1b]4;196;?\x1b\\"), b"\x1b]4;196;rgb:ffff/0000/0000\x1b\\");
    assert_eq!(reply(b"\x1b]4;232;?\x07"), b"\x1b]4;232;rgb:0808/0808/0808\x07");
    assert_eq!(default_color(16), alacritty_terminal::vte::ansi::Rgb { r: 0, g: 0, b: 0 });
}

#[test]
fn program_set_colour_wins() {
    let bytes = b"\x1b]11;rgb:12/34/56\x07";
    let mut screen = screen_with(80, 24, bytes);
    screen.feed(b"\x1b]11;?\x07", 1);
    assert_eq!(screen.take_replies(), b"\x1b]11;rgb:1212/3434/5656\x07");
}

#[test]
fn text_area_size_in_pixels() {
    assert_eq!(reply(b"\x1b[14t"), b"\x1b[4;384;640t");
    assert_eq!(reply(b"\x1b[18t"), b"\x1b[8;24;80t");
}

#[test]
fn replies_are_ordered_and_drained() {
    let mut screen = screen_with(80, 24, b"\x1b[5n\x1b]11;?\x07\x1b[6n");
    let expected: &[u8] = b"\x1b[0n\x1b]11;rgb:1e1e/1e1e/2e2e\x07\x1b[1;1R";
    assert_eq!(screen.take_replies(), expected);
    assert!(screen.take_replies().is_empty());
}

#[test]
fn cpr_split_across_feeds() {
    let mut screen = screen_with(80, 24, b"xy\x1b[");
    assert!(screen.take_replies().is_empty());
    screen.feed(b"6n", 1);
    assert_eq!(screen.take_replies(), b"\x1b[1;3R");
}

#[test]
fn osc_11_split_across_feeds() {
    let mut screen = screen_with(80, 24, b"\x1b]11");
    screen.feed(b";?\x1b", 1);
    screen.feed(b"\\after", 2);
    assert_eq!(screen.take_replies(), b"\x1b]11;rgb:1e1e/1e1e/2e2e\x1b\\");
    assert_eq!(screen.visible_lines()[0], "after");
}

#[test]
fn sync_block_ended_by_reset() {
    let mut screen = Screen::new(20, 3);
    screen.feed(b"\x1b[?2026hhidden", 1000);
    assert_eq!(screen.sync_deadline(), Some(1150));
    assert_eq!(screen.visible_lines()[0], "");
    screen.feed(b" text\x1b[?2026l", 1010);
    assert_eq!(screen.sync_deadline(), None);
    assert_eq!(screen.visible_lines()[0], "hidden text");
}

#[test]
fn sync_block_ended_by_timeout_on_feed() {
    let mut screen = Screen::new(20, 3);
    screen.feed(b"\x1b[?2026hframe", 1000);
    screen.feed(b"!", 1149);
    assert_eq!(screen.visible_lines()[0], "");
    assert_eq!(screen.sync_deadline(), Some(1150));
    screen.feed(b"", 1150);
    assert_eq!(screen.sync_deadline(), None);
    assert_eq!(screen.visible_lines()[0], "frame!");
    screen.feed(b" more", 1151);
    assert_eq!(screen.visible_lines()[0], "frame! more");
}

#[test]
fn sync_block_replies_wait_for_the_block() {
    let mut screen = Screen::new(20, 3);
    screen.feed(b"\x1b[?2026h\x1b[6n", 0);
    assert!(screen.take_replies().is_empty());
    screen.feed(b"\x1b[?2026l", 5);
    assert_eq!(screen.take_replies(), b"\x1b[1;1R");
}

#[test]
fn sync_block_force_ended() {
    let mut screen = Screen::new(20, 3);
    screen.end_sync();
    screen.feed(b"\x1b[?2026hdraw\x1b[6n", 7);
    assert_eq!(screen.sync_deadline(), Some(157));
    screen.end_sync();
    assert_eq!(screen.sync_deadline(), None);
    assert_eq!(screen.visible_lines()[0], "draw");
    assert_eq!(screen.take_replies(), b"\x1b[1;5R");
}

#[test]
fn sync_block_restarted_extends_deadline() {
    let mut screen = Screen::new(20, 3);
    screen.feed(b"\x1b[?2026ha\x1b[?2026lb\x1b[?2026hc", 10);
    assert_eq!(screen.visible_lines()[0], "ab");
    assert_eq!(screen.sync_deadline(), Some(160));
    screen.feed(b"\x1b[?2026hd", 100);
    assert_eq!(screen.sync_deadline(), Some(250));
    screen.feed(b"", 200);
    assert_eq!(screen.visible_lines()[0], "ab");
    screen.feed(b"", 250);
    assert_eq!(screen.visible_lines()[0], "abcd");
}

#[test]
fn wide_chars_produce_the_right_text() {
    let screen = screen_with(10, 2, "日本 ok".as_bytes());
    assert_eq!(screen.visible_lines(), vec!["日本 ok", ""]);
    assert_eq!(screen.cursor(), (0, 7));
}

#[test]
fn wide_char_wrapping_at_line_end() {
    let screen = screen_with(5, 2, "abcd日".as_bytes());
    assert_eq!(screen.visible_lines(), vec!["abcd", "日"]);
}

#[test]
fn zero_width_chars_follow_their_base() {
    let screen = screen_with(10, 1, "e\u{301}x".as_bytes());
    assert_eq!(screen.visible_lines(), vec!["e\u{301}x"]);
}

#[test]
fn scrollback_option_is_accepted() {
    let mut screen = Screen::with_scrollback(10, 2, 0);
    screen.feed(b"1\r\n2\r\n3", 0);
    assert_eq!(screen.visible_lines(), vec!["2", "3"]);
}

#[test]
fn scrollback_counts_as_trimmed_once_it_was_full() {
    let mut screen = Screen::with_scrollback(10, 2, 3);
    screen.feed(b"1\r\n2\r\n3\r\n4", 0);
    assert!(!screen.scrollback_trimmed(), "two lines of three: nothing lost");
    screen.feed(b"\r\n5\r\n6", 0);
    assert!(screen.scrollback_trimmed(), "the limit acted");
    screen.feed(b"\x1b[3J", 0);
    assert!(screen.scrollback_trimmed(), "sticky, even once cleared");
    assert!(Screen::with_scrollback(10, 2, 0).scrollback_trimmed(), "no scrollback: always");
    let mut narrow = Screen::with_scrollback(4, 2, 2);
    narrow.feed(b"abcdefgh", 0);
    assert!(!narrow.scrollback_trimmed());
    narrow.resize(2, 2);
    assert!(narrow.scrollback_trimmed(), "a reflow that fills the scrollback counts too");
}

#[test]
fn an_adopted_screen_keeps_the_limit_and_moves_the_counter_on() {
    let bytes = b"1\r\n2\r\n3\r\n4\r\n5";
    let mut live = Screen::with_scrollback(10, 2, 0);
    live.feed(bytes, 0);
    let mut full = Screen::new(10, 2);
    full.feed(bytes, 0);
    full.resize(10, 5);
    let before = live.changes();
    live.adopt(full);
    assert_ne!(live.changes(), before);
    assert_eq!(live.visible_lines(), vec!["1", "2", "3", "4", "5"], "the rebuilt screen's lines");
    assert!(live.scrollback_trimmed(), "the live limit (none) is back");
    live.feed(b"\r\n6", 0);
    let scrollback = live.snapshot(SnapshotOptions { scrollback: true, cells: false }).scrollback_lines;
    assert_eq!(scrollback, Some(vec![]));
}

#[test]
fn sizes_are_clamped_to_the_maximum() {
    let mut screen = Screen::new(u16::MAX, u16::MAX);
    assert_eq!(screen.size(), (MAX_COLS, MAX_ROWS));
    screen.resize(60_000, 60_000);
    assert_eq!(screen.size(), (MAX_COLS, MAX_ROWS));
    screen.resize(0, 0);
    assert_eq!(screen.size(), (MIN_COLS, MIN_ROWS));
    screen.resize(MAX_COLS, MAX_ROWS);
    assert_eq!(screen.size(), (MAX_COLS, MAX_ROWS));
}

fn scrollback_len(screen: &Screen) -> usize {
    let options = SnapshotOptions { scrollback: true, cells: false };
    screen.snapshot(options).scrollback_lines.map_or(0, |lines| lines.len())
}

#[test]
fn wide_screens_keep_fewer_scrollback_lines() {
    assert_eq!(history_lines(SCROLLBACK_LINES, 80), SCROLLBACK_LINES);
    assert_eq!(history_lines(SCROLLBACK_LINES, 200), SCROLLBACK_LINES);
    assert_eq!(history_lines(SCROLLBACK_LINES, MAX_COLS), SCROLLBACK_CELLS / usize::from(MAX_COLS));
    assert_eq!(history_lines(5, MAX_COLS), 5);

    let mut screen = Screen::new(80, 2);
    let lines: String = (0..3_000).map(|i| format!("{i}\r\n")).collect();
    screen.feed(lines.as_bytes(), 0);
    assert_eq!(scrollback_len(&screen), 2_999);
    // Widening to the maximum trims the history to its cell budget, oldest first.
    screen.resize(MAX_COLS, 2);
    let kept = SCROLLBACK_CELLS / usize::from(MAX_COLS);
    assert_eq!(scrollback_len(&screen), kept);
    let first = screen.snapshot(SnapshotOptions { scrollback: true, cells: false }).scrollback_lines;
    assert_eq!(first.and_then(|l| l.first().cloned()), Some((2_999 - kept).to_string()));
    // Narrowing again allows the full history for new lines.
    screen.resize(80, 2);
    screen.feed(lines.as_bytes(), 0);
    assert_eq!(scrollback_len(&screen), kept + 3_000);
}

#[test]
fn every_visible_change_moves_the_change_counter() {
    let mut screen = Screen::new(20, 4);
    let mut last = screen.changes();
    let mut moved = |screen: &Screen, what: &str| {
        assert_ne!(screen.changes(), last, "{what} must move the counter");
        last = screen.changes();
    };
    screen.feed(b"hello", 0);
    moved(&screen, "text");
    screen.feed(b"\x1b[2;3H", 0);
    moved(&screen, "a cursor move");
    screen.feed(b"\x1b[?25l", 0);
    moved(&screen, "hiding the cursor");
    screen.feed(b"\x1b[31mred", 0);
    moved(&screen, "coloured text");
    screen.feed(b"\x1b[2J", 0);
    moved(&screen, "a clear");
    screen.resize(30, 5);
    moved(&screen, "a resize");
    screen.feed(b"\x1b[?2026h\x1b[Hhidden", 10);
    moved(&screen, "a feed inside a synchronized update");
    screen.end_sync();
    moved(&screen, "ending a synchronized update");
    screen.feed(b"\x1b[?2026hlater", 20);
    last = screen.changes();
    let deadline = screen.sync_deadline().unwrap();
    screen.feed(b"", deadline);
    assert_eq!(screen.snapshot(SnapshotOptions::default()).visible_lines[0], "hiddenlater");
    assert_ne!(screen.changes(), last, "an empty feed that times a synchronized update out");
}

#[test]
fn reading_the_screen_leaves_the_change_counter_alone() {
    let mut screen = screen_with(20, 4, b"text\x1b[6n");
    let before = screen.changes();
    let _ = screen.snapshot(SnapshotOptions { scrollback: true, cells: true });
    let _ = screen.visible_lines();
    assert!(!screen.take_replies().is_empty());
    screen.feed(b"", 0);
    screen.end_sync();
    assert_eq!(screen.changes(), before, "reads, an empty feed and an end_sync with nothing pending");
}

#[test]
fn the_hidden_buffer_and_the_last_printed_character_are_read_without_changing_the_screen() {
    let mut screen = screen_with(10, 3, b"main\r\nZ\x08\x1b[K");
    assert_eq!(screen.last_printed(), Some('Z'), "erased, still repeated by REP");
    assert_eq!(screen.hidden_lines(), Some(vec![String::new(); 3]), "the alternate screen, blank");
    screen.feed(b"\x1b[?1049h\x1b[Hpopup", 0);
    let snapshot = screen.snapshot(crate::SnapshotOptions { scrollback: true, cells: true });
    let changes = screen.changes();
    assert_eq!(screen.hidden_lines(), Some(vec!["main".to_string(), String::new(), String::new()]));
    assert_eq!(screen.snapshot(crate::SnapshotOptions { scrollback: true, cells: true }), snapshot);
    assert_eq!((screen.changes(), screen.last_printed()), (changes, Some('p')));
    // Leaving the alternate screen shows the primary one as it was, with its cursor.
    screen.feed(b"\x1b[?1049lX", 0);
    assert_eq!(screen.visible_lines(), vec!["main", "X", ""]);
    screen.feed(b"\x1b[?1049h", 0);
    screen.resize(12, 3);
    assert_eq!(screen.hidden_lines(), None, "resized while the alternate screen is shown");
}
