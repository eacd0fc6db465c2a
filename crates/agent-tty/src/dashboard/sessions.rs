//! The session list's data: which sessions of a Home a scope shows, newest first, each
//! with what the Live View needs to follow it (its Event Log and initial size). Loading
//! goes through `session::list`, so, like `list`, it reconciles Active sessions whose host
//! died.

use std::path::{Path, PathBuf};

use agent_tty_core::manifest::{SessionRecord, Status};
use agent_tty_core::paths::SessionPaths;

/// Which sessions (and which Homes, in the picker) are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Active sessions (`running`, `exiting`, `destroying`); Homes with one.
    Active,
    /// Every session except `destroyed` ones; every Home with one.
    All,
}

impl Scope {
    /// The word the panes print.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Active => "active",
            Scope::All => "all",
        }
    }

    /// The other scope.
    pub fn toggled(self) -> Scope {
        match self {
            Scope::Active => Scope::All,
            Scope::All => Scope::Active,
        }
    }
}

/// One row of the session list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEntry {
    /// The session id.
    pub id: String,
    /// Its status when the list was loaded.
    pub status: Status,
    /// `createdAt` (ISO), the sort key.
    pub created_at: String,
    /// The session's name, else the basename of its program.
    pub label: String,
    /// The size the session was created with: the Live View's emulator starts there.
    pub initial_size: (u16, u16),
    /// Its `events.jsonl`.
    pub events: PathBuf,
}

impl SessionEntry {
    /// The row for a manifest of `home`.
    pub fn new(home: &Path, record: &SessionRecord) -> SessionEntry {
        let label = record.name.clone().unwrap_or_else(|| {
            let program = record.command.first().map_or("", String::as_str);
            program.rsplit('/').next().unwrap_or(program).to_string()
        });
        let size = |creation: Option<u16>, current: u16| match creation.unwrap_or(current) {
            0 => None,
            n => Some(n),
        };
        let initial_size = (
            size(record.creation_cols, record.cols).unwrap_or(80),
            size(record.creation_rows, record.rows).unwrap_or(24),
        );
        SessionEntry {
            id: record.session_id.clone(),
            status: record.status,
            created_at: record.created_at.clone(),
            label,
            initial_size,
            events: SessionPaths::new(home, &record.session_id).events,
        }
    }
}

/// The sessions of `home` in `scope`, newest `createdAt` first. Reconciles Active
/// sessions whose host is gone (it may rewrite their manifests).
pub fn load(home: &Path, scope: Scope) -> Vec<SessionEntry> {
    let records = agent_tty_core::session::list(home, scope == Scope::All);
    sorted(home, records.iter().filter(|r| r.status != Status::Destroyed))
}

fn sorted<'a>(home: &Path, records: impl Iterator<Item = &'a SessionRecord>) -> Vec<SessionEntry> {
    let mut entries: Vec<SessionEntry> = records.map(|r| SessionEntry::new(home, r)).collect();
    entries.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    entries
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A manifest as `create` writes it.
    pub(crate) fn record(id: &str, status: Status, created_at: &str) -> SessionRecord {
        let json = serde_json::json!({
            "version": 1, "sessionId": id, "createdAt": created_at, "updatedAt": created_at,
            "status": status.as_str(), "command": ["/usr/bin/bash", "--norc"], "cwd": "/",
            "cols": 100, "rows": 30, "hostPid": null, "childPid": null,
            "exitCode": null, "exitSignal": null,
        });
        serde_json::from_value(json).unwrap()
    }

    /// A row of a session created at `created_at`.
    pub(crate) fn entry(id: &str, status: Status, created_at: &str) -> SessionEntry {
        SessionEntry::new(Path::new("/h"), &record(id, status, created_at))
    }

    #[test]
    fn entries_carry_label_size_and_log() {
        let mut r = record("A1", Status::Running, "2026-01-01T00:00:00.000Z");
        let e = SessionEntry::new(Path::new("/h"), &r);
        assert_eq!(e.label, "bash");
        assert_eq!(e.initial_size, (100, 30));
        assert_eq!(e.events, PathBuf::from("/h/sessions/A1/events.jsonl"));
        r.name = Some("build".into());
        r.creation_cols = Some(132);
        r.creation_rows = Some(0);
        r.rows = 0;
        let e = SessionEntry::new(Path::new("/h"), &r);
        assert_eq!((e.label.as_str(), e.initial_size), ("build", (132, 24)));
    }

    #[test]
    fn newest_first_without_destroyed() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        for (id, status, at) in [
            ("OLD", Status::Exited, "2026-01-01T00:00:00.000Z"),
            ("NEW", Status::Failed, "2026-01-03T00:00:00.000Z"),
            ("MID", Status::Destroyed, "2026-01-02T00:00:00.000Z"),
        ] {
            let paths = SessionPaths::new(home, id);
            std::fs::create_dir_all(&paths.dir).unwrap();
            record(id, status, at).write(&paths.manifest).unwrap();
        }
        let ids = |scope| -> Vec<String> { load(home, scope).into_iter().map(|e| e.id).collect() };
        assert_eq!(ids(Scope::All), ["NEW", "OLD"]);
        assert!(ids(Scope::Active).is_empty());
    }
}
