//! An opaque RGB pixel buffer with clipped fills and alpha blending, and its PNG
//! encoding.

use crate::RenderError;
use crate::profile::Rgb;

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
    /// A canvas filled with `color`.
    pub fn new(width: u32, height: u32, color: Rgb) -> Canvas {
        let count = width as usize * height as usize;
        let mut pixels = Vec::with_capacity(count * 3);
        for _ in 0..count {
            pixels.extend_from_slice(&[color.0, color.1, color.2]);
        }
        Canvas { width, height, pixels }
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

    /// Encodes the canvas as an opaque RGB8 PNG (fast compression).
    pub fn to_png(&self) -> Result<Vec<u8>, RenderError> {
        let mut out = Vec::with_capacity(self.pixels.len() / 8);
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header().map_err(|e| RenderError(e.to_string()))?;
        writer.write_image_data(&self.pixels).map_err(|e| RenderError(e.to_string()))?;
        writer.finish().map_err(|e| RenderError(e.to_string()))?;
        Ok(out)
    }
}

/// Mixes `a` toward `b` by `t` (0.0 = `a`, 1.0 = `b`).
pub fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let m = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    (m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}
