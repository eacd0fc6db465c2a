//! Renders `App`s into ratatui `Buffer`s and checks what a person would read: header,
//! session list, Live View, Home picker and footer (spec §4 and §6.3).

use agent_tty_core::event_log::{Event, EventLogWriter};
use agent_tty_core::live_view::LiveStatus;
use agent_tty_core::manifest::Status;

use super::*;
use crate::dashboard::app::App;
use crate::dashboard::app::tests::{app_with, followed, load, until_frame};
use crate::dashboard::keys::Key;
use crate::dashboard::picker::tests::home;
use crate::dashboard::sessions::tests::entry;
use crate::dashboard::worker::{Reply, Request};

const ULID_A: &str = "01KV3ZQ8M5T2Z9Y4X6W8Z29JPZ";
const ULID_B: &str = "01KV3ZQ8M5T2Z9Y4X6W8AAAAAA";

/// The buffer as lines of text, trailing blanks trimmed.
fn text(buf: &Buffer) -> Vec<String> {
    let area = buf.area;
    (area.top()..area.bottom())
        .map(|y| {
            let line: String = (area.left()..area.right()).map(|x| buf[(x, y)].symbol()).collect();
            line.trim_end().to_string()
        })
        .collect()
}

fn render(app: &App) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, app.size.0, app.size.1));
    app.render(buf.area, &mut buf);
    buf
}

/// Where `needle` starts on screen, as `(x, y)` in cells.
fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let lines = text(buf);
    lines.iter().enumerate().find_map(|(y, line)| {
        let at = line.find(needle)?;
        Some((u16::try_from(line[..at].chars().count()).ok()?, u16::try_from(y).ok()?))
    })
}

fn two_sessions() -> Vec<crate::dashboard::sessions::SessionEntry> {
    let mut named = entry(ULID_B, Status::Failed, "2026-01-01T00:00:00.000Z");
    named.label = "nvim".to_string();
    vec![entry(ULID_A, Status::Running, "2026-01-02T00:00:00.000Z"), named]
}

#[test]
fn split_layout_shows_header_list_live_view_and_footer() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with(None);
    let mut sessions = two_sessions();
    sessions[0] = followed(dir.path(), ULID_A, (80, 24), "hello\r\nworld");
    load(&mut app, sessions);
    until_frame(&mut app);
    let buf = render(&app);
    let lines = text(&buf);
    assert_eq!(lines[0], "agent-tty dashboard  read-only · /nonexistent/h1 · …6W8Z29JPZ running");
    assert_eq!(lines[1].trim_end_matches(['─', '╮']), "Sessions · active (2)                ╭");
    assert!(lines[2].starts_with(&format!("▸ ● {ULID_A} bash  │screen 80×24 clip → ")), "{}", lines[2]);
    assert!(lines[3].starts_with(&format!("  ○ {ULID_B} nvim  │hello ")), "{}", lines[3]);
    assert!(lines[4].contains("│world "), "{}", lines[4]);
    assert_eq!(lines[39], FOOTER_LIST);
    assert_eq!(find(&buf, "╭"), Some((37, 1)), "list width 36 plus a one-column gap");
    assert_eq!(find(&buf, "╮"), Some((117, 1)), "two columns of right slack");
    assert!(lines[38].starts_with(&" ".repeat(37)) && lines[38].ends_with('╯'));

    let title = &buf[(0, 0)];
    assert_eq!((title.fg, title.modifier), (Color::Cyan, Modifier::BOLD));
    assert!(buf[(20, 0)].modifier.contains(Modifier::DIM));
    assert_eq!(buf[(0, 1)].fg, Color::Cyan, "the focused list's title is cyan");
    assert!(buf[(0, 1)].modifier.contains(Modifier::BOLD | Modifier::UNDERLINED));
    assert!(buf[(0, 2)].modifier.contains(Modifier::REVERSED), "the selected row is inverse");
    assert!(!buf[(0, 3)].modifier.contains(Modifier::REVERSED));
    assert_eq!(buf[(2, 2)].fg, Color::Green, "running dot");
    assert_eq!(buf[(2, 3)].fg, Color::Red, "failed dot");
    assert_eq!(buf[(37, 1)].fg, Color::DarkGray, "an unfocused Live View is grey");
    let (x, y) = find(&buf, "world").unwrap();
    assert!(buf[(x + 5, y)].modifier.contains(Modifier::REVERSED), "the cursor cell");
    assert!(!buf[(x, y)].modifier.contains(Modifier::REVERSED));

    app.handle_key(Key::Tab);
    let buf = render(&app);
    assert_eq!(text(&buf)[39], FOOTER_LIVE);
    assert_eq!(buf[(37, 1)].fg, Color::Cyan, "a focused Live View is cyan");
    assert_eq!(buf[(0, 1)].fg, Color::Reset);
}

