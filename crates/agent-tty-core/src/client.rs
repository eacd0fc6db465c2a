//! The blocking RPC client used by every CLI command: connect, write one request line,
//! read one response line. Transport failures become `HOST_UNREACHABLE`, `HOST_TIMEOUT`
//! or `RPC_ERROR` exactly as agent-tty 0.5.0 reports them.
//!
//! [`call_typed`] sends a [`Method`]'s typed params and decodes its typed reply (a reply
//! of another shape is `PROTOCOL_ERROR`). The method, not the caller, decides the
//! inactivity timeout: quick requests [`DEFAULT_TIMEOUT_MS`], waits their own timeout
//! plus a margin (none when they wait forever), runs theirs plus the run margin (see
//! [`crate::protocol`]).
//!
//! Every step has a deadline: `connect()` waits at most the RPC timeout for room in the
//! host's accept backlog (the default when the caller disabled the read timeout, see
//! [`crate::socket_connect`]), and every write and read is bounded by the inactivity
//! timeout. The connection is owned by each call and closed the moment it returns, also
//! when it gives up: a long-lived caller such as `batch` never leaves one open.
//!
//! # A timed-out request never takes effect later
//!
//! `HOST_TIMEOUT` is retryable, so a request reported as timed out must not be executed
//! afterwards (an agent that retries a `type` would type twice). The host guarantees it
//! without any change to the wire: immediately before executing a request its actor
//! checks that the client is still connected (see [`crate::host::connection`]) and drops
//! the request of a client that has closed its socket, without any effect or event. Our
//! client closes its socket as soon as it times out, so a host that was stopped or
//! starved while the request waited in its queue drops it when it resumes.
//!
//! One window remains and cannot be closed without a second round trip (a commit message
//! after the reply, which 0.5 peers do not speak): the host checks, executes and hands the
//! reply to its connection task in one uninterrupted step of its single-threaded actor,
//! but if the host is stopped (or the machine stalls) for longer than the timeout between
//! that step and the reply reaching the socket, the effect has happened and the client
//! still reports `HOST_TIMEOUT`. The window is the time to write one line to a local
//! socket, so we keep the timeout retryable; the message says only that no reply came in
//! time and never claims that nothing happened, and a careful caller can check the event
//! log (`seq` of its last input) before retrying.
//!
//! A waited `run` is the exception ([`Method::effect_unknown_on_timeout`]): the host types
//! the command at once and answers only when it has finished, so a reply that never came
//! says nothing about whether the command ran. Its time-out after the request was sent is
//! therefore reported as not retryable, with `details.effectUnknown: true` and a message
//! that says to look before running the command again.
//!
//! # Cancelling a call from another thread
//!
//! The client blocks its thread until the reply comes. A long-lived caller that gives up
//! on a call (the MCP server, on `notifications/cancelled`) cannot interrupt that read, but
//! it can end the connection under it: calls made inside [`Cancel::scope`] register their
//! socket with the [`Cancel`], and [`Cancel::cancel`] shuts every registered socket down
//! (both directions). The blocked read returns at once, the call fails with `RPC_ERROR`
//! ("cancelled"), and the host sees its client hang up: it drops the pending wait or run
//! and frees the connection (see [`crate::host::server`]). Calls started after the
//! cancellation fail before they connect.

use std::cell::RefCell;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::{Error, ErrorCode, Result};
use crate::paths::SessionPaths;
use crate::protocol::{MAX_MESSAGE_BYTES, Method, Outgoing, Response};

pub use crate::protocol::DEFAULT_TIMEOUT_MS;

/// Sends `M(params)` to the session's host and returns its typed reply. The method
/// decides the transport's inactivity timeout and whether a time-out leaves the effect
/// unknown; a reply of another shape is `PROTOCOL_ERROR`.
pub fn call_typed<M: Method>(paths: &SessionPaths, params: &M::Params) -> Result<M::Reply> {
    call_typed_then::<M>(paths, params, || {})
}

