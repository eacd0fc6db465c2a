//! What changed between two screens of a session's history (`diff`, `snapshot
//! --since-hash`): the rows whose text changed with their before/after text, the cursor's
//! move, a size change, a scroll, and a one-line summary; a budget on the rows listed so a
//! full-screen redraw does not flood the reader. Pure: the screens come from replays.

use agent_tty_vt::Snapshot;
use schemars::JsonSchema;
use serde::Serialize;

/// One end of a diff: a screen at a seq.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScreenAt {
    /// The seq the screen is shown at.
    pub seq: u64,
    /// The time of that event (ISO).
    pub time: String,
    /// Its Screen Hash.
    pub screen_hash: String,
    /// Its size.
    pub cols: u16,
    /// Its size.
    pub rows: u16,
    /// The cursor's row (0-based).
    pub cursor_row: u16,
    /// The cursor's column (0-based).
    pub cursor_col: u16,
    /// Whether the alternate screen was shown.
    pub is_alt_screen: bool,
}

impl ScreenAt {
    /// The end of a diff for `snapshot` taken at `seq` (time `time`).
    pub fn of(snapshot: &Snapshot, seq: u64, time: String) -> ScreenAt {
        ScreenAt {
            seq,
            time,
            screen_hash: snapshot.screen_hash(),
            cols: snapshot.cols,
            rows: snapshot.rows,
            cursor_row: snapshot.cursor_row,
            cursor_col: snapshot.cursor_col,
            is_alt_screen: snapshot.is_alt_screen,
        }
    }
}

/// A row whose text changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ChangedRow {
    /// The row (0-based) on the later screen.
    pub row: usize,
    /// Its text before (`null`: the row did not exist).
    pub before: Option<String>,
    /// Its text after (`null`: the row no longer exists).
    pub after: Option<String>,
}

/// The difference between two screens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScreenChanges {
    /// Anything differs (text, cursor, size or screen).
    pub changed: bool,
    /// The later screen is the earlier one moved up by this many rows (then only the
    /// rows that came in at the bottom, or changed otherwise, are listed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scrolled: Option<usize>,
    /// How many rows differ (after the scroll, if any).
    pub changed_rows: usize,
    /// The rows that differ, top to bottom, at most `maxRows`.
    pub rows: Vec<ChangedRow>,
    /// Rows that differ but are not listed (the budget).
    pub omitted_rows: usize,
    /// One line for a person or an agent.
    pub summary: String,
}

/// The smallest share of the screen two screens must have in common to count as a scroll.
const SCROLL_OVERLAP: usize = 2;

/// Compares `before` with `after` (canonical lines of the two screens), listing at most
/// `max_rows` changed rows.
pub fn compare(before: &Snapshot, after: &Snapshot, max_rows: usize) -> ScreenChanges {
    let (old, new) = (&before.visible_lines, &after.visible_lines);
    let scrolled = scroll_of(old, new);
    let shifted: Vec<Option<&String>> = (0..new.len())
        .map(|row| match scrolled {
            Some(by) => old.get(row + by),
            None => old.get(row),
        })
        .collect();
    let mut changed: Vec<ChangedRow> = Vec::new();
    for (row, line) in new.iter().enumerate() {
        let was = shifted[row];
        if was != Some(line) {
            changed.push(ChangedRow { row, before: was.cloned(), after: Some(line.clone()) });
        }
    }
    if scrolled.is_none() {
        for (row, line) in old.iter().enumerate().skip(new.len()) {
            changed.push(ChangedRow { row, before: Some(line.clone()), after: None });
        }
    }
    let cursor_moved = (before.cursor_row, before.cursor_col) != (after.cursor_row, after.cursor_col);
    let resized = (before.cols, before.rows) != (after.cols, after.rows);
    let screen_switched = before.is_alt_screen != after.is_alt_screen;
    let changed_rows = changed.len();
    let omitted_rows = changed_rows.saturating_sub(max_rows);
    changed.truncate(max_rows);
    let summary = summary(before, after, changed_rows, scrolled, cursor_moved, resized, screen_switched);
    ScreenChanges {
        changed: changed_rows > 0 || cursor_moved || resized || screen_switched || scrolled.is_some(),
        scrolled,
        changed_rows,
        rows: changed,
        omitted_rows,
        summary,
    }
}

