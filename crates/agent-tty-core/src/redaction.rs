//! Redaction settings and state beside a session: `sessions/<id>/redaction.json`.
//!
//! `session.json` is strict (0.5 readers reject new keys), so the redaction settings a
//! session was created with travel in a sidecar file instead: `create` writes the level,
//! the *names* of the `--redact-env` variables and the user patterns from `config.json`;
//! the host reads it at start, takes the variables' values from its own environment (the
//! program's: the host passes it on), and rewrites the file with the active rule names and
//! the count of redactions so far, whenever that count changes, before it answers anyone.
//! Offline results read the count from here. No secret value is ever written to it.
//!
//! Sealed input (`type --secret`) is logged with [`placeholder`] in place of its bytes, a
//! form a 0.5 reader still reads as plain `input_text` / `input_paste` data.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::redact::{Level, RuleSet};

/// The sidecar's file name in the session directory.
pub const FILE: &str = "redaction.json";

/// The rule name of values typed or pasted with `--secret`.
pub const SEALED_RULE: &str = "sealed-input";

/// A user pattern from `config.json` (`redactPatterns`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    /// Its name (the rule is listed as `pattern:<name>`).
    pub name: String,
    /// The regular expression.
    pub regex: String,
}

/// The sidecar's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Redaction {
    /// `off`, `default` or `strict`.
    pub level: String,
    /// Names of the environment variables whose values are masked.
    #[serde(default)]
    pub env: Vec<String>,
    /// User patterns.
    #[serde(default)]
    pub patterns: Vec<Pattern>,
    /// The active rule names (written by the host).
    #[serde(default)]
    pub rules: Vec<String>,
    /// Redactions applied so far (written by the host).
    #[serde(default)]
    pub redactions: u64,
}

impl Default for Redaction {
    fn default() -> Redaction {
        Redaction {
            level: Level::Default.as_str().into(),
            env: Vec::new(),
            patterns: Vec::new(),
            rules: Vec::new(),
            redactions: 0,
        }
    }
}

