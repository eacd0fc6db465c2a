//! The bundled JetBrains Mono faces, rasterised with `ab_glyph` and cached by
//! `(char, face)`. A face is opened once per process when first needed, and only the
//! glyphs drawn are outlined (no up-front parsing of the whole font). Glyphs they lack come from the system fallback fonts
//! ([`crate::fallback`]), cached alongside by [`Key`].

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use ab_glyph::{Font, FontRef, GlyphId, PxScale, point};

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

fn font(face: usize) -> Option<&'static FontRef<'static>> {
    static FONTS: [OnceLock<Option<FontRef<'static>>>; 4] = [const { OnceLock::new() }; 4];
    let file = FONT_FILES.get(face)?;
    FONTS[face].get_or_init(|| FontRef::try_from_slice(file.bytes).ok()).as_ref()
}

/// Pixels per font unit at [`FONT_SIZE`] px to the em.
fn per_unit(font: &FontRef<'_>) -> f32 {
    FONT_SIZE / font.units_per_em().unwrap_or(1000.0)
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
            .map(|f| (f.ascent_unscaled() * per_unit(f), f.descent_unscaled() * per_unit(f)))
            .map_or(12, |(ascent, descent)| ((cell + ascent + descent) / 2.0).round() as i32)
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
        let id = f.glyph_id(c);
        (id != GlyphId(0)).then_some((f, id))
    });
    let (f, id) = chosen?;
    let scale = PxScale::from(per_unit(f) * f.height_unscaled());
    let positioned = id.with_scale_and_position(scale, point(0.0, baseline() as f32));
    // A glyph without an outline (a space) is drawn as nothing.
    let Some(outlined) = f.outline_glyph(positioned) else {
        return Some(Glyph { left: 0, top: 0, width: 0, height: 0, coverage: Vec::new() });
    };
    let bounds = outlined.px_bounds();
    let (width, height) = (bounds.width() as usize, bounds.height() as usize);
    let mut coverage = vec![0u8; width * height];
    outlined.draw(|x, y, c| {
        if let Some(slot) = coverage.get_mut(y as usize * width + x as usize) {
            *slot = (c.clamp(0.0, 1.0) * 255.0).round() as u8;
        }
    });
    Some(Glyph { left: bounds.min.x as i32, top: bounds.min.y as i32, width, height, coverage })
}
