//! Native PNG rendering of agent-tty screen snapshots.
//!
//! [`render`] paints an [`agent_tty_vt::Snapshot`] taken with cells
//! (`SnapshotOptions { cells: true, .. }`) onto an 8×16-pixel-per-cell canvas using a
//! [`Profile`]'s colours and the bundled JetBrains Mono faces, then encodes it as an
//! opaque PNG (indexed when it has at most 256 colours, else RGB). Widths come from the snapshot (a wide cell spans two columns),
//! never from the font. Box drawing, block elements, braille and powerline triangles
//! are drawn in code. Glyphs the bundled fonts lack (CJK, emoji) come from system
//! fonts when present (Noto Sans CJK, Noto Color Emoji; see [`fallback_fonts`] and
//! [`FALLBACK_FONTS_ENV`]); any glyph no font has is drawn as a hollow box.

mod canvas;
mod fallback;
mod glyphs;
mod profile;
mod shapes;
#[cfg(test)]
mod tests;
pub mod video;

use agent_tty_vt::{Cell, Color, Snapshot, indexed_rgb};

pub use canvas::{Canvas, MAX_CANVAS_PIXELS};
pub use fallback::{FALLBACK_FONTS_ENV, FallbackFonts, fallback_fonts};
pub use profile::{
    CELL_HEIGHT, CELL_WIDTH, FONT_FAMILY, FONT_SIZE, PROFILE_NAMES, Profile, Rgb, hex, reference_hash_recipe,
    sha256_hex,
};

use glyphs::GlyphCache;

/// The `rendererBackend` this crate reports.
pub const RENDERER_BACKEND: &str = "agent-tty-render";

/// Rendering failed: the image would exceed [`MAX_CANVAS_PIXELS`], or PNG encoding failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError(pub String);

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "render failed: {}", self.0)
    }
}

impl std::error::Error for RenderError {}

/// A rendered screenshot.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The PNG bytes.
    pub png: Vec<u8>,
    /// Image width in pixels (`cols * 8`).
    pub width: u32,
    /// Image height in pixels (`rows * 16`).
    pub height: u32,
}

/// Paints `snapshot` with `profile` (drawing the cursor when `show_cursor`) and
/// returns the pixels; fails when the image would exceed [`MAX_CANVAS_PIXELS`].
pub fn paint(snapshot: &Snapshot, profile: &Profile, show_cursor: bool) -> Result<Canvas, RenderError> {
    let (width, height) = canvas_size(snapshot.cols, snapshot.rows)?;
    let mut canvas = Canvas::try_new(width, height, profile.background)?;
    let mut glyphs = GlyphCache::default();
    Painter { profile, glyphs: &mut glyphs, levels: 0 }.snapshot(&mut canvas, snapshot, show_cursor);
    Ok(canvas)
}

/// The pixel size of a `cols`×`rows` screen's image, or why it cannot be painted
/// (more than [`MAX_CANVAS_PIXELS`]: at most 512×256 cells, or an equal area).
pub fn canvas_size(cols: u16, rows: u16) -> Result<(u32, u32), RenderError> {
    let (width, height) = video::frame_size(cols, rows);
    if u64::from(width) * u64::from(height) > MAX_CANVAS_PIXELS {
        return Err(RenderError(format!(
            "the screen is {cols}x{rows} cells, a {width}x{height} px image; images are limited to {} \
             megapixels (e.g. 512x256 cells): resize the session smaller and try again",
            MAX_CANVAS_PIXELS >> 20
        )));
    }
    Ok((width, height))
}

/// Paints many snapshots (video frames) with one glyph cache.
pub struct FramePainter {
    profile: Profile,
    glyphs: GlyphCache,
    levels: u8,
}

impl FramePainter {
    /// A painter for `profile`.
    pub fn new(profile: Profile) -> FramePainter {
        FramePainter { profile, glyphs: GlyphCache::default(), levels: 0 }
    }

