//! Starting the session's program on a new PTY (see `crate::pty`): the child environment
//! rules and the errors `create` reports.

use crate::env;
use crate::error::{Error, ErrorCode, Result};
use crate::manifest::SessionRecord;
use crate::pty::{self, Pty, SpawnError};
use crate::shell_integration::{self, Injection};

/// The running child and our side of its PTY.
pub struct Child {
    /// The PTY master.
    pub pty: Pty,
    /// The process (session leader of a new session).
    pub process: tokio::process::Child,
    /// Its PID.
    pub pid: u32,
}

/// Spawns `record.command` on a PTY of `record.cols`×`record.rows` in `record.cwd`; with an
/// `injection` (see [`shell_integration`]), its argv and its environment on top of the
/// session's (`record.command` stays what the user asked for).
pub fn spawn(record: &SessionRecord, injection: Option<&Injection>) -> Result<Child> {
    let argv = injection.map_or(&record.command, |injection| &injection.argv);
    let program = &argv[0];
    let mut command = pty_process::Command::new(program)
        .args(&argv[1..])
        .current_dir(&record.cwd)
        .env_remove(env::AGENT_TTY_HOST_RENDERER)
        .env_remove(env::AGENT_TTY_READY_FD);
    let user_env = record.env.clone().unwrap_or_default();
    if !user_env.contains_key(env::PROMPT_EOL_MARK) {
        command = command.env(env::PROMPT_EOL_MARK, "");
    }
    command = command.envs(user_env);
    // Marks everything the program starts as this session's, for the clean-up after a
    // host death (see `process::kill_marked`).
    command = command.env(crate::process::SESSION_MARKER, &record.session_id);
    if let Some(term) = &record.term {
        command = command.env(env::TERM, term);
    }
    if let Some(injection) = injection {
        command = command.envs(injection.env.iter().map(|(k, v)| (k, v)));
    }
    // The host's switch only: a shell started inside the session decides nothing by it.
    command = command.env_remove(shell_integration::DISABLE_ENV);
    command = default_signals(command);
    let (pty, process) = pty::spawn(command, record.cols, record.rows).map_err(|e| match e {
        SpawnError::Open(e) => Error::internal(format!("Cannot allocate a PTY: {e}")),
        SpawnError::Configure(e) => Error::internal(format!("Cannot configure the PTY: {e}")),
        SpawnError::Spawn(e) => spawn_error(program, &record.cwd, e),
    })?;
    let pid = process.id().ok_or_else(|| Error::internal("The child exited before it had a PID."))?;
    Ok(Child { pty, process, pid })
}

/// Gives the program the default actions of SIGINT and SIGQUIT. A host started from a
/// background job of a script has them ignored, exec passes that on, and ctrl+c would then
/// interrupt nothing in the session.
#[allow(unsafe_code)]
fn default_signals(command: pty_process::Command) -> pty_process::Command {
    // SAFETY: runs in the child between fork and exec, where it only calls signal(), which
    // is async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            libc::signal(libc::SIGQUIT, libc::SIG_DFL);
            Ok(())
        })
    }
}

fn spawn_error(program: &str, cwd: &str, e: pty_process::Error) -> Error {
    let io = match e {
        pty_process::Error::Io(io) => io,
        other => return Error::internal(format!("Cannot start `{program}`: {other}")),
    };
    match io.kind() {
        std::io::ErrorKind::NotFound if !std::path::Path::new(cwd).is_dir() => Error::new(
            ErrorCode::StorageReadError,
            format!("Working directory does not exist or is not accessible: {cwd}"),
        )
        .with("cwd", cwd),
        std::io::ErrorKind::NotFound => Error::invalid_input(format!(
            "Command not found: `{program}`. Check the name, or give an absolute path after `--`."
        ))
        .with("command", program),
        std::io::ErrorKind::PermissionDenied => Error::invalid_input(format!(
            "Cannot execute `{program}`: permission denied (or the working directory `{cwd}` is not accessible)."
        ))
        .with("command", program),
        _ => Error::invalid_input(format!("Cannot start `{program}`: {io}")).with("command", program),
    }
}
