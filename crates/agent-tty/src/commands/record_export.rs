//! `agent-tty record export`: the session's Event Log as an asciicast v2 recording,
//! written to the artifacts directory (or `--out`) and recorded in the artifact manifest.
//! Reads only the log and `session.json`; never talks to the host, so any status works.
//! `webm` and `gif` are recognised but not in this build yet.

use std::path::{Path, PathBuf};

use agent_tty_core::artifacts::{self, ArtifactEntry};
use agent_tty_core::asciicast::{self, HeaderData};
use agent_tty_core::paths::{SessionPaths, hex_sha256};
use agent_tty_core::{Error, ErrorCode, Result, event_log, fsio, session, time};
use serde_json::{Map, Value, json};

use crate::cli::RecordExportArgs;
use crate::context::Context;
use crate::output::Outcome;

const FORMATS: [&str; 3] = ["asciicast", "webm", "gif"];
const TIMINGS: [&str; 3] = ["recorded", "accelerated", "max-speed"];

/// Runs `record export`.
pub fn run(context: &Context, args: &RecordExportArgs) -> Result<Outcome> {
    let format = args.format.as_deref().unwrap_or("");
    if !FORMATS.contains(&format) {
        return Err(Error::invalid_input("Record export format must be one of: asciicast, webm, gif.")
            .with("format", format));
    }
    if let Some(timing) = args.timing.as_deref().filter(|t| !TIMINGS.contains(t)) {
        return Err(Error::invalid_input(
            "Replay timing mode must be one of: recorded, accelerated, max-speed.",
        )
        .with("timing", timing));
    }
    let (paths, record) = session::find(&context.home.path, &args.session_id)?;
    if format != "asciicast" {
        return Err(Error::new(
            ErrorCode::ExportError,
            format!("Video export ({format}) is not available in this build yet; use --format asciicast."),
        )
        .with("sessionId", paths.id.as_str())
        .with("format", format));
    }
    let failed = || export_error(&paths.id, args.out.as_deref());
    let records = event_log::read_all(&paths.events).map_err(|e| match e.code {
        ErrorCode::ReplayError => failed(),
        _ => e,
    })?;
    let created_ms = time::parse_iso(&record.created_at).unwrap_or(0);
    let header = HeaderData {
        width: record.cols,
        height: record.rows,
        session_id: &paths.id,
        fallback_timestamp: created_ms / 1000,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let cast = asciicast::generate(&records, &header).map_err(|_| failed())?;
    let last_seq = records.last().map_or(0, |r| r.seq);
    let default_name = format!("recording-{last_seq}-asciicast.cast");
    let target = match args.out.as_deref() {
        Some(out) => resolve_out(out).ok_or_else(failed)?,
        None => paths.artifacts.join(&default_name),
    };
    fsio::write_atomic(&target, &cast.bytes)?;
    let sha256 = hex_sha256(&cast.bytes);
    let bytes = cast.bytes.len() as u64;
    let filename = target.file_name().map_or(default_name, |name| name.to_string_lossy().into_owned());
    let artifact_path = target.display().to_string();
    let mut metadata = Map::new();
    metadata.insert("format".into(), json!("asciicast"));
    metadata.insert("outputPath".into(), json!(artifact_path));
    metadata.insert("width".into(), json!(record.cols));
    metadata.insert("height".into(), json!(record.rows));
    metadata.insert("title".into(), json!(paths.id));
    metadata.insert("timestamp".into(), json!(cast.timestamp));
    metadata.insert("outputEventCount".into(), json!(cast.output_event_count));
    metadata.insert("resizeEventCount".into(), json!(cast.resize_event_count));
    metadata.insert("markerCount".into(), json!(cast.marker_count));
    append_entry(&paths, &target, args.out.is_some(), filename, last_seq, &sha256, bytes, metadata)?;
    let result = json!({
        "sessionId": paths.id,
        "format": "asciicast",
        "artifactPath": artifact_path,
        "bytes": bytes,
        "sha256": sha256,
        "capturedAtSeq": last_seq,
        "durationMs": cast.duration_ms,
        "metadata": {
            "width": record.cols,
            "height": record.rows,
            "title": paths.id,
            "timestamp": cast.timestamp,
            "outputEventCount": cast.output_event_count,
            "resizeEventCount": cast.resize_event_count,
            "markerCount": cast.marker_count,
        },
    });
    let human = vec![
        format!("Session ID: {}", paths.id),
        "Format: asciicast".to_string(),
        format!("Captured At Seq: {last_seq}"),
        format!("Artifact Path: {artifact_path}"),
        format!("Bytes: {bytes}"),
        format!("SHA256: {sha256}"),
        format!("Duration: {} ms", cast.duration_ms),
    ];
    Ok(Outcome::new(result, human))
}

/// Appends the `recording` manifest entry; on failure a default-location file is
/// deleted, an explicit `--out` file is kept.
#[allow(clippy::too_many_arguments)]
fn append_entry(
    paths: &SessionPaths,
    target: &Path,
    explicit_out: bool,
    filename: String,
    last_seq: u64,
    sha256: &str,
    bytes: u64,
    metadata: Map<String, Value>,
) -> Result<()> {
    let entry = ArtifactEntry {
        sha256: Some(sha256.to_string()),
        bytes: Some(bytes),
        ..ArtifactEntry::new("recording", filename, &paths.id, last_seq, metadata)
    };
    // An explicit `--out` file is the user's: it stays even if the manifest update fails.
    let written = (!explicit_out).then_some(target);
    artifacts::append_or_discard(&paths.artifacts, &paths.id, entry, written)
}

/// `realpath(parent(out))/basename(out)`, when the parent is an existing, writable
/// directory; relative paths resolve against the working directory.
fn resolve_out(out: &str) -> Option<PathBuf> {
    let path = Path::new(out);
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let parent = std::fs::canonicalize(parent).ok()?;
    if !parent.is_dir() || !is_writable(&parent) {
        return None;
    }
    Some(parent.join(name))
}

#[allow(unsafe_code)]
fn is_writable(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c_path) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else { return false };
    // SAFETY: a valid NUL-terminated path; access does not keep the pointer.
    unsafe { libc::access(c_path.as_ptr(), libc::W_OK) == 0 }
}

fn export_error(id: &str, out: Option<&str>) -> Error {
    let error =
        Error::new(ErrorCode::ExportError, format!("Failed to export session \"{id}\" as asciicast."))
            .with("sessionId", id)
            .with("format", "asciicast");
    match out {
        Some(out) => error.with("out", out),
        None => error,
    }
}
