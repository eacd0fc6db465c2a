//! `record export --format asciicast`: the Event Log as an asciicast v2 recording.

use agent_tty_core::asciicast::{self, HeaderData};
use agent_tty_core::manifest::SessionRecord;
use agent_tty_core::paths::{SessionPaths, hex_sha256};
use agent_tty_core::{Result, artifacts, event_log, event_stream, time};
use schemars::JsonSchema;
use serde::Serialize;

use super::{ManifestMetadata, RecordExportResult, Written, export_error, place, resolve_out};
use crate::cli::RecordExportArgs;
use crate::output::Outcome;

/// Writes the cast and its manifest entry.
pub(super) fn export(
    paths: &SessionPaths,
    record: &SessionRecord,
    args: &RecordExportArgs,
) -> Result<Outcome> {
    let paths = paths.clone();
    let failed = || export_error(&paths.id, "asciicast", args.out.as_deref());
    let (records, mut damage) = event_stream::read_records(&paths.events, event_log::MAX_EVENT_LOG_BYTES)
        .map_err(|reason| {
            let mut error = failed().with("reason", reason.as_str());
            error.message = format!("Failed to export session \"{}\" as asciicast: {reason}.", paths.id);
            error
        })?;
    if record.status.is_active() {
        // A host may still be writing the last line.
        damage.forget_torn_tail();
    }
    let created_ms = time::parse_iso(&record.created_at).unwrap_or(0);
    let header = HeaderData {
        width: record.cols,
        height: record.rows,
        session_id: &paths.id,
        fallback_timestamp: created_ms / 1000,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let cast = asciicast::generate(&records, &header).map_err(|_| failed())?;
    let last_seq = records.last().map_or(0, |r| r.seq.get());
    let default_name = format!("recording-{last_seq}-asciicast.cast");
    let target = match args.out.as_deref() {
        Some(out) => resolve_out(out).ok_or_else(failed)?,
        None => paths.artifacts.join(&default_name),
    };
    let staged = artifacts::stage(&target, &cast.bytes)?;
    let sha256 = hex_sha256(&cast.bytes);
    let bytes = cast.bytes.len() as u64;
    let artifact_path = target.display().to_string();
    let metadata = AsciicastMetadata {
        width: record.cols,
        height: record.rows,
        title: paths.id.clone(),
        timestamp: cast.timestamp,
        output_event_count: cast.output_event_count,
        resize_event_count: cast.resize_event_count,
        marker_count: cast.marker_count,
    };
    let written =
        Written { path: &target, explicit_out: args.out.is_some(), last_seq, bytes, sha256: sha256.clone() };
    let manifest =
        ManifestMetadata { format: "asciicast", output_path: &artifact_path, fields: &metadata, extra: () };
    place(&paths, "recording", staged, &written, &manifest)?;
    let result = RecordExportResult {
        session_id: paths.id.clone(),
        format: "asciicast".to_string(),
        artifact_path,
        bytes,
        sha256,
        captured_at_seq: last_seq,
        duration_ms: cast.duration_ms,
        metadata,
        damage: damage.report(),
    };
    Ok(result.outcome())
}

/// An asciicast export's `metadata`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct AsciicastMetadata {
    pub width: u16,
    pub height: u16,
    pub title: String,
    /// The cast header's Unix timestamp (seconds).
    pub timestamp: u64,
    pub output_event_count: u64,
    pub resize_event_count: u64,
    pub marker_count: u64,
}
