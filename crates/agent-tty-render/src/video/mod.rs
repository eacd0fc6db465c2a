//! Video export: a replay of the Event Log painted frame by frame and streamed to an
//! encoder. [`Exporter`] owns the screen and the frame schedule ([`timeline`]); a
//! [`FrameSink`] encodes the frames it is handed (WebM through libvpx when the build
//! has it, GIF in pure Rust). Frames are streamed, never collected.

mod export;
pub mod gif;
#[cfg(agent_tty_vpx)]
mod mux;
mod palette;
pub mod timeline;
#[cfg(agent_tty_vpx)]
mod vpx;
#[cfg(agent_tty_vpx)]
pub mod webm;

use crate::canvas::Canvas;

pub use export::{ExportSummary, Exporter, MAX_FRAME_PIXELS, MAX_VIDEO_MS, ReplayEvent, frame_size};
pub use timeline::TimingMode;

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
    /// The least time between two frames the format can show (GIF: 20 ms).
    fn min_frame_gap_ms(&self) -> u64 {
        1
    }
    /// Glyph coverage steps the frames should be painted with (`None`: exact
    /// anti-aliasing). GIF asks for a few, so frames fit an exact 256-colour palette.
    fn coverage_levels(&self) -> Option<u8> {
        None
    }
}

/// Why this build cannot write WebM (`None` when it can): set by the build script when
/// libvpx or a C compiler was missing at build time.
pub fn webm_unavailable() -> Option<&'static str> {
    let reason = env!("AGENT_TTY_VPX_MISSING");
    (!reason.is_empty()).then_some(reason)
}

/// The WebM encoder in this build, e.g. `VP9 (libvpx v1.12.0)`.
pub fn webm_encoder() -> Option<String> {
    #[cfg(agent_tty_vpx)]
    {
        Some(format!("VP9 (libvpx {})", vpx::version()))
    }
    #[cfg(not(agent_tty_vpx))]
    {
        None
    }
}

/// A WebM (VP9) sink writing a `width`×`height` video to `out`, or why this build has
/// none.
pub fn webm_sink<'w, W: std::io::Write + std::io::Seek + 'w>(
    out: W,
    width: u32,
    height: u32,
) -> Result<Box<dyn FrameSink + 'w>, VideoError> {
    #[cfg(agent_tty_vpx)]
    {
        Ok(Box::new(webm::WebmSink::new(out, width, height)?))
    }
    #[cfg(not(agent_tty_vpx))]
    {
        let _ = (out, width, height);
        Err(VideoError(webm_unavailable().unwrap_or("WebM support was not built").to_string()))
    }
}
