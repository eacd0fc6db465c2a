//! `agent-tty screenshot`: renders the screen to a PNG natively (`agent-tty-render`,
//! no browser) into `artifacts/screenshot-<seq>-<profile>.png` and records it in the
//! artifact manifest.
//!
//! Route: the host never rasterises. For a running session the CLI asks the host's
//! existing `snapshot` RPC (text format, cheap) only for `capturedAtSeq` — every host
//! method flushes the event log before it answers — and then replays the log up to
//! exactly that seq. Other sessions (or an unreachable host) replay the whole log.
//! Either way the renderer gets a full-fidelity `agent_tty_vt::Snapshot` (dim, inverse,
//! hidden, wide cells), which the JSON cell grid does not carry. `--show-cursor` draws the
//! cursor only while the program shows it (DECTCEM), as a live terminal would.

use agent_tty_core::artifacts::{self, ArtifactEntry};
use agent_tty_core::manifest::Status;
use agent_tty_core::{Error, ErrorCode, Result, client, env, replay, session};
use agent_tty_render::{Profile, RENDERER_BACKEND, sha256_hex};
use agent_tty_vt::SnapshotOptions;
use serde_json::{Map, Value, json};

use crate::cli::ScreenshotArgs;
use crate::context::Context;
use crate::output::Outcome;

/// The profile used when nothing else names one.
const DEFAULT_PROFILE: &str = "reference-dark";

/// The render profile asked for: the command's `--profile`, the global `--profile`,
/// `AGENT_TTY_PROFILE`, the config's `defaultProfile`, else `reference-dark`.
pub(crate) fn requested_profile(context: &Context, flag: Option<&str>) -> String {
    flag.map(str::to_string)
        .or_else(|| context.profile.clone())
        .or_else(|| std::env::var(env::AGENT_TTY_PROFILE).ok())
        .or_else(|| context.config.default_profile.clone())
        .unwrap_or_else(|| DEFAULT_PROFILE.to_string())
}

/// Runs `screenshot`.
pub fn run(context: &Context, args: &ScreenshotArgs) -> Result<Outcome> {
    if args.show_cursor && args.hide_cursor {
        return Err(Error::invalid_input("--show-cursor and --hide-cursor are mutually exclusive."));
    }
    let name = requested_profile(context, args.profile.as_deref());
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid_input("Screenshot request is invalid.").with("profile", name.as_str()));
    }
    let (paths, record) = session::find(&context.home.path, &args.session.session_id)?;
    let running = record.status == Status::Running;
    let Some(profile) = Profile::resolve(&name) else {
        return Err(if running {
            Error::invalid_input(format!("unknown render profile: {name}"))
        } else {
            Error::new(
                ErrorCode::ReplayError,
                format!("Failed to resolve render profile for session {}.", paths.id),
            )
        });
    };
    let live_seq = if running {
        let params = json!({ "format": "text" });
        match session::call(&paths, "snapshot", params, client::DEFAULT_TIMEOUT_MS) {
            Ok(result) => result["capturedAtSeq"].as_u64(),
            Err(e) if e.code == ErrorCode::HostUnreachable => None,
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    let mut replayed = replay::replay(&paths, &record, live_seq)?;
    if running && live_seq.is_none() {
        // A host that did not answer may still be writing its last line.
        replayed.damage.forget_torn_tail();
    }
    // The seq of what was actually replayed (a corrupt line can stop replay early).
    let seq = replayed.last_seq.unwrap_or(0);
    let snapshot = replayed.screen.snapshot(SnapshotOptions { scrollback: false, cells: true });
    if let Err(e) = agent_tty_render::canvas_size(snapshot.cols, snapshot.rows) {
        return Err(Error::new(ErrorCode::ExportError, format!("Cannot take a screenshot: {}.", e.0))
            .with("cols", snapshot.cols)
            .with("rows", snapshot.rows)
            .with("maxPixels", agent_tty_render::MAX_CANVAS_PIXELS));
    }
    // The cursor is drawn when asked for and the program shows it (a TUI such as `top`
    // hides it with `ESC[?25l`); `cursorVisible` says whether it was drawn.
    let draw_cursor = args.show_cursor && snapshot.cursor_visible;
    let rendered = agent_tty_render::render(&snapshot, &profile, draw_cursor)
        .map_err(|e| Error::internal(format!("Screenshot render failed: {e}")))?;

    let filename = format!("screenshot-{seq}-{}.png", artifacts::sanitize_name(profile.name));
    let path = paths.artifacts.join(&filename);
    let staged = artifacts::stage(&path, &rendered.png)?;
    let sha256 = sha256_hex(&rendered.png);
    let mut result = Map::new();
    result.insert("sessionId".into(), json!(paths.id));
    result.insert("capturedAtSeq".into(), json!(seq));
    result.insert("profileName".into(), json!(profile.name));
    result.insert("cols".into(), json!(snapshot.cols));
    result.insert("rows".into(), json!(snapshot.rows));
    result.insert("artifactPath".into(), json!(path.display().to_string()));
    result.insert("pngSizeBytes".into(), json!(rendered.png.len()));
    result.insert("cursorVisible".into(), json!(draw_cursor));
    result.insert("rendererBackend".into(), json!(RENDERER_BACKEND));
    result.insert("pixelWidth".into(), json!(rendered.width));
    result.insert("pixelHeight".into(), json!(rendered.height));
    result.insert("sha256".into(), json!(sha256));
    result.insert("renderProfileHash".into(), json!(profile.cached_hash()));
    if let Some(damage) = replayed.damage.to_json() {
        result.insert("damage".into(), damage);
    }

    let mut metadata = Map::new();
    for key in [
        "profileName",
        "cols",
        "rows",
        "pngSizeBytes",
        "cursorVisible",
        "rendererBackend",
        "pixelWidth",
        "pixelHeight",
        "renderProfileHash",
    ] {
        metadata.insert(key.into(), result[key].clone());
    }
    let entry = ArtifactEntry {
        sha256: Some(sha256),
        ..ArtifactEntry::new("screenshot", filename, &paths.id, seq, metadata)
    };
    artifacts::append_then_place(&paths.artifacts, &paths.id, entry, staged, &path)?;
    let result = Value::Object(result);
    let mut human = human_lines(&result);
    if args.show_cursor && !draw_cursor {
        human.push("Cursor: not drawn (the program hides it)".into());
    }
    human.extend(replayed.damage.summary());
    Ok(Outcome::new(result, human))
}

fn human_lines(result: &Value) -> Vec<String> {
    let text = |key: &str| result[key].as_str().unwrap_or("").to_string();
    vec![
        format!("Session ID: {}", text("sessionId")),
        format!("Captured At Seq: {}", result["capturedAtSeq"]),
        format!("Profile: {}", text("profileName")),
        format!("Size: {}x{}", result["cols"], result["rows"]),
        format!("PNG Path: {}", text("artifactPath")),
        format!("PNG Size: {} bytes", result["pngSizeBytes"]),
        format!("Renderer backend: {}", text("rendererBackend")),
        format!("Pixel dimensions: {}\u{d7}{}", result["pixelWidth"], result["pixelHeight"]),
        format!("SHA-256: {}", text("sha256")),
        format!("Render profile hash: {}", text("renderProfileHash")),
    ]
}
