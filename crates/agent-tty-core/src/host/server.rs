//! The host's socket server: accepts connections, reads one request line each, hands the
//! request to the actor and writes back its one response line. A client that hangs up
//! while its request is pending cancels it: its connection closes at once (no response
//! is written) and the actor is told ([`Incoming::HungUp`]), so it drops the parked wait
//! or run right away instead of keeping it until its own time-out. One that hung up
//! before the actor got to its request never has it executed. Limits on connections
//! (cap, idle timeout, accept back-off) are in [`crate::host::connection`].

use std::ffi::OsStr;
use std::io::ErrorKind;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::error::{Error, ErrorCode, Result};
use crate::host::connection::{self, BUSY_READ_TIMEOUT, ClientProbe, MAX_CONNECTIONS, WRITE_TIMEOUT};
use crate::host::subscribers;
use crate::protocol::{MAX_MESSAGE_BYTES, Request, Response, parse_request};
use crate::socket_dir::SocketDir;

/// What a connection tells the actor.
#[derive(Debug)]
pub enum Incoming {
    /// A request to execute.
    Request(Call),
    /// The client of a pending request closed its socket: the actor drops every parked
    /// request whose reply channel is closed (a wait, a waited run).
    HungUp,
}

/// A request delivered to the actor, with the channel for its response.
#[derive(Debug)]
pub struct Call {
    /// The parsed request.
    pub request: Request,
    /// Where the response goes; closed if the client went away.
    pub reply: oneshot::Sender<Response>,
    /// Whether the client is still connected: a request whose client gave up is dropped
    /// unexecuted.
    pub client: ClientProbe,
    /// A `subscribe` request's queue, which this connection writes out after the reply.
    pub subscription: Option<Arc<subscribers::Queue>>,
}

/// Binds the socket `name` in the checked directory `dir` (refusing a live one, removing a
/// stale one), mode 0600. The probe, the removal and the chmod go through the held
/// directory, never by a path that could have been swapped (see [`SocketDir::bind`]).
pub async fn bind(dir: &SocketDir, name: &OsStr) -> Result<UnixListener> {
    let path = dir.path().join(name);
    if dir.has_socket(name) {
        let probe = tokio::time::timeout(Duration::from_secs(1), UnixStream::connect(dir.via_fd(name))).await;
        if matches!(probe, Ok(Ok(_))) {
            return Err(Error::internal(format!("Another host is already listening on {}.", path.display())));
        }
    }
    let listener = dir.bind(name)?;
    listener.set_nonblocking(true).map_err(|e| Error::storage_write(&path, &e))?;
    UnixListener::from_std(listener).map_err(|e| Error::storage_write(&path, &e))
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

/// Accepts connections until aborted, spawning one task per connection. Connections
/// over [`MAX_CONNECTIONS`] are refused with an error line; a failing `accept()` is
/// retried after a growing pause (see [`crate::host::connection`]).
pub async fn serve(listener: UnixListener, actor: mpsc::Sender<Incoming>, connections: Arc<Connections>) {
    let idle = connection::idle_timeout();
    let mut backoff = Duration::ZERO;
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // EMFILE and friends leave the listener readable: without a pause this
                // loop would spin until a descriptor frees up.
                backoff = connection::next_backoff(backoff);
                tokio::time::sleep(backoff).await;
                continue;
            }
        };
        backoff = Duration::ZERO;
        if connections.open() >= MAX_CONNECTIONS {
            tokio::spawn(refuse_busy(stream));
            continue;
        }
        connections.open.fetch_add(1, Ordering::SeqCst);
        let open = Open(Arc::clone(&connections));
        let actor = actor.clone();
        tokio::spawn(async move {
            handle(Arc::new(stream), actor, idle).await;
            drop(open);
        });
    }
}

/// Answers a connection over the cap with [`connection::busy_error`], echoing its
/// request id when the request line arrives promptly.
async fn refuse_busy(stream: UnixStream) {
    let id = match tokio::time::timeout(BUSY_READ_TIMEOUT, read_request_line(&stream)).await {
        Ok(Ok(line)) => parse_request(&line).map_or_else(|(id, _)| id, |request| request.id),
        _ => "unknown".to_string(),
    };
    write_line(&stream, &Response::failure(&id, &connection::busy_error()).to_line()).await;
}

