//! Colour tables for GIF frames.
//!
//! A frame (or the changed rectangle of one) with at most 256 distinct colours gets an
//! exact table: every colour it contains, in first-seen order. With more colours (text
//! anti-aliased between many foreground/background pairs, true-colour gradients):
//!
//! - the 128 most frequent colours are kept exactly — the pure cell colours dominate by
//!   pixel count;
//! - the remaining entries are filled greedily, each with the colour whose pixels are
//!   worst served so far (squared distance to the nearest entry × pixel count), so
//!   blends and gradients get entries spread over their range rather than clustered;
//! - every colour left out is drawn as its nearest entry (squared RGB distance),
//!   computed once per distinct colour, not per pixel.
//!
//! A delta frame reserves entry 0 as its transparent index, given to every pixel that
//! did not change: those need no colour of their own.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hasher};

/// The most colours a GIF colour table holds.
const MAX_COLORS: usize = 256;

/// How many of a table's entries go to the most frequent colours when a frame has
/// too many; the others go to the colours worst served by those.
const FREQUENT_COLORS: usize = 128;

/// A rectangle of pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rect {
    /// Left column.
    pub x: usize,
    /// Top row.
    pub y: usize,
    /// Width in pixels (> 0).
    pub width: usize,
    /// Height in pixels (> 0).
    pub height: usize,
}

/// Builds colour tables and index buffers, reusing its allocations from frame to frame.
#[derive(Debug, Default)]
pub(crate) struct Quantizer {
    /// The slot of each distinct colour (packed `0xRRGGBB`) of the current frame.
    slots: HashMap<u32, u32, BuildHasherDefault<ColorHasher>>,
    /// A direct-mapped cache in front of `slots`: `(colour, slot)` at
    /// [`recent_position`]`(colour)`, or `u32::MAX` (no colour) when empty.
    recent: Vec<(u32, u32)>,
    /// The colour of each slot.
    colors: Vec<u32>,
    /// The pixel count of each slot.
    counts: Vec<u32>,
    /// Slots ordered by decreasing pixel count (lossy path).
    order: Vec<u32>,
    /// The table index of each slot (lossy path).
    remap: Vec<u8>,
    /// The table sorted for nearest-colour search (lossy path).
    nearest: Nearest,
    /// The colours not among the most frequent (lossy path).
    rest: Vec<Rest>,
}

/// A colour not among the most frequent of a frame, and its nearest table entry.
#[derive(Debug, Clone, Copy)]
struct Rest {
    /// The colour.
    rgb: [u8; 3],
    /// Its pixel count.
    count: u32,
    /// The squared distance to its nearest table entry.
    distance: u32,
    /// That entry's index.
    index: u8,
    /// Its slot.
    slot: u32,
}

impl Quantizer {
    /// The slot of `key`, a new one if it is new in this frame.
    fn slot_of(&mut self, key: u32) -> usize {
        let cached = &mut self.recent[recent_position(key)];
        if cached.0 == key {
            return cached.1 as usize;
        }
        let slot = match self.slots.entry(key) {
            Entry::Occupied(entry) => *entry.get(),
            Entry::Vacant(entry) => {
                let slot = self.colors.len() as u32;
                entry.insert(slot);
                self.colors.push(key);
                self.counts.push(0);
                slot
            }
        };
        *cached = (key, slot);
        slot as usize
    }

