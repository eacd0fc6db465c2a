//! `record export --format asciicast`: the Event Log as an asciicast v2 recording.

use agent_tty_core::asciicast::{self, HeaderData};
use agent_tty_core::manifest::SessionRecord;
use agent_tty_core::paths::{SessionPaths, hex_sha256};
use agent_tty_core::{Result, artifacts, event_log, event_stream, time};
use serde_json::{Map, json};

use super::{Written, export_error, place, report_damage, resolve_out};
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
    let last_seq = records.last().map_or(0, |r| r.seq);
    let default_name = format!("recording-{last_seq}-asciicast.cast");
    let target = match args.out.as_deref() {
        Some(out) => resolve_out(out).ok_or_else(failed)?,
        None => paths.artifacts.join(&default_name),
    };
    let staged = artifacts::stage(&target, &cast.bytes)?;
    let sha256 = hex_sha256(&cast.bytes);
    let bytes = cast.bytes.len() as u64;
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
    let written =
        Written { path: &target, explicit_out: args.out.is_some(), last_seq, bytes, sha256: sha256.clone() };
    place(&paths, "recording", staged, &written, metadata)?;
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
    Ok(report_damage(&damage, result, human))
}
