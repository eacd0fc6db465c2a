//! System fallback fonts for glyphs the bundled JetBrains Mono lacks: CJK (Noto Sans
//! CJK), drawn as monochrome coverage in the cell's foreground, and colour emoji (Noto
//! Color Emoji's CBDT bitmaps), drawn in their own colours.
//!
//! A screen the bundled fonts cover pays nothing: the candidate files are found (the
//! well-known Debian, Fedora, Arch and macOS paths, then a bounded search by file name
//! of the usual font directories) the first time a glyph is missing, and each file is
//! read into memory once per process, the first time a lookup reaches it. Glyphs are
//! rasterised once per process too (emoji bitmaps are scaled down with an area filter).
//! [`FALLBACK_FONTS_ENV`] replaces discovery with an explicit list. Files that cannot
//! be read or parsed, and glyphs that cannot be decoded, are skipped silently.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use ab_glyph::{Font, FontVec, GlyphId, GlyphImageFormat, PxScale, VariableFont, point};

use crate::glyphs::{self, Glyph};
use crate::profile::{CELL_HEIGHT, CELL_WIDTH, FONT_SIZE};

/// The environment variable that overrides discovery: a `:`-separated list of font
/// files, tried in order (an empty value means no fallback fonts at all).
pub const FALLBACK_FONTS_ENV: &str = "AGENT_TTY_FALLBACK_FONTS";

/// The fallback fonts this process would draw with, as `doctor` reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FallbackFonts {
    /// The font that draws CJK ideographs (`漢`), if any.
    pub cjk: Option<PathBuf>,
    /// The bold face used for bold CJK text, if one was found.
    pub cjk_bold: Option<PathBuf>,
    /// The font that draws emoji (`😀`), if any.
    pub emoji: Option<PathBuf>,
    /// `true` when [`FALLBACK_FONTS_ENV`] chose the candidates instead of discovery.
    pub overridden: bool,
}

/// Finds (once per process) and loads the fallback fonts, and reports which files draw
/// CJK and emoji. Reads the font files it needs, so call it only when the answer matters.
pub fn fallback_fonts() -> FallbackFonts {
    FontSet::global().summary()
}

/// Font files larger than this are not fonts we want to read into memory.
const MAX_FONT_BYTES: u64 = 256 << 20;
/// The bitmap strike asked for (pixels per em); the font picks its closest strike.
const STRIKE: u16 = 64;
/// Decoded bitmaps larger than this (in pixels) are skipped.
const MAX_BITMAP_PIXELS: usize = 1024 * 1024;

/// Well-known CJK regular faces, in order of preference.
const CJK_PATHS: [&str; 9] = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-sans-cjk-vf-fonts/NotoSansCJK-VF.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/Hiragino Sans GB.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
];
/// Well-known CJK bold faces, in order of preference.
const CJK_BOLD_PATHS: [&str; 5] = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto/NotoSansCJK-Bold.ttc",
];
/// Well-known colour emoji fonts, in order of preference.
const EMOJI_PATHS: [&str; 5] = [
    "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf",
    "/usr/share/fonts/google-noto-color-emoji-fonts/NotoColorEmoji.ttf",
    "/usr/share/fonts/noto/NotoColorEmoji.ttf",
    "/usr/share/fonts/noto-emoji/NotoColorEmoji.ttf",
    "/System/Library/Fonts/Apple Color Emoji.ttc",
];
/// File names the bounded search looks for, per role, in order of preference.
const CJK_NAMES: [&str; 10] = [
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJKjp-Regular.otf",
    "NotoSansCJKsc-Regular.otf",
    "NotoSansCJKtc-Regular.otf",
    "NotoSansCJKkr-Regular.otf",
    "NotoSansCJK-VF.ttc",
    "SourceHanSans-Regular.ttc",
    "wqy-microhei.ttc",
    "wqy-zenhei.ttc",
    "DroidSansFallbackFull.ttf",
];
const CJK_BOLD_NAMES: [&str; 6] = [
    "NotoSansCJK-Bold.ttc",
    "NotoSansCJKjp-Bold.otf",
    "NotoSansCJKsc-Bold.otf",
    "NotoSansCJKtc-Bold.otf",
    "NotoSansCJKkr-Bold.otf",
    "SourceHanSans-Bold.ttc",
];
const EMOJI_NAMES: [&str; 1] = ["NotoColorEmoji.ttf"];
/// How deep the bounded search descends below each font directory.
const SEARCH_DEPTH: usize = 5;
/// How many directory entries the bounded search looks at, at most.
const SEARCH_BUDGET: usize = 50_000;
/// How many rasterised glyphs a font set keeps before it starts over.
const CACHE_LIMIT: usize = 8192;

