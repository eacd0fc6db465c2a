//! Waits: `wait` (exit or idle) and `waitForRender` (a Render Wait condition).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Seq;
use crate::event_stream::DamageReport;
use crate::wait_condition::{Match, ScreenView, WaitIn, WaitSpec};
use crate::wait_evidence::WaitEvidence;

/// `wait`: `{exit?, idleMs?, timeoutMs?}` (exactly one of exit and idleMs, checked by
/// the host).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WaitParams {
    /// Wait for the program to exit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<bool>,
    /// Wait for this long without output, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_ms: Option<u64>,
    /// Give up after this long, in ms (absent: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

/// The reply of `wait` as the host writes it: `{exitCode?, timedOut}` (`exitCode` only
/// for an exit wait whose exit code is known).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaitReply {
    /// The program's exit code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The wait's timeout came first.
    pub timed_out: bool,
    /// Timed out: why (the screen's last lines, the last output, whether the program
    /// runs or waits for input, the nearest miss).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<WaitEvidence>,
}

impl WaitReply {
    /// The reply of an exit wait that is over.
    pub fn exited(exit_code: Option<i32>) -> WaitReply {
        WaitReply { exit_code, timed_out: false, evidence: None }
    }

    /// The reply of an idle wait that is over (`exited(None)`).
    pub fn met() -> WaitReply {
        WaitReply { exit_code: None, timed_out: false, evidence: None }
    }

    /// The reply at the wait's timeout, with its evidence.
    pub fn timed_out(evidence: WaitEvidence) -> WaitReply {
        WaitReply { exit_code: None, timed_out: true, evidence: Some(evidence) }
    }
}

/// The CLI's `wait --exit/--idle-ms` result: `{timedOut, exitCode?}` (the order 0.5's
/// CLI prints, which is not the host's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaitResult {
    /// The wait's timeout came first.
    pub timed_out: bool,
    /// The program's exit code, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Timed out: why (the screen's last lines, the last output, whether the program
    /// runs or waits for input, the nearest miss).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<WaitEvidence>,
}

impl From<WaitReply> for WaitResult {
    fn from(reply: WaitReply) -> WaitResult {
        WaitResult { timed_out: reply.timed_out, exit_code: reply.exit_code, evidence: reply.evidence }
    }
}

/// `waitForRender`: a [`WaitSpec`] plus `timeoutMs` (absent: never) and the ignored
/// `rendererName`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct RenderWaitParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen_stable_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_row: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_col: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_seq: Option<Seq>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renderer_name: Option<String>,
    /// What `text`/`regex` look at (`screen`, the default, is left out).
    #[serde(default, rename = "in", skip_serializing_if = "WaitIn::is_screen")]
    pub within: WaitIn,
}

impl RenderWaitParams {
    /// The params of `spec` with a timeout (0 = none: the key is left out).
    pub fn new(spec: WaitSpec, timeout_ms: u64) -> RenderWaitParams {
        let WaitSpec { text, regex, screen_stable_ms, cursor_row, cursor_col, after_seq, within } = spec;
        RenderWaitParams {
            text,
            regex,
            screen_stable_ms,
            cursor_row,
            cursor_col,
            after_seq,
            timeout_ms: (timeout_ms > 0).then_some(timeout_ms),
            renderer_name: None,
            within,
        }
    }

    /// The condition's inputs, and the timeout.
    pub fn into_spec(self) -> (WaitSpec, Option<u64>) {
        let RenderWaitParams {
            text,
            regex,
            screen_stable_ms,
            cursor_row,
            cursor_col,
            after_seq,
            timeout_ms,
            within,
            ..
        } = self;
        (WaitSpec { text, regex, screen_stable_ms, cursor_row, cursor_col, after_seq, within }, timeout_ms)
    }
}

/// The reply of `waitForRender` (and the CLI's render wait result): matched with the
/// observation, or timed out with the latest seq.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RenderWaitReply {
    /// The condition held (offline: and needed no stability).
    pub matched: bool,
    /// The wait's timeout came first.
    pub timed_out: bool,
    /// The needle, or the regex's whole match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_text: Option<String>,
    /// The observed cursor row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_row: Option<u16>,
    /// The observed cursor column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_col: Option<u16>,
    /// The seq of the observed screen (timed out: the latest seq).
    pub captured_at_seq: Seq,
    /// The observed screen's Screen Hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen_hash: Option<String>,
    /// Offline replay only (never on the wire): what the read of a damaged log skipped.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub damage: Option<DamageReport>,
    /// Timed out: why (the screen's last lines, the last output, whether the program
    /// runs or waits for input, the nearest miss).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<WaitEvidence>,
}

impl RenderWaitReply {
    /// The reply for a condition that held (`found`) on the observed `view`; `matched`
    /// is `false` only offline, where stability cannot be proven.
    pub fn observed(
        matched: bool,
        found: Match,
        view: &ScreenView<'_>,
        screen_hash: String,
    ) -> RenderWaitReply {
        RenderWaitReply {
            matched,
            timed_out: false,
            matched_text: found.matched_text,
            cursor_row: Some(view.cursor_row),
            cursor_col: Some(view.cursor_col),
            captured_at_seq: Seq(view.captured_at_seq),
            screen_hash: Some(screen_hash),
            damage: None,
            evidence: None,
        }
    }

    /// The reply at the wait's timeout, with its evidence (`None` only where none can
    /// be gathered).
    pub fn timed_out(latest_seq: Seq, evidence: Option<WaitEvidence>) -> RenderWaitReply {
        RenderWaitReply {
            matched: false,
            timed_out: true,
            matched_text: None,
            cursor_row: None,
            cursor_col: None,
            captured_at_seq: latest_seq,
            screen_hash: None,
            damage: None,
            evidence,
        }
    }
}
