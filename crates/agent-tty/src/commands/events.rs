//! `agent-tty events`: a session's Event Log as NDJSON on stdout, one line per record,
//! each exactly as in `events.jsonl` (a 0.5 reader's parser reads it), and with
//! `--follow` the new records as the host writes them, pushed over its socket
//! (`subscribe`), never polled from the file while the host lives.
//!
//! Derived lines start with `{"derived":"<kind>"` and carry the seq of the last record
//! they follow: `screen` (Screen Hash, coalesced) and `idle` come from the host, live
//! only (a resume does not replay them); `commandFinished` is derived from the log's
//! `agent-tty:command-end` marker, so it is replayed too; `missed` (the push stream fell
//! behind, its backlog was dropped: the records after `resumeAfterSeq` follow, read from
//! the log) and `hostGone` (the host died without an exit record; exit code 6,
//! `HOST_UNREACHABLE`) are always shown, whatever `--type` says. Under `--all` every line
//! ends with the `sessionId` key.
//!
//! The stream is the output in both modes: `--json` prints the same lines, no envelope.
//! Errors found before the first line (bad flags, unknown session) are reported as for
//! any command. Ctrl+C and a closed stdout (`| head`) end the stream quietly, exit 0.

use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::sync::mpsc;
use std::time::Duration;

use agent_tty_core::command_log::CommandRecord;
use agent_tty_core::event_feed::{LogCursor, RECORD_TYPES, RecordHead, Subscription};
use agent_tty_core::event_log::{self, Event};
use agent_tty_core::paths::{SessionPaths, sessions_dir, validate_session_id};
use agent_tty_core::protocol::{DEFAULT_IDLE_MS, DerivedKind, SubscribeParams};
use agent_tty_core::{Error, ErrorCode, Result, session};
use serde::Serialize;

use crate::cli::EventsArgs;
use crate::context::Context;
use crate::numbers::{Zero, duration_flag, parse_int};
use crate::output::Outcome;

/// How often `--all --follow` looks for new sessions.
const SCAN_INTERVAL: Duration = Duration::from_millis(200);

/// How long to wait before asking again for a host that is still starting.
const STARTING_PAUSE: Duration = Duration::from_millis(20);

/// How long a host that seems alive may stay unreachable before the stream gives up.
const UNREACHABLE_GRACE: Duration = Duration::from_secs(10);

/// What the flags ask for.
#[derive(Debug)]
struct Options {
    follow: bool,
    after_seq: Option<u64>,
    /// `None`: every type.
    types: Option<HashSet<String>>,
    params: SubscribeParams,
}

impl Options {
    fn parse(args: &EventsArgs) -> Result<Options> {
        let after_seq = args.after_seq.as_deref().map(parse_after_seq).transpose()?;
        if args.all && after_seq.is_some() {
            return Err(Error::invalid_input(
                "--after-seq cannot be used with --all: seqs count per session. Follow one session to resume it.",
            ));
        }
        match (&args.session_id, args.all) {
            (Some(_), true) => {
                return Err(Error::invalid_input("Give a session or --all, not both."));
            }
            (None, false) => {
                return Err(Error::invalid_input(
                    "events needs a session (its id, a unique id prefix or its name), or --all.",
                ));
            }
            _ => {}
        }
        let idle_ms = match args.idle_ms.as_deref() {
            Some(raw) => duration_flag("--idle-ms", raw, Zero::Means("no idle lines"))
                .map_err(|message| Error::new(ErrorCode::InvalidDuration, message).with("idleMs", raw))?,
            None => DEFAULT_IDLE_MS,
        };
        let types = parse_types(&args.types)?;
        Ok(Options {
            follow: args.follow,
            after_seq,
            types,
            params: SubscribeParams { idle_ms: Some(idle_ms) },
        })
    }
}

fn parse_after_seq(raw: &str) -> Result<u64> {
    match parse_int(raw) {
        Some(n) if n >= 0 && raw.trim().bytes().all(|b| b.is_ascii_digit()) => Ok(n as u64),
        _ => Err(Error::invalid_input(format!(
            "--after-seq must be a seq: a whole number ≥ 0 (the last seq you saw); got {raw:?}."
        ))
        .with("afterSeq", raw)),
    }
}

