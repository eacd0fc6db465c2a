//! The host's socket server: accepts connections, reads one request line each, hands the
//! request to the actor and writes back its one response line. A client that hangs up
//! while its request is pending cancels it (no response is written).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::error::{Error, ErrorCode, Result};
use crate::protocol::{MAX_MESSAGE_BYTES, Request, Response, parse_request};

/// A request delivered to the actor, with the channel for its response.
#[derive(Debug)]
pub struct Incoming {
    /// The parsed request.
    pub request: Request,
    /// Where the response goes; closed if the client went away.
    pub reply: oneshot::Sender<Response>,
}

/// Binds the socket at `path` (removing a stale one, refusing a live one), mode 0600.
pub async fn bind(path: &Path) -> Result<UnixListener> {
    if path.exists() {
        let probe = tokio::time::timeout(std::time::Duration::from_secs(1), UnixStream::connect(path)).await;
        if matches!(probe, Ok(Ok(_))) {
            return Err(Error::internal(format!("Another host is already listening on {}.", path.display())));
        }
        let _ = std::fs::remove_file(path);
    }
    let listener = UnixListener::bind(path).map_err(|e| Error::storage_write(path, &e))?;
    crate::fsio::chmod(path, 0o600).map_err(|e| Error::storage_write(path, &e))?;
    Ok(listener)
}

/// Counts open connections, so shutdown can finish the requests already accepted.
#[derive(Debug, Default)]
pub struct Connections {
    open: AtomicUsize,
    closed: Notify,
}

impl Connections {
    /// How many connections are open.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// Resolves after some connection closed (a permit is kept if nobody waits).
    pub async fn some_closed(&self) {
        self.closed.notified().await;
    }
}

struct Open(Arc<Connections>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
        self.0.closed.notify_one();
    }
}

/// Accepts connections until aborted, spawning one task per connection.
pub async fn serve(listener: UnixListener, actor: mpsc::Sender<Incoming>, connections: Arc<Connections>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        connections.open.fetch_add(1, Ordering::SeqCst);
        let open = Open(Arc::clone(&connections));
        let actor = actor.clone();
        tokio::spawn(async move {
            handle(stream, actor).await;
            drop(open);
        });
    }
}

async fn handle(mut stream: UnixStream, actor: mpsc::Sender<Incoming>) {
    if !client_is_ours(&mut stream).await {
        return;
    }
    let line = match read_request_line(&mut stream).await {
        Ok(line) => line,
        Err(message) => {
            let error = Error::new(ErrorCode::RpcError, message);
            let _ = stream.write_all(&Response::failure("unknown", &error).to_line()).await;
            return;
        }
    };
    let request = match parse_request(&line) {
        Ok(request) => request,
        Err((id, error)) => {
            let _ = stream.write_all(&Response::failure(&id, &error).to_line()).await;
            return;
        }
    };
    let (reply, response) = oneshot::channel();
    if actor.send(Incoming { request, reply }).await.is_err() {
        return;
    }
    let (mut read_half, mut write_half) = stream.split();
    let mut scratch = [0u8; 256];
    let response = tokio::select! {
        response = response => response,
        // Any further read returning 0 (or failing) means the client hung up.
        _ = async { while let Ok(n) = read_half.read(&mut scratch).await { if n == 0 { break } } } => return,
    };
    if let Ok(response) = response {
        let _ = write_half.write_all(&response.to_line()).await;
        let _ = write_half.shutdown().await;
    }
}

/// Only our own uid is served: another user's connection gets an `RPC_ERROR` line and is
/// closed before its request is read, so nothing it sends is executed.
async fn client_is_ours(stream: &mut UnixStream) -> bool {
    match crate::socket_dir::check_client(stream) {
        Ok(()) => true,
        Err(error) => {
            let _ = stream.write_all(&Response::failure("unknown", &error).to_line()).await;
            let _ = stream.shutdown().await;
            false
        }
    }
}

async fn read_request_line(stream: &mut UnixStream) -> std::result::Result<Vec<u8>, String> {
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err(if buf.is_empty() {
                "RPC request ended before any data was received.".into()
            } else {
                "RPC request was not newline-delimited.".into()
            });
        }
        let start = buf.len();
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf[start..].iter().position(|&b| b == b'\n') {
            buf.truncate(start + pos);
            return Ok(buf);
        }
        if buf.len() > MAX_MESSAGE_BYTES {
            return Err("RPC request exceeds maximum buffer size.".into());
        }
    }
}
