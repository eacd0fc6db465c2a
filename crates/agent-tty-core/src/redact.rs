//! Stand-in for the redaction engine (branch `redact-engine`): the same interface, literal
//! values only, no hold-back. Replaced by the real module when that branch is merged.

use std::time::Duration;

/// How long the host lets a held tail wait for more output before it flushes it.
pub const IDLE_FLUSH: Duration = Duration::from_millis(10);

/// Which built-in detectors are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// No detectors (sealed and named values are still masked).
    Off,
    /// The built-in detectors.
    Default,
    /// More detectors.
    Strict,
}

impl Level {
    /// `off`, `default` or `strict`.
    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "off" => Some(Level::Off),
            "default" => Some(Level::Default),
            "strict" => Some(Level::Strict),
            _ => None,
        }
    }

    /// The level's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Default => "default",
            Level::Strict => "strict",
        }
    }
}

/// The active rules.
#[derive(Debug, Clone)]
pub struct RuleSet {
    level: Level,
    literals: Vec<(String, String)>,
    patterns: Vec<(String, String)>,
}

impl RuleSet {
    /// The built-in rules of `level`.
    pub fn new(level: Level) -> RuleSet {
        RuleSet { level, literals: Vec::new(), patterns: Vec::new() }
    }

    /// Adds a literal value; `false` when it is empty.
    pub fn add_literal(&mut self, name: &str, value: &str) -> bool {
        if value.is_empty() {
            return false;
        }
        self.literals.push((name.to_string(), value.to_string()));
        true
    }

    /// Adds a user pattern.
    pub fn add_pattern(&mut self, name: &str, regex: &str) -> Result<(), String> {
        fancy_regex::Regex::new(regex).map_err(|e| e.to_string())?;
        self.patterns.push((name.to_string(), regex.to_string()));
        Ok(())
    }

    /// The rule names.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = match self.level {
            Level::Off => Vec::new(),
            _ => vec!["aws-access-key".to_string()],
        };
        for (name, _) in &self.literals {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names.extend(self.patterns.iter().map(|(name, _)| format!("pattern:{name}")));
        names
    }

    /// Whether no rule is active.
    pub fn is_empty(&self) -> bool {
        self.names().is_empty()
    }
}

/// Applies a rule set to a stream of text.
#[derive(Debug, Clone)]
pub struct Redactor {
    rules: RuleSet,
    redactions: u64,
}

impl Redactor {
    /// A redactor with `rules`.
    pub fn new(rules: RuleSet) -> Redactor {
        Redactor { rules, redactions: 0 }
    }

    /// The rules, to add to them.
    pub fn rules_mut(&mut self) -> &mut RuleSet {
        &mut self.rules
    }

    /// The next text, redacted.
    pub fn push(&mut self, text: &str) -> String {
        let mut out = text.to_string();
        for (_, value) in &self.rules.literals {
            let n = out.matches(value.as_str()).count();
            if n > 0 {
                out = out.replace(value.as_str(), &"*".repeat(value.chars().count()));
                self.redactions += n as u64;
            }
        }
        out
    }

    /// Whatever is held back.
    pub fn flush(&mut self) -> String {
        String::new()
    }

    /// Bytes held back.
    pub fn held(&self) -> usize {
        0
    }

    /// Redactions applied so far.
    pub fn redactions(&self) -> u64 {
        self.redactions
    }
}