fn parse_types(raw: &[String]) -> Result<Option<HashSet<String>>> {
    if raw.is_empty() {
        return Ok(None);
    }
    let known: Vec<&str> =
        RECORD_TYPES.iter().copied().chain(DerivedKind::ALL.iter().map(|k| k.name())).collect();
    let mut types = HashSet::new();
    for name in raw.iter().flat_map(|r| r.split(',')).map(str::trim) {
        if !known.contains(&name) {
            return Err(Error::invalid_input(format!(
                "Unknown --type {name:?}. Record types: {}; derived: {}.",
                RECORD_TYPES.join(", "),
                DerivedKind::ALL.map(|k| k.name()).join(", ")
            ))
            .with("type", name));
        }
        types.insert(name.to_string());
    }
    Ok(Some(types))
}

/// Runs `events`. The stream is printed as it goes; the process ends here (there is no
/// result to print after it).
pub fn run(context: &Context, args: &EventsArgs) -> Result<Outcome> {
    let options = Options::parse(args)?;
    let single = match &args.session_id {
        Some(input) => Some(session::find(&context.home.path, input)?.0),
        None => None,
    };
    // Ctrl+C (and the other ways to be told to stop) end the stream quietly.
    let _ = crate::signals::on_first(&[libc::SIGINT, libc::SIGTERM, libc::SIGHUP], |_| std::process::exit(0));
    let code = match single {
        Some(paths) => {
            let mut follower =
                Follower::new(paths, &options, Emitter::new(StdoutSink::new(), &options, None));
            finish(follower.run(options.follow))
        }
        None => all(&context.home.path, &options),
    };
    std::process::exit(code)
}

/// Why a stream stopped early.
#[derive(Debug)]
enum Stop {
    /// stdout (or the `--all` collector) is closed: nobody reads any more.
    Closed,
    /// The session's host died without writing the exit record.
    HostGone(Error),
    /// Anything else (an unreadable log, a host that refuses `subscribe`).
    Failed(Error),
}

impl From<std::io::Error> for Stop {
    fn from(_: std::io::Error) -> Stop {
        Stop::Closed
    }
}

/// The exit code of a finished stream (an error is said on stderr).
fn finish(result: std::result::Result<(), Stop>) -> i32 {
    match result {
        Ok(()) | Err(Stop::Closed) => 0,
        Err(Stop::HostGone(error) | Stop::Failed(error)) => {
            crate::output::print_error("events", false, &error)
        }
    }
}

/// Where lines go.
trait Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    fn flush(&mut self) -> std::io::Result<()>;
}

struct StdoutSink(BufWriter<std::io::StdoutLock<'static>>);

impl StdoutSink {
    fn new() -> StdoutSink {
        StdoutSink(BufWriter::with_capacity(1 << 16, std::io::stdout().lock()))
    }
}

impl Sink for StdoutSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.write_all(bytes)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// A session's lines under `--all`, handed to the thread that prints, in batches.
struct ChannelSink {
    buf: Vec<u8>,
    tx: mpsc::SyncSender<Vec<u8>>,
}

impl Sink for ChannelSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= 1 << 16 { self.flush() } else { Ok(()) }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.buf);
        self.tx.send(batch).map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

/// Writes lines through the `--type` filter, adding `commandFinished` after its marker
/// and the `sessionId` key under `--all`.
struct Emitter<'a, S> {
    sink: S,
    types: Option<&'a HashSet<String>>,
    session_id: Option<String>,
}

