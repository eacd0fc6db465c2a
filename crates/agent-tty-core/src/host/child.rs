//! Starting the program on a new PTY: the terminal's line discipline (the same defaults
//! as node-pty, so echo looks the same as under agent-tty 0.5.0), the child environment
//! rules, and the session-leader set-up done by pty-process.

#![allow(unsafe_code)]

use std::os::fd::AsRawFd;

use crate::env;
use crate::error::{Error, ErrorCode, Result};
use crate::manifest::SessionRecord;

/// The running child and our side of its PTY.
pub struct Child {
    /// The PTY master.
    pub pty: pty_process::Pty,
    /// The process (session leader of a new session).
    pub process: tokio::process::Child,
    /// Its PID.
    pub pid: u32,
}

/// Spawns `record.command` on a PTY of `record.cols`×`record.rows` in `record.cwd`.
pub fn spawn(record: &SessionRecord) -> Result<Child> {
    let pty_error = |e: pty_process::Error| Error::internal(format!("Cannot allocate a PTY: {e}"));
    let (pty, pts) = pty_process::open().map_err(pty_error)?;
    pty.resize(pty_process::Size::new(record.rows, record.cols)).map_err(pty_error)?;
    set_line_discipline(pts.as_raw_fd())
        .map_err(|e| Error::internal(format!("Cannot configure the PTY: {e}")))?;
    let program = &record.command[0];
    let mut command = pty_process::Command::new(program)
        .args(&record.command[1..])
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
    let process = command.spawn(pts).map_err(|e| spawn_error(program, &record.cwd, e))?;
    let pid = process.id().ok_or_else(|| Error::internal("The child exited before it had a PID."))?;
    Ok(Child { pty, process, pid })
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

/// Applies node-pty's default termios to the PTY.
fn set_line_discipline(fd: i32) -> std::io::Result<()> {
    // SAFETY: termios is plain data; tcgetattr fills it from a valid fd.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: fd is the open PTY slave.
    if unsafe { libc::tcgetattr(fd, &mut t) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    t.c_iflag = libc::ICRNL | libc::IXON | libc::IXANY | libc::IMAXBEL | libc::BRKINT | libc::IUTF8;
    t.c_oflag = libc::OPOST | libc::ONLCR;
    t.c_cflag = libc::CREAD | libc::CS8 | libc::HUPCL;
    t.c_lflag = libc::ICANON
        | libc::ISIG
        | libc::IEXTEN
        | libc::ECHO
        | libc::ECHOE
        | libc::ECHOK
        | libc::ECHOKE
        | libc::ECHOCTL;
    let cc = [
        (libc::VEOF, 4),
        (libc::VERASE, 0x7f),
        (libc::VWERASE, 23),
        (libc::VKILL, 21),
        (libc::VREPRINT, 18),
        (libc::VINTR, 3),
        (libc::VQUIT, 0x1c),
        (libc::VSUSP, 26),
        (libc::VSTART, 17),
        (libc::VSTOP, 19),
        (libc::VLNEXT, 22),
        (libc::VDISCARD, 15),
        (libc::VMIN, 1),
        (libc::VTIME, 0),
    ];
    for (index, value) in cc {
        t.c_cc[index] = value;
    }
    // SAFETY: t is a valid termios; speeds are standard constants.
    unsafe {
        libc::cfsetispeed(&mut t, libc::B38400);
        libc::cfsetospeed(&mut t, libc::B38400);
        if libc::tcsetattr(fd, libc::TCSANOW, &t) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}
