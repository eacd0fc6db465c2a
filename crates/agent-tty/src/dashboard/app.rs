//! The dashboard's state and everything that changes it: keys (in the priority order of
//! the spec: quit, the maximized layer, `H`, `a`, the Home picker, then list/live focus),
//! loaded session lists (with the pinning rules), loaded Home lists, terminal resizes and
//! Live View ticks. It never draws (`view` does) and never waits: loads are requested
//! through an outbox the loop hands to the loader thread.

use std::collections::HashMap;
use std::path::PathBuf;

use agent_tty_core::live_view::{LiveStatus, LiveView};
use agent_tty_core::registry::normalize_home;

use super::keys::Key;
use super::layout;
use super::picker::Picker;
use super::projection::Mode;
use super::sessions::{Scope, SessionEntry};
use super::worker::{Reply, Request};

/// Which part of the screen takes keys (maximizing is a layer above, not a focus).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The session list.
    List,
    /// The Live View (keys pan).
    Live,
    /// The Home picker (it covers the body).
    Home,
}

/// How the dashboard starts.
#[derive(Debug, Clone)]
pub struct Options {
    /// The Home observed first.
    pub home: PathBuf,
    /// The Home Registry file.
    pub registry: PathBuf,
    /// The initial scope.
    pub scope: Scope,
    /// `--session`: an id or id prefix to select.
    pub session: Option<String>,
    /// The terminal size `(cols, rows)`.
    pub size: (u16, u16),
}

/// The Live View of the selected session.
#[derive(Debug)]
pub struct Follower {
    /// The session it follows.
    pub id: String,
    /// The follower itself.
    pub view: LiveView,
}

/// The whole dashboard state.
#[derive(Debug)]
pub struct App {
    /// The observed Home.
    pub home: PathBuf,
    /// The scope of the session list and the Home picker.
    pub scope: Scope,
    /// Which pane takes keys.
    pub focus: Focus,
    /// Whether the Live View fills the body.
    pub maximized: bool,
    /// One-to-one or overview.
    pub mode: Mode,
    /// The pan offset `(row, col)` of the one-to-one view.
    pub pan: (u16, u16),
    /// The terminal size `(cols, rows)`.
    pub size: (u16, u16),
    /// The displayed sessions (the latest list plus a pinned selection).
    pub sessions: Vec<SessionEntry>,
    /// The selected session id.
    pub selected: Option<String>,
    /// The Live View of the selected session.
    pub live: Option<Follower>,
    /// The Home picker.
    pub picker: Picker,
    /// Why the last session-list or Home load failed, shown in the footer.
    pub error: Option<String>,
    /// Set by `q` and Ctrl-C.
    pub should_quit: bool,
    registry: PathBuf,
    preselect: Option<String>,
    remembered: HashMap<String, SessionEntry>,
    list_generation: u64,
    refresh_in_flight: bool,
    refresh_due: bool,
    outbox: Vec<Request>,
}

impl App {
    /// A dashboard that has loaded nothing yet (a refresh is due at once).
    pub fn new(options: Options) -> App {
        App {
            home: options.home,
            scope: options.scope,
            focus: Focus::List,
            maximized: false,
            mode: Mode::OneToOne,
            pan: (0, 0),
            size: options.size,
            sessions: Vec::new(),
            selected: options.session.clone(),
            live: None,
            picker: Picker::default(),
            error: None,
            should_quit: false,
            registry: options.registry,
            preselect: options.session,
            remembered: HashMap::new(),
            list_generation: 0,
            refresh_in_flight: false,
            refresh_due: true,
            outbox: Vec::new(),
        }
    }

    /// The selected session, if it is displayed.
    pub fn selected_entry(&self) -> Option<&SessionEntry> {
        let id = self.selected.as_deref()?;
        self.sessions.iter().find(|s| s.id == id)
    }

    /// The row of the selected session.
    pub fn selected_index(&self) -> Option<usize> {
        let id = self.selected.as_deref()?;
        self.sessions.iter().position(|s| s.id == id)
    }