impl<'a, S: Sink> Emitter<'a, S> {
    fn new(sink: S, options: &'a Options, session_id: Option<String>) -> Emitter<'a, S> {
        Emitter { sink, types: options.types.as_ref(), session_id }
    }

    fn allows(&self, kind: &str) -> bool {
        self.types.is_none_or(|types| types.contains(kind))
    }

    /// One line, newline included.
    fn line(&mut self, line: &[u8]) -> std::io::Result<()> {
        let Some(id) = &self.session_id else { return self.sink.write(line) };
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        let body = body.strip_suffix(b"}").unwrap_or(body);
        self.sink.write(body)?;
        self.sink.write(format!(",\"sessionId\":\"{id}\"}}\n").as_bytes())
    }

    fn record(&mut self, line: &[u8], head: &RecordHead<'_>) -> std::io::Result<()> {
        if self.allows(&head.kind) {
            self.line(line)?;
        }
        if head.kind == "marker"
            && self.allows(DerivedKind::CommandFinished.name())
            && let Some(derived) = command_finished(line)
        {
            self.line(&derived)?;
        }
        Ok(())
    }

    /// A derived line pushed by the host (`missed` always passes).
    fn derived(&mut self, line: &[u8]) -> std::io::Result<()> {
        let kind = derived_kind(line).unwrap_or_default();
        if kind == DerivedKind::Missed.name() || self.allows(kind) { self.line(line) } else { Ok(()) }
    }
}

/// `screen` of a `{"derived":"screen",…}` line.
fn derived_kind(line: &[u8]) -> Option<&str> {
    let rest = line.strip_prefix(b"{\"derived\":\"")?;
    let end = rest.iter().position(|&b| b == b'"')?;
    std::str::from_utf8(&rest[..end]).ok()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CommandFinished<'a> {
    derived: &'static str,
    seq: u64,
    ts: &'a str,
    start_seq: u64,
    exit_code: Option<i32>,
    cwd: Option<&'a str>,
}

/// The `commandFinished` line of a `agent-tty:command-end` marker record line.
fn command_finished(line: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(line).ok()?;
    let record = event_log::parse_line(text.trim_end()).ok()?;
    let Event::Marker { label } = &record.event else { return None };
    let Some(CommandRecord::End(end)) = CommandRecord::from_label(label) else { return None };
    let derived = CommandFinished {
        derived: DerivedKind::CommandFinished.name(),
        seq: record.seq.0,
        ts: &record.ts,
        start_seq: end.start_seq,
        exit_code: end.exit_code,
        cwd: end.cwd.as_deref(),
    };
    let mut bytes = serde_json::to_vec(&derived).ok()?;
    bytes.push(b'\n');
    Some(bytes)
}

/// One session's stream.
struct Follower<'a, S> {
    paths: SessionPaths,
    cursor: LogCursor,
    /// The last seq handed on (or skipped by `--after-seq`).
    last: Option<u64>,
    exited: bool,
    out: Emitter<'a, S>,
    params: SubscribeParams,
}

