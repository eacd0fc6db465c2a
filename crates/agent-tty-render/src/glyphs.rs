//! The bundled JetBrains Mono faces, rasterised with `fontdue` and cached by
//! `(char, face)`. Fonts are parsed lazily, once per process, only when a face is
//! first needed. Glyphs they lack come from the system fallback fonts
//! ([`crate::fallback`]), cached alongside by [`Key`].

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use fontdue::{Font, FontSettings, Metrics};

use crate::fallback::{Fallback, Fonts, Key};
use crate::profile::{CELL_HEIGHT, FONT_SIZE};

/// One embedded font file.
#[derive(Debug)]
pub struct FontFile {
    /// The TTF bytes.
    pub bytes: &'static [u8],
    /// The route the asset would be served at (hash recipe input).
    pub route: &'static str,
    /// `normal` or `italic`.
    pub style: &'static str,
    /// CSS weight.
    pub weight: &'static str,
}

/// Regular, Bold, Italic, BoldItalic — indexed by [`face`].
pub const FONT_FILES: [FontFile; 4] = [
    FontFile {
        bytes: include_bytes!("../fonts/JetBrainsMono-Regular.ttf"),
        route: "/assets/fonts/JetBrainsMono-Regular.ttf",
        style: "normal",
        weight: "400",
    },
    FontFile {
        bytes: include_bytes!("../fonts/JetBrainsMono-Bold.ttf"),
        route: "/assets/fonts/JetBrainsMono-Bold.ttf",
        style: "normal",
        weight: "700",
    },
    FontFile {
        bytes: include_bytes!("../fonts/JetBrainsMono-Italic.ttf"),
        route: "/assets/fonts/JetBrainsMono-Italic.ttf",
        style: "italic",
        weight: "400",
    },
    FontFile {
        bytes: include_bytes!("../fonts/JetBrainsMono-BoldItalic.ttf"),
        route: "/assets/fonts/JetBrainsMono-BoldItalic.ttf",
        style: "italic",
        weight: "700",
    },
];

/// The face index for a bold/italic combination.
pub fn face(bold: bool, italic: bool) -> usize {
    usize::from(bold) + 2 * usize::from(italic)
}

fn font(face: usize) -> Option<&'static Font> {
    static FONTS: [OnceLock<Option<Font>>; 4] = [const { OnceLock::new() }; 4];
    let file = FONT_FILES.get(face)?;
    FONTS[face]
        .get_or_init(|| {
            let settings = FontSettings { scale: FONT_SIZE, ..FontSettings::default() };
            Font::from_bytes(file.bytes, settings).ok()
        })
        .as_ref()
}

/// A rasterised glyph: coverage bitmap plus placement relative to the cell origin.
#[derive(Debug, Clone)]
pub struct Glyph {
    /// Left edge relative to the cell's left edge.
    pub left: i32,
    /// Top edge relative to the cell's top edge.
    pub top: i32,
    /// Bitmap width.
    pub width: usize,
    /// Bitmap height.
    pub height: usize,
    /// Row-major coverage, `width * height` bytes.
    pub coverage: Vec<u8>,
}

/// The distance from the cell top to the baseline, from the regular face's metrics.
pub fn baseline() -> i32 {
    static BASELINE: OnceLock<i32> = OnceLock::new();
    *BASELINE.get_or_init(|| {
        let cell = CELL_HEIGHT as f32;
        font(0)
            .and_then(|f| f.horizontal_line_metrics(FONT_SIZE))
            .map_or(12, |m| ((cell + m.ascent + m.descent) / 2.0).round() as i32)
            .clamp(1, CELL_HEIGHT as i32 - 1)
    })
}

/// Rasterises glyphs on demand; `None` means the font has no glyph for the char.
/// Creating one is free: the fallback fonts are found and read only on the first
/// [`GlyphCache::fallback`] lookup of the process.
#[derive(Debug)]
pub struct GlyphCache {
    glyphs: HashMap<(char, usize), Option<Glyph>>,
    fallback: HashMap<Key, Option<Arc<Fallback>>>,
    fonts: Fonts,
}

impl Default for GlyphCache {
    fn default() -> Self {
        GlyphCache { glyphs: HashMap::new(), fallback: HashMap::new(), fonts: Fonts::current() }
    }
}

impl GlyphCache {
    /// The glyph for `c` in `face` (falling back to the regular face), or `None`.
    pub fn get(&mut self, c: char, face: usize) -> Option<&Glyph> {
        self.glyphs.entry((c, face)).or_insert_with(|| rasterise(c, face)).as_ref()
    }

    /// The glyph for `key` from the system fallback fonts, or `None`.
    pub fn fallback(&mut self, key: Key) -> Option<&Fallback> {
        let fonts = &self.fonts;
        self.fallback.entry(key).or_insert_with(|| fonts.set().glyph(key)).as_deref()
    }
}

fn rasterise(c: char, face_index: usize) -> Option<Glyph> {
    let chosen = [face_index, 0].into_iter().find_map(|i| {
        let f = font(i)?;
        let index = f.lookup_glyph_index(c);
        (index != 0).then_some((f, index))
    });
    let (f, index) = chosen?;
    let (metrics, coverage): (Metrics, Vec<u8>) = f.rasterize_indexed(index, FONT_SIZE);
    Some(Glyph {
        left: metrics.xmin,
        top: baseline() - metrics.ymin - metrics.height as i32,
        width: metrics.width,
        height: metrics.height,
        coverage,
    })
}
