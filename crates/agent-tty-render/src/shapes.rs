//! Glyphs drawn in code so adjacent cells join seamlessly: box drawing
//! (U+2500–257F), block elements (U+2580–259F), braille (U+2800–28FF) and the
//! powerline triangles (U+E0B0–E0B3).

use crate::canvas::Canvas;
use crate::profile::{CELL_HEIGHT, CELL_WIDTH, Rgb};

const W: i32 = CELL_WIDTH as i32;
const H: i32 = CELL_HEIGHT as i32;

/// Arms `(up, right, down, left)` for U+2500..=U+257F: 0 none, 1 light, 2 heavy,
/// 3 double, `x` = not drawn from arms (diagonals). Dashed lines and arcs are drawn
/// by [`dashed`] and [`arc`]; their entries here are unused.
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

/// [`BOX`] as `[up, right, down, left]` weights.
const ARMS: [[u8; 4]; 128] = {
    let bytes = BOX.as_bytes();
    let mut arms = [[0u8; 4]; 128];
    let mut i = 0;
    while i < 512 {
        let b = bytes[i];
        arms[i / 4][i % 4] = if b >= b'0' && b <= b'3' { b - b'0' } else { 0 };
        i += 1;
    }
    arms
};

/// The cell's centre pixel column / row: light lines run along them.
const CX: i32 = W / 2;
const CY: i32 = H / 2;

/// Draws `c` in the cell at pixel `(x, y)`; returns `false` if `c` is not a shape.
pub fn draw(canvas: &mut Canvas, c: char, x: i32, y: i32, fg: Rgb, bg: Rgb) -> bool {
    let code = c as u32;
    match code {
        0x2504..=0x250B | 0x254C..=0x254F => dashed(canvas, code, x, y, fg),
        0x256D..=0x2570 => arc(canvas, code, x, y, fg),
        0x2571..=0x2573 => diagonals(canvas, code, x, y, fg),
        0x2500..=0x257F => lines(canvas, ARMS[(code - 0x2500) as usize], x, y, fg),
        0x2580..=0x259F => block(canvas, code, x, y, fg, bg),
        0x2800..=0x28FF => braille(canvas, (code - 0x2800) as u8, x, y, fg),
        0xE0B0..=0xE0B3 => powerline(canvas, code, x, y, fg),
        _ => return false,
    }
    true
}

/// Band `(start, thickness)` of a light (1 px) or heavy (2 px) line along `center`.
fn band(center: i32, weight: u8) -> (i32, i32) {
    let t = if weight == 2 { 2 } else { 1 };
    (center - t / 2, t)
}

/// Pixel range `[start, end)` relative to the centre that a line of `weight` covers
/// across its direction (`(0, 0)` for no line).
fn extent(weight: u8) -> (i32, i32) {
    match weight {
        0 => (0, 0),
        2 => (-1, 1),
        _ => (0, 1),
    }
}

/// Light and heavy lines: each arm runs from its edge to the centre, overlapping the
/// perpendicular lines' band so corners and tees are square.
fn lines(canvas: &mut Canvas, arms: [u8; 4], x: i32, y: i32, fg: Rgb) {
    if arms.contains(&3) {
        return double_lines(canvas, arms, x, y, fg);
    }
    let [up, right, down, left] = arms;
    let (v0, v1) = extent(up.max(down));
    let (h0, h1) = extent(left.max(right));
    if left > 0 {
        let (start, t) = band(CY, left);
        canvas.fill(x, y + start, CX + v1.max(1), t, fg);
    }
    if right > 0 {
        let (start, t) = band(CY, right);
        let from = CX + v0.min(0);
        canvas.fill(x + from, y + start, W - from, t, fg);
    }
    if up > 0 {
        let (start, t) = band(CX, up);
        canvas.fill(x + start, y, t, CY + h1.max(1), fg);
    }
    if down > 0 {
        let (start, t) = band(CX, down);
        let from = CY + h0.min(0);
        canvas.fill(x + start, y + from, t, H - from, fg);
    }
}

