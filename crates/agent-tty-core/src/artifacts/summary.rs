//! The manifest summary `artifacts/.manifest.summary.json`: what `inspect` reports (the
//! count by kind), for one exact version of `manifest.json`, named by its inode, length
//! and modification time; and `artifacts/.manifest.locations`, the places the artifacts
//! live at (one JSON line per entry whose place differs from the entry before it:
//! repeated captures of one screen share a file), appended to, its length in the summary.
//!
//! The summary is a cache, never the record: it is written (atomically) after each
//! manifest write, and read only when the manifest's identity still matches. A summary
//! that is missing, unreadable, or belongs to another manifest version — a crash between
//! the two writes, a manifest written by 0.5 or by hand — is ignored and the manifest
//! itself is read, so no state of the two files loses or misreports an entry.
//!
//! [`append_bytes`] is the O(1) append: the new manifest is the old one's bytes (copied
//! by the kernel, `copy_file_range`) with the entry's text inserted before the closing
//! `]` and `}`, exactly as `serde_json`'s pretty printer writes the whole file (a test
//! compares them), moved into place atomically like every manifest write.
//!
//! `scripts/bench-captures.sh`, user-space instructions (callgrind) after 3,000 captures
//! against the start: one screen captured over and over, `snapshot` 1.00 and `inspect`
//! 1.00 (0.5-style full rewrite: 4.6x and 6.7x wall time); 3,000 distinct files,
//! `snapshot` 1.00, `inspect` right after a capture 8.2x (it looks every file up), and
//! 1.65x once the directory is settled (the rest is `inspect` counting the event log).

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ArtifactEntry, ArtifactManifest};
use crate::error::{Error, Result};
use crate::fsio::TempFile;

/// The summary's file name in the artifacts directory.
const SUMMARY: &str = ".manifest.summary.json";
/// The locations file's name in the artifacts directory.
const LOCATIONS: &str = ".manifest.locations";

/// How every non-empty manifest ends: the last entry's `}` is followed by these bytes.
const TAIL: &[u8] = b"\n  ]\n}\n";

/// One version of `manifest.json` (it is always replaced by a new file, so a new inode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    ino: u64,
    len: u64,
    mtime_ns: i128,
}

impl Identity {
    fn of(path: &Path) -> Option<Identity> {
        let meta = std::fs::metadata(path).ok()?;
        Some(Identity::from_meta(&meta))
    }

    fn from_meta(meta: &std::fs::Metadata) -> Identity {
        let mtime_ns = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
        Identity { ino: meta.ino(), len: meta.len(), mtime_ns }
    }
}

/// Where an artifact is looked for: its `--out` path when it has one, else its file
/// name in the artifacts directory.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Location {
    /// `metadata.outputPath`, as written.
    OutputPath(String),
    /// `filename`, in the artifacts directory.
    Filename(String),
}

impl Location {
    /// Where `entry` is looked for.
    pub fn of(entry: &ArtifactEntry) -> Location {
        match entry.metadata.get("outputPath").and_then(Value::as_str) {
            Some(output_path) => Location::OutputPath(output_path.to_string()),
            None => Location::Filename(entry.filename.clone()),
        }
    }

    /// The path to check.
    pub fn path(&self, artifacts_dir: &Path) -> PathBuf {
        match self {
            Location::OutputPath(path) => PathBuf::from(path),
            Location::Filename(name) => artifacts_dir.join(name),
        }
    }
}

/// The counts `inspect` reports, for one manifest version.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    session_id: String,
    manifest: Identity,
    /// Entries listed.
    pub total: u64,
    /// Entries by kind.
    pub by_kind: BTreeMap<String, u64>,
    /// The location of the last entry.
    last: Option<Location>,
    /// The length of the locations file that goes with this manifest version.
    locations_len: u64,
    /// Locations outside the artifacts directory (`--out` files).
    #[serde(default)]
    outside: u64,
    /// The artifacts directory's modification time (ns) when every listed artifact was
    /// last seen there, at least [`SETTLED_NS`] after that time; see [`Summary::present`].
    #[serde(default)]
    verified_dir_mtime_ns: Option<i128>,
}

/// How long after its last change a directory's modification time is trusted to move on
/// any later change (file-system timestamps are coarse: one clock tick, up to 10 ms on
/// Linux; more on some network file systems).
const SETTLED_NS: i128 = 2_000_000_000;

