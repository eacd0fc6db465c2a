//! `agent-tty dashboard` (alias `d`): a read-only, live view of a Home's sessions — a
//! session list and the Live View of the selected session, plus a picker to switch to
//! another registered Home.
//!
//! The dashboard never sends input, never resizes a session and never talks to a host: a
//! Live View replays the session's Event Log into a private screen (`core::live_view`).
//! Its only side effect is the one `list` has: refreshing the list reconciles Active
//! sessions whose host died. There is no `--json` form; `list --json` covers scripts.
//!
//! This file holds the entry (the TTY check, terminal set-up and tear-down) and the loop:
//! wait for a key, a resize or the next deadline; hand keys and loaded lists to
//! [`app::App`]; tick the Live View every 33 ms (back to back while it has a backlog);
//! refresh the list every 1 500 ms on the loader thread; draw [`view`] only when
//! something changed.

mod app;
mod keys;
mod layout;
mod live_pane;
mod picker;
mod projection;
mod sessions;
mod signals;
mod terminal;
mod view;
mod worker;

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use agent_tty_core::{Error, Result};
use crossterm::event::{self, Event};

use crate::cli::DashboardArgs;
use crate::context::Context;
use crate::output::Outcome;
use app::{App, Options};
use keys::Key;
use sessions::Scope;
use terminal::Term;
use worker::Worker;

/// The error when stdin or stdout is not a terminal.
pub const NOT_A_TTY: &str = "agent-tty dashboard requires an interactive terminal: stdin and stdout must \
                             both be a TTY. It is interactive-only and does not support --json or \
                             piped/CI use.";

/// How often the Live View looks for new events (and the shortest time between two
/// frames that no key asked for).
const FRAME_INTERVAL: Duration = Duration::from_millis(33);

/// How often the session list is refreshed.
const REFRESH_INTERVAL: Duration = Duration::from_millis(1_500);

/// The dashboard's result: `null` (it has no JSON form; this is what an envelope would carry).
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct DashboardResult;

/// Runs the dashboard until the user quits.
pub fn run(context: &Context, args: &DashboardArgs) -> Result<Outcome> {
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Err(Error::invalid_input(NOT_A_TTY));
    }
    signals::catch_termination();
    let options = Options {
        home: context.home.path.clone(),
        registry: context.registry_path(),
        scope: if args.all { Scope::All } else { Scope::Active },
        // A name or an id prefix the Home resolves becomes the full id; anything else is
        // matched as a prefix of the displayed ids, as before.
        session: args.session.as_deref().map(|input| {
            agent_tty_core::address::resolve(&context.home.path, input).unwrap_or_else(|_| input.to_string())
        }),
        size: (0, 0),
    };
    terminal::with_terminal(|terminal| {
        let size = terminal.size()?;
        run_loop(terminal, App::new(Options { size: (size.width, size.height), ..options }))
    })
    .map_err(|e| Error::internal(format!("The dashboard's terminal failed: {e}.")))?;
    Ok(Outcome { raw: Some(String::new()), ..Outcome::new(DashboardResult, Vec::new()) })
}

/// When the loop next has something to do on its own.
#[derive(Debug)]
struct Deadlines {
    tick: Instant,
    refresh: Instant,
    last_draw: Instant,
}

/// The loop: one iteration per wake-up (a key, a resize, a deadline).
fn run_loop(terminal: &mut Term, mut app: App) -> std::io::Result<()> {
    let worker = Worker::spawn()?;
    let start = Instant::now();
    let mut at = Deadlines { tick: start, refresh: start + REFRESH_INTERVAL, last_draw: start };
    let (mut dirty, mut urgent) = (true, true);
    loop {
        for request in app.take_requests() {
            if !worker.send(request) {
                return Err(loader_gone());
            }
        }
        if dirty && (urgent || at.last_draw.elapsed() >= FRAME_INTERVAL) {
            terminal.draw(|frame| frame.render_widget(&app, frame.area()))?;
            at.last_draw = Instant::now();
            (dirty, urgent) = (false, false);
        }
        if app.should_quit || signals::terminated() || !signals::terminal_alive() {
            return Ok(());
        }
        if event::poll(wait_time(&at, &app, dirty))? {
            // A hung-up terminal polls readable forever and a read of it never returns.
            if !signals::terminal_alive() {
                return Ok(());
            }
            urgent = handle_events(&mut app)?;
            dirty |= urgent;
        }
        while let Some(reply) = worker.try_recv().map_err(|()| loader_gone())? {
            dirty |= app.apply(reply);
        }
        let now = Instant::now();
        if urgent || now >= at.tick || app.live_has_more() {
            dirty |= app.tick();
            at.tick = now + FRAME_INTERVAL;
        }
        if now >= at.refresh {
            app.refresh_timer();
            at.refresh = now + REFRESH_INTERVAL;
        }
    }
}

/// The loader thread ended, which only a bug can cause (it turns panics into errors).
fn loader_gone() -> std::io::Error {
    std::io::Error::other("the session list loader stopped")
}

/// How long to wait for input: until the next tick or refresh, not at all while the Live
/// View has a backlog, and no longer than the next frame when one is pending.
fn wait_time(at: &Deadlines, app: &App, dirty: bool) -> Duration {
    if app.live_has_more() {
        return Duration::ZERO;
    }
    let now = Instant::now();
    let mut until = at.tick.min(at.refresh);
    if dirty {
        until = until.min(at.last_draw + FRAME_INTERVAL);
    }
    until.saturating_duration_since(now)
}

/// Reads every pending terminal event; true when any of them was a key the app took or
/// a resize (both redraw at once).
fn handle_events(app: &mut App) -> std::io::Result<bool> {
    let mut changed = false;
    loop {
        match event::read()? {
            Event::Key(key) => {
                if let Some(key) = Key::from_event(&key) {
                    app.handle_key(key);
                    changed = true;
                }
            }
            Event::Resize(cols, rows) => {
                app.resize(cols, rows);
                changed = true;
            }
            _ => {}
        }
        if app.should_quit || !event::poll(Duration::ZERO)? || !signals::terminal_alive() {
            return Ok(changed);
        }
    }
}
