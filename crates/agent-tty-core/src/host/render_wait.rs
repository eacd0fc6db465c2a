//! Render waits in the host: pending `waitForRender` calls are evaluated against the live
//! Screen whenever it (or the log's seq) changes, and at their stability or timeout
//! deadlines — never on a fixed polling interval.
//!
//! # What an evaluation costs, and when one is skipped
//!
//! An evaluation needs the canonical text (every visible row walked and joined); the
//! Screen Hash is computed only for a reply. A waiter is evaluated again only when that
//! can change its answer (`RenderWaiter::needs_check`): the Screen's change counter
//! ([`agent_tty_vt::Screen::changes`]) moved since its last evaluation, or its stability
//! time was reached since then. Otherwise everything its condition looks at — text,
//! cursor, baseline (already passed), stable time (still short, or already long enough
//! when the content last failed) — is what it was, so the answer would be the same.
//! While output streams in, the host also spaces the checks out by a multiple of their
//! own cost and catches up when the output pauses (`Host::check_render_waiters_after_output`):
//! observations are points in time, as the spec's 200 ms polls are, only fewer of them
//! during a flood.
//!
//! A condition that may be slow (a regex that needs the backtracking VM: look-around,
//! word boundaries, backreferences) is evaluated on a thread of its own
//! (`RenderWaiter::check_off_loop`), so the loop keeps serving requests and output
//! meanwhile. One evaluation per waiter runs at a time; the changes that arrive while it
//! runs are coalesced into one look at the screen as it is when it is back. A match is
//! answered with the observation it was made on (text, cursor, seq, hash), as an
//! on-loop match would be. When the session ends, the last screen is evaluated on the
//! loop, as before, so a wait that its final output satisfies still matches.
//!
//! Stability stays defined by the text, as the spec says: the stable time restarts when
//! an observation's canonical text differs from the previous observation's. A moved
//! counter alone does not restart it (output that rewrites the same text, a cursor
//! move, a colour change leave the text equal), so the counter only decides *whether*
//! to look, never *what* counts as a change; a screen that changes and changes back
//! between two observations is as stable as it was, exactly as before.

use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use crate::host::actor::Host;
use crate::protocol::{RenderWaitReply, Response};
use crate::wait_condition::{ScreenView, WaitCondition};
use crate::wait_evidence::{Observed, WaitEvidence, WaitedFor};

/// One pending `waitForRender`.
#[derive(Debug)]
pub(crate) struct RenderWaiter {
    pub condition: WaitCondition,
    pub deadline: Option<Instant>,
    pub id: String,
    pub reply: oneshot::Sender<Response>,
    /// Canonical text at the last post-baseline observation, and when it last changed.
    pub last_text: Option<String>,
    pub last_change: Instant,
    /// The Screen's change counter and the time at the last post-baseline evaluation.
    pub evaluated: Option<(u64, Instant)>,
    /// Output-driven evaluations wait until then (spaced by their cost, see the host).
    pub quiet_until: Instant,
    /// Identifies this waiter's off-loop evaluations.
    pub serial: u64,
    /// An evaluation runs off the loop (see [`RenderWaiter::check_off_loop`]).
    pub in_flight: bool,
}

/// The outcome of an evaluation run off the host loop: the success result, if matched.
#[derive(Debug)]
pub(crate) struct Evaluated {
    pub serial: u64,
    pub result: Option<RenderWaitReply>,
}

static SERIALS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// What the host observed: the live screen's canonical state at a seq.
#[derive(Debug, Clone)]
pub(crate) struct Observation {
    pub text: String,
    pub cursor_row: u16,
    pub cursor_col: u16,
    pub captured_at_seq: u64,
    /// The output since the last input, when a waiter looks at it (`in: "output"`).
    pub output: Option<String>,
}

impl RenderWaiter {
    /// A new waiter, not evaluated yet.
    pub fn new(
        condition: WaitCondition,
        deadline: Option<Instant>,
        id: String,
        reply: oneshot::Sender<Response>,
        now: Instant,
    ) -> RenderWaiter {
        RenderWaiter {
            condition,
            deadline,
            id,
            reply,
            last_text: None,
            last_change: now,
            evaluated: None,
            quiet_until: now,
            serial: SERIALS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            in_flight: false,
        }
    }

    /// Whether the baseline keeps every screen at `latest_seq` from matching.
    pub fn before_baseline(&self, latest_seq: u64) -> bool {
        self.condition.after_seq().is_some_and(|after| latest_seq <= after)
    }

