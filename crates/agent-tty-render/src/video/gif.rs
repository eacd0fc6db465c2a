//! GIF encoding (pure Rust): see [`GifSink`].
//!
//! Every frame carries its own (local) colour table built from its own pixels.
//! Terminal frames rarely exceed 256 colours, so they are stored losslessly; richer
//! ones keep their most frequent colours exact and approximate the rest. There is no
//! global table: a streamed video's colours are not known up front, and a delta
//! frame's table only needs the few colours of its changed pixels.
//!
//! After the first full frame, each frame is the bounding rectangle of the pixels that
//! changed since the previous one, drawn over it (disposal "keep"), its unchanged
//! pixels transparent. Delays are whole centiseconds computed from rounded absolute
//! times, so they never drift; pictures less than 2 cs apart are merged (browsers play
//! shorter delays as 10 cs) and unchanged pictures only lengthen the frame on screen.

use std::borrow::Cow;
use std::io::{self, Write};

use gif::{DisposalMethod, Encoder, EncodingError, Frame, Repeat};

use super::palette::{Indexed, Quantizer, Rect};
use super::{FrameSink, VideoError};
use crate::canvas::Canvas;

/// The shortest delay, in centiseconds, that players honour (shorter ones are played
/// as 10 cs by browsers).
const MIN_DELAY_CS: u64 = 2;

/// The longest delay one GIF frame can carry, in centiseconds.
const MAX_DELAY_CS: u64 = u16::MAX as u64;

/// A [`FrameSink`] that writes an endlessly looping animated GIF.
///
/// Memory stays flat: the sink keeps the picture last encoded, the newest picture
/// (whose time on screen is not known yet) and the encoded frame before it.
///
/// The first frame is shown from time 0 whatever its `pts_ms`. A picture followed
/// within 20 ms by another is replaced by it. The final picture, though, is always
/// kept: when it would last under 20 ms it starts earlier, shortening the frame
/// before it, and only when that frame cannot spare the time either is the video
/// lengthened (by less than 20 ms).
pub struct GifSink<W: Write> {
    /// The encoder, until `finish`.
    encoder: Option<Encoder<ErrorTrap<W>>>,
    /// The writer, once `finish` succeeded.
    finished: Option<W>,
    /// The first error: once one happened every call fails with it.
    failed: Option<VideoError>,
    /// Canvas width in pixels.
    width: usize,
    /// Canvas height in pixels.
    height: usize,
    /// The picture of the last encoded frame (what a player shows once it is drawn);
    /// empty before the first one.
    shown: Vec<u8>,
    /// The last encoded frame, waiting for its delay.
    held: Option<Held>,
    /// The newest picture, not encoded yet: a picture arriving within 20 ms still
    /// replaces it. Meaningful while `pending_start` is set.
    pending: Vec<u8>,
    /// When `pending` goes on screen, in centiseconds.
    pending_start: Option<u64>,
    /// The previous frame's `pts_ms`.
    last_pts: Option<u64>,
    /// Builds each frame's colour table.
    quantizer: Quantizer,
    /// An index buffer to reuse.
    spare: Vec<u8>,
}

/// An encoded frame whose delay is not known yet.
struct Held {
    /// The frame, delay unset.
    frame: Frame<'static>,
    /// When it goes on screen, in centiseconds.
    start_cs: u64,
}

impl<W: Write> GifSink<W> {
    /// Starts a GIF of `width`×`height` pixels (each 1 to 65535) on `writer`, writing
    /// its header.
    pub fn new(writer: W, width: u32, height: u32) -> Result<GifSink<W>, VideoError> {
        let (Ok(w16 @ 1..), Ok(h16 @ 1..)) = (u16::try_from(width), u16::try_from(height)) else {
            return Err(VideoError(format!(
                "a GIF must be 1 to 65535 pixels wide and high, not {width}×{height}"
            )));
        };
        let mut encoder = Encoder::new(ErrorTrap::new(writer), w16, h16, &[]).map_err(encoding_error)?;
        encoder.set_repeat(Repeat::Infinite).map_err(encoding_error)?;
        encoder.get_mut().check()?;
        Ok(GifSink {
            encoder: Some(encoder),
            finished: None,
            failed: None,
            width: usize::from(w16),
            height: usize::from(h16),
            shown: Vec::new(),
            held: None,
            pending: Vec::new(),
            pending_start: None,
            last_pts: None,
            quantizer: Quantizer::default(),
            spare: Vec::new(),
        })
    }

    /// The writer, once [`FrameSink::finish`] has succeeded.
    pub fn into_inner(self) -> Option<W> {
        self.finished
    }

