//! Session-level operations the commands share: finding a session, resolving a Command
//! Target, listing, inspecting and destroying. Routes to the live host over the socket
//! and falls back to the files (reconciliation) when the host is gone.

use std::time::Duration;

use crate::address;
use crate::client;
use crate::error::{Error, ErrorCode, Result};
use crate::manifest::{SessionRecord, Status};
use crate::paths::{SessionPaths, sessions_dir, validate_session_id};
use crate::process;
use crate::protocol::{DestroyParams, WaitParams, method};
use crate::reconcile::reconcile;

/// Reads the manifest of the session `input` addresses (a full id, a name or a unique id
/// prefix: see [`crate::address`]), or `SESSION_NOT_FOUND`. The returned paths carry the
/// full id.
pub fn find(home: &std::path::Path, input: &str) -> Result<(SessionPaths, SessionRecord)> {
    let id = address::resolve(home, input)?;
    let paths = SessionPaths::new(home, &id);
    match SessionRecord::read(&paths.manifest)? {
        Some(record) => {
            check_folder(&paths, &record)?;
            Ok((paths, record))
        }
        None => Err(address::not_found(home, &id)),
    }
}

/// A `session.json` must name the folder it is in. A copied folder (or one whose manifest
/// was edited) would otherwise make us signal, destroy or mark another session: it is
/// refused, never acted on.
pub fn check_folder(paths: &SessionPaths, record: &SessionRecord) -> Result<()> {
    if record.session_id == paths.id {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::ManifestValidationError,
        format!(
            "The session folder {} holds the manifest of another session ({:?}): it looks like a \
             copy. Nothing was done to either session. Remove the copied folder, or restore its \
             own session.json.",
            paths.dir.display(),
            record.session_id
        ),
    )
    .with("path", paths.manifest.display().to_string())
    .with("sessionId", paths.id.as_str())
    .with("manifestSessionId", record.session_id.as_str()))
}

