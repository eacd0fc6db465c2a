//! Key priorities (spec §5), the pinning and selection rules (§3.2), the Home picker's
//! state (§6) and load bookkeeping, on an `App` fed by hand (no loader thread, no
//! terminal).

use std::path::Path;

use agent_tty_core::event_log::EventLogWriter;
use agent_tty_core::home_scan::HomeSummary;
use agent_tty_core::manifest::Status;

use super::*;
use crate::dashboard::picker::tests::home;
use crate::dashboard::sessions::tests::entry;

pub(crate) fn app_with(session: Option<&str>) -> App {
    App::new(Options {
        home: PathBuf::from("/nonexistent/h1"),
        registry: PathBuf::from("/nonexistent/state/homes.json"),
        scope: Scope::Active,
        session: session.map(String::from),
        size: (120, 40),
    })
}

/// Answers the pending session-list request with `sessions`.
pub(crate) fn load(app: &mut App, sessions: Vec<SessionEntry>) {
    let generation = app
        .take_requests()
        .into_iter()
        .find_map(|r| match r {
            Request::Sessions { generation, .. } => Some(generation),
            Request::Homes { .. } => None,
        })
        .expect("a session-list request");
    assert!(app.apply(Reply::Sessions { generation, sessions: Ok(sessions) }));
}

/// Answers the pending Home load with `homes`.
fn load_homes(app: &mut App, requests: Vec<Request>, homes: Vec<HomeSummary>) {
    let generation = requests
        .into_iter()
        .find_map(|r| match r {
            Request::Homes { generation, .. } => Some(generation),
            Request::Sessions { .. } => None,
        })
        .expect("a Home request");
    assert!(app.apply(Reply::Homes { generation, homes: Ok(homes) }));
}

fn three() -> Vec<SessionEntry> {
    vec![
        entry("C-new", Status::Running, "2026-01-03T00:00:00.000Z"),
        entry("B-mid", Status::Running, "2026-01-02T00:00:00.000Z"),
        entry("A-old", Status::Running, "2026-01-01T00:00:00.000Z"),
    ]
}

/// A session whose Event Log (in `dir`) holds one output event on a `cols`×`rows` screen.
pub(crate) fn followed(dir: &Path, id: &str, size: (u16, u16), output: &str) -> SessionEntry {
    let events = dir.join(format!("{id}.jsonl"));
    let mut log = EventLogWriter::open(&events).unwrap();
    log.push_output(output);
    log.flush().unwrap();
    SessionEntry { events, initial_size: size, ..entry(id, Status::Running, "2026-01-01T00:00:00.000Z") }
}

/// Ticks until the Live View shows a frame.
pub(crate) fn until_frame(app: &mut App) {
    for _ in 0..1000 {
        app.tick();
        if app.live.as_ref().is_some_and(|f| f.view.frame().is_some()) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    panic!("no frame");
}

#[test]
fn q_and_ctrl_c_quit_from_every_layer() {
    for setup in [None, Some(Key::Char('H')), Some(Key::Enter), Some(Key::Tab)] {
        for quit in [Key::Char('q'), Key::CtrlC] {
            let mut app = app_with(None);
            load(&mut app, three());
            if let Some(key) = setup {
                app.handle_key(key);
            }
            app.handle_key(quit);
            assert!(app.should_quit, "{quit:?} after {setup:?}");
        }
    }
}

#[test]
fn the_maximized_layer_swallows_everything_but_its_keys() {
    let mut app = app_with(None);
    load(&mut app, three());
    app.handle_key(Key::Enter);
    assert!(app.maximized);
    for key in [Key::Tab, Key::Char('H'), Key::Char('a'), Key::Char('x')] {
        app.handle_key(key);
    }
    assert_eq!((app.focus, app.scope, app.maximized), (Focus::List, Scope::Active, true));
    assert!(app.take_requests().is_empty(), "neither a scope change nor a Home load");
    app.handle_key(Key::Char('z'));
    assert_eq!(app.mode, Mode::Overview);
    app.handle_key(Key::Esc);
    assert!(!app.maximized);
    assert_eq!(app.focus, Focus::List, "maximizing never changes focus");
    app.handle_key(Key::Enter);
    app.handle_key(Key::Enter);
    assert!(!app.maximized, "Enter restores too");
}

#[test]
fn enter_maximizes_only_with_a_selection() {
    let mut app = app_with(None);
    app.handle_key(Key::Enter);
    assert!(!app.maximized);
    load(&mut app, vec![]);
    app.handle_key(Key::Enter);
    assert!(!app.maximized);
}

#[test]
fn list_keys_move_the_selection_clamped_and_live_keys_pan() {
    let mut app = app_with(None);
    load(&mut app, three());
    assert_eq!(app.selected.as_deref(), Some("C-new"), "the newest is selected first");
    app.handle_key(Key::Char('j'));
    app.handle_key(Key::Down);
    app.handle_key(Key::Down);
    assert_eq!(app.selected.as_deref(), Some("A-old"), "clamped at the last row");
    app.handle_key(Key::Up);
    app.handle_key(Key::Char('k'));
    app.handle_key(Key::Char('k'));
    assert_eq!(app.selected.as_deref(), Some("C-new"), "clamped at the first row");
    app.handle_key(Key::Char('h'));
    app.handle_key(Key::Char('l'));
    assert_eq!((app.selected.as_deref(), app.pan), (Some("C-new"), (0, 0)), "h/l do nothing in the list");
    app.handle_key(Key::Tab);
    assert_eq!(app.focus, Focus::Live);
    app.handle_key(Key::Char('j'));
    assert_eq!(app.selected.as_deref(), Some("C-new"), "live focus does not move the selection");
    app.handle_key(Key::Tab);
    assert_eq!(app.focus, Focus::List);
}

#[test]
fn panning_is_clamped_to_the_screen_and_reset_by_mode_and_selection() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with(None);
    let big = followed(dir.path(), "BIG", (200, 60), "hello");
    load(&mut app, vec![big, entry("OTHER", Status::Running, "2025-01-01T00:00:00.000Z")]);
    until_frame(&mut app);
    app.handle_key(Key::Tab);
    app.handle_key(Key::Left);
    app.handle_key(Key::Char('k'));
    assert_eq!(app.pan, (0, 0));
    for _ in 0..300 {
        app.handle_key(Key::Right);
        app.handle_key(Key::Char('j'));
    }
    let (pane_cols, pane_rows) = app.pane_size();
    assert_eq!(app.pan, (60 - pane_rows, 200 - pane_cols), "clamped to the last window");
    app.handle_key(Key::Char('h'));
    app.handle_key(Key::Up);
    assert_eq!(app.pan, (60 - pane_rows - 1, 200 - pane_cols - 1));
    app.handle_key(Key::Char('z'));
    assert_eq!((app.mode, app.pan), (Mode::Overview, (0, 0)));
    app.handle_key(Key::Char('z'));
    app.handle_key(Key::Char('l'));
    app.handle_key(Key::Tab);
    app.handle_key(Key::Down);
    assert_eq!((app.selected.as_deref(), app.pan), (Some("OTHER"), (0, 0)));
    app.handle_key(Key::Up);
    until_frame(&mut app);
    app.handle_key(Key::Enter);
    app.handle_key(Key::Char('l'));
    assert_eq!(app.pan, (0, 1), "maximized panning");
    app.handle_key(Key::Esc);
    assert_eq!(app.pan, (0, 0));
}