    /// Fails if the sink is finished or broken.
    fn check_open(&self) -> Result<(), VideoError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        if self.encoder.is_none() {
            return Err(VideoError("the GIF is already finished".to_string()));
        }
        Ok(())
    }

    /// Remembers an error so that later calls fail too.
    fn poison<T>(&mut self, result: Result<T, VideoError>) -> Result<T, VideoError> {
        if let Err(error) = &result {
            self.failed = Some(error.clone());
        }
        result
    }

    /// Takes in the picture `pixels`, on screen from `start` (centiseconds).
    fn push(&mut self, pixels: &[u8], start: u64) -> Result<(), VideoError> {
        match self.pending_start {
            Some(pending_start) => {
                if self.pending == pixels {
                    return Ok(());
                }
                if start < pending_start + MIN_DELAY_CS {
                    // Too soon: the new picture replaces the pending one, and if that
                    // brings back the picture on screen, nothing is pending any more.
                    self.pending.copy_from_slice(pixels);
                    if !self.shown.is_empty() && self.shown == self.pending {
                        self.pending_start = None;
                    }
                    return Ok(());
                }
                self.encode_pending(pending_start)?;
            }
            // Nothing pending (the last pending picture was encoded, or reverted to the
            // one shown): no merging needed, since that picture started at least 2 cs
            // after the held frame and this one starts later still.
            None if self.shown == pixels => return Ok(()),
            None => {}
        }
        self.pending.clear();
        self.pending.extend_from_slice(pixels);
        self.pending_start = Some(start);
        Ok(())
    }

    /// Writes the held frame (its delay ends at `start`), then encodes the pending
    /// picture as the new held frame, on screen from `start`.
    fn encode_pending(&mut self, start: u64) -> Result<(), VideoError> {
        if let Some(held) = self.held.take() {
            self.write_held(held.frame, start.saturating_sub(held.start_cs))?;
        }
        let full = Rect { x: 0, y: 0, width: self.width, height: self.height };
        let rect = if self.shown.is_empty() {
            full
        } else {
            // The pending picture always differs from the one shown; a 1-pixel frame
            // would still be correct if it did not.
            changed_rect(&self.shown, &self.pending, self.width, self.height).unwrap_or(Rect {
                width: 1,
                height: 1,
                ..full
            })
        };
        let previous = (!self.shown.is_empty()).then_some(self.shown.as_slice());
        let mut indexed = Indexed { indices: std::mem::take(&mut self.spare), ..Indexed::default() };
        self.quantizer.index(&self.pending, previous, self.width, rect, &mut indexed);
        // `new` checked that the canvas fits in u16 coordinates.
        let frame = Frame {
            dispose: DisposalMethod::Keep,
            left: rect.x as u16,
            top: rect.y as u16,
            width: rect.width as u16,
            height: rect.height as u16,
            transparent: indexed.transparent,
            palette: Some(indexed.palette),
            buffer: Cow::Owned(indexed.indices),
            ..Frame::default()
        };
        self.held = Some(Held { frame, start_cs: start });
        std::mem::swap(&mut self.shown, &mut self.pending);
        self.pending_start = None;
        Ok(())
    }

    /// Writes `frame` shown for `delay` centiseconds; a delay too long for one GIF
    /// frame continues in transparent 1-pixel frames.
    fn write_held(&mut self, mut frame: Frame<'static>, delay: u64) -> Result<(), VideoError> {
        let mut remaining = delay;
        let first = delay_chunk(remaining);
        frame.delay = first as u16;
        self.write_frame(&frame)?;
        remaining -= first;
        if let Cow::Owned(buffer) = frame.buffer {
            self.spare = buffer;
        }
        while remaining > 0 {
            let chunk = delay_chunk(remaining);
            let blank = Frame {
                delay: chunk as u16,
                dispose: DisposalMethod::Keep,
                transparent: Some(0),
                width: 1,
                height: 1,
                palette: Some(vec![0; 6]),
                buffer: Cow::Borrowed(&[0]),
                ..Frame::default()
            };
            self.write_frame(&blank)?;
            remaining -= chunk;
        }
        Ok(())
    }

    /// Hands `frame` to the encoder.
    fn write_frame(&mut self, frame: &Frame<'_>) -> Result<(), VideoError> {
        let encoder =
            self.encoder.as_mut().ok_or_else(|| VideoError("the GIF is already finished".to_string()))?;
        let result = encoder.write_frame(frame);
        encoder.get_mut().check()?;
        result.map_err(encoding_error)
    }

    /// Encodes what is left, the last frame lasting until `end` (centiseconds), and
    /// writes the trailer.
    fn finish_at(&mut self, end: u64) -> Result<(), VideoError> {
        if let Some(mut start) = self.pending_start {
            if let Some(held) = &self.held
                && start + MIN_DELAY_CS > end
            {
                // Show the final picture for 2 cs, taken from the frame before it.
                start = end.saturating_sub(MIN_DELAY_CS).max(held.start_cs + MIN_DELAY_CS);
            }
            self.encode_pending(start)?;
        }
        let held =
            self.held.take().ok_or_else(|| VideoError("a GIF needs at least one frame".to_string()))?;
        let delay = end.saturating_sub(held.start_cs).max(MIN_DELAY_CS);
        self.write_held(held.frame, delay)?;
        let encoder =
            self.encoder.take().ok_or_else(|| VideoError("the GIF is already finished".to_string()))?;
        let mut trap = encoder.into_inner().map_err(encoding_error)?;
        trap.flush()?;
        trap.check()?;
        self.finished = Some(trap.inner);
        Ok(())
    }
}

