//! The host's push stream (`subscribe`, see [`crate::protocol::SubscribeParams`]): every
//! flushed batch of Event Log lines goes, as the bytes written to the file, to each
//! subscriber's bounded [`Queue`]; the subscriber's connection task ([`pump`]) writes the
//! queue to its socket. The actor never waits on a socket: a push is a memory copy into
//! a queue, and the queue's cost is bounded by [`QUEUE_LIMIT_BYTES`].
//!
//! A subscriber whose queue would grow past the limit (it, or whoever reads its output,
//! stopped reading) loses its backlog: the queue is emptied, one `missed` line says how
//! many records were dropped and after which seq the subscriber's own copy ends
//! (`resumeAfterSeq`), and the connection ends after that line. The log file has every
//! record, so the client resumes from it and subscribes again; the host keeps no copy of
//! past events for it.
//!
//! Derived lines are made here too: `screen` (the Screen Hash of the live screen when
//! its text changed, at most every [`SCREEN_SPACING`] while output streams, the last
//! change always pushed) and `idle` (the output paused for the subscriber's idle time;
//! once per pause). `commandFinished` is not made by the host: the client derives it
//! from the `agent-tty:command-end` marker record, so it is replayed from the log too.

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use agent_tty_vt::Screen;
use serde::Serialize;
use tokio::net::UnixStream;
use tokio::sync::Notify;

use crate::error::{Error, ErrorCode};
use crate::protocol::{DEFAULT_IDLE_MS, SubscribeParams, SubscribeReply};

/// The most bytes a subscriber's queue holds before its backlog is dropped.
pub const QUEUE_LIMIT_BYTES: usize = 2 << 20;

/// The shortest time between two `screen` lines while output streams.
pub const SCREEN_SPACING: Duration = Duration::from_millis(50);

/// One queued piece of the stream: whole lines.
#[derive(Debug, Clone)]
struct Item {
    bytes: Arc<[u8]>,
    /// The seq of the last record in it (derived lines: none).
    last_seq: Option<u64>,
}

#[derive(Debug, Default)]
struct State {
    items: VecDeque<Item>,
    bytes: usize,
    /// No more items will come (after the exit, or after a `missed` line).
    closed: bool,
    /// The connection is gone: pushes are pointless.
    left: bool,
    /// The last record seq handed to the socket writer (or the subscription's start).
    delivered: Option<u64>,
}

/// A subscriber's queue, shared by the actor (which pushes) and the connection task
/// (which writes).
#[derive(Debug, Default)]
pub struct Queue {
    state: Mutex<State>,
    ready: Notify,
}

enum Pushed {
    Queued,
    /// The backlog was dropped and the `missed` line queued: the subscription is over.
    Overflowed,
    /// The connection is gone.
    Left,
}

impl Queue {
    /// A new, empty queue.
    pub fn new() -> Arc<Queue> {
        Arc::new(Queue::default())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn start(&self, latest: Option<u64>) {
        self.lock().delivered = latest;
    }

    fn push(&self, item: Item, latest: Option<u64>) -> Pushed {
        let mut state = self.lock();
        if state.left {
            return Pushed::Left;
        }
        if state.closed {
            return Pushed::Overflowed;
        }
        if state.bytes + item.bytes.len() > QUEUE_LIMIT_BYTES {
            state.items.clear();
            state.bytes = 0;
            let resume = state.delivered;
            let count = match (latest, resume) {
                (Some(latest), Some(resume)) => latest.saturating_sub(resume),
                (Some(latest), None) => latest + 1,
                (None, _) => 0,
            };
            let line = derived_line(&Derived::Missed {
                derived: "missed",
                seq: latest,
                ts: crate::time::now_iso(),
                count,
                resume_after_seq: resume,
            });
            state.bytes = line.len();
            state.items.push_back(Item { bytes: line, last_seq: None });
            state.closed = true;
            drop(state);
            self.ready.notify_one();
            return Pushed::Overflowed;
        }
        state.bytes += item.bytes.len();
        state.items.push_back(item);
        drop(state);
        self.ready.notify_one();
        Pushed::Queued
    }

    fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_one();
    }

    fn leave(&self) {
        let mut state = self.lock();
        state.left = true;
        state.items.clear();
        state.bytes = 0;
    }

    fn has_left(&self) -> bool {
        self.lock().left
    }

