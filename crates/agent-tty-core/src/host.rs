//! The session host: `agent-tty _host <id>`, one detached process per session. It owns
//! the PTY, the Event Log and the live Screen, serves the socket, and reports its start-up
//! outcome to `create` over an inherited pipe so `create` never waits on a timer.

pub mod actor;
mod checkpoints;
pub mod child;
pub mod connection;
mod history;
pub mod methods;
pub mod render_wait;
mod secrets;
pub mod server;
mod shell;
pub mod subscribers;

use std::io::Write;
use std::os::fd::FromRawFd;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::env;
use crate::error::{Error, ErrorCode, Result};
use crate::event_log::EventLogWriter;
use crate::manifest::{SessionRecord, Status};
use crate::paths::{SessionPaths, validate_session_id};
use crate::pty::Output;
use actor::Host;

/// The start-up channel back to `create` (fd named by `AGENT_TTY_READY_FD`).
#[derive(Debug)]
pub struct ReadyPipe(Option<std::fs::File>);

impl ReadyPipe {
    /// Takes the pipe from the environment (and closes it to any child we spawn).
    #[allow(unsafe_code)]
    pub fn from_env() -> ReadyPipe {
        let fd = std::env::var(env::AGENT_TTY_READY_FD).ok().and_then(|v| v.parse::<i32>().ok());
        let file = fd.filter(|&fd| fd > 2).map(|fd| {
            // SAFETY: `create` put the write end of its pipe at this fd for us alone; we
            // take sole ownership of it here.
            let file = unsafe { std::fs::File::from_raw_fd(fd) };
            let _ = rustix::io::fcntl_setfd(&file, rustix::io::FdFlags::CLOEXEC);
            file
        });
        ReadyPipe(file)
    }

    /// Reports success.
    pub fn ready(&mut self) {
        self.send(&ReadyReport { ok: true, code: None, message: None, details: None });
    }

    /// Reports a start-up failure.
    pub fn fail(&mut self, error: &Error) {
        self.send(&ReadyReport::failed(error));
    }

    fn send(&mut self, report: &ReadyReport) {
        if let (Some(mut file), Ok(mut line)) = (self.0.take(), serde_json::to_vec(report)) {
            line.push(b'\n');
            let _ = file.write_all(&line);
        }
    }
}

/// The one line the host writes to the ready pipe: `{"ok": true}`, or `{"ok": false,
/// code, message, details}` with the error that stopped its start-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadyReport {
    /// Whether the host started (a report without it is a failure).
    #[serde(default)]
    pub ok: bool,
    /// The error's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The error's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The error's details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ReadyReport {
    /// The report of a start-up stopped by `error`.
    pub fn failed(error: &Error) -> ReadyReport {
        ReadyReport {
            ok: false,
            code: Some(error.code_str().to_string()),
            message: Some(error.message.clone()),
            details: Some(error.details.clone()),
        }
    }
}

/// Runs the host for session `id` until the session ends; returns the exit status.
pub fn run(id: &str) -> i32 {
    let mut ready = ReadyPipe::from_env();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
    let result = match runtime {
        Ok(runtime) => runtime.block_on(host_main(id, &mut ready)),
        Err(e) => Err(Error::internal(format!("Cannot start the host runtime: {e}"))),
    };
    match result {
        Ok(()) => 0,
        Err(error) => {
            ready.fail(&error);
            eprintln!("agent-tty host {id}: {error}");
            1
        }
    }
}

async fn host_main(id: &str, ready: &mut ReadyPipe) -> Result<()> {
    let home = std::env::var(env::AGENT_TTY_HOME)
        .map_err(|_| Error::internal("The host needs AGENT_TTY_HOME in its environment."))?;
    validate_session_id(id)?;
    let home = PathBuf::from(home);
    let mut paths = SessionPaths::new(&home, id);
    let mut record = SessionRecord::read(&paths.manifest)?
        .ok_or_else(|| Error::new(ErrorCode::SessionNotFound, format!("Session \"{id}\" was not found.")))?;
    if record.session_id != id || record.status != Status::Running || record.host_pid.is_some() {
        return Err(Error::internal(format!("Session \"{id}\" is not waiting for a host.")));
    }
    let log = EventLogWriter::open(&paths.events)?;
    // The socket comes first: a refused socket directory must fail `create` before the
    // program has run at all.
    let (dir, listener) = bind_socket(&home, &mut paths).await?;
    let name = paths.socket.file_name().map(std::ffi::OsStr::to_owned).unwrap_or_default();
    let unbind = |error: Error| {
        let _ = dir.unlink(&name);
        dir.remove_if_empty();
        error
    };
    crate::process::become_subreaper();
    let injection = shell_integration(&record, &paths);
    let child = child::spawn(&record, injection.as_ref()).map_err(unbind)?;
    record.host_pid = Some(std::process::id());
    record.child_pid = Some(child.pid);
    record.touch();
    record.write(&paths.manifest).map_err(unbind)?;
    let integration = injection.map(|injection| injection.shell);
    let result = serve_session(paths, record, log, child, integration, listener, ready).await;
    let _ = dir.unlink(&name);
    dir.remove_if_empty();
    result
}

