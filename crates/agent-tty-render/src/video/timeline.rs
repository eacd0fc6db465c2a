//! The frame schedule of a replay: when each picture goes on screen in the video.
//!
//! Event time runs through a [`TimingMode`]: `recorded` keeps the real gaps,
//! `accelerated` clamps idle gaps to 400 ms, `max-speed` drops them.
//!
//! - `recorded` stays true to the clock: changes closer together than the minimum
//!   frame hold (16 ms) are merged into one frame, and nothing is ever pushed later.
//! - `accelerated` and `max-speed` are for watching an agent work: every step stays on
//!   screen for at least the mode's hold (100 / 16 ms), pushing what follows later. A
//!   step ends at any non-output event (input, resize, marker, …); output chunks that
//!   follow each other within the hold (a burst) are one step, so a long `cat` is one
//!   picture, not thousands.
//!
//! The last picture is held for the mode's final hold.

/// A `--timing` mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimingMode {
    /// Real gaps between events.
    Recorded,
    /// Gaps clamped to [`IDLE_CLAMP_MS`].
    Accelerated,
    /// No gaps: every change is shown for the minimum hold, one after the other.
    MaxSpeed,
}

/// The longest idle gap `accelerated` keeps.
pub const IDLE_CLAMP_MS: u64 = 400;

impl TimingMode {
    /// The names `--timing` accepts.
    pub const NAMES: [&'static str; 3] = ["recorded", "accelerated", "max-speed"];

    /// Parses a `--timing` value.
    pub fn parse(name: &str) -> Option<TimingMode> {
        match name {
            "recorded" => Some(TimingMode::Recorded),
            "accelerated" => Some(TimingMode::Accelerated),
            "max-speed" => Some(TimingMode::MaxSpeed),
            _ => None,
        }
    }

    /// The `--timing` name.
    pub fn name(self) -> &'static str {
        match self {
            TimingMode::Recorded => "recorded",
            TimingMode::Accelerated => "accelerated",
            TimingMode::MaxSpeed => "max-speed",
        }
    }

    /// The video time a gap of `gap_ms` between two events takes.
    pub fn delay(self, gap_ms: u64) -> u64 {
        match self {
            TimingMode::Recorded => gap_ms,
            TimingMode::Accelerated => gap_ms.min(IDLE_CLAMP_MS),
            TimingMode::MaxSpeed => 0,
        }
    }

    /// The least time a picture stays on screen.
    pub fn min_hold(self) -> u64 {
        match self {
            TimingMode::Accelerated => 100,
            TimingMode::Recorded | TimingMode::MaxSpeed => 16,
        }
    }

    /// How long the last picture stays on screen.
    pub fn final_hold(self) -> u64 {
        match self {
            TimingMode::MaxSpeed => 500,
            TimingMode::Recorded | TimingMode::Accelerated => 1_000,
        }
    }
}

/// The schedule's state. Feed it every event in order with [`Schedule::advance`]
/// (before applying the event to the screen) and [`Schedule::changed`] (after, when
/// the event may have changed the picture); it says when to paint.
#[derive(Debug)]
pub struct Schedule {
    mode: TimingMode,
    hold: u64,
    clock: u64,
    last_ts: Option<u64>,
    /// Video time from which the unpainted change is shown.
    pending: Option<u64>,
    /// Video time of the last painted frame.
    last_frame: Option<u64>,
    /// Event time of the first change in the pending picture.
    pending_ts: u64,
}

impl Schedule {
    /// A schedule at video time 0 for a format that cannot show frames closer than
    /// `min_gap_ms` (the mode's minimum hold applies when it is longer).
    pub fn new(mode: TimingMode, min_gap_ms: u64) -> Schedule {
        let hold = mode.min_hold().max(min_gap_ms);
        Schedule { mode, hold, clock: 0, last_ts: None, pending: None, last_frame: None, pending_ts: 0 }
    }

    /// Moves video time to the event at `ts_ms` (event time, ms; `output` when it is
    /// program output). Returns the video time of a frame to paint now — showing the
    /// screen as it is *before* this event — when the pending picture is complete.
    pub fn advance(&mut self, ts_ms: u64, output: bool) -> Option<u64> {
        // The first event happens at video time 0, together with the opening picture.
        let Some(last) = self.last_ts else {
            self.last_ts = Some(ts_ms);
            self.pending_ts = ts_ms;
            return None;
        };
        self.clock += self.mode.delay(ts_ms.saturating_sub(last));
        self.last_ts = Some(ts_ms.max(last));
        let at = self.pending?;
        let hold = self.hold;
        match self.mode {
            TimingMode::Recorded if self.clock < at + hold => return None,
            TimingMode::Recorded => {}
            TimingMode::Accelerated | TimingMode::MaxSpeed => {
                if output && ts_ms.saturating_sub(self.pending_ts) < hold {
                    return None;
                }
                self.clock = self.clock.max(at + hold);
            }
        }
        self.pending = None;
        self.last_frame = Some(at);
        Some(at)
    }

    /// The current video time.
    pub fn clock(&self) -> u64 {
        self.clock
    }

