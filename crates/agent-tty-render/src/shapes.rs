//! Glyphs drawn in code so adjacent cells join seamlessly: box drawing
//! (U+2500–257F), block elements (U+2580–259F), braille (U+2800–28FF) and the
//! powerline triangles (U+E0B0–E0B3).

use crate::canvas::Canvas;
use crate::profile::{CELL_HEIGHT, CELL_WIDTH, Rgb};

const W: i32 = CELL_WIDTH as i32;
const H: i32 = CELL_HEIGHT as i32;

/// Arms `(up, right, down, left)` for U+2500..=U+257F: 0 none, 1 light, 2 heavy,
/// 3 double, `x` = drawn specially (diagonals). Dashed lines are drawn solid and arcs
/// as square corners.
const BOX: &str = concat!(
    "0101020210102020010102021010202001010202101020200110021001200220",
    "0011001200210022110012002100220010011002200120021110121021101120",
    "2120221012202220101110122011102120212012102220220111011202110212",
    "0121012202210222110111021201120221012102220122021111111212111212",
    "2111112121212112221111221221221212222122222122220101020210102020",
    "0303303003100130033000130031003313003100330010033001300313103130",
    "3330101330313033031301310333130331013303131331313333011000111001",
    "1100xxxxxxxxxxxx000110000100001000022000020000200201102001022010",
);

/// Draws `c` in the cell at pixel `(x, y)`; returns `false` if `c` is not a shape.
pub fn draw(canvas: &mut Canvas, c: char, x: i32, y: i32, fg: Rgb, bg: Rgb) -> bool {
    let code = c as u32;
    match code {
        0x2571..=0x2573 => diagonals(canvas, code, x, y, fg),
        0x2500..=0x257F => {
            let i = (code - 0x2500) as usize * 4;
            let arms: Vec<u8> = BOX.as_bytes().get(i..i + 4).map(<[u8]>::to_vec).unwrap_or_default();
            let weight = |k: usize| arms.get(k).map_or(0, |b| b.saturating_sub(b'0'));
            lines(canvas, [weight(0), weight(1), weight(2), weight(3)], x, y, fg);
        }
        0x2580..=0x259F => block(canvas, code, x, y, fg, bg),
        0x2800..=0x28FF => braille(canvas, (code - 0x2800) as u8, x, y, fg),
        0xE0B0..=0xE0B3 => powerline(canvas, code, x, y, fg),
        _ => return false,
    }
    true
}

/// Band `[start, start + t)` of thickness `t` centred on `center`.
fn band(center: i32, weight: u8) -> (i32, i32) {
    let t = if weight == 2 { 2 } else { 1 };
    (center - t / 2, t)
}

fn lines(canvas: &mut Canvas, [up, right, down, left]: [u8; 4], x: i32, y: i32, fg: Rgb) {
    let (cx, cy) = (W / 2, H / 2);
    let tv = up.max(down);
    let th = left.max(right);
    // Horizontal arms join at the vertical band's extent, and vice versa.
    let span = |w: u8| match w {
        0 => (0, 0),
        3 => (-1, 2),
        2 => (-1, 1),
        _ => (0, 1),
    };
    let (v0, v1) = span(tv);
    let (h0, h1) = span(th);
    let mut arm = |weight: u8, horizontal: bool, from: i32, to: i32| {
        if weight == 0 {
            return;
        }
        let center = if horizontal { cy } else { cx };
        let offsets: &[i32] = if weight == 3 { &[-1, 1] } else { &[0] };
        for off in offsets {
            let (start, t) = band(center + off, weight);
            if horizontal {
                canvas.fill(x + from, y + start, to - from, t, fg);
            } else {
                canvas.fill(x + start, y + from, t, to - from, fg);
            }
        }
    };
    arm(left, true, 0, cx + v1.max(1));
    arm(right, true, cx + v0.min(0), W);
    arm(up, false, 0, cy + h1.max(1));
    arm(down, false, cy + h0.min(0), H);
}

fn diagonals(canvas: &mut Canvas, code: u32, x: i32, y: i32, fg: Rgb) {
    for py in 0..H {
        let px = py * W / H;
        if code != 0x2572 {
            canvas.fill(x + W - 1 - px, y + py, 1, 1, fg);
        }
        if code != 0x2571 {
            canvas.fill(x + px, y + py, 1, 1, fg);
        }
    }
}

fn block(canvas: &mut Canvas, code: u32, x: i32, y: i32, fg: Rgb, _bg: Rgb) {
    let eighth_h = |n: i32| n * H / 8;
    let eighth_w = |n: i32| n * W / 8;
    match code {
        0x2580 => canvas.fill(x, y, W, H / 2, fg),
        0x2581..=0x2588 => {
            let h = eighth_h(code as i32 - 0x2580);
            canvas.fill(x, y + H - h, W, h, fg);
        }
        0x2589..=0x258F => canvas.fill(x, y, eighth_w(0x2590 - code as i32), H, fg),
        0x2590 => canvas.fill(x + W / 2, y, W - W / 2, H, fg),
        0x2591..=0x2593 => canvas.blend_rect(x, y, W, H, fg, [64, 128, 191][(code - 0x2591) as usize]),
        0x2594 => canvas.fill(x, y, W, eighth_h(1), fg),
        0x2595 => canvas.fill(x + W - eighth_w(1), y, eighth_w(1), H, fg),
        _ => {
            // Quadrants: bit 1 upper-left, 2 upper-right, 4 lower-left, 8 lower-right.
            let bits = [4u8, 8, 1, 13, 9, 7, 11, 2, 6, 14][(code - 0x2596) as usize % 10];
            let (hw, hh) = (W / 2, H / 2);
            for (bit, qx, qy) in [(1, 0, 0), (2, hw, 0), (4, 0, hh), (8, hw, hh)] {
                if bits & bit != 0 {
                    canvas.fill(
                        x + qx,
                        y + qy,
                        if qx == 0 { hw } else { W - hw },
                        if qy == 0 { hh } else { H - hh },
                        fg,
                    );
                }
            }
        }
    }
}

fn braille(canvas: &mut Canvas, bits: u8, x: i32, y: i32, fg: Rgb) {
    // Dots 1-2-3 / 4-5-6 are rows 0-2 of the left / right column; dots 7 / 8 row 3.
    let dots = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 3), (1, 3)];
    for (i, (col, row)) in dots.into_iter().enumerate() {
        if bits & (1 << i) != 0 {
            canvas.fill(x + 1 + col * (W / 2), y + 1 + row * (H / 4), 2, 2, fg);
        }
    }
}

fn powerline(canvas: &mut Canvas, code: u32, x: i32, y: i32, fg: Rgb) {
    let half = H as f32 / 2.0;
    for py in 0..H {
        let d = ((py as f32 + 0.5) - half).abs() / half;
        let reach = W as f32 * (1.0 - d);
        let left_pointing = code >= 0xE0B2;
        let solid = code == 0xE0B0 || code == 0xE0B2;
        for px in 0..W {
            let fx = if left_pointing { W - 1 - px } else { px } as f32 + 0.5;
            let hit = if solid { fx <= reach } else { (fx - reach).abs() <= 0.9 };
            if hit {
                canvas.fill(x + px, y + py, 1, 1, fg);
            }
        }
    }
}
