//! Creating a Session: validate, allocate `sessions/<ULID>/`, write `session.json`, start
//! the detached host and wait for its start-up report on a pipe. A program that cannot be
//! started fails here, at once, with a clear error and no session left behind.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec};

use crate::env;
use crate::error::{Error, ErrorCode, Result};
use crate::home::Home;
use crate::host::ReadyReport;
use crate::manifest::{SessionRecord, Status};
use crate::paths::SessionPaths;

/// How long `create` waits for the host's start-up report.
pub const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// What to create.
#[derive(Debug, Clone)]
pub struct CreateOptions {
    /// Terminal width.
    pub cols: u16,
    /// Terminal height.
    pub rows: u16,
    /// The resolved shell (absolute).
    pub shell: PathBuf,
    /// The program and its arguments; empty = the shell.
    pub command: Vec<String>,
    /// Absolute working directory.
    pub cwd: PathBuf,
    /// Extra environment for the program.
    pub env: BTreeMap<String, String>,
    /// `TERM`.
    pub term: String,
    /// Optional name.
    pub name: Option<String>,
    /// Idle timeout (0 = none).
    pub idle_timeout_ms: u64,
    /// Extra environment for the host only (resolved log level, renderer…), not persisted.
    pub host_env: Vec<(String, String)>,
    /// Whether the host may inject shell integration into bash, zsh or fish (see
    /// [`crate::shell_integration`]); `false` sets its switch off in the host's environment.
    pub shell_integration: bool,
    /// The session's redaction settings, written beside `session.json` for the host (see
    /// [`crate::redaction`]).
    pub redaction: crate::redaction::Redaction,
}

/// A created session.
#[derive(Debug)]
pub struct Created {
    /// Its record, as the host wrote it.
    pub record: SessionRecord,
    /// Why the Home could not be registered (advisory: `create` succeeds anyway).
    pub registry_error: Option<Error>,
}

/// Creates a session and returns its record once the host is serving it. The Home is
/// registered while the host starts.
pub fn create(
    home: &Home,
    options: &CreateOptions,
    host_exe: &Path,
    registry: Option<&Path>,
) -> Result<Created> {
    let id = crate::fsio::new_ulid();
    let paths = SessionPaths::new(&home.path, &id);
    allocate(home, &paths, options)?;
    let spawned = spawn_host(&home.path, &paths, options, host_exe);
    let registry_error = registry.and_then(|registry| crate::registry::upsert(registry, &home.path).err());
    let started = spawned.and_then(read_report);
    let record = finish_start(&paths, &id, started)?;
    Ok(Created { record, registry_error })
}

fn finish_start(
    paths: &SessionPaths,
    id: &str,
    started: std::result::Result<(), StartError>,
) -> Result<SessionRecord> {
    let id = id.to_string();
    match started {
        Ok(()) => SessionRecord::read(&paths.manifest)?
            .ok_or_else(|| Error::internal(format!("Session \"{id}\" vanished while starting."))),
        Err(StartError::Refused(error)) => {
            let _ = std::fs::remove_dir_all(&paths.dir);
            Err(error)
        }
        Err(StartError::Timeout) => {
            let _ = crate::reconcile::reconcile_failed_start(paths);
            Err(Error::new(
                ErrorCode::HostTimeout,
                format!("Timed out waiting for session \"{id}\" to become ready."),
            )
            .with("sessionId", id.as_str())
            .with("sessionDirectory", paths.dir.display().to_string())
            .with("causeCode", "HOST_TIMEOUT"))
        }
        Err(StartError::Died) => {
            let _ = crate::reconcile::reconcile_failed_start(paths);
            let record = SessionRecord::read(&paths.manifest)?;
            if let Some(record) = record.filter(|r| r.status == Status::Exited) {
                return Ok(record);
            }
            Err(Error::internal(format!(
                "The host of session \"{id}\" exited during start-up; see {}.",
                paths.host_log.display()
            ))
            .with("sessionId", id.as_str()))
        }
    }
}

fn allocate(home: &Home, paths: &SessionPaths, options: &CreateOptions) -> Result<SessionRecord> {
    home.ensure_exists()?;
    std::fs::create_dir_all(&paths.dir).map_err(|e| Error::storage_write(&paths.dir, &e))?;
    crate::fsio::chmod(&paths.dir, 0o700).map_err(|e| Error::storage_write(&paths.dir, &e))?;
    let result = validate_and_write(paths, options);
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&paths.dir);
    }
    result
}

fn validate_and_write(paths: &SessionPaths, options: &CreateOptions) -> Result<SessionRecord> {
    if !options.cwd.is_dir() {
        let cwd = options.cwd.display().to_string();
        return Err(Error::new(
            ErrorCode::StorageReadError,
            format!("Working directory does not exist or is not accessible: {cwd}"),
        )
        .with("cwd", cwd));
    }
    if !options.shell.is_file() {
        let shell = options.shell.display().to_string();
        return Err(Error::invalid_input(format!("Shell path does not exist or is not accessible: {shell}"))
            .with("shellPath", shell));
    }
    let shell = options.shell.display().to_string();
    let command = if options.command.is_empty() { vec![shell.clone()] } else { options.command.clone() };
    let now = crate::time::now_iso();
    let record = SessionRecord {
        version: 1,
        session_id: paths.id.clone(),
        created_at: now.clone(),
        updated_at: now,
        status: Status::Running,
        failure_reason: None,
        failure_origin: None,
        command,
        cwd: options.cwd.display().to_string(),
        name: options.name.clone(),
        env: (!options.env.is_empty()).then(|| options.env.clone()),
        shell: Some(shell),
        term: Some(options.term.clone()),
        cols: options.cols,
        rows: options.rows,
        creation_cols: Some(options.cols),
        creation_rows: Some(options.rows),
        idle_timeout_ms: (options.idle_timeout_ms > 0).then_some(options.idle_timeout_ms),
        host_pid: None,
        child_pid: None,
        exit_code: None,
        exit_signal: None,
    };
    crate::redaction::write(&paths.dir, &options.redaction)?;
    record.write(&paths.manifest)?;
    Ok(record)
}