    /// Notes that the last event may have changed the picture.
    pub fn changed(&mut self) {
        if self.pending.is_none() {
            let earliest = self.last_frame.map_or(0, |f| f + self.hold);
            self.pending = Some(self.clock.max(earliest));
            self.pending_ts = self.last_ts.unwrap_or(0);
        }
    }

    /// Ends the replay: the video time of a last frame to paint (if a change is
    /// pending) and the video's end time.
    pub fn finish(&mut self) -> (Option<u64>, u64) {
        let last = self.pending.take();
        if let Some(at) = last {
            self.last_frame = Some(at);
        }
        let shown_from = self.last_frame.unwrap_or(0).max(self.clock);
        (last, shown_from + self.mode.final_hold())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs events `(ts, output)` (output changes the picture, other events do not)
    /// and returns the frame times and the end.
    fn run(mode: TimingMode, events: &[(u64, bool)]) -> (Vec<u64>, u64) {
        let mut schedule = Schedule::new(mode, 1);
        let mut frames = Vec::new();
        for (ts, output) in events {
            frames.extend(schedule.advance(*ts, *output));
            if *output {
                schedule.changed();
            }
        }
        let (last, end) = schedule.finish();
        frames.extend(last);
        (frames, end)
    }

    #[test]
    fn recorded_keeps_real_gaps() {
        let events = [(1_000, false), (1_500, true), (3_500, true), (3_600, false)];
        assert_eq!(run(TimingMode::Recorded, &events), (vec![500, 2_500], 3_600));
    }

    #[test]
    fn bursts_closer_than_the_hold_merge_into_one_frame() {
        let events = [(0, true), (1, true), (2, true), (10, true), (40, true)];
        // 0..10 merge into the frame at 0; 40 is its own frame; 40 + 1000 ends.
        assert_eq!(run(TimingMode::Recorded, &events), (vec![0, 40], 1_040));
    }

    #[test]
    fn accelerated_clamps_idle_gaps_to_400_ms() {
        let events = [(0, true), (10_000, true), (10_050, false), (30_000, true)];
        // 0 → frame 0; gap 10 s → 400; the input 50 ms later ends that step, which then
        // holds 100 ms (to 500); 20 s later → +400.
        assert_eq!(run(TimingMode::Accelerated, &events), (vec![0, 400, 900], 1_900));
    }

    #[test]
    fn accelerated_shows_every_keystroke_for_the_hold() {
        // An agent typing fast: input, echo, input, echo… 50 ms apart.
        let events = [(0, false), (1, true), (50, false), (51, true), (100, false), (101, true)];
        assert_eq!(run(TimingMode::Accelerated, &events), (vec![1, 102, 203], 1_203));
        // Recorded keeps real time instead: 1 and 51 are 50 ms apart.
        assert_eq!(run(TimingMode::Recorded, &events), (vec![1, 51, 101], 1_101));
    }

    #[test]
    fn accelerated_merges_an_output_burst_but_not_a_long_stream() {
        // A burst of chunks 1 ms apart is one step.
        let burst: Vec<(u64, bool)> = (0..50).map(|t| (t, true)).collect();
        assert_eq!(run(TimingMode::Accelerated, &burst).0, vec![0]);
        // A progress bar redrawn every 50 ms for a second is a step every 100 ms.
        let stream: Vec<(u64, bool)> = (0..20).map(|k| (k * 50, true)).collect();
        let frames = run(TimingMode::Accelerated, &stream).0;
        assert_eq!(frames.len(), 10, "{frames:?}");
        assert!(frames.windows(2).all(|w| w[1] - w[0] >= 100), "{frames:?}");
    }

    #[test]
    fn max_speed_shows_each_change_for_the_minimum_hold() {
        let events = [(0, true), (5_000, true), (9_000, false), (9_001, true)];
        assert_eq!(run(TimingMode::MaxSpeed, &events), (vec![0, 16, 32], 532));
    }

    #[test]
    fn the_first_event_shares_the_opening_frame() {
        for mode in [TimingMode::Recorded, TimingMode::Accelerated, TimingMode::MaxSpeed] {
            let mut schedule = Schedule::new(mode, 1);
            schedule.changed(); // the opening picture
            assert_eq!(schedule.advance(5_000, true), None, "{mode:?}");
            schedule.changed();
            assert_eq!(schedule.finish(), (Some(0), mode.final_hold()), "{mode:?}");
        }
    }

    #[test]
    fn no_changes_means_one_final_hold() {
        assert_eq!(run(TimingMode::Recorded, &[(5, false), (10, false)]), (vec![], 1_005));
    }

    #[test]
    fn a_format_minimum_gap_stretches_the_hold() {
        let mut schedule = Schedule::new(TimingMode::MaxSpeed, 20);
        let mut frames = Vec::new();
        for ts in [0, 1, 2] {
            frames.extend(schedule.advance(ts, false));
            schedule.changed();
        }
        let (last, end) = schedule.finish();
        frames.extend(last);
        assert_eq!((frames, end), (vec![0, 20, 40], 540));
    }

    #[test]
    fn modes_parse_by_name() {
        for name in TimingMode::NAMES {
            assert_eq!(TimingMode::parse(name).unwrap().name(), name);
        }
        assert_eq!(TimingMode::parse("fast"), None);
    }
}