impl<'a, S: Sink> Follower<'a, S> {
    fn new(paths: SessionPaths, options: &Options, out: Emitter<'a, S>) -> Follower<'a, S> {
        let cursor = LogCursor::new(paths.events.clone());
        Follower { paths, cursor, last: options.after_seq, exited: false, out, params: options.params }
    }

    fn run(&mut self, follow: bool) -> std::result::Result<(), Stop> {
        if follow { self.follow() } else { self.read_file(None) }
    }

    /// Hands on the file's records after `last`, up to its end, its exit record or
    /// record `through`.
    fn read_file(&mut self, through: Option<u64>) -> std::result::Result<(), Stop> {
        let mut written = Ok(());
        let Follower { cursor, last, exited, out, .. } = self;
        cursor
            .read(|line| {
                let Some(head) = RecordHead::parse(line) else { return true };
                let more = through.is_none_or(|through| head.seq < through);
                // An exit before `--after-seq` still ends the session's stream.
                *exited |= head.kind == "exit";
                if last.is_some_and(|last| head.seq <= last) {
                    return more && !*exited;
                }
                *last = Some(head.seq);
                written = out.record(line, &head);
                written.is_ok() && !*exited && more
            })
            .map_err(|e| {
                Stop::Failed(
                    Error::new(ErrorCode::StorageReadError, format!("Cannot read the event log: {e}."))
                        .with("path", self.paths.events.display().to_string()),
                )
            })?;
        written?;
        Ok(self.out.sink.flush()?)
    }

    /// The file up to the host's push stream, then the stream; again from the file and a
    /// new subscription whenever the stream ends before the exit record.
    fn follow(&mut self) -> std::result::Result<(), Stop> {
        let mut unreachable_since: Option<std::time::Instant> = None;
        loop {
            match Subscription::open(&self.paths, &self.params) {
                Ok(mut subscription) => {
                    unreachable_since = None;
                    if let Some(latest) = subscription.latest_seq {
                        self.read_file(Some(latest))?;
                    }
                    if !self.exited {
                        self.pushed(&mut subscription)?;
                    }
                }
                Err(error) if error.code == ErrorCode::HostUnreachable => {
                    self.read_file(None)?;
                    if !self.exited && self.host_gone() {
                        // Its last records may have landed meanwhile.
                        self.read_file(None)?;
                        if !self.exited {
                            return Err(self.say_host_gone());
                        }
                    }
                    // A host that lives but cannot be reached (its socket removed) is
                    // given the start-up grace, then reported.
                    let since = *unreachable_since.get_or_insert_with(std::time::Instant::now);
                    if !self.exited && since.elapsed() > UNREACHABLE_GRACE {
                        return Err(Stop::Failed(error));
                    }
                    if !self.exited {
                        std::thread::sleep(STARTING_PAUSE);
                    }
                }
                Err(error)
                    if error.code == ErrorCode::RpcError && error.message.contains("Unsupported method") =>
                {
                    return Err(Stop::Failed(Error::new(
                        ErrorCode::RpcError,
                        format!(
                            "The host of session {} is older and cannot push its events. Run events without \
                             --follow to read its log.",
                            self.paths.id
                        ),
                    )));
                }
                Err(error) => return Err(Stop::Failed(error)),
            }
            self.read_file(None)?;
            if self.exited {
                return Ok(());
            }
        }
    }

    /// The lines the host pushes, until it ends the stream.
    fn pushed(&mut self, subscription: &mut Subscription) -> std::result::Result<(), Stop> {
        let mut line = Vec::with_capacity(1 << 16);
        loop {
            if !subscription.has_buffered() {
                self.out.sink.flush()?;
            }
            if !subscription.next_line(&mut line) {
                return Ok(());
            }
            if line.starts_with(b"{\"derived\":") {
                self.out.derived(&line)?;
                if derived_kind(&line) == Some(DerivedKind::Missed.name()) {
                    return Ok(());
                }
                continue;
            }
            let Some(head) = RecordHead::parse(&line) else { continue };
            if self.last.is_some_and(|last| head.seq <= last) {
                continue;
            }
            self.last = Some(head.seq);
            self.out.record(&line, &head)?;
            if head.kind == "exit" {
                self.exited = true;
                self.out.sink.flush()?;
                return Ok(());
            }
        }
    }

    /// Whether the session's host is gone for good (reconciling its manifest, as `list`
    /// does); false while it may still be starting.
    fn host_gone(&self) -> bool {
        match agent_tty_core::reconcile::reconcile(&self.paths) {
            Ok(Some(record)) => record.status.is_terminal(),
            Ok(None) | Err(_) => true,
        }
    }

    fn say_host_gone(&mut self) -> Stop {
        let message = format!(
            "The host of session {} is gone and its event log has no exit record: the stream ends after seq {}.",
            self.paths.id,
            self.last.map_or_else(|| "none".to_string(), |s| s.to_string())
        );
        let line = HostGone {
            derived: "hostGone",
            seq: self.last,
            ts: agent_tty_core::time::now_iso(),
            code: ErrorCode::HostUnreachable.as_str(),
            message: &message,
        };
        let mut bytes = serde_json::to_vec(&line).unwrap_or_default();
        bytes.push(b'\n');
        if self.out.line(&bytes).and_then(|()| self.out.sink.flush()).is_err() {
            return Stop::Closed;
        }
        Stop::HostGone(
            Error::new(ErrorCode::HostUnreachable, message).with("sessionId", self.paths.id.as_str()),
        )
    }
}

#[derive(Serialize)]
struct HostGone<'a> {
    derived: &'static str,
    seq: Option<u64>,
    ts: String,
    code: &'a str,
    message: &'a str,
}