impl Summary {
    /// The summary of the current manifest of session `id`, if one is kept and matches
    /// the manifest and the locations file.
    pub fn load(artifacts_dir: &Path, id: &str) -> Option<Summary> {
        let identity = Identity::of(&artifacts_dir.join(super::MANIFEST))?;
        let bytes = std::fs::read(artifacts_dir.join(SUMMARY)).ok()?;
        let summary: Summary = serde_json::from_slice(&bytes).ok()?;
        let locations_len = std::fs::metadata(artifacts_dir.join(LOCATIONS)).ok()?.len();
        let matches = summary.manifest == identity && summary.session_id == id;
        (matches && summary.locations_len == locations_len).then_some(summary)
    }

    /// Writes the summary and the locations file of `manifest`, just written at `path`.
    /// A failure only costs the next reader a parse of the manifest, so it is not
    /// reported.
    pub fn rebuild(artifacts_dir: &Path, manifest: &ArtifactManifest, path: &Path) {
        let Some(identity) = Identity::of(path) else { return };
        let mut summary = Summary {
            session_id: manifest.session_id.clone(),
            manifest: identity,
            total: 0,
            by_kind: BTreeMap::new(),
            last: None,
            locations_len: 0,
            outside: 0,
            verified_dir_mtime_ns: None,
        };
        let mut lines = Vec::new();
        for entry in &manifest.artifacts {
            if let Some(line) = summary.count(entry) {
                lines.extend_from_slice(&line);
            }
        }
        summary.locations_len = lines.len() as u64;
        if crate::fsio::write_atomic_in_place(&artifacts_dir.join(LOCATIONS), &lines).is_ok() {
            summary.store(artifacts_dir);
        }
    }

    /// Counts `entry`; returns the line to append to the locations file, if any.
    fn count(&mut self, entry: &ArtifactEntry) -> Option<Vec<u8>> {
        self.total += 1;
        *self.by_kind.entry(entry.kind.clone()).or_default() += 1;
        let location = Location::of(entry);
        if self.last.as_ref() == Some(&location) {
            return None;
        }
        self.outside += u64::from(matches!(location, Location::OutputPath(_)));
        let mut line = serde_json::to_vec(&location).ok()?;
        line.push(b'\n');
        self.last = Some(location);
        Some(line)
    }

