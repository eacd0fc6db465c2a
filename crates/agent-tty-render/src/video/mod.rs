//! Video export: a replay of the Event Log painted frame by frame and streamed to an
//! encoder. [`Exporter`] owns the screen and the frame schedule ([`timeline`]); a
//! [`FrameSink`] encodes the frames it is handed (WebM through libvpx when the build
//! has it, GIF in pure Rust). Frames are streamed, never collected.

pub mod gif;
pub mod timeline;

use crate::canvas::Canvas;

/// Encoding or writing a video failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoError(pub String);

impl std::fmt::Display for VideoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VideoError {}

impl From<std::io::Error> for VideoError {
    fn from(error: std::io::Error) -> VideoError {
        VideoError(format!("cannot write the video: {error}"))
    }
}

/// An encoder that receives the painted frames of a replay in time order.
///
/// Every canvas has the size the sink was created with. `pts_ms` strictly increases
/// from 0; a frame stays on screen until the next one, the last until `finish`'s
/// `end_ms`.
pub trait FrameSink {
    /// Encodes `canvas`, shown from `pts_ms` on.
    fn frame(&mut self, canvas: &Canvas, pts_ms: u64) -> Result<(), VideoError>;
    /// Ends the video at `end_ms` (> the last frame's `pts_ms`) and flushes it.
    fn finish(&mut self, end_ms: u64) -> Result<(), VideoError>;
}
