//! Draws the Live View box: its status line (screen size, modes, clipped edges, exit
//! badge), then the error, collected or waiting notice, or the projected screen.
//!
//! Painting a projected row writes each cell at its own column, so a wide glyph takes its
//! two columns and its spacer cell is skipped. The program's colours are passed through
//! (palette indexes stay indexes, so the host terminal's theme shows), except the
//! defaults — and the reference-dark default RGB values — which are left unset. Styles are
//! set per cell; the backend emits an SGR change only where the style changes, so a row
//! goes out as runs of one style. The cursor cell is drawn in inverse video.

use agent_tty_core::live_view::{ExitInfo, LiveStatus};
use agent_tty_vt::{Color as VtColor, DEFAULT_BG, DEFAULT_FG, Snapshot, Style as VtStyle};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Widget};

use super::app::{App, Focus};
use super::projection::{Mode, Projection, project};

/// Draws the Live View box of `app` into `area` (borders included); the projected
/// screen gets `pane` = `(cols, rows)`.
pub fn render(app: &App, area: Rect, pane: (u16, u16), buf: &mut Buffer) {
    let focused = app.maximized || app.focus == Focus::Live;
    let colour = if focused { Color::Cyan } else { Color::DarkGray };
    let block = Block::bordered().border_type(BorderType::Rounded).border_style(Style::new().fg(colour));
    let inner = block.inner(area);
    block.render(area, buf);
    let status_area = Rect { height: 1.min(inner.height), ..inner };
    let body = Rect { y: inner.y + 1, height: inner.height.saturating_sub(1), ..inner };
    let live = app.live.as_ref().map(|f| &f.view);
    let status = live.map_or(LiveStatus::Pending, |v| v.status());
    let mut status_line = String::from("live view");
    if let Some(message) = live.and_then(|v| v.error()) {
        Line::styled(format!("Live View error: {message}"), Style::new().fg(Color::Red)).render(body, buf);
    } else if status == LiveStatus::Collected {
        let notice = "Event Log collected — session no longer available.";
        Line::styled(notice, Style::new().fg(Color::Yellow)).render(body, buf);
    } else if let Some(frame) = live.and_then(|v| v.frame()) {
        let projection = project(frame, pane.0, pane.1, app.mode, app.pan);
        status_line = screen_label(frame, app.mode, &projection);
        paint(&projection, body, buf);
    } else {
        Line::styled("Waiting for output…", Style::new().add_modifier(Modifier::DIM)).render(body, buf);
    }
    if status == LiveStatus::Exited {
        status_line.push_str("  ·  ");
        status_line.push_str(&exit_badge(live.and_then(|v| v.exit())));
    }
    Line::styled(status_line, Style::new().add_modifier(Modifier::DIM)).render(status_area, buf);
}

/// `screen <cols>×<rows>` plus ` [alt]`, ` [overview]` and ` clip ↑↓←→` as they apply.
pub fn screen_label(frame: &Snapshot, mode: Mode, projection: &Projection) -> String {
    let mut label = format!("screen {}×{}", frame.cols, frame.rows);
    if frame.is_alt_screen {
        label.push_str(" [alt]");
    }
    if mode == Mode::Overview {
        label.push_str(" [overview]");
    }
    let edges = &projection.truncated;
    let marks: String = [(edges.top, '↑'), (edges.bottom, '↓'), (edges.left, '←'), (edges.right, '→')]
        .iter()
        .filter(|(clipped, _)| *clipped)
        .map(|(_, mark)| *mark)
        .collect();
    if !marks.is_empty() {
        label.push_str(" clip ");
        label.push_str(&marks);
    }
    label
}

/// How the session ended: by signal, with code 0, with another code, or unknown.
pub fn exit_badge(exit: Option<&ExitInfo>) -> String {
    match exit {
        None => "exited".to_string(),
        Some(ExitInfo { exit_signal: Some(signal), .. }) => format!("exited (signal {signal})"),
        Some(ExitInfo { exit_code: Some(0), .. }) => "exited (code 0)".to_string(),
        Some(ExitInfo { exit_code: Some(code), .. }) => format!("failed (code {code})"),
        Some(ExitInfo { exit_code: None, .. }) => "failed (code ?)".to_string(),
    }
}

/// Paints the projected rows into `area`, clipping what does not fit.
fn paint(projection: &Projection, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(*buf.area());
    for (y, row) in (area.top()..area.bottom()).zip(&projection.rows) {
        let mut previous: Option<(VtStyle, bool, Style)> = None;
        for (x, cell) in (area.left()..area.right()).zip(row) {
            if cell.text.is_empty() {
                continue;
            }
            let cursor = cell.cursor;
            let style = match previous {
                Some((vt, was_cursor, style)) if vt == cell.style && was_cursor == cursor => style,
                _ => cell_style(cell.style, cursor),
            };
            previous = Some((cell.style, cursor, style));
            let wide = Span::raw(cell.text.as_str()).width() > 1;
            let symbol = if wide && x + 1 >= area.right() { " " } else { cell.text.as_str() };
            if let Some(target) = buf.cell_mut((x, y)) {
                target.set_symbol(symbol).set_style(style);
            }
        }
    }
}

