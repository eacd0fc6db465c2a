//! `record export --format webm|gif`: the Event Log replayed into frames (no browser,
//! no host) and streamed to the encoder, so memory stays flat however long the
//! session is. The file is written unnamed (`TempFile`) and moved into place when
//! complete, so a failed or killed export leaves nothing behind.

use std::io::{BufWriter, Seek, Write};
use std::path::Path;

use agent_tty_core::event_stream::{self, DamageReport, StreamError, StreamEvent, StreamedLine};
use agent_tty_core::manifest::SessionRecord;
use agent_tty_core::paths::{SessionPaths, hex_sha256_read};
use agent_tty_core::{Error, ErrorCode, Result, fsio};
use agent_tty_render::video::{
    self, ExportSummary, Exporter, FrameSink, ReplayEvent, TimingMode, VideoError,
};
use agent_tty_render::{Profile, RENDERER_BACKEND};
use schemars::JsonSchema;
use serde::Serialize;

use super::{
    Clip, ClipKeys, ExportRequest, ManifestMetadata, RecordExportResult, Written, export_error, place,
    resolve_out,
};
use crate::commands::screenshot::requested_profile;
use crate::context::Context;

/// Events between two returns of freed memory to the system.
const TRIM_EVERY: u64 = 1024;

/// Hands freed heap pages back to the system. Every frame allocates and frees a
/// snapshot's cells; glibc keeps such freed pages, so without this the exporter's RSS
/// creeps up with the session's length (~0.8 MB a minute of a busy session) although
/// its live heap stays flat.
#[allow(unsafe_code)]
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; no pointers are involved.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// What the replay saw, besides the frames.
#[derive(Debug, Default)]
struct LogFacts {
    events: u64,
    /// The first event seq the video covers (a clip's start).
    first_seq: u64,
    last_seq: u64,
    first_ts: Option<u64>,
    last_ts: u64,
    output_events: u64,
    resize_events: u64,
    damage: event_stream::Damage,
}