    /// Indexes `rect` of the row-major RGB8 image `pixels`, `stride` pixels wide, into
    /// `out`.
    ///
    /// With `previous` (the picture a player already shows, same size as `pixels`),
    /// index 0 is reserved as the transparent index and every pixel unchanged since
    /// `previous` gets it: a delta frame's unchanged pixels need no colour and
    /// compress to almost nothing. (When exactly 256 colours changed, the whole
    /// rectangle is indexed without transparency instead, so that a picture of at
    /// most 256 colours is always stored exactly.)
    pub(crate) fn index(
        &mut self,
        pixels: &[u8],
        previous: Option<&[u8]>,
        stride: usize,
        rect: Rect,
        out: &mut Indexed,
    ) {
        self.slots.clear();
        self.recent.clear();
        self.recent.resize(RECENT_SIZE, (u32::MAX, 0));
        self.colors.clear();
        self.counts.clear();
        let (palette, indices) = (&mut out.palette, &mut out.indices);
        palette.clear();
        indices.clear();
        indices.reserve(rect.width * rect.height);
        // Table entries before the colours: the transparent one, for delta frames.
        let base = usize::from(previous.is_some());
        palette.resize(base * 3, 0);

        // Pass 1: count the colours, and index optimistically while they fit a table.
        let (exact, unchanged) = match previous {
            Some(previous) => self.count::<true>(pixels, previous, stride, rect, indices),
            None => self.count::<false>(pixels, pixels, stride, rect, indices),
        };
        if !exact && base > 0 && self.colors.len() <= MAX_COLORS {
            // The colours would fit without the transparent entry: index the whole
            // rectangle instead, which stays exact if the unchanged pixels add no colour.
            return self.index(pixels, None, stride, rect, out);
        }
        out.transparent = (base > 0 && unchanged).then_some(0);
        out.exact = exact;
        if exact {
            for &color in &self.colors {
                palette.extend_from_slice(&unpack(color));
            }
            return;
        }

        // Lossy: keep the most frequent colours (ties: first seen) ...
        let counts = &self.counts;
        let by_count = |a: &u32, b: &u32| counts[*b as usize].cmp(&counts[*a as usize]).then(a.cmp(b));
        self.order.clear();
        self.order.extend(0..self.colors.len() as u32);
        self.order.select_nth_unstable_by(FREQUENT_COLORS - 1, by_count);
        let (kept, others) = self.order.split_at_mut(FREQUENT_COLORS);
        kept.sort_unstable_by(by_count);
        self.remap.clear();
        self.remap.resize(self.colors.len(), 0);
        for (rank, &slot) in kept.iter().enumerate() {
            self.remap[slot as usize] = (base + rank) as u8;
            palette.extend_from_slice(&unpack(self.colors[slot as usize]));
        }

        // ... map every other colour to its nearest entry ...
        self.nearest.build(&palette[base * 3..], base as u8);
        self.rest.clear();
        for &slot in others.iter() {
            let rgb = unpack(self.colors[slot as usize]);
            let (distance, index) = self.nearest.find(rgb);
            let count = self.counts[slot as usize];
            self.rest.push(Rest { rgb, count, distance, index, slot });
        }

        // ... and fill the table greedily with the colour whose pixels are worst off
        // (squared distance × pixel count), remapping the colours it is nearer to.
        let mut worst = Worst::default();
        for (i, r) in self.rest.iter().enumerate() {
            worst.offer(i, r);
        }
        while let Some(chosen) = worst.at.filter(|_| palette.len() < MAX_COLORS * 3) {
            let index = (palette.len() / 3) as u8;
            let rgb = self.rest[chosen].rgb;
            palette.extend_from_slice(&rgb);
            worst = Worst::default();
            for (i, r) in self.rest.iter_mut().enumerate() {
                let distance = squared_distance(r.rgb, rgb);
                if distance < r.distance {
                    r.distance = distance;
                    r.index = index;
                }
                worst.offer(i, r);
            }
        }
        for r in &self.rest {
            self.remap[r.slot as usize] = r.index;
        }

        // Pass 2: index through the per-colour mapping.
        indices.clear();
        match previous {
            Some(previous) => self.map::<true>(pixels, previous, stride, rect, indices),
            None => self.map::<false>(pixels, pixels, stride, rect, indices),
        }
    }

    /// Pass 1 of [`Quantizer::index`]: gives every colour of `rect` a slot and counts
    /// its pixels, and pushes each pixel's table index to `indices` while all fit a
    /// table. With `DELTA`, pixels equal in `previous` are not counted and get index
    /// 0, and colours' indices start at 1. Returns whether all colours fit, and
    /// whether a pixel was unchanged.
    fn count<const DELTA: bool>(
        &mut self,
        pixels: &[u8],
        previous: &[u8],
        stride: usize,
        rect: Rect,
        indices: &mut Vec<u8>,
    ) -> (bool, bool) {
        let base = usize::from(DELTA);
        let (mut exact, mut unchanged) = (true, false);
        let mut last_key = u32::MAX; // no RGB colour packs to this
        let mut last_slot = 0usize;
        let mut run = 0u32; // pixels of `last_key` not counted yet
        for (row, before) in rows(pixels, stride, rect).zip(rows(previous, stride, rect)) {
            for (px, old) in row.chunks_exact(3).zip(before.chunks_exact(3)) {
                let key = pack(px);
                if DELTA && key == pack(old) {
                    unchanged = true;
                    if exact {
                        indices.push(0);
                    }
                    continue;
                }
                if key != last_key {
                    if run > 0 {
                        self.counts[last_slot] += run;
                        run = 0;
                    }
                    last_key = key;
                    last_slot = self.slot_of(key);
                    exact &= base + last_slot < MAX_COLORS;
                }
                run += 1;
                if exact {
                    indices.push((base + last_slot) as u8);
                }
            }
        }
        if run > 0 {
            self.counts[last_slot] += run;
        }
        (exact, unchanged)
    }

