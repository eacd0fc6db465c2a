//! The MCP resources: the session list and, per session, its screen text, a screenshot of
//! its screen and its Event Log; `resources/subscribe` on any of them, and
//! `notifications/resources/list_changed` when sessions come and go.
//!
//! URIs (a session is named as everywhere else: its id, a unique id prefix or its name,
//! percent-encoded in the URI so that a name with `/`, `?`, `%` or spaces fits; listed URIs
//! are encoded so):
//! - `agent-tty://sessions`: `application/json`, the result of `list --json` (the active
//!   sessions, oldest first).
//! - `agent-tty://session/{sessionId}/screen`: `text/plain`, the visible screen as
//!   `snapshot --format text` gives it (no artifact is kept).
//! - `agent-tty://session/{sessionId}/screenshot`: `image/png` (base64 blob), the screen
//!   rendered now, as the `screenshot` tool renders it (kept as an artifact, like it).
//! - `agent-tty://session/{sessionId}/events{?afterSeq}`: `application/x-ndjson`, the
//!   records of `events.jsonl` after `afterSeq`, each line exactly as in the file, at most
//!   [`EVENTS_PAGE_BYTES`] per read (always at least one record); the contents' `_meta`
//!   says `lastSeq` and `more`, and the next page is `…/events?afterSeq=<lastSeq>`. A page
//!   after a seq starts reading at the last checkpoint before it (see [`events_page`]).
//!
//! A subscription to a session's resource opens the host's push stream (`subscribe`) on a
//! thread of its own: each `screen` line the host pushes (already coalesced, at most one
//! every 50 ms while output streams, the last change always pushed) sends
//! `notifications/resources/updated` for the screen and screenshot URIs, new records for
//! the events URI (one update for the records pushed together), and a `missed` line for
//! any of them. When the session ends the stream
//! ends: one last update is sent and the subscription is over. `resources/unsubscribe` and
//! the client's exit close the stream. The session list is watched by listing the
//! sessions (directory names and manifests, never logs) every [`LIST_EVERY`].

use std::collections::{BTreeSet, HashMap};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use agent_tty_core::checkpoint;
use agent_tty_core::event_feed::{LogCursor, RecordHead, Subscription};
use agent_tty_core::manifest::Status;
use agent_tty_core::paths::SessionPaths;
use agent_tty_core::protocol::SubscribeParams;
use agent_tty_core::{Error, ErrorCode, session};
use rmcp::model::{
    ErrorCode as RpcCode, MetaObject, ReadResourceResult, Resource, ResourceContents, ResourceTemplate,
};
use rmcp::service::Peer;
use rmcp::{ErrorData, RoleServer};
use serde_json::{Map, Value, json};

use crate::context::Context;

/// The session list.
pub const SESSIONS_URI: &str = "agent-tty://sessions";

/// What every per-session URI starts with.
const SESSION_PREFIX: &str = "agent-tty://session/";

/// The most bytes of records one read of an events resource returns.
pub const EVENTS_PAGE_BYTES: usize = 1 << 20;

/// How often the session list is looked at for `list_changed`.
pub const LIST_EVERY: Duration = Duration::from_millis(250);

/// What a URI names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The session list.
    Sessions,
    /// A session's screen text.
    Screen(String),
    /// A session's screen as a PNG.
    Screenshot(String),
    /// A session's Event Log, after a seq.
    Events { session: String, after_seq: Option<u64> },
}

/// The forms a URI may take, for error messages.
const FORMS: &str = "agent-tty://sessions, agent-tty://session/<id>/screen, agent-tty://session/<id>/screenshot, \
                     agent-tty://session/<id>/events[?afterSeq=N]";