/// Writes the video and its manifest entry.
pub(super) fn export(
    context: &Context,
    paths: &SessionPaths,
    record: &SessionRecord,
    request: &ExportRequest,
    format: &str,
    clip: Option<Clip>,
) -> Result<RecordExportResult<VideoMetadata>> {
    let name = requested_profile(context, request.profile.as_deref());
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid_input("Record export profile is invalid.").with("profile", name.as_str()));
    }
    let failed =
        |reason: String| export_error(&paths.id, format, request.out.as_deref()).with("reason", reason);
    let Some(profile) = Profile::resolve(&name) else {
        return Err(failed(format!(
            "unknown render profile {name:?} (profiles: {})",
            agent_tty_render::PROFILE_NAMES.join(", ")
        )));
    };
    let mode =
        TimingMode::parse(request.timing.as_deref().unwrap_or("recorded")).unwrap_or(TimingMode::Recorded);
    let extension = format;
    let explicit = match request.out.as_deref() {
        Some(out) => {
            if !out.ends_with(&format!(".{extension}")) {
                return Err(failed(format!("the output path must end in .{extension}")));
            }
            Some(
                resolve_out(out)
                    .ok_or_else(|| failed("the output's directory must exist and be writable".to_string()))?,
            )
        }
        None => None,
    };
    if format == "webm"
        && let Some(why) = video::webm_unavailable()
    {
        // The contract's export error, with a message that says what to do.
        let mut error = export_error(&paths.id, format, request.out.as_deref()).with("reason", why);
        error.message = format!(
            "WebM export is not available in this build: {why}. Install libvpx-dev and pkg-config \
             (Debian/Ubuntu: apt-get install libvpx-dev pkg-config) and rebuild agent-tty, or export \
             with --format gif or --format asciicast."
        );
        return Err(error);
    }
    let dir = explicit.as_deref().and_then(Path::parent).unwrap_or(&paths.artifacts).to_path_buf();
    std::fs::create_dir_all(&dir).map_err(|e| Error::storage_write(&dir, &e))?;
    let mut temp = fsio::TempFile::new_in(&dir, &format!("recording-{format}"))?;
    let (facts, summary, pixels) = encode(paths, record, format, profile.clone(), mode, clip, temp.file())
        .map_err(|e| match e {
            Failure::Cli(error) => error,
            Failure::Export(reason) => failed(reason),
            Failure::Damaged(reason, damage) => {
                let mut error = failed(reason.clone()).with_fields(&DamageDetails { damage });
                error.message = format!("Failed to export session \"{}\" as {format}: {reason}.", paths.id);
                error
            }
        })?;
    let target = explicit.unwrap_or_else(|| {
        paths.artifacts.join(match clip {
            Some(clip) => clip.file_name(facts.first_seq, format, format),
            None => format!("recording-{}-{format}.{format}", facts.last_seq),
        })
    });
    // Size and hash come from the finished temporary file, so a failure here leaves no
    // file without a manifest entry.
    let file = temp.file();
    let read_error = |e: std::io::Error| Error::storage_read(&target, &e);
    file.rewind().map_err(read_error)?;
    let bytes = file.metadata().map_err(read_error)?.len();
    let sha256 = hex_sha256_read(&mut *file).map_err(read_error)?;
    let artifact_path = target.display().to_string();
    let duration_ms = facts.last_ts - facts.first_ts.unwrap_or(facts.last_ts);
    let profile_hash = profile.cached_hash();
    let metadata = VideoMetadata {
        width: summary.cols,
        height: summary.rows,
        profile_name: profile.name,
        render_profile_hash: profile_hash,
        timing_mode: mode.name(),
        renderer_backend: RENDERER_BACKEND,
        output_event_count: facts.output_events,
        resize_event_count: facts.resize_events,
    };
    let extra = VideoManifestExtra {
        codec: if format == "webm" { "vp9" } else { "gif" },
        frame_count: summary.frames,
        video_duration_ms: summary.video_ms,
        pixel_width: pixels.0,
        pixel_height: pixels.1,
    };
    let written = Written {
        path: &target,
        explicit_out: request.out.is_some(),
        last_seq: facts.last_seq,
        bytes,
        sha256: sha256.clone(),
    };
    let from_seq = clip.map(|c| c.from.unwrap_or(facts.first_seq));
    let keys = from_seq.map(|from_seq| ClipKeys { from_seq, to_seq: facts.last_seq });
    let manifest =
        ManifestMetadata { format, output_path: &artifact_path, fields: &metadata, extra, clip: keys };
    place(paths, "video", temp, &written, &manifest)?;
    let result = RecordExportResult {
        session_id: paths.id.clone(),
        format: format.to_string(),
        artifact_path,
        bytes,
        sha256,
        captured_at_seq: facts.last_seq,
        duration_ms,
        metadata,
        damage: facts.damage.report(),
        from_seq,
        to_seq: clip.map(|_| facts.last_seq),
    };
    Ok(result)
}

/// A video export's `metadata`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct VideoMetadata {
    pub width: u16,
    pub height: u16,
    pub profile_name: &'static str,
    pub render_profile_hash: String,
    /// `recorded`, `accelerated` or `max-speed`.
    pub timing_mode: &'static str,
    pub renderer_backend: &'static str,
    pub output_event_count: u64,
    pub resize_event_count: u64,
}

/// What a video's artifact manifest entry records beyond the result's `metadata`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VideoManifestExtra {
    codec: &'static str,
    frame_count: u64,
    video_duration_ms: u64,
    pixel_width: u32,
    pixel_height: u32,
}

enum Failure {
    /// An error that passes through unchanged (storage errors).
    Cli(Error),
    /// Anything else: wrapped as `EXPORT_ERROR` with this reason.
    Export(String),
    /// A log whose damage left nothing to export: the reason and the `damage` object.
    Damaged(String, DamageReport),
}

/// The `damage` entry of an export error.
#[derive(Serialize)]
struct DamageDetails {
    damage: DamageReport,
}

impl From<VideoError> for Failure {
    fn from(error: VideoError) -> Failure {
        Failure::Export(error.0)
    }
}