/// One candidate font file, read and parsed on first use.
#[derive(Debug)]
struct Entry {
    path: PathBuf,
    /// The file name says Bold: preferred for bold text, tried last for regular text.
    bold: bool,
    /// The file name says Emoji: tried first for emoji, last for other characters.
    emoji: bool,
    font: OnceLock<Option<FontVec>>,
}

impl Entry {
    fn new(path: PathBuf) -> Entry {
        let name = path.file_name().map(OsStr::to_string_lossy).unwrap_or_default().to_ascii_lowercase();
        let (bold, emoji) = (name.contains("bold"), name.contains("emoji"));
        Entry { path, bold, emoji, font: OnceLock::new() }
    }

    fn font(&self) -> Option<&FontVec> {
        self.font.get_or_init(|| load(&self.path, self.bold)).as_ref()
    }
}

/// Reads and parses a font file (the first face of a collection); `None` if it cannot.
fn load(path: &Path, bold: bool) -> Option<FontVec> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_FONT_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let mut font = FontVec::try_from_vec_and_index(bytes, 0).ok()?;
    font.units_per_em()?;
    // A variable font (e.g. NotoSansCJK-VF) at the weight its name promises.
    font.set_variation(b"wght", if bold { 700.0 } else { 400.0 });
    Some(font)
}

/// An ordered list of fallback font files, with the glyphs rasterised from them so far
/// (shared by every render of the process: decoding an emoji bitmap costs far more
/// than painting it).
#[derive(Debug)]
pub struct FontSet {
    entries: Vec<Entry>,
    overridden: bool,
    cache: Mutex<HashMap<Key, Option<Arc<Fallback>>>>,
}

/// A fallback glyph, ready to paint at the cell origin.
#[derive(Debug, Clone)]
pub enum Fallback {
    /// An outline glyph: coverage to blend in the cell's foreground.
    Mono(Glyph),
    /// A colour bitmap, composited in its own colours.
    Color(ColorGlyph),
}

/// A colour glyph scaled to its cell box.
#[derive(Debug, Clone)]
pub struct ColorGlyph {
    /// Left edge relative to the cell's left edge.
    pub left: i32,
    /// Top edge relative to the cell's top edge.
    pub top: i32,
    /// Bitmap width.
    pub width: usize,
    /// Bitmap height.
    pub height: usize,
    /// Row-major straight-alpha RGBA, `width * height * 4` bytes.
    pub rgba: Vec<u8>,
}

/// What a fallback lookup is for: a cache key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// The character.
    pub c: char,
    /// Bold text (prefers a bold face).
    pub bold: bool,
    /// A wide (two-column) cell.
    pub wide: bool,
    /// Try emoji fonts before the others.
    pub emoji_first: bool,
}

impl Key {
    /// The key for `c` in a cell; `presentation` is true when the cell asks for emoji
    /// presentation (U+FE0F).
    pub fn new(c: char, bold: bool, wide: bool, presentation: bool) -> Key {
        Key { c, bold, wide, emoji_first: presentation || prefers_emoji(c) }
    }
}