/// Reads a URI.
pub fn parse(uri: &str) -> Result<Target, Error> {
    let unknown = || {
        Error::invalid_input(format!("Unknown resource URI {uri:?}; the resources are: {FORMS}."))
            .with("uri", uri)
    };
    if uri == SESSIONS_URI {
        return Ok(Target::Sessions);
    }
    let rest = uri.strip_prefix(SESSION_PREFIX).ok_or_else(unknown)?;
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    let (session, kind) = path.split_once('/').ok_or_else(unknown)?;
    if session.is_empty() {
        return Err(unknown());
    }
    let session = percent_decode(session).ok_or_else(|| {
        Error::invalid_input(format!(
            "The session in {uri:?} is not a valid percent-encoded name: write `%` as %25, and encode \
             `/`, `?`, `#`, spaces and other reserved characters (%2F, %3F, %23, %20), as resources/list \
             does."
        ))
        .with("uri", uri)
    })?;
    match (kind, query) {
        ("screen", None) => Ok(Target::Screen(session)),
        ("screenshot", None) => Ok(Target::Screenshot(session)),
        ("events", None) => Ok(Target::Events { session, after_seq: None }),
        ("events", Some(query)) => {
            let raw = query.strip_prefix("afterSeq=").ok_or_else(unknown)?;
            let seq = (!raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()))
                .then(|| raw.parse::<u64>().ok())
                .flatten()
                .ok_or_else(|| {
                    Error::invalid_input(format!(
                        "afterSeq must be a seq: a whole number ≥ 0 (the last seq you read); got {raw:?} in {uri:?}."
                    ))
                    .with("uri", uri)
                })?;
            Ok(Target::Events { session, after_seq: Some(seq) })
        }
        _ => Err(unknown()),
    }
}

/// The URI of a session's resource (the session percent-encoded).
fn uri(session: &str, kind: &str) -> String {
    format!("{SESSION_PREFIX}{}/{kind}", percent_encode(session))
}

/// `text` with every byte but the URI's unreserved characters (`A-Z a-z 0-9 - . _ ~`)
/// written `%XX`, as RFC 6570 expands `{sessionId}`: any session name (`/`, `?`, `%`,
/// spaces, non-ASCII) fits in one path segment.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Undoes [`percent_encode`] (and any other percent-encoding of UTF-8; characters left
/// as they are pass through). `None` for a `%` not followed by two hex digits, or bytes
/// that are not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(bytes.get(index + 1..index + 3)?).ok()?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The resource templates.
pub fn templates() -> Vec<ResourceTemplate> {
    let template = |kind: &str, name: &str, mime: &str, description: &str| {
        ResourceTemplate::new(format!("{SESSION_PREFIX}{{sessionId}}/{kind}"), name)
            .with_mime_type(mime)
            .with_description(description)
    };
    vec![
        template(
            "screen",
            "screen",
            "text/plain",
            "A session's visible screen as text (as `snapshot --format text`). Subscribe to hear when it changes.",
        ),
        template(
            "screenshot",
            "screenshot",
            "image/png",
            "A session's screen rendered now as a PNG (as the `screenshot` tool; kept as an artifact). Subscribe \
             to hear when the screen changes.",
        ),
        template(
            "events{?afterSeq}",
            "events",
            "application/x-ndjson",
            "A session's Event Log: the records after afterSeq, one JSON line each as in events.jsonl, at most 1 MiB \
             per read; _meta.lastSeq and _meta.more say where to go on (…/events?afterSeq=<lastSeq>).",
        ),
    ]
}

/// The concrete resources: the session list and the resources of each active session.
pub fn list(context: &Context) -> Vec<Resource> {
    let mut resources = vec![
        Resource::new(SESSIONS_URI, "sessions")
            .with_mime_type("application/json")
            .with_description("The active sessions (the result of `list --json`)."),
    ];
    for record in session::list(&context.home.path, false) {
        let id = &record.session_id;
        let label = record.name.as_deref().unwrap_or(id);
        for (kind, mime) in
            [("screen", "text/plain"), ("screenshot", "image/png"), ("events", "application/x-ndjson")]
        {
            resources.push(
                Resource::new(uri(id, kind), format!("{label} {kind}"))
                    .with_mime_type(mime)
                    .with_description(format!("The {kind} of session {id} ({}).", record.command.join(" "))),
            );
        }
    }
    resources
}