/// Cells with a double arm (U+2550–256C, possibly mixed with light arms). A double
/// line is two 1-px lines one pixel either side of the centre. Where lines meet, the
/// outer line of a corner turns at the far line, the inner one at the near line; a
/// double line runs straight through a tee unless the branch leaves from its side;
/// a light line stops at the double line it meets (or crosses to the far one to form
/// a corner).
fn double_lines(canvas: &mut Canvas, [up, right, down, left]: [u8; 4], x: i32, y: i32, fg: Rgb) {
    for (sign, weight, opposite) in [(-1, left, right), (1, right, left)] {
        for &offset in offsets(weight) {
            let stop = CX + reach(offset, sign, (up, down), opposite);
            let (from, to) = if sign < 0 { (0, stop + 1) } else { (stop, W) };
            canvas.fill(x + from, y + CY + offset, to - from, 1, fg);
        }
    }
    for (sign, weight, opposite) in [(-1, up, down), (1, down, up)] {
        for &offset in offsets(weight) {
            let stop = CY + reach(offset, sign, (left, right), opposite);
            let (from, to) = if sign < 0 { (0, stop + 1) } else { (stop, H) };
            canvas.fill(x + CX + offset, y + from, 1, to - from, fg);
        }
    }
}

/// Offsets from the centre of the lines an arm of `weight` consists of.
fn offsets(weight: u8) -> &'static [i32] {
    match weight {
        0 => &[],
        3 => &[-1, 1],
        _ => &[0],
    }
}

/// Where a line coming from the edge on side `sign` (−1 left/up, +1 right/down), at
/// `offset` (−1, 0, +1) across its direction, stops: an offset from the centre along
/// its direction, inclusive. `(neg, pos)` are the perpendicular arms (up/down for a
/// horizontal line), `opposite` the arm across the centre from this one.
fn reach(offset: i32, sign: i32, (neg, pos): (u8, u8), opposite: u8) -> i32 {
    let (near, far, through) = (sign, -sign, 0);
    if offset == 0 {
        // A light line meeting double lines.
        return match (neg == 3, pos == 3) {
            (true, true) => near,
            (true, false) | (false, true) if opposite == 0 => far,
            _ => through,
        };
    }
    // One line of a double arm; the perpendicular arm on its own side is "near".
    let (near_arm, far_arm) = if offset < 0 { (neg, pos) } else { (pos, neg) };
    if near_arm == 3 {
        near
    } else if opposite == 3 || near_arm != 0 || far_arm != 3 {
        through
    } else {
        far
    }
}

/// Dashed lines: 2, 3 or 4 dashes per cell, each centred in its share of the cell,
/// so a row of them keeps an even rhythm.
fn dashed(canvas: &mut Canvas, code: u32, x: i32, y: i32, fg: Rgb) {
    let (horizontal, weight, dashes) = match code {
        0x2504..=0x250B => {
            let k = code - 0x2504;
            (k % 4 < 2, 1 + (k % 2) as u8, if k < 4 { 3 } else { 4 })
        }
        _ => {
            let k = code - 0x254C;
            (k < 2, 1 + (k % 2) as u8, 2)
        }
    };
    let len = if horizontal { W } else { H };
    let (start, t) = band(if horizontal { CY } else { CX }, weight);
    for k in 0..dashes {
        let (a, b) = (k * len / dashes, (k + 1) * len / dashes);
        let gap = ((b - a) / 4).max(1);
        let (from, to) = (a + gap / 2, b - (gap - gap / 2));
        if horizontal {
            canvas.fill(x + from, y + start, to - from, t, fg);
        } else {
            canvas.fill(x + start, y + from, t, to - from, fg);
        }
    }
}

/// Coverage (0–255) of a 1-px line at distance `d` from a pixel centre.
fn coverage(d: f32) -> u8 {
    ((1.0 - d.abs()).clamp(0.0, 1.0) * 255.0 + 0.5) as u8
}

/// Rounded corners ╭ ╮ ╯ ╰: an anti-aliased quarter circle leaving the light lines'
/// centres tangentially at the edge midpoints, with straight light line beyond it.
/// The radius is the distance from the vertical line to the right edge (3.5 px), the
/// same for all four so they mirror each other.
fn arc(canvas: &mut Canvas, code: u32, x: i32, y: i32, fg: Rgb) {
    // Directions of the horizontal (+1 right) and vertical (+1 down) arms.
    let (sx, sy) = match code {
        0x256D => (1.0, 1.0),
        0x256E => (-1.0, 1.0),
        0x256F => (-1.0, -1.0),
        _ => (1.0, -1.0),
    };
    let (lx, ly) = (CX as f32 + 0.5, CY as f32 + 0.5);
    let r = W as f32 - lx;
    let (ox, oy) = (lx + sx * r, ly + sy * r);
    for py in 0..H {
        let fy = py as f32 + 0.5;
        for px in 0..W {
            let fx = px as f32 + 0.5;
            let (past_x, past_y) = ((fx - ox) * sx >= 0.0, (fy - oy) * sy >= 0.0);
            let alpha = match (past_x, past_y) {
                (true, true) => 0,
                (true, false) => coverage(fy - ly),
                (false, true) => coverage(fx - lx),
                (false, false) => coverage((fx - ox).hypot(fy - oy) - r),
            };
            canvas.blend(x + px, y + py, fg, alpha);
        }
    }
}