/// Characters of the supplementary symbol and pictograph blocks (U+1F000–U+1FAFF),
/// nearly all emoji: the emoji font is asked first, sparing a CJK font read.
fn prefers_emoji(c: char) -> bool {
    ('\u{1F000}'..='\u{1FAFF}').contains(&c)
}

/// Which font set a glyph cache draws with.
#[derive(Debug, Clone, Default)]
pub enum Fonts {
    /// The process-wide set ([`FALLBACK_FONTS_ENV`] or discovery), found on first use.
    #[default]
    Global,
    /// An explicit set (tests).
    #[cfg(test)]
    Custom(Arc<FontSet>),
}

impl Fonts {
    /// The set for a new glyph cache: the global one, unless a test installed another
    /// on this thread. Costs nothing: discovery waits for the first lookup.
    pub fn current() -> Fonts {
        #[cfg(test)]
        if let Some(set) = OVERRIDE.with(|o| o.borrow().clone()) {
            return Fonts::Custom(set);
        }
        Fonts::Global
    }

    /// The font set itself.
    pub fn set(&self) -> &FontSet {
        match self {
            Fonts::Global => FontSet::global(),
            #[cfg(test)]
            Fonts::Custom(set) => set,
        }
    }
}

#[cfg(test)]
thread_local! {
    static OVERRIDE: std::cell::RefCell<Option<Arc<FontSet>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with `set` as the fallback fonts of every glyph cache this thread creates.
#[cfg(test)]
pub fn with_fonts<T>(set: Arc<FontSet>, f: impl FnOnce() -> T) -> T {
    let previous = OVERRIDE.with(|o| o.replace(Some(set)));
    let out = f();
    OVERRIDE.with(|o| *o.borrow_mut() = previous);
    out
}

impl FontSet {
    /// A set of the given files, tried in order (not read until needed).
    pub fn from_paths(paths: impl IntoIterator<Item = PathBuf>) -> FontSet {
        let entries = paths.into_iter().filter(|p| !p.as_os_str().is_empty()).map(Entry::new).collect();
        FontSet { entries, overridden: true, cache: Mutex::default() }
    }

    /// The process-wide set: [`FALLBACK_FONTS_ENV`] if set, discovery otherwise.
    pub fn global() -> &'static FontSet {
        static SET: OnceLock<FontSet> = OnceLock::new();
        SET.get_or_init(|| match std::env::var_os(FALLBACK_FONTS_ENV) {
            Some(list) => FontSet::from_list(&list),
            None => FontSet::discover(),
        })
    }

    /// A set from a [`FALLBACK_FONTS_ENV`] value: `:`-separated paths, empty ones ignored.
    pub fn from_list(list: &OsStr) -> FontSet {
        FontSet::from_paths(std::env::split_paths(list))
    }

    /// The candidate files, in configured order.
    #[cfg(test)]
    pub fn paths(&self) -> Vec<&Path> {
        self.entries.iter().map(|e| e.path.as_path()).collect()
    }

    /// How many candidate files have been read so far (successfully or not).
    #[cfg(test)]
    pub fn files_read(&self) -> usize {
        self.entries.iter().filter(|e| e.font.get().is_some()).count()
    }

    /// Finds the CJK regular and bold faces and the colour emoji font: well-known paths
    /// first, then a bounded search of the font directories by file name.
    pub fn discover() -> FontSet {
        let well_known = |paths: &[&str]| paths.iter().map(PathBuf::from).find(|p| p.is_file());
        let mut found = [well_known(&CJK_PATHS), well_known(&CJK_BOLD_PATHS), well_known(&EMOJI_PATHS)];
        if found.iter().any(Option::is_none) {
            let names: [&[&str]; 3] = [&CJK_NAMES, &CJK_BOLD_NAMES, &EMOJI_NAMES];
            let hits = search(&search_roots(), &names);
            for (slot, hit) in found.iter_mut().zip(hits) {
                if slot.is_none() {
                    *slot = hit;
                }
            }
        }
        let mut set = FontSet::from_paths(found.into_iter().flatten());
        set.overridden = false;
        set
    }

    /// The entries in lookup order for bold/regular text and emoji/other characters
    /// (a stable sort: the configured order breaks ties).
    fn ordered(&self, bold: bool, emoji_first: bool) -> Vec<&Entry> {
        let mut entries: Vec<&Entry> = self.entries.iter().collect();
        entries.sort_by_key(|e| (e.emoji != emoji_first, e.bold != bold));
        entries
    }

    /// The glyph for `key` from the first font that has it, and that font's file.
    fn find(&self, key: Key) -> Option<(&Path, Fallback)> {
        for entry in self.ordered(key.bold, key.emoji_first) {
            let Some(font) = entry.font() else { continue };
            let id = font.glyph_id(key.c);
            if id.0 == 0 {
                continue;
            }
            let span = if key.wide { 2 } else { 1 };
            if let Some(glyph) = outline(font, id, span) {
                return Some((&entry.path, Fallback::Mono(glyph)));
            }
            match font.glyph_raster_image2(id, STRIKE) {
                Some(image) => {
                    if let Some(glyph) = bitmap(&image, span) {
                        return Some((&entry.path, Fallback::Color(glyph)));
                    }
                }
                // Mapped but with neither outline nor bitmap: a blank (e.g. U+3000).
                None => {
                    let blank = Glyph { left: 0, top: 0, width: 0, height: 0, coverage: Vec::new() };
                    return Some((&entry.path, Fallback::Mono(blank)));
                }
            }
        }
        None
    }

    /// The glyph for `key`, rasterised once per set; `None` when no fallback font has it.
    pub fn glyph(&self, key: Key) -> Option<Arc<Fallback>> {
        let cached = self.cache.lock().unwrap_or_else(PoisonError::into_inner).get(&key).cloned();
        if let Some(glyph) = cached {
            return glyph;
        }
        let glyph = self.find(key).map(|(_, glyph)| Arc::new(glyph));
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, glyph.clone());
        glyph
    }

    /// Which files draw CJK and emoji (loads the fonts the lookups reach).
    pub fn summary(&self) -> FallbackFonts {
        let drawn_by = |c: char, bold: bool| {
            let key = Key::new(c, bold, true, false);
            self.find(key).filter(|(_, g)| !matches!(g, Fallback::Mono(g) if g.width == 0)).map(|(p, _)| p)
        };
        let cjk = drawn_by('\u{6F22}', false).map(Path::to_path_buf);
        let cjk_bold = drawn_by('\u{6F22}', true)
            .filter(|p| Some(*p) != cjk.as_deref())
            .filter(|p| self.entries.iter().any(|e| e.path == *p && e.bold))
            .map(Path::to_path_buf);
        let emoji = drawn_by('\u{1F600}', false).map(Path::to_path_buf);
        FallbackFonts { cjk, cjk_bold, emoji, overridden: self.overridden }
    }
}

