//! The client side of `agent-tty events`: a session's Event Log as raw lines, read from
//! the file ([`LogCursor`]) and pushed by its host ([`Subscription`], the `subscribe`
//! method, see [`crate::host::subscribers`]).
//!
//! Lines are handed on exactly as written (a record of the stream is the record of
//! `events.jsonl`, byte for byte); only its seq and type are read ([`RecordHead`]), on a
//! fast path for lines as the host writes them. The seam between the file and the push
//! stream is the subscription's `latestSeq`: records up to it are read from the file,
//! later ones come from the host, so none is missed or doubled.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind, Seek, SeekFrom, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, ErrorCode, Result};
use crate::paths::SessionPaths;
use crate::protocol::{DEFAULT_TIMEOUT_MS, Outgoing, Response, SUBSCRIBE, SubscribeParams, SubscribeReply};

/// The record types of the Event Log (spec: `events.jsonl`).
pub const RECORD_TYPES: [&str; 10] = [
    "output",
    "input_text",
    "input_paste",
    "input_keys",
    "input_run",
    "run_complete",
    "resize",
    "signal",
    "exit",
    "marker",
];

/// What `events` reads of a record line: its seq and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordHead<'a> {
    /// The record's seq.
    pub seq: u64,
    /// Its `type`.
    pub kind: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Head<'a> {
    seq: u64,
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
}

impl<'a> RecordHead<'a> {
    /// The seq and type of a record line (newline optional); `None` when it is not a
    /// record (garbage, a torn line, a derived line).
    pub fn parse(line: &'a [u8]) -> Option<RecordHead<'a>> {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        fast_head(line).or_else(|| {
            let head: Head<'a> = serde_json::from_slice(line).ok()?;
            Some(RecordHead { seq: head.seq, kind: head.kind })
        })
    }
}

/// `{"seq":N,"ts":"…","type":"T",` as the host writes every line.
fn fast_head(line: &[u8]) -> Option<RecordHead<'_>> {
    let rest = line.strip_prefix(b"{\"seq\":")?;
    let digits = rest.iter().position(|b| !b.is_ascii_digit()).filter(|&d| d > 0)?;
    let seq = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    let rest = rest[digits..].strip_prefix(b",\"ts\":\"")?;
    let end = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
    let rest = rest[end..].strip_prefix(b"\",\"type\":\"")?;
    let end = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
    let kind = std::str::from_utf8(&rest[..end]).ok()?;
    rest[end..].starts_with(b"\",").then_some(RecordHead { seq, kind: Cow::Borrowed(kind) })
}

/// A reading position in a log file that only grows: each read goes on from the end of
/// the last complete line read before (a line still being written is left for later).
#[derive(Debug)]
pub struct LogCursor {
    path: PathBuf,
    offset: u64,
}

impl LogCursor {
    /// A cursor at the start of the log at `path`.
    pub fn new(path: PathBuf) -> LogCursor {
        LogCursor::at(path, 0)
    }

    /// A cursor at byte `offset` of the log at `path`, which must be a line's start.
    pub fn at(path: PathBuf, offset: u64) -> LogCursor {
        LogCursor { path, offset }
    }

    /// Reads the complete lines after the cursor and hands each to `visit`, until the
    /// file's end or until `visit` returns false (the cursor is then after that line).
    /// A missing file holds no lines.
    pub fn read(&mut self, mut visit: impl FnMut(&[u8]) -> bool) -> std::io::Result<()> {
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        file.seek(SeekFrom::Start(self.offset))?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let mut line = Vec::with_capacity(1 << 16);
        loop {
            line.clear();
            let n = reader.read_until(b'\n', &mut line)?;
            if n == 0 || line.last() != Some(&b'\n') {
                return Ok(());
            }
            self.offset += n as u64;
            if !visit(&line) {
                return Ok(());
            }
        }
    }
}

/// An open `subscribe` connection: the lines its host pushes.
#[derive(Debug)]
pub struct Subscription {
    reader: BufReader<UnixStream>,
    /// The newest record already in the log file when the subscription began.
    pub latest_seq: Option<u64>,
}

impl Subscription {
    /// Subscribes to the session's host. `HOST_UNREACHABLE` when no host listens.
    pub fn open(paths: &SessionPaths, params: &SubscribeParams) -> Result<Subscription> {
        let socket = &paths.socket;
        let unreachable = |e: std::io::Error| transport_error(socket, &e);
        let (_dir, via_fd) = crate::socket_dir::open_existing(socket).map_err(|refused| match refused {
            crate::socket_dir::Unreachable::Io(e) => unreachable(e),
            crate::socket_dir::Unreachable::Unsafe(e) => e,
        })?;
        let timeout = Duration::from_millis(DEFAULT_TIMEOUT_MS);
        let mut stream = crate::socket_connect::connect(&via_fd, timeout).map_err(unreachable)?;
        crate::socket_dir::check_server(&stream, socket)?;
        stream.set_write_timeout(Some(timeout)).map_err(unreachable)?;
        stream.set_read_timeout(Some(timeout)).map_err(unreachable)?;
        let id = crate::fsio::uuid_v4();
        let mut request = serde_json::to_vec(&Outgoing { id: &id, method: SUBSCRIBE, params })
            .map_err(|e| Error::internal(e.to_string()))?;
        request.push(b'\n');
        stream.write_all(&request).map_err(unreachable)?;
        let mut reader = BufReader::new(stream);
        let mut line = Vec::new();
        reader.read_until(b'\n', &mut line).map_err(unreachable)?;
        let reply = decode_reply(&line)?;
        // From now on the stream waits as long as the session lives.
        reader.get_ref().set_read_timeout(None).map_err(unreachable)?;
        Ok(Subscription { reader, latest_seq: reply.latest_seq })
    }

