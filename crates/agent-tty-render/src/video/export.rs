//! [`Exporter`]: replays events into a screen and hands the frames the
//! [`Schedule`] asks for to a [`FrameSink`].

use agent_tty_vt::{Screen, Snapshot, SnapshotOptions};

use super::timeline::{Schedule, TimingMode};
use super::{FrameSink, VideoError};
use crate::FramePainter;
use crate::canvas::Canvas;
use crate::profile::{CELL_HEIGHT, CELL_WIDTH, Profile};

/// Scrollback kept while replaying: frames show only the visible screen, but a resize
/// that grows the terminal pulls lines back from history. Enough for any real
/// terminal height, and it keeps memory flat (the live screen keeps 10 000 lines).
const VIDEO_SCROLLBACK: usize = 256;

/// The longest video an export writes (24 h): a `recorded` export of a log with a huge
/// gap (a clock jump) fails instead of writing hours of a still picture.
pub const MAX_VIDEO_MS: u64 = 24 * 60 * 60 * 1000;

/// The largest frame an export paints (16 megapixels, e.g. 4096×4096 px).
pub const MAX_FRAME_PIXELS: u64 = crate::canvas::MAX_CANVAS_PIXELS;

/// One Event Log event, as the video needs it.
#[derive(Debug, Clone, Copy)]
pub enum ReplayEvent<'a> {
    /// Program output.
    Output(&'a [u8]),
    /// The terminal was resized.
    Resize {
        /// New width in cells.
        cols: u16,
        /// New height in cells.
        rows: u16,
    },
    /// Any other event (input, marker, signal, exit…): moves time only.
    Other,
}

/// What an export produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// Frames handed to the sink (pictures that differ from the one before).
    pub frames: u64,
    /// Length of the video in ms.
    pub video_ms: u64,
    /// Terminal width after the last event.
    pub cols: u16,
    /// Terminal height after the last event.
    pub rows: u16,
}

/// Replays a session into video frames.
pub struct Exporter<'s> {
    screen: Screen,
    schedule: Schedule,
    painter: FramePainter,
    sink: &'s mut dyn FrameSink,
    frame: Canvas,
    last: Option<Snapshot>,
    frames: u64,
}

/// The pixel size of a video whose terminal grows up to `cols`×`rows` cells.
pub fn frame_size(cols: u16, rows: u16) -> (u32, u32) {
    (u32::from(cols.max(1)) * CELL_WIDTH, u32::from(rows.max(1)) * CELL_HEIGHT)
}