#[test]
fn an_empty_home_waits() {
    let mut app = app_with(None);
    load(&mut app, vec![]);
    let lines = text(&render(&app));
    assert_eq!(lines[0], "agent-tty dashboard  read-only · /nonexistent/h1 · no session selected");
    assert!(lines[1].starts_with("Sessions · active (0)"));
    assert!(lines[2].starts_with("no sessions") && lines[2].contains("│live view "), "{}", lines[2]);
    assert!(lines[3].contains("│Waiting for output… "), "{}", lines[3]);
}

#[test]
fn narrow_terminals_shorten_ids_and_scroll_the_list() {
    let mut app = app_with(None);
    app.size = (80, 10);
    let sessions: Vec<_> = (0..9)
        .map(|i| entry(&format!("01KV3ZQ8M5T2Z9Y4X6W8Z2900{i}"), Status::Exited, "2026-01-01T00:00:00.000Z"))
        .collect();
    load(&mut app, sessions);
    for _ in 0..4 {
        app.handle_key(Key::Down);
    }
    let lines = text(&render(&app));
    assert!(lines[1].starts_with("Sessions · active (9) ↑ ↓"), "{}", lines[1]);
    assert!(lines[2].starts_with("  ○ …6W8Z29002 bash"), "short ids, window centred: {}", lines[2]);
    assert!(lines[4].starts_with("▸ ○ …6W8Z29004 bash"), "{}", lines[4]);
    assert_eq!(lines.len(), 10);
    assert!(lines[5].starts_with("  ○ …6W8Z29005") && lines[6].starts_with("   "), "4 visible rows");
}

#[test]
fn maximized_live_view_fills_the_body() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with(None);
    load(&mut app, vec![followed(dir.path(), ULID_A, (200, 60), "wide")]);
    until_frame(&mut app);
    app.handle_key(Key::Enter);
    let buf = render(&app);
    let lines = text(&buf);
    assert_eq!(lines[1], format!("╭{}╮", "─".repeat(116)));
    assert_eq!(lines[2], format!("│screen 200×60 clip ↓→{}│", " ".repeat(95)));
    assert!(lines[3].starts_with("│wide"));
    assert_eq!(lines[39], FOOTER_MAXIMIZED);
    assert_eq!(buf[(0, 1)].fg, Color::Cyan, "maximized is drawn focused");
    for _ in 0..3 {
        app.handle_key(Key::Right);
        app.handle_key(Key::Down);
    }
    assert!(text(&render(&app))[2].starts_with("│screen 200×60 clip ↑↓←→"));
    app.handle_key(Key::Char('z'));
    let lines = text(&render(&app));
    assert!(lines[2].starts_with("│screen 200×60 [overview] "), "{}", lines[2]);
    assert!(lines[3].starts_with("│▒▒ "), "overview glyphs (2×2 blocks half inked): {}", lines[3]);
}

