//! `connect()` to a Unix socket with a deadline.
//!
//! `UnixStream::connect` blocks for as long as the listener's accept backlog is full (a
//! stopped or overloaded host), so a CLI call could hang forever. A non-blocking connect
//! plus `poll` does not help here: on Linux a non-blocking `connect()` to a Unix socket
//! with a full backlog fails at once with `EAGAIN` (it never reports `EINPROGRESS`), and
//! there is nothing to poll for. The kernel's own wait, however, honours the socket's send
//! timeout: with `SO_SNDTIMEO` set, a blocking `connect()` waits for room in the backlog
//! at most that long and then fails with `EAGAIN` (`ErrorKind::WouldBlock`), which the
//! client reports as `HOST_TIMEOUT`.

#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// Connects to the Unix socket at `path`, waiting at most `timeout` (> 0) for the
/// listener to have room. A timeout is an error of kind `WouldBlock`.
pub fn connect(path: &Path, timeout: Duration) -> io::Result<UnixStream> {
    // SAFETY: sockaddr_un is plain old data; all-zero is a valid (empty) value.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let bytes = path.as_os_str().as_bytes();
    if bytes.is_empty() || bytes.len() >= addr.sun_path.len() || bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("socket path is empty or longer than {} bytes", addr.sun_path.len() - 1),
        ));
    }
    for (slot, &byte) in addr.sun_path.iter_mut().zip(bytes) {
        *slot = byte as libc::c_char;
    }
    // SAFETY: plain socket(2); the result is checked before use.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh descriptor that nothing else owns.
    let socket = unsafe { OwnedFd::from_raw_fd(fd) };
    let timeout = timeout.max(Duration::from_millis(1));
    let timeval = libc::timeval {
        tv_sec: libc::time_t::try_from(timeout.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_usec: libc::suseconds_t::from(timeout.subsec_micros().min(999_999) as i32),
    };
    // SAFETY: a valid timeval of the size passed, on a socket we own.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_SNDTIMEO,
            (&timeval as *const libc::timeval).cast(),
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    let len = std::mem::size_of::<libc::sa_family_t>() + bytes.len() + 1;
    loop {
        // SAFETY: `addr` is a valid sockaddr_un and `len` does not exceed its size.
        let rc = unsafe {
            libc::connect(
                socket.as_raw_fd(),
                (&addr as *const libc::sockaddr_un).cast(),
                len as libc::socklen_t,
            )
        };
        if rc == 0 {
            return Ok(UnixStream::from(socket));
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listener with backlog 0 that never accepts: connections queue until it is full.
    fn full_listener(path: &Path) -> (OwnedFd, Vec<UnixStream>) {
        let listener = std::os::unix::net::UnixListener::bind(path).unwrap();
        // SAFETY: listen(2) on a bound socket we own; shrinks the backlog to 0.
        assert_eq!(unsafe { libc::listen(listener.as_raw_fd(), 0) }, 0);
        let mut queued = Vec::new();
        loop {
            match connect(path, Duration::from_millis(20)) {
                Ok(stream) => queued.push(stream),
                Err(e) => {
                    assert_eq!(e.kind(), io::ErrorKind::WouldBlock, "{e}");
                    break;
                }
            }
            assert!(queued.len() < 64, "the backlog never filled");
        }
        (OwnedFd::from(listener), queued)
    }

    #[test]
    fn full_backlog_times_out_instead_of_hanging() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let (_listener, _queued) = full_listener(&path);
        let started = std::time::Instant::now();
        let err = connect(&path, Duration::from_millis(150)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        assert!(started.elapsed() >= Duration::from_millis(100), "waited {:?}", started.elapsed());
    }

    #[test]
    fn connects_and_reports_missing_sockets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        assert_eq!(connect(&path, Duration::from_secs(1)).unwrap_err().kind(), io::ErrorKind::NotFound);
        let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        assert!(connect(&path, Duration::from_secs(1)).is_ok());
        let long = dir.path().join("x".repeat(200));
        assert_eq!(connect(&long, Duration::from_secs(1)).unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }
}