/// Reads a resource (blocking: run it on a blocking thread).
pub fn read(context: &Context, uri: &str) -> Result<ReadResourceResult, ErrorData> {
    let target = parse(uri).map_err(|e| to_rpc(&e))?;
    let contents = match target {
        Target::Sessions => {
            let listed = tool(context, "list", json!({}))?;
            let text = serde_json::to_string(&listed.structured).map_err(|e| internal(&e.to_string()))?;
            ResourceContents::text(text, uri).with_mime_type("application/json")
        }
        Target::Screen(session) => {
            let snap = tool(context, "snapshot", json!({"sessionId": session, "format": "text"}))?;
            let text = snap.structured.get("text").and_then(Value::as_str).unwrap_or_default();
            ResourceContents::text(text, uri)
        }
        Target::Screenshot(session) => {
            let shot = tool(context, "screenshot", json!({"sessionId": session}))?;
            let png = shot.png.unwrap_or_default();
            ResourceContents::blob(super::base64(&png), uri).with_mime_type("image/png")
        }
        Target::Events { session, after_seq } => {
            let (paths, _) = session::find(&context.home.path, &session).map_err(|e| to_rpc(&e))?;
            let page = events_page(&paths.events, after_seq, EVENTS_PAGE_BYTES).map_err(|e| {
                to_rpc(
                    &Error::new(ErrorCode::StorageReadError, format!("Cannot read the event log: {e}."))
                        .with("path", paths.events.display().to_string()),
                )
            })?;
            let mut meta = Map::new();
            meta.insert("lastSeq".into(), json!(page.last_seq.or(after_seq)));
            meta.insert("more".into(), json!(page.more));
            ResourceContents::text(page.text, uri)
                .with_mime_type("application/x-ndjson")
                .with_meta(MetaObject(meta))
        }
    };
    Ok(ReadResourceResult::new(vec![contents]))
}

/// One page of an Event Log.
#[derive(Debug, PartialEq, Eq)]
pub struct EventsPage {
    /// The record lines, each with its newline.
    pub text: String,
    /// The seq of the last record in `text`.
    pub last_seq: Option<u64>,
    /// Whether records were left for the next page.
    pub more: bool,
    /// The log offset the read started at: after the last screen checkpoint at or
    /// before `afterSeq`, so the log's prefix is not read.
    pub read_from: u64,
}

/// The records after `after_seq` in the log at `path`, whole lines up to `limit` bytes
/// (at least one record). Lines that are not records (a torn last line) are left out.
///
/// A page after a seq starts reading at the last checkpoint at or before it
/// ([`checkpoint::seek`]: a few headers read, each checked against the log line it
/// names), not at the log's start: the host writes one every 2 MB of log, so a page late
/// in a long log reads about that much before its first record. Every line before a checkpoint has
/// a lower seq (logs are append-only, seqs grow), so the page is the one a read from the
/// start gives.
pub fn events_page(
    path: &std::path::Path,
    after_seq: Option<u64>,
    limit: usize,
) -> std::io::Result<EventsPage> {
    let start = after_seq.and_then(|after| checkpoint::seek(path, |p| p.seq <= after));
    let read_from = start.map_or(0, |header| header.position.offset);
    let mut cursor = LogCursor::at(path.to_path_buf(), read_from);
    let mut page = EventsPage { text: String::new(), last_seq: None, more: false, read_from };
    cursor.read(|line| {
        let Some(head) = RecordHead::parse(line) else { return true };
        if after_seq.is_some_and(|after| head.seq <= after) {
            return true;
        }
        if !page.text.is_empty() && page.text.len() + line.len() > limit {
            page.more = true;
            return false;
        }
        page.text.push_str(&String::from_utf8_lossy(line));
        page.last_seq = Some(head.seq);
        true
    })?;
    Ok(page)
}

/// A tool's successful reply, or its error as an RPC error.
fn tool(context: &Context, name: &str, arguments: Value) -> Result<super::Reply, ErrorData> {
    let call = match super::tools::command(name, arguments) {
        Some(Ok(call)) => call,
        Some(Err(error)) => return Err(to_rpc(&error)),
        None => return Err(internal(&format!("no tool {name}"))),
    };
    let reply = super::execute(context, call);
    if reply.error {
        let message = reply.structured.get("message").and_then(Value::as_str).unwrap_or("failed").to_string();
        let code = reply.structured.get("code").and_then(Value::as_str).unwrap_or_default();
        return Err(ErrorData::new(rpc_code(code), message, Some(reply.structured)));
    }
    Ok(reply)
}