    /// Rounds glyph coverage to `levels` steps (2..=255), so each foreground/background
    /// pair yields at most `levels` colours: a GIF palette then stays exact.
    pub fn with_coverage_levels(mut self, levels: u8) -> FramePainter {
        self.levels = levels.max(2);
        self
    }

    /// Clears `canvas` to the background and paints `snapshot` at its top left.
    pub fn paint_into(&mut self, canvas: &mut Canvas, snapshot: &Snapshot, show_cursor: bool) {
        canvas.clear(self.profile.background);
        let mut painter = Painter { profile: &self.profile, glyphs: &mut self.glyphs, levels: self.levels };
        painter.snapshot(canvas, snapshot, show_cursor);
    }
}

/// [`paint`], then PNG-encode.
pub fn render(snapshot: &Snapshot, profile: &Profile, show_cursor: bool) -> Result<Rendered, RenderError> {
    let canvas = paint(snapshot, profile, show_cursor)?;
    Ok(Rendered { png: canvas.to_png()?, width: canvas.width, height: canvas.height })
}

struct Painter<'a> {
    profile: &'a Profile,
    glyphs: &'a mut GlyphCache,
    /// Coverage steps (0: exact coverage).
    levels: u8,
}

impl Painter<'_> {
    /// Paints every cell of `snapshot`, then the cursor when asked.
    fn snapshot(&mut self, canvas: &mut Canvas, snapshot: &Snapshot, show_cursor: bool) {
        for row in snapshot.cells.iter().flatten() {
            for (col, cell) in row.cells.iter().enumerate() {
                if !cell.spacer {
                    self.cell(canvas, cell, col as i32, i32::from(row.row), false);
                }
            }
        }
        if show_cursor {
            let (row, col) = (snapshot.cursor_row, usize::from(snapshot.cursor_col));
            let blank = Cell { text: String::new(), style: Default::default(), wide: false, spacer: false };
            let cell = snapshot
                .cells
                .iter()
                .flatten()
                .find(|r| r.row == row)
                .and_then(|r| r.cells.get(col))
                .unwrap_or(&blank);
            self.cell(canvas, cell, col as i32, i32::from(row), true);
        }
    }

    fn color(&self, color: Color, default: Rgb) -> Rgb {
        match color {
            Color::Default => default,
            Color::Indexed(i) if i < 16 => self.profile.palette[usize::from(i)],
            Color::Indexed(i) => indexed_rgb(i),
            Color::Rgb(r, g, b) => (r, g, b),
        }
    }

    /// Paints one cell (background, glyph, decorations); `cursor` paints it as a block
    /// cursor (cursor colour = foreground, accent = background).
    fn cell(&mut self, canvas: &mut Canvas, cell: &Cell, col: i32, row: i32, cursor: bool) {
        let style = cell.style;
        let mut fg = self.color(style.fg, self.profile.foreground);
        let mut bg = self.color(style.bg, self.profile.background);
        if style.inverse {
            (fg, bg) = (bg, fg);
        }
        if cursor {
            (fg, bg) = (self.profile.background, self.profile.foreground);
        }
        if style.dim {
            fg = canvas::mix(fg, bg, 0.5);
        }
        let span = if cell.wide { 2 } else { 1 };
        let (x, y) = (col * CELL_WIDTH as i32, row * CELL_HEIGHT as i32);
        let width = span * CELL_WIDTH as i32;
        if bg != self.profile.background || cursor {
            canvas.fill(x, y, width, CELL_HEIGHT as i32, bg);
        }
        if style.hidden {
            return;
        }
        let mut chars = cell.text.chars();
        if let Some(first) = chars.next().filter(|c| *c != ' ')
            && !shapes::draw(canvas, first, x, y, fg, bg)
        {
            let face = glyphs::face(style.bold, style.italic);
            // U+FE0F asks for emoji presentation: a colour glyph beats the bundled one.
            let presentation = cell.text.contains('\u{FE0F}');
            let key = fallback::Key::new(first, style.bold, cell.wide, presentation);
            let drawn = (presentation && self.fallback(canvas, key, x, y, fg, true))
                || self.glyph(canvas, first, face, x, y, fg)
                || self.fallback(canvas, key, x, y, fg, false);
            if !drawn {
                hollow_box(canvas, x, y, width, fg);
            }
            for mark in chars.filter(|c| !matches!(c, '\u{200D}' | '\u{FE0E}' | '\u{FE0F}')) {
                self.glyph(canvas, mark, face, x, y, fg);
            }
        }
        let baseline = glyphs::baseline();
        if style.underline {
            canvas.fill(x, y + (baseline + 2).min(CELL_HEIGHT as i32 - 1), width, 1, fg);
        }
        if style.strikethrough {
            canvas.fill(x, y + baseline - 4, width, 1, fg);
        }
    }

    /// Draws a font glyph; `false` when the fonts lack it.
    fn glyph(&mut self, canvas: &mut Canvas, c: char, face: usize, x: i32, y: i32, fg: Rgb) -> bool {
        let Some(glyph) = self.glyphs.get(c, face) else {
            return false;
        };
        blend_coverage(canvas, glyph, x, y, fg, self.levels);
        true
    }

    /// Draws a glyph from the system fallback fonts: an outline in `fg`, or a colour
    /// bitmap composited in its own colours (only those when `colour_only`); `false`
    /// when no fallback font has it.
    fn fallback(
        &mut self,
        canvas: &mut Canvas,
        key: fallback::Key,
        x: i32,
        y: i32,
        fg: Rgb,
        colour_only: bool,
    ) -> bool {
        match self.glyphs.fallback(key) {
            Some(fallback::Fallback::Mono(glyph)) if !colour_only => {
                blend_coverage(canvas, glyph, x, y, fg, self.levels);
                true
            }
            Some(fallback::Fallback::Color(glyph)) => {
                for gy in 0..glyph.height {
                    for gx in 0..glyph.width {
                        let px = &glyph.rgba[(gy * glyph.width + gx) * 4..][..4];
                        let (px_x, px_y) = (x + glyph.left + gx as i32, y + glyph.top + gy as i32);
                        canvas.blend(px_x, px_y, (px[0], px[1], px[2]), px[3]);
                    }
                }
                true
            }
            _ => false,
        }
    }
}

