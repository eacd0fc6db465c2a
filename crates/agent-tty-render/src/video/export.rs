//! [`Exporter`]: replays events into a screen and hands the frames the
//! [`Schedule`] asks for to a [`FrameSink`].

use agent_tty_vt::{Screen, Snapshot, SnapshotOptions};

use super::timeline::{Schedule, TimingMode};
use super::{FrameSink, VideoError};
use crate::canvas::Canvas;
use crate::profile::{CELL_HEIGHT, CELL_WIDTH, Profile};

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
    profile: Profile,
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
    /// smaller terminal sits at the top left on the profile's background).
    pub fn new(
        (cols, rows): (u16, u16),
        (max_cols, max_rows): (u16, u16),
        profile: Profile,
        mode: TimingMode,
        sink: &'s mut dyn FrameSink,
    ) -> Exporter<'s> {
        let (width, height) = frame_size(max_cols.max(cols), max_rows.max(rows));
        let mut schedule = Schedule::new(mode, sink.min_frame_gap_ms());
        // The opening picture (the empty terminal, or whatever the first events draw).
        schedule.changed();
        Exporter {
            screen: Screen::new(cols, rows),
            schedule,
            frame: Canvas::new(width, height, profile.background),
            profile,
            sink,
            last: None,
            frames: 0,
        }
    }

    /// Applies the next event, which happened at `ts_ms` (event time, ms).
    pub fn event(&mut self, ts_ms: u64, event: ReplayEvent<'_>) -> Result<(), VideoError> {
        let output = matches!(event, ReplayEvent::Output(_));
        if let Some(at) = self.schedule.advance(ts_ms, output) {
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

    /// Paints the last frame, ends the video and returns what was produced.
    pub fn finish(mut self) -> Result<ExportSummary, VideoError> {
        self.screen.end_sync();
        let (last, end) = self.schedule.finish();
        if let Some(at) = last {
            self.paint(at)?;
        }
        self.sink.finish(end)?;
        let snapshot = self.screen.snapshot(SnapshotOptions::default());
        Ok(ExportSummary { frames: self.frames, video_ms: end, cols: snapshot.cols, rows: snapshot.rows })
    }

    /// Paints the screen as frame `at`, unless it looks exactly like the last frame.
    fn paint(&mut self, at: u64) -> Result<(), VideoError> {
        let snapshot = self.screen.snapshot(SnapshotOptions { scrollback: false, cells: true });
        if self.last.as_ref() == Some(&snapshot) {
            return Ok(());
        }
        let terminal = crate::paint(&snapshot, &self.profile, snapshot.cursor_visible);
        blit(&mut self.frame, &terminal, self.profile.background);
        self.sink.frame(&self.frame, at)?;
        self.frames += 1;
        self.last = Some(snapshot);
        Ok(())
    }
}

/// Copies `terminal` to the top left of `frame` and clears the rest of the frame.
fn blit(frame: &mut Canvas, terminal: &Canvas, background: (u8, u8, u8)) {
    let frame_stride = frame.width as usize * 3;
    let copy_width = terminal.width.min(frame.width) as usize * 3;
    let terminal_stride = terminal.width as usize * 3;
    let bg = [background.0, background.1, background.2];
    for y in 0..frame.height as usize {
        let row = &mut frame.pixels[y * frame_stride..(y + 1) * frame_stride];
        let copied = if y < terminal.height as usize {
            row[..copy_width].copy_from_slice(&terminal.pixels[y * terminal_stride..][..copy_width]);
            copy_width
        } else {
            0
        };
        for pixel in row[copied..].chunks_exact_mut(3) {
            pixel.copy_from_slice(&bg);
        }
    }
}