/// The JSON-RPC code for one of the CLI's error codes.
fn rpc_code(code: &str) -> RpcCode {
    match code {
        "SESSION_NOT_FOUND" => RpcCode::RESOURCE_NOT_FOUND,
        "INVALID_INPUT" | "SESSION_NOT_RUNNING" | "SESSION_ALREADY_DESTROYED" => RpcCode::INVALID_PARAMS,
        _ => RpcCode::INTERNAL_ERROR,
    }
}

/// An error as a JSON-RPC error whose data is the CLI's error object.
pub fn to_rpc(error: &Error) -> ErrorData {
    let data = json!({
        "code": error.code_str(),
        "message": error.message,
        "retryable": error.retryable(),
        "details": Value::Object(error.details.clone()),
    });
    ErrorData::new(rpc_code(error.code_str()), error.message.clone(), Some(data))
}

fn internal(message: &str) -> ErrorData {
    to_rpc(&Error::internal(message.to_string()))
}

/// One live subscription.
#[derive(Default)]
struct Watch {
    /// Set when the client unsubscribed (no update is sent after it).
    stopped: AtomicBool,
    /// The host stream's socket, to end it (none for the session list).
    socket: Mutex<Option<UnixStream>>,
}

impl Watch {
    fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        if let Some(socket) = &*self.socket.lock().unwrap_or_else(PoisonError::into_inner) {
            let _ = socket.shutdown(Shutdown::Both);
        }
    }

    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// Takes the socket of a (new) stream; false when the watch was stopped meanwhile.
    fn set_socket(&self, socket: UnixStream) -> bool {
        let mut slot = self.socket.lock().unwrap_or_else(PoisonError::into_inner);
        if self.stopped() {
            let _ = socket.shutdown(Shutdown::Both);
            return false;
        }
        *slot = Some(socket);
        true
    }
}

/// The subscriptions of one client, by URI.
#[derive(Default)]
pub struct Subscriptions {
    watches: Mutex<HashMap<String, Arc<Watch>>>,
}

/// The host's push stream of a running session; `None` when the session is not running
/// (or its host is gone).
fn open_stream(paths: &SessionPaths) -> Result<Option<Subscription>, Error> {
    match Subscription::open(paths, &SubscribeParams { idle_ms: Some(0) }) {
        Ok(stream) => Ok(Some(stream)),
        Err(error) if error.code == ErrorCode::HostUnreachable => Ok(None),
        Err(error) => Err(error),
    }
}

