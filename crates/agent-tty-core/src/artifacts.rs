//! The artifact manifest `artifacts/manifest.json` and its health as `inspect` reports it,
//! and the capture protocol: a new artifact file is staged under a temporary name and
//! moved into place only after its manifest entry was appended ([`stage`],
//! [`append_then_place`]), so a failed capture never removes or replaces an earlier file.
//!
//! Captures stay O(1) in the number of earlier ones (see [`summary`]): an append copies
//! the manifest's bytes in the kernel and adds the new entry's text before its closing
//! brackets, without reading or parsing the entries, and `inspect` counts from a summary
//! kept beside the manifest instead of parsing it. The manifest stays the 0.5 file —
//! the same pretty JSON, byte for byte, replaced atomically on every append — so a 0.5
//! reader sees every artifact.

mod summary;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, Result};
use crate::fsio::TempFile;

/// One artifact entry (strict, in schema order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ArtifactEntry {
    pub id: String,
    pub kind: String,
    pub filename: String,
    pub session_id: String,
    pub captured_at_seq: u64,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    pub metadata: Map<String, Value>,
}

impl ArtifactEntry {
    /// A new entry with a fresh id, created now; `sha256`/`bytes` start empty.
    pub fn new(
        kind: &str,
        filename: String,
        session_id: &str,
        captured_at_seq: u64,
        metadata: Map<String, Value>,
    ) -> ArtifactEntry {
        ArtifactEntry {
            id: crate::fsio::new_ulid(),
            kind: kind.to_string(),
            filename,
            session_id: session_id.to_string(),
            captured_at_seq,
            created_at: crate::time::now_iso(),
            sha256: None,
            bytes: None,
            metadata,
        }
    }
}

/// An entry's `metadata` from a typed value (its fields, in order); empty when `fields`
/// does not serialise to a JSON object.
pub fn metadata_of(fields: &impl Serialize) -> Map<String, Value> {
    match serde_json::to_value(fields) {
        Ok(Value::Object(map)) => map,
        _ => Map::default(),
    }
}

/// A name part of an artifact file name: runs of characters outside `[A-Za-z0-9._-]` become
/// one `-`, and leading/trailing `-` are trimmed.
pub fn sanitize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ArtifactManifest {
    pub version: u32,
    pub session_id: String,
    pub artifacts: Vec<ArtifactEntry>,
}

/// Reads the manifest of session `id` in `artifacts_dir`; missing = empty.
pub fn read(artifacts_dir: &Path, id: &str) -> Result<ArtifactManifest> {
    let path = artifacts_dir.join("manifest.json");
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(ArtifactManifest { version: 1, session_id: id.to_string(), artifacts: Vec::new() });
        }
        Err(e) => return Err(Error::storage_read(&path, &e)),
    };
    let invalid = |message: String| {
        Error::new(ErrorCode::ManifestValidationError, message).with("path", path.display().to_string())
    };
    let manifest: ArtifactManifest = serde_json::from_slice(&bytes)
        .map_err(|e| invalid(format!("Artifact manifest {} is invalid: {e}.", path.display())))?;
    if manifest.session_id != id {
        return Err(invalid(format!("Artifact manifest {} belongs to another session.", path.display())));
    }
    Ok(manifest)
}

/// `inspect`'s `artifacts` object: the manifest's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactHealth {
    /// Entries in the manifest.
    pub total: u64,
    /// Entries per kind.
    pub by_kind: BTreeMap<String, u64>,
    /// Entries whose file is gone.
    pub missing_count: usize,
    /// `no-artifacts`, `healthy`, `missing-artifacts` or `manifest-invalid`.
    pub health: &'static str,
    /// The entries whose file is gone (only when there are some).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<MissingArtifact>,
}

/// An artifact whose file is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[allow(missing_docs)]
pub struct MissingArtifact {
    pub id: String,
    pub kind: String,
    pub filename: String,
}

/// `inspect`'s `artifacts` object, or `None` when the manifest cannot be read at all.
/// Answered from the summary when it matches the manifest and every artifact it lists is
/// there; otherwise (and to list what is missing) from the manifest itself.
pub fn health(artifacts_dir: &Path, id: &str) -> Option<ArtifactHealth> {
    if let Some(summary) = summary::Summary::load(artifacts_dir, id)
        && summary.present(artifacts_dir)
    {
        return Some(report(summary.total, summary.by_kind, Vec::new()));
    }
    let manifest = match read(artifacts_dir, id) {
        Ok(manifest) => manifest,
        Err(e) if e.code == ErrorCode::ManifestValidationError => {
            return Some(ArtifactHealth {
                total: 0,
                by_kind: BTreeMap::new(),
                missing_count: 0,
                health: "manifest-invalid",
                missing: Vec::new(),
            });
        }
        Err(_) => return None,
    };
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    let mut missing = Vec::new();
    for entry in &manifest.artifacts {
        *by_kind.entry(entry.kind.clone()).or_default() += 1;
        if !summary::Location::of(entry).path(artifacts_dir).exists() {
            missing.push(MissingArtifact {
                id: entry.id.clone(),
                kind: entry.kind.clone(),
                filename: entry.filename.clone(),
            });
        }
    }
    Some(report(manifest.artifacts.len() as u64, by_kind, missing))
}

