//! The OS calls `doctor` needs that std does not wrap: `access(2)` for the cwd check, and
//! a PTY pair with a session-leader child for the PTY check. (The host's own PTY spawn is
//! async, built on tokio, which this synchronous CLI does not run.)

#![allow(unsafe_code)]

use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Whether this process may read and write `path` (`access(path, R_OK | W_OK)`).
pub(super) fn access_read_write(path: &Path) -> io::Result<()> {
    let c_path = CString::new(path.as_os_str().as_bytes())?;
    // SAFETY: `c_path` is a valid NUL-terminated string that outlives the call.
    if unsafe { libc::access(c_path.as_ptr(), libc::R_OK | libc::W_OK) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// How a program run on a PTY ended.
pub(super) struct PtyRun {
    /// Its exit status.
    pub status: ExitStatus,
    /// Everything it wrote to the terminal.
    pub output: Vec<u8>,
}

/// Runs `program args…` as the leader of a new session whose controlling terminal is a
/// fresh PTY, collects what it prints until it closes the terminal, and reaps it. Kills
/// it if `deadline` passes first.
pub(super) fn run_on_pty(program: &Path, args: &[&str], deadline: Duration) -> io::Result<PtyRun> {
    let until = Instant::now() + deadline;
    let (master, slave) = open_pty()?;
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::from(slave.try_clone()?))
        .stdout(Stdio::from(slave.try_clone()?))
        .stderr(Stdio::from(slave));
    // SAFETY: the closure only makes async-signal-safe system calls (setsid, ioctl).
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() == -1 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command.spawn()?;
    drop(command); // closes our copies of the slave, so the master sees the hang-up
    let output = read_until_hangup(&master, until);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= until {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(io::ErrorKind::TimedOut, "the program did not exit in time"));
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    Ok(PtyRun { status, output: output? })
}

/// Reads the master until the last slave descriptor is closed (EIO on Linux, EOF
/// elsewhere) or the deadline passes.
fn read_until_hangup(master: &File, until: Instant) -> io::Result<Vec<u8>> {
    let mut output = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "the terminal stayed open"));
        }
        let mut poll = libc::pollfd { fd: master.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        let wait_ms = i32::try_from(left.as_millis().min(100)).unwrap_or(100);
        // SAFETY: `poll` points to one valid pollfd for the duration of the call.
        let ready = unsafe { libc::poll(&mut poll, 1, wait_ms) };
        if ready < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if ready == 0 {
            continue;
        }
        match (&*master).read(&mut buf) {
            Ok(0) => return Ok(output),
            Ok(n) => output.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.raw_os_error() == Some(libc::EIO) => return Ok(output),
            Err(e) => return Err(e),
        }
    }
}

/// Opens a PTY pair: the master (close-on-exec) and the slave.
fn open_pty() -> io::Result<(File, OwnedFd)> {
    // SAFETY: plain system call with constant flags; the result is checked.
    let fd = unsafe { libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by posix_openpt and nothing else owns it.
    let master = unsafe { File::from_raw_fd(fd) };
    // SAFETY: `fd` is a valid open descriptor owned by `master`.
    let ok = unsafe {
        libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) == 0
            && libc::grantpt(fd) == 0
            && libc::unlockpt(fd) == 0
    };
    if !ok {
        return Err(io::Error::last_os_error());
    }
    let name = slave_name(fd)?;
    let slave = OpenOptions::new().read(true).write(true).custom_flags(libc::O_NOCTTY).open(&name)?;
    Ok((master, OwnedFd::from(slave)))
}

/// The path of the slave side of master `fd`.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn slave_name(fd: i32) -> io::Result<PathBuf> {
    let mut buf = [0 as libc::c_char; 128];
    // SAFETY: `buf` is writable for its whole length, which is passed along.
    let rc = unsafe { libc::ptsname_r(fd, buf.as_mut_ptr(), buf.len()) };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    // SAFETY: on success ptsname_r stored a NUL-terminated string in `buf`.
    let name = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
    Ok(PathBuf::from(std::ffi::OsStr::from_bytes(name.to_bytes())))
}

/// The path of the slave side of master `fd`.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn slave_name(fd: i32) -> io::Result<PathBuf> {
    // SAFETY: ptsname returns NULL or a pointer to a static NUL-terminated string, copied
    // at once (doctor opens one PTY at a time).
    let name = unsafe { libc::ptsname(fd) };
    if name.is_null() {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: checked non-NULL above.
    let name = unsafe { std::ffi::CStr::from_ptr(name) };
    Ok(PathBuf::from(std::ffi::OsStr::from_bytes(name.to_bytes())))
}
