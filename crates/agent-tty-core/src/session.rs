//! Session-level operations the commands share: finding a session, resolving a Command
//! Target, listing, inspecting and destroying. Routes to the live host over the socket
//! and falls back to the files (reconciliation) when the host is gone.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::client;
use crate::error::{Error, ErrorCode, Result};
use crate::manifest::{SessionRecord, Status};
use crate::paths::{SessionPaths, sessions_dir, validate_session_id};
use crate::process;
use crate::reconcile::reconcile;

/// Reads a session's manifest, or `SESSION_NOT_FOUND`.
pub fn find(home: &std::path::Path, id: &str) -> Result<(SessionPaths, SessionRecord)> {
    validate_session_id(id)?;
    let paths = SessionPaths::new(home, id);
    match SessionRecord::read(&paths.manifest)? {
        Some(record) => Ok((paths, record)),
        None => Err(not_found(&paths)),
    }
}

fn not_found(paths: &SessionPaths) -> Error {
    Error::new(ErrorCode::SessionNotFound, format!("Session \"{}\" was not found.", paths.id))
        .with("sessionId", paths.id.as_str())
        .with("manifestPath", paths.manifest.display().to_string())
}

/// Resolves a Command Target: the session exists and accepts input.
pub fn command_target(home: &std::path::Path, id: &str) -> Result<SessionPaths> {
    let (paths, record) = find(home, id)?;
    match record.status {
        Status::Running => Ok(paths),
        Status::Destroyed => Err(Error::new(
            ErrorCode::SessionAlreadyDestroyed,
            format!("Session \"{id}\" is already destroyed."),
        )
        .with("sessionId", id)
        .with("status", "destroyed")),
        other => Err(Error::new(ErrorCode::SessionNotRunning, format!("Session \"{id}\" is not running."))
            .with("sessionId", id)
            .with("status", other.as_str())),
    }
}

/// Calls the session's host.
pub fn call(paths: &SessionPaths, method: &str, params: Value, timeout_ms: u64) -> Result<Value> {
    let params = match params {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    client::call(&paths.socket, method, params, timeout_ms)
}

/// Every session of the Home (reconciling active ones), oldest first. Unreadable
/// manifests are skipped.
pub fn list(home: &std::path::Path, include_terminal: bool) -> Vec<SessionRecord> {
    let Ok(entries) = std::fs::read_dir(sessions_dir(home)) else {
        return Vec::new();
    };
    let mut ids: Vec<String> = entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
    ids.sort();
    ids.iter()
        .filter(|id| validate_session_id(id).is_ok())
        .filter_map(|id| {
            let paths = SessionPaths::new(home, id);
            let record = SessionRecord::read(&paths.manifest).ok()??;
            if record.status.is_active() { reconcile(&paths).ok()? } else { Some(record) }
        })
        .filter(|r| include_terminal || r.status.is_active())
        .collect()
}

/// Destroys a session: asks the host to shut down (or kills it with `force`), then waits
/// for a terminal status. Never deletes files.
pub fn destroy(home: &std::path::Path, id: &str, force: bool) -> Result<()> {
    let (paths, record) = find(home, id)?;
    if record.status == Status::Destroyed {
        return Err(Error::new(
            ErrorCode::SessionAlreadyDestroyed,
            format!("Session \"{id}\" is already destroyed."),
        )
        .with("sessionId", id));
    }
    if record.status.is_terminal() {
        let mut record = record;
        record.status = Status::Destroyed;
        record.touch();
        record.write(&paths.manifest)?;
        crate::socket_dir::remove_socket(&paths.socket);
        return Ok(());
    }
    if force {
        return force_destroy(&paths, &record);
    }
    match call(&paths, "destroy", serde_json::json!({}), client::DEFAULT_TIMEOUT_MS) {
        Ok(_) => {
            // The host answers `wait --exit` once the program is gone and the manifest is
            // final, which is sooner than the host process exiting.
            let exit = serde_json::json!({ "exit": true, "timeoutMs": 10_000 });
            let _ = call(&paths, "wait", exit, 15_000);
            wait_terminal(&paths, record.host_pid, Duration::from_secs(10))
        }
        Err(e) if e.code == ErrorCode::HostUnreachable => match reconcile(&paths)? {
            Some(r) if r.status.is_terminal() => Ok(()),
            _ => Err(e),
        },
        Err(e) => Err(e),
    }
}

fn force_destroy(paths: &SessionPaths, record: &SessionRecord) -> Result<()> {
    let created_ms = crate::time::parse_iso(&record.created_at).unwrap_or(0);
    if let Some(child) = record.child_pid.filter(|&pid| process::is_session_program(pid, created_ms)) {
        process::signal_session(child, libc::SIGKILL);
        let _ = process::signal(child, libc::SIGKILL);
    }
    if let Some(host) = record.host_pid.filter(|&pid| process::host_is_alive(pid, &record.session_id)) {
        let _ = process::signal(host, libc::SIGKILL);
        process::wait_for_exit(host, Duration::from_secs(5));
    }
    let mut updated = reconcile(paths)?.ok_or_else(|| not_found(paths))?;
    crate::socket_dir::remove_socket(&paths.socket);
    if updated.status.is_terminal() {
        // A forced destroy ends in `destroyed`: that is what the user asked for.
        updated.status = Status::Destroyed;
        updated.touch();
        updated.write(&paths.manifest)?;
        return Ok(());
    }
    Err(Error::new(ErrorCode::HostTimeout, format!("Timed out forcing session \"{}\" to exit.", paths.id))
        .with("sessionId", paths.id.as_str())
        .with("sessionDirectory", paths.dir.display().to_string()))
}

fn wait_terminal(paths: &SessionPaths, host_pid: Option<u32>, limit: Duration) -> Result<()> {
    if reconcile(paths)?.is_some_and(|record| record.status.is_terminal()) {
        return Ok(());
    }
    // The host writes the terminal status, then exits: its exit is the signal to look.
    if let Some(pid) = host_pid {
        process::wait_for_exit(pid, limit);
    }
    if reconcile(paths)?.is_some_and(|record| record.status.is_terminal()) {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::HostTimeout,
        format!("Timed out waiting for session \"{}\" to exit after destroy request.", paths.id),
    )
    .with("sessionId", paths.id.as_str())
    .with("sessionDirectory", paths.dir.display().to_string()))
}