/// The directories the bounded search looks in.
fn search_roots() -> Vec<PathBuf> {
    let mut roots = vec![PathBuf::from("/usr/share/fonts"), PathBuf::from("/usr/local/share/fonts")];
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
    match std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        Some(data) => roots.push(PathBuf::from(data).join("fonts")),
        None => roots.extend(home.as_ref().map(|h| h.join(".local/share/fonts"))),
    }
    roots.extend(home.map(|h| h.join(".fonts")));
    roots
}

/// Walks `roots` (depth- and size-limited, not following directory symlinks) and
/// returns, per role, the file whose name comes first in that role's preference list.
pub(crate) fn search<const N: usize>(roots: &[PathBuf], names: &[&[&str]; N]) -> [Option<PathBuf>; N] {
    let mut best: [Option<(usize, PathBuf)>; N] = std::array::from_fn(|_| None);
    let mut stack: Vec<(PathBuf, usize)> = roots.iter().map(|r| (r.clone(), 0)).collect();
    let mut budget = SEARCH_BUDGET;
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            if budget == 0 {
                return best.map(|b| b.map(|(_, p)| p));
            }
            budget -= 1;
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                if depth < SEARCH_DEPTH {
                    stack.push((entry.path(), depth + 1));
                }
                continue;
            }
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            for (role, wanted) in names.iter().enumerate() {
                let Some(rank) = wanted.iter().position(|w| w.eq_ignore_ascii_case(name)) else { continue };
                if best[role].as_ref().is_none_or(|(r, _)| rank < *r) {
                    best[role] = Some((rank, entry.path()));
                }
            }
        }
    }
    best.map(|b| b.map(|(_, p)| p))
}