#[test]
fn exit_and_collection_show_in_the_live_view() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with(None);
    let session = followed(dir.path(), ULID_A, (70, 24), "bye");
    let mut log = EventLogWriter::open(&session.events).unwrap();
    log.push(&Event::Exit { exit_code: Some(3), exit_signal: None });
    log.flush().unwrap();
    load(&mut app, vec![session.clone()]);
    until_frame(&mut app);
    assert_eq!(app.live.as_ref().map(|f| f.view.status()), Some(LiveStatus::Exited));
    let lines = text(&render(&app));
    assert!(lines[2].contains("│screen 70×24  ·  failed (code 3) "), "{}", lines[2]);
    std::fs::remove_file(&session.events).unwrap();
    app.tick();
    let lines = text(&render(&app));
    assert!(lines[2].contains("│live view "), "{}", lines[2]);
    assert!(lines[3].contains("│Event Log collected — session no longer available. "), "{}", lines[3]);
}

#[test]
fn the_home_picker_takes_over_the_body() {
    let mut app = app_with(None);
    load(&mut app, two_sessions());
    app.handle_key(Key::Char('H'));
    let generation = match app.take_requests().pop() {
        Some(Request::Homes { generation, .. }) => generation,
        other => panic!("{other:?}"),
    };
    let mut other = home("/nonexistent/homes/other", 1, 4);
    other.last_seen_at = "not a time".to_string();
    assert!(app.apply(Reply::Homes { generation, homes: Ok(vec![home("/nonexistent/h1", 2, 2), other]) }));
    app.handle_key(Key::Down);
    let buf = render(&app);
    let lines = text(&buf);
    assert_eq!(lines[0], "agent-tty dashboard  read-only · choosing Home…");
    assert_eq!(lines[1], format!("╭{}╮", "─".repeat(118)));
    assert!(lines[2].starts_with("│Switch Home · active (2) "), "{}", lines[2]);
    assert!(lines[3].starts_with("│  ◉  h1                    2 active / 2      last seen "), "{}", lines[3]);
    assert!(
        lines[4].starts_with("│▸ ○  other                 1 active / 4      last seen ?"),
        "{}",
        lines[4]
    );
    assert!(lines[37].starts_with("│current: /nonexistent/h1 "), "{}", lines[37]);
    assert_eq!(lines[39], FOOTER_PICKER);
    assert_eq!(buf[(3, 3)].fg, Color::Green, "the current Home's dot");
    assert!(buf[(1, 4)].modifier.contains(Modifier::REVERSED), "the highlighted row");
    assert_eq!(buf[(0, 1)].fg, Color::Cyan);
}

#[test]
fn an_empty_picker_says_how_to_register_a_home() {
    let mut app = app_with(None);
    app.handle_key(Key::Char('H'));
    let lines = text(&render(&app));
    assert!(lines[2].starts_with("│Switch Home · active (0) "));
    assert!(!lines[3].contains("No registered Homes"), "not before the load answered");
    let generation = app.picker.generation;
    app.apply(Reply::Homes { generation, homes: Ok(vec![]) });
    let lines = text(&render(&app));
    assert!(lines[3].starts_with(&format!("│{NO_HOMES}")), "{}", lines[3]);
}

#[test]
fn load_errors_go_to_the_footer() {
    let mut app = app_with(None);
    app.size = (200, 40);
    let Some(Request::Sessions { generation, .. }) = app.take_requests().pop() else { panic!("no load") };
    app.apply(Reply::Sessions { generation, sessions: Err("cannot read sessions".into()) });
    let lines = text(&render(&app));
    assert_eq!(lines[39], format!("{FOOTER_LIST} · ERR: cannot read sessions"));
}

#[test]
fn any_terminal_size_renders() {
    let dir = tempfile::tempdir().unwrap();
    for (cols, rows) in [(0, 0), (1, 1), (10, 3), (20, 5), (33, 7), (300, 100)] {
        for keys in [&[][..], &[Key::Enter][..], &[Key::Char('H')][..], &[Key::Enter, Key::Char('z')][..]] {
            let mut app = app_with(None);
            load(&mut app, vec![followed(dir.path(), "S", (100, 30), "中文 text")]);
            until_frame(&mut app);
            app.size = (cols, rows);
            for key in keys {
                app.handle_key(*key);
            }
            render(&app);
        }
    }
}