    /// Whether an evaluation now could answer differently from the last one: never
    /// evaluated, the screen changed (`changes` moved), or the stability time was reached
    /// since (see the module docs).
    pub fn needs_check(&self, changes: u64, now: Instant) -> bool {
        let Some((seen, at)) = self.evaluated else {
            return true;
        };
        seen != changes || self.stability_deadline().is_some_and(|due| at < due && due <= now)
    }

    /// Evaluates against `seen`; returns the success result when the condition holds.
    pub fn check(&mut self, seen: &Observation, now: Instant) -> Option<RenderWaitReply> {
        let stable_for = self.track(seen, now)?;
        evaluate(&self.condition, seen, stable_for)
    }

    /// [`RenderWaiter::check`] with the evaluation on a thread of its own, for conditions
    /// that may be slow: the baseline and stability bookkeeping happen here, and the
    /// outcome arrives on `done` (the host answers then, with this observation). While
    /// it runs, the waiter is `in_flight` and not evaluated again; later changes are
    /// looked at once it is back, with the screen as it is then (coalesced). If no thread
    /// can be started, it evaluates here.
    pub fn check_off_loop(
        &mut self,
        seen: &Observation,
        now: Instant,
        done: &mpsc::UnboundedSender<Evaluated>,
    ) -> Option<RenderWaitReply> {
        let stable_for = self.track(seen, now)?;
        let (condition, owned, serial, done) =
            (self.condition.clone(), seen.clone(), self.serial, done.clone());
        let spawned = std::thread::Builder::new().name("agent-tty-wait".into()).spawn(move || {
            let result = evaluate(&condition, &owned, stable_for);
            let _ = done.send(Evaluated { serial, result });
        });
        match spawned {
            Ok(_) => {
                self.in_flight = true;
                None
            }
            Err(_) => evaluate(&self.condition, seen, stable_for),
        }
    }

    /// The baseline gate and the stability bookkeeping: the stable time, or `None`
    /// while the screen is not past the baseline.
    fn track(&mut self, seen: &Observation, now: Instant) -> Option<u64> {
        if self.condition.after_seq().is_some_and(|after| seen.captured_at_seq <= after) {
            return None;
        }
        if self.last_text.as_deref() != Some(seen.text.as_str()) {
            self.last_text = Some(seen.text.clone());
            self.last_change = now;
        }
        Some(now.duration_since(self.last_change).as_millis() as u64)
    }
}

/// The condition on one observation; the success result when it holds.
fn evaluate(condition: &WaitCondition, seen: &Observation, stable_for: u64) -> Option<RenderWaitReply> {
    let view = ScreenView {
        canonical_text: &seen.text,
        cursor_row: seen.cursor_row,
        cursor_col: seen.cursor_col,
        captured_at_seq: seen.captured_at_seq,
        output_text: seen.output.as_deref(),
    };
    let found = condition.evaluate(&view, Some(stable_for))?;
    let screen_hash = agent_tty_vt::screen_hash(&[seen.text.as_str()]);
    Some(RenderWaitReply::observed(true, found, &view, screen_hash))
}

impl RenderWaiter {
    /// When a stability wait could next be satisfied, if it is waiting for that.
    pub fn stability_deadline(&self) -> Option<Instant> {
        let ms = self.condition.screen_stable_ms()?;
        self.last_text.as_ref()?;
        Some(self.last_change + Duration::from_millis(ms))
    }

    /// The next instant this waiter needs attention.
    pub fn next_deadline(&self) -> Option<Instant> {
        [self.deadline, self.stability_deadline()].into_iter().flatten().min()
    }
}

