//! Garbage collection of finished sessions: `gc`. Each target Home's `sessions/` is swept
//! in directory order; every session is reconciled first (even on a dry run), and only a
//! session that is Collectable afterwards, and still Collectable on a final re-read, has
//! its directory removed. A Home directory is never deleted, nor is a session directory
//! without a manifest. In cross-Home mode, registered Homes that are gone or hold no
//! session directory any more are deregistered.

use std::collections::HashSet;
use std::io::ErrorKind;
use std::path::Path;

use schemars::JsonSchema;
use serde::Serialize;

use crate::error::{Error, ErrorCode, Result};
use crate::manifest::SessionRecord;
use crate::paths::{SessionPaths, sessions_dir};
use crate::reconcile::reconcile;
use crate::registry;

/// `details.expectedFormat` of an `INVALID_DURATION` for `--older-than`.
pub const EXPECTED_DURATION_FORMAT: &str =
    "positive duration with a unit (ms, s, m, h or d), e.g. 30m, 24h, 7d, 90s, 1.5h, 1h30m";

/// Deeper than this, byte measuring gives up (a symlink loop) and counts 0.
const MAX_MEASURE_DEPTH: u32 = 128;

/// Parses an `--older-than` value to milliseconds: a positive [`duration`] with a unit
/// (`30m`, `24h`, `7d` as in 0.5, and now also `90s`, `1.5h`, `1h30m`). A bare number is
/// refused, as in 0.5: read as milliseconds it would make every session old enough.
///
/// [`duration`]: crate::duration
pub fn parse_duration(value: &str) -> Result<u64> {
    let trimmed = value.trim();
    let bare = trimmed.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let problem = match crate::duration::parse_duration_ms(value) {
        Ok(ms) if ms > 0 && !bare => return Ok(ms),
        Ok(0) if !bare => "it must be more than 0; ",
        _ if bare && !trimmed.is_empty() => "a unit is required; ",
        Err(crate::duration::DurationError::TooLarge) => "it is too large; ",
        _ => "",
    };
    Err(Error::new(
        ErrorCode::InvalidDuration,
        format!(
            "Invalid --older-than \"{value}\": {problem}use a duration such as 30m, 24h, 7d, 90s or 1h30m."
        ),
    )
    .with("value", value)
    .with("expectedFormat", EXPECTED_DURATION_FORMAT))
}

/// What a `gc` run may collect.
#[derive(Debug, Clone, Copy, Default)]
pub struct GcOptions {
    /// Report only: delete and deregister nothing (reconciliation still happens).
    pub dry_run: bool,
    /// Only sessions this very run found dead (non-terminal before, terminal after).
    pub stale_only: bool,
    /// Only sessions created at least this many milliseconds ago.
    pub older_than_ms: Option<u64>,
}

/// Which Homes a run sweeps.
#[derive(Debug, Clone, Copy)]
pub enum Targets<'a> {
    /// An explicit Home (`--home` / `AGENT_TTY_HOME`): only it; the registry is untouched.
    Single(&'a Path),
    /// The default Home first, then every registered Home (newest first), de-duplicated;
    /// emptied or vanished registered Homes are deregistered.
    CrossHome {
        /// The resolved default Home.
        default_home: &'a Path,
        /// The Home Registry file.
        registry: &'a Path,
    },
}

/// A session left in place, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SkippedSession {
    /// The manifest's session id, or the directory entry name before it was read.
    pub session_id: String,
    /// The exact skip reason of the contract.
    pub reason: String,
}

/// What one sweep of one Home did (one entry of `gc`'s `homes`, in this key order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HomeOutcome {
    /// The Home path.
    pub home: String,
    /// Whether the Home was a directory at sweep time.
    pub existed: bool,
    /// Removed (or, on a dry run, removable) session ids.
    pub removed_sessions: Vec<String>,
    /// Sessions left in place.
    pub skipped_sessions: Vec<SkippedSession>,
    /// Bytes of the removed session directories.
    pub total_bytes_freed: u64,
    /// Whether the Home was (or, on a dry run, would be) deregistered.
    pub deregistered: bool,
}

/// The result of a `gc` run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// One outcome per swept Home, in sweep order.
    pub homes: Vec<HomeOutcome>,
}

impl GcReport {
    /// Sessions removed across all Homes.
    pub fn removed_session_count(&self) -> usize {
        self.homes.iter().map(|h| h.removed_sessions.len()).sum()
    }

    /// Bytes freed across all Homes.
    pub fn total_bytes_freed(&self) -> u64 {
        self.homes.iter().map(|h| h.total_bytes_freed).sum()
    }