/// [`call_typed`], running `sent` once the request has been written (not when it fails
/// before that): a caller can then start another request that must follow this one.
pub fn call_typed_then<M: Method>(
    paths: &SessionPaths,
    params: &M::Params,
    sent: impl FnOnce(),
) -> Result<M::Reply> {
    let timeout_ms = M::inactivity_timeout_ms(params);
    let effect_unknown = M::effect_unknown_on_timeout(params);
    let reply = exchange(&paths.socket, M::NAME, params, timeout_ms, effect_unknown, sent)?;
    serde_json::from_str(reply.get()).map_err(|_| match serde_json::from_str::<Value>(reply.get()) {
        Ok(value) => unexpected_reply(&value),
        Err(_) => unexpected_reply(&Value::String(reply.get().to_string())),
    })
}

/// A reply that does not have the expected shape.
pub fn unexpected_reply(reply: &Value) -> Error {
    Error::new(ErrorCode::ProtocolError, format!("Unexpected response from host: {reply}"))
}

/// One round trip: connect, write the request line, read the reply line.
fn exchange<P: Serialize>(
    socket: &Path,
    method: &str,
    params: &P,
    timeout_ms: u64,
    effect_unknown: bool,
    sent: impl FnOnce(),
) -> Result<Box<RawValue>> {
    if CURRENT.with(|current| current.borrow().as_ref().is_some_and(Cancel::is_cancelled)) {
        return Err(cancelled_error(method));
    }
    let id = crate::fsio::uuid_v4();
    let request = Outgoing { id: &id, method, params };
    let transport = |e: std::io::Error| transport_error(socket, method, timeout_ms, &e);
    // The directory is checked and held (no symlink, ours), and the server must run as us.
    let (_dir, via_fd) = crate::socket_dir::open_existing(socket).map_err(|refused| match refused {
        crate::socket_dir::Unreachable::Io(e) => transport(e),
        crate::socket_dir::Unreachable::Unsafe(e) => {
            e.with("method", method).with("socketPath", socket_str(socket))
        }
    })?;
    // `connect()` is always bounded, also when the caller disabled the read timeout.
    let connect_ms = if timeout_ms > 0 { timeout_ms } else { DEFAULT_TIMEOUT_MS };
    let mut stream = crate::socket_connect::connect(&via_fd, Duration::from_millis(connect_ms))
        .map_err(|e| transport_error(socket, method, connect_ms, &e))?;
    crate::socket_dir::check_server(&stream, socket).map_err(|e| e.with("method", method))?;
    let registered = Registered::new(&stream).map_err(transport)?;
    let cancelled = || registered.as_ref().is_some_and(Registered::cancelled);
    if cancelled() {
        return Err(cancelled_error(method));
    }
    let timeout = (timeout_ms > 0).then(|| Duration::from_millis(timeout_ms));
    stream.set_read_timeout(timeout).map_err(transport)?;
    stream.set_write_timeout(timeout).map_err(transport)?;
    let mut line = serde_json::to_vec(&request).map_err(|e| Error::internal(e.to_string()))?;
    line.push(b'\n');
    stream.write_all(&line).map_err(|e| if cancelled() { cancelled_error(method) } else { transport(e) })?;
    sent();
    let reply = read_line(&mut stream);
    if cancelled() {
        return Err(cancelled_error(method));
    }
    let reply = reply.map_err(|e| {
        let mut error = transport(e);
        if effect_unknown && error.code == ErrorCode::HostTimeout {
            error.message.push_str(
                " The command was already sent to the session and may have run: check the \
                 screen (agent-tty snapshot) or the event log before running it again.",
            );
            error = error.with_effect_unknown();
        }
        error
    })?;
    decode_reply(&id, method, &reply)
}

/// Ends, from another thread, the host connections of the calls made inside
/// [`Cancel::scope`] (see the module documentation). Clones share one cancellation.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<Mutex<Cancelling>>);

#[derive(Debug, Default)]
struct Cancelling {
    cancelled: bool,
    next_key: u64,
    /// A duplicate of each open connection's socket, by key; the call removes (and so
    /// closes) its own when it returns.
    open: Vec<(u64, UnixStream)>,
}

