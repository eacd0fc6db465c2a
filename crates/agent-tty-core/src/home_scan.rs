//! `home list`'s read-only view of the registered Homes: session counts per Home, taken
//! from the manifests. Nothing is reconciled or rewritten and no process is signalled.
//! Homes without any session are hidden (prune-on-read) but stay registered.
//!
//! The counts are what `gc` would find: every session with a readable manifest counts,
//! `destroyed` ones included (0.5 left those out, so a Home whose sessions were all
//! destroyed vanished from `home list` while `gc` still removed them there), and an
//! active session whose host is gone counts as ended (`gc` reconciles it first, then
//! collects it). So `total - active` is what `gc --dry-run` would remove.

use std::path::Path;

use crate::manifest::SessionRecord;
use crate::paths::sessions_dir;
use crate::reconcile;
use crate::registry;

/// Session counts of one Home.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionCounts {
    /// Sessions with an Active status (`running`, `exiting`, `destroying`) whose host
    /// is alive (or still starting).
    pub active: usize,
    /// Sessions with a readable manifest (whatever their status).
    pub total: usize,
}

impl SessionCounts {
    /// Sessions that have ended, or whose host is gone: what `gc` would collect.
    pub fn ended(&self) -> usize {
        self.total.saturating_sub(self.active)
    }
}

/// One row of `home list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeSummary {
    /// The registered (normalised) Home path.
    pub path: String,
    /// Its session counts.
    pub counts: SessionCounts,
    /// When a session was last created there (ISO).
    pub last_seen_at: String,
}

/// Counts the sessions of `home` without reconciling. Missing or corrupt manifests are
/// not counted (`gc` skips those too); a missing or unreadable `sessions/` counts 0/0.
pub fn count_sessions(home: &Path) -> SessionCounts {
    let mut counts = SessionCounts::default();
    let Ok(entries) = std::fs::read_dir(sessions_dir(home)) else {
        return counts;
    };
    for entry in entries.flatten() {
        let manifest = entry.path().join("session.json");
        let Ok(Some(record)) = SessionRecord::read(&manifest) else {
            continue;
        };
        counts.total += 1;
        if record.status.is_active() && !reconcile::would_end(&record, home) {
            counts.active += 1;
        }
    }
    counts
}

/// The registered Homes that still hold sessions, newest `lastSeenAt` first; only those
/// with an active session unless `include_all`. Reads the registry leniently and never
/// writes it.
pub fn list_homes(registry_file: &Path, include_all: bool) -> Vec<HomeSummary> {
    let mut homes: Vec<HomeSummary> = registry::read(registry_file)
        .into_iter()
        .map(|entry| HomeSummary {
            counts: count_sessions(Path::new(&entry.path)),
            path: entry.path,
            last_seen_at: entry.last_seen_at,
        })
        .filter(|home| home.counts.total > 0 && (include_all || home.counts.active > 0))
        .collect();
    homes.sort_by(|a, b| b.last_seen_at.cmp(&a.last_seen_at));
    homes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session created now without a host PID yet: a `running` one counts as starting
    /// (alive), any other active status as ended.
    fn write_session(home: &Path, id: &str, status: &str) {
        write_with_host(home, id, status, None);
    }

    fn write_with_host(home: &Path, id: &str, status: &str, host_pid: Option<u32>) {
        let dir = home.join("sessions").join(id);
        std::fs::create_dir_all(&dir).unwrap();
        let now = crate::time::now_iso();
        let manifest = serde_json::json!({
            "version": 1, "sessionId": id, "createdAt": now, "updatedAt": now, "status": status,
            "command": ["sh"], "cwd": "/", "cols": 80, "rows": 24, "hostPid": host_pid,
            "childPid": null, "exitCode": null, "exitSignal": null,
        });
        std::fs::write(dir.join("session.json"), manifest.to_string()).unwrap();
    }

    #[test]
    fn counts_include_destroyed_and_dead_hosts_and_skip_corrupt_and_missing_manifests() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        assert_eq!(count_sessions(home), SessionCounts::default());
        write_session(home, "A", "running");
        write_session(home, "B", "destroying");
        write_session(home, "C", "exited");
        write_session(home, "D", "destroyed");
        std::fs::create_dir_all(home.join("sessions/E")).unwrap();
        std::fs::write(home.join("sessions/E/session.json"), "{").unwrap();
        std::fs::create_dir_all(home.join("sessions/doctor-x")).unwrap();
        std::fs::write(home.join("sessions/.DS_Store"), "").unwrap();
        write_with_host(home, "F", "running", Some(999_999_999));
        let before = std::fs::read_to_string(home.join("sessions/F/session.json")).unwrap();
        // A starting, B destroying without a host, C exited, D destroyed, F's host dead.
        assert_eq!(count_sessions(home), SessionCounts { active: 1, total: 5 });
        assert_eq!(count_sessions(home).ended(), 4);
        let after = std::fs::read_to_string(home.join("sessions/F/session.json")).unwrap();
        assert_eq!(after, before, "never reconciled");
    }

    #[test]
    fn list_prunes_empty_homes_and_scopes_to_active() {
        let dir = tempfile::tempdir().unwrap();
        let registry_file = dir.path().join("state/homes.json");
        let (busy, idle, empty) = (dir.path().join("busy"), dir.path().join("idle"), dir.path().join("e"));
        let destroyed = dir.path().join("destroyed");
        write_session(&busy, "A", "running");
        write_session(&idle, "B", "failed");
        write_session(&destroyed, "C", "destroyed");
        std::fs::create_dir_all(&empty).unwrap();
        for home in [&destroyed, &busy, &idle, &empty] {
            registry::upsert(&registry_file, home).unwrap();
        }
        let paths =
            |all| -> Vec<String> { list_homes(&registry_file, all).into_iter().map(|h| h.path).collect() };
        let name = |p: &Path| p.canonicalize().unwrap().display().to_string();
        assert_eq!(paths(false), [name(&busy)]);
        assert_eq!(paths(true), [name(&idle), name(&busy), name(&destroyed)]);
        assert_eq!(registry::read(&registry_file).len(), 4, "listing never rewrites the registry");
    }
}
