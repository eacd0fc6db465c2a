//! Pixel-level tests of the renderer.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use agent_tty_vt::{Screen, SnapshotOptions};

use super::*;
use crate::fallback::{FontSet, with_fonts};

fn screen(bytes: &str, cols: u16, rows: u16) -> Snapshot {
    let mut screen = Screen::new(cols, rows);
    screen.feed(bytes.as_bytes(), 0);
    screen.snapshot(SnapshotOptions { scrollback: false, cells: true })
}

/// [`crate::paint`] for screens known to fit.
fn paint(snapshot: &Snapshot, profile: &Profile, show_cursor: bool) -> Canvas {
    crate::paint(snapshot, profile, show_cursor).expect("paint")
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
    let c = with_fonts(no_fonts(), || paint(&snap, &dark(), false));
    let blue = dark().palette[4];
    assert_eq!(c.pixel(1, 1), Some(blue));
    assert_eq!(c.pixel(15, 1), Some(blue), "second column carries the background");
    assert_eq!(c.pixel(17, 1), Some(dark().background));
    // Without fallback fonts: a hollow box outline spanning both columns.
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
    for fonts in [no_fonts(), system_fonts()] {
        let rendered = with_fonts(fonts, || render(&snap, &dark(), true)).expect("render");
        assert!(rendered.png.len() > 8);
    }
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

/// The fallback fonts discovery finds on this machine (CI installs `fonts-noto-cjk`
/// and `fonts-noto-color-emoji`), read once for all tests.
fn system_fonts() -> Arc<FontSet> {
    static SET: OnceLock<Arc<FontSet>> = OnceLock::new();
    SET.get_or_init(|| Arc::new(FontSet::discover())).clone()
}

/// No fallback fonts at all (as `AGENT_TTY_FALLBACK_FONTS=""`).
fn no_fonts() -> Arc<FontSet> {
    Arc::new(FontSet::from_list("".as_ref()))
}

/// The message of a test that needs a fallback font this machine lacks.
const NEEDS_CJK: &str = "needs a CJK font (Noto Sans CJK): apt-get install fonts-noto-cjk";
const NEEDS_EMOJI: &str =
    "needs a colour emoji font (Noto Color Emoji): apt-get install fonts-noto-color-emoji";

/// The discovered CJK regular face, or a failure naming the package to install.
fn cjk_path() -> PathBuf {
    system_fonts().summary().cjk.expect(NEEDS_CJK)
}

/// [`system_fonts`] for a test that draws CJK: fails naming the package when none is found.
fn cjk_fonts() -> Arc<FontSet> {
    let fonts = system_fonts();
    assert!(fonts.summary().cjk.is_some(), "{NEEDS_CJK}");
    fonts
}

/// [`system_fonts`] for a test that draws emoji: fails naming the package when none is found.
fn emoji_fonts() -> Arc<FontSet> {
    let fonts = system_fonts();
    assert!(fonts.summary().emoji.is_some(), "{NEEDS_EMOJI}");
    fonts
}

/// Paints `bytes` on a 10×2 dark screen with `fonts` as the fallback fonts.
fn paint_with(fonts: Arc<FontSet>, bytes: &str) -> Canvas {
    let snap = screen(bytes, 10, 2);
    with_fonts(fonts, || paint(&snap, &dark(), false))
}

/// The pixels of the `width`-pixel-wide box at `x` on row 0.
fn box_pixels(canvas: &Canvas, x: u32, width: u32) -> Vec<Rgb> {
    let mut out = Vec::new();
    for y in 0..CELL_HEIGHT {
        for px in x..x + width {
            out.push(canvas.pixel(px, y).expect("inside"));
        }
    }
    out
}

/// Whether the box at `x` on row 0 is exactly the hollow-box placeholder in `fg`.
fn is_hollow_box(canvas: &Canvas, x: u32, width: u32, fg: Rgb) -> bool {
    let (w, h) = (width as i32, CELL_HEIGHT as i32);
    (0..h).all(|y| {
        (0..w).all(|dx| {
            let inside = (1..w - 1).contains(&dx) && (2..h - 2).contains(&y);
            let edge = inside && (dx == 1 || dx == w - 2 || y == 2 || y == h - 3);
            let expected = if edge { fg } else { dark().background };
            canvas.pixel(x + dx as u32, y as u32) == Some(expected)
        })
    })
}

#[test]
fn system_fallback_fonts_are_discovered() {
    let found = system_fonts().summary();
    let name = |p: &Option<PathBuf>| {
        p.as_ref().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    };
    assert!(name(&found.cjk).contains("CJK"), "{NEEDS_CJK}: {found:?}");
    assert!(name(&found.emoji).contains("Emoji"), "{NEEDS_EMOJI}: {found:?}");
    assert!(!found.overridden);
    // Debian's fonts-noto-cjk (what CI installs): both faces at their well-known paths.
    let debian = PathBuf::from("/usr/share/fonts/opentype/noto");
    if debian.join("NotoSansCJK-Bold.ttc").is_file() {
        assert_eq!(found.cjk, Some(debian.join("NotoSansCJK-Regular.ttc")));
        assert_eq!(found.cjk_bold, Some(debian.join("NotoSansCJK-Bold.ttc")));
    }
    let none = no_fonts().summary();
    assert_eq!((none.cjk, none.cjk_bold, none.emoji, none.overridden), (None, None, None, true));
}

#[test]
fn fallback_font_list_splits_on_colons_and_ignores_empty_entries() {
    assert!(FontSet::from_list("".as_ref()).paths().is_empty());
    let set = FontSet::from_list("/a.ttf::/b c.ttc:".as_ref());
    assert_eq!(set.paths(), [std::path::Path::new("/a.ttf"), std::path::Path::new("/b c.ttc")]);
}

#[test]
fn cjk_is_drawn_in_the_foreground_with_the_system_font() {
    let red = (255, 0, 0);
    let c = paint_with(cjk_fonts(), "\x1b[38;2;255;0;0m\u{6f22}\u{5b57}");
    let boxed = paint_with(no_fonts(), "\x1b[38;2;255;0;0m\u{6f22}\u{5b57}");
    for x in [0, 16] {
        assert!(is_hollow_box(&boxed, x, 16, red), "no fallback fonts: a hollow box at x={x}");
        assert!(!is_hollow_box(&c, x, 16, red), "a real glyph at x={x}");
        let ink = box_pixels(&c, x, 16).into_iter().filter(|p| p.0 >= 128 && p.1 < 64 && p.2 < 64).count();
        assert!(ink >= 25, "red ink at x={x}: {ink} pixels");
        let strongest = box_pixels(&c, x, 16).iter().map(|p| p.0).max();
        assert!(strongest >= Some(200), "strongly covered pixels at x={x}: {strongest:?}");
        // Ink well inside the box, where a hollow box has none.
        let inner = (4..12).flat_map(|y| (x + 4..x + 12).map(move |px| (px, y)));
        assert!(inner.filter(|&(px, y)| c.pixel(px, y) != Some(dark().background)).count() >= 8);
    }
    // The ink stays in its two cells and on the Latin line: compare with `H` at col 4.
    let ink_rows = |canvas: &Canvas, x0: u32, x1: u32| -> Vec<u32> {
        (0..CELL_HEIGHT)
            .filter(|&y| (x0..x1).any(|x| canvas.pixel(x, y) != Some(dark().background)))
            .collect()
    };
    assert!(ink_rows(&c, 32, 80).is_empty(), "nothing right of the two wide cells");
    let below = (CELL_HEIGHT..2 * CELL_HEIGHT).flat_map(|y| (0..80).map(move |x| (x, y)));
    assert!(
        below.into_iter().all(|(x, y)| c.pixel(x, y) == Some(dark().background)),
        "nothing below the row"
    );
    let latin = paint_with(system_fonts(), "\x1b[38;2;255;0;0mH");
    let (h_rows, cjk_rows) = (ink_rows(&latin, 0, 8), ink_rows(&c, 0, 16));
    let (h_bottom, cjk_bottom) = (*h_rows.last().expect("H ink"), *cjk_rows.last().expect("CJK ink"));
    assert!(
        cjk_bottom >= h_bottom && cjk_bottom <= h_bottom + 2,
        "baseline: H ends {h_bottom}, CJK {cjk_bottom}"
    );
    assert!(cjk_rows[0] <= h_rows[0] && cjk_rows.len() >= 10, "CJK is cap-height or taller: {cjk_rows:?}");
}

#[test]
fn bold_cjk_uses_the_bold_face() {
    let ink = |bytes: &str| {
        let c = paint_with(cjk_fonts(), bytes);
        box_pixels(&c, 0, 16).iter().filter(|p| **p != dark().background).count()
    };
    let (regular, bold) = (ink("\u{6f22}"), ink("\x1b[1m\u{6f22}"));
    assert!(bold > regular + 10, "bold {bold} vs regular {regular} inked pixels");
}

#[test]
fn emoji_is_drawn_in_its_own_colours() {
    // A blue foreground must not tint the emoji.
    let c = paint_with(emoji_fonts(), "\x1b[38;2;0;0;255m\u{1F600}");
    let pixels = box_pixels(&c, 0, 16);
    let yellow = pixels.iter().filter(|p| p.0 > 200 && p.1 > 150 && p.2 < 100).count();
    assert!(yellow >= 30, "saturated yellow pixels: {yellow}");
    assert!(!pixels.contains(&(0, 0, 255)), "not drawn in the foreground");
    assert_eq!(c.pixel(0, 0), Some(dark().background), "transparent corner keeps the background");
    assert!(box_pixels(&c, 16, 64).iter().all(|p| *p == dark().background), "stays in its two cells");
    // Over a coloured background: composited, not pasted.
    let on_red = paint_with(emoji_fonts(), "\x1b[48;2;200;0;0m\u{1F600}");
    assert_eq!(on_red.pixel(0, 0), Some((200, 0, 0)));
    let boxed = paint_with(no_fonts(), "\x1b[38;2;0;0;255m\u{1F600}");
    assert!(is_hollow_box(&boxed, 0, 16, (0, 0, 255)), "no fallback fonts: a hollow box");
}

#[test]
fn emoji_presentation_selector_and_zwj_sequences() {
    // U+2764 U+FE0F: the colour heart even if a bundled face had a text heart.
    let c = paint_with(emoji_fonts(), "\u{2764}\u{FE0F}");
    let width = if box_pixels(&c, 8, 8).iter().any(|p| *p != dark().background) { 16 } else { 8 };
    let red = box_pixels(&c, 0, width).iter().filter(|p| p.0 > 180 && p.1 < 90 && p.2 < 90).count();
    assert!(red >= 10, "a red heart: {red} red pixels");
    // A ZWJ family is drawn as its first emoji, the joined ones ignored; nothing panics.
    let family = paint_with(emoji_fonts(), "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}x");
    assert!(box_pixels(&family, 0, 16).iter().any(|p| *p != dark().background));
}

#[test]
fn without_fallback_fonts_cjk_and_emoji_are_hollow_boxes() {
    let fg = dark().foreground;
    let c = paint_with(no_fonts(), "\u{6f22}\u{1F600}\x1b[1m\u{5b57}");
    for x in [0, 16, 32] {
        assert!(is_hollow_box(&c, x, 16, fg), "hollow box at x={x}");
    }
    let snap = screen("\u{6f22}\u{1F600}", 10, 2);
    assert!(with_fonts(no_fonts(), || render(&snap, &dark(), true)).is_ok());
}

#[test]
fn corrupt_truncated_and_missing_font_files_are_skipped() {
    let dir = std::env::temp_dir().join(format!("agent-tty-render-fonts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let garbage = dir.join("Garbage-Regular.ttf");
    std::fs::write(&garbage, b"this is not a font, not even close".repeat(100)).expect("write");
    let truncated = dir.join("Truncated-Regular.ttc");
    let head = std::fs::read(cjk_path()).expect("read CJK font");
    std::fs::write(&truncated, &head[..64 * 1024]).expect("write");
    let missing = dir.join("Missing.ttf");
    let broken = [missing.clone(), dir.clone(), garbage.clone(), truncated.clone()];

    // Only broken files: hollow boxes, no panic, nothing reported.
    let set = Arc::new(FontSet::from_paths(broken.clone()));
    let c = paint_with(set.clone(), "\u{6f22}\u{1F600}");
    assert!(is_hollow_box(&c, 0, 16, dark().foreground) && is_hollow_box(&c, 16, 16, dark().foreground));
    let found = set.summary();
    assert_eq!((found.cjk, found.emoji), (None, None));

    // Broken files first, then a good one: the good one draws.
    let set = Arc::new(FontSet::from_paths(broken.into_iter().chain([cjk_path()])));
    let c = paint_with(set.clone(), "\u{6f22}");
    assert!(!is_hollow_box(&c, 0, 16, dark().foreground));
    assert_eq!(set.summary().cjk, Some(cjk_path()));
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn fallback_fonts_are_read_only_when_a_glyph_is_missing() {
    let set = Arc::new(FontSet::from_paths([cjk_path()]));
    paint_with(set.clone(), "plain ASCII \x1b[1mbold\x1b[0m \u{2500}\u{2588}");
    assert_eq!(set.files_read(), 0, "a screen the bundled fonts cover reads no fallback font");
    paint_with(set.clone(), "\u{6f22}");
    assert_eq!(set.files_read(), 1);
}

#[test]
fn font_search_prefers_names_in_order_and_stays_shallow() {
    let dir = std::env::temp_dir().join(format!("agent-tty-render-search-{}", std::process::id()));
    let deep = dir.join("1/2/3/4/5/6");
    std::fs::create_dir_all(&deep).expect("dirs");
    std::fs::create_dir_all(dir.join("x")).expect("dirs");
    for file in [
        dir.join("1/wqy-zenhei.ttc"),
        dir.join("x/notosanscjk-regular.ttc"),
        dir.join("1/2/NotoSansCJK-Bold.ttc"),
        deep.join("NotoColorEmoji.ttf"),
    ] {
        std::fs::write(&file, b"").expect("write");
    }
    let names: [&[&str]; 3] =
        [&["NotoSansCJK-Regular.ttc", "wqy-zenhei.ttc"], &["NotoSansCJK-Bold.ttc"], &["NotoColorEmoji.ttf"]];
    let found = fallback::search(std::slice::from_ref(&dir), &names);
    assert_eq!(
        found,
        [Some(dir.join("x/notosanscjk-regular.ttc")), Some(dir.join("1/2/NotoSansCJK-Bold.ttc")), None],
        "the preferred name wins, case-insensitively; six levels down is too deep"
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn downscale_averages_with_premultiplied_alpha() {
    // Opaque yellow next to transparent black: half-transparent yellow, not darkened.
    let src = [255, 220, 0, 255, 0, 0, 0, 0];
    assert_eq!(fallback::downscale(&src, (2, 1), (1, 1)), [255, 220, 0, 128]);
    // 3 → 2 pixels: each output pixel covers 1.5 inputs.
    let grey = [0, 0, 0, 255, 90, 90, 90, 255, 180, 180, 180, 255];
    assert_eq!(fallback::downscale(&grey, (3, 1), (2, 1)), [30, 30, 30, 255, 150, 150, 150, 255]);
}

/// A busy coloured screen: 16 colours on two backgrounds, bold, a selected row.
fn busy_screen() -> Snapshot {
    let mut text = String::new();
    for row in 0..24 {
        let fg = 31 + row % 7;
        let bg = if row % 5 == 0 { "\x1b[44m" } else { "" };
        text.push_str(&format!(
            "\x1b[{};1H{bg}\x1b[1;{fg}m{row:>3}\x1b[0m{bg} build \x1b[32mok\x1b[0m{bg} module_{row}::tests \x1b[33m{}%\x1b[0m",
            row + 1,
            row * 4
        ));
    }
    text.push_str("\x1b[12;1H\x1b[7m selected item \x1b[0m");
    screen(&text, 80, 24)
}

fn colour_count(canvas: &Canvas) -> usize {
    canvas.pixels.chunks_exact(3).map(|p| (p[0], p[1], p[2])).collect::<std::collections::HashSet<_>>().len()
}

#[test]
fn quantised_coverage_keeps_a_busy_screen_within_256_colours() {
    let snapshot = busy_screen();
    let exact = paint(&snapshot, &dark(), false);
    assert!(colour_count(&exact) > 256, "anti-aliasing alone makes {} colours", colour_count(&exact));
    let mut painter = FramePainter::new(dark()).with_coverage_levels(8);
    let mut frame = Canvas::new(640, 384, (0, 0, 0));
    painter.paint_into(&mut frame, &snapshot, true);
    let count = colour_count(&frame);
    assert!(count <= 256, "{count} colours with 8 coverage steps");
    // The cell colours themselves are untouched.
    assert!(frame.pixels.chunks_exact(3).any(|p| (p[0], p[1], p[2]) == dark().palette[4]));
}

#[test]
fn frame_painter_matches_paint_and_clears_what_was_there() {
    let snapshot = busy_screen();
    let expected = paint(&snapshot, &dark(), true);
    let mut painter = FramePainter::new(dark());
    let mut frame = Canvas::new(640, 384, (255, 0, 255));
    painter.paint_into(&mut frame, &screen("\x1b[41mold picture", 80, 24), false);
    painter.paint_into(&mut frame, &snapshot, true);
    assert!(frame.pixels == expected.pixels, "a reused painter paints exactly what paint() does");
}

#[test]
fn over_large_canvases_are_refused_not_allocated() {
    assert_eq!(canvas_size(512, 256), Ok((4096, 4096)));
    assert!(canvas_size(513, 256).is_err());
    assert!(canvas_size(u16::MAX, u16::MAX).is_err());
    let too_big = Snapshot { cols: 1000, rows: 500, ..screen("x", 10, 2) };
    let error = crate::paint(&too_big, &dark(), true).expect_err("too large");
    assert!(error.0.contains("1000x500 cells") && error.0.contains("16 megapixels"), "{error}");
    assert!(render(&too_big, &dark(), false).is_err());
    assert!(Canvas::try_new(u32::MAX, u32::MAX, (0, 0, 0)).is_err());
    let canvas = Canvas::try_new(4096, 4096, (1, 2, 3)).expect("at the limit");
    assert_eq!(canvas.pixels.len(), 4096 * 4096 * 3);
}