/// Resolves a Command Target: the session exists and accepts input.
pub fn command_target(home: &std::path::Path, input: &str) -> Result<SessionPaths> {
    let (paths, record) = find(home, input)?;
    let id = paths.id.as_str();
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

/// Every session of the Home (reconciling active ones), oldest first. Unreadable
/// manifests are skipped.
pub fn list(home: &std::path::Path, include_terminal: bool) -> Vec<SessionRecord> {
    let Ok(entries) = std::fs::read_dir(sessions_dir(home)) else {
        return Vec::new();
    };
    let mut ids: Vec<String> = entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
    ids.sort();
    let socket_dir = crate::paths::socket_dir(home);
    ids.iter()
        .filter(|id| validate_session_id(id).is_ok())
        .filter_map(|id| {
            let paths = SessionPaths::in_socket_dir(home, id, &socket_dir);
            let record = SessionRecord::read(&paths.manifest).ok()??;
            // A copied folder is not a session of its own (see `check_folder`).
            check_folder(&paths, &record).ok()?;
            // Only a session whose host is gone is reconciled (which reads its manifest again
            // and ends it); one whose reconciliation fails is still listed, as it was read.
            if crate::reconcile::would_end(&record, home) {
                reconcile(&paths).unwrap_or(Some(record))
            } else {
                Some(record)
            }
        })
        .filter(|r| include_terminal || r.status.is_active())
        .collect()
}

/// Destroys a session: asks the host to shut down (or kills it with `force`), then waits
/// for a terminal status. Never deletes files.
///
/// Success means the session has ended, whoever ended it: a concurrent `destroy` or `gc`
/// may finish it first (the host then vanishes mid-request, or `gc` removes the whole
/// directory once it is terminal), and that is still success. A session whose end cannot
/// be saved (full disk, read-only Home) is ended all the same, and the error says so.
pub fn destroy(home: &std::path::Path, input: &str, force: bool) -> Result<()> {
    let (paths, record) = find(home, input)?;
    let id = paths.id.as_str();
    if record.status == Status::Destroyed {
        return Err(Error::new(
            ErrorCode::SessionAlreadyDestroyed,
            format!("Session \"{id}\" is already destroyed."),
        )
        .with("sessionId", id));
    }
    if record.status.is_terminal() {
        // Leftovers of a session whose host is gone (daemons it started) end with it.
        process::kill_marked(&paths);
        return mark_destroyed(&paths, record);
    }
    if force {
        return force_destroy(&paths, &record);
    }
    // The host answers `wait --exit` once the program is gone and the manifest is final,
    // which is sooner than the host process exiting. It goes out first, on its own
    // connection, and `destroy` follows once it is written: sent after the destroy's
    // reply, it may reach a host that has already stopped taking requests, and then hears
    // nothing until the host has exited. Its answer (or failure) only says when to look:
    // `wait_terminal` decides.
    let (sent_tx, sent_rx) = std::sync::mpsc::channel::<()>();
    let exit_wait = {
        let paths = paths.clone();
        std::thread::spawn(move || {
            let exit = WaitParams { exit: Some(true), idle_ms: None, timeout_ms: Some(10_000) };
            let _ = client::call_typed_then::<method::Wait>(&paths, &exit, || {
                let _ = sent_tx.send(());
            });
        })
    };
    // Returns when the wait is written, or at once when it failed before that.
    let _ = sent_rx.recv();
    match client::call_typed::<method::Destroy>(&paths, &DestroyParams::default()) {
        Ok(_) => {
            let _ = exit_wait.join();
            wait_terminal(&paths, record.host_pid, Duration::from_secs(10))
        }
        // The host went away (or stopped answering) while we asked: if the session has
        // ended all the same, that is what destroy was for. A host that is alive but
        // stuck leaves the session active, and the error stands.
        Err(e)
            if matches!(
                e.code,
                ErrorCode::HostUnreachable | ErrorCode::HostTimeout | ErrorCode::RpcError
            ) =>
        {
            if ended(&paths)? {
                return Ok(());
            }
            // A stuck host that nobody is destroying: the timeout stands. Otherwise the
            // host is on its way out (another destroy, or it closed its socket): wait.
            if e.code == ErrorCode::HostTimeout && on_disk_status(&paths) != Some(Status::Destroying) {
                return Err(e);
            }
            match wait_terminal(&paths, record.host_pid, Duration::from_secs(10)) {
                Ok(()) => Ok(()),
                Err(other) if other.code == ErrorCode::HostTimeout => Err(e),
                Err(other) => Err(other),
            }
        }
        Err(e) => Err(e),
    }
}

/// Rewrites a terminal session as `destroyed` (a session `gc` already removed counts as
/// done; its directory is not created again).
fn mark_destroyed(paths: &SessionPaths, mut record: SessionRecord) -> Result<()> {
    if !paths.dir.is_dir() {
        return Ok(());
    }
    record.status = Status::Destroyed;
    record.touch();
    let saved = crate::reserve::write_record(paths, &record);
    crate::socket_dir::remove_socket(&paths.socket);
    saved.map_err(|e| not_saved(paths, &e))
}

/// The session ended but its new status could not be written.
fn not_saved(paths: &SessionPaths, error: &Error) -> Error {
    Error::new(
        ErrorCode::StorageWriteError,
        format!(
            "Session \"{}\" has ended (its processes are gone), but its status could not be saved: {} \
             Free space in the Home or make it writable, then run destroy again to record it.",
            paths.id, error.message
        ),
    )
    .with("sessionId", paths.id.as_str())
    .with("sessionDirectory", paths.dir.display().to_string())
    .with("ended", true)
}

fn force_destroy(paths: &SessionPaths, record: &SessionRecord) -> Result<()> {
    let created_ms = crate::time::parse_iso(&record.created_at).unwrap_or(0);
    if let Some(child) =
        record.child_pid.filter(|&pid| process::is_session_program(pid, created_ms, paths.home()))
    {
        process::signal_session(child, libc::SIGKILL);
        let _ = process::signal(child, libc::SIGKILL);
    }
    if let Some(host) =
        record.host_pid.filter(|&pid| process::host_is_alive(pid, &record.session_id, paths.home()))
    {
        // Everything under the host (it is the subreaper: daemons too) goes first, while
        // the tree still shows what is the session's.
        process::signal_descendants(&process::descendants(host), host, libc::SIGKILL);
        let _ = process::signal(host, libc::SIGKILL);
        process::wait_for_exit(host, Duration::from_secs(5));
    }
    // Reconciling also ends what escaped the tree (see `process::kill_marked`).
    let Some(updated) = reconcile(paths)? else {
        // Removed by a concurrent `gc`: it only removes sessions that have ended.
        return Ok(());
    };
    crate::socket_dir::remove_socket(&paths.socket);
    if updated.status.is_terminal() {
        // A forced destroy ends in `destroyed`: that is what the user asked for.
        if updated.status == Status::Destroyed && on_disk_status(paths) == Some(Status::Destroyed) {
            return Ok(());
        }
        return mark_destroyed(paths, updated);
    }
    Err(Error::new(ErrorCode::HostTimeout, format!("Timed out forcing session \"{}\" to exit.", paths.id))
        .with("sessionId", paths.id.as_str())
        .with("sessionDirectory", paths.dir.display().to_string()))
}

/// The status saved in the manifest now (`None`: no readable manifest).
fn on_disk_status(paths: &SessionPaths) -> Option<Status> {
    SessionRecord::read(&paths.manifest).ok().flatten().map(|record| record.status)
}

/// Whether the session has ended: terminal (`Ok(true)`), or its directory was removed
/// by `gc` (which removes only ended sessions). A terminal status that exists only in
/// memory (it could not be saved) is the storage error of [`not_saved`].
fn ended(paths: &SessionPaths) -> Result<bool> {
    // Terminal on disk (how `destroy` usually finds it, after `wait --exit`): one read of
    // the manifest where reconciling and then checking what is saved would take two.
    match SessionRecord::read(&paths.manifest)? {
        None => return Ok(true),
        Some(record) if record.status.is_terminal() => {
            check_folder(paths, &record)?;
            return Ok(true);
        }
        Some(_) => {}
    }
    match reconcile(paths)? {
        None => Ok(true),
        Some(record) if record.status.is_terminal() => match on_disk_status(paths) {
            Some(status) if !status.is_terminal() => {
                let error = Error::new(
                    ErrorCode::StorageWriteError,
                    record.failure_reason.unwrap_or_else(|| "the manifest could not be written".into()),
                );
                Err(not_saved(paths, &error))
            }
            _ => Ok(true),
        },
        Some(_) => Ok(false),
    }
}

fn wait_terminal(paths: &SessionPaths, host_pid: Option<u32>, limit: Duration) -> Result<()> {
    if ended(paths)? {
        return Ok(());
    }
    // The host writes the terminal status, then exits: its exit is the signal to look.
    if let Some(pid) = host_pid {
        process::wait_for_exit(pid, limit);
    }
    if ended(paths)? {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::HostTimeout,
        format!("Timed out waiting for session \"{}\" to exit after destroy request.", paths.id),
    )
    .with("sessionId", paths.id.as_str())
    .with("sessionDirectory", paths.dir.display().to_string()))
}