impl Host {
    /// The evidence of a wait that times out now (see [`crate::wait_evidence`]): one look
    /// at the live screen, the output since the last input and the program.
    pub(crate) fn wait_evidence(&self, waited: WaitedFor<'_>, now: Instant) -> WaitEvidence {
        let snapshot = self.screen.snapshot(agent_tty_vt::SnapshotOptions::default());
        let running = !self.exited;
        let seen = Observed {
            lines: &snapshot.visible_lines,
            cursor_row: snapshot.cursor_row,
            cursor_col: snapshot.cursor_col,
            captured_at_seq: self.latest_seq(),
            output: &self.output_since,
            last_output_age_ms: Some(now.saturating_duration_since(self.last_output_at).as_millis() as u64),
            program_running: running,
            reading_terminal: running && crate::wait_evidence::reading_terminal(self.child_pid),
        };
        crate::wait_evidence::gather(waited, &seen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Seq;
    use crate::wait_condition::WaitSpec;

    fn waiter(spec: WaitSpec, now: Instant) -> RenderWaiter {
        let condition = WaitCondition::prepare(&spec).unwrap();
        let (reply, _) = oneshot::channel();
        RenderWaiter::new(condition, None, "1".into(), reply, now)
    }

    fn seen(text: &str, seq: u64) -> Observation {
        Observation { text: text.into(), cursor_row: 0, cursor_col: 0, captured_at_seq: seq, output: None }
    }

    #[test]
    fn only_a_changed_screen_or_a_reached_stability_time_needs_a_check() {
        let t0 = Instant::now();
        let mut text = waiter(WaitSpec { text: Some("ready".into()), ..WaitSpec::default() }, t0);
        assert!(text.needs_check(0, t0), "never evaluated");
        text.evaluated = Some((7, t0));
        assert!(!text.needs_check(7, t0 + Duration::from_secs(60)), "same screen, same answer");
        assert!(text.needs_check(8, t0), "the screen changed");

        let ms = Duration::from_millis;
        let mut stable = waiter(WaitSpec { screen_stable_ms: Some(100), ..WaitSpec::default() }, t0);
        assert_eq!(stable.check(&seen("a", 1), t0), None);
        stable.evaluated = Some((7, t0));
        assert!(!stable.needs_check(7, t0 + ms(99)));
        assert!(stable.needs_check(7, t0 + ms(100)), "the stability time was reached");
        stable.evaluated = Some((7, t0 + ms(100)));
        assert!(!stable.needs_check(7, t0 + ms(500)), "already evaluated once it was reached");
    }

    #[test]
    fn stability_follows_the_text_not_the_change_counter() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut stable = waiter(WaitSpec { screen_stable_ms: Some(100), ..WaitSpec::default() }, t0);
        assert_eq!(stable.check(&seen("same", 1), t0), None);
        // The screen changed (and changed back) in between: the text is what it was.
        assert_eq!(stable.check(&seen("same", 2), t0 + ms(60)), None);
        let result = stable.check(&seen("same", 3), t0 + ms(100)).unwrap();
        assert_eq!(result.captured_at_seq, Seq(3));
        assert_eq!(result.screen_hash, Some(agent_tty_vt::screen_hash(&["same"])));
        let mut changed = waiter(WaitSpec { screen_stable_ms: Some(100), ..WaitSpec::default() }, t0);
        assert_eq!(changed.check(&seen("one", 1), t0), None);
        assert_eq!(changed.check(&seen("two", 2), t0 + ms(60)), None);
        assert_eq!(changed.check(&seen("two", 3), t0 + ms(100)), None, "stable for 40 ms only");
        assert!(changed.check(&seen("two", 4), t0 + ms(160)).is_some());
    }

    #[test]
    fn a_slow_condition_is_evaluated_off_the_caller_and_reports_its_observation() {
        let t0 = Instant::now();
        let spec = |regex: &str| WaitSpec { regex: Some(regex.into()), ..WaitSpec::default() };
        assert!(!waiter(spec(r"\d+ items"), t0).condition.may_be_slow());
        let mut slow = waiter(spec(r"(?<=x)\d+\b"), t0);
        assert!(slow.condition.may_be_slow());
        let (done, mut results) = mpsc::unbounded_channel();
        assert_eq!(slow.check_off_loop(&seen("x42 y", 5), t0, &done), None);
        assert!(slow.in_flight);
        let back = results.blocking_recv().unwrap();
        assert_eq!(back.serial, slow.serial);
        let result = back.result.unwrap();
        assert_eq!((result.matched_text.as_deref(), result.captured_at_seq), (Some("42"), Seq(5)));
        assert_eq!(result.screen_hash, Some(agent_tty_vt::screen_hash(&["x42 y"])));
        // Not matched: the outcome says so, and nothing else is sent.
        let mut miss = waiter(spec(r"(?<=x)\d+\b"), t0);
        assert_eq!(miss.check_off_loop(&seen("y42", 6), t0, &done), None);
        drop(done);
        let back = results.blocking_recv().unwrap();
        assert_eq!((back.serial, back.result), (miss.serial, None));
        assert!(results.blocking_recv().is_none());
    }
}