thread_local! {
    /// The cancellation the calls on this thread register with.
    static CURRENT: RefCell<Option<Cancel>> = const { RefCell::new(None) };
}

impl Cancel {
    /// A cancellation not cancelled yet.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Runs `f` on this thread with its calls registered with this cancellation.
    pub fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        struct Restore(Option<Cancel>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let previous = self.0.take();
                CURRENT.with(|current| *current.borrow_mut() = previous);
            }
        }
        let previous = CURRENT.with(|current| current.borrow_mut().replace(self.clone()));
        let _restore = Restore(previous);
        f()
    }

    /// Cancels: every open connection of the scope is shut down, and its later calls fail
    /// before they connect. Idempotent.
    pub fn cancel(&self) {
        let mut state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        state.cancelled = true;
        for (_, stream) in &state.open {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).cancelled
    }
}

/// A connection registered with the thread's [`Cancel`], removed when dropped.
struct Registered {
    cancel: Cancel,
    key: u64,
}

impl Registered {
    /// Registers `stream` when this thread runs inside a [`Cancel::scope`].
    fn new(stream: &UnixStream) -> std::io::Result<Option<Registered>> {
        let Some(cancel) = CURRENT.with(|current| current.borrow().clone()) else {
            return Ok(None);
        };
        let duplicate = stream.try_clone()?;
        let mut state = cancel.0.lock().unwrap_or_else(PoisonError::into_inner);
        let key = state.next_key;
        state.next_key += 1;
        // Cancelled meanwhile: the caller sees it and gives up before writing.
        if !state.cancelled {
            state.open.push((key, duplicate));
        }
        drop(state);
        Ok(Some(Registered { cancel, key }))
    }

    fn cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        let mut state = self.cancel.0.lock().unwrap_or_else(PoisonError::into_inner);
        state.open.retain(|(key, _)| *key != self.key);
    }
}

/// The error of a call whose [`Cancel`] was cancelled.
fn cancelled_error(method: &str) -> Error {
    Error::new(ErrorCode::RpcError, "The call was cancelled; its connection to the session host was closed.")
        .with("method", method)
}

fn read_line(stream: &mut UnixStream) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(buf);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.iter().position(|&b| b == b'\n') {
            buf.truncate(end + 1);
            return Ok(buf);
        }
        if buf.len() > MAX_MESSAGE_BYTES {
            return Err(std::io::Error::new(
                ErrorKind::InvalidData,
                "RPC response exceeds maximum buffer size.",
            ));
        }
    }
}

fn decode_reply(id: &str, method: &str, reply: &[u8]) -> Result<Box<RawValue>> {
    let rpc_error = |message: String| Error::new(ErrorCode::RpcError, message).with("method", method);
    let Some(line) = reply.strip_suffix(b"\n") else {
        return Err(rpc_error("RPC connection closed before a response was received.".into()));
    };
    let response: Response =
        serde_json::from_slice(line).map_err(|e| rpc_error(format!("Invalid RPC response: {e}")))?;
    // A host answers `"unknown"` when it refused the connection before it could read the
    // request's id (over its connection cap, no request line in time): its error is the
    // useful message, not the id mismatch.
    let refused = response.id == "unknown" && !response.ok && response.error.is_some();
    if response.id != id && !refused {
        return Err(rpc_error(format!("RPC response id {:?} does not match request {id:?}.", response.id)));
    }
    match (response.ok, response.result, response.error) {
        (true, Some(result), None) => Ok(result),
        (false, None, Some(err)) => Err(match ErrorCode::parse(&err.code) {
            Some(code) => Error::new(code, err.message),
            None => {
                let mut e = Error::new(ErrorCode::InternalError, err.message);
                e.foreign_code = Some(err.code);
                e
            }
        }),
        _ => Err(rpc_error("Invalid RPC response envelope.".into())),
    }
}

fn socket_str(socket: &Path) -> String {
    socket.display().to_string()
}

