//! `agent-tty record export`: the session's Event Log as an asciicast v2 recording, a
//! WebM video or an animated GIF, written to the artifacts directory (or `--out`) and
//! recorded in the artifact manifest. Reads only the log and `session.json`; never
//! talks to the host, so any status works.

mod asciicast;
mod video;

use asciicast::AsciicastMetadata;
use video::VideoMetadata;

use std::path::{Path, PathBuf};

use agent_tty_core::artifacts::{self, ArtifactEntry};
use agent_tty_core::event_stream::DamageReport;
use agent_tty_core::fsio::TempFile;
use agent_tty_core::log_point::{self, Point};
use agent_tty_core::manifest::SessionRecord;
use agent_tty_core::paths::SessionPaths;
use agent_tty_core::{Error, ErrorCode, Result, session};
use schemars::JsonSchema;
use serde::Serialize;

use crate::cli::RecordExportArgs;
use crate::context::Context;
use crate::output::Outcome;

const FORMATS: [&str; 3] = ["asciicast", "webm", "gif"];
const TIMINGS: [&str; 3] = agent_tty_render::video::TimingMode::NAMES;

/// Runs `record export`.
pub fn run(context: &Context, args: &RecordExportArgs) -> Result<Outcome> {
    let request = ExportRequest::from_args(args)?;
    let (paths, record) = session::find(&context.home.path, &args.session.session_id)?;
    Ok(export(context, &paths, &record, &request)?.outcome())
}

/// What to export: `record export`'s options, parsed (from its flags or from a batch
/// `export` step's body).
#[derive(Debug, Clone, Default)]
pub struct ExportRequest {
    /// `asciicast`, `webm` or `gif`.
    pub format: String,
    /// Output file (its directory must exist); `None`: the session's artifacts directory.
    pub out: Option<String>,
    /// Render profile for webm and gif (ignored for asciicast).
    pub profile: Option<String>,
    /// Video timing: recorded, accelerated or max-speed.
    pub timing: Option<String>,
    /// The clip's start (`None`: the log's start).
    pub from: Option<Point>,
    /// The clip's end (`None`: the log's end).
    pub to: Option<Point>,
}

impl ExportRequest {
    /// The request of `record export`'s flags, checked (see [`ExportRequest::check`]).
    pub fn from_args(args: &RecordExportArgs) -> Result<ExportRequest> {
        let format = args.format.clone().unwrap_or_default();
        check_format(&format)?;
        check_timing(args.timing.as_deref())?;
        let clip = Requested::parse(args)?;
        let request = ExportRequest {
            format,
            out: args.out.clone(),
            profile: args.profile.clone(),
            timing: args.timing.clone(),
            from: clip.from,
            to: clip.to,
        };
        request.check()?;
        Ok(request)
    }

    /// What can be checked without the session: the format, the timing, the shape of a
    /// video's profile name, and a clip given as two seqs that is reversed. All
    /// `INVALID_INPUT`.
    pub fn check(&self) -> Result<()> {
        check_format(&self.format)?;
        check_timing(self.timing.as_deref())?;
        if self.format != "asciicast"
            && let Some(name) = self.profile.as_deref()
            && (name.is_empty() || name.chars().count() > 100)
        {
            return Err(Error::invalid_input("Record export profile is invalid.").with("profile", name));
        }
        if let (Some(Point::Seq(from)), Some(Point::Seq(to))) = (self.from, self.to)
            && from > to
        {
            return Err(reversed(from, to));
        }
        Ok(())
    }
}

fn check_format(format: &str) -> Result<()> {
    if FORMATS.contains(&format) {
        return Ok(());
    }
    Err(Error::invalid_input("Record export format must be one of: asciicast, webm, gif.")
        .with("format", format))
}

fn check_timing(timing: Option<&str>) -> Result<()> {
    match timing.filter(|t| !TIMINGS.contains(t)) {
        Some(timing) => {
            Err(Error::invalid_input("Replay timing mode must be one of: recorded, accelerated, max-speed.")
                .with("timing", timing))
        }
        None => Ok(()),
    }
}

fn reversed(from: u64, to: u64) -> Error {
    Error::invalid_input(format!(
        "The clip's start (seq {from}) is after its end (seq {to}): --from-seq/--from-time must \
         come at or before --to-seq/--to-time."
    ))
    .with("fromSeq", from)
    .with("toSeq", to)
}

