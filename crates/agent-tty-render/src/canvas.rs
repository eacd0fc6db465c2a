//! An opaque RGB pixel buffer with clipped fills and alpha blending, and its PNG
//! encoding.

mod encode;

use crate::RenderError;
use crate::profile::Rgb;

/// The largest canvas any renderer allocates: 16 megapixels (e.g. 4096×4096 px, a
/// 512×256-cell screen), 48 MB of RGB. A screenshot or video frame above it fails
/// with a [`RenderError`] instead of asking the allocator for gigabytes.
pub const MAX_CANVAS_PIXELS: u64 = 1 << 24;

/// An RGB8 image.
#[derive(Debug, Clone)]
pub struct Canvas {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Row-major RGB bytes.
    pub pixels: Vec<u8>,
}

impl Canvas {
    /// A canvas filled with `color`, or an error when it would have more than
    /// [`MAX_CANVAS_PIXELS`] pixels or its memory cannot be had.
    pub fn try_new(width: u32, height: u32, color: Rgb) -> Result<Canvas, RenderError> {
        let count = u64::from(width) * u64::from(height);
        if count > MAX_CANVAS_PIXELS {
            return Err(RenderError(format!(
                "a {width}x{height} px image is too large: images are limited to {} megapixels",
                MAX_CANVAS_PIXELS >> 20
            )));
        }
        let mut pixels = Vec::new();
        // At most 48 MB after the check above; still, report rather than abort.
        pixels
            .try_reserve_exact(count as usize * 3)
            .map_err(|e| RenderError(format!("cannot allocate a {width}x{height} px image: {e}")))?;
        for _ in 0..count {
            pixels.extend_from_slice(&[color.0, color.1, color.2]);
        }
        Ok(Canvas { width, height, pixels })
    }

    /// A canvas filled with `color`, for sizes known to be small (tests, glyph
    /// tiles); anything sized from outside input goes through [`Canvas::try_new`].
    pub fn new(width: u32, height: u32, color: Rgb) -> Canvas {
        let count = width as usize * height as usize;
        let mut pixels = Vec::with_capacity(count * 3);
        for _ in 0..count {
            pixels.extend_from_slice(&[color.0, color.1, color.2]);
        }
        Canvas { width, height, pixels }
    }

    /// Fills the whole canvas with `color`.
    pub fn clear(&mut self, color: Rgb) {
        for pixel in self.pixels.chunks_exact_mut(3) {
            pixel.copy_from_slice(&[color.0, color.1, color.2]);
        }
    }

    /// The colour at `(x, y)`, if inside.
    pub fn pixel(&self, x: u32, y: u32) -> Option<Rgb> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        Some((self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]))
    }

    /// Fills the rectangle, clipped to the canvas.
    pub fn fill(&mut self, x: i32, y: i32, w: i32, h: i32, color: Rgb) {
        self.blend_rect(x, y, w, h, color, 255);
    }

    /// Blends `color` over the rectangle with opacity `alpha`, clipped to the canvas.
    pub fn blend_rect(&mut self, x: i32, y: i32, w: i32, h: i32, color: Rgb, alpha: u8) {
        let x0 = x.clamp(0, self.width as i32);
        let x1 = (x + w).clamp(0, self.width as i32);
        let y0 = y.clamp(0, self.height as i32);
        let y1 = (y + h).clamp(0, self.height as i32);
        for py in y0..y1 {
            for px in x0..x1 {
                self.blend(px, py, color, alpha);
            }
        }
    }

    /// Blends `color` over one pixel with opacity `alpha` (ignored when outside).
    pub fn blend(&mut self, x: i32, y: i32, color: Rgb, alpha: u8) {
        if x < 0 || y < 0 || x >= self.width as i32 || y >= self.height as i32 || alpha == 0 {
            return;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        let a = u32::from(alpha);
        for (k, c) in [color.0, color.1, color.2].into_iter().enumerate() {
            let old = u32::from(self.pixels[i + k]);
            self.pixels[i + k] = ((u32::from(c) * a + old * (255 - a) + 127) / 255) as u8;
        }
    }

    /// Encodes the canvas as an opaque PNG: indexed colour (1, 2, 4 or 8 bits) when it
    /// has at most 256 colours, RGB8 otherwise. Lossless, compressed by a small
    /// deflate encoder tuned for screenshots (`canvas/encode.rs`).
    pub fn to_png(&self) -> Result<Vec<u8>, RenderError> {
        if self.width == 0 || self.height == 0 {
            return Err(RenderError(format!("cannot encode a {}×{} PNG", self.width, self.height)));
        }
        let expected = self.width as usize * self.height as usize * 3;
        if self.pixels.len() != expected {
            return Err(RenderError(format!(
                "canvas holds {} bytes, {}×{} RGB needs {expected}",
                self.pixels.len(),
                self.width,
                self.height
            )));
        }
        encode::encode(self.width, self.height, &self.pixels)
    }
}

