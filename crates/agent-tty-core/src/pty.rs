//! The PTY: one owner of the master side for the life of a session. Opening it (with the
//! terminal's line discipline: the same defaults as node-pty, so echo looks the same as
//! under agent-tty 0.5.0), starting a program on it as a session leader with the PTY as
//! its controlling terminal, reading the master (on a reader thread, see [`reader`]) and
//! writing it from the host's loop, and resizing it all go through [`Pty`]. The host and `doctor`
//! both start programs through [`spawn`].

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;

use tokio::io::unix::AsyncFd;

pub mod reader;
pub use reader::{Output, OutputReader};

/// Our side (the master) of a PTY, registered with the tokio reactor. Reads and writes take
/// `&self`, so one `select!` can wait on both directions while other code resizes.
#[derive(Debug)]
pub struct Pty {
    master: AsyncFd<File>,
}

/// Why [`spawn`] failed.
#[derive(Debug)]
pub enum SpawnError {
    /// No PTY could be allocated or sized.
    Open(pty_process::Error),
    /// The line discipline could not be set.
    Configure(std::io::Error),
    /// The program could not be started.
    Spawn(pty_process::Error),
}

/// Opens a PTY of `cols`×`rows` with node-pty's line discipline and starts `command` on it
/// (a new session whose controlling terminal is the PTY). Needs a tokio runtime.
pub fn spawn(
    command: pty_process::Command,
    cols: u16,
    rows: u16,
) -> Result<(Pty, tokio::process::Child), SpawnError> {
    let (pty, pts) = pty_process::open().map_err(SpawnError::Open)?;
    pty.resize(pty_process::Size::new(rows, cols)).map_err(SpawnError::Open)?;
    termios::set_line_discipline(&pts).map_err(SpawnError::Configure)?;
    let master =
        register(File::from(OwnedFd::from(pty))).map_err(|e| SpawnError::Open(pty_process::Error::Io(e)))?;
    let process = command.spawn(pts).map_err(SpawnError::Spawn)?;
    Ok((Pty { master }, process))
}

/// Registers the (non-blocking) master with the reactor, as ours alone.
#[allow(unsafe_code)]
fn register(master: File) -> std::io::Result<AsyncFd<File>> {
    // SAFETY: the `File` owns its fd and the `AsyncFd` owns the `File`: the fd stays open
    // and the same until the `AsyncFd` (which deregisters it first) is dropped.
    unsafe { AsyncFd::register(master) }.map_err(std::io::Error::from)
}

impl Pty {
    /// Waits for output and reads one chunk of it (0 or an error: the PTY is closed). Cancel
    /// safe: a read either happens within one poll or not at all.
    pub async fn read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let mut ready = self.master.readable().await?;
            if let Ok(result) = ready.try_io(|master| master.get_ref().read(buf)) {
                return result;
            }
        }
    }

    /// Waits until the PTY takes input and writes as much of `bytes` as it takes. Cancel
    /// safe like [`Pty::read`].
    pub async fn write(&self, bytes: &[u8]) -> std::io::Result<usize> {
        loop {
            let mut ready = self.master.writable().await?;
            if let Ok(result) = ready.try_io(|master| master.get_ref().write(bytes)) {
                return result;
            }
        }
    }

    /// Starts reading the program's output on a thread of its own (see [`reader`]): the
    /// host's loop takes it from the returned [`OutputReader`], in order.
    pub fn start_reader(&self) -> std::io::Result<OutputReader> {
        OutputReader::start(self.master.get_ref().try_clone()?)
    }

    /// Sets the terminal size (`TIOCSWINSZ`); the program gets SIGWINCH.
    pub fn resize(&self, cols: u16, rows: u16) -> std::io::Result<()> {
        let size = rustix::termios::Winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
        rustix::termios::tcsetwinsize(self.master.get_ref(), size).map_err(std::io::Error::from)
    }
}

#[allow(unsafe_code)]
mod termios {
    use std::os::fd::AsRawFd;

    /// Applies node-pty's default termios to the PTY.
    pub(super) fn set_line_discipline(pts: &pty_process::Pts) -> std::io::Result<()> {
        let fd = pts.as_raw_fd();
        // SAFETY: termios is plain data (integers and arrays), for which all zeroes is valid.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: fd is the open PTY slave, borrowed for the call; t is a valid termios.
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
        // SAFETY: t is a valid termios owned by this frame; the speeds are standard
        // constants; fd is the open PTY slave, borrowed for the call.
        unsafe {
            libc::cfsetispeed(&mut t, libc::B38400);
            libc::cfsetospeed(&mut t, libc::B38400);
            if libc::tcsetattr(fd, libc::TCSANOW, &t) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(())
    }
}

impl std::fmt::Display for SpawnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpawnError::Open(e) | SpawnError::Spawn(e) => write!(f, "{e}"),
            SpawnError::Configure(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SpawnError {}

/// How a program run by [`run_to_end`] ended.
#[derive(Debug)]
pub struct Run {
    /// Its exit status.
    pub status: std::process::ExitStatus,
    /// Everything it wrote to the terminal.
    pub output: Vec<u8>,
}

/// Runs `program args…` on a fresh 80×24 PTY through [`spawn`] (as the host starts a
/// session's program), collects what it prints until it closes the terminal, and reaps it.
/// Kills it if `deadline` passes first. For synchronous callers: runs its own runtime.
pub fn run_to_end(
    program: &std::path::Path,
    args: &[&str],
    deadline: std::time::Duration,
) -> std::io::Result<Run> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let until = tokio::time::Instant::now() + deadline;
        let command = pty_process::Command::new(program).args(args);
        let (pty, mut process) = spawn(command, 80, 24).map_err(std::io::Error::other)?;
        let read = tokio::time::timeout_at(until, read_until_hangup(&pty)).await;
        let output = match read {
            Ok(output) => output,
            Err(_) => Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the terminal stayed open")),
        };
        let status = match tokio::time::timeout_at(until, process.wait()).await {
            Ok(status) => status?,
            Err(_) => {
                let _ = process.kill().await;
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the program did not exit in time",
                ));
            }
        };
        Ok(Run { status, output: output? })
    })
}

/// Reads `pty` until the last slave descriptor is closed (EIO on Linux, EOF elsewhere).
async fn read_until_hangup(pty: &Pty) -> std::io::Result<Vec<u8>> {
    let mut output = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match pty.read(&mut buf).await {
            Ok(0) => return Ok(output),
            Ok(n) => output.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if e.raw_os_error() == Some(libc::EIO) => return Ok(output),
            Err(e) => return Err(e),
        }
    }
}
