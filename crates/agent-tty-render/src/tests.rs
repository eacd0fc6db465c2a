//! Pixel-level tests of the renderer.

use agent_tty_vt::{Screen, SnapshotOptions};

use super::*;

fn screen(bytes: &str, cols: u16, rows: u16) -> Snapshot {
    let mut screen = Screen::new(cols, rows);
    screen.feed(bytes.as_bytes(), 0);
    screen.snapshot(SnapshotOptions { scrollback: false, cells: true })
}

fn dark() -> Profile {
    Profile::resolve("reference-dark").expect("profile")
}

/// Every pixel of the cell at (col, row).
fn cell_pixels(canvas: &Canvas, col: u32, row: u32) -> Vec<Rgb> {
    let mut out = Vec::new();
    for y in row * CELL_HEIGHT..(row + 1) * CELL_HEIGHT {
        for x in col * CELL_WIDTH..(col + 1) * CELL_WIDTH {
            out.push(canvas.pixel(x, y).expect("inside"));
        }
    }
    out
}

#[test]
fn png_decodes_to_the_expected_size() {
    let rendered = render(&screen("hello", 80, 24), &dark(), false).expect("render");
    assert_eq!((rendered.width, rendered.height), (640, 384));
    let decoder = png::Decoder::new(std::io::Cursor::new(rendered.png));
    let reader = decoder.read_info().expect("png");
    assert_eq!((reader.info().width, reader.info().height), (640, 384));
}

#[test]
fn background_and_colours_follow_the_profile() {
    let light = Profile::resolve("reference-light").expect("profile");
    let snap = screen("\x1b[41m \x1b[0m\x1b[38;2;1;2;3m\x1b[48;2;250;0;0m\u{2588}", 10, 2);
    let c = paint(&snap, &dark(), false);
    assert_eq!(c.pixel(79, 31), Some((0x1e, 0x1e, 0x2e)));
    assert_eq!(paint(&snap, &light, false).pixel(79, 31), Some((0xef, 0xf1, 0xf5)));
    assert_eq!(c.pixel(3, 3), Some(dark().palette[1]), "SGR 41 background");
    assert_eq!(c.pixel(12, 8), Some((1, 2, 3)), "truecolour foreground of a full block");
}

#[test]
fn inverse_swaps_default_colours() {
    let c = paint(&screen("\x1b[7m \x1b[0m", 10, 2), &dark(), false);
    assert_eq!(c.pixel(4, 8), Some(dark().foreground));
}

#[test]
fn glyph_uses_the_foreground() {
    let c = paint(&screen("\x1b[38;2;255;0;0mH", 10, 2), &dark(), false);
    assert!(cell_pixels(&c, 0, 0).contains(&(255, 0, 0)), "an opaque red stem pixel");
    assert!(cell_pixels(&c, 1, 0).iter().all(|p| *p == dark().background));
}

#[test]
fn cursor_is_drawn_only_when_asked() {
    let snap = screen("ab", 10, 2);
    let hidden = paint(&snap, &dark(), false);
    let shown = paint(&snap, &dark(), true);
    assert!(cell_pixels(&hidden, 2, 0).iter().all(|p| *p == dark().background));
    assert!(cell_pixels(&shown, 2, 0).iter().all(|p| *p == dark().foreground));
}

#[test]
fn wide_cell_spans_two_columns() {
    let snap = screen("\x1b[44m\u{4e2d}\x1b[0m", 10, 2);
    let c = paint(&snap, &dark(), false);
    let blue = dark().palette[4];
    assert_eq!(c.pixel(1, 1), Some(blue));
    assert_eq!(c.pixel(15, 1), Some(blue), "second column carries the background");
    assert_eq!(c.pixel(17, 1), Some(dark().background));
    // No CJK font is bundled: a hollow box outline spanning both columns.
    assert_eq!(c.pixel(14, 8), Some(dark().foreground));
}

#[test]
fn box_drawing_is_continuous_across_cells() {
    let c = paint(&screen("\u{250c}\u{2500}\u{2500}\u{2510}\r\n\u{2502}", 10, 3), &dark(), false);
    let fg = dark().foreground;
    let y = CELL_HEIGHT / 2;
    for x in CELL_WIDTH / 2..CELL_WIDTH * 3 + CELL_WIDTH / 2 {
        assert_eq!(c.pixel(x, y), Some(fg), "horizontal line at x={x}");
    }
    for y in CELL_HEIGHT / 2..CELL_HEIGHT * 2 {
        assert_eq!(c.pixel(CELL_WIDTH / 2, y), Some(fg), "vertical line at y={y}");
    }
}

#[test]
fn braille_and_blocks_are_drawn() {
    let c = paint(&screen("\u{28FF}\u{2580}", 10, 2), &dark(), false);
    let fg = dark().foreground;
    assert_eq!(c.pixel(1, 1), Some(fg));
    assert_eq!(c.pixel(6, 14), Some(fg));
    assert_eq!(c.pixel(9, 2), Some(fg));
    assert_eq!(c.pixel(9, 12), Some(dark().background));
}

#[test]
fn underline_and_missing_glyph_never_panic() {
    let snap = screen("\x1b[1;3;4;9;2mX\u{1F600}\u{E0B0}\x1b[8mhidden", 20, 2);
    let rendered = render(&snap, &dark(), true).expect("render");
    assert!(rendered.png.len() > 8);
}

#[test]
fn hash_recipe_matches_the_reference_values() {
    let light = Profile::resolve("reference-light").expect("profile");
    assert_eq!(
        reference_hash_recipe(&dark()),
        "8ffed6af301ec7c0e6b69599c3be0d1d12096f9fcdfc59d0bbb4cc474d64c53d"
    );
    assert_eq!(
        reference_hash_recipe(&light),
        "0c3aa8ed636f5edd6b7e46e89a8d6cd812af8354a59b74e4c86fba18d1ae34c5"
    );
    assert_ne!(dark().hash(), light.hash());
    assert_eq!(dark().cached_hash().len(), 64);
    assert!(Profile::resolve("nope").is_none());
}