/// An outline glyph at the bundled font size, scaled down only as needed to fit the
/// cell box (`span` columns × one row), its advance centred, on the Latin baseline.
fn outline(font: &FontVec, id: GlyphId, span: i32) -> Option<Glyph> {
    let units = font.units_per_em()?;
    let bounds = font.outline(id)?.bounds;
    let (box_w, box_h) = ((span * CELL_WIDTH as i32) as f32, CELL_HEIGHT as f32);
    let (ink_w, ink_h) = (bounds.max.x - bounds.min.x, bounds.max.y - bounds.min.y);
    let advance = font.h_advance_unscaled(id);
    let mut em = FONT_SIZE;
    for (extent, room) in [(advance, box_w), (ink_w, box_w), (ink_h, box_h)] {
        if extent > 0.0 {
            em = em.min(room * units / extent);
        }
    }
    let per_unit = em / units;
    let scale = PxScale::from(per_unit * font.height_unscaled());
    let x = if advance > 0.0 {
        (box_w - advance * per_unit) / 2.0
    } else {
        (box_w - ink_w * per_unit) / 2.0 - bounds.min.x * per_unit
    };
    let baseline = glyphs::baseline() as f32;
    let outlined = font.outline_glyph(id.with_scale_and_position(scale, point(x, baseline)))?;
    let px = outlined.px_bounds();
    let (width, height) = (px.width() as usize, px.height() as usize);
    if width == 0 || height == 0 || width > 4 * box_w as usize || height > 4 * box_h as usize {
        return None;
    }
    // Keep the ink inside the box: shift by whole pixels (the coverage is unchanged).
    let shift = |min: f32, max: f32, room: f32| {
        if min < 0.0 {
            -min
        } else if max > room {
            (room - max).max(-min)
        } else {
            0.0
        }
    };
    let left = (px.min.x + shift(px.min.x, px.max.x, box_w)) as i32;
    let top = (px.min.y + shift(px.min.y, px.max.y, box_h)) as i32;
    let mut coverage = vec![0u8; width * height];
    outlined.draw(|gx, gy, c| {
        if let Some(slot) = coverage.get_mut(gy as usize * width + gx as usize) {
            *slot = (c.clamp(0.0, 1.0) * 255.0).round() as u8;
        }
    });
    Some(Glyph { left, top, width, height, coverage })
}

/// A colour bitmap (PNG or premultiplied BGRA) scaled with an area filter to fit the
/// cell box (`span` columns × one row), aspect kept, centred.
fn bitmap(image: &ab_glyph::v2::GlyphImage<'_>, span: i32) -> Option<ColorGlyph> {
    let (w, h, rgba) = match image.format {
        GlyphImageFormat::Png => decode_png(image.data)?,
        GlyphImageFormat::BitmapPremulBgra32 => {
            let (w, h) = (usize::from(image.width), usize::from(image.height));
            let data = image.data.get(..w * h * 4)?;
            let rgba = data
                .chunks_exact(4)
                .flat_map(|p| {
                    let a = p[3];
                    let straight =
                        |c: u8| if a == 0 { 0 } else { (u32::from(c) * 255 / u32::from(a)).min(255) as u8 };
                    [straight(p[2]), straight(p[1]), straight(p[0]), a]
                })
                .collect();
            (w, h, rgba)
        }
        _ => return None,
    };
    if w == 0 || h == 0 {
        return None;
    }
    let (box_w, box_h) = ((span * CELL_WIDTH as i32) as f32, CELL_HEIGHT as f32);
    let fit = (box_w / w as f32).min(box_h / h as f32);
    let width = ((w as f32 * fit).round() as usize).clamp(1, box_w as usize);
    let height = ((h as f32 * fit).round() as usize).clamp(1, box_h as usize);
    Some(ColorGlyph {
        left: (box_w as i32 - width as i32) / 2,
        top: (box_h as i32 - height as i32) / 2,
        width,
        height,
        rgba: downscale(&rgba, (w, h), (width, height)),
    })
}