#[test]
fn the_selected_session_stays_pinned_until_its_log_is_collected() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with(None);
    let gone = followed(dir.path(), "GONE", (80, 24), "x");
    load(&mut app, vec![gone.clone(), entry("KEEP", Status::Running, "2025-01-01T00:00:00.000Z")]);
    assert_eq!(app.selected.as_deref(), Some("GONE"));
    until_frame(&mut app);
    app.refresh_timer();
    load(&mut app, vec![entry("KEEP", Status::Running, "2025-01-01T00:00:00.000Z")]);
    let ids: Vec<&str> = app.sessions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["KEEP", "GONE"], "pinned at the end");
    assert_eq!(app.selected.as_deref(), Some("GONE"));
    std::fs::remove_file(&gone.events).unwrap();
    app.tick();
    assert_eq!(app.live.as_ref().map(|f| f.view.status()), Some(LiveStatus::Collected));
    app.refresh_timer();
    load(&mut app, vec![entry("KEEP", Status::Running, "2025-01-01T00:00:00.000Z")]);
    assert_eq!(app.sessions.len(), 1, "a collected session is dropped");
    assert_eq!(app.selected.as_deref(), Some("KEEP"), "then the newest is selected");
    app.refresh_timer();
    load(&mut app, vec![]);
    assert_eq!(app.selected.as_deref(), Some("KEEP"), "pinned: its log never appeared (pending)");
    assert_eq!(app.live.as_ref().map(|f| f.view.status()), Some(LiveStatus::Pending));
}

#[test]
fn session_flag_selects_by_prefix_after_the_selection() {
    let mut app = app_with(Some("B-"));
    load(&mut app, three());
    assert_eq!(app.selected.as_deref(), Some("B-mid"));
    let mut app = app_with(Some("A-old"));
    load(&mut app, three());
    assert_eq!(app.selected.as_deref(), Some("A-old"), "an exact id");
    app.handle_key(Key::Up);
    app.refresh_timer();
    load(&mut app, three());
    assert_eq!(app.selected.as_deref(), Some("B-mid"), "the current selection wins while displayed");
    let mut app = app_with(Some("nope"));
    load(&mut app, three());
    assert_eq!(app.selected.as_deref(), Some("C-new"), "no match: the newest");
}