    /// The next item; `None` once the queue is closed and empty.
    async fn next(&self) -> Option<Item> {
        loop {
            {
                let mut state = self.lock();
                if let Some(item) = state.items.pop_front() {
                    state.bytes = state.bytes.saturating_sub(item.bytes.len());
                    if item.last_seq.is_some() {
                        state.delivered = item.last_seq;
                    }
                    return Some(item);
                }
                if state.closed {
                    return None;
                }
            }
            self.ready.notified().await;
        }
    }
}

/// Writes a subscription's queue to its socket until the queue is closed and empty or the
/// client leaves. No write timeout: a client that stops reading only stops this task; the
/// actor goes on and drops the backlog when the queue is full.
pub async fn pump(stream: &UnixStream, queue: &Queue) {
    loop {
        let item = tokio::select! {
            item = queue.next() => item,
            () = client_left(stream) => None,
        };
        let Some(item) = item else { break };
        if super::server::write_all(stream, &item.bytes).await.is_err() {
            break;
        }
    }
    queue.leave();
}

/// Resolves when the client closed its end (it sends nothing after its request).
async fn client_left(stream: &UnixStream) {
    let mut scratch = [0u8; 256];
    loop {
        if stream.readable().await.is_err() {
            return;
        }
        match stream.try_read(&mut scratch) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => return,
        }
    }
}

/// A derived line, in its wire key order.
#[derive(Serialize)]
#[serde(untagged)]
enum Derived {
    Screen {
        derived: &'static str,
        seq: Option<u64>,
        ts: String,
        #[serde(rename = "screenHash")]
        screen_hash: String,
    },
    Idle {
        derived: &'static str,
        seq: Option<u64>,
        ts: String,
        #[serde(rename = "idleMs")]
        idle_ms: u64,
    },
    Missed {
        derived: &'static str,
        seq: Option<u64>,
        ts: String,
        count: u64,
        #[serde(rename = "resumeAfterSeq")]
        resume_after_seq: Option<u64>,
    },
}

fn derived_line(line: &Derived) -> Arc<[u8]> {
    let mut bytes = serde_json::to_vec(line).unwrap_or_default();
    bytes.push(b'\n');
    bytes.into()
}

/// One subscription, as the actor keeps it.
#[derive(Debug)]
struct Subscriber {
    queue: Arc<Queue>,
    idle: Option<Duration>,
    /// When it subscribed (an idle pause counts from then at the earliest).
    since: Instant,
    /// The pause its last `idle` line was about (its start).
    idle_sent_for: Option<Instant>,
}

/// The actor's subscribers and the state of the derived lines.
#[derive(Debug, Default)]
pub struct Subscribers {
    list: Vec<Subscriber>,
    /// The Screen Hash last pushed, when the screen was last hashed, and the screen's
    /// change counter then.
    screen_hash: Option<String>,
    screen_at: Option<Instant>,
    screen_changes: Option<u64>,
    /// A `screen` line put off by [`SCREEN_SPACING`].
    screen_due: Option<Instant>,
}

impl Subscribers {
    /// Whether anyone listens (flushes copy their bytes only then).
    pub fn any(&self) -> bool {
        !self.list.is_empty()
    }

    /// `subscribe`: registers the connection's `queue`; the records after `latest` (the
    /// reply's `latestSeq`) will be pushed to it. When the session has ended already
    /// (`exited`), the queue is closed at once: the log file has everything.
    pub fn subscribe(
        &mut self,
        params: serde_json::Map<String, serde_json::Value>,
        queue: Option<Arc<Queue>>,
        latest: Option<u64>,
        exited: bool,
    ) -> crate::error::Result<SubscribeReply> {
        let params: SubscribeParams = serde_json::from_value(serde_json::Value::Object(params))
            .map_err(|e| Error::new(ErrorCode::RpcError, format!("Invalid params for subscribe: {e}")))?;
        let queue =
            queue.ok_or_else(|| Error::internal("A subscribe request came without its connection."))?;
        self.add(Arc::clone(&queue), latest, params.idle_ms.unwrap_or(DEFAULT_IDLE_MS));
        if exited {
            queue.close();
            self.list.retain(|s| !Arc::ptr_eq(&s.queue, &queue));
        }
        Ok(SubscribeReply { latest_seq: latest })
    }