enum StartError {
    /// The host refused to start the session (bad program, bad cwd…): nothing to keep.
    Refused(Error),
    /// No report in time.
    Timeout,
    /// The host died without reporting.
    Died,
}

#[allow(unsafe_code)]
fn spawn_host(
    home: &Path,
    paths: &SessionPaths,
    options: &CreateOptions,
    host_exe: &Path,
) -> std::result::Result<OwnedFd, StartError> {
    let internal =
        |what: &str, e: std::io::Error| StartError::Refused(Error::internal(format!("{what}: {e}")));
    let (read_end, write_end) = pipe().map_err(|e| internal("Cannot create the start-up pipe", e))?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&paths.host_log)
        .map_err(|e| internal("Cannot open the host log", e))?;
    let _ = crate::fsio::chmod(&paths.host_log, 0o600);
    let write_fd = write_end.as_raw_fd();
    let mut command = Command::new(host_exe);
    command
        .arg("_host")
        .arg(&paths.id)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .envs(options.host_env.iter().map(|(k, v)| (k, v)))
        .envs(&options.env)
        .env(env::TERM, &options.term)
        .env(env::AGENT_TTY_HOME, home)
        .env(env::AGENT_TTY_READY_FD, "3");
    if !options.shell_integration {
        command.env(crate::shell_integration::DISABLE_ENV, "0");
    }
    // SAFETY: only async-signal-safe calls (setsid, dup2) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if libc::setsid() < 0 || libc::dup2(write_fd, 3) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let process = command.spawn().map_err(|e| internal("Cannot start the session host", e))?;
    reap(process);
    drop(write_end);
    Ok(read_end)
}

/// Waits for the host on a small thread of its own. The host is this process's child for
/// as long as this process lives: a long-lived caller (`agent-tty mcp`) would otherwise
/// keep every ended host as a zombie, which still looks alive to `kill(pid, 0)`. A CLI call
/// exits long before its host, which then goes to init as before.
fn reap(mut process: std::process::Child) {
    let waiter = std::thread::Builder::new().name("agent-tty-reap".into()).stack_size(64 * 1024);
    // Without a thread the zombie stays until this process exits, which is only untidy.
    let _ = waiter.spawn(move || process.wait());
}

fn read_report(read_end: OwnedFd) -> std::result::Result<(), StartError> {
    let deadline = std::time::Instant::now() + READY_TIMEOUT;
    let mut file = std::fs::File::from(read_end);
    let mut report = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(StartError::Timeout);
        }
        let ms = left.as_millis().min(i32::MAX as u128) as i64;
        let wait = Timespec { tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000 };
        let mut fds = [PollFd::new(&file, PollFlags::IN)];
        if rustix::event::poll(&mut fds, Some(&wait)) == Err(rustix::io::Errno::INTR) {
            continue;
        }
        let mut chunk = [0u8; 4096];
        match file.read(&mut chunk) {
            Ok(0) => return parse_report(&report),
            Ok(n) => report.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return parse_report(&report),
        }
        if report.ends_with(b"\n") {
            return parse_report(&report);
        }
    }
}

fn parse_report(report: &[u8]) -> std::result::Result<(), StartError> {
    let Ok(report) = serde_json::from_slice::<ReadyReport>(report) else {
        return Err(StartError::Died);
    };
    if report.ok {
        return Ok(());
    }
    let code = report.code.as_deref().and_then(ErrorCode::parse).unwrap_or(ErrorCode::InternalError);
    let message = report.message.as_deref().unwrap_or("The session host failed to start.");
    let mut error = Error::new(code, message);
    error.details = report.details.unwrap_or_default();
    Err(StartError::Refused(error))
}

fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    Ok(rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ready_report_carries_the_host_error_to_create() {
        let error = Error::new(ErrorCode::InvalidInput, "bad program").with("program", "x");
        let line = serde_json::to_vec(&ReadyReport::failed(&error)).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&line),
            r#"{"ok":false,"code":"INVALID_INPUT","message":"bad program","details":{"program":"x"}}"#
        );
        let Err(StartError::Refused(refused)) = parse_report(&line) else { panic!("not refused") };
        assert_eq!(refused, error);
        assert!(parse_report(br#"{"ok":true}"#).is_ok());
        let Err(StartError::Refused(unexplained)) = parse_report(b"{}") else { panic!("not refused") };
        assert_eq!(unexplained.code, ErrorCode::InternalError);
        assert!(matches!(parse_report(b"{\"ok\":"), Err(StartError::Died)));
    }
}
