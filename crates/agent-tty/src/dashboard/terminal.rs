//! The dashboard's own terminal: raw mode and the alternate screen for as long as the
//! dashboard runs, given back on every way out — a normal return, an error, or a panic
//! (a panic hook restores the terminal before the default hook prints the message). A
//! panic on the loader thread is caught there and shown in the footer instead, so the
//! hook stays silent for it and leaves the terminal alone.

use std::io::{Stdout, stdout};
use std::sync::Once;

use crossterm::cursor::Show;
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::worker::LOADER_THREAD;

/// The terminal the dashboard draws on.
pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Sets the terminal up, runs `body` on it and restores the terminal whatever happens.
pub fn with_terminal<T>(body: impl FnOnce(&mut Term) -> std::io::Result<T>) -> std::io::Result<T> {
    install_panic_hook();
    let result = enter().and_then(|mut terminal| body(&mut terminal));
    restore();
    result
}

fn enter() -> std::io::Result<Term> {
    enable_raw_mode()?;
    execute!(stdout(), EnterAlternateScreen)?;
    Terminal::new(CrosstermBackend::new(stdout()))
}

/// Leaves raw mode and the alternate screen and shows the cursor. Each step is tried
/// even when an earlier one failed; restoring a terminal that was never set up is
/// harmless.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(stdout(), LeaveAlternateScreen, Show);
}

/// Chains a terminal restore in front of the current panic hook (once per process).
fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(LOADER_THREAD) {
                restore();
                previous(info);
            }
        }));
    });
}