    /// Pass 2 of [`Quantizer::index`] (lossy): pushes each pixel's table index
    /// through the slots' `remap` (with `DELTA`, 0 for pixels equal in `previous`).
    fn map<const DELTA: bool>(
        &self,
        pixels: &[u8],
        previous: &[u8],
        stride: usize,
        rect: Rect,
        indices: &mut Vec<u8>,
    ) {
        let mut last_key = u32::MAX;
        let mut last_index = 0u8;
        for (row, before) in rows(pixels, stride, rect).zip(rows(previous, stride, rect)) {
            for (px, old) in row.chunks_exact(3).zip(before.chunks_exact(3)) {
                let key = pack(px);
                if DELTA && key == pack(old) {
                    indices.push(0);
                    continue;
                }
                if key != last_key {
                    last_key = key;
                    let cached = self.recent[recent_position(key)];
                    let slot = if cached.0 == key { Some(&cached.1) } else { self.slots.get(&key) };
                    last_index = slot.map_or(0, |&slot| self.remap[slot as usize]);
                }
                indices.push(last_index);
            }
        }
    }
}

/// A frame's colour table and pixels, as [`Quantizer::index`] leaves them.
#[derive(Debug, Default)]
pub(crate) struct Indexed {
    /// The colour table: RGB triples, at most 256.
    pub palette: Vec<u8>,
    /// One table index per pixel of the rectangle, row by row.
    pub indices: Vec<u8>,
    /// The transparent index, when some pixels are unchanged.
    pub transparent: Option<u8>,
    /// Whether every colour is in the table exactly.
    pub exact: bool,
}

/// How many entries [`Quantizer`]'s cache of recent colours holds.
const RECENT_SIZE: usize = 1 << RECENT_BITS;
/// log2 of [`RECENT_SIZE`].
const RECENT_BITS: u32 = 12;

/// Where `color` goes in the cache of recent colours.
fn recent_position(color: u32) -> usize {
    (color.wrapping_mul(0x9E37_79B1) >> (32 - RECENT_BITS)) as usize
}

/// The rows of `rect`, each `rect.width * 3` bytes.
fn rows(pixels: &[u8], stride: usize, rect: Rect) -> impl Iterator<Item = &[u8]> {
    (rect.y..rect.y + rect.height).map(move |y| {
        let start = (y * stride + rect.x) * 3;
        &pixels[start..start + rect.width * 3]
    })
}

/// Packs an RGB triple as `0xRRGGBB`.
fn pack(px: &[u8]) -> u32 {
    (u32::from(px[0]) << 16) | (u32::from(px[1]) << 8) | u32::from(px[2])
}

/// Unpacks `0xRRGGBB`.
fn unpack(color: u32) -> [u8; 3] {
    [(color >> 16) as u8, (color >> 8) as u8, color as u8]
}

/// The colour whose pixels are worst off: the largest squared distance × pixel count
/// (the first on ties; none when every colour is in the table).
#[derive(Debug, Default)]
struct Worst {
    /// Its score.
    score: u64,
    /// Its position.
    at: Option<usize>,
}

impl Worst {
    /// Considers `rest`, at position `i`.
    fn offer(&mut self, i: usize, rest: &Rest) {
        let score = u64::from(rest.distance) * u64::from(rest.count);
        if score > self.score {
            self.score = score;
            self.at = Some(i);
        }
    }
}

/// A colour table sorted by green, searched outward from the query's green value
/// until no closer entry can remain.
#[derive(Debug, Default)]
struct Nearest {
    /// `[g, r, b, table index]`, sorted.
    entries: Vec<[u8; 4]>,
}

impl Nearest {
    /// Indexes the RGB triples of `palette`, table indices counted from `first`
    /// (at most 256 in all).
    fn build(&mut self, palette: &[u8], first: u8) {
        self.entries.clear();
        for (i, rgb) in palette.chunks_exact(3).enumerate() {
            self.entries.push([rgb[1], rgb[0], rgb[2], first + i as u8]);
        }
        self.entries.sort_unstable();
    }