fn transport_error(socket: &Path, method: &str, timeout_ms: u64, e: &std::io::Error) -> Error {
    let socket_str = socket.display().to_string();
    match e.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => {
            Error::new(ErrorCode::HostTimeout, format!("RPC request timed out after {timeout_ms}ms."))
                .with("method", method)
                .with("socketPath", socket_str)
                .with("timeoutMs", timeout_ms)
        }
        ErrorKind::ConnectionRefused | ErrorKind::NotFound | ErrorKind::ConnectionReset => {
            let errno = match e.kind() {
                ErrorKind::ConnectionRefused => "ECONNREFUSED",
                ErrorKind::NotFound => "ENOENT",
                _ => "ECONNRESET",
            };
            Error::new(ErrorCode::HostUnreachable, format!("Failed to reach RPC host at {socket_str}."))
                .with("method", method)
                .with("socketPath", socket_str)
                .with("errno", errno)
        }
        _ => Error::new(ErrorCode::RpcError, format!("RPC transport error: {e}"))
            .with("method", method)
            .with("socketPath", socket_str),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::EmptyParams;

    /// One `method({})` round trip to the socket at `path` with an explicit timeout.
    fn call(path: &Path, method: &str, timeout_ms: u64) -> Result<Box<RawValue>> {
        exchange(path, method, &EmptyParams {}, timeout_ms, false, || {})
    }

    #[test]
    fn cancel_ends_a_pending_call_and_its_connection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let cancel = Cancel::new();
        let scope = cancel.clone();
        let target = path.clone();
        // A host that never answers: only the cancellation can end this call early.
        let caller = std::thread::spawn(move || scope.scope(|| call(&target, "waitForRender", 20_000)));
        let (mut host_side, _) = listener.accept().unwrap();
        assert!(read_line(&mut host_side).unwrap().ends_with(b"\n"), "the request arrived");
        cancel.cancel();
        let err = caller.join().unwrap().unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (ErrorCode::RpcError, "The call was cancelled; its connection to the session host was closed.")
        );
        assert_eq!(err.details["method"], "waitForRender");
        // The host side sees its client hang up, and no duplicate of the socket is left.
        let mut rest = Vec::new();
        assert_eq!(host_side.read_to_end(&mut rest).unwrap(), 0);
        assert!(cancel.0.lock().unwrap().open.is_empty());
        // Later calls of the scope fail without connecting; calls outside it are unaffected.
        let err = cancel.scope(|| call(&path, "inspect", 100)).unwrap_err();
        assert!(err.message.starts_with("The call was cancelled"), "{}", err.message);
        listener.set_nonblocking(true).unwrap();
        assert!(listener.accept().is_err(), "a cancelled scope connected again");
        let err = call(&path, "inspect", 100).unwrap_err();
        assert_eq!(err.code, ErrorCode::HostTimeout);
    }

    #[test]
    fn missing_socket_is_host_unreachable() {
        let dir = tempfile::tempdir().unwrap();
        let err = call(&dir.path().join("no-such-socket"), "inspect", 100).unwrap_err();
        assert_eq!(err.code, ErrorCode::HostUnreachable);
        assert_eq!(err.details["errno"], "ENOENT");
    }

    #[test]
    fn socket_in_a_shared_directory_is_refused() {
        // /tmp is writable by everyone: whoever made a socket there is not trusted.
        let err = call(Path::new("/tmp/agent-tty-test-no-such-socket"), "inspect", 100).unwrap_err();
        assert_eq!(err.code, ErrorCode::HostUnreachable);
        assert_eq!(err.details["path"], "/tmp");
        assert_eq!(
            (&err.details["method"], &err.details["socketPath"]),
            (&"inspect".into(), &"/tmp/agent-tty-test-no-such-socket".into())
        );
    }

    #[test]
    fn silent_host_is_host_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let err = call(&path, "inspect", 50).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (ErrorCode::HostTimeout, "RPC request timed out after 50ms.")
        );
    }

    #[test]
    #[allow(unsafe_code)]
    fn full_accept_backlog_is_host_timeout() {
        use std::os::fd::AsRawFd;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        // SAFETY: listen(2) on a bound socket we own; a backlog of 0 fills at once.
        assert_eq!(unsafe { libc::listen(listener.as_raw_fd(), 0) }, 0);
        let mut queued = Vec::new();
        while let Ok(stream) = crate::socket_connect::connect(&path, Duration::from_millis(20)) {
            queued.push(stream);
            assert!(queued.len() < 64, "the backlog never filled");
        }
        let err = call(&path, "type", 100).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (ErrorCode::HostTimeout, "RPC request timed out after 100ms.")
        );
        assert_eq!(
            (&err.details["method"], &err.details["timeoutMs"]),
            (&Value::from("type"), &Value::from(100))
        );
        assert_eq!(err.details["socketPath"], path.display().to_string());
    }

    /// A one-shot host at `path`: reads the request line, answers `result`, returns
    /// the request line it read.
    fn fake_host(path: &Path, result: &'static str) -> std::thread::JoinHandle<String> {
        let listener = std::os::unix::net::UnixListener::bind(path).unwrap();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let line = read_line(&mut stream).unwrap();
            let request: Value = serde_json::from_slice(&line).unwrap();
            let reply = format!("{{\"id\":{},\"ok\":true,\"result\":{result}}}\n", request["id"]);
            stream.write_all(reply.as_bytes()).unwrap();
            String::from_utf8(line).unwrap()
        })
    }

    #[test]
    fn typed_calls_write_the_wire_line_and_decode_the_reply() {
        use crate::protocol::{MarkParams, Seq, method};
        let dir = tempfile::tempdir().unwrap();
        let mut paths = SessionPaths::new(dir.path(), "s");
        paths.socket = dir.path().join("sock");
        let host = fake_host(&paths.socket, r#"{"seq":4}"#);
        let reply = call_typed::<method::Mark>(&paths, &MarkParams { label: "x".into() }).unwrap();
        assert_eq!(reply.seq, Seq(4));
        let line = host.join().unwrap();
        let id = &line[7..43];
        assert_eq!(line, format!("{{\"id\":\"{id}\",\"method\":\"mark\",\"params\":{{\"label\":\"x\"}}}}\n"));
        std::fs::remove_file(&paths.socket).unwrap();
        let host = fake_host(&paths.socket, r#"{"sequence":4}"#);
        let err = call_typed::<method::Mark>(&paths, &MarkParams { label: "x".into() }).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (ErrorCode::ProtocolError, r#"Unexpected response from host: {"sequence":4}"#)
        );
        host.join().unwrap();
    }

    #[test]
    fn refusal_before_the_id_was_read_keeps_the_hosts_message() {
        let line =
            b"{\"id\":\"unknown\",\"ok\":false,\"error\":{\"code\":\"RPC_ERROR\",\"message\":\"busy\"}}\n";
        let err = decode_reply("x", "type", line).unwrap_err();
        assert_eq!((err.code, err.message.as_str()), (ErrorCode::RpcError, "busy"));
        let ok = b"{\"id\":\"unknown\",\"ok\":true,\"result\":{}}\n";
        assert!(decode_reply("x", "type", ok).unwrap_err().message.contains("does not match"));
    }

    #[test]
    fn decodes_errors_and_checks_ids() {
        let line = br#"{"id":"x","ok":false,"error":{"code":"INVALID_KEYS","message":"Unknown base key: X"}}
"#;
        let err = decode_reply("x", "sendKeys", line).unwrap_err();
        assert_eq!((err.code, err.details.len()), (ErrorCode::InvalidKeys, 0));
        let err = decode_reply("y", "sendKeys", line).unwrap_err();
        assert_eq!(err.code, ErrorCode::RpcError);
        let odd = b"{\"id\":\"x\",\"ok\":false,\"error\":{\"code\":\"ODD\",\"message\":\"m\"}}\n";
        assert_eq!(decode_reply("x", "m", odd).unwrap_err().exit_code(), 1);
    }
}