/// Exports the session's log as `request` says (the whole log, or the clip it names),
/// writes the file and its artifact manifest entry, and returns the result `record
/// export` prints. Reads only the log and `session.json`.
pub fn export(
    context: &Context,
    paths: &SessionPaths,
    record: &SessionRecord,
    request: &ExportRequest,
) -> Result<RecordExportAnyResult> {
    request.check()?;
    let clip = Requested { from: request.from, to: request.to }.resolve(paths)?;
    match request.format.as_str() {
        "asciicast" => asciicast::export(paths, record, request, clip).map(RecordExportAnyResult::Asciicast),
        format => {
            video::export(context, paths, record, request, format, clip).map(RecordExportAnyResult::Video)
        }
    }
}

/// The clip asked for with `--from-seq/--from-time/--to-seq/--to-time`, parsed.
#[derive(Debug, Default)]
struct Requested {
    from: Option<Point>,
    to: Option<Point>,
}

impl Requested {
    /// Parses the clip flags; a flag given both as a seq and a time, or a value that is
    /// neither, is `INVALID_INPUT`.
    fn parse(args: &RecordExportArgs) -> Result<Requested> {
        let point = |seq: &Option<String>, time: &Option<String>, end: &str| -> Result<Option<Point>> {
            match (seq, time) {
                (Some(_), Some(_)) => Err(Error::invalid_input(format!(
                    "--{end}-seq and --{end}-time are mutually exclusive: give the clip's {} as a seq or as a time.",
                    if end == "from" { "start" } else { "end" }
                ))),
                (Some(seq), None) => Point::parse_seq(&format!("--{end}-seq"), seq).map(Some),
                (None, Some(time)) => Point::parse_time(&format!("--{end}-time"), time).map(Some),
                (None, None) => Ok(None),
            }
        };
        let any = |raw: &Option<String>, flag: &str| {
            raw.as_deref().map(|raw| Point::parse_any(flag, raw)).transpose()
        };
        Ok(Requested {
            from: any(&args.from, "--from")?.or(point(&args.from_seq, &args.from_time, "from")?),
            to: any(&args.to, "--to")?.or(point(&args.to_seq, &args.to_time, "to")?),
        })
    }

    /// Resolves the clip against the session's log (`None`: no clip flag, the whole log).
    /// A point outside the log, or a start after the end, is `INVALID_INPUT`.
    fn resolve(&self, paths: &SessionPaths) -> Result<Option<Clip>> {
        if self.from.is_none() && self.to.is_none() {
            return Ok(None);
        }
        let from =
            self.from.map(|point| log_point::resolve(&paths.events, point).map(|r| r.0)).transpose()?;
        // Without --to-*, the clip ends with the log: its last event (-0s).
        let to = log_point::resolve(&paths.events, self.to.unwrap_or(Point::BeforeEnd(0)))?.0;
        if let Some(from) = from.filter(|&from| from > to) {
            return Err(reversed(from, to));
        }
        Ok(Some(Clip { from, to }))
    }
}

/// A clip of the log, resolved to seqs.
#[derive(Debug, Clone, Copy)]
struct Clip {
    /// The clip opens with the screen as it was after this event (`None`: at the log's
    /// start, with the log's first events).
    from: Option<u64>,
    /// The last event it covers.
    to: u64,
}

impl Clip {
    /// The default file name of a clip export: `recording-<from>-<to>-<format>.<ext>`
    /// (`first_seq` when the clip starts with the log), so it never replaces the whole
    /// export `recording-<lastSeq>-…`.
    fn file_name(&self, first_seq: u64, format: &str, extension: &str) -> String {
        format!("recording-{}-{}-{format}.{extension}", self.from.unwrap_or(first_seq), self.to)
    }
}

/// An export file that has been written.
struct Written<'a> {
    /// Its final path.
    path: &'a Path,
    /// Whether `--out` chose the path (the file is then the user's to keep).
    explicit_out: bool,
    /// The last event seq it covers.
    last_seq: u64,
    bytes: u64,
    sha256: String,
}