async fn handle(stream: Arc<UnixStream>, actor: mpsc::Sender<Incoming>, idle: Duration) {
    if !client_is_ours(&stream).await {
        return;
    }
    let line = match tokio::time::timeout(idle, read_request_line(&stream)).await {
        Ok(Ok(line)) => line,
        Ok(Err(message)) => {
            let error = Error::new(ErrorCode::RpcError, message);
            write_line(&stream, &Response::failure("unknown", &error).to_line()).await;
            return;
        }
        Err(_) => {
            let error = connection::idle_error(idle);
            write_line(&stream, &Response::failure("unknown", &error).to_line()).await;
            return;
        }
    };
    let request = match parse_request(&line) {
        Ok(request) => request,
        Err((id, error)) => {
            write_line(&stream, &Response::failure(&id, &error).to_line()).await;
            return;
        }
    };
    let (reply, mut response) = oneshot::channel();
    let client = ClientProbe::new(Arc::clone(&stream));
    let subscription = (request.method == crate::protocol::SUBSCRIBE).then(subscribers::Queue::new);
    let queue = subscription.clone();
    if actor.send(Incoming::Request(Call { request, reply, client, subscription })).await.is_err() {
        return;
    }
    let response = tokio::select! {
        response = &mut response => response,
        () = hung_up(&stream) => {
            // Closed first, so the actor finds this request's reply channel closed.
            drop(response);
            let _ = actor.send(Incoming::HungUp).await;
            return;
        }
    };
    if let Ok(response) = response {
        write_line(&stream, &response.to_line()).await;
        if let Some(queue) = queue.filter(|_| response.ok) {
            subscribers::pump(&stream, &queue).await;
        }
    }
}

/// Resolves when the client closed its socket. A half-close (`shutdown(SHUT_WR)` after
/// the request, as `nc -N` or `socat` do) is not a hang-up: the client still waits for
/// its answer, so from then on only the actor's [`ClientProbe`] check (full close) and
/// the reply's write can tell that it left.
async fn hung_up(stream: &Arc<UnixStream>) {
    let mut scratch = [0u8; 256];
    loop {
        if stream.readable().await.is_err() {
            return;
        }
        match stream.try_read(&mut scratch) {
            Ok(0) if ClientProbe::new(Arc::clone(stream)).gone() => return,
            // End of input but still connected: stop reading (the socket would stay
            // readable forever) and wait for the response alone.
            Ok(0) => return std::future::pending().await,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => return,
        }
    }
}

/// Only our own uid is served: another user's connection gets an `RPC_ERROR` line and is
/// closed before its request is read, so nothing it sends is executed.
async fn client_is_ours(stream: &UnixStream) -> bool {
    match crate::socket_dir::check_client(stream) {
        Ok(()) => true,
        Err(error) => {
            write_line(stream, &Response::failure("unknown", &error).to_line()).await;
            false
        }
    }
}

/// Writes one line, giving up after [`WRITE_TIMEOUT`] (a client that never reads must
/// not hold its connection forever). Failures are the client's problem: ignored.
async fn write_line(stream: &UnixStream, line: &[u8]) {
    let _ = tokio::time::timeout(WRITE_TIMEOUT, write_all(stream, line)).await;
}

/// Writes all of `rest` to the non-blocking `stream`, waiting while it is full.
pub(crate) async fn write_all(stream: &UnixStream, mut rest: &[u8]) -> std::io::Result<()> {
    while !rest.is_empty() {
        stream.writable().await?;
        match stream.try_write(rest) {
            Ok(n) => rest = &rest[n..],
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn read_request_line(stream: &UnixStream) -> std::result::Result<Vec<u8>, String> {
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 8192];
    loop {
        stream.readable().await.map_err(|e| e.to_string())?;
        let n = match stream.try_read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e.to_string()),
        };
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
