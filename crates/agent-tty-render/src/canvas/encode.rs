//! PNG encoding specialised for terminal screenshots.
//!
//! Screenshots are flat colour with exact repeats (the same glyph slice recurs along a
//! pixel row, runs of background, rows identical to the row above):
//!
//! * indexed colour (1, 2, 4 or 8 bits) when the image has at most 256 colours,
//!   RGB8 otherwise;
//! * no scanline filter: it keeps glyph repeats byte-identical for the matcher, and
//!   measured smallest for text (Sub/Adaptive were 14–45 % larger);
//! * zlib level 2 (zlib-rs): within ~1.2× of level 6's size at a fraction of its time
//!   (fdeflate, the png crate's fast mode, was 2–4× larger on text).

use png::{BitDepth, ColorType, DeflateCompression, Encoder, Filter};

use crate::RenderError;

/// Encodes `rgb` (row-major RGB8, `width * height * 3` bytes, both dimensions
/// nonzero) as a PNG.
pub(super) fn encode(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>, RenderError> {
    let (w, h) = (width as usize, height as usize);
    debug_assert_eq!(rgb.len(), w * h * 3);
    let mut out = Vec::with_capacity(rgb.len() / 16 + 1024);
    let mut encoder = Encoder::new(&mut out, width, height);
    encoder.set_deflate_compression(DeflateCompression::Level(2));
    encoder.set_filter(Filter::NoFilter);
    let data = match palette_of(rgb) {
        Some((palette, indices)) => {
            let (depth, bits) = match palette.len() / 3 {
                0..=2 => (BitDepth::One, 1),
                3..=4 => (BitDepth::Two, 2),
                5..=16 => (BitDepth::Four, 4),
                _ => (BitDepth::Eight, 8),
            };
            encoder.set_color(ColorType::Indexed);
            encoder.set_depth(depth);
            encoder.set_palette(palette);
            pack_indices(&indices, w, h, bits)
        }
        None => {
            encoder.set_color(ColorType::Rgb);
            encoder.set_depth(BitDepth::Eight);
            rgb.to_vec()
        }
    };
    let error = |e: png::EncodingError| RenderError(e.to_string());
    let mut writer = encoder.write_header().map_err(error)?;
    writer.write_image_data(&data).map_err(error)?;
    writer.finish().map_err(error)?;
    Ok(out)
}

/// The palette (RGB triples, first-use order) and per-pixel indices, or `None` when
/// the image has more than 256 colours.
fn palette_of(rgb: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    const SLOTS: usize = 1024;
    const EMPTY: u32 = u32::MAX;
    let mut keys = [EMPTY; SLOTS];
    let mut values = [0u8; SLOTS];
    let mut palette = Vec::with_capacity(256 * 3);
    let mut indices = Vec::with_capacity(rgb.len() / 3);
    let (mut last_key, mut last_index) = (EMPTY, 0u8);
    for px in rgb.chunks_exact(3) {
        let key = u32::from(px[0]) << 16 | u32::from(px[1]) << 8 | u32::from(px[2]);
        if key != last_key {
            let mut slot = (key.wrapping_mul(0x9E37_79B1) >> 22) as usize;
            loop {
                if keys[slot] == key {
                    break;
                }
                if keys[slot] == EMPTY {
                    let count = palette.len() / 3;
                    if count == 256 {
                        return None;
                    }
                    keys[slot] = key;
                    values[slot] = count as u8;
                    palette.extend_from_slice(px);
                    break;
                }
                slot = (slot + 1) % SLOTS;
            }
            (last_key, last_index) = (key, values[slot]);
        }
        indices.push(last_index);
    }
    Some((palette, indices))
}

/// Rows of `depth`-bit indices, packed high bits first, each row starting on a byte.
fn pack_indices(indices: &[u8], w: usize, h: usize, depth: usize) -> Vec<u8> {
    let per_byte = 8 / depth;
    let row_bytes = w.div_ceil(per_byte);
    let mut raw = Vec::with_capacity(row_bytes * h);
    for row in indices.chunks_exact(w).take(h) {
        if depth == 8 {
            raw.extend_from_slice(row);
            continue;
        }
        for group in row.chunks(per_byte) {
            let mut byte = 0u8;
            for (k, &index) in group.iter().enumerate() {
                byte |= index << (8 - depth * (k + 1));
            }
            raw.push(byte);
        }
    }
    raw
}