    /// The squared distance to the entry nearest to `rgb`, and that entry's table
    /// index (ties: the lower index).
    fn find(&self, rgb: [u8; 3]) -> (u32, u8) {
        let g = rgb[1];
        let mut best = (u32::MAX, 0u8);
        let start = self.entries.partition_point(|e| e[0] < g);
        let (below, above) = self.entries.split_at(start);
        let mut visit = |e: &[u8; 4]| {
            let gap = u32::from(e[0].abs_diff(g)).pow(2);
            if gap > best.0 {
                return false;
            }
            best = best.min((squared_distance([e[1], e[0], e[2]], rgb), e[3]));
            true
        };
        // Outward from the query's green value, each way until too far in green alone.
        for e in above {
            if !visit(e) {
                break;
            }
        }
        for e in below.iter().rev() {
            if !visit(e) {
                break;
            }
        }
        best
    }
}

/// The squared RGB distance between two colours.
fn squared_distance(a: [u8; 3], b: [u8; 3]) -> u32 {
    (0..3).map(|k| u32::from(a[k].abs_diff(b[k])).pow(2)).sum()
}

/// A hasher for packed colours: one multiply, high bits folded into the low ones
/// (the table picks buckets from the low bits and tags from the high ones).
#[derive(Debug, Default)]
struct ColorHasher(u64);

impl Hasher for ColorHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u32((self.0 as u32).rotate_left(8) ^ u32::from(byte));
        }
    }

    fn write_u32(&mut self, n: u32) {
        let x = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = x ^ (x >> 32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_force(palette: &[u8], rgb: [u8; 3]) -> u8 {
        let mut best = (u32::MAX, 0u8);
        for (index, entry) in palette.chunks_exact(3).enumerate() {
            let d: u32 = (0..3).map(|k| (i32::from(entry[k]) - i32::from(rgb[k])).pow(2) as u32).sum();
            best = best.min((d, index as u8));
        }
        best.1
    }

    #[test]
    fn nearest_search_matches_brute_force() {
        let mut state = 0x1234_5678u32;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        let palette: Vec<u8> = (0..MAX_COLORS * 3).map(|_| next() as u8).collect();
        let mut nearest = Nearest::default();
        nearest.build(&palette, 0);
        for _ in 0..5000 {
            let rgb = unpack(next() & 0xFF_FFFF);
            assert_eq!(nearest.find(rgb).1, brute_force(&palette, rgb), "{rgb:?}");
        }
    }

    #[test]
    fn exact_table_in_first_seen_order() {
        // 3×2 image, rect = the right 2×2.
        let pixels = [1, 1, 1, 9, 9, 9, 7, 7, 7, 1, 1, 1, 7, 7, 7, 9, 9, 9];
        let rect = Rect { x: 1, y: 0, width: 2, height: 2 };
        let mut out = Indexed::default();
        Quantizer::default().index(&pixels, None, 3, rect, &mut out);
        assert!(out.exact);
        assert_eq!(out.transparent, None);
        assert_eq!(out.palette, [9, 9, 9, 7, 7, 7]);
        assert_eq!(out.indices, [0, 1, 1, 0]);
    }

    #[test]
    fn unchanged_pixels_are_transparent() {
        let previous = [1, 1, 1, 9, 9, 9, 5, 5, 5, 1, 1, 1, 7, 7, 7, 9, 9, 9];
        let pixels = [1, 1, 1, 9, 9, 9, 7, 7, 7, 1, 1, 1, 7, 7, 7, 8, 8, 8];
        let rect = Rect { x: 1, y: 0, width: 2, height: 2 };
        let mut out = Indexed::default();
        Quantizer::default().index(&pixels, Some(&previous), 3, rect, &mut out);
        assert!(out.exact);
        assert_eq!(out.transparent, Some(0));
        assert_eq!(out.palette, [0, 0, 0, 7, 7, 7, 8, 8, 8]);
        assert_eq!(out.indices, [0, 1, 0, 2]);
    }

    #[test]
    fn a_delta_with_too_many_colours_keeps_its_transparent_index() {
        // 600 distinct colours on one row, the first 100 pixels unchanged.
        let width = 700;
        let pixels: Vec<u8> = (0..width as u32).flat_map(|i| unpack(i * 97 % 600 * 27_961)).collect();
        let mut previous = pixels.clone();
        previous[300..].fill(255);
        let rect = Rect { x: 0, y: 0, width, height: 1 };
        let mut out = Indexed::default();
        Quantizer::default().index(&pixels, Some(&previous), width, rect, &mut out);
        assert!(!out.exact);
        assert_eq!(out.transparent, Some(0));
        assert_eq!(out.palette.len(), MAX_COLORS * 3);
        assert!(out.indices[..100].iter().all(|&i| i == 0));
        assert!(out.indices[100..].iter().all(|&i| i != 0));
    }
}