    /// Paths of the deregistered Homes, in sweep order.
    pub fn deregistered_homes(&self) -> Vec<String> {
        self.homes.iter().filter(|h| h.deregistered).map(|h| h.home.clone()).collect()
    }
}

/// Runs `gc` over `targets`. Fails only when a `sessions/` directory cannot be listed
/// (`STORAGE_READ_ERROR`) or a deregistration cannot be written (`STORAGE_WRITE_ERROR`).
pub fn collect(targets: Targets<'_>, options: &GcOptions) -> Result<GcReport> {
    let now = crate::time::now_ms();
    let (homes, registered, registry_file) = match targets {
        Targets::Single(home) => (vec![home.display().to_string()], HashSet::new(), None),
        Targets::CrossHome { default_home, registry } => {
            let entries: Vec<String> = registry::read(registry).into_iter().map(|e| e.path).collect();
            let mut homes = vec![default_home.display().to_string()];
            for path in &entries {
                if !homes.contains(path) {
                    homes.push(path.clone());
                }
            }
            (homes, entries.into_iter().collect(), Some(registry))
        }
    };
    let mut report = GcReport { dry_run: options.dry_run, homes: Vec::new() };
    for home in homes {
        let path = Path::new(&home);
        let existed = std::fs::metadata(path).is_ok_and(|m| m.is_dir());
        let mut outcome = sweep(path, options, now)?;
        outcome.existed = existed;
        if let Some(registry_file) = registry_file
            && registered.contains(&home)
            && (!existed || !has_session_directories(path))
        {
            outcome.deregistered = true;
            if !options.dry_run {
                registry::forget_key(registry_file, &home)?;
            }
        }
        outcome.home = home;
        report.homes.push(outcome);
    }
    Ok(report)
}

/// Sweeps one Home's `sessions/` (a missing one is empty). `home`, `existed` and
/// `deregistered` of the outcome are left for the caller.
pub fn sweep(home: &Path, options: &GcOptions, now_ms: u64) -> Result<HomeOutcome> {
    let root = sessions_dir(home);
    let entries = match std::fs::read_dir(&root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(HomeOutcome::default()),
        Err(e) => return Err(sessions_read_error(&root, &e)),
    };
    let mut outcome = HomeOutcome::default();
    for entry in entries {
        let entry = entry.map_err(|e| sessions_read_error(&root, &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        match sweep_session(home, &name, options, now_ms) {
            Ok((id, bytes)) => {
                outcome.removed_sessions.push(id);
                outcome.total_bytes_freed += bytes;
            }
            Err(skip) => outcome.skipped_sessions.push(skip),
        }
    }
    Ok(outcome)
}

fn sessions_read_error(root: &Path, err: &std::io::Error) -> Error {
    Error::new(
        ErrorCode::StorageReadError,
        format!("Failed to read sessions directory at {}: {err}.", root.display()),
    )
    .with("sessionsRoot", root.display().to_string())
}

fn skip(session_id: &str, reason: impl Into<String>) -> SkippedSession {
    SkippedSession { session_id: session_id.to_string(), reason: reason.into() }
}

/// The skip reason of a directory whose manifest names another session.
fn id_mismatch(manifest_id: &str, name: &str) -> String {
    format!(
        "session manifest names session \"{manifest_id}\", not its directory \"{name}\"; \
         fix or remove the directory by hand"
    )
}

/// One session through the contract's step table: `Ok((id, bytes))` when it was (or
/// would be) removed, the skip record otherwise.
fn sweep_session(
    home: &Path,
    name: &str,
    options: &GcOptions,
    now_ms: u64,
) -> std::result::Result<(String, u64), SkippedSession> {
    let paths = SessionPaths::new(home, name);
    match std::fs::metadata(&paths.dir) {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(skip(name, "session directory no longer exists"));
        }
        Err(e) => return Err(skip(name, format!("failed to stat session directory: {e}"))),
        Ok(meta) if !meta.is_dir() => return Err(skip(name, "entry is not a session directory")),
        Ok(_) => {}
    }
    let before = match SessionRecord::read(&paths.manifest) {
        Ok(Some(record)) => record,
        Ok(None) => return Err(skip(name, "session manifest is missing")),
        Err(e) => return Err(skip(name, format!("failed to read manifest: {}", e.message))),
    };
    // The directory is what gets removed and reported: one whose manifest names another
    // session is left alone (never deleted, nor reported, under a name it does not have).
    if before.session_id != name {
        return Err(skip(name, id_mismatch(&before.session_id, name)));
    }
    if let Err(e) = reconcile(&paths) {
        return Err(skip(&before.session_id, format!("failed to reconcile session: {}", e.message)));
    }
    let after = match SessionRecord::read(&paths.manifest) {
        Ok(Some(record)) => record,
        Ok(None) => return Err(skip(&before.session_id, "session manifest disappeared after reconcile")),
        Err(e) => {
            let reason = format!("failed to read reconciled manifest: {}", e.message);
            return Err(skip(&before.session_id, reason));
        }
    };
    if after.session_id != name {
        return Err(skip(name, id_mismatch(&after.session_id, name)));
    }
    let id = after.session_id.as_str();
    if !after.status.is_collectable() {
        return Err(skip(id, "session host is still alive"));
    }
    if options.stale_only && !(before.status.is_active() && after.status.is_terminal()) {
        return Err(skip(id, "session is not stale"));
    }
    if let Some(threshold) = options.older_than_ms {
        let created = crate::time::parse_iso(&after.created_at);
        if created.is_none_or(|created| now_ms.saturating_sub(created) < threshold) {
            return Err(skip(id, "session is newer than the requested age threshold"));
        }
    }
    let bytes = measure_bytes(&paths.dir, 0).unwrap_or(0);
    if !options.dry_run {
        // What the session started and left running (daemons, `setsid` jobs) ends with it.
        crate::process::kill_marked(&paths);
        remove_if_still_collectable(&paths).map_err(|reason| skip(id, reason))?;
    }
    Ok((after.session_id, bytes))
}

/// The final safety re-read, then `rm -rf` of the session directory.
fn remove_if_still_collectable(paths: &SessionPaths) -> std::result::Result<(), String> {
    match SessionRecord::read(&paths.manifest) {
        Err(e) => return Err(format!("failed final manifest safety check: {}", e.message)),
        Ok(Some(record)) if !record.status.is_collectable() => {
            return Err("session restarted between check and delete".to_string());
        }
        Ok(_) => {}
    }
    match std::fs::remove_dir_all(&paths.dir) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(format!("failed to remove session directory: {e}")),
        _ => Ok(()),
    }
}

