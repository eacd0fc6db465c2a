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
use agent_tty_core::client::call_typed;
use agent_tty_core::event_stream::DamageReport;
use agent_tty_core::manifest::Status;
use agent_tty_core::paths::SessionPaths;
use agent_tty_core::protocol::method::Snapshot;
use agent_tty_core::protocol::{Format, SnapshotParams};
use agent_tty_core::{Error, ErrorCode, Result, env, replay, session};
use agent_tty_render::{Profile, RENDERER_BACKEND, sha256_hex};
use agent_tty_vt::SnapshotOptions;
use schemars::JsonSchema;
use serde::Serialize;

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
    let at = crate::commands::snapshot::point_of(&args.at)?;
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
    let live_seq = if let Some(point) = at {
        // A past screen: replayed from the log whether the host runs or not.
        Some(agent_tty_core::log_point::resolve(&paths.events, point)?.0)
    } else if running {
        let params = SnapshotParams { format: Some(Format::Text), ..SnapshotParams::default() };
        match call_typed::<Snapshot>(&paths, &params) {
            Ok(result) => Some(result.captured_at_seq.0),
            Err(e) if e.code == ErrorCode::HostUnreachable => None,
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    let mut replayed = replay::replay_visible(&paths, &record, live_seq)?;
    if running && (live_seq.is_none() || at.is_some()) {
        // A host that did not answer may still be writing its last line.
        replayed.damage.forget_torn_tail();
    }
    // The seq of what was actually replayed (a corrupt line can stop replay early).
    let seq = replayed.last_seq.unwrap_or(0);
    let snapshot = replayed.screen.snapshot(SnapshotOptions { scrollback: false, cells: true });
    // The cursor is drawn when asked for and the program shows it (a TUI such as `top`
    // hides it with `ESC[?25l`); `cursorVisible` says whether it was drawn.
    let draw_cursor = args.show_cursor && snapshot.cursor_visible;
    let Png { path, sha256, metadata } = write_png(&paths, &snapshot, seq, &profile, draw_cursor)?;
    let result = ScreenshotResult {
        session_id: paths.id.clone(),
        captured_at_seq: seq,
        profile_name: metadata.profile_name,
        cols: metadata.cols,
        rows: metadata.rows,
        artifact_path: path.display().to_string(),
        png_size_bytes: metadata.png_size_bytes,
        cursor_visible: metadata.cursor_visible,
        renderer_backend: metadata.renderer_backend,
        pixel_width: metadata.pixel_width,
        pixel_height: metadata.pixel_height,
        sha256,
        render_profile_hash: metadata.render_profile_hash,
        damage: replayed.damage.report(),
    };
    let mut human = human_lines(&result);
    if args.show_cursor && !draw_cursor {
        human.push("Cursor: not drawn (the program hides it)".into());
    }
    human.extend(replayed.damage.summary());
    Ok(crate::commands::redactions::with_redactions(Outcome::new(result, human), &paths))
}

/// A PNG written into the session's artifacts and recorded in its manifest.
pub(crate) struct Png {
    /// Where it is.
    pub path: std::path::PathBuf,
    /// Its SHA-256 (hex).
    pub sha256: String,
    /// What the manifest records about it.
    pub metadata: ScreenshotMetadata,
}

/// Renders `snapshot` (taken with cells) as the screen at `seq` into
/// `artifacts/screenshot-<seq>-<profile>.png` and records it in the artifact manifest.
pub(crate) fn write_png(
    paths: &SessionPaths,
    snapshot: &agent_tty_vt::Snapshot,
    seq: u64,
    profile: &Profile,
    draw_cursor: bool,
) -> Result<Png> {
    if let Err(e) = agent_tty_render::canvas_size(snapshot.cols, snapshot.rows) {
        return Err(Error::new(ErrorCode::ExportError, format!("Cannot take a screenshot: {}.", e.0))
            .with("cols", snapshot.cols)
            .with("rows", snapshot.rows)
            .with("maxPixels", agent_tty_render::MAX_CANVAS_PIXELS));
    }
    let rendered = agent_tty_render::render(snapshot, profile, draw_cursor)
        .map_err(|e| Error::internal(format!("Screenshot render failed: {e}")))?;
    let filename = format!("screenshot-{seq}-{}.png", artifacts::sanitize_name(profile.name));
    let path = paths.artifacts.join(&filename);
    let staged = artifacts::stage(&path, &rendered.png)?;
    let sha256 = sha256_hex(&rendered.png);
    let metadata = ScreenshotMetadata {
        profile_name: profile.name,
        cols: snapshot.cols,
        rows: snapshot.rows,
        png_size_bytes: rendered.png.len(),
        cursor_visible: draw_cursor,
        renderer_backend: RENDERER_BACKEND,
        pixel_width: rendered.width,
        pixel_height: rendered.height,
        render_profile_hash: profile.cached_hash(),
    };
    let entry = ArtifactEntry {
        sha256: Some(sha256.clone()),
        ..ArtifactEntry::new("screenshot", filename, &paths.id, seq, artifacts::metadata_of(&metadata))
    };
    artifacts::append_then_place(&paths.artifacts, &paths.id, entry, staged, &path)?;
    Ok(Png { path, sha256, metadata })
}

/// The result of `screenshot`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ScreenshotResult {
    pub session_id: String,
    /// The seq of the last event drawn.
    pub captured_at_seq: u64,
    pub profile_name: &'static str,
    pub cols: u16,
    pub rows: u16,
    /// The PNG.
    pub artifact_path: String,
    pub png_size_bytes: usize,
    /// Whether the cursor was drawn.
    pub cursor_visible: bool,
    pub renderer_backend: &'static str,
    pub pixel_width: u32,
    pub pixel_height: u32,
    /// The PNG's SHA-256 (hex).
    pub sha256: String,
    pub render_profile_hash: String,
    /// What the replay of a damaged log skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub damage: Option<DamageReport>,
}

/// A screenshot's artifact manifest metadata.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScreenshotMetadata {
    pub profile_name: &'static str,
    pub cols: u16,
    pub rows: u16,
    pub png_size_bytes: usize,
    pub cursor_visible: bool,
    pub renderer_backend: &'static str,
    pub pixel_width: u32,
    pub pixel_height: u32,
    pub render_profile_hash: String,
}

fn human_lines(result: &ScreenshotResult) -> Vec<String> {
    vec![
        format!("Session ID: {}", result.session_id),
        format!("Captured At Seq: {}", result.captured_at_seq),
        format!("Profile: {}", result.profile_name),
        format!("Size: {}x{}", result.cols, result.rows),
        format!("PNG Path: {}", result.artifact_path),
        format!("PNG Size: {} bytes", result.png_size_bytes),
        format!("Renderer backend: {}", result.renderer_backend),
        format!("Pixel dimensions: {}\u{d7}{}", result.pixel_width, result.pixel_height),
        format!("SHA-256: {}", result.sha256),
        format!("Render profile hash: {}", result.render_profile_hash),
    ]
}
