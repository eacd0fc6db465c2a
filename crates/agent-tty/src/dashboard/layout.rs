//! The dashboard's geometry and short labels, as pure functions: the session list width,
//! the Live View pane size in both layouts, where each region of the screen goes, which
//! rows of a long list are visible, and the shortened ids, Home paths and ages the panes
//! print. Nothing here reads the clock or the terminal; callers pass both in.

use ratatui::layout::Rect;

/// The narrowest and widest session list.
const LIST_WIDTH_RANGE: (u16, u16) = (28, 40);

/// The smallest Live View content size.
const MIN_PANE: (u16, u16) = (10, 4);

/// `clamp(round(term_cols × 0.3), 28, 40)`.
pub fn list_width(term_cols: u16) -> u16 {
    let rounded = (u32::from(term_cols) * 3 + 5) / 10;
    u16::try_from(rounded).unwrap_or(u16::MAX).clamp(LIST_WIDTH_RANGE.0, LIST_WIDTH_RANGE.1)
}

/// The Live View's content size `(cols, rows)` for a `term_cols` × `term_rows` terminal.
///
/// Split layout: the list, a 1-column gap, the pane's 2 border columns and 2 columns of
/// right slack come off the width; maximized, only the border and the slack do, so the
/// pane's right edge stays on the same column. The header, footer, the pane's border and
/// its status line take 5 rows in both layouts.
pub fn pane_size(term_cols: u16, term_rows: u16, maximized: bool) -> (u16, u16) {
    let taken = if maximized { 4 } else { list_width(term_cols) + 1 + 2 + 2 };
    (term_cols.saturating_sub(taken).max(MIN_PANE.0), term_rows.saturating_sub(5).max(MIN_PANE.1))
}

/// Where each region goes on the screen. Regions may extend past a tiny terminal; the
/// painters clip them to the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// The header line.
    pub header: Rect,
    /// The session list (absent while maximized).
    pub list: Option<Rect>,
    /// The Live View box, borders included.
    pub live: Rect,
    /// Everything between header and footer (the Home picker takes all of it).
    pub body: Rect,
    /// The footer line.
    pub footer: Rect,
}

/// Splits the screen `area` for the given layout.
pub fn areas(area: Rect, maximized: bool) -> Areas {
    let (pane_cols, pane_rows) = pane_size(area.width, area.height, maximized);
    let header = Rect::new(area.x, area.y, area.width, 1.min(area.height));
    let body_height = pane_rows + 3;
    let body = Rect::new(area.x, area.y.saturating_add(1), area.width, body_height);
    let footer = Rect::new(area.x, body.bottom(), area.width, 1);
    let (list, live_x) = if maximized {
        (None, area.x)
    } else {
        let width = list_width(area.width);
        (Some(Rect::new(area.x, body.y, width, body_height)), area.x + width + 1)
    };
    let live = Rect::new(live_x, body.y, pane_cols + 2, body_height);
    Areas { header, list, live, body, footer }
}

/// The first visible row of a list of `len` rows showing `visible` at a time, keeping
/// `selected` in view and centred when possible.
pub fn window_start(len: usize, selected: usize, visible: usize) -> usize {
    if len <= visible {
        return 0;
    }
    selected.saturating_sub(visible / 2).min(len - visible)
}

/// `…` plus the last 9 characters of an id longer than 10 characters; shorter ids as is.
pub fn short_id(id: &str) -> String {
    let count = id.chars().count();
    if count <= 10 {
        return id.to_string();
    }
    let tail: String = id.chars().skip(count - 9).collect();
    format!("…{tail}")
}

/// The id as the session list shows it: in full when it fits (`list_width − 5` columns),
/// else [`short_id`].
pub fn list_id(id: &str, list_width: u16) -> String {
    if usize::from(list_width.saturating_sub(5)) >= id.chars().count() {
        id.to_string()
    } else {
        short_id(id)
    }
}

/// A Home path with at most two segments as is, else `…/` and its last two segments.
pub fn short_home(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.len() <= 2 {
        return path.to_string();
    }
    format!("…/{}", segments[segments.len() - 2..].join("/"))
}