/// The sum of `stat.size` of `path` and everything below it, following symlinks.
fn measure_bytes(path: &Path, depth: u32) -> std::io::Result<u64> {
    let meta = std::fs::metadata(path)?;
    let mut total = meta.len();
    if !meta.is_dir() {
        return Ok(total);
    }
    if depth >= MAX_MEASURE_DEPTH {
        return Err(std::io::Error::other("directory tree too deep to measure"));
    }
    for entry in std::fs::read_dir(path)? {
        total += measure_bytes(&entry?.path(), depth + 1)?;
    }
    Ok(total)
}

/// Whether `<home>/sessions` holds at least one sub-directory (not following symlinks).
/// A missing `sessions/` holds none; any other read error counts as "holds some", so a
/// transient problem never deregisters a Home.
fn has_session_directories(home: &Path) -> bool {
    match std::fs::read_dir(sessions_dir(home)) {
        Ok(entries) => entries.flatten().any(|e| e.file_type().is_ok_and(|t| t.is_dir())),
        Err(e) => e.kind() != ErrorKind::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a manifest; `host_pid: None` + `created_at` now is a session still starting.
    fn session(home: &Path, id: &str, status: &str, created_at: &str, host_pid: Option<u32>) {
        let dir = home.join("sessions").join(id);
        std::fs::create_dir_all(dir.join("artifacts")).unwrap();
        let manifest = serde_json::json!({
            "version": 1, "sessionId": id, "createdAt": created_at, "updatedAt": created_at,
            "status": status, "command": ["sh"], "cwd": "/", "cols": 80, "rows": 24,
            "hostPid": host_pid, "childPid": null, "exitCode": null, "exitSignal": null,
        });
        std::fs::write(dir.join("session.json"), manifest.to_string()).unwrap();
        std::fs::write(dir.join("events.jsonl"), "x".repeat(100)).unwrap();
    }

    const OLD: &str = "2020-01-01T00:00:00.000Z";
    const DEAD_PID: Option<u32> = Some(999_999_999);

    fn reasons(outcome: &HomeOutcome) -> Vec<(&str, &str)> {
        let mut r: Vec<_> =
            outcome.skipped_sessions.iter().map(|s| (s.session_id.as_str(), s.reason.as_str())).collect();
        r.sort();
        r
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m").unwrap(), 1_800_000);
        assert_eq!(parse_duration(" 2h ").unwrap(), 7_200_000);
        assert_eq!(parse_duration("7d").unwrap(), 604_800_000);
        assert_eq!(parse_duration("01h").unwrap(), 3_600_000);
        assert_eq!(parse_duration("90s").unwrap(), 90_000);
        assert_eq!(parse_duration("1.5h").unwrap(), 5_400_000);
        assert_eq!(parse_duration("1h30m").unwrap(), 5_400_000);
        assert_eq!(parse_duration("1d12h").unwrap(), 129_600_000);
        let forms = "use a duration such as 30m, 24h, 7d, 90s or 1h30m.";
        for (bad, problem) in [
            ("", ""),
            ("m", ""),
            ("-5m", ""),
            ("5 m", ""),
            ("7x", ""),
            ("0m", "it must be more than 0; "),
            ("0s", "it must be more than 0; "),
            ("5", "a unit is required; "),
            ("1.5", "a unit is required; "),
            ("0", "a unit is required; "),
            ("99999999999999999999d", "it is too large; "),
        ] {
            let err = parse_duration(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidDuration, "{bad:?}");
            assert_eq!(err.message, format!("Invalid --older-than \"{bad}\": {problem}{forms}"));
            assert_eq!(err.details["value"], bad);
            assert_eq!(err.details["expectedFormat"], EXPECTED_DURATION_FORMAT);
        }
    }

    #[test]
    fn sweep_follows_the_step_table() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        let now = crate::time::now_iso();
        session(home, "EXITED", "exited", OLD, None);
        session(home, "DEAD", "running", OLD, DEAD_PID);
        session(home, "STARTING", "running", &now, None);
        std::fs::create_dir_all(home.join("sessions/doctor-x")).unwrap();
        std::fs::write(home.join("sessions/stray"), "").unwrap();
        std::fs::create_dir_all(home.join("sessions/BAD")).unwrap();
        std::fs::write(home.join("sessions/BAD/session.json"), "{").unwrap();

        let dry = GcOptions { dry_run: true, ..GcOptions::default() };
        let outcome = sweep(home, &dry, crate::time::now_ms()).unwrap();
        let mut removed = outcome.removed_sessions.clone();
        removed.sort();
        assert_eq!(removed, ["DEAD", "EXITED"]);
        assert!(outcome.total_bytes_freed >= 200);
        assert!(home.join("sessions/DEAD").is_dir(), "a dry run deletes nothing");
        let dead = std::fs::read_to_string(home.join("sessions/DEAD/session.json")).unwrap();
        assert!(dead.contains("\"failed\""), "a dry run still reconciles");
        let skipped = reasons(&outcome);
        assert_eq!(skipped[0].0, "BAD");
        assert!(skipped[0].1.starts_with("failed to read manifest: "), "{skipped:?}");
        assert_eq!(
            skipped[1..],
            [
                ("STARTING", "session host is still alive"),
                ("doctor-x", "session manifest is missing"),
                ("stray", "entry is not a session directory"),
            ]
        );

        let outcome = sweep(home, &GcOptions::default(), crate::time::now_ms()).unwrap();
        assert_eq!(outcome.removed_sessions.len(), 2);
        assert!(!home.join("sessions/DEAD").exists() && !home.join("sessions/EXITED").exists());
        for kept in ["STARTING", "doctor-x", "stray", "BAD"] {
            assert!(home.join("sessions").join(kept).exists(), "{kept} is kept");
        }
    }

    #[test]
    fn stale_only_and_older_than_filter() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        let recent = crate::time::format_iso(crate::time::now_ms() - 60_000);
        session(home, "OLD-EXITED", "exited", OLD, None);
        session(home, "NEW-EXITED", "exited", &recent, None);
        session(home, "NEW-DEAD", "running", &recent, DEAD_PID);
        let stale = GcOptions { stale_only: true, dry_run: true, ..GcOptions::default() };
        let outcome = sweep(home, &stale, crate::time::now_ms()).unwrap();
        assert_eq!(outcome.removed_sessions, ["NEW-DEAD"]);
        assert_eq!(
            reasons(&outcome),
            [("NEW-EXITED", "session is not stale"), ("OLD-EXITED", "session is not stale")]
        );
        let older = GcOptions { older_than_ms: Some(3_600_000), ..GcOptions::default() };
        let outcome = sweep(home, &older, crate::time::now_ms()).unwrap();
        assert_eq!(outcome.removed_sessions, ["OLD-EXITED"]);
        let age = "session is newer than the requested age threshold";
        assert_eq!(reasons(&outcome), [("NEW-DEAD", age), ("NEW-EXITED", age)]);
    }
}
