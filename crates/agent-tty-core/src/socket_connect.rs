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

use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use rustix::net::{AddressFamily, SocketAddrUnix, SocketFlags, SocketType, sockopt};

/// The room for a path in a `sockaddr_un` (its `sun_path`, including the terminating NUL).
const SUN_PATH_LEN: usize =
    std::mem::size_of::<libc::sockaddr_un>() - std::mem::offset_of!(libc::sockaddr_un, sun_path);

/// Connects to the Unix socket at `path`, waiting at most `timeout` (> 0) for the
/// listener to have room. A timeout is an error of kind `WouldBlock`.
pub fn connect(path: &Path, timeout: Duration) -> io::Result<UnixStream> {
    let bytes = path.as_os_str().as_bytes();
    if bytes.is_empty() || bytes.len() >= SUN_PATH_LEN || bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("socket path is empty or longer than {} bytes", SUN_PATH_LEN - 1),
        ));
    }
    let addr = SocketAddrUnix::new(path)?;
    let socket =
        rustix::net::socket_with(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::CLOEXEC, None)?;
    let timeout = timeout.max(Duration::from_millis(1));
    sockopt::set_socket_timeout(&socket, sockopt::Timeout::Send, Some(timeout))?;
    loop {
        match rustix::net::connect(&socket, &addr) {
            Ok(()) => return Ok(UnixStream::from(socket)),
            Err(rustix::io::Errno::INTR) => {}
            Err(errno) => return Err(errno.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::{AsRawFd, OwnedFd};

    /// A listener with backlog 0 that never accepts: connections queue until it is full.
    #[allow(unsafe_code)]
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
