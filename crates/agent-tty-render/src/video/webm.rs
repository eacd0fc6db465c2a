//! WebM export: VP9 through libvpx ([`super::vpx`]) in a WebM container
//! ([`super::mux`]).

use std::io::{Seek, Write};

use super::mux::WebmWriter;
use super::vpx::{Packet, Vp9Encoder};
use super::{FrameSink, VideoError};
use crate::canvas::Canvas;

/// Encodes frames as VP9 into a WebM file.
pub struct WebmSink<W: Write + Seek> {
    encoder: Vp9Encoder,
    writer: Option<WebmWriter<W>>,
    /// The last frame, re-encoded at the end so the stream lasts until `end_ms`.
    last: Option<(Canvas, u64)>,
    frames: u64,
}

impl<W: Write + Seek> WebmSink<W> {
    /// A sink writing a `width`×`height` (both even) video to `out`.
    pub fn new(out: W, width: u32, height: u32) -> Result<WebmSink<W>, VideoError> {
        let app = concat!("agent-tty ", env!("CARGO_PKG_VERSION"));
        let writer = WebmWriter::new(out, "V_VP9", width, height, app)?;
        Ok(WebmSink { encoder: Vp9Encoder::new(width, height)?, writer: Some(writer), last: None, frames: 0 })
    }

    fn encode(&mut self, canvas: &Canvas, pts_ms: u64, duration_ms: u64) -> Result<(), VideoError> {
        let writer =
            self.writer.as_mut().ok_or_else(|| VideoError("the video is already finished".into()))?;
        let mut count = 0;
        let mut sink = |packet: Packet<'_>| {
            count += 1;
            writer.frame(packet.data, packet.pts_ms, packet.keyframe)
        };
        self.encoder.encode(canvas, pts_ms, duration_ms, false, &mut sink)?;
        self.frames += count;
        Ok(())
    }
}

impl<W: Write + Seek> FrameSink for WebmSink<W> {
    fn frame(&mut self, canvas: &Canvas, pts_ms: u64) -> Result<(), VideoError> {
        let duration = self.last.as_ref().map_or(1, |(_, last)| pts_ms.saturating_sub(*last).max(1));
        self.encode(canvas, pts_ms, duration)?;
        match &mut self.last {
            Some((kept, at)) => {
                kept.pixels.copy_from_slice(&canvas.pixels);
                *at = pts_ms;
            }
            None => self.last = Some((canvas.clone(), pts_ms)),
        }
        Ok(())
    }

    fn finish(&mut self, end_ms: u64) -> Result<(), VideoError> {
        // Repeat the last picture just before the end so players show it until then.
        if let Some((canvas, at)) = self.last.take()
            && end_ms > at + 1
        {
            self.encode(&canvas, end_ms - 1, 1)?;
        }
        let writer =
            self.writer.as_mut().ok_or_else(|| VideoError("the video is already finished".into()))?;
        self.encoder.flush(&mut |packet| writer.frame(packet.data, packet.pts_ms, packet.keyframe))?;
        let writer = self.writer.take().ok_or_else(|| VideoError("the video is already finished".into()))?;
        writer.finish(end_ms)?;
        Ok(())
    }
}
