//! The host actor: the single owner of the PTY, the Event Log writer, the live Screen,
//! the run-completion filter and every pending wait. It reacts to PTY output, requests,
//! timer deadlines and the child's exit; each reaction is one handler.

use std::time::{Duration, Instant};

use agent_tty_vt::Screen;
use tokio::sync::oneshot;

use crate::error::{Error, ErrorCode, Result};
use crate::event_log::{Event, EventLogWriter};
use crate::host::render_wait::{Evaluated, Observation, RenderWaiter};
use crate::host::server::{Call, Incoming};
use crate::host::shell::{Boundary, RunOutcome, ShellState};
use crate::manifest::{FailureOrigin, SessionRecord, Status};
use crate::output_since::OutputSince;
use crate::paths::SessionPaths;
use crate::process;
use crate::protocol::{RenderWaitReply, Response, RunFinished, RunReply, Seq, WaitReply};
use crate::pty::Pty;
use crate::run_filter::{Piece, RunFilter};
use crate::shell_marks::{Mark, MarkScanner, Segment};
use crate::utf8_stream::Utf8Stream;
use crate::wait_condition::WaitIn;
use crate::wait_evidence::WaitedFor;

/// How long a destroyed session's processes get after SIGHUP before SIGKILL.
pub const DESTROY_GRACE: Duration = Duration::from_millis(3000);

/// How long what is left of a destroyed session after its program exited (daemons,
/// `setsid` jobs) gets after SIGTERM before SIGKILL.
pub const LEFTOVER_GRACE: Duration = Duration::from_millis(1000);

/// While output streams in, a render wait is evaluated at most once per this many times
/// the cost of its previous evaluation (observing the screen included, when it did), so it takes at
/// most ~2% of the host's time in a flood, and an expensive regex spaces out only itself,
/// not the other waits; the check left over is done when the output pauses (see
/// [`Host::check_render_waiters_after_output`]).
const RENDER_CHECK_SPACING: u32 = 49;

/// A waited `run` whose sentinel has not been seen yet.
#[derive(Debug)]
pub(crate) struct PendingRun {
    pub marker: String,
    pub input_run_seq: u64,
    pub started: Instant,
    pub deadline: Instant,
    pub reply: Option<(String, oneshot::Sender<Response>)>,
    /// Its output, exit status and working directory, as they come.
    pub outcome: RunOutcome,
}

/// A `wait --exit` or `wait --idle-ms` caller.
#[derive(Debug)]
pub(crate) struct Waiter {
    pub kind: WaitKind,
    pub deadline: Option<Instant>,
    pub id: String,
    pub reply: oneshot::Sender<Response>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum WaitKind {
    Exit,
    Idle { idle: Duration, anchor: Instant },
}

/// All host state.
pub struct Host {
    pub(crate) paths: SessionPaths,
    pub(crate) record: SessionRecord,
    pub(crate) log: EventLogWriter,
    pub(crate) screen: Screen,
    pub(crate) filter: RunFilter,
    /// Finds the shell integration marks in the output (after `filter`).
    pub(crate) marks: MarkScanner,
    /// What the marks say of the shell.
    pub(crate) shell: ShellState,
    pub(crate) decoder: Utf8Stream,
    pub(crate) input: Vec<u8>,
    pub(crate) last_output_at: Instant,
    pub(crate) last_activity_at: Instant,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) runs: Vec<PendingRun>,
    pub(crate) waiters: Vec<Waiter>,
    pub(crate) render_waiters: Vec<RenderWaiter>,
    /// The output since the last input (for `wait --in output` and time-out evidence).
    pub(crate) output_since: OutputSince,
    /// When the render checks put off by output are due (see [`RENDER_CHECK_SPACING`]).
    pub(crate) render_deferred: Option<Instant>,
    /// Where off-loop evaluations of slow conditions report (set by the loop that
    /// receives them; without one, everything is evaluated on the loop).
    pub(crate) evaluations: Option<tokio::sync::mpsc::UnboundedSender<Evaluated>>,
    pub(crate) kill_deadline: Option<Instant>,
    pub(crate) exited: bool,
    pub(crate) child_pid: u32,
    pub(crate) pty: Pty,
    /// The shell whose integration was injected into the program, if any.
    pub(crate) integration: Option<crate::shell_integration::Shell>,
    /// The live screen's checkpoints beside the log.
    pub(crate) checkpoints: super::checkpoints::Checkpoints,
    /// The push stream's subscribers (`subscribe`).
    pub(crate) subscribers: super::subscribers::Subscribers,
    /// The redaction stage: rules, held tail, count (see [`super::secrets`]).
    pub(crate) secrets: super::secrets::Secrets,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host").field("session", &self.paths.id).field("status", &self.record.status).finish()
    }
}

