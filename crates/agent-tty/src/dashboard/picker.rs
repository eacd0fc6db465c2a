//! The Home picker's state: the registered Homes of the current scope (loaded when the
//! picker opens and again whenever the scope changes while it is open) and the highlighted
//! row. Browsing never touches a session; only `Enter` on another Home switches (that is
//! the app's business). Also formats one picker row.

use agent_tty_core::home_scan::HomeSummary;

use super::layout::compact_age;

/// Width of the Home name column.
const NAME_WIDTH: usize = 22;

/// Width of the session counts column.
const COUNTS_WIDTH: usize = 18;

/// The Home picker.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Picker {
    /// The Homes shown; `None` until the first load since the picker opened.
    pub homes: Option<Vec<HomeSummary>>,
    /// The highlighted row.
    pub highlight: usize,
    /// The generation of the load whose answer is awaited; older answers are stale.
    pub generation: u64,
}

impl Picker {
    /// Starts a new load: forgets what was shown and returns the load's generation.
    pub fn begin_load(&mut self) -> u64 {
        self.generation += 1;
        self.homes = None;
        self.highlight = 0;
        self.generation
    }

    /// Takes a load's answer; false (and nothing changes) when it is stale.
    pub fn loaded(&mut self, generation: u64, homes: Vec<HomeSummary>) -> bool {
        if generation != self.generation {
            return false;
        }
        self.homes = Some(homes);
        self.highlight = 0;
        true
    }

    /// Moves the highlight by `delta` rows, clamped to the list.
    pub fn move_by(&mut self, delta: isize) {
        let len = self.homes.as_ref().map_or(0, Vec::len);
        self.highlight = self.highlight.saturating_add_signed(delta).min(len.saturating_sub(1));
    }

    /// The highlighted Home.
    pub fn highlighted(&self) -> Option<&HomeSummary> {
        self.homes.as_ref()?.get(self.highlight)
    }
}

/// The text of a picker row after its marker and dot: the Home's basename padded to 22
/// columns, `"<active> active / <total>"` padded to 18, then `last seen <age>`.
pub fn row_text(home: &HomeSummary, now_ms: u64) -> String {
    let name = home.path.rsplit('/').find(|s| !s.is_empty()).unwrap_or(&home.path);
    let counts = format!("{} active / {}", home.counts.active, home.counts.total);
    let age = compact_age(&home.last_seen_at, now_ms);
    format!("{name:<NAME_WIDTH$}{counts:<COUNTS_WIDTH$}last seen {age}")
}

#[cfg(test)]
pub(crate) mod tests {
    use agent_tty_core::home_scan::SessionCounts;

    use super::*;

    /// A Home summary.
    pub(crate) fn home(path: &str, active: usize, total: usize) -> HomeSummary {
        HomeSummary {
            path: path.to_string(),
            counts: SessionCounts { active, total },
            last_seen_at: "2026-01-01T00:00:00.000Z".to_string(),
        }
    }

    #[test]
    fn loads_reset_the_highlight_and_stale_answers_are_dropped() {
        let mut picker = Picker::default();
        let first = picker.begin_load();
        let second = picker.begin_load();
        assert!(!picker.loaded(first, vec![home("/a", 1, 1)]), "stale");
        assert_eq!(picker.homes, None);
        assert!(picker.loaded(second, vec![home("/a", 1, 1), home("/b", 0, 2), home("/c", 1, 3)]));
        picker.move_by(1);
        picker.move_by(5);
        assert_eq!(picker.highlight, 2, "clamped at the last row");
        picker.move_by(-9);
        assert_eq!(picker.highlight, 0, "clamped at the first row");
        picker.move_by(1);
        assert_eq!(picker.highlighted().map(|h| h.path.as_str()), Some("/b"));
        let third = picker.begin_load();
        assert_eq!((picker.highlight, picker.highlighted()), (0, None));
        assert!(picker.loaded(third, vec![home("/b", 0, 2)]));
        assert_eq!(picker.highlight, 0);
    }

    #[test]
    fn moving_in_an_empty_picker_stays_on_the_first_row() {
        let mut picker = Picker::default();
        picker.move_by(1);
        assert_eq!(picker.highlight, 0);
        assert_eq!(picker.highlighted(), None);
    }

    #[test]
    fn rows_pad_name_and_counts() {
        let now = agent_tty_core::time::parse_iso("2026-01-01T02:30:00.000Z").unwrap();
        let text = row_text(&home("/srv/homes/alpha", 2, 5), now);
        assert_eq!(text, format!("{:<22}{:<18}last seen 2h", "alpha", "2 active / 5"));
    }
}