    /// Appends `entry` to the manifest at `path` and to this summary, without reading
    /// the earlier entries. `Ok(false)`, with nothing changed, when the manifest does
    /// not end as expected (the caller rewrites it whole then).
    pub fn append(mut self, artifacts_dir: &Path, path: &Path, entry: &ArtifactEntry) -> Result<bool> {
        let line = self.count(entry);
        if let Some(line) = &line {
            // Appended before the manifest is replaced: a crash in between leaves a
            // locations file longer than the summary says, so the summary is ignored.
            let locations = artifacts_dir.join(LOCATIONS);
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&locations)
                .map_err(|e| Error::storage_write(&locations, &e))?;
            file.write_all(line).map_err(|e| Error::storage_write(&locations, &e))?;
            self.locations_len += line.len() as u64;
        }
        let Some(identity) = append_bytes(artifacts_dir, path, entry)? else { return Ok(false) };
        self.manifest = identity;
        self.verified_dir_mtime_ns = None;
        self.store(artifacts_dir);
        Ok(true)
    }

    /// Whether every listed artifact is there.
    ///
    /// Nothing is looked up when every artifact is in the artifacts directory and it has
    /// not changed since all were seen there (a removal moves its modification time on).
    /// Otherwise each place is checked, and when all are there and the directory has
    /// been still for [`SETTLED_NS`], that is noted in the summary (written in place,
    /// which leaves the directory's time alone; under the manifest lock, if free).
    pub fn present(&self, artifacts_dir: &Path) -> bool {
        let dir_mtime = dir_mtime_ns(artifacts_dir);
        if self.outside == 0 && dir_mtime.is_some() && self.verified_dir_mtime_ns == dir_mtime {
            return true;
        }
        if !self.all_present(artifacts_dir) {
            return false;
        }
        if let Some(mtime) = dir_mtime {
            self.note_verified(artifacts_dir, mtime);
        }
        true
    }

    fn note_verified(&self, artifacts_dir: &Path, mtime: i128) {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos());
        let settled = now.is_ok_and(|now| i128::try_from(now).is_ok_and(|now| now - mtime >= SETTLED_NS));
        if !settled || self.outside > 0 || self.verified_dir_mtime_ns == Some(mtime) {
            return;
        }
        let Ok(lock) = File::options().write(true).open(artifacts_dir.join(".manifest.lock")) else { return };
        if lock.try_lock().is_err() {
            return;
        }
        // Still the same manifest, summary and directory: nothing changed while we looked.
        let same = Summary::load(artifacts_dir, &self.session_id)
            .is_some_and(|now| now.manifest == self.manifest && now.locations_len == self.locations_len);
        if !same || dir_mtime_ns(artifacts_dir) != Some(mtime) {
            return;
        }
        let verified = Summary { verified_dir_mtime_ns: Some(mtime), ..self.clone() };
        let Ok(bytes) = serde_json::to_vec_pretty(&verified) else { return };
        // In place (no rename, so the directory's time stays): a reader that catches it
        // half-written fails to parse it and reads the manifest instead.
        if let Ok(mut file) = File::options().write(true).truncate(true).open(artifacts_dir.join(SUMMARY)) {
            let _ = file.write_all(&bytes);
        }
    }

    /// Whether every listed artifact is there (each place checked once).
    fn all_present(&self, artifacts_dir: &Path) -> bool {
        let Ok(mut file) = File::open(artifacts_dir.join(LOCATIONS)) else { return false };
        let mut bytes = Vec::new();
        if (&mut file).take(self.locations_len).read_to_end(&mut bytes).is_err() {
            return false;
        }
        let mut seen = HashSet::new();
        for line in bytes.split(|&b| b == b'\n').filter(|line| !line.is_empty()) {
            let Ok(location) = serde_json::from_slice::<Location>(line) else { return false };
            if seen.insert(line) && !location.path(artifacts_dir).exists() {
                return false;
            }
        }
        true
    }

    /// Writes the summary (atomically); a failure is not reported (see [`Summary::rebuild`]).
    fn store(&self, artifacts_dir: &Path) {
        let _ = crate::fsio::write_json_atomic_in_place(&artifacts_dir.join(SUMMARY), self);
    }
}

/// The modification time of `dir` in nanoseconds.
fn dir_mtime_ns(dir: &Path) -> Option<i128> {
    let meta = std::fs::metadata(dir).ok()?;
    Some(i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()))
}

/// Appends `entry` to the manifest at `path` without parsing it: `Ok(None)` (nothing
/// written) unless the file ends as a non-empty manifest does; else the new version's
/// identity once it is in place.
fn append_bytes(artifacts_dir: &Path, path: &Path, entry: &ArtifactEntry) -> Result<Option<Identity>> {
    let Ok(old) = File::open(path) else { return Ok(None) };
    let Ok(len) = old.metadata().map(|m| m.len()) else { return Ok(None) };
    let keep = len.saturating_sub(TAIL.len() as u64);
    let mut tail = [0u8; TAIL.len()];
    if len < TAIL.len() as u64 || old.read_exact_at(&mut tail, keep).is_err() || tail != TAIL {
        return Ok(None);
    }
    let text = entry_text(path, entry)?;
    let mut staged = TempFile::new_in(artifacts_dir, super::MANIFEST)?;
    let copied =
        std::io::copy(&mut (&old).take(keep), staged.file()).map_err(|e| Error::storage_write(path, &e))?;
    if copied != keep {
        return Ok(None);
    }
    staged.file().write_all(&text).map_err(|e| Error::storage_write(path, &e))?;
    // Moving the file into place keeps its inode, length and modification time.
    let meta = staged.file().metadata().map_err(|e| Error::storage_write(path, &e))?;
    staged.persist(path)?;
    Ok(Some(Identity::from_meta(&meta)))
}