/// The sidecar of the session in `dir`.
pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// The sidecar of the session in `dir`, if it has a readable one.
pub fn read(dir: &Path) -> Option<Redaction> {
    let text = std::fs::read(path(dir)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Writes the sidecar (atomically) into the session directory, which must exist: a host
/// whose session directory was removed does not create it again.
pub fn write(dir: &Path, redaction: &Redaction) -> Result<()> {
    crate::fsio::write_json_atomic_in_place(&path(dir), redaction)
}

/// Redactions applied so far in the session in `dir` (0 without a sidecar).
pub fn redactions(dir: &Path) -> u64 {
    read(dir).map_or(0, |r| r.redactions)
}

/// The active rule names of the session in `dir`, if it has a sidecar.
pub fn rules(dir: &Path) -> Option<Vec<String>> {
    read(dir).map(|r| r.rules)
}

/// Parses `--redact` / `config.json` `redact`: `INVALID_INPUT` naming the values.
pub fn parse_level(what: &str, text: &str) -> Result<Level> {
    Level::parse(text).ok_or_else(|| {
        Error::invalid_input(format!("{what} must be one of off, default, strict, got: {text}"))
            .with("redact", text)
    })
}

/// Checks the user patterns: each needs a name and a regex that compiles
/// (`INVALID_INPUT` naming the pattern and the problem).
pub fn check_patterns(patterns: &[Pattern]) -> Result<()> {
    let mut rules = RuleSet::new(Level::Off);
    for (index, pattern) in patterns.iter().enumerate() {
        let bad = |problem: String| {
            Error::invalid_input(format!(
                "config.json redactPatterns[{index}] ({:?}): {problem}. Fix or remove the pattern.",
                pattern.name
            ))
            .with("pattern", pattern.name.as_str())
        };
        if pattern.name.trim().is_empty() {
            return Err(bad("the name must not be empty".into()));
        }
        rules.add_pattern(&pattern.name, &pattern.regex).map_err(|e| bad(format!("invalid regex: {e}")))?;
    }
    Ok(())
}

/// The rule set the host starts with: the level's detectors, the values of the named
/// variables as `lookup` finds them (empty or missing ones are skipped with a warning in
/// `warnings`), and the user patterns (a bad one too).
pub fn rule_set(
    redaction: &Redaction,
    lookup: impl Fn(&str) -> Option<String>,
    warnings: &mut Vec<String>,
) -> RuleSet {
    let level = Level::parse(&redaction.level).unwrap_or(Level::Default);
    let mut rules = RuleSet::new(level);
    for name in &redaction.env {
        let value = lookup(name).unwrap_or_default();
        if !rules.add_literal(&format!("env:{name}"), &value) {
            warnings.push(format!("--redact-env {name}: the variable is empty or not set; nothing to mask"));
        }
    }
    for pattern in &redaction.patterns {
        if let Err(e) = rules.add_pattern(&format!("pattern:{}", pattern.name), &pattern.regex) {
            warnings.push(format!("redact pattern {:?} skipped: {e}", pattern.name));
        }
    }
    rules
}

/// What the event log records in place of sealed input of `len` bytes.
pub fn placeholder(len: usize) -> String {
    format!("[redacted:{len}]")
}

/// The length a [`placeholder`] stands for, if `data` is one.
pub fn placeholder_len(data: &str) -> Option<usize> {
    data.strip_prefix("[redacted:")?.strip_suffix(']')?.parse().ok()
}

/// Whether `data` of an `input_text` / `input_paste` event is sealed input: a
/// [`placeholder`], maybe in paste brackets, maybe followed by a line ending.
pub fn is_sealed(data: &str) -> bool {
    let data = data.strip_prefix("\u{1b}[200~").and_then(|d| d.strip_suffix("\u{1b}[201~")).unwrap_or(data);
    placeholder_len(data.trim_end_matches(['\r', '\n'])).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_round_trips() {
        assert_eq!(placeholder(12), "[redacted:12]");
        assert_eq!(placeholder_len("[redacted:12]"), Some(12));
        assert_eq!(placeholder_len("[redacted:x]"), None);
        assert_eq!(placeholder_len("hello"), None);
        assert!(is_sealed("[redacted:3]\r"));
        assert!(is_sealed("\u{1b}[200~[redacted:3]\u{1b}[201~"));
        assert!(!is_sealed("[redacted:3] and more"));
    }

    #[test]
    fn bad_patterns_are_invalid_input() {
        let bad = [Pattern { name: "x".into(), regex: "(".into() }];
        let error = check_patterns(&bad).unwrap_err();
        assert_eq!(error.code, crate::error::ErrorCode::InvalidInput);
        assert!(error.message.contains("redactPatterns[0]"), "{}", error.message);
        let unnamed = [Pattern { name: " ".into(), regex: "a".into() }];
        assert!(check_patterns(&unnamed).is_err());
        assert!(check_patterns(&[Pattern { name: "id".into(), regex: "ID-[0-9]+".into() }]).is_ok());
    }

    #[test]
    fn missing_variables_are_warned_about_not_fatal() {
        let redaction = Redaction { env: vec!["A".into(), "B".into()], ..Redaction::default() };
        let mut warnings = Vec::new();
        let rules = rule_set(&redaction, |name| (name == "A").then(|| "value".into()), &mut warnings);
        assert!(rules.names().contains(&"env:A".to_string()));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("B"));
    }

    #[test]
    fn sidecar_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(redactions(dir.path()), 0);
        let redaction = Redaction { redactions: 3, rules: vec!["env:A".into()], ..Redaction::default() };
        write(dir.path(), &redaction).unwrap();
        assert_eq!(read(dir.path()), Some(redaction));
        assert_eq!(redactions(dir.path()), 3);
    }
}
