//! Draws an [`App`] and never changes it: the header, then either the session list and
//! the Live View (or the maximized Live View alone) or the Home picker, then the footer.
//! Every region comes from `layout`; drawing is clipped to the buffer, so any terminal
//! size is safe.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Widget};

use agent_tty_core::manifest::Status;

use super::app::{App, Focus};
use super::layout::{self, list_id, short_home, short_id, window_start};
use super::live_pane;
use super::picker::row_text;

const FOOTER_MAXIMIZED: &str = "maximized · ↑/↓ h/j/k/l pan · z overview · esc/⏎ restore · q quit";
const FOOTER_PICKER: &str = "↑/↓ j/k select Home · ⏎ open · a scope · esc cancel · q quit";
const FOOTER_LIST: &str =
    "focus:list · Tab switch · ↑/↓ j/k select · ⏎ maximize · a scope · H homes · z overview · q quit";
const FOOTER_LIVE: &str =
    "focus:live · Tab switch · ↑/↓ h/j/k/l pan · ⏎ maximize · a scope · H homes · z overview · q quit";
const NO_HOMES: &str = "No registered Homes — create a session in one to register it.";

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let areas = layout::areas(area, self.maximized);
        let pane = layout::pane_size(area.width, area.height, self.maximized);
        header(self, areas.header, buf);
        if self.focus == Focus::Home && !self.maximized {
            picker(self, areas.body, pane.1, buf);
        } else {
            if let Some(list) = areas.list {
                session_list(self, list, pane.1, buf);
            }
            live_pane::render(self, areas.live, pane, buf);
        }
        footer(self, areas.footer, buf);
    }
}

fn dim() -> Style {
    Style::new().add_modifier(Modifier::DIM)
}

fn header(app: &App, area: Rect, buf: &mut Buffer) {
    let title =
        Span::styled("agent-tty dashboard", Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD));
    let detail = if app.focus == Focus::Home && !app.maximized {
        "  read-only · choosing Home…".to_string()
    } else {
        let home = short_home(&app.home.display().to_string());
        match app.selected_entry() {
            Some(s) => format!("  read-only · {home} · {} {}", short_id(&s.id), s.status.as_str()),
            None => format!("  read-only · {home} · no session selected"),
        }
    };
    Line::from(vec![title, Span::styled(detail, dim())]).render(area, buf);
}

/// Session-list dots: green running, yellow exiting/destroying, red failed, dim otherwise.
fn status_dot(status: Status) -> Span<'static> {
    match status {
        Status::Running => Span::styled("●", Style::new().fg(Color::Green)),
        Status::Exiting | Status::Destroying => Span::styled("◐", Style::new().fg(Color::Yellow)),
        Status::Failed => Span::styled("○", Style::new().fg(Color::Red)),
        Status::Exited | Status::Destroyed => Span::styled("○", dim()),
    }
}

/// `▸ ` or two spaces.
fn marker(selected: bool) -> &'static str {
    if selected { "▸ " } else { "  " }
}

/// ` ↑` / ` ↓` when rows are hidden above / below the window.
fn scroll_marks(start: usize, visible: usize, len: usize) -> String {
    let mut marks = String::new();
    if start > 0 {
        marks.push_str(" ↑");
    }
    if start + visible < len {
        marks.push_str(" ↓");
    }
    marks
}

/// Renders `line` on row `row` of `area` (nothing when that row is outside it).
fn put_line(line: Line<'_>, area: Rect, row: u16, buf: &mut Buffer) {
    if row < area.height {
        line.render(Rect { y: area.y + row, height: 1, ..area }, buf);
    }
}

fn session_list(app: &App, area: Rect, pane_rows: u16, buf: &mut Buffer) {
    let visible = usize::from(pane_rows.saturating_sub(1).max(1));
    let len = app.sessions.len();
    let selected = app.selected_index();
    let start = window_start(len, selected.unwrap_or(0), visible);
    let title = format!("Sessions · {} ({len}){}", app.scope.as_str(), scroll_marks(start, visible, len));
    let mut title_style = Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
    if app.focus == Focus::List {
        title_style = title_style.fg(Color::Cyan);
    }
    put_line(Line::styled(title, title_style), area, 0, buf);
    if len == 0 {
        put_line(Line::styled("no sessions", dim()), area, 1, buf);
    }
    for (row, (index, session)) in (1..).zip(app.sessions.iter().enumerate().skip(start).take(visible)) {
        let is_selected = selected == Some(index);
        let text = format!(" {} {}", list_id(&session.id, area.width), session.label);
        let mut spans = vec![Span::raw(marker(is_selected)), status_dot(session.status), Span::raw(text)];
        if is_selected {
            spans = spans.into_iter().map(|s| s.patch_style(Modifier::REVERSED)).collect();
        }
        put_line(Line::from(spans), area, row, buf);
    }
}

fn picker(app: &App, area: Rect, pane_rows: u16, buf: &mut Buffer) {
    let block = Block::bordered().border_type(BorderType::Rounded).border_style(Style::new().fg(Color::Cyan));
    let inner = block.inner(area);
    block.render(area, buf);
    let visible = usize::from(pane_rows.saturating_sub(4).max(1));
    let homes = app.picker.homes.as_deref().unwrap_or_default();
    let start = window_start(homes.len(), app.picker.highlight, visible);
    let marks = scroll_marks(start, visible, homes.len());
    let title = format!("Switch Home · {} ({}){marks}", app.scope.as_str(), homes.len());
    put_line(Line::styled(title, Style::new().add_modifier(Modifier::BOLD)), inner, 0, buf);
    if app.picker.homes.as_ref().is_some_and(Vec::is_empty) {
        put_line(Line::styled(NO_HOMES, dim()), inner, 1, buf);
    }
    let now = agent_tty_core::time::now_ms();
    for (row, (index, home)) in (1..).zip(homes.iter().enumerate().skip(start).take(visible)) {
        let highlighted = index == app.picker.highlight;
        let dot = if app.is_current_home(&home.path) {
            Span::styled("◉", Style::new().fg(Color::Green))
        } else {
            Span::styled("○", dim())
        };
        let text = format!("  {}", row_text(home, now));
        let mut spans = vec![Span::raw(marker(highlighted)), dot, Span::raw(text)];
        if highlighted {
            spans = spans.into_iter().map(|s| s.patch_style(Modifier::REVERSED)).collect();
        }
        put_line(Line::from(spans), inner, row, buf);
    }
    let current = format!("current: {}", short_home(&app.home.display().to_string()));
    put_line(Line::styled(current, dim()), inner, inner.height.saturating_sub(1), buf);
}

fn footer(app: &App, area: Rect, buf: &mut Buffer) {
    let text = if app.maximized {
        FOOTER_MAXIMIZED
    } else {
        match app.focus {
            Focus::Home => FOOTER_PICKER,
            Focus::List => FOOTER_LIST,
            Focus::Live => FOOTER_LIVE,
        }
    };
    let mut text = text.to_string();
    if let Some(error) = &app.error {
        text.push_str(&format!(" · ERR: {error}"));
    }
    Line::styled(text, dim()).render(area, buf);
}

#[cfg(test)]
mod tests;