/// Decodes a PNG to straight-alpha RGBA8: `(width, height, pixels)`.
fn decode_png(data: &[u8]) -> Option<(usize, usize, Vec<u8>)> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(data));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().ok()?;
    let (w, h) = (reader.info().width as usize, reader.info().height as usize);
    if w.checked_mul(h)? > MAX_BITMAP_PIXELS {
        return None;
    }
    let mut buf = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut buf).ok()?;
    let pixels = buf.get(..info.buffer_size())?;
    let rgba: Vec<u8> = match info.color_type {
        png::ColorType::Rgba => pixels.to_vec(),
        png::ColorType::Rgb => pixels.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect(),
        png::ColorType::GrayscaleAlpha => {
            pixels.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0], p[1]]).collect()
        }
        png::ColorType::Grayscale => pixels.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        png::ColorType::Indexed => return None,
    };
    (rgba.len() == w * h * 4).then_some((w, h, rgba))
}

/// For each destination index, the source indices it covers and their weights (summing
/// to 1): a box filter over the exact footprint.
fn footprints(src: usize, dst: usize) -> Vec<Vec<(usize, f32)>> {
    let ratio = src as f32 / dst as f32;
    (0..dst)
        .map(|d| {
            let (start, end) = (d as f32 * ratio, ((d + 1) as f32 * ratio).min(src as f32));
            let mut taps = Vec::new();
            let mut s = start.floor() as usize;
            while s < src && (s as f32) < end {
                let overlap = end.min(s as f32 + 1.0) - start.max(s as f32);
                if overlap > 0.0 {
                    taps.push((s, overlap));
                }
                s += 1;
            }
            let total: f32 = taps.iter().map(|t| t.1).sum();
            taps.iter_mut().for_each(|t| t.1 /= total.max(f32::EPSILON));
            taps
        })
        .collect()
}

/// Area-averages straight-alpha RGBA from `src` size to `dst` size (premultiplied while
/// averaging, so transparent pixels lend no colour).
pub(crate) fn downscale(rgba: &[u8], (sw, sh): (usize, usize), (dw, dh): (usize, usize)) -> Vec<u8> {
    let (xs, ys) = (footprints(sw, dw), footprints(sh, dh));
    let mut out = Vec::with_capacity(dw * dh * 4);
    for ytaps in &ys {
        for xtaps in &xs {
            let mut acc = [0f32; 4];
            for &(sy, wy) in ytaps {
                for &(sx, wx) in xtaps {
                    let i = (sy * sw + sx) * 4;
                    let a = f32::from(rgba[i + 3]) * wy * wx;
                    acc[0] += f32::from(rgba[i]) * a;
                    acc[1] += f32::from(rgba[i + 1]) * a;
                    acc[2] += f32::from(rgba[i + 2]) * a;
                    acc[3] += a;
                }
            }
            let channel =
                |v: f32| if acc[3] > 0.0 { (v / acc[3]).round().clamp(0.0, 255.0) as u8 } else { 0 };
            out.extend([
                channel(acc[0]),
                channel(acc[1]),
                channel(acc[2]),
                acc[3].round().clamp(0.0, 255.0) as u8,
            ]);
        }
    }
    out
}