    /// The Live View content size `(cols, rows)` of the current layout.
    pub fn pane_size(&self) -> (u16, u16) {
        layout::pane_size(self.size.0, self.size.1, self.maximized)
    }

    /// Whether `path` (a registry entry) is the observed Home.
    pub fn is_current_home(&self, path: &str) -> bool {
        normalize_home(&self.home) == path
    }

    /// Handles one key.
    pub fn handle_key(&mut self, key: Key) {
        if matches!(key, Key::Char('q') | Key::CtrlC) {
            self.should_quit = true;
        } else if self.maximized {
            self.maximized_key(key);
        } else if key == Key::Char('H') {
            self.toggle_picker();
        } else if key == Key::Char('a') {
            self.toggle_scope();
        } else if self.focus == Focus::Home {
            self.picker_key(key);
        } else {
            self.body_key(key);
        }
    }

    fn maximized_key(&mut self, key: Key) {
        match key {
            Key::Esc | Key::Enter => {
                self.maximized = false;
                self.pan = (0, 0);
            }
            Key::Char('z') => self.toggle_mode(),
            other => {
                if let Some(step) = other.pan_step() {
                    self.pan_by(step);
                }
            }
        }
    }

    fn picker_key(&mut self, key: Key) {
        match key {
            Key::Esc => self.focus = Focus::List,
            Key::Up | Key::Char('k') => self.picker.move_by(-1),
            Key::Down | Key::Char('j') => self.picker.move_by(1),
            Key::Enter => self.open_highlighted_home(),
            _ => {}
        }
    }

    fn body_key(&mut self, key: Key) {
        match (key, self.focus) {
            (Key::Tab, Focus::List) => self.focus = Focus::Live,
            (Key::Tab, _) => self.focus = Focus::List,
            (Key::Char('z'), _) => self.toggle_mode(),
            (Key::Enter, _) if self.selected_entry().is_some() => {
                self.maximized = true;
                self.pan = (0, 0);
            }
            (Key::Up | Key::Char('k'), Focus::List) => self.move_selection(-1),
            (Key::Down | Key::Char('j'), Focus::List) => self.move_selection(1),
            (other, Focus::Live) => {
                if let Some(step) = other.pan_step() {
                    self.pan_by(step);
                }
            }
            _ => {}
        }
    }

    fn toggle_mode(&mut self) {
        self.mode = match self.mode {
            Mode::OneToOne => Mode::Overview,
            Mode::Overview => Mode::OneToOne,
        };
        self.pan = (0, 0);
    }

    fn toggle_scope(&mut self) {
        self.scope = self.scope.toggled();
        self.reseed_list();
        if self.focus == Focus::Home {
            self.load_homes();
        }
    }

    fn toggle_picker(&mut self) {
        if self.focus == Focus::Home {
            self.focus = Focus::List;
        } else {
            self.focus = Focus::Home;
            self.load_homes();
        }
    }

    fn load_homes(&mut self) {
        let generation = self.picker.begin_load();
        self.outbox.retain(|r| !matches!(r, Request::Homes { .. }));
        let (registry, scope) = (self.registry.clone(), self.scope);
        self.outbox.push(Request::Homes { generation, registry, scope });
    }

    fn open_highlighted_home(&mut self) {
        let target = self.picker.highlighted().map(|h| h.path.clone());
        if let Some(path) = target.filter(|p| !self.is_current_home(p)) {
            self.home = PathBuf::from(path);
            self.sessions.clear();
            self.remembered.clear();
            self.selected = None;
            self.live = None;
            self.pan = (0, 0);
            self.reseed_list();
        }
        self.focus = Focus::List;
    }

    /// Makes any list in flight stale and asks for a fresh one at once.
    fn reseed_list(&mut self) {
        self.list_generation += 1;
        self.refresh_due = true;
    }

    fn move_selection(&mut self, delta: isize) {
        if self.sessions.is_empty() {
            return;
        }
        let at = self.selected_index().unwrap_or(0).saturating_add_signed(delta);
        let at = at.min(self.sessions.len() - 1);
        self.selected = Some(self.sessions[at].id.clone());
        self.pan = (0, 0);
        self.sync_follower();
    }

