//! `session.json`: the persisted Session record, its statuses and their classification.
//! Field order is the schema order of agent-tty 0.5.0; unknown keys are rejected.

use std::collections::BTreeMap;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};

/// A session's lifecycle status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Status {
    Running,
    Exiting,
    Exited,
    Failed,
    Destroying,
    Destroyed,
}

impl Status {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Exiting => "exiting",
            Status::Exited => "exited",
            Status::Failed => "failed",
            Status::Destroying => "destroying",
            Status::Destroyed => "destroyed",
        }
    }

    /// Still has (or should have) a host.
    pub fn is_active(self) -> bool {
        matches!(self, Status::Running | Status::Exiting | Status::Destroying)
    }

    /// Finished for good.
    pub fn is_terminal(self) -> bool {
        !self.is_active()
    }

    /// Accepts input commands.
    pub fn is_commandable(self) -> bool {
        self == Status::Running
    }

    /// `inspect` asks the live host.
    pub fn is_live_host_eligible(self) -> bool {
        matches!(self, Status::Running | Status::Exiting)
    }

    /// Served by offline replay of the event log.
    pub fn is_offline_replay_eligible(self) -> bool {
        !self.is_live_host_eligible()
    }

    /// `gc` may delete it.
    pub fn is_collectable(self) -> bool {
        self.is_terminal()
    }
}

/// Why a `failed` session failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum FailureOrigin {
    HostDeath,
    RendererFailure,
    StorageCorruption,
    Unknown,
}

/// The contents of `session.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct SessionRecord {
    pub version: u32,
    pub session_id: String,
    pub created_at: String,
    pub updated_at: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_origin: Option<FailureOrigin>,
    pub command: Vec<String>,
    pub cwd: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shell: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
    pub cols: u16,
    pub rows: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_cols: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_rows: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_ms: Option<u64>,
    pub host_pid: Option<u32>,
    pub child_pid: Option<u32>,
    pub exit_code: Option<i32>,
    pub exit_signal: Option<String>,
}

/// A session as `list` reports it: one row of its `sessions`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionSummary {
    /// The session id.
    pub session_id: String,
    /// Its status.
    pub status: Status,
    /// The program and its arguments.
    pub command: Vec<String>,
    /// When it was created (ISO 8601).
    pub created_at: String,
    /// Its name, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The program's pid (null when it has none).
    pub pid: Option<u32>,
}

impl From<&SessionRecord> for SessionSummary {
    fn from(record: &SessionRecord) -> SessionSummary {
        SessionSummary {
            session_id: record.session_id.clone(),
            status: record.status,
            command: record.command.clone(),
            created_at: record.created_at.clone(),
            name: record.name.clone(),
            pid: record.child_pid,
        }
    }
}

/// The derived termination category reported by `inspect`.
pub fn termination_category(record: &SessionRecord) -> &'static str {
    match record.status {
        Status::Running | Status::Exiting => "running",
        Status::Destroying | Status::Destroyed => "destroyed",
        Status::Failed => match record.failure_origin {
            Some(FailureOrigin::HostDeath) => "host-death",
            Some(FailureOrigin::RendererFailure) => "renderer-failure",
            Some(FailureOrigin::StorageCorruption) => "storage-corruption",
            _ => "unknown",
        },
        Status::Exited => match (&record.exit_signal, record.exit_code) {
            (Some(_), _) => "signal-exit",
            (None, None | Some(0)) => "clean-exit",
            (None, Some(_)) => "nonzero-exit",
        },
    }
}