impl Host {
    /// Builds the state for a freshly spawned child.
    pub(crate) fn new(
        paths: SessionPaths,
        record: SessionRecord,
        log: EventLogWriter,
        child_pid: u32,
        pty: Pty,
    ) -> Host {
        let now = Instant::now();
        let idle_timeout = record.idle_timeout_ms.filter(|&ms| ms > 0).map(Duration::from_millis);
        let checkpoints = super::checkpoints::Checkpoints::new(log.flushed_len());
        let secrets = super::secrets::Secrets::load(&paths, record.env.as_ref());
        Host {
            secrets,
            screen: Screen::with_scrollback(record.cols, record.rows, agent_tty_vt::LIVE_SCROLLBACK_LINES),
            paths,
            record,
            log,
            filter: RunFilter::new(),
            marks: MarkScanner::new(),
            shell: ShellState::default(),
            decoder: Utf8Stream::new(),
            input: Vec::new(),
            last_output_at: now,
            last_activity_at: now,
            idle_timeout,
            runs: Vec::new(),
            waiters: Vec::new(),
            render_waiters: Vec::new(),
            output_since: OutputSince::new(),
            render_deferred: None,
            evaluations: None,
            kill_deadline: None,
            exited: false,
            child_pid,
            pty,
            integration: None,
            checkpoints,
            subscribers: Default::default(),
        }
    }

    /// Whether the loop may end: the child is gone and its exit fully handled.
    pub(crate) fn finished(&self) -> bool {
        self.exited
    }

    /// Bytes waiting to be written to the PTY.
    pub(crate) fn pending_input(&self) -> &[u8] {
        &self.input
    }

    /// `n` bytes of pending input reached the PTY.
    pub(crate) fn on_written(&mut self, n: usize) {
        self.input.drain(..n.min(self.input.len()));
    }

    /// One chunk of PTY output.
    pub(crate) fn on_output(&mut self, bytes: &[u8]) -> Result<()> {
        let now = Instant::now();
        self.last_output_at = now;
        self.last_activity_at = now;
        let text = self.decoder.decode(bytes);
        if text.is_empty() {
            return Ok(());
        }
        let pieces = self.filter.push(&text);
        self.apply_pieces(pieces)
    }

    fn apply_pieces(&mut self, pieces: Vec<Piece>) -> Result<()> {
        let mut completed: Vec<String> = Vec::new();
        for piece in pieces {
            match piece {
                Piece::Output(data) => {
                    let mut marks = std::mem::take(&mut self.marks);
                    marks.push(&data, &mut |segment| match segment {
                        Segment::Text(text) => self.redact_output(text),
                        Segment::Mark(mark) => {
                            // What came before the mark is logged before its record.
                            self.release_held();
                            self.on_mark(mark, &mut completed)
                        }
                    });
                    self.marks = marks;
                }
                Piece::RunComplete { marker, exit_code } => {
                    self.release_held();
                    let cwd = self.shell_cwd();
                    let run = self.runs.iter_mut().find(|r| r.marker == marker);
                    let input_run_seq = run.map(|run| {
                        run.outcome.ended(exit_code, cwd);
                        run.input_run_seq
                    });
                    self.log.push(&Event::RunComplete { marker: marker.clone(), input_run_seq });
                    completed.push(marker);
                }
            }
        }
        self.flush_log()?;
        self.queue_replies();
        self.save_redactions();
        for marker in completed {
            self.complete_run(&marker);
        }
        let now = Instant::now();
        self.check_idle_waiters(now);
        self.check_render_waiters_after_output(now);
        Ok(())
    }