/// Puts the staged export in place and records its manifest entry (`recording` or
/// `video`). A default-location file is moved into place only after the append
/// succeeded, so a failed append leaves an earlier file of the same name untouched; an
/// explicit `--out` file is placed first and kept whatever the append does.
fn place(
    paths: &SessionPaths,
    kind: &str,
    staged: TempFile,
    written: &Written<'_>,
    metadata: &impl Serialize,
) -> Result<()> {
    let metadata = artifacts::metadata_of(metadata);
    let filename = written.path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let entry = ArtifactEntry {
        sha256: Some(written.sha256.clone()),
        bytes: Some(written.bytes),
        ..ArtifactEntry::new(kind, filename, &paths.id, written.last_seq, metadata)
    };
    if written.explicit_out {
        staged.persist(written.path)?;
        artifacts::append(&paths.artifacts, &paths.id, entry)
    } else {
        artifacts::append_then_place(&paths.artifacts, &paths.id, entry, staged, written.path)
    }
}

/// The result of `record export`: `metadata` is [`AsciicastMetadata`] or
/// [`VideoMetadata`]; `damage` only when the log is damaged.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordExportResult<M> {
    /// The session.
    pub session_id: String,
    /// `asciicast`, `webm` or `gif`.
    pub format: String,
    /// Where the export was written.
    pub artifact_path: String,
    /// Its size.
    pub bytes: u64,
    /// Its SHA-256 (hex).
    pub sha256: String,
    /// The last event seq it covers.
    pub captured_at_seq: u64,
    /// The recorded time it covers.
    pub duration_ms: u64,
    /// Format-specific facts.
    pub metadata: M,
    /// What the read of a damaged log skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub damage: Option<DamageReport>,
    /// Only for a clip (`--from-*`/`--to-*`): the seq it starts at (it opens with the
    /// screen as it was after this event; the log's first event when only the end was
    /// given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_seq: Option<u64>,
    /// Only for a clip: the last event seq it covers (as `capturedAtSeq`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_seq: Option<u64>,
}

/// The result of `record export` (and of a batch `export` step): either shape of
/// `metadata`, serialised as the result itself.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
#[allow(missing_docs)]
pub enum RecordExportAnyResult {
    Asciicast(RecordExportResult<AsciicastMetadata>),
    Video(RecordExportResult<VideoMetadata>),
}

impl RecordExportAnyResult {
    /// The outcome: the human lines (with the damage warning, if any) and this result.
    pub fn outcome(self) -> Outcome {
        match self {
            RecordExportAnyResult::Asciicast(result) => result.outcome(),
            RecordExportAnyResult::Video(result) => result.outcome(),
        }
    }
}

impl<M: Serialize + 'static> RecordExportResult<M> {
    /// The outcome: the human lines (with the damage warning, if any) and this result.
    fn outcome(self) -> Outcome {
        let mut human = vec![
            format!("Session ID: {}", self.session_id),
            format!("Format: {}", self.format),
            format!("Captured At Seq: {}", self.captured_at_seq),
            format!("Artifact Path: {}", self.artifact_path),
            format!("Bytes: {}", self.bytes),
            format!("SHA256: {}", self.sha256),
            format!("Duration: {} ms", self.duration_ms),
        ];
        if let (Some(from), Some(to)) = (self.from_seq, self.to_seq) {
            human.push(format!("Clip: seq {from} to {to}"));
        }
        human.extend(self.damage.as_ref().map(DamageReport::summary));
        Outcome::new(self, human)
    }
}

/// An export's artifact manifest metadata: `format` and `outputPath`, then `fields`
/// (the result's `metadata`), then `extra` (facts only the manifest records).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ManifestMetadata<'a, M, E> {
    format: &'a str,
    output_path: &'a str,
    #[serde(flatten)]
    fields: &'a M,
    #[serde(flatten)]
    extra: E,
    /// Only for a clip: the range it covers.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    clip: Option<ClipKeys>,
}

/// A clip's range, as its manifest entry records it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClipKeys {
    from_seq: u64,
    to_seq: u64,
}

/// `realpath(parent(out))/basename(out)`, when the parent is an existing, writable
/// directory and the path is not a directory; relative paths resolve against the
/// working directory.
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
    let target = parent.join(name);
    // An existing directory cannot be replaced by the export.
    (!target.is_dir()).then_some(target)
}

fn is_writable(dir: &Path) -> bool {
    rustix::fs::access(dir, rustix::fs::Access::WRITE_OK).is_ok()
}

fn export_error(id: &str, format: &str, out: Option<&str>) -> Error {
    let error = Error::new(ErrorCode::ExportError, format!("Failed to export session \"{id}\" as {format}."))
        .with("sessionId", id)
        .with("format", format);
    match out {
        Some(out) => error.with("out", out),
        None => error,
    }
}