impl Subscriptions {
    fn watches(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Watch>>> {
        self.watches.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `uri` is subscribed.
    pub fn has(&self, uri: &str) -> bool {
        self.watches().contains_key(uri)
    }

    /// Subscribes to `uri` (blocking: it connects to the host). `updates` gets the URI on
    /// every change. Subscribing again to a subscribed URI changes nothing.
    pub fn subscribe(
        self: &Arc<Self>,
        context: &Context,
        uri: &str,
        updates: tokio::sync::mpsc::UnboundedSender<String>,
    ) -> Result<(), ErrorData> {
        if self.has(uri) {
            return Ok(());
        }
        let target = parse(uri).map_err(|e| to_rpc(&e))?;
        let (session, events) = match target {
            Target::Sessions => {
                self.insert(uri, Arc::default());
                return Ok(());
            }
            Target::Screen(session) | Target::Screenshot(session) => (session, false),
            Target::Events { session, .. } => (session, true),
        };
        let (paths, record) = session::find(&context.home.path, &session).map_err(|e| to_rpc(&e))?;
        let not_running = |status: &str| {
            to_rpc(
                &Error::new(
                    ErrorCode::SessionNotRunning,
                    format!(
                        "Session {} is {status}: it will not change, so there is nothing to subscribe to. Read \
                         the resource instead.",
                        paths.id
                    ),
                )
                .with("sessionId", paths.id.as_str())
                .with("status", status),
            )
        };
        if record.status != Status::Running {
            return Err(not_running(record.status.as_str()));
        }
        let Some(mut stream) = open_stream(&paths).map_err(|e| to_rpc(&e))? else {
            return Err(not_running("ending"));
        };
        let socket = stream.socket().map_err(|e| internal(&format!("Cannot watch the host stream: {e}")))?;
        let watch = Arc::new(Watch::default());
        watch.set_socket(socket);
        self.insert(uri, Arc::clone(&watch));
        let owner = Arc::clone(self);
        let key = uri.to_string();
        let uri = key.clone();
        let spawned = std::thread::Builder::new().name("mcp-subscription".into()).spawn(move || {
            let mut line = Vec::with_capacity(4096);
            loop {
                let (mut missed, mut changed) = (false, false);
                while stream.next_line(&mut line) {
                    if watch.stopped() {
                        return;
                    }
                    changed |= match line.strip_prefix(b"{\"derived\":\"") {
                        Some(derived) => {
                            missed = derived.starts_with(b"missed\"");
                            missed || derived.starts_with(b"screen\"")
                        }
                        None => events,
                    };
                    // One update for the lines that came together (a batch of records).
                    if changed && !stream.has_buffered() {
                        changed = false;
                        if updates.send(uri.clone()).is_err() {
                            return;
                        }
                    }
                }
                if watch.stopped() {
                    return;
                }
                // The stream ended: the session ended, or (its last line `missed`) the
                // host dropped a backlog this thread did not read in time. An update
                // either way; after `missed` the session is subscribed to again.
                let _ = updates.send(uri.clone());
                if !missed {
                    break;
                }
                let Ok(Some(again)) = open_stream(&paths) else { break };
                let Ok(socket) = again.socket() else { break };
                if !watch.set_socket(socket) {
                    return;
                }
                stream = again;
            }
            let mut watches = owner.watches();
            if watches.get(&uri).is_some_and(|current| Arc::ptr_eq(current, &watch)) {
                watches.remove(&uri);
            }
        });
        if let Err(error) = spawned {
            self.unsubscribe(&key);
            return Err(internal(&format!("Cannot start the subscription's thread: {error}")));
        }
        Ok(())
    }

    /// Records a watch (ending one it replaces: two subscribes of one URI at once).
    fn insert(&self, uri: &str, watch: Arc<Watch>) {
        if let Some(old) = self.watches().insert(uri.to_string(), watch) {
            old.stop();
        }
    }

    /// Ends the subscription to `uri`; false when there was none.
    pub fn unsubscribe(&self, uri: &str) -> bool {
        let watch = self.watches().remove(uri);
        watch.map(|watch| watch.stop()).is_some()
    }

    /// Ends every subscription.
    pub fn clear(&self) {
        for (_, watch) in self.watches().drain() {
            watch.stop();
        }
    }
}

/// The active sessions' ids (the manifests are read; no log is).
fn session_ids(context: &Context) -> BTreeSet<String> {
    session::list(&context.home.path, false).into_iter().map(|record| record.session_id).collect()
}

/// Sends `list_changed` (and an update of the session list when it is subscribed)
/// whenever the set of active sessions changes, and the updates of subscriptions; runs
/// until the client goes away.
pub async fn notify(
    context: Arc<Context>,
    peer: Peer<RoleServer>,
    subscriptions: Arc<Subscriptions>,
    mut updates: tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    use rmcp::model::ResourceUpdatedNotificationParam;
    let listing = Arc::clone(&context);
    let mut known = tokio::task::spawn_blocking(move || session_ids(&listing)).await.unwrap_or_default();
    let mut ticks = tokio::time::interval(LIST_EVERY);
    loop {
        tokio::select! {
            update = updates.recv() => {
                let Some(uri) = update else { return };
                if peer.notify_resource_updated(ResourceUpdatedNotificationParam::new(uri)).await.is_err() {
                    return;
                }
            }
            _ = ticks.tick() => {
                let listing = Arc::clone(&context);
                let Ok(now) = tokio::task::spawn_blocking(move || session_ids(&listing)).await else { continue };
                if now == known {
                    continue;
                }
                known = now;
                if peer.notify_resource_list_changed().await.is_err() {
                    return;
                }
                if subscriptions.has(SESSIONS_URI)
                    && peer
                        .notify_resource_updated(ResourceUpdatedNotificationParam::new(SESSIONS_URI))
                        .await
                        .is_err()
                {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn uris_parse_and_bad_ones_say_the_forms() {
        assert_eq!(parse("agent-tty://sessions").unwrap(), Target::Sessions);
        assert_eq!(parse("agent-tty://session/ab/screen").unwrap(), Target::Screen("ab".into()));
        assert_eq!(parse("agent-tty://session/ab/screenshot").unwrap(), Target::Screenshot("ab".into()));
        assert_eq!(
            parse("agent-tty://session/ab/events").unwrap(),
            Target::Events { session: "ab".into(), after_seq: None }
        );
        assert_eq!(
            parse("agent-tty://session/ab/events?afterSeq=12").unwrap(),
            Target::Events { session: "ab".into(), after_seq: Some(12) }
        );
        for bad in [
            "agent-tty://session//screen",
            "agent-tty://session/ab",
            "agent-tty://session/ab/screen?x=1",
            "agent-tty://session/ab/nope",
            "file:///etc/passwd",
            "agent-tty://sessions/",
        ] {
            let error = parse(bad).unwrap_err();
            assert_eq!(error.code_str(), "INVALID_INPUT", "{bad}");
            assert!(error.message.contains("agent-tty://session/<id>/screen"), "{}", error.message);
        }
        for (encoded, name) in [
            ("a%2Fb%3Fc%25d%20e%23f", "a/b?c%d e#f"),
            ("%C3%A9t%C3%A9", "été"),
            ("%c3%a9", "é"),
            ("été", "été"),
            ("plain-name_1.x~", "plain-name_1.x~"),
        ] {
            assert_eq!(
                parse(&format!("agent-tty://session/{encoded}/screen")).unwrap(),
                Target::Screen(name.into())
            );
            assert_eq!(percent_decode(&percent_encode(name)).as_deref(), Some(name));
        }
        assert_eq!(percent_encode("a/b?c%d e"), "a%2Fb%3Fc%25d%20e");
        assert_eq!(uri("a/b", "events"), "agent-tty://session/a%2Fb/events");
        assert_eq!(
            parse("agent-tty://session/a%2Fb%3F/events?afterSeq=3").unwrap(),
            Target::Events { session: "a/b?".into(), after_seq: Some(3) }
        );
        for bad in ["a%", "a%2", "a%zz", "%FF", "50%off"] {
            let error = parse(&format!("agent-tty://session/{bad}/screen")).unwrap_err();
            assert_eq!(error.code_str(), "INVALID_INPUT", "{bad}");
            assert!(error.message.contains("percent-encoded"), "{}", error.message);
        }
        for bad in ["-1", "", "1.5", "x"] {
            let error = parse(&format!("agent-tty://session/ab/events?afterSeq={bad}")).unwrap_err();
            assert!(error.message.starts_with("afterSeq must be a seq"), "{}", error.message);
        }
    }

    #[test]
    fn an_events_page_stops_at_whole_records_and_says_where_to_go_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let line = |seq: u64| {
            format!("{{\"seq\":{seq},\"ts\":\"t\",\"type\":\"marker\",\"payload\":{{\"label\":\"a\"}}}}\n")
        };
        let mut file = std::fs::File::create(&path).unwrap();
        for seq in 1..=5 {
            file.write_all(line(seq).as_bytes()).unwrap();
        }
        file.write_all(b"{\"seq\":6,\"ts\":\"t\",\"ty").unwrap();
        let all = events_page(&path, None, EVENTS_PAGE_BYTES).unwrap();
        assert_eq!(all.text, (1..=5).map(line).collect::<String>());
        assert_eq!((all.last_seq, all.more), (Some(5), false));
        let two = events_page(&path, Some(1), line(2).len() * 2).unwrap();
        assert_eq!(two.text, line(2) + &line(3));
        assert_eq!((two.last_seq, two.more), (Some(3), true));
        // A limit below one record still gives one.
        let one = events_page(&path, Some(3), 1).unwrap();
        assert_eq!((one.text, one.last_seq, one.more), (line(4), Some(4), true));
        let none = events_page(&path, Some(5), 1).unwrap();
        assert_eq!((none.text.as_str(), none.last_seq, none.more), ("", None, false));
        assert_eq!(none.read_from, 0, "no checkpoint: read from the start");
    }
}
