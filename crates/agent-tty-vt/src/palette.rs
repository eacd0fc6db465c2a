//! The default colours, defined once for every crate: the 16 ANSI colours and the
//! 256-colour palette built on them ([`indexed_rgb`]), and the default foreground and
//! background ([`DEFAULT_FG`], [`DEFAULT_BG`], those of the `reference-dark` render
//! profile). Snapshot cells, colour-query answers, screenshots, videos and the
//! dashboard all take their colours from here.

/// The default foreground (`#cdd6f4`): what OSC 10 reports, the `reference-dark`
/// profile's text colour, and the colour inverse video puts behind default text.
pub const DEFAULT_FG: (u8, u8, u8) = (0xcd, 0xd6, 0xf4);
/// The default background (`#1e1e2e`): what OSC 11 reports and the `reference-dark`
/// profile's background.
pub const DEFAULT_BG: (u8, u8, u8) = (0x1e, 0x1e, 0x2e);

/// The 16 ANSI colours: Ghostty's default palette (Tomorrow Night).
pub const PALETTE_16: [(u8, u8, u8); 16] = [
    (0x1d, 0x1f, 0x21),
    (0xcc, 0x66, 0x66),
    (0xb5, 0xbd, 0x68),
    (0xf0, 0xc6, 0x74),
    (0x81, 0xa2, 0xbe),
    (0xb2, 0x94, 0xbb),
    (0x8a, 0xbe, 0xb7),
    (0xc5, 0xc8, 0xc6),
    (0x66, 0x66, 0x66),
    (0xd5, 0x4e, 0x53),
    (0xb9, 0xca, 0x4a),
    (0xe7, 0xc5, 0x47),
    (0x7a, 0xa6, 0xda),
    (0xc3, 0x97, 0xd8),
    (0x70, 0xc0, 0xb1),
    (0xea, 0xea, 0xea),
];

/// The RGB value of palette `index`: 0–15 from [`PALETTE_16`], 16–231 the xterm
/// 6×6×6 cube (levels 0, 95, 135, 175, 215, 255), 232–255 the grey ramp `8 + 10n`.
pub fn indexed_rgb(index: u8) -> (u8, u8, u8) {
    match index {
        0..=15 => PALETTE_16[usize::from(index)],
        16..=231 => {
            let i = index - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            (level(i / 36), level((i / 6) % 6), level(i % 6))
        }
        232..=255 => {
            let v = 8 + 10 * (index - 232);
            (v, v, v)
        }
    }
}