    /// A second handle on the connection: its `shutdown` ends the stream from another
    /// thread (a blocked [`next_line`](Self::next_line) then returns false).
    pub fn socket(&self) -> std::io::Result<UnixStream> {
        self.reader.get_ref().try_clone()
    }

    /// Whether pushed bytes are waiting here already (the next line needs no read).
    pub fn has_buffered(&self) -> bool {
        !self.reader.buffer().is_empty()
    }

    /// The next pushed line (with its newline) into `line`; false when the host closed
    /// the stream (or the connection broke).
    pub fn next_line(&mut self, line: &mut Vec<u8>) -> bool {
        line.clear();
        matches!(self.reader.read_until(b'\n', line), Ok(n) if n > 0) && line.last() == Some(&b'\n')
    }
}

fn decode_reply(line: &[u8]) -> Result<SubscribeReply> {
    let rpc = |message: String| Error::new(ErrorCode::RpcError, message).with("method", SUBSCRIBE);
    let Some(line) = line.strip_suffix(b"\n") else {
        return Err(rpc("RPC connection closed before a response was received.".into()));
    };
    let response: Response =
        serde_json::from_slice(line).map_err(|e| rpc(format!("Invalid RPC response: {e}")))?;
    match (response.ok, response.result, response.error) {
        (true, Some(result), None) => serde_json::from_str(result.get())
            .map_err(|_| crate::client::unexpected_reply(&serde_json::Value::String(result.get().into()))),
        (false, _, Some(err)) => {
            let code = ErrorCode::parse(&err.code).unwrap_or(ErrorCode::RpcError);
            Err(Error::new(code, err.message).with("method", SUBSCRIBE))
        }
        _ => Err(rpc("Invalid RPC response envelope.".into())),
    }
}

fn transport_error(socket: &Path, e: &std::io::Error) -> Error {
    let socket_str = socket.display().to_string();
    match e.kind() {
        ErrorKind::ConnectionRefused | ErrorKind::NotFound | ErrorKind::ConnectionReset => {
            Error::new(ErrorCode::HostUnreachable, format!("Failed to reach RPC host at {socket_str}."))
                .with("method", SUBSCRIBE)
                .with("socketPath", socket_str)
        }
        ErrorKind::WouldBlock | ErrorKind::TimedOut => {
            Error::new(ErrorCode::HostTimeout, format!("RPC request timed out after {DEFAULT_TIMEOUT_MS}ms."))
                .with("method", SUBSCRIBE)
                .with("socketPath", socket_str)
        }
        _ => Error::new(ErrorCode::RpcError, format!("RPC transport error: {e}"))
            .with("method", SUBSCRIBE)
            .with("socketPath", socket_str),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_read_fast_and_slow_alike() {
        let fast = br#"{"seq":12,"ts":"2026-01-01T00:00:00.000Z","type":"output","payload":{"data":"x"}}"#;
        let head = RecordHead::parse(fast).unwrap();
        assert!(matches!(head.kind, Cow::Borrowed(_)));
        assert_eq!((head.seq, head.kind.as_ref()), (12, "output"));
        let slow = br#"{"type":"marker","seq":3,"ts":"t","payload":{"label":"a"}}"#;
        assert_eq!(RecordHead::parse(slow).map(|h| (h.seq, h.kind.into_owned())), Some((3, "marker".into())));
        assert_eq!(RecordHead::parse(br#"{"derived":"idle","seq":3}"#), None);
        assert_eq!(RecordHead::parse(b"garbage"), None);
    }

    #[test]
    fn the_cursor_leaves_a_line_in_progress_for_later() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        std::fs::write(&path, "a\nb\nc").unwrap();
        let mut cursor = LogCursor::new(path.clone());
        let mut seen = Vec::new();
        cursor
            .read(|l| {
                seen.push(l.to_vec());
                true
            })
            .unwrap();
        assert_eq!(seen, [b"a\n".to_vec(), b"b\n".to_vec()]);
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"\nd\n").unwrap();
        seen.clear();
        cursor
            .read(|l| {
                seen.push(l.to_vec());
                false
            })
            .unwrap();
        cursor
            .read(|l| {
                seen.push(l.to_vec());
                true
            })
            .unwrap();
        assert_eq!(seen, [b"c\n".to_vec(), b"d\n".to_vec()]);
    }
}