    /// After output was logged outside a chunk (a held tail released on idle): the log
    /// flushed, the count saved, the waits looked at.
    pub(crate) fn after_logged(&mut self) -> Result<()> {
        self.flush_log()?;
        self.queue_replies();
        self.save_redactions();
        let now = Instant::now();
        self.check_render_waiters(now);
        Ok(())
    }

    /// Output that reaches the log and the screen (marks and sentinels taken out, secrets
    /// masked).
    pub(crate) fn log_output(&mut self, text: &str) {
        let line = self.log.push_output_staged(text);
        let seq = line.seq;
        self.output_since.push_event(seq, text);
        // At the event's time, as a replay feeds it.
        self.screen.feed(text.as_bytes(), line.ts_ms);
        self.checkpoints.after_output(&mut self.screen, &line);
        for run in &mut self.runs {
            run.outcome.output(text);
        }
    }

    /// A shell integration mark: records a command's start or end, and ends the waited
    /// run whose command it was (its `run_complete` follows the end record).
    fn on_mark(&mut self, mark: Mark, completed: &mut Vec<String>) {
        let is_start = matches!(mark, Mark::CommandStart { .. });
        // The command line a shell reports may hold a sealed value too.
        let mark = match mark {
            Mark::CommandStart { command: Some(command) } => {
                Mark::CommandStart { command: Some(self.redact_whole(&command)) }
            }
            mark => mark,
        };
        // A `run` typed at the prompt is the command the shell starts next.
        let waiting = self.runs.iter().position(|r| r.outcome.by_marks && r.outcome.start_seq.is_none());
        let typed = waiting.map(|index| self.runs[index].outcome.command.clone());
        match self.shell.on_mark(mark, || typed) {
            Some(Boundary::Start(record)) => {
                let seq = self.log.push(&record.to_event());
                self.shell.running = Some(seq);
                // What the command prints comes after this: `wait --in output` starts here.
                self.output_since.on_command_start(seq);
                if let Some(index) = waiting.filter(|_| is_start) {
                    self.runs[index].outcome.started(seq);
                }
            }
            Some(Boundary::End(record)) => {
                self.log.push(&record.to_event());
                let crate::command_log::CommandRecord::End(end) = record else { return };
                let Some(run) = self.runs.iter_mut().find(|r| r.outcome.start_seq == Some(end.start_seq))
                else {
                    return;
                };
                run.outcome.ended(end.exit_code, end.cwd);
                let marker = run.marker.clone();
                self.log.push(&Event::RunComplete {
                    marker: marker.clone(),
                    input_run_seq: Some(run.input_run_seq),
                });
                completed.push(marker);
            }
            None => {}
        }
    }

    /// The shell's working directory: as its marks said, else as the kernel knows it.
    pub(crate) fn shell_cwd(&self) -> Option<String> {
        self.shell.cwd.clone().or_else(|| {
            std::fs::read_link(format!("/proc/{}/cwd", self.child_pid))
                .ok()
                .map(|path| path.to_string_lossy().into_owned())
        })
    }

    /// Queues the terminal's answers to queries for the program; dropped while the program
    /// is not reading its input (they would only pile up).
    fn queue_replies(&mut self) {
        let replies = self.screen.take_replies();
        if self.input.len() < 1 << 20 {
            self.input.extend_from_slice(&replies);
        }
    }

    /// The seq of the newest event (0 when the log is empty).
    pub(crate) fn latest_seq(&self) -> u64 {
        self.log.next_seq().saturating_sub(1)
    }

    /// The live screen's canonical state now (text and cursor; no hash), and the output
    /// since the last input when `with_output`.
    pub(crate) fn observe(&self, with_output: bool) -> Observation {
        let snapshot = self.screen.snapshot(agent_tty_vt::SnapshotOptions::default());
        Observation {
            text: snapshot.canonical_text(),
            cursor_row: snapshot.cursor_row,
            cursor_col: snapshot.cursor_col,
            captured_at_seq: self.latest_seq(),
            output: with_output.then(|| self.output_since.text().to_string()),
        }
    }