/// `,` + the entry as the pretty printer writes it at depth 2 + the closing brackets.
fn entry_text(path: &Path, entry: &ArtifactEntry) -> Result<Vec<u8>> {
    let pretty = serde_json::to_string_pretty(entry)
        .map_err(|e| Error::internal(format!("cannot serialise {}: {e}", path.display())))?;
    let mut text = b",".to_vec();
    // JSON text has no raw newlines inside strings, so every line is indented alike.
    for line in pretty.lines() {
        text.extend_from_slice(b"\n    ");
        text.extend_from_slice(line.as_bytes());
    }
    text.extend_from_slice(TAIL);
    Ok(text)
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, json};

    use super::*;
    use crate::artifacts::{append, read};

    /// `inspect`'s `artifacts` object as JSON.
    fn health(artifacts_dir: &Path, id: &str) -> Option<Value> {
        crate::artifacts::health(artifacts_dir, id).map(|h| serde_json::to_value(h).unwrap())
    }

    fn entry(n: u64, metadata: Map<String, Value>) -> ArtifactEntry {
        let mut entry = ArtifactEntry::new("snapshot", format!("snapshot-{n}-text.json"), "S", n, metadata);
        entry.sha256 = n.is_multiple_of(2).then(|| "ab".repeat(32));
        entry.bytes = Some(n);
        entry
    }

    fn metadata(n: u64) -> Map<String, Value> {
        match n % 3 {
            0 => Map::new(),
            1 => json!({ "format": "text", "quote": "a \"b\"\n\\c", "nested": { "list": [1, { "x": [] }] } })
                .as_object()
                .cloned()
                .unwrap(),
            _ => json!({ "outputPath": format!("/nowhere/out-{n}.cast"), "ünïcode": "✓" })
                .as_object()
                .cloned()
                .unwrap(),
        }
    }

    #[test]
    fn appended_bytes_are_the_pretty_printers_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let artifacts = dir.path().join("artifacts");
        let mut expected = ArtifactManifest { version: 1, session_id: "S".into(), artifacts: Vec::new() };
        for n in 0..12 {
            let entry = entry(n, metadata(n));
            expected.artifacts.push(entry.clone());
            append(&artifacts, "S", entry).unwrap();
            let written = std::fs::read(artifacts.join("manifest.json")).unwrap();
            let mut pretty = serde_json::to_vec_pretty(&expected).unwrap();
            pretty.push(b'\n');
            assert_eq!(String::from_utf8(written).unwrap(), String::from_utf8(pretty).unwrap(), "after {n}");
            assert!(Summary::load(&artifacts, "S").is_some(), "the summary follows every append");
        }
        assert_eq!(read(&artifacts, "S").unwrap(), expected);
        let path = artifacts.join("manifest.json");
        let last = entry(12, metadata(12));
        let identity = append_bytes(&artifacts, &path, &last).unwrap().expect("the byte append applies");
        assert_eq!(Identity::of(&path), Some(identity), "the identity is the file's in place");
        expected.artifacts.push(last);
        assert_eq!(read(&artifacts, "S").unwrap(), expected);
        std::fs::write(&path, "{\"version\":1,\"sessionId\":\"S\",\"artifacts\":[]}\n").unwrap();
        assert_eq!(append_bytes(&artifacts, &path, &entry(13, Map::new())).unwrap(), None, "not after `[]`");
    }

    #[test]
    fn a_summary_of_another_manifest_version_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let artifacts = dir.path().join("artifacts");
        for n in [0, 3] {
            append(&artifacts, "S", entry(n, metadata(n))).unwrap();
        }
        std::fs::write(artifacts.join("snapshot-0-text.json"), "x").unwrap();
        std::fs::write(artifacts.join("snapshot-3-text.json"), "x").unwrap();
        assert_eq!(health(&artifacts, "S").unwrap()["total"], 2);
        // A 0.5 writer (or a crash before the summary was written) leaves a stale summary.
        let mut manifest = read(&artifacts, "S").unwrap();
        manifest.artifacts.push(entry(6, Map::new()));
        crate::fsio::write_json_atomic(&artifacts.join("manifest.json"), &manifest).unwrap();
        assert!(Summary::load(&artifacts, "S").is_none());
        let report = health(&artifacts, "S").unwrap();
        assert_eq!((report["total"].clone(), report["missingCount"].clone()), (json!(3), json!(1)));
        append(&artifacts, "S", entry(9, Map::new())).unwrap();
        assert_eq!(read(&artifacts, "S").unwrap().artifacts.len(), 4, "the slow path kept every entry");
        assert_eq!(Summary::load(&artifacts, "S").unwrap().total, 4, "and rebuilt the summary");
        let mut locations = std::fs::OpenOptions::new().append(true).open(artifacts.join(LOCATIONS)).unwrap();
        locations.write_all(b"{\"filename\":\"torn").unwrap();
        assert!(
            Summary::load(&artifacts, "S").is_none(),
            "a location appended by a capture that did not finish"
        );
        append(&artifacts, "S", entry(12, Map::new())).unwrap();
        assert_eq!(Summary::load(&artifacts, "S").unwrap().total, 5, "rebuilt again");
        std::fs::write(artifacts.join(SUMMARY), "{torn").unwrap();
        assert_eq!(health(&artifacts, "S").unwrap()["total"], 5, "a torn summary is ignored");
        assert!(Summary::load(&artifacts, "T").is_none(), "another session's summary is ignored");
    }

    #[test]
    fn a_deleted_artifact_is_reported_missing_despite_the_summary() {
        let dir = tempfile::tempdir().unwrap();
        let artifacts = dir.path().join("artifacts");
        for n in [0, 3, 3] {
            append(&artifacts, "S", entry(n, Map::new())).unwrap();
        }
        std::fs::write(artifacts.join("snapshot-0-text.json"), "x").unwrap();
        std::fs::write(artifacts.join("snapshot-3-text.json"), "x").unwrap();
        let healthy = health(&artifacts, "S").unwrap();
        assert_eq!(
            healthy,
            json!({ "total": 3, "byKind": { "snapshot": 3 }, "missingCount": 0, "health": "healthy" })
        );
        std::fs::remove_file(artifacts.join("snapshot-3-text.json")).unwrap();
        let report = health(&artifacts, "S").unwrap();
        assert_eq!(report["health"], "missing-artifacts");
        assert_eq!(report["missingCount"], 2, "both entries of the shared file");
    }

    fn set_dir_mtime(dir: &Path, ago: std::time::Duration) -> i128 {
        let when = std::time::SystemTime::now() - ago;
        File::open(dir).unwrap().set_modified(when).unwrap();
        dir_mtime_ns(dir).unwrap()
    }

    #[test]
    fn a_settled_directory_is_trusted_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let artifacts = dir.path().join("artifacts");
        for n in [0, 3] {
            append(&artifacts, "S", entry(n, Map::new())).unwrap();
            std::fs::write(artifacts.join(format!("snapshot-{n}-text.json")), "x").unwrap();
        }
        assert_eq!(health(&artifacts, "S").unwrap()["health"], "healthy");
        let verified = |artifacts: &Path| Summary::load(artifacts, "S").unwrap().verified_dir_mtime_ns;
        assert_eq!(verified(&artifacts), None, "a directory changed just now is not trusted yet");
        let settled = set_dir_mtime(&artifacts, std::time::Duration::from_secs(10));
        assert_eq!(health(&artifacts, "S").unwrap()["health"], "healthy");
        assert_eq!(verified(&artifacts), Some(settled), "noted, without changing the directory");
        assert_eq!(dir_mtime_ns(&artifacts), Some(settled));
        std::fs::remove_file(artifacts.join("snapshot-3-text.json")).unwrap();
        assert_eq!(
            health(&artifacts, "S").unwrap()["health"],
            "missing-artifacts",
            "a removal moves the time"
        );
        // The trust is in the directory's time alone: put it back, and nothing is looked up.
        set_dir_mtime(&artifacts, std::time::Duration::from_secs(10));
        std::fs::write(artifacts.join("snapshot-3-text.json"), "x").unwrap();
        let resettled = set_dir_mtime(&artifacts, std::time::Duration::from_secs(10));
        assert_eq!(health(&artifacts, "S").unwrap()["health"], "healthy");
        assert_eq!(verified(&artifacts), Some(resettled));
        std::fs::remove_file(artifacts.join("snapshot-3-text.json")).unwrap();
        File::open(&artifacts).unwrap().set_modified(system_time(resettled)).unwrap();
        assert_eq!(health(&artifacts, "S").unwrap()["health"], "healthy", "no file was looked up");
        append(&artifacts, "S", entry(6, Map::new())).unwrap();
        assert_eq!(verified(&artifacts), None, "a capture starts over");
    }

    fn system_time(ns: i128) -> std::time::SystemTime {
        std::time::UNIX_EPOCH + std::time::Duration::from_nanos(u64::try_from(ns).unwrap())
    }
}