/// The `artifacts` object of `inspect` from its counts.
fn report(total: u64, by_kind: BTreeMap<String, u64>, missing: Vec<MissingArtifact>) -> ArtifactHealth {
    let health = match (total, missing.is_empty()) {
        (0, _) => "no-artifacts",
        (_, true) => "healthy",
        (_, false) => "missing-artifacts",
    };
    ArtifactHealth { total, by_kind, missing_count: missing.len(), health, missing }
}

/// Stages `contents` for the file `path` under a temporary name in its directory
/// (created if needed); nothing at `path` is touched yet.
pub fn stage(path: &Path, contents: &[u8]) -> Result<TempFile> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::storage_write(path, &e))?;
    let name = path.file_name().map_or_else(|| "artifact".into(), |n| n.to_string_lossy().into_owned());
    let mut staged = TempFile::new_in(dir, &name)?;
    staged.file().write_all(contents).map_err(|e| Error::storage_write(path, &e))?;
    Ok(staged)
}

/// Records a capture: appends `entry` to the manifest first and only then moves `staged`
/// (the finished file, still under a temporary name) to `path`. A failed append drops
/// the staged file and leaves whatever was already at `path` — an earlier capture of the
/// same name — untouched.
pub fn append_then_place(
    artifacts_dir: &Path,
    id: &str,
    entry: ArtifactEntry,
    staged: TempFile,
    path: &Path,
) -> Result<()> {
    append(artifacts_dir, id, entry)?;
    staged.persist(path)
}

/// Appends `entry` to the manifest under an exclusive lock (entries are serialised per
/// session directory), writing atomically, and brings the summary up to date.
///
/// When the summary matches the manifest (the manifest is the one this code wrote last,
/// already validated), the new manifest is the old one's bytes, copied in the kernel,
/// with the entry's text added before the closing brackets: no read, parse or
/// re-serialisation of the earlier entries. Otherwise — no summary yet, a manifest
/// written by 0.5 or edited, a crash between the two writes — the manifest is read,
/// validated and rewritten whole, as 0.5 does, and the summary rebuilt from it.
pub fn append(artifacts_dir: &Path, id: &str, entry: ArtifactEntry) -> Result<()> {
    let _lock = crate::fsio::lock_exclusive(&artifacts_dir.join(".manifest.lock"))?;
    let path = artifacts_dir.join(MANIFEST);
    if let Some(summary) = summary::Summary::load(artifacts_dir, id)
        && summary.append(artifacts_dir, &path, &entry)?
    {
        return Ok(());
    }
    let mut manifest = read(artifacts_dir, id)?;
    manifest.artifacts.push(entry);
    crate::fsio::write_json_atomic(&path, &manifest)?;
    summary::Summary::rebuild(artifacts_dir, &manifest, &path);
    Ok(())
}

/// The manifest's file name in the artifacts directory.
const MANIFEST: &str = "manifest.json";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sanitised_as_the_contract_says() {
        assert_eq!(sanitize_name("reference-dark"), "reference-dark");
        assert_eq!(sanitize_name("  my profile / v2!"), "my-profile-v2");
        assert_eq!(sanitize_name("a..b_c"), "a..b_c");
    }

    fn entry(filename: &str, output_path: Option<&Path>) -> ArtifactEntry {
        let mut metadata = Map::new();
        if let Some(path) = output_path {
            metadata.insert("outputPath".into(), Value::String(path.display().to_string()));
        }
        ArtifactEntry {
            id: crate::fsio::new_ulid(),
            kind: "recording".into(),
            filename: filename.into(),
            session_id: "S".into(),
            captured_at_seq: 0,
            created_at: crate::time::now_iso(),
            sha256: None,
            bytes: Some(1),
            metadata,
        }
    }

    #[test]
    fn a_failed_append_leaves_the_earlier_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let artifacts = dir.path().join("artifacts");
        let path = artifacts.join("snap.json");
        let staged = stage(&path, b"old").unwrap();
        append_then_place(&artifacts, "S", entry("snap.json", None), staged, &path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        std::fs::write(artifacts.join("manifest.json"), "{garbled").unwrap();
        let staged = stage(&path, b"new").unwrap();
        let error = append_then_place(&artifacts, "S", entry("snap.json", None), staged, &path).unwrap_err();
        assert_eq!(error.code, ErrorCode::ManifestValidationError);
        assert_eq!(std::fs::read(&path).unwrap(), b"old", "the earlier capture is intact");
        let mut names: Vec<_> = std::fs::read_dir(&artifacts)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let expected =
            [".manifest.locations", ".manifest.lock", ".manifest.summary.json", "manifest.json", "snap.json"];
        assert_eq!(names, expected, "no staged file is left");
    }

    #[test]
    fn health_checks_output_path_when_present() {
        let dir = tempfile::tempdir().unwrap();
        let artifacts = dir.path().join("artifacts");
        let elsewhere = dir.path().join("out.cast");
        std::fs::write(&elsewhere, "x").unwrap();
        append(&artifacts, "S", entry("out.cast", Some(&elsewhere))).unwrap();
        assert_eq!(health(&artifacts, "S").unwrap().health, "healthy", "the --out file is found");
        std::fs::remove_file(&elsewhere).unwrap();
        std::fs::write(artifacts.join("out.cast"), "x").unwrap();
        let report = health(&artifacts, "S").unwrap();
        assert_eq!(report.health, "missing-artifacts", "outputPath wins over artifacts/<filename>");
        assert_eq!(report.missing[0].filename, "out.cast");
        append(&artifacts, "S", entry("out.cast", None)).unwrap();
        assert_eq!(health(&artifacts, "S").unwrap().missing_count, 1);
    }
}