impl<W: Write> FrameSink for GifSink<W> {
    fn frame(&mut self, canvas: &Canvas, pts_ms: u64) -> Result<(), VideoError> {
        self.check_open()?;
        if canvas.width as usize != self.width
            || canvas.height as usize != self.height
            || canvas.pixels.len() != self.width * self.height * 3
        {
            return Err(VideoError(format!(
                "a {}×{} frame cannot go into a {}×{} GIF",
                canvas.width, canvas.height, self.width, self.height
            )));
        }
        let start = match self.last_pts {
            Some(last) if pts_ms <= last => {
                return Err(VideoError(format!(
                    "GIF frame times must increase: {pts_ms} ms after {last} ms"
                )));
            }
            Some(_) => centiseconds(pts_ms),
            None => 0,
        };
        self.last_pts = Some(pts_ms);
        let result = self.push(&canvas.pixels, start);
        self.poison(result)
    }

    fn finish(&mut self, end_ms: u64) -> Result<(), VideoError> {
        self.check_open()?;
        match self.last_pts {
            None => return Err(VideoError("a GIF needs at least one frame".to_string())),
            Some(last) if end_ms <= last => {
                return Err(VideoError(format!(
                    "the GIF cannot end at {end_ms} ms, before its frame at {last} ms"
                )));
            }
            Some(_) => {}
        }
        let result = self.finish_at(centiseconds(end_ms));
        self.poison(result)
    }

    /// 20 ms: frames closer to the previous one are merged into it.
    fn min_frame_gap_ms(&self) -> u64 {
        MIN_DELAY_CS * 10
    }

    /// Anti-aliasing in 8 steps keeps a typical terminal frame within 256 colours, so
    /// its palette is exact.
    fn coverage_levels(&self) -> Option<u8> {
        Some(8)
    }
}

/// `ms` rounded to the nearest centisecond.
fn centiseconds(ms: u64) -> u64 {
    ms.saturating_add(5) / 10
}

/// The part of a `remaining` delay the next frame carries: as much as fits, leaving
/// no remainder under the minimum delay.
fn delay_chunk(remaining: u64) -> u64 {
    if remaining <= MAX_DELAY_CS {
        remaining
    } else if remaining - MAX_DELAY_CS >= MIN_DELAY_CS {
        MAX_DELAY_CS
    } else {
        MAX_DELAY_CS - MIN_DELAY_CS
    }
}

/// The bounding rectangle of the pixels that differ between two RGB8 pictures of
/// `width`×`height`, or `None` when they are equal.
fn changed_rect(old: &[u8], new: &[u8], width: usize, height: usize) -> Option<Rect> {
    let stride = width * 3;
    let row = |picture, y| row_of(picture, stride, y);
    let differs = |y: &usize| row(old, *y) != row(new, *y);
    let top = (0..height).find(differs)?;
    let bottom = (top..height).rev().find(differs).unwrap_or(top);
    // Columns [left, right) — each row only needs searching outside the span so far.
    let (mut left, mut right) = (width, 0);
    for y in top..=bottom {
        let (a, b) = (row(old, y), row(new, y));
        if let Some(i) = first_difference(&a[..left * 3], &b[..left * 3]) {
            left = i / 3;
        }
        let from = right.max(left) * 3;
        if let Some(i) = last_difference(&a[from..], &b[from..]) {
            right = (from + i) / 3 + 1;
        }
    }
    Some(Rect { x: left, y: top, width: right - left, height: bottom - top + 1 })
}

/// Row `y` of a picture `stride` bytes wide.
fn row_of(picture: &[u8], stride: usize, y: usize) -> &[u8] {
    &picture[y * stride..(y + 1) * stride]
}

/// The offset of the first differing byte.
fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    const CHUNK: usize = 32;
    let chunk = a.chunks(CHUNK).zip(b.chunks(CHUNK)).position(|(x, y)| x != y)?;
    let start = chunk * CHUNK;
    a[start..].iter().zip(&b[start..]).position(|(x, y)| x != y).map(|i| start + i)
}

