//! The host's limits on its socket connections, and the probe that tells whether a
//! client is still there.
//!
//! Limits (documented for users in the README):
//! - [`MAX_CONNECTIONS`] (128) connections are served at once. One more is answered at
//!   once with an `RPC_ERROR` line ([`busy_error`]) and closed, instead of waiting in a
//!   queue nobody serves. Long waits (`wait`, waited `run`) hold a connection for their
//!   whole duration, so 128 leaves room for many concurrent waits.
//! - A connection must deliver its complete request line within the idle timeout
//!   ([`DEFAULT_IDLE_TIMEOUT`], 10 s; `AGENT_TTY_RPC_IDLE_TIMEOUT_MS` read by the host
//!   overrides it, for tests). The bound ends once the line is read: a long wait is not
//!   idle. A client that does not read its response is cut off after [`WRITE_TIMEOUT`].
//! - A failing `accept()` (EMFILE, ENFILE, ENOBUFS…) is retried after a pause that doubles
//!   from 1 ms up to [`MAX_ACCEPT_BACKOFF`] (100 ms), so running out of file descriptors
//!   never spins the host; the pause resets after the next successful accept.
//!
//! A client that gave up (its `HOST_TIMEOUT`) closes its socket. The actor asks
//! [`ClientProbe::gone`] immediately before executing a request and drops the request of a
//! client that is gone, so a timed-out request never takes effect later (see
//! [`crate::client`] for the one window that remains).

use std::os::fd::AsFd;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UnixStream;

use crate::error::{Error, ErrorCode};

/// The most connections served at once.
pub const MAX_CONNECTIONS: usize = 128;

/// How long a connection may take to deliver its request line.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Overrides [`DEFAULT_IDLE_TIMEOUT`] (milliseconds, > 0), read once by the host.
pub const IDLE_TIMEOUT_ENV: &str = "AGENT_TTY_RPC_IDLE_TIMEOUT_MS";

/// How long writing one response may take.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a connection over the cap may take to deliver its request line (only so the
/// refusal can carry the request's id).
pub const BUSY_READ_TIMEOUT: Duration = Duration::from_secs(1);

/// The longest pause after a failed `accept()`.
pub const MAX_ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The idle timeout this host uses: the environment's override when it is a positive
/// number of milliseconds, else the default.
pub fn idle_timeout() -> Duration {
    idle_timeout_from(std::env::var(IDLE_TIMEOUT_ENV).ok().as_deref())
}

fn idle_timeout_from(value: Option<&str>) -> Duration {
    value
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&ms| ms > 0)
        .map_or(DEFAULT_IDLE_TIMEOUT, Duration::from_millis)
}

/// The pause after one more failed `accept()`, given the previous one.
pub fn next_backoff(previous: Duration) -> Duration {
    if previous.is_zero() { Duration::from_millis(1) } else { (previous * 2).min(MAX_ACCEPT_BACKOFF) }
}

/// The answer to a connection over [`MAX_CONNECTIONS`].
pub fn busy_error() -> Error {
    Error::new(
        ErrorCode::RpcError,
        format!(
            "The session host is busy: {MAX_CONNECTIONS} connections are already open, which is its limit. \
             Retry when some requests (such as long waits) have finished."
        ),
    )
}

/// The answer to a connection that sent no complete request line in time.
pub fn idle_error(timeout: Duration) -> Error {
    Error::new(
        ErrorCode::RpcError,
        format!(
            "No complete RPC request line arrived within {}ms; the host closed the connection. \
             Send one JSON request ending with a newline right after connecting.",
            timeout.as_millis()
        ),
    )
}

/// Whether the client of a request is still connected, asked without blocking.
#[derive(Debug, Clone)]
pub struct ClientProbe(Arc<UnixStream>);

impl ClientProbe {
    /// A probe of `stream` (shared with the connection's task, so the descriptor stays
    /// this connection's for as long as the probe lives).
    pub fn new(stream: Arc<UnixStream>) -> ClientProbe {
        ClientProbe(stream)
    }

    /// True when the client closed its end (or the socket failed). A client that only
    /// half-closed after sending its request is still waiting for the answer: not gone.
    pub fn gone(&self) -> bool {
        peer_closed(self.0.as_fd())
    }
}

/// `poll` with a zero timeout: `POLLHUP` means both directions are shut, i.e. the peer
/// closed its socket; `POLLRDHUP` alone (a half-close) does not count.
fn peer_closed(fd: std::os::fd::BorrowedFd<'_>) -> bool {
    use rustix::event::{PollFd, PollFlags, Timespec};
    let mut fds = [PollFd::new(&fd, PollFlags::empty())];
    let ready = rustix::event::poll(&mut fds, Some(&Timespec { tv_sec: 0, tv_nsec: 0 })).unwrap_or(0);
    ready > 0 && fds[0].revents().intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Shutdown;

    #[test]
    fn closed_peer_is_gone_but_half_closed_peer_is_not() {
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
        assert!(!peer_closed(ours.as_fd()));
        theirs.shutdown(Shutdown::Write).unwrap();
        assert!(!peer_closed(ours.as_fd()), "a half-close still waits for the answer");
        drop(theirs);
        assert!(peer_closed(ours.as_fd()));
    }

    #[test]
    fn closed_peer_with_unread_request_is_gone() {
        use std::io::Write;
        let (ours, mut theirs) = std::os::unix::net::UnixStream::pair().unwrap();
        theirs.write_all(b"{\"id\":\"x\",\"method\":\"type\"}\n").unwrap();
        drop(theirs);
        assert!(peer_closed(ours.as_fd()));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_idle_timeout_parses() {
        let mut pause = Duration::ZERO;
        let mut seen = Vec::new();
        for _ in 0..10 {
            pause = next_backoff(pause);
            seen.push(pause.as_millis());
        }
        assert_eq!(seen, [1, 2, 4, 8, 16, 32, 64, 100, 100, 100]);
        assert_eq!(idle_timeout_from(None), DEFAULT_IDLE_TIMEOUT);
        assert_eq!(idle_timeout_from(Some("250")), Duration::from_millis(250));
        assert_eq!(idle_timeout_from(Some("0")), DEFAULT_IDLE_TIMEOUT);
        assert_eq!(idle_timeout_from(Some("soon")), DEFAULT_IDLE_TIMEOUT);
    }
}