    /// [`Host::check_render_waiters`] after a chunk of output, spaced out while output
    /// keeps coming: within [`RENDER_CHECK_SPACING`] × the previous check's cost of it, the
    /// check is deferred to the end of that span (a deadline), so a flood pays a bounded
    /// share for pending waits, and a wait is still answered as soon as the output pauses
    /// (or at the end of the span, if the output never does). Observations are points in
    /// time, as the spec's polls are; the spacing only makes them fewer during a flood.
    fn check_render_waiters_after_output(&mut self, now: Instant) {
        self.check_render_waiters_at(now, true);
    }

    /// Answers every render wait whose condition now holds. Waiters whose answer cannot
    /// have changed since their last evaluation are skipped (see
    /// [`RenderWaiter::needs_check`]); the screen is observed at most once, and only if
    /// some waiter needs it.
    pub(crate) fn check_render_waiters(&mut self, now: Instant) {
        self.check_render_waiters_at(now, false);
    }

    /// An off-loop evaluation is back: answers its waiter if it matched, and looks again
    /// at whatever changed meanwhile.
    pub(crate) fn on_evaluated(&mut self, done: Evaluated) {
        let Some(index) = self.render_waiters.iter().position(|w| w.serial == done.serial && w.in_flight)
        else {
            return;
        };
        if let Some(result) = done.result {
            let waiter = self.render_waiters.remove(index);
            let _ = waiter.reply.send(Response::answer(&waiter.id, Ok(result)));
        } else if let Some(waiter) = self.render_waiters.get_mut(index) {
            waiter.in_flight = false;
        }
        self.check_render_waiters(Instant::now());
    }

    /// [`Host::check_render_waiters`]; `spaced`: skip (and defer) the waiters still
    /// within their spacing. Conditions that may be slow (see
    /// [`crate::wait_condition::WaitCondition::may_be_slow`]) are evaluated off the loop.
    fn check_render_waiters_at(&mut self, now: Instant, spaced: bool) {
        self.check_render_waiters_with(now, spaced, true);
    }

    /// Evaluates every render waiter on the loop, those with an evaluation in flight
    /// included (the session is ending: its last screen must be looked at now).
    fn check_render_waiters_finally(&mut self, now: Instant) {
        self.check_render_waiters_with(now, false, false);
    }

    fn check_render_waiters_with(&mut self, now: Instant, spaced: bool, off_loop: bool) {
        self.render_deferred = None;
        if self.render_waiters.is_empty() {
            return;
        }
        // The output since the last input changes without the screen (an input's anchor).
        let changes = self.screen.changes().wrapping_add(self.output_since.revision());
        let latest_seq = self.latest_seq();
        let with_output = self.render_waiters.iter().any(|w| w.condition.within() == WaitIn::Output);
        if with_output {
            self.output_since.settle();
        }
        let mut seen: Option<Observation> = None;
        let mut kept = Vec::with_capacity(self.render_waiters.len());
        for mut waiter in std::mem::take(&mut self.render_waiters) {
            if waiter.reply.is_closed() {
                continue;
            }
            if off_loop && waiter.in_flight {
                kept.push(waiter);
                continue;
            }
            let due = waiter.in_flight || waiter.needs_check(changes, now);
            if waiter.before_baseline(latest_seq) || !due {
                kept.push(waiter);
                continue;
            }
            if spaced && now < waiter.quiet_until {
                let due = self.render_deferred.map_or(waiter.quiet_until, |at| at.min(waiter.quiet_until));
                self.render_deferred = Some(due);
                kept.push(waiter);
                continue;
            }
            let started = Instant::now();
            let seen = seen.get_or_insert_with(|| self.observe(with_output));
            waiter.evaluated = Some((changes, now));
            let result = match &self.evaluations {
                Some(done) if off_loop && waiter.condition.may_be_slow() => {
                    waiter.check_off_loop(seen, now, done)
                }
                _ => {
                    waiter.in_flight = false;
                    waiter.check(seen, now)
                }
            };
            let done = Instant::now();
            waiter.quiet_until = done + done.duration_since(started) * RENDER_CHECK_SPACING;
            match result {
                Some(result) => {
                    let _ = waiter.reply.send(Response::answer(&waiter.id, Ok(result)));
                }
                None => kept.push(waiter),
            }
        }
        self.render_waiters = kept;
    }

