//! The six renderer checks of `doctor`. agent-tty 0.5.0 rendered through Playwright,
//! Chromium and ghostty-web (WASM) or the optional libghostty-vt native module; this
//! build renders with its own screen model (`agent-tty-vt`), so the browser checks are
//! skipped as not needed, `screenshot_viable` renders a tiny PNG with `agent-tty-render`,
//! and `libghostty_vt_available` checks the native screen model instead.

use agent_tty_vt::{Screen, SnapshotOptions};

use super::{Check, Found, Probe, QUICK, SLOW, Verdict};

/// The check whose outcome decides the `snapshot` and `wait` capabilities.
pub(super) const SCREEN_MODEL: &str = "libghostty_vt_available";

/// The renderer group, in agent-tty 0.5.0's order.
pub(super) const CHECKS: [Check; 6] = [
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