/// ╱ ╲ ╳: anti-aliased 1-px lines from corner to corner, so diagonal neighbours join
/// at the shared corner.
fn diagonals(canvas: &mut Canvas, code: u32, x: i32, y: i32, fg: Rgb) {
    let (w, h) = (W as f32, H as f32);
    let len = w.hypot(h);
    for py in 0..H {
        let fy = py as f32 + 0.5;
        for px in 0..W {
            let fx = px as f32 + 0.5;
            // Distances to the lines through (0, h)–(w, 0) and (0, 0)–(w, h).
            let rising = if code != 0x2572 { coverage((fx * h + fy * w - w * h) / len) } else { 0 };
            let falling = if code != 0x2571 { coverage((fx * h - fy * w) / len) } else { 0 };
            canvas.blend(x + px, y + py, fg, rising.max(falling));
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

#[cfg(test)]
mod tests {
    use super::*;

    const FG: Rgb = (255, 255, 255);
    const BG: Rgb = (0, 0, 0);

    fn cell(c: char) -> Canvas {
        let mut canvas = Canvas::new(W as u32, H as u32, BG);
        assert!(draw(&mut canvas, c, 0, 0, FG, BG), "{c} is a shape");
        canvas
    }

    /// Coverage (0–255) of the pixel (white on black).
    fn alpha(canvas: &Canvas, x: i32, y: i32) -> u8 {
        canvas.pixel(x as u32, y as u32).expect("inside").0
    }

    /// Which pixels along a cell edge (0 top, 1 right, 2 bottom, 3 left) are at least
    /// half covered.
    fn edge(canvas: &Canvas, side: usize) -> Vec<bool> {
        let points: Vec<(i32, i32)> = match side {
            0 => (0..W).map(|i| (i, 0)).collect(),
            1 => (0..H).map(|i| (W - 1, i)).collect(),
            2 => (0..W).map(|i| (i, H - 1)).collect(),
            _ => (0..H).map(|i| (0, i)).collect(),
        };
        points.into_iter().map(|(x, y)| alpha(canvas, x, y) >= 128).collect()
    }

    fn is_dashed(code: u32) -> bool {
        matches!(code, 0x2504..=0x250B | 0x254C..=0x254F)
    }

    #[test]
    fn every_box_piece_meets_its_neighbours_edge_to_edge() {
        // What an arm of each weight looks like where it crosses an edge: that of the
        // straight lines │ ┃ ║ (top/bottom edges) and ─ ━ ═ (left/right).
        let straight = |side: usize, weight: u8| {
            let lines = if side == 0 || side == 2 { ['│', '┃', '║'] } else { ['─', '━', '═'] };
            match weight {
                0 => edge(&Canvas::new(W as u32, H as u32, BG), side),
                w => edge(&cell(lines[usize::from(w - 1)]), side),
            }
        };
        for code in (0x2500..=0x2570).filter(|c| !is_dashed(*c)).chain(0x2574..=0x257F) {
            let c = char::from_u32(code).expect("char");
            let canvas = cell(c);
            for (side, &weight) in ARMS[(code - 0x2500) as usize].iter().enumerate() {
                assert_eq!(edge(&canvas, side), straight(side, weight), "{c} (U+{code:04X}) side {side}");
            }
        }
    }

    #[test]
    fn double_lines_are_two_lines_with_a_gap() {
        let on = |c: char, pts: &[(i32, i32)]| {
            let canvas = cell(c);
            pts.iter().all(|&(x, y)| alpha(&canvas, x, y) == 255)
        };
        let off = |c: char, pts: &[(i32, i32)]| {
            let canvas = cell(c);
            pts.iter().all(|&(x, y)| alpha(&canvas, x, y) == 0)
        };
        // ═: rows 7 and 9 across, row 8 empty.
        assert!(on('═', &[(0, 7), (7, 7), (0, 9), (7, 9)]) && off('═', &[(0, 8), (4, 8), (7, 8)]));
        // ╔: outer corner at (3, 7), inner at (5, 9), nothing inside either.
        assert!(on('╔', &[(3, 7), (7, 7), (3, 15), (5, 9), (7, 9), (5, 15)]));
        assert!(off('╔', &[(2, 7), (3, 6), (4, 8), (5, 8), (4, 9), (0, 0)]));
        // ╠: the left line runs through, the right one turns into the branch.
        assert!(on('╠', &[(3, 0), (3, 8), (3, 15), (5, 7), (5, 9), (7, 7), (7, 9)]));
        assert!(off('╠', &[(5, 8), (4, 8), (2, 8)]));
        // ╬: four inner corners, the centre cross empty.
        assert!(on('╬', &[(3, 7), (5, 7), (3, 9), (5, 9)]));
        assert!(off('╬', &[(4, 7), (4, 8), (4, 9), (3, 8), (5, 8)]));
        // ╦: the top line runs through.
        assert!(on('╦', &[(0, 7), (4, 7), (7, 7)]) && off('╦', &[(4, 9), (4, 8)]));
        // A light line stops at the double line it meets: ╪ ╫ have an empty centre.
        assert!(on('╪', &[(4, 0), (4, 7), (4, 9), (4, 15), (0, 7), (7, 9)]) && off('╪', &[(4, 8)]));
        assert!(on('╫', &[(0, 8), (3, 8), (5, 8), (7, 8)]) && off('╫', &[(4, 8)]));
        // ╒: the light vertical reaches the outer (top) line; ╓: the light horizontal
        // reaches the outer (left) line.
        assert!(on('╒', &[(4, 7), (4, 8), (4, 9), (7, 7)]) && off('╒', &[(3, 7), (4, 6)]));
        assert!(on('╓', &[(3, 8), (4, 8), (5, 8), (3, 15), (5, 15)]) && off('╓', &[(2, 8), (3, 7)]));
    }

    /// Paints `rows` of shapes on a canvas (one char per cell).
    fn grid(rows: &[&str]) -> Canvas {
        let cols = rows.iter().map(|r| r.chars().count()).max().unwrap_or(0) as i32;
        let mut canvas = Canvas::new((cols * W) as u32, (rows.len() as i32 * H) as u32, BG);
        for (row, text) in rows.iter().enumerate() {
            for (col, c) in text.chars().enumerate() {
                if c != ' ' {
                    draw(&mut canvas, c, col as i32 * W, row as i32 * H, FG, BG);
                }
            }
        }
        canvas
    }

    #[test]
    fn double_box_with_tees_is_seamless() {
        let c = grid(&["╔═╦═╗", "║ ║ ║", "╠═╬═╣", "╚═╩═╝"]);
        let lit = |x: i32, y: i32| alpha(&c, x, y) == 255;
        let (right, bottom) = (4 * W + CX + 1, 3 * H + CY + 1);
        // Outer frame: unbroken from corner to corner, across every shared edge.
        for x in CX - 1..=right {
            assert!(lit(x, CY - 1) && lit(x, bottom), "outer top/bottom at x={x}");
        }
        for y in CY - 1..=bottom {
            assert!(lit(CX - 1, y) && lit(right, y), "outer left/right at y={y}");
        }
        // Both lines of row 2 (╠═╬═╣): broken only in the gaps where branches leave.
        for y in [2 * H + CY - 1, 2 * H + CY + 1] {
            let row: String = (0..5 * W).map(|x| if lit(x, y) { '#' } else { '.' }).collect();
            assert_eq!(
                row,
                "...#.###".to_owned() + "########" + "####.###" + "########" + "####.#..",
                "y={y}"
            );
        }
        // Every shared edge: the pixels either side match.
        for gx in 1..5 {
            for y in 0..c.height as i32 {
                assert_eq!(lit(gx * W - 1, y), lit(gx * W, y), "vertical edge {gx} y={y}");
            }
        }
        for gy in 1..4 {
            for x in 0..c.width as i32 {
                assert_eq!(lit(x, gy * H - 1), lit(x, gy * H), "horizontal edge {gy} x={x}");
            }
        }
        // The gaps between the double lines stay empty along the frame.
        assert!(!lit(W + 3, CY) && !lit(CX, H + 3) && !lit(2 * W + CX, 2 * H + CY));
    }

    #[test]
    fn rounded_box_is_seamless_and_anti_aliased() {
        let c = grid(&["╭──╮", "│  │", "╰──╯"]);
        let a = |x: i32, y: i32| alpha(&c, x, y);
        // The arcs leave at the edge midpoints: the pixels next to the straight
        // neighbours are (nearly) fully covered, and the straight pieces are exact.
        for (x, y) in [(W - 1, CY), (3 * W, CY), (CX, H - 1), (3 * W + CX, H - 1)] {
            assert!(a(x, y) >= 230, "arc end at ({x}, {y}): {}", a(x, y));
        }
        for (x, y) in [(2 * W + CX, CY + 2 * H), (W - 1, 2 * H + CY), (CX, 2 * H)] {
            assert!(a(x, y) >= 230, "arc end at ({x}, {y}): {}", a(x, y));
        }
        for x in W..3 * W {
            assert_eq!((a(x, CY), a(x, 2 * H + CY)), (255, 255), "top/bottom line at x={x}");
        }
        for y in H..2 * H {
            assert_eq!((a(CX, y), a(3 * W + CX, y)), (255, 255), "side lines at y={y}");
        }
        // Curved, not square: the square corner pixel is empty and some pixels are
        // partially covered.
        assert_eq!(a(CX, CY), 0);
        let corner: Vec<u8> =
            (0..H).flat_map(|y| (0..W).map(move |x| (x, y))).map(|(x, y)| a(x, y)).collect();
        assert!(corner.iter().any(|&v| v > 20 && v < 235), "anti-aliased");
        // ╭ is a quarter circle of radius 3.5 about (8, 12): through (5.5, 9.5) at 45°,
        // clear of the pixels just outside and inside it.
        let arc = cell('╭');
        assert!(alpha(&arc, 5, 9) >= 230, "45° point: {}", alpha(&arc, 5, 9));
        for (x, y) in [(5, 8), (4, 9), (6, 10)] {
            assert!(alpha(&arc, x, y) < 128, "({x}, {y}) off the arc: {}", alpha(&arc, x, y));
        }
        // The other three are its mirror images about the lines' centres (x 4.5, y 8.5).
        let (right, up, both) = (cell('╮'), cell('╰'), cell('╯'));
        for y in 1..H {
            for x in 1..W {
                let v = alpha(&arc, x, y);
                assert_eq!(alpha(&right, W - x, y), v, "╮ mirrors ╭ at ({x}, {y})");
                assert_eq!(alpha(&up, x, H - y), v, "╰ mirrors ╭ at ({x}, {y})");
                assert_eq!(alpha(&both, W - x, H - y), v, "╯ mirrors ╭ at ({x}, {y})");
            }
        }
    }

    #[test]
    fn diagonals_join_at_cell_corners() {
        // ╱ in the lower-left and upper-right cells of a 2×2 block.
        let c = grid(&[" ╱", "╱ "]);
        assert!(alpha(&c, W - 1, H) >= 128 && alpha(&c, W, H - 1) >= 128);
        // ╲ likewise.
        let c = grid(&["╲ ", " ╲"]);
        assert!(alpha(&c, W - 1, H - 1) >= 128 && alpha(&c, W, H) >= 128);
        // ╳ is both, symmetric about the centre.
        let x = cell('╳');
        for y in 0..H {
            for px in 0..W {
                assert_eq!(alpha(&x, px, y), alpha(&x, W - 1 - px, y), "({px}, {y})");
            }
        }
    }

    #[test]
    fn dashed_lines_have_gaps_and_tile() {
        for (c, dashes) in [('┄', 3), ('┈', 4), ('╌', 2), ('┅', 3), ('┉', 4), ('╍', 2)] {
            let canvas = cell(c);
            let row: Vec<bool> = (0..W).map(|x| alpha(&canvas, x, CY) == 255).collect();
            let starts = (0..W as usize).filter(|&i| row[i] && (i == 0 || !row[i - 1])).count();
            assert_eq!(starts, dashes, "{c}: {row:?}");
            assert!(!row[W as usize - 1], "{c}: ends with a gap so neighbours keep the rhythm");
        }
        for (c, dashes) in [('┆', 3), ('┊', 4), ('╎', 2), ('┇', 3), ('┋', 4), ('╏', 2)] {
            let canvas = cell(c);
            let col: Vec<bool> = (0..H).map(|y| alpha(&canvas, CX, y) == 255).collect();
            let starts = (0..H as usize).filter(|&i| col[i] && (i == 0 || !col[i - 1])).count();
            assert_eq!(starts, dashes, "{c}: {col:?}");
        }
    }
}