#[test]
fn refreshes_are_skipped_while_one_runs_and_stale_lists_are_dropped() {
    let mut app = app_with(None);
    let first = app.take_requests();
    assert_eq!(first.len(), 1);
    app.refresh_timer();
    assert!(app.take_requests().is_empty(), "skipped while the previous one runs");
    app.handle_key(Key::Char('a'));
    assert_eq!(app.scope, Scope::All);
    assert!(app.take_requests().is_empty(), "still one at a time");
    let Request::Sessions { generation, .. } = &first[0] else { panic!("{first:?}") };
    assert!(!app.apply(Reply::Sessions { generation: *generation, sessions: Ok(three()) }), "stale");
    assert!(app.sessions.is_empty());
    let again = app.take_requests();
    assert!(
        matches!(&again[..], [Request::Sessions { scope: Scope::All, .. }]),
        "the new scope is loaded at once: {again:?}"
    );
}

#[test]
fn the_home_picker_browses_without_switching_until_enter() {
    let mut app = app_with(None);
    load(&mut app, three());
    app.handle_key(Key::Char('H'));
    assert_eq!(app.focus, Focus::Home);
    let requests = app.take_requests();
    assert!(matches!(&requests[..], [Request::Homes { scope: Scope::Active, .. }]), "{requests:?}");
    load_homes(&mut app, requests, vec![home("/nonexistent/h1", 3, 3), home("/nonexistent/h2", 1, 2)]);
    app.handle_key(Key::Char('j'));
    app.handle_key(Key::Down);
    assert_eq!(app.picker.highlight, 1, "clamped");
    for key in [Key::Tab, Key::Char('z'), Key::Left, Key::Char('l')] {
        app.handle_key(key);
    }
    assert_eq!((app.focus, app.mode, app.picker.highlight), (Focus::Home, Mode::OneToOne, 1), "swallowed");
    app.handle_key(Key::Char('a'));
    assert_eq!(app.scope, Scope::All, "the scope toggles in the picker too");
    let requests = app.take_requests();
    assert!(requests.iter().any(|r| matches!(r, Request::Homes { scope: Scope::All, .. })));
    load_homes(&mut app, requests, vec![home("/nonexistent/h1", 3, 3), home("/nonexistent/h2", 0, 2)]);
    assert_eq!(app.picker.highlight, 0, "a reload starts at the first row");
    app.handle_key(Key::Esc);
    assert_eq!((app.focus, app.home.as_path()), (Focus::List, Path::new("/nonexistent/h1")));
    app.handle_key(Key::Char('H'));
    app.handle_key(Key::Char('H'));
    assert_eq!(app.focus, Focus::List, "H closes the picker");
    app.handle_key(Key::Char('H'));
    let requests = app.take_requests();
    load_homes(&mut app, requests, vec![home("/nonexistent/h1", 3, 3), home("/nonexistent/h2", 0, 2)]);
    app.handle_key(Key::Enter);
    assert_eq!(app.home, PathBuf::from("/nonexistent/h1"), "Enter on the current Home changes nothing");
    assert_eq!((app.focus, app.sessions.len()), (Focus::List, 3));
}

#[test]
fn entering_another_home_reseeds_the_list() {
    let mut app = app_with(None);
    load(&mut app, three());
    app.handle_key(Key::Tab);
    app.handle_key(Key::Char('H'));
    let requests = app.take_requests();
    load_homes(&mut app, requests, vec![home("/nonexistent/h2", 1, 1)]);
    app.handle_key(Key::Enter);
    assert_eq!(app.home, PathBuf::from("/nonexistent/h2"));
    assert_eq!(app.focus, Focus::List);
    assert!(app.sessions.is_empty() && app.selected.is_none() && app.live.is_none());
    let requests = app.take_requests();
    let expected = PathBuf::from("/nonexistent/h2");
    assert!(matches!(&requests[..], [Request::Sessions { home, .. }] if *home == expected), "{requests:?}");
}

#[test]
fn stale_home_loads_are_dropped() {
    let mut app = app_with(None);
    app.handle_key(Key::Char('H'));
    let old = app.take_requests();
    app.handle_key(Key::Char('a'));
    let Some(Request::Homes { generation, .. }) =
        old.into_iter().find(|r| matches!(r, Request::Homes { .. }))
    else {
        panic!("no Home request");
    };
    assert!(!app.apply(Reply::Homes { generation, homes: Ok(vec![home("/x", 1, 1)]) }));
    assert_eq!(app.picker.homes, None);
}

#[test]
fn failed_loads_are_reported_and_the_list_is_kept() {
    let mut app = app_with(None);
    load(&mut app, three());
    app.refresh_timer();
    let Some(Request::Sessions { generation, .. }) = app.take_requests().pop() else { panic!("no refresh") };
    assert!(app.apply(Reply::Sessions { generation, sessions: Err("disk on fire".into()) }));
    assert_eq!((app.error.as_deref(), app.sessions.len()), (Some("disk on fire"), 3));
    app.refresh_timer();
    load(&mut app, three());
    assert_eq!(app.error, None, "a good refresh clears it");
    app.handle_key(Key::Char('H'));
    let Some(Request::Homes { generation, .. }) = app.take_requests().pop() else { panic!("no load") };
    assert!(app.apply(Reply::Homes { generation, homes: Err("registry on fire".into()) }));
    assert_eq!(app.error.as_deref(), Some("registry on fire"));
}
