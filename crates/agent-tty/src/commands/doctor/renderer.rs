//! The renderer checks of `doctor`. agent-tty 0.5.0 rendered through Playwright,
//! Chromium and ghostty-web (WASM) or the optional libghostty-vt native module; this
//! build renders with its own screen model (`agent-tty-vt`), so the browser checks are
//! skipped as not needed, `screenshot_viable` renders a tiny PNG with `agent-tty-render`,
//! and `libghostty_vt_available` checks the native screen model instead. A seventh
//! check of this build, `fallback_fonts_available`, reports the system fonts that draw
//! CJK and colour emoji (skipped, not failed, when they are missing).

use agent_tty_render::{FALLBACK_FONTS_ENV, FallbackFonts};
use agent_tty_vt::{Screen, SnapshotOptions};

use super::{Check, Found, Probe, QUICK, SLOW, Verdict};

/// The check whose outcome decides the `snapshot` and `wait` capabilities.
pub(super) const SCREEN_MODEL: &str = "libghostty_vt_available";

/// The renderer group, in agent-tty 0.5.0's order, then this build's own checks.
pub(super) const CHECKS: [Check; 7] = [
    Check {
        name: "playwright_available",
        label: "playwright",
        timeout: SLOW,
        run: |_| not_needed("Playwright"),
    },
    Check {
        name: "browser_cache_accessible",
        label: "browser-cache",
        timeout: SLOW,
        run: |_| not_needed("browser cache"),
    },
    Check { name: "browser_launch", label: "browser", timeout: SLOW, run: |_| not_needed("browser") },
    Check {
        name: "ghostty_web_available",
        label: "ghostty-web",
        timeout: SLOW,
        run: |_| not_needed("ghostty-web WASM"),
    },
    Check { name: "screenshot_viable", label: "screenshot", timeout: SLOW, run: screenshot_viable },
    Check { name: SCREEN_MODEL, label: "libghostty-vt", timeout: QUICK, run: screen_model },
    Check { name: "fallback_fonts_available", label: "fonts", timeout: SLOW, run: fallback_fonts },
];

fn not_needed(what: &str) -> Verdict {
    Ok(Found::Skip(format!("not needed: agent-tty renders natively (no {what})")))
}

/// Feeds styled output with a line break into a fresh screen and checks the snapshot.
fn screen_model(_: &Probe) -> Verdict {
    let mut screen = Screen::new(20, 4);
    screen.feed(b"hello \x1b[1mdoctor\x1b[0m\r\n\x1b[31mline\x1b[0m two", 0);
    let snapshot = screen.snapshot(SnapshotOptions::default());
    let expected = ["hello doctor", "line two", "", ""];
    if snapshot.visible_lines != expected {
        return Err(format!(
            "the native screen model showed {:?}, expected {expected:?}",
            snapshot.visible_lines
        ));
    }
    if (snapshot.cols, snapshot.rows, snapshot.cursor_row, snapshot.cursor_col) != (20, 4, 1, 8) {
        return Err(format!(
            "the native screen model put the cursor at row {}, col {} of {}x{} \
             (expected row 1, col 8 of 20x4)",
            snapshot.cursor_row, snapshot.cursor_col, snapshot.cols, snapshot.rows
        ));
    }
    if snapshot.screen_hash().len() != 64 {
        return Err("the native screen model produced no screen hash".to_string());
    }
    Ok(Found::Pass("native screen model agent-tty-vt renders (no libghostty-vt needed)".to_string()))
}

/// Renders a tiny styled screen to PNG and checks its signature and size.
fn screenshot_viable(_: &Probe) -> Verdict {
    let mut screen = Screen::new(10, 2);
    screen.feed("doctor \x1b[7mok\x1b[0m \u{2500}".as_bytes(), 0);
    let snapshot = screen.snapshot(SnapshotOptions { scrollback: false, cells: true });
    let profile = agent_tty_render::Profile::resolve("reference-dark")
        .ok_or_else(|| "the reference-dark profile is missing".to_string())?;
    let rendered = agent_tty_render::render(&snapshot, &profile, true).map_err(|e| e.to_string())?;
    if !rendered.png.starts_with(b"\x89PNG\r\n\x1a\n") || (rendered.width, rendered.height) != (80, 32) {
        return Err(format!("the native renderer produced a bad {}x{} PNG", rendered.width, rendered.height));
    }
    Ok(Found::Pass(format!(
        "native renderer agent-tty-render wrote a {}x{} PNG ({} bytes, no browser needed)",
        rendered.width,
        rendered.height,
        rendered.png.len()
    )))
}