/// The age of an ISO timestamp at `now_ms`, floored: `Ns`, `Nm`, `Nh` or `Nd`; `?` when
/// the timestamp does not parse. A timestamp in the future is `0s` old.
pub fn compact_age(iso: &str, now_ms: u64) -> String {
    let Some(then) = agent_tty_core::time::parse_iso(iso) else { return "?".to_string() };
    let seconds = now_ms.saturating_sub(then) / 1000;
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3_600 => format!("{}m", seconds / 60),
        3_600..86_400 => format!("{}h", seconds / 3_600),
        _ => format!("{}d", seconds / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_width_is_thirty_percent_within_28_to_40() {
        assert_eq!(list_width(80), 28, "24 is raised to the minimum");
        assert_eq!(list_width(100), 30);
        assert_eq!(list_width(102), 31, "30.6 rounds up");
        assert_eq!(list_width(101), 30, "30.3 rounds down");
        assert_eq!(list_width(120), 36);
        assert_eq!(list_width(200), 40, "60 is capped");
        assert_eq!(list_width(0), 28);
    }

    #[test]
    fn pane_size_in_split_and_maximized_layouts() {
        assert_eq!(pane_size(120, 40, false), (120 - 41, 35));
        assert_eq!(pane_size(120, 40, true), (116, 35));
        assert_eq!(pane_size(80, 24, false), (80 - 33, 19));
        assert_eq!(pane_size(30, 6, false), (10, 4), "never below 10×4");
        assert_eq!(pane_size(5, 2, true), (10, 4));
    }

    #[test]
    fn areas_keep_the_right_edge_in_both_layouts() {
        let screen = Rect::new(0, 0, 120, 40);
        let split = areas(screen, false);
        let maximized = areas(screen, true);
        assert_eq!(split.header, Rect::new(0, 0, 120, 1));
        assert_eq!(split.list, Some(Rect::new(0, 1, 36, 38)));
        assert_eq!(split.live, Rect::new(37, 1, 81, 38));
        assert_eq!(split.footer, Rect::new(0, 39, 120, 1));
        assert_eq!(maximized.list, None);
        assert_eq!(maximized.live, Rect::new(0, 1, 118, 38));
        assert_eq!(split.live.right(), maximized.live.right());
        assert_eq!(split.live.right(), 118, "two columns of right slack");
        assert_eq!(split.body, maximized.body);
    }

    #[test]
    fn window_keeps_the_selection_visible_and_centred() {
        assert_eq!(window_start(5, 4, 10), 0);
        assert_eq!(window_start(20, 0, 5), 0);
        assert_eq!(window_start(20, 2, 5), 0);
        assert_eq!(window_start(20, 10, 5), 8);
        assert_eq!(window_start(20, 19, 5), 15);
        assert_eq!(window_start(20, 10, 4), 8);
    }

    #[test]
    fn ids_are_shortened_only_when_they_do_not_fit() {
        let ulid = "01KV3ZQ8M5T2Z9Y4X6W8Z29JPZ";
        assert_eq!(short_id(ulid), "…6W8Z29JPZ");
        assert_eq!(short_id("abcdefghij"), "abcdefghij", "10 characters stay");
        assert_eq!(short_id("abcdefghijk"), "…cdefghijk");
        assert_eq!(list_id(ulid, 31), ulid, "31 − 5 ≥ 26");
        assert_eq!(list_id(ulid, 30), "…6W8Z29JPZ");
        assert_eq!(list_id("short", 28), "short");
    }

    #[test]
    fn home_paths_keep_their_last_two_segments() {
        assert_eq!(short_home("/tmp/home1"), "/tmp/home1");
        assert_eq!(short_home("/home"), "/home");
        assert_eq!(short_home("/private/tmp/home1"), "…/tmp/home1");
        assert_eq!(short_home("/a/b/c/d/"), "…/c/d");
    }

    #[test]
    fn ages_are_floored_to_one_unit() {
        let now = agent_tty_core::time::parse_iso("2026-01-02T00:00:00.000Z").unwrap();
        assert_eq!(compact_age("2026-01-01T23:59:59.500Z", now), "0s");
        assert_eq!(compact_age("2026-01-01T23:59:01.000Z", now), "59s");
        assert_eq!(compact_age("2026-01-01T23:59:00.000Z", now), "1m");
        assert_eq!(compact_age("2026-01-01T22:00:01.000Z", now), "1h");
        assert_eq!(compact_age("2025-12-30T00:00:00.000Z", now), "3d");
        assert_eq!(compact_age("2026-01-03T00:00:00.000Z", now), "0s");
        assert_eq!(compact_age("yesterday", now), "?");
    }
}