/// By how many rows `new` is `old` moved up, when that explains more of it than leaving
/// it in place does.
fn scroll_of(old: &[String], new: &[String]) -> Option<usize> {
    if old.len() != new.len() || old == new {
        return None;
    }
    let same_in_place = old.iter().zip(new).filter(|(a, b)| a == b && !a.is_empty()).count();
    let rows = old.len();
    (1..rows)
        .filter(|by| rows - by >= SCROLL_OVERLAP && old[*by..] == new[..rows - by])
        .find(|by| rows - by > same_in_place)
}

fn summary(
    before: &Snapshot,
    after: &Snapshot,
    changed_rows: usize,
    scrolled: Option<usize>,
    cursor_moved: bool,
    resized: bool,
    screen_switched: bool,
) -> String {
    let mut parts = Vec::new();
    if resized {
        parts.push(format!("resized {}x{} → {}x{}", before.cols, before.rows, after.cols, after.rows));
    }
    if screen_switched {
        parts.push(
            if after.is_alt_screen { "switched to the alternate screen" } else { "back to the main screen" }
                .into(),
        );
    }
    if let Some(by) = scrolled {
        parts.push(format!("scrolled up {by} row{}", plural(by)));
    }
    if changed_rows > 0 {
        parts.push(format!("{changed_rows} row{} changed", plural(changed_rows)));
    }
    if cursor_moved {
        parts.push(format!(
            "cursor {},{} → {},{}",
            before.cursor_row, before.cursor_col, after.cursor_row, after.cursor_col
        ));
    }
    if parts.is_empty() { "no change".to_string() } else { parts.join("; ") }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen(lines: &[&str], cursor: (u16, u16)) -> Snapshot {
        Snapshot {
            cols: 20,
            rows: lines.len() as u16,
            cursor_row: cursor.0,
            cursor_col: cursor.1,
            cursor_visible: true,
            is_alt_screen: false,
            title: None,
            visible_lines: lines.iter().map(|l| l.to_string()).collect(),
            scrollback_lines: None,
            cells: None,
        }
    }

    #[test]
    fn changed_rows_cursor_and_summary() {
        let before = screen(&["$ make", "", "", ""], (0, 6));
        let after = screen(&["$ make", "cc -o x x.c", "error: x", "$"], (3, 2));
        let diff = compare(&before, &after, 40);
        assert!(diff.changed);
        assert_eq!(diff.changed_rows, 3);
        assert_eq!(
            diff.rows[1],
            ChangedRow { row: 2, before: Some(String::new()), after: Some("error: x".into()) }
        );
        assert_eq!(diff.summary, "3 rows changed; cursor 0,6 → 3,2");
        let same = compare(&after, &after, 40);
        assert_eq!((same.changed, same.summary.as_str()), (false, "no change"));
    }

    #[test]
    fn a_scroll_lists_only_what_came_in() {
        let before = screen(&["a", "b", "c", "d"], (3, 0));
        let after = screen(&["c", "d", "e", "f"], (3, 0));
        let diff = compare(&before, &after, 40);
        assert_eq!(diff.scrolled, Some(2));
        assert_eq!(diff.rows.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 3]);
        assert!(diff.summary.starts_with("scrolled up 2 rows; 2 rows changed"), "{}", diff.summary);
    }

    #[test]
    fn the_budget_caps_the_rows_listed() {
        let before = screen(&["1", "2", "3", "4", "5"], (0, 0));
        let after = screen(&["v", "w", "x", "y", "z"], (0, 0));
        let diff = compare(&before, &after, 2);
        assert_eq!((diff.changed_rows, diff.rows.len(), diff.omitted_rows), (5, 2, 3));
    }

    #[test]
    fn a_resize_is_said_and_lost_rows_are_listed() {
        let before = screen(&["a", "b", "c"], (0, 0));
        let mut after = screen(&["a", "b"], (0, 0));
        after.cols = 30;
        let diff = compare(&before, &after, 40);
        assert_eq!(diff.rows, [ChangedRow { row: 2, before: Some("c".into()), after: None }]);
        assert!(diff.summary.starts_with("resized 20x3 → 30x2"), "{}", diff.summary);
    }

    #[test]
    fn wide_screens_compare_row_by_row() {
        let line = "x".repeat(200);
        let before: Vec<&str> = (0..50).map(|_| line.as_str()).collect();
        let other = "y".repeat(200);
        let after: Vec<&str> =
            (0..50).map(|i| if i % 2 == 0 { other.as_str() } else { line.as_str() }).collect();
        let (before, after) = (screen(&before, (0, 0)), screen(&after, (0, 0)));
        let diff = compare(&before, &after, 40);
        assert_eq!((diff.changed_rows, diff.scrolled), (25, None));
    }
}