/// Finds and loads the system fonts for glyphs the bundled JetBrains Mono lacks.
fn fallback_fonts(_: &Probe) -> Verdict {
    Ok(fallback_verdict(&agent_tty_render::fallback_fonts()))
}

/// Pass naming the CJK and emoji font files, or Skip saying what is missing, how it is
/// drawn instead and what to install.
fn fallback_verdict(fonts: &FallbackFonts) -> Found {
    let source = if fonts.overridden { format!(" in {FALLBACK_FONTS_ENV}") } else { String::new() };
    if let (Some(cjk), Some(emoji)) = (&fonts.cjk, &fonts.emoji) {
        let bold = fonts.cjk_bold.as_ref().map(|b| format!(", bold {}", b.display())).unwrap_or_default();
        return Found::Pass(format!("CJK: {}{bold}; emoji: {}", cjk.display(), emoji.display()));
    }
    // [what is missing, the characters affected, the Debian package, the font family]
    let mut missing = Vec::new();
    let mut found = Vec::new();
    match &fonts.cjk {
        Some(cjk) => found.push(format!("CJK: {}", cjk.display())),
        None => missing.push(["CJK", "CJK characters", "fonts-noto-cjk", "Noto Sans CJK"]),
    }
    match &fonts.emoji {
        Some(emoji) => found.push(format!("emoji: {}", emoji.display())),
        None => missing.push(["colour emoji", "emoji", "fonts-noto-color-emoji", "Noto Color Emoji"]),
    }
    let list = |field: usize, sep: &str| missing.iter().map(|m| m[field]).collect::<Vec<_>>().join(sep);
    let found = if found.is_empty() { String::new() } else { format!(" ({})", found.join("; ")) };
    Found::Skip(format!(
        "no {} font found{source}{found}: {} are drawn as hollow boxes; install {} (Debian/Ubuntu) or {}",
        list(0, " or "),
        list(1, " and "),
        list(2, " "),
        list(3, " and "),
    ))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn message(found: Found) -> (bool, String) {
        match found {
            Found::Pass(m) => (true, m),
            Found::Skip(m) => (false, m),
        }
    }

    #[test]
    fn fallback_fonts_pass_names_the_files_and_skip_says_what_to_install() {
        let cjk = Some(PathBuf::from("/f/NotoSansCJK-Regular.ttc"));
        let emoji = Some(PathBuf::from("/f/NotoColorEmoji.ttf"));
        let all = FallbackFonts {
            cjk: cjk.clone(),
            cjk_bold: Some(PathBuf::from("/f/NotoSansCJK-Bold.ttc")),
            emoji: emoji.clone(),
            overridden: false,
        };
        assert_eq!(
            message(fallback_verdict(&all)),
            (
                true,
                "CJK: /f/NotoSansCJK-Regular.ttc, bold /f/NotoSansCJK-Bold.ttc; emoji: /f/NotoColorEmoji.ttf"
                    .to_string()
            )
        );
        let no_emoji = FallbackFonts { cjk, emoji: None, cjk_bold: None, overridden: false };
        assert_eq!(
            message(fallback_verdict(&no_emoji)),
            (
                false,
                "no colour emoji font found (CJK: /f/NotoSansCJK-Regular.ttc): emoji are drawn as hollow \
                 boxes; install fonts-noto-color-emoji (Debian/Ubuntu) or Noto Color Emoji"
                    .to_string()
            )
        );
        let no_cjk = FallbackFonts { emoji, ..FallbackFonts::default() };
        assert_eq!(
            message(fallback_verdict(&no_cjk)).1,
            "no CJK font found (emoji: /f/NotoColorEmoji.ttf): CJK characters are drawn as hollow boxes; \
             install fonts-noto-cjk (Debian/Ubuntu) or Noto Sans CJK"
        );
        let none = FallbackFonts { overridden: true, ..FallbackFonts::default() };
        assert_eq!(
            message(fallback_verdict(&none)),
            (
                false,
                format!(
                    "no CJK or colour emoji font found in {FALLBACK_FONTS_ENV}: CJK characters and emoji are \
                     drawn as hollow boxes; install fonts-noto-cjk fonts-noto-color-emoji (Debian/Ubuntu) or \
                     Noto Sans CJK and Noto Color Emoji"
                )
            )
        );
    }
}