/// Mixes `a` toward `b` by `t` (0.0 = `a`, 1.0 = `b`).
pub fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let m = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    (m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `png` to RGB8 (expanding palettes and low bit depths).
    fn decode(png: &[u8]) -> (png::ColorType, png::BitDepth, u32, u32, Vec<u8>) {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().expect("png header");
        let (color, depth) = (reader.info().color_type, reader.info().bit_depth);
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut buf).expect("png data");
        buf.truncate(frame.buffer_size());
        (color, depth, frame.width, frame.height, buf)
    }

    fn roundtrip(canvas: &Canvas) -> (png::ColorType, png::BitDepth, usize) {
        let png = canvas.to_png().expect("encode");
        let (color, depth, w, h, rgb) = decode(&png);
        assert_eq!((w, h), (canvas.width, canvas.height));
        assert_eq!(rgb.len(), canvas.pixels.len());
        assert!(rgb == canvas.pixels, "decoded pixels differ ({}×{})", w, h);
        (color, depth, png.len())
    }

    /// A deterministic xorshift generator.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// A canvas of `w`×`h` on `colors[0]` with cell-sized patches of scattered
    /// pixels, like text: the first cells use every other colour once, the rest random
    /// ones (or none).
    fn patchy(w: u32, h: u32, colors: &[Rgb], seed: u64) -> Canvas {
        let mut rng = Rng(seed);
        let mut c = Canvas::new(w, h, colors[0]);
        let mut cell = 0;
        for cy in (0..h as i32).step_by(16) {
            for cx in (0..w as i32).step_by(8) {
                cell += 1;
                let color = match colors.get(cell) {
                    Some(color) => *color,
                    None if rng.next().is_multiple_of(3) => continue,
                    None => colors[(rng.next() % colors.len() as u64) as usize],
                };
                for _ in 0..20 {
                    let (x, y) = ((rng.next() % 8) as i32, (rng.next() % 16) as i32);
                    c.fill(cx + x, cy + y, 1 + (rng.next() % 3) as i32, 1, color);
                }
            }
        }
        c
    }

    fn palette(n: usize) -> Vec<Rgb> {
        (0..n).map(|i| (i as u8, (i / 256 * 80) as u8, (i * 7) as u8)).collect()
    }

    #[test]
    fn png_is_lossless_for_every_colour_count_and_bit_depth() {
        use png::{BitDepth as D, ColorType as C};
        // Widths that are not multiples of the 8/4/2 pixels a packed byte holds.
        for (n, w, h, color, depth) in [
            (1, 13, 7, C::Indexed, D::One),
            (2, 37, 19, C::Indexed, D::One),
            (3, 83, 21, C::Indexed, D::Two),
            (4, 640, 48, C::Indexed, D::Two),
            (5, 61, 33, C::Indexed, D::Four),
            (16, 640, 384, C::Indexed, D::Four),
            (17, 99, 40, C::Indexed, D::Eight),
            (256, 640, 384, C::Indexed, D::Eight),
        ] {
            let c = patchy(w, h, &palette(n), n as u64 + 1);
            let distinct: std::collections::HashSet<_> = c.pixels.chunks(3).collect();
            assert_eq!(distinct.len(), n, "the test image uses every colour");
            let (got_color, got_depth, _) = roundtrip(&c);
            assert_eq!((got_color, got_depth), (color, depth), "{n} colours");
        }
        let c = Canvas::new(1, 1, (1, 2, 3));
        assert_eq!(roundtrip(&c).0, C::Indexed);
    }

    #[test]
    fn png_is_rgb_and_lossless_above_256_colours() {
        // Noisy enough for several deflate blocks and matches across the 32 KiB window.
        let c = patchy(1600, 800, &palette(300), 7);
        let (color, depth, _) = roundtrip(&c);
        assert_eq!((color, depth), (png::ColorType::Rgb, png::BitDepth::Eight));
        let mut rng = Rng(99);
        let mut noise = Canvas::new(333, 257, (0, 0, 0));
        for b in &mut noise.pixels {
            *b = rng.next() as u8;
        }
        roundtrip(&noise);
    }

    #[test]
    fn png_rejects_empty_and_inconsistent_canvases() {
        assert!(Canvas::new(0, 5, (0, 0, 0)).to_png().is_err());
        let mut c = Canvas::new(4, 4, (0, 0, 0));
        c.pixels.pop();
        assert!(c.to_png().is_err());
    }

    /// An 80×24 screen full of coloured `ls -l`-like text, painted by the renderer.
    fn coloured_text_screen() -> Canvas {
        let mut text = String::new();
        let names = ["Cargo.toml", "src", "target", "README.md", "build.rs", "tests", "archive.tar.gz"];
        for row in 0..24 {
            for k in 0..3 {
                let i = row * 3 + k;
                let color = [0, 34, 32, 0, 31, 36, 35][i % 7];
                text.push_str(&format!(
                    "-rw-r--r-- {:>5} \x1b[1;{color}m{:<8}\x1b[0m ",
                    i * 7919 % 99999,
                    names[i % 7]
                ));
            }
            if row < 23 {
                text.push_str("\r\n");
            }
        }
        let mut screen = agent_tty_vt::Screen::new(80, 24);
        screen.feed(text.as_bytes(), 0);
        let snapshot = screen.snapshot(agent_tty_vt::SnapshotOptions { scrollback: false, cells: true });
        crate::paint(&snapshot, &crate::Profile::resolve("reference-dark").expect("profile"), true)
            .expect("paint")
    }

    #[test]
    fn screenshot_png_is_small_and_exact() {
        let c = coloured_text_screen();
        let (color, _, size) = roundtrip(&c);
        assert_eq!(color, png::ColorType::Rgb, "anti-aliased coloured text exceeds 256 colours");
        // png 0.17's Compression::Fast gave ~250 KB for this kind of screen.
        assert!(size < 100_000, "{size} bytes");
        let mono = Canvas { pixels: c.pixels.iter().map(|&b| if b > 128 { 255 } else { 0 }).collect(), ..c };
        let (color, depth, size) = roundtrip(&mono);
        assert_eq!((color, depth), (png::ColorType::Indexed, png::BitDepth::Four), "8 colours");
        assert!(size < 40_000, "{size} bytes");
    }
}
