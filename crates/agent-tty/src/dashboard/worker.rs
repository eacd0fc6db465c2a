//! The loader thread: session-list refreshes (which reconcile, so they may signal
//! processes and rewrite manifests) and Home Registry scans run here, off the key loop.
//! Requests are answered in order; every answer carries the generation it was asked for,
//! so the app can drop answers that a Home switch or scope change made stale. A load that
//! panics is answered with its message (the footer shows it) and the thread carries on.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};

use agent_tty_core::home_scan::{self, HomeSummary};

use super::sessions::{self, Scope, SessionEntry};

/// The loader thread's name (the panic hook leaves the terminal alone for it).
pub const LOADER_THREAD: &str = "dashboard-loader";

/// Something to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// The sessions of `home` in `scope`.
    Sessions {
        /// Echoed in the reply.
        generation: u64,
        /// The observed Home.
        home: PathBuf,
        /// The list scope.
        scope: Scope,
    },
    /// The Homes of the registry at `registry` in `scope`.
    Homes {
        /// Echoed in the reply.
        generation: u64,
        /// The Home Registry file.
        registry: PathBuf,
        /// The picker scope.
        scope: Scope,
    },
}

/// A loaded result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Answer to [`Request::Sessions`].
    Sessions {
        /// The request's generation.
        generation: u64,
        /// The sessions, newest first, or why they could not be loaded.
        sessions: Result<Vec<SessionEntry>, String>,
    },
    /// Answer to [`Request::Homes`].
    Homes {
        /// The request's generation.
        generation: u64,
        /// The Homes, most recently seen first, or why they could not be loaded.
        homes: Result<Vec<HomeSummary>, String>,
    },
}

/// The loader thread's two ends.
#[derive(Debug)]
pub struct Worker {
    requests: Sender<Request>,
    replies: Receiver<Reply>,
}

impl Worker {
    /// Starts the thread; it ends when the `Worker` is dropped.
    pub fn spawn() -> std::io::Result<Worker> {
        let (requests, inbox) = mpsc::channel::<Request>();
        let (outbox, replies) = mpsc::channel::<Reply>();
        std::thread::Builder::new().name(LOADER_THREAD.into()).spawn(move || {
            for request in inbox {
                if outbox.send(answer(request)).is_err() {
                    break;
                }
            }
        })?;
        Ok(Worker { requests, replies })
    }

    /// Queues a request; false when the thread is gone.
    pub fn send(&self, request: Request) -> bool {
        self.requests.send(request).is_ok()
    }

    /// A finished result, if any; `Err(())` when the thread is gone.
    pub fn try_recv(&self) -> Result<Option<Reply>, ()> {
        match self.replies.try_recv() {
            Ok(reply) => Ok(Some(reply)),
            Err(TryRecvError::Empty) => Ok(None),
            Err(TryRecvError::Disconnected) => Err(()),
        }
    }
}

/// Runs one request.
pub fn answer(request: Request) -> Reply {
    match request {
        Request::Sessions { generation, home, scope } => {
            Reply::Sessions { generation, sessions: guarded(|| sessions::load(&home, scope)) }
        }
        Request::Homes { generation, registry, scope } => {
            let homes = guarded(|| home_scan::list_homes(&registry, scope == Scope::All));
            Reply::Homes { generation, homes }
        }
    }
}

/// Runs `load`, turning a panic into its message.
fn guarded<T>(load: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(load)).map_err(|payload| {
        let message = payload.downcast_ref::<&str>().map(|s| (*s).to_string());
        message.or_else(|| payload.downcast_ref::<String>().cloned()).unwrap_or_else(|| "load failed".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_in_order_with_the_generation() {
        let dir = tempfile::tempdir().unwrap();
        let worker = Worker::spawn().unwrap();
        let home = dir.path().join("home");
        assert!(worker.send(Request::Sessions { generation: 7, home, scope: Scope::All }));
        let registry = dir.path().join("homes.json");
        assert!(worker.send(Request::Homes { generation: 8, registry, scope: Scope::Active }));
        let mut replies = Vec::new();
        while replies.len() < 2 {
            if let Some(reply) = worker.try_recv().unwrap() {
                replies.push(reply);
            }
            std::thread::yield_now();
        }
        assert_eq!(replies[0], Reply::Sessions { generation: 7, sessions: Ok(vec![]) });
        assert_eq!(replies[1], Reply::Homes { generation: 8, homes: Ok(vec![]) });
    }

    #[test]
    fn a_panicking_load_becomes_its_message() {
        assert_eq!(guarded(|| 1), Ok(1));
        let quiet = std::thread::Builder::new().name(LOADER_THREAD.into());
        let failed = quiet.spawn(|| guarded(|| -> u8 { panic!("boom {}", 1) })).unwrap().join().unwrap();
        assert_eq!(failed, Err("boom 1".to_string()));
    }
}