/// The shell integration for the session's program (see [`crate::shell_integration`]),
/// unless the host's environment turns it off. It is not worth failing the session for:
/// when its files cannot be written, the program starts without it and `host.log` says why.
fn shell_integration(
    record: &SessionRecord,
    paths: &SessionPaths,
) -> Option<crate::shell_integration::Injection> {
    if !crate::shell_integration::enabled_by_env() {
        return None;
    }
    let dir = paths.dir.join("shell-integration");
    match crate::shell_integration::prepare(&record.command, &dir) {
        Ok(injection) => injection,
        Err(e) => {
            eprintln!(
                "agent-tty host {}: warning: starting the program without shell integration: {e}",
                paths.id
            );
            None
        }
    }
}

/// Prepares the socket directory (checked and held open; the bound socket is checked and
/// unlinked through it, see `socket_dir`) and binds the session's socket in it. Another
/// host of the Home that ends at this moment may remove the directory while it is still
/// empty, between the two steps: then the held directory is gone and both steps are
/// done again.
async fn bind_socket(
    home: &std::path::Path,
    paths: &mut SessionPaths,
) -> Result<(crate::socket_dir::SocketDir, tokio::net::UnixListener)> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let dir = crate::socket_dir::prepare_session(home, paths)?;
        let name = paths.socket.file_name().map(std::ffi::OsStr::to_owned).unwrap_or_default();
        let bound = match server::bind(&dir, &name).await {
            Ok(listener) => dir.check_bound(&name).map(|()| listener),
            Err(e) => Err(e),
        };
        match bound {
            Ok(listener) => return Ok((dir, listener)),
            Err(_) if attempts < 3 && dir.was_removed() => {}
            Err(e) => return Err(e),
        }
    }
}

async fn serve_session(
    paths: SessionPaths,
    record: SessionRecord,
    log: EventLogWriter,
    child: child::Child,
    integration: Option<crate::shell_integration::Shell>,
    listener: tokio::net::UnixListener,
    ready: &mut ReadyPipe,
) -> Result<()> {
    let (tx, mut rx) = mpsc::channel(64);
    let connections = std::sync::Arc::new(server::Connections::default());
    let server = tokio::spawn(server::serve(listener, tx, std::sync::Arc::clone(&connections)));
    let child::Child { pty, mut process, pid } = child;
    let mut host = Host::new(paths, record, log, pid, pty);
    host.integration = integration;
    // Slow render-wait conditions are evaluated off this loop and report here.
    let (evaluated_tx, mut evaluated) = mpsc::unbounded_channel();
    host.evaluations = Some(evaluated_tx);
    let mut sigterm = signal(SignalKind::terminate()).map_err(|e| Error::internal(e.to_string()))?;
    let mut sigchld = signal(SignalKind::child()).map_err(|e| Error::internal(e.to_string()))?;
    ready.ready();
    // Room to record a storage failure later; made after `create` has its answer.
    crate::reserve::create(&host.paths);
    let mut output =
        host.pty.start_reader().map_err(|e| Error::internal(format!("Cannot read the PTY: {e}")))?;
    let mut pty_open = true;
    // A failure in here is one of the session's storage (the event log or the manifest
    // cannot be written): the host records why and stops (`Host::fail`).
    let served: Result<()> = async {
        while !host.finished() {
            let deadline = host.next_deadline();
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                batch = output.recv(), if pty_open => match batch {
                    Some(Output::Bytes(bytes)) => {
                        host.on_output(&bytes)?;
                        // Let the connection tasks run: in a flood the output is always
                        // ready, and without this a request would wait for tokio's
                        // co-operative budget (128 batches, 8 MiB of output) to run out.
                        tokio::task::yield_now().await;
                    }
                    Some(Output::Synced) => {}
                    None => pty_open = false,
                },
                written = host.pty.write(host.pending_input()), if !host.pending_input().is_empty() => {
                    match written {
                        Ok(n) => host.on_written(n),
                        Err(_) => host.on_written(usize::MAX),
                    }
                }
                Some(incoming) = rx.recv() => host.on_request(incoming)?,
                Some(done) = evaluated.recv() => host.on_evaluated(done),
                status = process.wait() => {
                    let status = status.map_err(|e| Error::internal(format!("Cannot wait for the child: {e}")))?;
                    // Its last output first: everything the PTY holds now is logged
                    // before the exit.
                    // (A reader that has stopped already holds everything: read to its end.)
                    let synced = pty_open && output.sync();
                    while pty_open {
                        match output.recv().await {
                            Some(Output::Bytes(bytes)) => host.on_output(&bytes)?,
                            Some(Output::Synced) if synced => break,
                            Some(Output::Synced) => {}
                            None => pty_open = false,
                        }
                    }
                    host.on_exit(status)?;
                }
                _ = sigterm.recv() => host.begin_shutdown()?,
                // Orphans of the program are ours to reap (we are their subreaper).
                _ = sigchld.recv() => crate::process::reap_children_except(pid),
                () = sleep => host.on_deadline()?,
            }
        }
        Ok(())
    }
    .await;
    if let Err(error) = &served {
        host.fail(error);
    }
    // Stop accepting (new clients find no socket and fall back to the files), then finish
    // the requests already accepted: a `wait --exit` in flight gets its answer.
    server.abort();
    crate::socket_dir::remove_socket(&host.paths.socket);
    let drain_until = tokio::time::Instant::now() + std::time::Duration::from_secs(2);
    while connections.open() > 0 && served.is_ok() {
        tokio::select! {
            Some(incoming) = rx.recv() => host.on_request(incoming)?,
            () = connections.some_closed() => {}
            () = tokio::time::sleep_until(drain_until) => break,
        }
    }
    crate::process::reap_children_except(pid);
    served?;
    host.checkpoints.finish();
    host.log.sync().map_err(|e| Error::storage_write(&host.paths.events, &e))
}