/// The terminal style of a screen cell.
pub fn cell_style(vt: VtStyle, cursor: bool) -> Style {
    let mut style = Style::new();
    if let Some(fg) = colour(vt.fg, DEFAULT_FG) {
        style = style.fg(fg);
    }
    if let Some(bg) = colour(vt.bg, DEFAULT_BG) {
        style = style.bg(bg);
    }
    let flags = [
        (vt.bold, Modifier::BOLD),
        (vt.dim, Modifier::DIM),
        (vt.italic, Modifier::ITALIC),
        (vt.underline, Modifier::UNDERLINED),
        (vt.strikethrough, Modifier::CROSSED_OUT),
        (vt.hidden, Modifier::HIDDEN),
        (vt.inverse != cursor, Modifier::REVERSED),
    ];
    for (on, modifier) in flags {
        if on {
            style = style.add_modifier(modifier);
        }
    }
    style
}

/// A cell colour, or `None` to leave the terminal's own default.
fn colour(colour: VtColor, default: (u8, u8, u8)) -> Option<Color> {
    match colour {
        VtColor::Default => None,
        VtColor::Rgb(r, g, b) if (r, g, b) == default => None,
        VtColor::Rgb(r, g, b) => Some(Color::Rgb(r, g, b)),
        VtColor::Indexed(index) => Some(Color::Indexed(index)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::projection::{Edges, ProjectedCell};

    fn cell(text: &str, style: VtStyle) -> ProjectedCell {
        ProjectedCell { text: text.to_string(), style, cursor: false }
    }

    #[test]
    fn defaults_are_left_unset_and_flags_map() {
        let plain = VtStyle::default();
        assert_eq!(cell_style(plain, false), Style::new());
        let ((fr, fg, fb), (br, bg, bb)) = (DEFAULT_FG, DEFAULT_BG);
        let themed = VtStyle { fg: VtColor::Rgb(fr, fg, fb), bg: VtColor::Rgb(br, bg, bb), ..plain };
        assert_eq!(cell_style(themed, false), Style::new(), "reference-dark defaults stay unset");
        let loud = VtStyle { fg: VtColor::Indexed(1), bg: VtColor::Rgb(1, 2, 3), bold: true, ..plain };
        assert_eq!(
            cell_style(loud, false),
            Style::new().fg(Color::Indexed(1)).bg(Color::Rgb(1, 2, 3)).add_modifier(Modifier::BOLD)
        );
        let styled = VtStyle { italic: true, underline: true, strikethrough: true, ..plain };
        let expected = Modifier::ITALIC | Modifier::UNDERLINED | Modifier::CROSSED_OUT;
        assert_eq!(cell_style(styled, false), Style::new().add_modifier(expected));
    }

    #[test]
    fn the_cursor_cell_is_inverse() {
        let plain = VtStyle::default();
        assert_eq!(cell_style(plain, true), Style::new().add_modifier(Modifier::REVERSED));
        let inverse = VtStyle { inverse: true, ..plain };
        assert_eq!(cell_style(inverse, false), Style::new().add_modifier(Modifier::REVERSED));
        assert_eq!(cell_style(inverse, true), Style::new(), "a cursor on inverse video flips back");
    }

    #[test]
    fn wide_glyphs_take_two_columns_and_spacers_are_skipped() {
        let plain = VtStyle::default();
        let red = VtStyle { fg: VtColor::Indexed(1), ..plain };
        let mut cursor = cell("b", plain);
        cursor.cursor = true;
        let row = vec![cell("a", red), cell("中", plain), cell("", plain), cursor, cell("文", plain)];
        let truncated = Edges { top: false, bottom: false, left: false, right: false };
        let projection = Projection { rows: vec![row], truncated, pan: (0, 0) };
        let mut buf = Buffer::empty(Rect::new(0, 0, 5, 1));
        paint(&projection, Rect::new(0, 0, 5, 1), &mut buf);
        assert_eq!(buf[(0, 0)].symbol(), "a");
        assert_eq!(buf[(0, 0)].fg, Color::Indexed(1));
        assert_eq!(buf[(1, 0)].symbol(), "中");
        assert_eq!(buf[(3, 0)].symbol(), "b");
        assert!(buf[(3, 0)].modifier.contains(Modifier::REVERSED), "the cursor cell");
        assert_eq!(buf[(4, 0)].symbol(), " ", "a wide glyph cut by the edge is blanked");
    }

    #[test]
    fn exit_badges() {
        let exit =
            |code, signal: Option<&str>| ExitInfo { exit_code: code, exit_signal: signal.map(String::from) };
        assert_eq!(exit_badge(None), "exited");
        assert_eq!(exit_badge(Some(&exit(Some(0), None))), "exited (code 0)");
        assert_eq!(exit_badge(Some(&exit(Some(2), None))), "failed (code 2)");
        assert_eq!(exit_badge(Some(&exit(None, None))), "failed (code ?)");
        assert_eq!(exit_badge(Some(&exit(None, Some("SIGTERM")))), "exited (signal SIGTERM)");
    }
}