    /// Pans by `(rows, cols)`, clamped so the window stays on the current screen.
    fn pan_by(&mut self, (rows, cols): (i32, i32)) {
        let (pane_cols, pane_rows) = self.pane_size();
        let Some(frame) = self.live.as_ref().and_then(|f| f.view.frame()) else {
            self.pan = (0, 0);
            return;
        };
        let step = |at: u16, by: i32, max: u16| {
            u16::try_from((i32::from(at) + by).clamp(0, i32::from(max))).unwrap_or(0)
        };
        let row = step(self.pan.0, rows, frame.rows.saturating_sub(pane_rows));
        let col = step(self.pan.1, cols, frame.cols.saturating_sub(pane_cols));
        self.pan = (row, col);
    }

    /// The terminal was resized. The pan offset is kept (projection re-clamps it).
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.size = (cols, rows);
    }

    /// The periodic refresh: due unless the previous one is still running.
    pub fn refresh_timer(&mut self) {
        if !self.refresh_in_flight {
            self.refresh_due = true;
        }
    }

    /// The loads to start now.
    pub fn take_requests(&mut self) -> Vec<Request> {
        if self.refresh_due && !self.refresh_in_flight {
            self.refresh_due = false;
            self.refresh_in_flight = true;
            let (generation, home, scope) = (self.list_generation, self.home.clone(), self.scope);
            self.outbox.push(Request::Sessions { generation, home, scope });
        }
        std::mem::take(&mut self.outbox)
    }

    /// Takes a finished load; true when something visible changed.
    pub fn apply(&mut self, reply: Reply) -> bool {
        match reply {
            Reply::Sessions { generation, sessions } => {
                self.refresh_in_flight = false;
                if generation != self.list_generation {
                    return false;
                }
                match sessions {
                    Ok(sessions) => {
                        self.error = None;
                        self.apply_sessions(sessions);
                    }
                    Err(message) => self.error = Some(message),
                }
                true
            }
            Reply::Homes { generation, homes: Ok(homes) } => self.picker.loaded(generation, homes),
            Reply::Homes { generation, homes: Err(message) } => {
                let current = generation == self.picker.generation;
                if current {
                    self.error = Some(message);
                }
                current
            }
        }
    }

    /// The pinning rules: the selected session stays displayed after it left the list
    /// (until its Event Log was collected); then the selection is kept, else the first
    /// `--session` prefix match, else the newest session.
    fn apply_sessions(&mut self, fresh: Vec<SessionEntry>) {
        for session in &fresh {
            self.remembered.insert(session.id.clone(), session.clone());
        }
        let mut displayed = fresh;
        let collected = self.live.as_ref().is_some_and(|f| f.view.status() == LiveStatus::Collected);
        if let Some(id) = &self.selected
            && !collected
            && !displayed.iter().any(|s| &s.id == id)
            && let Some(pinned) = self.remembered.get(id)
        {
            displayed.push(pinned.clone());
        }
        self.sessions = displayed;
        if self.selected_entry().is_none() {
            let prefix = self.preselect.as_deref();
            let requested = prefix.and_then(|p| self.sessions.iter().find(|s| s.id.starts_with(p)));
            self.selected = requested.or(self.sessions.first()).map(|s| s.id.clone());
        }
        self.sync_follower();
    }

    /// Starts following the selected session when the selection changed.
    fn sync_follower(&mut self) {
        let Some(entry) = self.selected_entry() else {
            self.live = None;
            return;
        };
        if self.live.as_ref().is_some_and(|f| f.id == entry.id) {
            return;
        }
        let (cols, rows) = entry.initial_size;
        let view = LiveView::new(entry.events.clone(), cols, rows);
        self.live = Some(Follower { id: entry.id.clone(), view });
    }

    /// Advances the Live View; true when its frame or status changed.
    pub fn tick(&mut self) -> bool {
        self.live.as_mut().is_some_and(|f| f.view.tick())
    }

    /// Whether the Live View has more Event Log to read right away.
    pub fn live_has_more(&self) -> bool {
        self.live.as_ref().is_some_and(|f| f.view.has_more())
    }
}

#[cfg(test)]
pub(crate) mod tests;