/// `--all`: every session of the Home, oldest first; with `--follow`, one follower per
/// session on a thread of its own, and the sessions created later join.
fn all(home: &std::path::Path, options: &Options) -> i32 {
    if !options.follow {
        for id in session_ids(home) {
            let out = Emitter::new(StdoutSink::new(), options, Some(id.clone()));
            let mut follower = Follower::new(SessionPaths::new(home, &id), options, out);
            match follower.run(false) {
                Ok(()) => {}
                Err(Stop::Closed) => return 0,
                Err(stop) => return finish(Err(stop)),
            }
        }
        return 0;
    }
    let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(64);
    let mut started = HashSet::new();
    let mut stdout = StdoutSink::new();
    loop {
        for id in session_ids(home) {
            if started.insert(id.clone()) {
                spawn_follower(home, &id, options, tx.clone());
            }
        }
        let deadline = std::time::Instant::now() + SCAN_INTERVAL;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(batch) => {
                    if stdout.write(&batch).and_then(|()| stdout.flush()).is_err() {
                        return 0;
                    }
                }
                Err(_) => break,
            }
        }
    }
}

fn spawn_follower(home: &std::path::Path, id: &str, options: &Options, tx: mpsc::SyncSender<Vec<u8>>) {
    let paths = SessionPaths::new(home, id);
    let id = id.to_string();
    let options =
        Options { follow: true, after_seq: None, types: options.types.clone(), params: options.params };
    std::thread::spawn(move || {
        let sink = ChannelSink { buf: Vec::new(), tx };
        let mut follower = Follower::new(paths, &options, Emitter::new(sink, &options, Some(id)));
        if let Err(Stop::HostGone(error) | Stop::Failed(error)) = follower.run(true) {
            crate::output::print_error("events", false, &error);
        }
    });
}

/// The ids of the Home's sessions that have a manifest, oldest first (ids are ULIDs).
fn session_ids(home: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(sessions_dir(home)) else { return Vec::new() };
    let mut ids: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|id| validate_session_id(id).is_ok())
        .filter(|id| SessionPaths::new(home, id).manifest.exists())
        .collect();
    ids.sort();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Lines(Vec<u8>);

    impl Sink for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
            self.0.extend_from_slice(bytes);
            Ok(())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn options(types: &[&str]) -> Options {
        let types: Vec<String> = types.iter().map(|t| t.to_string()).collect();
        Options {
            follow: false,
            after_seq: None,
            types: parse_types(&types).unwrap(),
            params: SubscribeParams::default(),
        }
    }

    const END: &str = r#"{"seq":7,"ts":"2026-01-01T00:00:00.000Z","type":"marker","payload":{"label":"agent-tty:command-end {\"startSeq\":5,\"exitCode\":2,\"cwd\":\"/tmp\"}"}}"#;

    #[test]
    fn a_command_end_marker_is_followed_by_command_finished() {
        let options = options(&[]);
        let mut out = Emitter::new(Lines(Vec::new()), &options, None);
        let line = format!("{END}\n");
        out.record(line.as_bytes(), &RecordHead::parse(line.as_bytes()).unwrap()).unwrap();
        let text = String::from_utf8(out.sink.0).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], END);
        assert_eq!(
            lines[1],
            r#"{"derived":"commandFinished","seq":7,"ts":"2026-01-01T00:00:00.000Z","startSeq":5,"exitCode":2,"cwd":"/tmp"}"#
        );
    }

    #[test]
    fn filters_and_the_session_id_apply_to_every_line() {
        let options = options(&["commandFinished", "idle"]);
        let mut out = Emitter::new(Lines(Vec::new()), &options, Some("S1".into()));
        let line = format!("{END}\n");
        out.record(line.as_bytes(), &RecordHead::parse(line.as_bytes()).unwrap()).unwrap();
        out.derived(b"{\"derived\":\"screen\",\"seq\":7}\n").unwrap();
        out.derived(b"{\"derived\":\"missed\",\"seq\":7}\n").unwrap();
        let text = String::from_utf8(out.sink.0).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[0].starts_with(r#"{"derived":"commandFinished""#)
                && lines[0].ends_with(r#","sessionId":"S1"}"#)
        );
        assert_eq!(lines[1], r#"{"derived":"missed","seq":7,"sessionId":"S1"}"#, "missed always passes");
    }
}
