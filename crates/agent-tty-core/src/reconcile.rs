//! Reconciliation: turning the manifest of a session whose host died into a terminal
//! status. Run by `list`, `inspect` (after the host proved unreachable), `destroy` and
//! `create`. A session still starting (`running`, no host PID yet, created moments ago)
//! is left alone, so a concurrent `list` never fails a session being created.
//!
//! Reconciling also ends what is left of the session: the program's PTY session and any
//! process still carrying the session's environment marker (daemons the program started,
//! reparented to init when the host died; see [`process::kill_marked`]).
//!
//! When the new status cannot be saved (full disk even after freeing the session's space
//! reserve, read-only Home), the record is still returned with that status, and the
//! reason says it was not saved: the session never silently vanishes from `list`.

use crate::error::Result;
use crate::manifest::{FailureOrigin, SessionRecord, Status};
use crate::paths::SessionPaths;
use crate::process;

/// How long a `running` session may go without a host PID before it counts as dead.
pub const STARTUP_GRACE_MS: u64 = 10_000;

/// Reconciles one session; returns the (possibly updated) record, `None` if absent.
pub fn reconcile(paths: &SessionPaths) -> Result<Option<SessionRecord>> {
    reconcile_with(paths, true)
}

/// Reconciles a session whose host is known to have died while starting (no grace).
pub fn reconcile_failed_start(paths: &SessionPaths) -> Result<Option<SessionRecord>> {
    reconcile_with(paths, false)
}

fn reconcile_with(paths: &SessionPaths, startup_grace: bool) -> Result<Option<SessionRecord>> {
    let Some(mut record) = SessionRecord::read(&paths.manifest)? else {
        return Ok(None);
    };
    crate::session::check_folder(paths, &record)?;
    if record.status.is_terminal() || host_may_be_alive(&record, paths.home(), startup_grace) {
        return Ok(Some(record));
    }
    let created_ms = crate::time::parse_iso(&record.created_at).unwrap_or(0);
    if let Some(child) = record.child_pid
        && process::is_session_program(child, created_ms, paths.home())
    {
        process::signal_session(child, libc::SIGKILL);
        let _ = process::signal(child, libc::SIGKILL);
    }
    process::kill_marked(paths);
    mark_dead(&mut record);
    if let Err(error) = crate::reserve::write_record(paths, &record)
        && record.status == Status::Failed
    {
        note_unsaved(&mut record, &error);
    }
    crate::socket_dir::remove_socket(&paths.socket);
    Ok(Some(record))
}

/// Says in the record's reason that its status exists only in memory, and why.
fn note_unsaved(record: &mut SessionRecord, error: &crate::error::Error) {
    let note = format!(
        "this status could not be saved ({}); free space in the Home or make it writable, then run \
         the command again",
        error.message
    );
    record.failure_reason = Some(match record.failure_reason.take() {
        Some(reason) => format!("{reason}; {note}"),
        None => note,
    });
}

/// Whether reconciling `record` now would end it (an active session whose host is gone),
/// decided without changing or signalling anything: for read-only views (`home list`).
pub fn would_end(record: &SessionRecord, home: &std::path::Path) -> bool {
    record.status.is_active() && !host_may_be_alive(record, home, true)
}

fn host_may_be_alive(record: &SessionRecord, home: &std::path::Path, startup_grace: bool) -> bool {
    match record.host_pid {
        Some(pid) => process::host_is_alive(pid, &record.session_id, home),
        None if !startup_grace => false,
        None => {
            let created = crate::time::parse_iso(&record.created_at).unwrap_or(0);
            record.status == Status::Running
                && crate::time::now_ms().saturating_sub(created) < STARTUP_GRACE_MS
        }
    }
}

fn mark_dead(record: &mut SessionRecord) {
    let (status, reason, origin) = match record.status {
        Status::Running => {
            let reason = match record.host_pid {
                Some(pid) => format!("host process died unexpectedly (pid: {pid})"),
                None => "host process died unexpectedly".to_string(),
            };
            (Status::Failed, Some(reason), Some(FailureOrigin::HostDeath))
        }
        Status::Exiting => (Status::Exited, None, None),
        Status::Destroying => (Status::Destroyed, None, None),
        other => (
            Status::Failed,
            Some(format!("unexpected pre-reconcile status: {}", other.as_str())),
            Some(FailureOrigin::Unknown),
        ),
    };
    record.status = status;
    if reason.is_some() {
        record.failure_reason = reason;
        record.failure_origin = origin;
    }
    record.host_pid = None;
    record.child_pid = None;
    record.touch();
}