/// Replays the log into `file` and returns what it saw, the summary and the pixel size.
fn encode(
    paths: &SessionPaths,
    record: &SessionRecord,
    format: &str,
    profile: Profile,
    mode: TimingMode,
    clip: Option<Clip>,
    file: &mut std::fs::File,
) -> std::result::Result<(LogFacts, ExportSummary, (u32, u32)), Failure> {
    let start = (record.creation_cols.unwrap_or(record.cols), record.creation_rows.unwrap_or(record.rows));
    // The log as it is now: a host may still be appending to it.
    let limit = std::fs::metadata(&paths.events).map(|m| m.len()).ok();
    let largest = event_stream::max_size(&paths.events, limit, start);
    // The replayed screen never exceeds the emulator's limit, whatever the log says.
    let largest = (largest.0.min(agent_tty_vt::MAX_COLS), largest.1.min(agent_tty_vt::MAX_ROWS));
    let pixels = video::frame_size(largest.0.max(start.0), largest.1.max(start.1));
    if u64::from(pixels.0) * u64::from(pixels.1) > video::MAX_FRAME_PIXELS {
        return Err(Failure::Export(format!(
            "the terminal grew to {}x{} cells, a {}x{} px video; videos are limited to {} megapixels",
            largest.0,
            largest.1,
            pixels.0,
            pixels.1,
            video::MAX_FRAME_PIXELS >> 20
        )));
    }
    let mut out = BufWriter::with_capacity(1 << 16, file);
    let mut sink: Box<dyn FrameSink + '_> = match format {
        "webm" => video::webm_sink(&mut out, pixels.0, pixels.1)?,
        _ => Box::new(video::gif::GifSink::new(&mut out, pixels.0, pixels.1)?),
    };
    let mut facts = LogFacts::default();
    let mut exporter = Exporter::new(start, largest, profile, mode, sink.as_mut())?;
    let streamed = event_stream::stream(&paths.events, limit, |line: StreamedLine<'_>| {
        let seq = line.seq.get();
        let event = match &line.event {
            StreamEvent::Output(data) => ReplayEvent::Output(data.as_bytes()),
            StreamEvent::Resize { cols, rows } => ReplayEvent::Resize { cols: *cols, rows: *rows },
            StreamEvent::Other => ReplayEvent::Other,
        };
        if let Some(clip) = clip {
            if seq > clip.to {
                // After the clip (the log is still read to its end for the damage report).
                return Ok(());
            }
            if clip.from.is_some_and(|from| seq < from) {
                // Before the clip: builds the screen it opens with, paints nothing.
                exporter.skip(line.ts_ms, event);
                return Ok(());
            }
        }
        facts.events += 1;
        if facts.first_ts.is_none() {
            facts.first_seq = seq;
        }
        facts.last_seq = seq;
        facts.first_ts.get_or_insert(line.ts_ms);
        facts.last_ts = facts.last_ts.max(line.ts_ms);
        // A clip's start event is part of its opening picture, not of what it shows happen.
        if clip.is_none_or(|clip| clip.from != Some(seq)) {
            match event {
                ReplayEvent::Output(_) => facts.output_events += 1,
                ReplayEvent::Resize { .. } => facts.resize_events += 1,
                ReplayEvent::Other => {}
            }
        }
        if facts.events.is_multiple_of(TRIM_EVERY) {
            release_free_memory();
        }
        exporter.event(line.ts_ms, event)
    });
    match streamed {
        Ok(streamed) if streamed.events == 0 => {
            let Some((report, (line, why))) = streamed.damage.report().zip(streamed.damage.first_bad())
            else {
                return Err(Failure::Export("the session has no events to replay".to_string()));
            };
            let reason = format!(
                "the event log has no usable events: {} damaged line(s) skipped, the first at line {line}: {why}",
                streamed.damage.total_skipped()
            );
            return Err(Failure::Damaged(reason, report));
        }
        Ok(streamed) => {
            facts.damage = streamed.damage;
            if record.status.is_active() {
                // A host may still be writing the last line.
                facts.damage.forget_torn_tail();
            }
        }
        Err(StreamError::Io(why)) => {
            let error = Error::new(ErrorCode::StorageReadError, format!("{}: {why}", paths.events.display()));
            return Err(Failure::Cli(error.with("path", paths.events.display().to_string())));
        }
        Err(StreamError::Visitor(error)) => return Err(error.into()),
    }
    let summary = exporter.finish()?;
    drop(sink);
    out.flush().map_err(|e| Failure::Export(format!("cannot write the video: {e}")))?;
    Ok((facts, summary, pixels))
}
