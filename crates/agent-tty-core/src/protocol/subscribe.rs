//! `subscribe`: the host's push stream of its Event Log (used by `agent-tty events
//! --follow`). Unlike every other method, its connection stays open after the reply: the
//! reply line `{"id","ok":true,"result":{"latestSeq":L}}` is followed by NDJSON lines,
//! each either one Event Log record exactly as written to `events.jsonl` (seq > L, in
//! order, none skipped) or a derived line `{"derived":…}` (see [`DerivedKind`]). The host
//! closes the connection after the `exit` record, and after a `missed` line (the
//! subscriber fell more than its queue behind: it resumes from the log file after
//! `resumeAfterSeq` and subscribes again). 0.5 clients never send this method.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The method's wire name.
pub const SUBSCRIBE: &str = "subscribe";

/// `subscribe` params.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubscribeParams {
    /// How long the output must pause before an `idle` line is pushed, in ms (default
    /// [`DEFAULT_IDLE_MS`]; 0 = no idle lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_ms: Option<u64>,
}

/// The idle threshold of a subscription that gives none.
pub const DEFAULT_IDLE_MS: u64 = 1000;

/// The first line of a subscription: records after `latestSeq` will be pushed; those up to
/// it are in the log file already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscribeReply {
    /// The seq of the newest record flushed to the log when the subscription started
    /// (`null` when the log is still empty).
    pub latest_seq: Option<u64>,
}

/// The kinds of derived lines (`{"derived":"<kind>",…}`), as `--type` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DerivedKind {
    /// The screen's text changed: `{"derived":"screen","seq","ts","screenHash"}`, pushed
    /// at most every few tens of ms while output streams (coalesced).
    Screen,
    /// A shell-integration command ended (from the log's `agent-tty:command-end` marker):
    /// `{"derived":"commandFinished","seq","ts","startSeq","exitCode","cwd"}`.
    CommandFinished,
    /// The output paused for the subscription's idle time: `{"derived":"idle","seq","ts","idleMs"}`.
    Idle,
    /// The subscriber fell behind and its backlog was dropped:
    /// `{"derived":"missed","seq","ts","count","resumeAfterSeq"}`.
    Missed,
}

impl DerivedKind {
    /// Every kind, in documentation order.
    pub const ALL: [DerivedKind; 4] =
        [DerivedKind::Screen, DerivedKind::CommandFinished, DerivedKind::Idle, DerivedKind::Missed];

    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            DerivedKind::Screen => "screen",
            DerivedKind::CommandFinished => "commandFinished",
            DerivedKind::Idle => "idle",
            DerivedKind::Missed => "missed",
        }
    }
}