/// The offset of the last differing byte.
fn last_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    const CHUNK: usize = 32;
    let chunk = a.rchunks(CHUNK).zip(b.rchunks(CHUNK)).position(|(x, y)| x != y)?;
    let end = a.len() - chunk * CHUNK;
    a[..end].iter().zip(&b[..end]).rposition(|(x, y)| x != y)
}

/// Converts an encoder error (writer errors are caught by [`ErrorTrap`] first).
fn encoding_error(error: EncodingError) -> VideoError {
    VideoError(format!("cannot encode the GIF: {error}"))
}

/// A writer that never fails: it keeps the first error of the writer it wraps (and
/// writes nothing more) for [`ErrorTrap::check`] to report. The `gif` encoder, built
/// without its `raii_no_panic` feature, panics when writing its trailer on drop fails;
/// behind this trap it cannot.
struct ErrorTrap<W> {
    /// The real writer.
    inner: W,
    /// The first error, until reported.
    error: Option<io::Error>,
    /// Whether a write failed.
    failed: bool,
}

impl<W: Write> ErrorTrap<W> {
    fn new(inner: W) -> ErrorTrap<W> {
        ErrorTrap { inner, error: None, failed: false }
    }

    /// Reports the first write error.
    fn check(&mut self) -> Result<(), VideoError> {
        match self.error.take() {
            Some(error) => Err(VideoError::from(error)),
            None if self.failed => Err(VideoError("cannot write the video: the writer failed".to_string())),
            None => Ok(()),
        }
    }

    /// Runs `op` on the writer unless it already failed, keeping its error.
    fn trap(&mut self, op: impl FnOnce(&mut W) -> io::Result<()>) {
        if !self.failed
            && let Err(error) = op(&mut self.inner)
        {
            self.failed = true;
            self.error = Some(error);
        }
    }
}

