//! The blocking RPC client used by every CLI command: connect, write one request line,
//! read one response line. Transport failures become `HOST_UNREACHABLE`, `HOST_TIMEOUT`
//! or `RPC_ERROR` exactly as agent-tty 0.5.0 reports them.

use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, Result};
use crate::protocol::{MAX_MESSAGE_BYTES, Request, Response};

/// Default RPC inactivity timeout.
pub const DEFAULT_TIMEOUT_MS: u64 = 5000;

/// Sends `method(params)` to the host at `socket` and returns its `result`.
/// `timeout_ms` is an inactivity timeout; 0 disables it.
pub fn call(socket: &Path, method: &str, params: Map<String, Value>, timeout_ms: u64) -> Result<Value> {
    let request = Request { id: crate::fsio::uuid_v4(), method: method.to_string(), params };
    let transport = |e: std::io::Error| transport_error(socket, method, timeout_ms, &e);
    // The directory is checked and held (no symlink, ours), and the server must run as us.
    let (_dir, via_fd) = crate::socket_dir::open_existing(socket).map_err(|refused| match refused {
        crate::socket_dir::Unreachable::Io(e) => transport(e),
        crate::socket_dir::Unreachable::Unsafe(e) => {
            e.with("method", method).with("socketPath", socket_str(socket))
        }
    })?;
    let mut stream = UnixStream::connect(&via_fd).map_err(transport)?;
    crate::socket_dir::check_server(&stream, socket).map_err(|e| e.with("method", method))?;
    let timeout = (timeout_ms > 0).then(|| Duration::from_millis(timeout_ms));
    stream.set_read_timeout(timeout).map_err(transport)?;
    stream.set_write_timeout(timeout).map_err(transport)?;
    let mut line = serde_json::to_vec(&request).map_err(|e| Error::internal(e.to_string()))?;
    line.push(b'\n');
    stream.write_all(&line).map_err(transport)?;
    let reply = read_line(&mut stream).map_err(transport)?;
    decode_reply(&request.id, method, &reply)
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

fn decode_reply(id: &str, method: &str, reply: &[u8]) -> Result<Value> {
    let rpc_error = |message: String| Error::new(ErrorCode::RpcError, message).with("method", method);
    let Some(line) = reply.strip_suffix(b"\n") else {
        return Err(rpc_error("RPC connection closed before a response was received.".into()));
    };
    let response: Response =
        serde_json::from_slice(line).map_err(|e| rpc_error(format!("Invalid RPC response: {e}")))?;
    if response.id != id {
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

    #[test]
    fn missing_socket_is_host_unreachable() {
        let dir = tempfile::tempdir().unwrap();
        let err = call(&dir.path().join("no-such-socket"), "inspect", Map::new(), 100).unwrap_err();
        assert_eq!(err.code, ErrorCode::HostUnreachable);
        assert_eq!(err.details["errno"], "ENOENT");
    }

    #[test]
    fn socket_in_a_shared_directory_is_refused() {
        // /tmp is writable by everyone: whoever made a socket there is not trusted.
        let err =
            call(Path::new("/tmp/agent-tty-test-no-such-socket"), "inspect", Map::new(), 100).unwrap_err();
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
        let err = call(&path, "inspect", Map::new(), 50).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (ErrorCode::HostTimeout, "RPC request timed out after 50ms.")
        );
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
