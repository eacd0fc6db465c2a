//! `redactions: N` on every result that exposes screen content (`snapshot`, `screenshot`,
//! `wait`, `run`, `diff`, `find`): the count of secrets the session's host has masked so
//! far, read from the session's redaction sidecar (the host rewrites it whenever the count
//! changes, before it answers anyone, so a live result and an offline one agree). The key
//! comes last, after the 0.5 keys.

use agent_tty_core::paths::SessionPaths;
use schemars::JsonSchema;
use serde::Serialize;

use crate::output::Outcome;

/// A result with `redactions` after its own keys.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Redacted<T> {
    /// The command's own result.
    #[serde(flatten)]
    pub result: T,
    /// Secrets masked in the session's output so far (sealed input, `--redact-env` values,
    /// detectors, `config.json` patterns).
    pub redactions: u64,
}

/// `outcome` with the session's `redactions` count added to its result.
pub fn with_redactions(outcome: Outcome, paths: &SessionPaths) -> Outcome {
    let redactions = agent_tty_core::redaction::redactions(&paths.dir);
    Outcome { result: Box::new(Redacted { result: outcome.result, redactions }), ..outcome }
}

/// What `inspect` says of the session's redaction: the level, the active rule names (never
/// a value) and the count.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RedactionInfo {
    /// `off`, `default` or `strict` (`default` for a session created without settings).
    pub level: String,
    /// The active rules by name: detectors (`aws-access-key`, …), `sealed-input`,
    /// `env:NAME`, `pattern:NAME`.
    pub rules: Vec<String>,
    /// Secrets masked so far.
    pub redactions: u64,
}

impl RedactionInfo {
    /// The session's redaction state, from its sidecar.
    pub fn of(paths: &SessionPaths) -> RedactionInfo {
        let saved = agent_tty_core::redaction::read(&paths.dir).unwrap_or_default();
        RedactionInfo { level: saved.level, rules: saved.rules, redactions: saved.redactions }
    }
}