impl SessionRecord {
    /// Reads and validates `session.json`; `Ok(None)` when it does not exist.
    pub fn read(path: &Path) -> Result<Option<SessionRecord>> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::storage_read(path, &e)),
        };
        let record: SessionRecord = serde_json::from_slice(&bytes).map_err(|e| {
            Error::new(
                ErrorCode::ManifestValidationError,
                format!("Session manifest {} is invalid: {e}.", path.display()),
            )
            .with("path", path.display().to_string())
        })?;
        if record.command.is_empty() || record.command.iter().any(String::is_empty) {
            return Err(Error::new(
                ErrorCode::ManifestValidationError,
                format!("Session manifest {} has an empty command.", path.display()),
            )
            .with("path", path.display().to_string()));
        }
        Ok(Some(record))
    }

    /// Writes `session.json` atomically (mode 0600).
    pub fn write(&self, path: &Path) -> Result<()> {
        crate::fsio::write_json_atomic(path, self)
    }

    /// Marks the record changed now.
    pub fn touch(&mut self) {
        self.updated_at = crate::time::now_iso();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Status; 6] = [
        Status::Running,
        Status::Exiting,
        Status::Exited,
        Status::Failed,
        Status::Destroying,
        Status::Destroyed,
    ];

    #[test]
    fn classification_invariants_hold() {
        for s in ALL {
            assert!(s.is_active() ^ s.is_terminal());
            assert!(!s.is_collectable() || s.is_terminal());
            assert!(!s.is_commandable() || s.is_active());
            assert!(s.is_live_host_eligible() ^ s.is_offline_replay_eligible());
        }
        assert!(Status::Destroying.is_active() && Status::Destroying.is_offline_replay_eligible());
    }

    pub(crate) fn sample() -> SessionRecord {
        SessionRecord {
            version: 1,
            session_id: "01KMNYV2FDGFXED8AGK1BDNDVP".into(),
            created_at: "2026-03-26T20:54:40.880Z".into(),
            updated_at: "2026-03-26T20:54:41.102Z".into(),
            status: Status::Running,
            failure_reason: None,
            failure_origin: None,
            command: vec!["/bin/bash".into()],
            cwd: "/home/me/project".into(),
            name: None,
            env: Some(BTreeMap::from([("FOO".into(), "bar".into())])),
            shell: Some("/bin/bash".into()),
            term: Some("xterm-256color".into()),
            cols: 80,
            rows: 24,
            creation_cols: Some(80),
            creation_rows: Some(24),
            idle_timeout_ms: None,
            host_pid: Some(2_429_891),
            child_pid: Some(2_430_004),
            exit_code: None,
            exit_signal: None,
        }
    }

    #[test]
    fn serialises_in_schema_order() {
        let json = serde_json::to_string(&sample()).unwrap();
        assert_eq!(
            json,
            r#"{"version":1,"sessionId":"01KMNYV2FDGFXED8AGK1BDNDVP","createdAt":"2026-03-26T20:54:40.880Z","updatedAt":"2026-03-26T20:54:41.102Z","status":"running","command":["/bin/bash"],"cwd":"/home/me/project","env":{"FOO":"bar"},"shell":"/bin/bash","term":"xterm-256color","cols":80,"rows":24,"creationCols":80,"creationRows":24,"hostPid":2429891,"childPid":2430004,"exitCode":null,"exitSignal":null}"#
        );
    }

    #[test]
    fn rejects_unknown_keys_and_reads_old_manifests() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.json");
        std::fs::write(&path, r#"{"version":1,"sessionId":"x","createdAt":"a","updatedAt":"a","status":"exiting","command":["sh"],"cwd":"/","cols":80,"rows":24,"hostPid":null,"childPid":null,"exitCode":null,"exitSignal":null}"#).unwrap();
        let record = SessionRecord::read(&path).unwrap().unwrap();
        assert_eq!(record.status, Status::Exiting);
        std::fs::write(&path, r#"{"version":1,"extra":true}"#).unwrap();
        let err = SessionRecord::read(&path).unwrap_err();
        assert_eq!(err.code, ErrorCode::ManifestValidationError);
        assert!(SessionRecord::read(&dir.path().join("missing")).unwrap().is_none());
    }

    #[test]
    fn termination_categories() {
        let mut r = sample();
        r.status = Status::Exited;
        r.exit_code = Some(0);
        assert_eq!(termination_category(&r), "clean-exit");
        r.exit_code = Some(7);
        assert_eq!(termination_category(&r), "nonzero-exit");
        r.exit_signal = Some("15".into());
        assert_eq!(termination_category(&r), "signal-exit");
        r.status = Status::Failed;
        r.failure_origin = Some(FailureOrigin::HostDeath);
        assert_eq!(termination_category(&r), "host-death");
    }
}
