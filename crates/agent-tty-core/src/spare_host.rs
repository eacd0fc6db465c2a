//! Spare hosts: a long-lived front end (the MCP server) keeps one session host process
//! started ahead of time, and `create` hands it the new session instead of starting a
//! process and waiting for it to load. Starting the host is most of what `create` costs.
//!
//! A spare is `agent-tty _host <PLACEHOLDER>` (see [`crate::host::spare`]), started with
//! the environment a host of this Home gets from this process, plus a pipe on which it
//! waits for its claim. It has not touched any session and runs no program until it is
//! claimed. A create the spare cannot serve exactly as a freshly started host would (another
//! Home, other host settings, `--env` of agent-tty's own variables) starts a host as usual.
//! A spare whose creator goes away sees its pipe close and exits quietly.
//!
//! Hosts started from a long-lived process are its children: each is waited for by a
//! small thread of its own, so none is left a zombie (which would still look alive to
//! `kill(pid, 0)`).

use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

use crate::env;
use crate::host::spare::{CLAIM_FD_ENV, Claim, PLACEHOLDER};

/// One spare host kept ready for the next `create` in one Home.
#[derive(Debug)]
pub struct SpareHosts {
    exe: PathBuf,
    home: PathBuf,
    host_env: Vec<(String, String)>,
    waiting: Mutex<Option<Spare>>,
}

#[derive(Debug)]
struct Spare {
    process: Child,
    claim: std::fs::File,
    ready: OwnedFd,
}

impl SpareHosts {
    /// Spare hosts of `exe` for sessions of `home`, with the host settings `host_env`
    /// (see [`crate::create::CreateOptions::host_env`]). None is started yet.
    pub fn new(exe: &Path, home: &Path, host_env: Vec<(String, String)>) -> SpareHosts {
        SpareHosts { exe: exe.to_path_buf(), home: home.to_path_buf(), host_env, waiting: Mutex::new(None) }
    }

    /// Starts a spare unless one is waiting. A spare that cannot be started is no error:
    /// the next `create` starts its host itself.
    pub fn replenish(&self) {
        let mut waiting = self.waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if waiting.as_mut().is_some_and(|spare| !matches!(spare.process.try_wait(), Ok(None)))
            && let Some(dead) = waiting.take()
        {
            reap(dead.process);
        }
        if waiting.is_none() {
            *waiting = self.start().ok();
        }
    }

    /// Hands session `id` to the waiting spare, which is taken out of the pool; returns
    /// the read end of its start-up report (as [`crate::create`] reads it), or `None` when
    /// no spare fits: none is waiting, it died, or it would not start the host a fresh
    /// start would (`home`, `host_env`, `env` differ from what it was started with).
    pub(crate) fn claim(
        &self,
        home: &Path,
        host_env: &[(String, String)],
        id: &str,
        env: Vec<(String, String)>,
    ) -> Option<OwnedFd> {
        let ours = home == self.home
            && host_env == self.host_env.as_slice()
            && !env.iter().any(|(key, _)| key.starts_with("AGENT_TTY_"));
        if !ours {
            return None;
        }
        let mut spare = self.waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()?;
        if !matches!(spare.process.try_wait(), Ok(None)) {
            reap(spare.process);
            return None;
        }
        let mut line = serde_json::to_vec(&Claim { session_id: id.to_string(), env }).ok()?;
        line.push(b'\n');
        if spare.claim.write_all(&line).is_err() {
            let _ = spare.process.kill();
            reap(spare.process);
            return None;
        }
        drop(spare.claim);
        reap(spare.process);
        Some(spare.ready)
    }

    #[allow(unsafe_code)]
    fn start(&self) -> std::io::Result<Spare> {
        let (ready_read, ready_write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
        let (claim_read, claim_write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
        let (ready_fd, claim_fd) = (ready_write.as_raw_fd(), claim_read.as_raw_fd());
        let mut command = Command::new(&self.exe);
        command
            .arg("_host")
            .arg(PLACEHOLDER)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .envs(self.host_env.iter().map(|(k, v)| (k, v)))
            .env(env::AGENT_TTY_HOME, &self.home)
            .env(env::AGENT_TTY_READY_FD, "3")
            .env(CLAIM_FD_ENV, "4");
        // SAFETY: only async-signal-safe calls (fcntl, setsid, dup2) between fork and exec.
        // The pipes' ends are first copied above fd 4 (close-on-exec copies), so neither
        // dup2 can overwrite the other's source.
        unsafe {
            command.pre_exec(move || {
                let ready = libc::fcntl(ready_fd, libc::F_DUPFD_CLOEXEC, 5);
                let claim = libc::fcntl(claim_fd, libc::F_DUPFD_CLOEXEC, 5);
                if ready < 0
                    || claim < 0
                    || libc::setsid() < 0
                    || libc::dup2(ready, 3) < 0
                    || libc::dup2(claim, 4) < 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let process = command.spawn()?;
        drop((ready_write, claim_read));
        Ok(Spare { process, claim: std::fs::File::from(claim_write), ready: ready_read })
    }
}

/// Waits for `process` on a small thread of its own, so it is not left a zombie once it
/// exits (it is our child for as long as we live).
pub fn reap(mut process: Child) {
    let waiter = std::thread::Builder::new().name("agent-tty-reap".into()).stack_size(64 * 1024);
    // Without a thread the zombie stays until this process exits, which is only untidy.
    let _ = waiter.spawn(move || process.wait());
}