    /// Adds a subscription whose records start after `latest`.
    pub fn add(&mut self, queue: Arc<Queue>, latest: Option<u64>, idle_ms: u64) {
        queue.start(latest);
        let idle = (idle_ms > 0).then(|| Duration::from_millis(idle_ms));
        self.list.push(Subscriber { queue, idle, since: Instant::now(), idle_sent_for: None });
    }

    /// Pushes a flushed batch of log lines (`bytes`, the last of which is record `latest`).
    pub fn publish(&mut self, bytes: Arc<[u8]>, latest: Option<u64>) {
        if self.list.is_empty() || bytes.is_empty() {
            return;
        }
        let item = Item { bytes, last_seq: latest };
        self.push_all(&item, latest);
    }

    fn push_all(&mut self, item: &Item, latest: Option<u64>) {
        self.list.retain(|s| matches!(s.queue.push(item.clone(), latest), Pushed::Queued));
    }

    /// After a flush or a deadline: pushes a `screen` line if the screen's text changed
    /// (now, or when [`SCREEN_SPACING`] since the last one has passed).
    pub fn check_screen(&mut self, screen: &Screen, latest: Option<u64>, now: Instant) {
        self.list.retain(|s| !s.queue.has_left());
        if self.list.is_empty() || self.screen_changes == Some(screen.changes()) {
            self.screen_due = None;
            return;
        }
        if let Some(at) = self.screen_at.map(|at| at + SCREEN_SPACING).filter(|&at| at > now) {
            self.screen_due = Some(at);
            return;
        }
        self.screen_due = None;
        self.screen_changes = Some(screen.changes());
        // The spacing bounds the hashing too: a program that repaints the same text
        // many times a second costs one hash per span, not one per flush.
        self.screen_at = Some(now);
        let hash = screen.snapshot(agent_tty_vt::SnapshotOptions::default()).screen_hash();
        if self.screen_hash.as_ref() == Some(&hash) {
            return;
        }
        let bytes = derived_line(&Derived::Screen {
            derived: "screen",
            seq: latest,
            ts: crate::time::now_iso(),
            screen_hash: hash.clone(),
        });
        self.screen_hash = Some(hash);
        self.push_all(&Item { bytes, last_seq: None }, latest);
    }

    /// The earliest instant a derived line is due, given when the output last came.
    pub fn next_deadline(&self, last_output: Instant) -> Option<Instant> {
        let idle = self.list.iter().filter_map(|s| {
            let pause = last_output.max(s.since);
            s.idle.filter(|_| s.idle_sent_for != Some(pause)).map(|idle| pause + idle)
        });
        idle.chain(self.screen_due).min()
    }

    /// Pushes the derived lines that are due.
    pub fn on_deadline(&mut self, screen: &Screen, latest: Option<u64>, last_output: Instant, now: Instant) {
        if self.screen_due.is_some_and(|at| at <= now) {
            self.check_screen(screen, latest, now);
        }
        let mut gone = false;
        for s in &mut self.list {
            let pause = last_output.max(s.since);
            let Some(idle) = s.idle.filter(|&idle| s.idle_sent_for != Some(pause) && pause + idle <= now)
            else {
                continue;
            };
            s.idle_sent_for = Some(pause);
            let bytes = derived_line(&Derived::Idle {
                derived: "idle",
                seq: latest,
                ts: crate::time::now_iso(),
                idle_ms: idle.as_millis() as u64,
            });
            gone |= !matches!(s.queue.push(Item { bytes, last_seq: None }, latest), Pushed::Queued);
        }
        if gone {
            self.list.retain(|s| !s.queue.has_left() && !s.queue.lock().closed);
        }
    }

