//! `home list`'s read-only view of the registered Homes: session counts per Home, taken
//! straight from the manifests. Nothing is reconciled and no process is signalled, so a
//! session whose host died still counts as active until something reconciles it. Homes
//! without any session are hidden (prune-on-read) but stay registered.
//!
//! Every session with a readable manifest counts, `destroyed` ones included (0.5 left
//! those out): they are what `gc` collects, so a Home whose sessions were all destroyed
//! is listed (`--all`) with the sessions `gc --dry-run` would remove, `total - active`,
//! instead of vanishing while `gc` still finds them there.

use std::path::Path;

use crate::manifest::SessionRecord;
use crate::paths::sessions_dir;
use crate::registry;

/// Session counts of one Home.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionCounts {
    /// Sessions with an Active status (`running`, `exiting`, `destroying`).
    pub active: usize,
    /// Sessions with a readable manifest (whatever their status).
    pub total: usize,
}

impl SessionCounts {
    /// Sessions that have ended (`exited`, `failed`, `destroyed`): what `gc` would
    /// collect, give or take sessions whose dead host it reconciles first.
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
        if record.status.is_active() {
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

    fn write_session(home: &Path, id: &str, status: &str) {
        let dir = home.join("sessions").join(id);
        std::fs::create_dir_all(&dir).unwrap();
        let manifest = serde_json::json!({
            "version": 1, "sessionId": id, "createdAt": "2026-01-01T00:00:00.000Z",
            "updatedAt": "2026-01-01T00:00:00.000Z", "status": status, "command": ["sh"],
            "cwd": "/", "cols": 80, "rows": 24, "hostPid": 999_999_999u32, "childPid": null,
            "exitCode": null, "exitSignal": null,
        });
        std::fs::write(dir.join("session.json"), manifest.to_string()).unwrap();
    }

    #[test]
    fn counts_include_destroyed_and_skip_corrupt_and_missing_manifests() {
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
        assert_eq!(count_sessions(home), SessionCounts { active: 2, total: 4 });
        assert_eq!(count_sessions(home).ended(), 2);
        let manifest = std::fs::read_to_string(home.join("sessions/A/session.json")).unwrap();
        assert!(manifest.contains("\"running\""), "never reconciled");
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
