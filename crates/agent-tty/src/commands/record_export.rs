//! `agent-tty record export`: the session's Event Log as an asciicast v2 recording, a
//! WebM video or an animated GIF, written to the artifacts directory (or `--out`) and
//! recorded in the artifact manifest. Reads only the log and `session.json`; never
//! talks to the host, so any status works.

mod asciicast;
mod video;

use std::path::{Path, PathBuf};

use agent_tty_core::artifacts::{self, ArtifactEntry};
use agent_tty_core::event_stream::Damage;
use agent_tty_core::fsio::TempFile;
use agent_tty_core::paths::SessionPaths;
use agent_tty_core::{Error, ErrorCode, Result, session};
use serde_json::{Map, Value};

use crate::cli::RecordExportArgs;
use crate::context::Context;
use crate::output::Outcome;

const FORMATS: [&str; 3] = ["asciicast", "webm", "gif"];
const TIMINGS: [&str; 3] = agent_tty_render::video::TimingMode::NAMES;

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
    let (paths, record) = session::find(&context.home.path, &args.session.session_id)?;
    match format {
        "asciicast" => asciicast::export(&paths, &record, args),
        _ => video::export(context, &paths, &record, args, format),
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
    metadata: Map<String, Value>,
) -> Result<()> {
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

/// Adds a log's damage to an export's result and human lines (nothing when clean).
fn report_damage(damage: &Damage, mut result: Value, human: Vec<String>) -> Outcome {
    if let (Some(json), Value::Object(map)) = (damage.to_json(), &mut result) {
        map.insert("damage".into(), json);
    }
    let mut outcome = Outcome::new(result, human);
    outcome.human.extend(damage.summary());
    outcome
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
