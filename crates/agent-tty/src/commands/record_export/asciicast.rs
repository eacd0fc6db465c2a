//! `record export --format asciicast`: the Event Log as an asciicast v2 recording.

use agent_tty_core::asciicast::{self, ClipStart, HeaderData};
use agent_tty_core::manifest::SessionRecord;
use agent_tty_core::paths::{SessionPaths, hex_sha256};
use agent_tty_core::{Result, artifacts, event_log, event_stream, replay, time};
use schemars::JsonSchema;
use serde::Serialize;

use super::{
    Clip, ClipKeys, ExportRequest, ManifestMetadata, RecordExportResult, Written, export_error, place,
    resolve_out,
};

/// Writes the cast and its manifest entry.
pub(super) fn export(
    paths: &SessionPaths,
    record: &SessionRecord,
    request: &ExportRequest,
    clip: Option<Clip>,
) -> Result<RecordExportResult<AsciicastMetadata>> {
    let paths = paths.clone();
    let failed = || export_error(&paths.id, "asciicast", request.out.as_deref());
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
    // A clip opens with the screen at its start, at that size; one that starts with the
    // log, at the creation size. (A whole recording keeps the reference's header: the
    // session's current size.)
    let opening = match clip.and_then(|c| c.from) {
        Some(from) => {
            let replayed = replay::replay_visible(&paths, record, Some(from))?;
            Some((replayed.screen.size(), replayed.screen.redraw_sequence()))
        }
        None => None,
    };
    let (width, height) = match (&opening, clip) {
        (Some((size, _)), _) => *size,
        (None, Some(_)) => {
            (record.creation_cols.unwrap_or(record.cols), record.creation_rows.unwrap_or(record.rows))
        }
        (None, None) => (record.cols, record.rows),
    };
    let header = HeaderData {
        width,
        height,
        session_id: &paths.id,
        fallback_timestamp: created_ms / 1000,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let range = clip.map(|c| asciicast::Clip {
        from: c.from.zip(opening.as_ref()).map(|(seq, (_, opening))| ClipStart { seq, opening }),
        to_seq: c.to,
    });
    let cast = asciicast::generate_clip(&records, &header, range.as_ref()).map_err(|_| failed())?;
    let first_seq = records.first().map_or(0, |r| r.seq.get());
    let last_seq = match clip {
        Some(clip) => {
            records.iter().map(|r| r.seq.get()).take_while(|&seq| seq <= clip.to).last().unwrap_or(clip.to)
        }
        None => records.last().map_or(0, |r| r.seq.get()),
    };
    let default_name = match clip {
        Some(clip) => clip.file_name(first_seq, "asciicast", "cast"),
        None => format!("recording-{last_seq}-asciicast.cast"),
    };
    let target = match request.out.as_deref() {
        Some(out) => resolve_out(out).ok_or_else(failed)?,
        None => paths.artifacts.join(&default_name),
    };
    let staged = artifacts::stage(&target, &cast.bytes)?;
    let sha256 = hex_sha256(&cast.bytes);
    let bytes = cast.bytes.len() as u64;
    let artifact_path = target.display().to_string();
    let metadata = AsciicastMetadata {
        width,
        height,
        title: paths.id.clone(),
        timestamp: cast.timestamp,
        output_event_count: cast.output_event_count,
        resize_event_count: cast.resize_event_count,
        marker_count: cast.marker_count,
    };
    let written = Written {
        path: &target,
        explicit_out: request.out.is_some(),
        last_seq,
        bytes,
        sha256: sha256.clone(),
    };
    let keys = clip.map(|c| ClipKeys { from_seq: c.from.unwrap_or(first_seq), to_seq: last_seq });
    let manifest = ManifestMetadata {
        format: "asciicast",
        output_path: &artifact_path,
        fields: &metadata,
        extra: (),
        clip: keys,
    };
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
        from_seq: clip.map(|c| c.from.unwrap_or(first_seq)),
        to_seq: clip.map(|_| last_seq),
    };
    Ok(result)
}

/// An asciicast export's `metadata`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
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