    fn complete_run(&mut self, marker: &str) {
        let Some(index) = self.runs.iter().position(|r| r.marker == marker) else {
            return;
        };
        let mut run = self.runs.swap_remove(index);
        if let Some((id, reply)) = run.reply.take() {
            let _ = reply.send(Response::answer(&id, Ok(run_result(&mut run, true, false))));
        }
    }

    /// Writes staged events; a failing log is fatal (it can no longer be trusted).
    /// Subscribers get the flushed lines (and a `screen` line if the screen changed).
    pub(crate) fn flush_log(&mut self) -> Result<()> {
        let pushed = self.subscribers.any().then(|| std::sync::Arc::<[u8]>::from(self.log.staged()));
        self.log.flush().map_err(|e| Error::storage_write(&self.paths.events, &e))?;
        self.checkpoints.flushed(&self.paths);
        if let Some(bytes) = pushed {
            let latest = self.flushed_seq();
            self.subscribers.publish(bytes, latest);
            self.subscribers.check_screen(&self.screen, latest, Instant::now());
        }
        Ok(())
    }

    /// The seq of the newest flushed record (`None` while the log is empty).
    pub(crate) fn flushed_seq(&self) -> Option<u64> {
        self.log.next_seq().checked_sub(1)
    }

    /// The earliest instant something must happen.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let runs = self.runs.iter().filter(|r| r.reply.is_some()).map(|r| r.deadline);
        let waits = self.waiters.iter().flat_map(|w| {
            let idle = match w.kind {
                WaitKind::Idle { idle, anchor } => Some(self.last_output_at.max(anchor) + idle),
                WaitKind::Exit => None,
            };
            [w.deadline, idle]
        });
        let idle_kill = self
            .idle_timeout
            .filter(|_| self.record.status.is_commandable())
            .map(|t| self.last_activity_at + t);
        let renders = self.render_waiters.iter().filter_map(RenderWaiter::next_deadline);
        let deferred = self.render_deferred;
        // A synchronized update (mode 2026) left open must end on time even without output.
        let sync = self
            .screen
            .sync_deadline()
            .map(|at_ms| Instant::now() + Duration::from_millis(at_ms.saturating_sub(crate::time::now_ms())));
        runs.chain(waits.flatten())
            .chain(self.secrets.deadline(self.last_output_at))
            .chain(idle_kill)
            .chain(self.kill_deadline)
            .chain(renders)
            .chain(deferred)
            .chain(sync)
            .chain(self.subscribers.next_deadline(self.last_output_at))
            .min()
    }

    /// Handles every deadline that has passed.
    pub(crate) fn on_deadline(&mut self) -> Result<()> {
        let now = Instant::now();
        // A held tail goes out first, so that the waits below see it.
        self.on_held_deadline(now)?;
        if !self.waiters.is_empty() {
            // An idle wait answered below reads the count next.
            self.save_redactions_now();
        }
        // Time-outs carry the output since the last input in their evidence.
        self.output_since.settle();
        self.waiters.retain(|w| !w.reply.is_closed());
        if self.screen.sync_deadline().is_some_and(|at_ms| at_ms <= crate::time::now_ms()) {
            self.screen.end_sync();
            self.queue_replies();
        }
        for run in self.runs.iter_mut().filter(|r| r.deadline <= now) {
            if let Some((id, reply)) = run.reply.take() {
                let _ = reply.send(Response::answer(&id, Ok(run_result_at(run, false, true, now))));
            }
        }
        // A timed-out run stays registered (its end is still logged), but nobody reads
        // its output any more.
        for run in self.runs.iter_mut().filter(|r| r.reply.is_none()) {
            run.outcome.take_output();
        }
        self.check_idle_waiters(now);
        self.check_render_waiters(now);
        let latest = self.latest_seq();
        for waiter in std::mem::take(&mut self.render_waiters) {
            if waiter.deadline.is_some_and(|d| d <= now) {
                let evidence = self.wait_evidence(WaitedFor::Render(&waiter.condition), now);
                let reply = RenderWaitReply::timed_out(Seq(latest), Some(evidence));
                let _ = waiter.reply.send(Response::answer(&waiter.id, Ok(reply)));
            } else {
                self.render_waiters.push(waiter);
            }
        }
        let (expired, kept): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.waiters).into_iter().partition(|w| w.deadline.is_some_and(|d| d <= now));
        self.waiters = kept;
        for waiter in expired {
            let waited = match waiter.kind {
                WaitKind::Exit => WaitedFor::Exit,
                WaitKind::Idle { idle, .. } => WaitedFor::Idle { idle_ms: idle.as_millis() as u64 },
            };
            let reply = WaitReply::timed_out(self.wait_evidence(waited, now));
            let _ = waiter.reply.send(Response::answer(&waiter.id, Ok(reply)));
        }
        if let Some(timeout) = self.idle_timeout
            && self.record.status.is_commandable()
            && now >= self.last_activity_at + timeout
        {
            self.idle_timeout = None;
            let _ = process::signal(self.child_pid, libc::SIGHUP);
        }
        if self.kill_deadline.is_some_and(|d| d <= now) {
            self.kill_deadline = None;
            self.kill_session();
        }
        let latest = self.flushed_seq();
        self.subscribers.on_deadline(&self.screen, latest, self.last_output_at, now);
        Ok(())
    }

    fn check_idle_waiters(&mut self, now: Instant) {
        let last_output = self.last_output_at;
        let (done, kept): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.waiters).into_iter().partition(|w| match w.kind {
                WaitKind::Idle { idle, anchor } => now >= last_output.max(anchor) + idle,
                WaitKind::Exit => false,
            });
        self.waiters = kept;
        for waiter in done {
            let _ = waiter.reply.send(Response::answer(&waiter.id, Ok(WaitReply::met())));
        }
    }

    /// Starts graceful shutdown (destroy RPC or SIGTERM): SIGHUP to the whole PTY session,
    /// SIGKILL after [`DESTROY_GRACE`].
    pub(crate) fn begin_shutdown(&mut self) -> Result<()> {
        if self.exited || self.record.status != Status::Running {
            return Ok(());
        }
        self.idle_timeout = None;
        // SIGHUP to the program, its process group and every other descendant (daemons
        // in sessions of their own included); a shell passes it on to its jobs. What is
        // left when the program exits gets SIGTERM, then SIGKILL (see `on_exit`).
        let _ = process::signal(self.child_pid, libc::SIGHUP);
        process::signal_group(self.child_pid, libc::SIGHUP);
        let host = std::process::id();
        process::signal_descendants(&process::descendants(host), host, libc::SIGHUP);
        self.kill_deadline = Some(Instant::now() + DESTROY_GRACE);
        self.record.status = Status::Destroying;
        self.record.touch();
        // Not being able to save `destroying` must not stop the destroy: the final status
        // is written (with the reserve's help) when the program has exited.
        if let Err(error) = self.save_record() {
            eprintln!(
                "agent-tty host {}: cannot save the destroying status: {}",
                self.paths.id, error.message
            );
        }
        Ok(())
    }

    /// Writes the manifest, freeing the session's space reserve if the first try fails
    /// (see [`crate::reserve`]).
    pub(crate) fn save_record(&self) -> Result<()> {
        crate::reserve::write_record(&self.paths, &self.record)
    }

    /// SIGKILL to every process the program started, whatever its session. The host is
    /// their subreaper, so they are all its descendants: a tree walk, not a scan of `/proc`.
    pub(crate) fn kill_session(&self) {
        let host = std::process::id();
        process::signal_descendants(&process::descendants(host), host, libc::SIGKILL);
        // Once the program is reaped its PID (and so its group id) may be reused.
        if !self.exited {
            process::signal_group(self.child_pid, libc::SIGKILL);
        }
    }

    /// The host cannot go on (its storage failed: full disk, read-only Home, I/O error):
    /// frees the space reserve, says why in `host.log` (stderr), ends every process of the
    /// session and records `failed` with the reason. Each step is best effort; nothing
    /// here can make things worse than the failure itself.
    pub(crate) fn fail(&mut self, error: &Error) {
        crate::reserve::release(&self.paths.dir);
        let (reason, origin) = if error.code == ErrorCode::StorageWriteError {
            let reason = format!(
                "the host stopped because it could not write the session's files: {} \
                 (free space in the Home or make it writable, then destroy or gc the session)",
                error.message
            );
            (reason, FailureOrigin::StorageCorruption)
        } else {
            (format!("the host stopped after an internal error: {}", error.message), FailureOrigin::Unknown)
        };
        eprintln!("agent-tty host {}: {reason}", self.paths.id);
        let host = std::process::id();
        if !self.exited {
            let _ = process::signal(self.child_pid, libc::SIGHUP);
            process::signal_group(self.child_pid, libc::SIGHUP);
        }
        process::signal_descendants(&process::descendants(host), host, libc::SIGHUP);
        process::end_descendants(LEFTOVER_GRACE);
        self.exited = true;
        self.subscribers.close_all();
        if !self.record.status.is_terminal() {
            self.record.status = Status::Failed;
            self.record.failure_reason = Some(reason);
            self.record.failure_origin = Some(origin);
            self.record.touch();
        }
        if let Err(e) = self.save_record() {
            eprintln!(
                "agent-tty host {}: cannot save the failed status either: {}",
                self.paths.id, e.message
            );
        }
        let not_running = Error::new(ErrorCode::SessionNotRunning, error.message.clone());
        for waiter in std::mem::take(&mut self.waiters) {
            let _ = waiter.reply.send(Response::failure(&waiter.id, &not_running));
        }
        for waiter in std::mem::take(&mut self.render_waiters) {
            let _ = waiter.reply.send(Response::failure(&waiter.id, &not_running));
        }
        for mut run in std::mem::take(&mut self.runs) {
            if let Some((id, reply)) = run.reply.take() {
                let _ = reply.send(Response::failure(&id, &not_running));
            }
        }
    }

    /// The child exited: flush held-back output, record the exit, answer waiters.
    pub(crate) fn on_exit(&mut self, status: std::process::ExitStatus) -> Result<()> {
        use std::os::unix::process::ExitStatusExt;
        let tail = self.decoder.finish();
        let mut pieces = if tail.is_empty() { Vec::new() } else { self.filter.push(&tail) };
        pieces.extend(self.filter.flush());
        self.filter.clear();
        self.apply_pieces(pieces)?;
        if let Some(held) = self.marks.flush() {
            self.redact_output(&held);
        }
        // Nothing is held back past the exit record.
        self.release_held();
        self.save_redactions_now();
        let exit_code = Some(status.code().unwrap_or(0));
        let exit_signal = status.signal().filter(|&s| s != 0).map(|s| s.to_string());
        // Whatever else still runs goes with its leader on destroy: SIGTERM, then SIGKILL.
        self.exited = true;
        if self.record.status == Status::Destroying {
            process::end_descendants(LEFTOVER_GRACE);
        }
        self.record.status =
            if self.record.status == Status::Destroying { Status::Destroyed } else { Status::Exited };
        self.record.exit_code = exit_code;
        self.record.exit_signal = exit_signal.clone();
        self.record.touch();
        self.log.push(&Event::Exit { exit_code, exit_signal });
        let logged = self.flush_log();
        // Subscribers end after the exit record.
        self.subscribers.close_all();
        // The manifest is final before anyone waiting on the exit hears of it.
        self.save_record()?;
        logged?;
        let now = Instant::now();
        for mut run in std::mem::take(&mut self.runs) {
            if let Some((id, reply)) = run.reply.take() {
                let _ = reply.send(Response::answer(&id, Ok(run_result_at(&mut run, false, false, now))));
            }
        }
        self.check_render_waiters_finally(now);
        let not_running = Error::new(ErrorCode::SessionNotRunning, "Session is not running.");
        for waiter in std::mem::take(&mut self.render_waiters) {
            let _ = waiter.reply.send(Response::failure(&waiter.id, &not_running));
        }
        for waiter in std::mem::take(&mut self.waiters) {
            let response = match waiter.kind {
                WaitKind::Exit => WaitReply::exited(exit_code),
                WaitKind::Idle { .. } => {
                    let error = Error::new(ErrorCode::SessionNotRunning, "Session is not running.");
                    let _ = waiter.reply.send(Response::failure(&waiter.id, &error));
                    continue;
                }
            };
            let _ = waiter.reply.send(Response::answer(&waiter.id, Ok(response)));
        }
        Ok(())
    }

    /// What a connection delivered: a request, or word that a client hung up.
    pub(crate) fn on_request(&mut self, incoming: Incoming) -> Result<()> {
        match incoming {
            Incoming::Request(call) => self.on_call(call),
            Incoming::HungUp => {
                self.drop_abandoned();
                Ok(())
            }
        }
    }

    /// Drops at once every parked request whose client hung up (its reply channel is
    /// closed): waits and render waits go; a waited run stays registered (its end is
    /// still logged, as after a time-out) but nobody reads its output any more, and a
    /// later run may use the shell's marks again.
    pub(crate) fn drop_abandoned(&mut self) {
        self.waiters.retain(|w| !w.reply.is_closed());
        self.render_waiters.retain(|w| !w.reply.is_closed());
        for run in &mut self.runs {
            if run.reply.as_ref().is_some_and(|(_, reply)| reply.is_closed()) {
                run.reply = None;
                run.outcome.take_output();
            }
        }
    }

    /// Dispatches one request. A request whose client is already gone (it timed out and
    /// closed its socket, e.g. while this host was stopped) is dropped without any effect
    /// or event: the client reported a retryable `HOST_TIMEOUT`, so executing it now
    /// would make a retry happen twice.
    fn on_call(&mut self, call: Call) -> Result<()> {
        let Call { request, reply, client, subscription } = call;
        if reply.is_closed() || client.gone() {
            return Ok(());
        }
        drop(client);
        let id = request.id.clone();
        if request.method == crate::protocol::SUBSCRIBE {
            let latest = self.flushed_seq();
            let answer = self.subscribers.subscribe(request.params, subscription, latest, self.exited);
            let _ = reply.send(Response::answer(&id, answer));
            return Ok(());
        }
        // The caller may read the count next (`redactions` of its result).
        self.save_redactions_now();
        let answer = crate::host::methods::dispatch(self, request, reply)?;
        if let Some((reply, result)) = answer {
            let response = match result {
                Ok(value) => Response::success(&id, value),
                Err(error) => Response::failure(&id, &error),
            };
            let _ = reply.send(response);
        }
        // A new event (or a new waiter) may satisfy a pending render wait.
        self.check_render_waiters(Instant::now());
        Ok(())
    }
}

fn run_result(run: &mut PendingRun, completed: bool, timed_out: bool) -> RunReply {
    run_result_at(run, completed, timed_out, Instant::now())
}

fn run_result_at(run: &mut PendingRun, completed: bool, timed_out: bool, now: Instant) -> RunReply {
    let (output, output_truncated) = run.outcome.take_output();
    RunReply::Finished(RunFinished {
        accepted: true,
        completed,
        timed_out,
        seq: Seq(run.input_run_seq),
        duration_ms: now.duration_since(run.started).as_millis() as u64,
        marker: run.marker.clone(),
        exit_code: run.outcome.exit_code.filter(|_| completed),
        cwd: run.outcome.cwd.clone().filter(|_| completed),
        output,
        output_truncated,
    })
}