impl<W: Write> Write for ErrorTrap<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.trap(|w| w.write_all(buf));
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.trap(|w| w.write_all(buf));
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.trap(|w| w.flush());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::profile::Rgb;

    const BG: Rgb = agent_tty_vt::DEFAULT_BG;
    const FG: Rgb = agent_tty_vt::DEFAULT_FG;
    const RED: Rgb = (0xf3, 0x8b, 0xa8);
    const GREEN: Rgb = (0xa6, 0xe3, 0xa1);

    /// One decoded frame and the picture after compositing it.
    struct Decoded {
        left: u16,
        top: u16,
        width: u16,
        height: u16,
        delay: u16,
        dispose: DisposalMethod,
        /// How many of its pixels are transparent (left as they were).
        transparent: usize,
        /// RGB, the whole GIF canvas.
        picture: Vec<u8>,
    }

    /// Decodes `bytes`, compositing each frame over the previous picture.
    fn decode(bytes: &[u8]) -> Vec<Decoded> {
        let mut options = gif::DecodeOptions::new();
        options.set_color_output(gif::ColorOutput::RGBA);
        let mut decoder = options.read_info(bytes).expect("a GIF");
        assert_eq!(decoder.repeat(), Repeat::Infinite);
        let (width, height) = (usize::from(decoder.width()), usize::from(decoder.height()));
        let mut picture = vec![0u8; width * height * 3];
        let mut frames = Vec::new();
        while let Some(frame) = decoder.read_next_frame().expect("a frame") {
            for y in 0..usize::from(frame.height) {
                for x in 0..usize::from(frame.width) {
                    let src = (y * usize::from(frame.width) + x) * 4;
                    let rgba = &frame.buffer[src..src + 4];
                    if rgba[3] != 0 {
                        let dst = ((usize::from(frame.top) + y) * width + usize::from(frame.left) + x) * 3;
                        picture[dst..dst + 3].copy_from_slice(&rgba[..3]);
                    }
                }
            }
            frames.push(Decoded {
                left: frame.left,
                top: frame.top,
                width: frame.width,
                height: frame.height,
                delay: frame.delay,
                dispose: frame.dispose,
                transparent: frame.buffer.chunks_exact(4).filter(|rgba| rgba[3] == 0).count(),
                picture: picture.clone(),
            });
        }
        frames
    }

    /// Feeds `(canvas, pts_ms)` pairs and finishes at `end_ms`; returns the GIF.
    fn encode(frames: &[(&Canvas, u64)], end_ms: u64) -> Vec<u8> {
        let (width, height) = (frames[0].0.width, frames[0].0.height);
        let mut sink = GifSink::new(Vec::new(), width, height).expect("a sink");
        for &(canvas, pts) in frames {
            sink.frame(canvas, pts).expect("a frame");
        }
        sink.finish(end_ms).expect("finished");
        sink.into_inner().expect("the writer")
    }

    fn delays(frames: &[Decoded]) -> Vec<u16> {
        frames.iter().map(|f| f.delay).collect()
    }

    /// A tiny xorshift generator for reproducible "glyphs".
    struct Noise(u32);

    impl Noise {
        fn next(&mut self) -> u32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 17;
            self.0 ^= self.0 << 5;
            self.0
        }
    }

    /// Paints 8×16 cells of anti-aliased "text": each cell gets a background and a
    /// foreground from `colors`, blended with coverage levels `alphas`.
    fn paint_text(canvas: &mut Canvas, seed: u32, colors: &[Rgb], alphas: &[u8]) {
        let mut noise = Noise(seed | 1);
        for cy in 0..canvas.height as i32 / 16 {
            for cx in 0..canvas.width as i32 / 8 {
                let bg = colors[noise.next() as usize % colors.len()];
                let fg = colors[noise.next() as usize % colors.len()];
                canvas.fill(cx * 8, cy * 16, 8, 16, bg);
                for gy in 3..13 {
                    for gx in 1..7 {
                        let alpha = alphas[noise.next() as usize % alphas.len()];
                        canvas.blend(cx * 8 + gx, cy * 16 + gy, fg, alpha);
                    }
                }
            }
        }
    }

    fn distinct_colors(canvas: &Canvas) -> usize {
        canvas.pixels.chunks_exact(3).collect::<std::collections::HashSet<_>>().len()
    }

    #[test]
    fn delta_frames_reproduce_a_terminal_screen_exactly() {
        let mut a = Canvas::new(160, 96, BG);
        paint_text(&mut a, 7, &[BG, FG, RED, GREEN], &[0, 40, 128, 200, 255]);
        assert!(distinct_colors(&a) <= 256 && distinct_colors(&a) > 20);
        let mut b = a.clone();
        b.fill(16, 32, 24, 16, RED);
        b.blend(17, 33, FG, 99);
        let mut c = b.clone();
        c.fill(150, 90, 10, 6, GREEN);
        let gif = encode(&[(&a, 0), (&b, 100), (&c, 250)], 400);
        let frames = decode(&gif);
        assert_eq!(frames.len(), 3);
        for (frame, canvas) in frames.iter().zip([&a, &b, &c]) {
            assert!(frame.picture == canvas.pixels, "decoded picture differs");
            assert_eq!(frame.dispose, DisposalMethod::Keep);
        }
        assert_eq!(delays(&frames), [10, 15, 15]);
    }

    #[test]
    fn delta_frames_cover_only_the_changed_rectangle() {
        let a = Canvas::new(64, 48, BG);
        let mut b = a.clone();
        b.fill(10, 5, 10, 3, FG); // x 10..20, y 5..8
        b.blend(30, 20, RED, 128); // widens to x 10..31, y 5..21
        let mut c = b.clone();
        c.fill(63, 47, 1, 1, GREEN); // the bottom-right pixel alone
        let frames = decode(&encode(&[(&a, 0), (&b, 50), (&c, 100)], 150));
        let rect = |f: &Decoded| (f.left, f.top, f.width, f.height);
        assert_eq!(
            frames.iter().map(rect).collect::<Vec<_>>(),
            [(0, 0, 64, 48), (10, 5, 21, 16), (63, 47, 1, 1)]
        );
        assert!(frames[2].picture == c.pixels);
        // Inside the rectangle, only the 31 changed pixels are drawn.
        assert_eq!(frames.iter().map(|f| f.transparent).collect::<Vec<_>>(), [0, 21 * 16 - 31, 0]);
    }

    #[test]
    fn changed_rect_finds_the_bounding_box() {
        let (w, h) = (100, 50);
        let old = vec![0u8; w * h * 3];
        let mut new = old.clone();
        assert_eq!(changed_rect(&old, &new, w, h), None);
        for &(x, y) in &[(40, 10), (3, 20), (97, 30), (50, 44)] {
            new[(y * w + x) * 3 + 2] = 1;
        }
        assert_eq!(changed_rect(&old, &new, w, h), Some(Rect { x: 3, y: 10, width: 95, height: 35 }));
    }

    #[test]
    fn frames_closer_than_20_ms_are_merged() {
        let mut pictures = Vec::new();
        for color in [FG, RED, GREEN, BG, FG] {
            let mut canvas = Canvas::new(32, 16, BG);
            canvas.fill(0, 0, 8, 16, color);
            pictures.push(canvas);
        }
        // 0 ms, then 5 and 14 ms merge into it (14 wins); 40 ms stands; 52 ms merges
        // into 40 ms (rounded 5 cs − 4 cs < 2 cs).
        let times = [0, 5, 14, 40, 52];
        let frames: Vec<_> = pictures.iter().zip(times).collect();
        let decoded = decode(&encode(&frames, 200));
        assert_eq!(GifSink::new(Vec::new(), 1, 1).expect("a sink").min_frame_gap_ms(), 20);
        assert_eq!(decoded.len(), 2);
        assert!(decoded[0].picture == pictures[2].pixels);
        assert!(decoded[1].picture == pictures[4].pixels);
        assert_eq!(delays(&decoded), [4, 16]);
    }

    #[test]
    fn unchanged_frames_only_extend_the_delay() {
        let a = Canvas::new(32, 16, BG);
        let mut b = a.clone();
        b.fill(4, 4, 2, 2, RED);
        let decoded =
            decode(&encode(&[(&a, 0), (&a, 100), (&a, 200), (&b, 300), (&b, 310), (&b, 500)], 1000));
        assert_eq!(delays(&decoded), [30, 70]);
    }

    #[test]
    fn a_picture_reverted_within_20_ms_leaves_no_frame() {
        let a = Canvas::new(32, 16, BG);
        let mut b = a.clone();
        b.fill(4, 4, 2, 2, RED);
        // A clear-and-redraw: b at 100 ms is undone at 105 ms.
        let decoded = decode(&encode(&[(&a, 0), (&b, 100), (&a, 105)], 300));
        assert_eq!(delays(&decoded), [30]);
        assert!(decoded[0].picture == a.pixels);
    }

    #[test]
    fn delays_sum_to_the_end_time_without_drift() {
        // 30 fps frames: every delay is 3 or 4 cs, and rounding never accumulates.
        let canvases: Vec<Canvas> = (0..90)
            .map(|i| {
                let mut c = Canvas::new(40, 16, BG);
                c.fill(i % 40, 0, 1, 16, FG);
                c
            })
            .collect();
        let frames: Vec<_> = canvases.iter().enumerate().map(|(i, c)| (c, i as u64 * 1000 / 30)).collect();
        let decoded = decode(&encode(&frames, 3001));
        assert_eq!(decoded.len(), 90);
        assert_eq!(decoded.iter().map(|f| u64::from(f.delay)).sum::<u64>(), 300);
        assert!(decoded.iter().all(|f| (3..=4).contains(&f.delay)), "{:?}", delays(&decoded));
    }

    #[test]
    fn the_final_picture_is_kept_when_it_comes_just_before_the_end() {
        let a = Canvas::new(16, 16, BG);
        let mut b = a.clone();
        b.fill(0, 0, 1, 1, FG);
        let decoded = decode(&encode(&[(&a, 0), (&b, 995)], 1000));
        assert_eq!(delays(&decoded), [98, 2]);
        assert!(decoded[1].picture == b.pixels);
        // A single frame shorter than 20 ms still gets 2 cs.
        assert_eq!(delays(&decode(&encode(&[(&a, 0)], 5))), [2]);
    }

    #[test]
    fn delays_longer_than_a_gif_frame_holds_continue_in_blank_frames() {
        let a = Canvas::new(16, 16, BG);
        let mut b = a.clone();
        b.fill(3, 3, 1, 1, GREEN);
        let decoded = decode(&encode(&[(&a, 0), (&b, 655_360)], 1_400_000));
        // 65 536 cs for `a` (never leaving a remainder under 2 cs), 74 464 cs for `b`.
        assert_eq!(delays(&decoded), [65_533, 3, 65_535, 8_929]);
        assert!(decoded.iter().all(|f| f.picture == a.pixels || f.picture == b.pixels));
        assert!(decoded.last().is_some_and(|f| f.picture == b.pixels));
    }

    #[test]
    fn many_colors_keep_the_dominant_ones_exact() {
        // Anti-aliasing with every coverage level between many colour pairs, plus a
        // gradient: far more than 256 colours.
        let palette = [BG, FG, RED, GREEN, (0x89, 0xb4, 0xfa), (0xf9, 0xe2, 0xaf)];
        let alphas: Vec<u8> = (0..=255).collect();
        let mut canvas = Canvas::new(320, 192, BG);
        paint_text(&mut canvas, 3, &palette, &alphas);
        for x in 0..256 {
            canvas.fill(x, 176, 1, 16, (x as u8, 255 - x as u8, 128));
        }
        assert!(distinct_colors(&canvas) > 2000);
        let decoded = decode(&encode(&[(&canvas, 0)], 100));
        assert_eq!(decoded.len(), 1);
        let out = &decoded[0].picture;
        let mut exact = 0;
        for (i, (src, dst)) in canvas.pixels.chunks_exact(3).zip(out.chunks_exact(3)).enumerate() {
            let src_rgb = (src[0], src[1], src[2]);
            if palette.contains(&src_rgb) {
                assert_eq!(src, dst, "pure colour at pixel {i} changed");
            }
            let error: i32 = (0..3).map(|k| (i32::from(src[k]) - i32::from(dst[k])).pow(2)).sum();
            assert!(error <= 3 * 16 * 16, "pixel {i}: {src:?} became {dst:?}");
            exact += usize::from(error == 0);
        }
        assert!(exact * 2 > canvas.pixels.len() / 3, "most pixels stay exact");
    }

    #[test]
    fn a_delta_of_exactly_256_colours_stays_exact() {
        let mut a = Canvas::new(64, 16, BG);
        a.fill(0, 0, 64, 1, RED);
        // The red row turns back to the background: 256 colours changed in all, and
        // with the transparent entry they would not fit one table.
        let mut b = Canvas::new(64, 16, BG);
        for i in 0..255 {
            b.fill(i % 64, 1 + i / 64, 1, 1, (i as u8, 0, 200));
        }
        assert_eq!(distinct_colors(&b), 256);
        let decoded = decode(&encode(&[(&a, 0), (&b, 100)], 200));
        assert_eq!(decoded.len(), 2);
        assert!(decoded[1].picture == b.pixels);
    }

    #[test]
    fn delta_frames_with_many_colours_keep_the_dominant_ones_exact() {
        let alphas: Vec<u8> = (0..=255).collect();
        let a = Canvas::new(128, 64, BG);
        let mut b = a.clone();
        paint_text(&mut b, 9, &[BG, FG, RED, GREEN], &alphas);
        b.fill(0, 0, 128, 8, BG); // unchanged rows at the top and bottom
        b.fill(0, 56, 128, 8, BG);
        let mut c = b.clone();
        c.fill(40, 20, 16, 16, RED);
        assert!(distinct_colors(&b) > 256);
        let decoded = decode(&encode(&[(&a, 0), (&b, 100), (&c, 200)], 300));
        assert_eq!(decoded.len(), 3);
        assert_eq!((decoded[1].top, decoded[1].height), (8, 48));
        assert!(decoded[1].transparent > 0, "unchanged background pixels are skipped");
        for (frame, canvas) in decoded[1..].iter().zip([&b, &c]) {
            for (src, dst) in canvas.pixels.chunks_exact(3).zip(frame.picture.chunks_exact(3)) {
                if [BG, FG, RED, GREEN].contains(&(src[0], src[1], src[2])) {
                    assert_eq!(src, dst);
                }
                let error: i32 = (0..3).map(|k| (i32::from(src[k]) - i32::from(dst[k])).pow(2)).sum();
                assert!(error <= 3 * 16 * 16, "{src:?} became {dst:?}");
            }
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(GifSink::new(Vec::new(), 0, 10).is_err());
        assert!(GifSink::new(Vec::new(), 70_000, 10).is_err());
        let mut sink = GifSink::new(Vec::new(), 8, 8).expect("a sink");
        assert!(sink.finish(100).is_err(), "no frames");
        assert!(sink.frame(&Canvas::new(9, 8, BG), 0).is_err(), "wrong size");
        sink.frame(&Canvas::new(8, 8, BG), 0).expect("a frame");
        assert!(sink.frame(&Canvas::new(8, 8, FG), 0).is_err(), "time did not advance");
        assert!(sink.finish(0).is_err(), "ends before its frame");
        sink.finish(10).expect("finished");
        assert!(sink.frame(&Canvas::new(8, 8, FG), 20).is_err(), "already finished");
        assert!(sink.finish(30).is_err(), "already finished");
    }

    /// A writer that fails once it has taken `budget` bytes.
    struct Failing {
        budget: usize,
    }

    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if buf.len() > self.budget {
                return Err(io::Error::other("disk full"));
            }
            self.budget -= buf.len();
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn write_errors_are_reported_without_panicking() {
        assert!(GifSink::new(Failing { budget: 3 }, 8, 8).is_err());
        for budget in [40, 200, 400] {
            let mut sink = GifSink::new(Failing { budget }, 64, 64).expect("the header fits");
            let mut canvas = Canvas::new(64, 64, BG);
            paint_text(&mut canvas, 5, &[BG, FG, RED], &[0, 255]);
            let mut results = Vec::new();
            for pts in [0, 100, 200] {
                canvas.fill(pts as i32 / 10, 0, 8, 8, GREEN);
                results.push(sink.frame(&canvas, pts));
            }
            results.push(sink.finish(300));
            let error = results.into_iter().find_map(Result::err).expect("an error");
            assert!(error.0.contains("disk full"), "{error}");
            // Broken for good, and dropping it does not panic.
            assert!(sink.finish(400).is_err());
            drop(sink);
        }
        // Dropped unfinished on a failing writer: no panic either.
        let mut sink = GifSink::new(Failing { budget: 40 }, 8, 8).expect("the header fits");
        sink.frame(&Canvas::new(8, 8, BG), 0).expect("pending only");
        drop(sink);
    }

    /// Milliseconds the sink spends per frame of `frames` (painting not counted), a
    /// frame every 40 ms. Each frame's time is the least of three runs, so that other
    /// processes competing for the CPU inflate it less.
    fn sink_ms_per_frame(width: u32, height: u32, frames: u64, mut paint: impl FnMut(u64) -> Canvas) -> f64 {
        let mut best = vec![f64::MAX; frames as usize + 1];
        for _ in 0..3 {
            let mut sink = GifSink::new(io::sink(), width, height).expect("a sink");
            for i in 0..frames {
                let canvas = paint(i);
                let started = Instant::now();
                sink.frame(&canvas, i * 40).expect("a frame");
                best[i as usize] = best[i as usize].min(started.elapsed().as_secs_f64());
            }
            let started = Instant::now();
            sink.finish(frames * 40).expect("finished");
            best[frames as usize] = best[frames as usize].min(started.elapsed().as_secs_f64());
        }
        best.iter().sum::<f64>() * 1000.0 / frames as f64
    }

    /// Milliseconds per frame at 640×384 and 1600×800: screens painted by the
    /// renderer (typing one character per frame; scrolling one line per frame, so
    /// every row changes) and a synthetic worst case (every pixel a random coverage
    /// level: no colour runs, LZW cannot compress). Run with
    /// `cargo test --release -p agent-tty-render gif::tests::speed -- --ignored --nocapture`.
    #[test]
    #[ignore = "timing report"]
    fn speed() {
        use agent_tty_vt::{Screen, SnapshotOptions};

        let profile = crate::Profile::resolve("reference-dark").expect("profile");
        let line = |i: u64| {
            format!(
                "\x1b[1;3{}m{i:05}\x1b[0m \x1b[3{}mcompiling\x1b[0m crate-{i} v0.{}.0 \x1b[2m(src/lib.rs:{}:{})\x1b[0m \
                 warning: unused variable `x{i}` \x1b[4mhelp\x1b[24m: prefix it with an underscore\r\n",
                i % 7 + 1,
                (i + 3) % 7 + 1,
                i % 13,
                i * 7 % 500,
                i % 80
            )
        };
        for (cols, rows) in [(80u16, 24u16), (200, 50)] {
            let (width, height) = (u32::from(cols) * crate::CELL_WIDTH, u32::from(rows) * crate::CELL_HEIGHT);
            let snapshot =
                |screen: &Screen| screen.snapshot(SnapshotOptions { scrollback: false, cells: true });

            let filled = || {
                let mut screen = Screen::new(cols, rows);
                for i in 0..u64::from(rows) - 2 {
                    screen.feed(line(i).as_bytes(), 0);
                }
                screen
            };
            let first = crate::paint(&snapshot(&filled()), &profile, true).expect("paint");
            let typed = b"cargo build --release --workspace && ./target/release/agent-tty --help | less ";
            let mut screen = filled();
            let typing = sink_ms_per_frame(width, height, 200, |i| {
                if i == 0 {
                    screen = filled();
                }
                screen.feed(&[typed[i as usize % typed.len()]], 0);
                crate::paint(&snapshot(&screen), &profile, true).expect("paint")
            });

            let mut screen = filled();
            let scrolling = sink_ms_per_frame(width, height, 200, |i| {
                if i == 0 {
                    screen = filled();
                }
                screen.feed(line(i).as_bytes(), 0);
                crate::paint(&snapshot(&screen), &profile, true).expect("paint")
            });

            let alphas: Vec<u8> = (0..=255).collect();
            let mut noisy = [Canvas::new(width, height, BG), Canvas::new(width, height, BG)];
            paint_text(&mut noisy[0], 11, &[BG, FG, RED, GREEN], &alphas);
            paint_text(&mut noisy[1], 12, &[BG, FG, RED, GREEN], &alphas);
            let worst = sink_ms_per_frame(width, height, 60, |i| noisy[(i % 2) as usize].clone());

            println!(
                "{width}×{height}: typing {typing:.3} ms/frame, scrolling {scrolling:.3} ms/frame \
                 ({} colours), synthetic worst case {worst:.3} ms/frame ({} colours)",
                distinct_colors(&first),
                distinct_colors(&noisy[0]),
            );
        }
    }
}
