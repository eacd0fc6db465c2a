//! The host side of a spare host (see [`crate::spare_host`]): a host process started ahead
//! of time as `agent-tty _host <PLACEHOLDER>`, which waits for its session on an inherited
//! pipe and then runs exactly as a host started for that session would.
//!
//! What a fresh host gets from its command line and environment, a spare gets from its
//! claim: the session id (written over the placeholder in its own argv, so that
//! `/proc/<pid>/cmdline` names the session as liveness checks expect), the environment
//! `create` would have started it with, and the host log as its stderr. The process is
//! single-threaded until the claim is applied: the runtime is built afterwards.

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};

use serde::{Deserialize, Serialize};

use crate::env;
use crate::error::{Error, Result};
use crate::paths::{SessionPaths, validate_session_id};

/// The spare's session id until it is claimed: as long as a session id (a ULID), and never
/// one (ids are upper-case base-32).
pub const PLACEHOLDER: &str = "(spare host: not claimed.)";

/// Names the inherited file descriptor a spare host reads its [`Claim`] from.
pub const CLAIM_FD_ENV: &str = "AGENT_TTY_SPARE_FD";

/// The one line `create` writes to a spare host: its session, and the environment a host
/// started for that session would have had on top of the one the spare inherited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Claim {
    /// The session's id (a ULID, as long as [`PLACEHOLDER`]).
    pub session_id: String,
    /// Variables to set, in order.
    pub env: Vec<(String, String)>,
}

/// What a spare host does once it is started: waits for its claim and then serves that
/// session; `None` when its creator went away without claiming it (a quiet exit).
pub fn await_claim() -> Option<Result<Claim>> {
    let fd = std::env::var(CLAIM_FD_ENV).ok().and_then(|v| v.parse::<i32>().ok()).filter(|&fd| fd > 2)?;
    // SAFETY: the creator put the read end of its claim pipe at this fd for us alone; we
    // take sole ownership of it here.
    #[allow(unsafe_code)]
    let pipe = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut line = Vec::new();
    let mut file = std::fs::File::from(pipe);
    let mut chunk = [0u8; 4096];
    // The claim is one line; its writer closes the pipe after it, but the line is enough.
    let read = loop {
        match file.read(&mut chunk) {
            Ok(0) => break Ok(()),
            Ok(n) => {
                line.extend_from_slice(&chunk[..n]);
                if line.ends_with(b"\n") {
                    break Ok(());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    match read {
        Ok(()) if line.is_empty() => None,
        Ok(()) => Some(
            serde_json::from_slice::<Claim>(&line)
                .map_err(|e| Error::internal(format!("The spare host's claim is not valid: {e}"))),
        ),
        Err(e) => Some(Err(Error::internal(format!("Cannot read the spare host's claim: {e}")))),
    }
}

/// Makes this process the host of `claim.session_id`: its argv, environment and stderr
/// become those of a host started for it. Must run while the process has one thread.
pub fn apply(claim: &Claim) -> Result<SessionPaths> {
    validate_session_id(&claim.session_id)?;
    if claim.session_id.len() != PLACEHOLDER.len() {
        return Err(Error::internal(format!(
            "A spare host can only take a session id of {} bytes, not {:?}.",
            PLACEHOLDER.len(),
            claim.session_id
        )));
    }
    rename_argv(&claim.session_id)?;
    for (key, value) in &claim.env {
        // SAFETY: the spare host has not started any thread yet (its runtime is built after
        // the claim is applied), so nothing reads the environment concurrently.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var(key, value);
        }
    }
    // SAFETY: as above, single-threaded.
    #[allow(unsafe_code)]
    unsafe {
        std::env::remove_var(CLAIM_FD_ENV);
    }
    let home = std::env::var(env::AGENT_TTY_HOME)
        .map_err(|_| Error::internal("The host needs AGENT_TTY_HOME in its environment."))?;
    let paths = SessionPaths::new(std::path::Path::new(&home), &claim.session_id);
    log_to(&paths.host_log)?;
    Ok(paths)
}

/// Sends stderr to the session's host log, as `create` does for a host it starts.
fn log_to(host_log: &std::path::Path) -> Result<()> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(host_log)
        .map_err(|e| Error::storage_write(host_log, &e))?;
    let _ = crate::fsio::chmod(host_log, 0o600);
    rustix::stdio::dup2_stderr(&log).map_err(|e| Error::internal(format!("Cannot redirect stderr: {e}")))
}

/// Writes `id` over the placeholder in this process's own argument area, where
/// `/proc/self/cmdline` reads it. The area's bounds come from `/proc/self/stat`; the bytes
/// are checked to be exactly the placeholder argument before anything is written.
fn rename_argv(id: &str) -> Result<()> {
    let unavailable = |why: &str| Error::internal(format!("Cannot name the spare host's session: {why}."));
    let mut stat = [0u8; 2048];
    let length = std::fs::File::open("/proc/self/stat")
        .and_then(|mut file| file.read(&mut stat))
        .map_err(|e| unavailable(&e.to_string()))?;
    let stat = String::from_utf8_lossy(&stat[..length]);
    // Fields after the command name `(…)`: the 3rd field of the line is the first here;
    // arg_start and arg_end are fields 48 and 49.
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<usize>().ok());
    let (Some(start), Some(end)) = (field(48), field(49)) else {
        return Err(unavailable("/proc/self/stat has no argument bounds"));
    };
    if end <= start || end - start > 1 << 20 {
        return Err(unavailable("the argument bounds are not plausible"));
    }
    // SAFETY: [start, end) is this process's argument area as the kernel reports it: mapped,
    // writable (it is on the initial stack) and never freed. No Rust reference points into
    // it; std keeps raw pointers to it only to read it on demand.
    #[allow(unsafe_code)]
    let area = unsafe { std::slice::from_raw_parts_mut(start as *mut u8, end - start) };
    let mut offset = 0;
    let mut found = None;
    for arg in area.split(|&b| b == 0) {
        if arg == PLACEHOLDER.as_bytes() {
            found = Some(offset);
            break;
        }
        offset += arg.len() + 1;
    }
    let at = found.ok_or_else(|| unavailable("the placeholder is not among its arguments"))?;
    area[at..at + id.len()].copy_from_slice(id.as_bytes());
    Ok(())
}