/// Blends a coverage glyph in `fg` at the cell origin `(x, y)`.
/// With `levels` > 1 the coverage is rounded to that many steps.
fn blend_coverage(canvas: &mut Canvas, glyph: &glyphs::Glyph, x: i32, y: i32, fg: Rgb, levels: u8) {
    let steps = u32::from(levels.max(1)) - 1;
    let quantise = |alpha: u8| {
        if steps == 0 {
            return alpha;
        }
        let step = (u32::from(alpha) * steps + 127) / 255;
        (step * 255 / steps) as u8
    };
    for gy in 0..glyph.height {
        for gx in 0..glyph.width {
            let alpha = quantise(glyph.coverage[gy * glyph.width + gx]);
            canvas.blend(x + glyph.left + gx as i32, y + glyph.top + gy as i32, fg, alpha);
        }
    }
}

/// The placeholder for a glyph no font has: a 1-px outline inset by 1 px.
fn hollow_box(canvas: &mut Canvas, x: i32, y: i32, width: i32, fg: Rgb) {
    let (x0, y0, w, h) = (x + 1, y + 2, width - 2, CELL_HEIGHT as i32 - 4);
    canvas.fill(x0, y0, w, 1, fg);
    canvas.fill(x0, y0 + h - 1, w, 1, fg);
    canvas.fill(x0, y0, 1, h, fg);
    canvas.fill(x0 + w - 1, y0, 1, h, fg);
}