    /// Ends every subscription once what is queued is written (the session ended).
    pub fn close_all(&mut self) {
        for s in self.list.drain(..) {
            s.queue.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(queue: &Queue) -> Vec<u8> {
        let mut out = Vec::new();
        let mut state = queue.lock();
        while let Some(item) = state.items.pop_front() {
            out.extend_from_slice(&item.bytes);
        }
        out
    }

    #[test]
    fn a_full_queue_drops_its_backlog_for_one_missed_line() {
        let mut subscribers = Subscribers::default();
        let queue = Queue::new();
        subscribers.add(Arc::clone(&queue), Some(4), 0);
        subscribers.publish(Arc::from(&b"{\"seq\":5}\n"[..]), Some(5));
        // The writer took seq 5.
        let taken = queue.lock().items.pop_front().unwrap();
        queue.lock().bytes -= taken.bytes.len();
        queue.lock().delivered = taken.last_seq;
        let big: Arc<[u8]> = vec![b'x'; QUEUE_LIMIT_BYTES / 2].into();
        subscribers.publish(Arc::clone(&big), Some(6));
        subscribers.publish(Arc::clone(&big), Some(7));
        assert!(subscribers.any());
        subscribers.publish(big, Some(8));
        assert!(!subscribers.any(), "an overflowed subscriber is dropped");
        let rest = String::from_utf8(drain(&queue)).unwrap();
        let line: serde_json::Value = serde_json::from_str(rest.trim_end()).unwrap();
        assert_eq!(line["derived"], "missed");
        assert_eq!((line["count"].as_u64(), line["resumeAfterSeq"].as_u64()), (Some(3), Some(5)));
        assert!(queue.lock().closed);
    }

    #[test]
    fn a_departed_subscriber_is_dropped_on_the_next_push() {
        let mut subscribers = Subscribers::default();
        let queue = Queue::new();
        subscribers.add(Arc::clone(&queue), None, 0);
        queue.leave();
        subscribers.publish(Arc::from(&b"{}\n"[..]), Some(0));
        assert!(!subscribers.any());
    }

    #[test]
    fn idle_is_due_once_per_pause() {
        let mut subscribers = Subscribers::default();
        let queue = Queue::new();
        subscribers.add(Arc::clone(&queue), Some(0), 10);
        let screen = Screen::new(10, 2);
        let output = Instant::now();
        let due = subscribers.next_deadline(output).unwrap();
        subscribers.on_deadline(&screen, Some(0), output, due);
        let line = String::from_utf8(drain(&queue)).unwrap();
        assert!(line.starts_with("{\"derived\":\"idle\",\"seq\":0,"), "{line}");
        assert_eq!(subscribers.next_deadline(output), None, "one idle line per pause");
        let later = due + Duration::from_millis(1);
        assert_eq!(subscribers.next_deadline(later), Some(later + Duration::from_millis(10)));
    }

    #[test]
    fn subscribe_params_are_strict_and_an_ended_session_closes_at_once() {
        let mut subscribers = Subscribers::default();
        let params = |v: serde_json::Value| v.as_object().unwrap().clone();
        let error = subscribers
            .subscribe(params(serde_json::json!({"afterSeq": 3})), Some(Queue::new()), Some(3), false)
            .unwrap_err();
        assert_eq!(error.code, ErrorCode::RpcError);
        let reply = subscribers
            .subscribe(params(serde_json::json!({"idleMs": 5})), Some(Queue::new()), Some(7), false)
            .unwrap();
        assert_eq!((reply.latest_seq, subscribers.list.len()), (Some(7), 1));
        let queue = Queue::new();
        subscribers
            .subscribe(params(serde_json::json!({})), Some(Arc::clone(&queue)), Some(9), true)
            .unwrap();
        assert!(queue.lock().closed && subscribers.list.len() == 1, "the ended session keeps no subscriber");
    }

    #[test]
    fn screen_lines_are_coalesced_and_the_last_change_is_pushed() {
        let mut subscribers = Subscribers::default();
        let queue = Queue::new();
        subscribers.add(Arc::clone(&queue), Some(0), 0);
        let mut screen = Screen::new(10, 2);
        let start = Instant::now();
        screen.feed(b"a", 0);
        subscribers.check_screen(&screen, Some(1), start);
        assert!(String::from_utf8(drain(&queue)).unwrap().starts_with("{\"derived\":\"screen\",\"seq\":1,"));
        screen.feed(b"b", 0);
        subscribers.check_screen(&screen, Some(2), start + Duration::from_millis(10));
        assert!(drain(&queue).is_empty(), "within the spacing: put off");
        let due = subscribers.next_deadline(start).unwrap();
        assert_eq!(due, start + SCREEN_SPACING);
        subscribers.on_deadline(&screen, Some(2), start, due);
        let line: serde_json::Value = serde_json::from_slice(&drain(&queue)).unwrap();
        let hash = screen.snapshot(agent_tty_vt::SnapshotOptions::default()).screen_hash();
        assert_eq!((line["seq"].as_u64(), line["screenHash"].as_str()), (Some(2), Some(hash.as_str())));
        assert_eq!(subscribers.next_deadline(start), None);
    }
}
