//! Render waits in the host: pending `waitForRender` calls are evaluated against the live
//! Screen whenever it (or the log's seq) changes, and at their stability or timeout
//! deadlines — never on a fixed polling interval.

use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use tokio::sync::oneshot;

use crate::protocol::Response;
use crate::wait_condition::{ScreenView, WaitCondition};

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
}

/// What the host observed: the live screen's canonical state at a seq.
#[derive(Debug)]
pub(crate) struct Observation {
    pub text: String,
    pub cursor_row: u16,
    pub cursor_col: u16,
    pub captured_at_seq: u64,
    pub screen_hash: String,
}

impl RenderWaiter {
    /// Evaluates against `seen`; returns the success result when the condition holds.
    pub fn check(&mut self, seen: &Observation, now: Instant) -> Option<Value> {
        if self.condition.after_seq().is_some_and(|after| seen.captured_at_seq <= after) {
            return None;
        }
        if self.last_text.as_deref() != Some(seen.text.as_str()) {
            self.last_text = Some(seen.text.clone());
            self.last_change = now;
        }
        let stable_for = now.duration_since(self.last_change).as_millis() as u64;
        let view = ScreenView {
            canonical_text: &seen.text,
            cursor_row: seen.cursor_row,
            cursor_col: seen.cursor_col,
            captured_at_seq: seen.captured_at_seq,
        };
        let found = self.condition.evaluate(&view, Some(stable_for))?;
        let mut out = Map::new();
        out.insert("matched".into(), json!(true));
        out.insert("timedOut".into(), json!(false));
        if let Some(text) = found.matched_text {
            out.insert("matchedText".into(), json!(text));
        }
        out.insert("cursorRow".into(), json!(seen.cursor_row));
        out.insert("cursorCol".into(), json!(seen.cursor_col));
        out.insert("capturedAtSeq".into(), json!(seen.captured_at_seq));
        out.insert("screenHash".into(), json!(seen.screen_hash));
        Some(Value::Object(out))
    }

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

/// The timeout result: no observation fields, the latest seq.
pub(crate) fn timed_out(latest_seq: u64) -> Value {
    json!({ "matched": false, "timedOut": true, "capturedAtSeq": latest_seq })
}