impl<'s> Exporter<'s> {
    /// Starts a replay of a session created at `cols`×`rows`, into frames of
    /// [`frame_size`]`(max_cols, max_rows)` (the largest size the session reaches; a
    /// smaller terminal sits at the top left on the profile's background). Fails when
    /// that frame would exceed [`MAX_FRAME_PIXELS`].
    pub fn new(
        (cols, rows): (u16, u16),
        (max_cols, max_rows): (u16, u16),
        profile: Profile,
        mode: TimingMode,
        sink: &'s mut dyn FrameSink,
    ) -> Result<Exporter<'s>, VideoError> {
        let (width, height) = frame_size(max_cols.max(cols), max_rows.max(rows));
        let mut schedule = Schedule::new(mode, sink.min_frame_gap_ms());
        // The opening picture (the empty terminal, or whatever the first events draw).
        schedule.changed();
        let frame = Canvas::try_new(width, height, profile.background).map_err(|e| VideoError(e.0))?;
        let painter = match sink.coverage_levels() {
            Some(levels) => FramePainter::new(profile).with_coverage_levels(levels),
            None => FramePainter::new(profile),
        };
        Ok(Exporter {
            screen: Screen::with_scrollback(cols, rows, VIDEO_SCROLLBACK),
            schedule,
            frame,
            painter,
            sink,
            last: None,
            frames: 0,
        })
    }

    /// Applies the next event, which happened at `ts_ms` (event time, ms).
    pub fn event(&mut self, ts_ms: u64, event: ReplayEvent<'_>) -> Result<(), VideoError> {
        let output = matches!(event, ReplayEvent::Output(_));
        let frame = self.schedule.advance(ts_ms, output);
        if self.schedule.clock() > MAX_VIDEO_MS {
            return Err(VideoError(format!(
                "the video would run past 24 hours (the event log has a gap of hours or a clock jump); \
                 export it with --timing accelerated, which caps idle gaps at {} ms",
                super::timeline::IDLE_CLAMP_MS
            )));
        }
        if let Some(at) = frame {
            self.paint(at)?;
        }
        match event {
            ReplayEvent::Output(bytes) => {
                self.screen.feed(bytes, ts_ms);
                // Query answers are the live host's business, not the video's.
                drop(self.screen.take_replies());
                self.schedule.changed();
            }
            ReplayEvent::Resize { cols, rows } => {
                self.screen.resize(cols, rows);
                self.schedule.changed();
            }
            ReplayEvent::Other => {}
        }
        Ok(())
    }

    /// Applies an event from before a clip's start, which happened at `ts_ms`: it changes
    /// the screen the clip opens with, but paints nothing and moves no video time. Call
    /// it for every event before the clip's first, then [`Exporter::event`] from that
    /// event on: the video's time 0 is that event's time, and its opening picture the
    /// screen as it was after it.
    pub fn skip(&mut self, ts_ms: u64, event: ReplayEvent<'_>) {
        match event {
            ReplayEvent::Output(bytes) => {
                self.screen.feed(bytes, ts_ms);
                drop(self.screen.take_replies());
            }
            ReplayEvent::Resize { cols, rows } => self.screen.resize(cols, rows),
            ReplayEvent::Other => {}
        }
    }

    /// Paints the last frame, ends the video and returns what was produced.
    pub fn finish(mut self) -> Result<ExportSummary, VideoError> {
        self.screen.end_sync();
        let (last, end) = self.schedule.finish();
        if let Some(at) = last {
            self.paint(at)?;
        }
        self.sink.finish(end)?;
        let (cols, rows) = self.screen.size();
        Ok(ExportSummary { frames: self.frames, video_ms: end, cols, rows })
    }

    /// Paints the screen as frame `at`, unless it looks exactly like the last frame.
    fn paint(&mut self, at: u64) -> Result<(), VideoError> {
        let snapshot = self.screen.snapshot(SnapshotOptions { scrollback: false, cells: true });
        if self.last.as_ref() == Some(&snapshot) {
            return Ok(());
        }
        self.painter.paint_into(&mut self.frame, &snapshot, snapshot.cursor_visible);
        self.sink.frame(&self.frame, at)?;
        self.frames += 1;
        self.last = Some(snapshot);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keeps every frame as PNG bytes with its time.
    #[derive(Default)]
    struct Frames {
        shown: Vec<(u64, Vec<u8>)>,
        end: u64,
    }

    impl FrameSink for Frames {
        fn frame(&mut self, canvas: &Canvas, pts_ms: u64) -> Result<(), VideoError> {
            self.shown.push((pts_ms, canvas.to_png().map_err(|e| VideoError(e.0))?));
            Ok(())
        }
        fn finish(&mut self, end_ms: u64) -> Result<(), VideoError> {
            self.end = end_ms;
            Ok(())
        }
    }

    const EVENTS: [(u64, &str); 4] =
        [(1_000, "one\r\n"), (2_000, "\x1b[31mtwo\x1b[0m\r\n"), (3_000, "three\r\n"), (4_000, "four\r\n")];

    fn export(skipped: usize) -> Frames {
        let mut sink = Frames::default();
        let profile = Profile::resolve("reference-dark").unwrap();
        let mut exporter = Exporter::new((20, 5), (20, 5), profile, TimingMode::Recorded, &mut sink).unwrap();
        for (i, (ts, text)) in EVENTS.iter().enumerate() {
            let event = ReplayEvent::Output(text.as_bytes());
            if i < skipped {
                exporter.skip(*ts, event);
            } else {
                exporter.event(*ts, event).unwrap();
            }
        }
        exporter.finish().unwrap();
        sink
    }

    #[test]
    fn a_clip_opens_with_the_screen_at_its_start_at_time_zero() {
        let whole = export(0);
        let clip = export(2);
        let times = |frames: &Frames| frames.shown.iter().map(|f| f.0).collect::<Vec<_>>();
        assert_eq!(times(&whole), [0, 1_000, 2_000, 3_000]);
        assert_eq!(times(&clip), [0, 1_000]);
        assert_eq!(clip.end, whole.end - 2_000);
        // The clip's opening picture is the whole video's picture after the third event.
        assert_eq!(clip.shown[0].1, whole.shown[2].1);
        assert_eq!(clip.shown[1].1, whole.shown[3].1);
    }
}
