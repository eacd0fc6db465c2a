//! The host's redaction stage (see [`crate::redact`]): output passes through the
//! [`Redactor`] after the run filter and the shell marks and before the event log and the
//! live screen, so nothing downstream ever sees a secret. A held tail (the start of what
//! may be a secret split across reads) is flushed after [`IDLE_FLUSH`] without output,
//! before a mark, a run's end and the exit record. Sealed input adds its value as a
//! literal rule. The sidecar file (see [`crate::redaction`]) gets the rule names and the
//! count when they change: at once before anyone who may read it is answered, else at
//! most every [`SAVE_SPACING`].

use std::time::{Duration, Instant};

use crate::error::Result;
use crate::host::actor::Host;
use crate::paths::SessionPaths;
use crate::redact::{IDLE_FLUSH, Redactor};
use crate::redaction::{self, Redaction};

/// The host's redaction state.
pub(crate) struct Secrets {
    pub(crate) redactor: Redactor,
    /// Whether any rule is active (`--redact off` without sealed or named values: the
    /// output skips the redactor altogether).
    active: bool,
    /// The sidecar as last written.
    saved: Redaction,
    /// The sidecar needs writing (a rule changed).
    dirty: bool,
    /// When the sidecar was last written.
    saved_at: Instant,
}

/// In a flood of output with secrets in it, the count is written at most this often unless
/// someone is about to read it: see [`Host::save_redactions`].
const SAVE_SPACING: Duration = Duration::from_millis(50);

/// Rule names and counts only, never a value.
impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("rules", &self.saved.rules)
            .field("redactions", &self.redactor.redactions())
            .field("held", &self.redactor.held())
            .finish()
    }
}

impl Secrets {
    /// The rules of the session at `paths` (its sidecar; the built-in default without one),
    /// with the values of the named variables from the program's environment: the session's
    /// `--env`, else the host's own (which the program inherits).
    pub(crate) fn load(
        paths: &SessionPaths,
        env: Option<&std::collections::BTreeMap<String, String>>,
    ) -> Secrets {
        let saved = redaction::read(&paths.dir).unwrap_or_default();
        let mut warnings = Vec::new();
        let lookup =
            |name: &str| env.and_then(|env| env.get(name).cloned()).or_else(|| std::env::var(name).ok());
        let rules = redaction::rule_set(&saved, lookup, &mut warnings);
        for warning in warnings {
            eprintln!("agent-tty host {}: warning: {warning}", paths.id);
        }
        let active = !rules.is_empty();
        let mut secrets =
            Secrets { redactor: Redactor::new(rules), active, saved, dirty: true, saved_at: Instant::now() };
        secrets.saved.rules = secrets.redactor.rules_mut().names();
        secrets
    }

    /// When the held tail is due to be flushed, or a spaced-out count to be written.
    pub(crate) fn deadline(&self, last_output_at: Instant) -> Option<Instant> {
        let flush = (self.redactor.held() > 0).then(|| last_output_at + IDLE_FLUSH);
        let save = self.unsaved().then(|| self.saved_at + SAVE_SPACING);
        flush.into_iter().chain(save).min()
    }

    /// Whether the sidecar is behind (a rule or the count changed).
    fn unsaved(&self) -> bool {
        self.dirty || self.redactor.redactions() != self.saved.redactions
    }

    /// Adds a sealed value: the value itself and each of its lines (an echo shows them
    /// on rows of their own). `false` if the engine refused it.
    pub(crate) fn seal(&mut self, value: &str) -> bool {
        let rules = self.redactor.rules_mut();
        let mut added = rules.add_literal(redaction::SEALED_RULE, value);
        if value.contains(['\n', '\r']) {
            for line in value.split(['\n', '\r']).filter(|line| !line.is_empty()) {
                added |= rules.add_literal(redaction::SEALED_RULE, line);
            }
        }
        self.saved.rules = rules.names();
        self.active = !rules.is_empty();
        self.dirty = true;
        added
    }

    /// Writes the sidecar if anything changed since it was last written (`urgent`: now;
    /// else not within [`SAVE_SPACING`] of the last write, and the deadline comes back for
    /// it). A failure is only reported in `host.log`: the count is advisory, the log and
    /// screen are clean.
    pub(crate) fn save(&mut self, paths: &SessionPaths, urgent: bool) {
        if !self.unsaved() {
            return;
        }
        let now = Instant::now();
        if !urgent && now < self.saved_at + SAVE_SPACING {
            return;
        }
        self.saved.redactions = self.redactor.redactions();
        self.dirty = false;
        self.saved_at = now;
        if let Err(e) = redaction::write(&paths.dir, &self.saved) {
            eprintln!("agent-tty host {}: warning: cannot save the redaction count: {}", paths.id, e.message);
        }
    }
}

impl Host {
    /// Output text after the marks: redacted, then logged and fed to the screen.
    pub(crate) fn redact_output(&mut self, text: &str) {
        if !self.secrets.active {
            self.log_output(text);
            return;
        }
        let clean = self.secrets.redactor.push(text);
        if !clean.is_empty() {
            self.log_output(&clean);
        }
    }

    /// Logs what the redactor holds back (before a mark, a run's end, the exit).
    pub(crate) fn release_held(&mut self) {
        if self.secrets.redactor.held() == 0 {
            return;
        }
        let held = self.secrets.redactor.flush();
        if !held.is_empty() {
            self.log_output(&held);
        }
    }

    /// A whole string (a command line a shell reported), redacted on its own: the held
    /// output is released first, so the stream's order and state are kept.
    pub(crate) fn redact_whole(&mut self, text: &str) -> String {
        self.release_held();
        let mut clean = self.secrets.redactor.push(text);
        clean.push_str(&self.secrets.redactor.flush());
        clean
    }

    /// The held tail's idle deadline passed: logs it, then lets waits see it.
    pub(crate) fn on_held_deadline(&mut self, now: Instant) -> Result<()> {
        self.save_redactions();
        let due = self.secrets.redactor.held() > 0 && self.last_output_at + IDLE_FLUSH <= now;
        if !due {
            return Ok(());
        }
        self.release_held();
        self.after_logged()
    }

    /// Writes the sidecar if the count or the rules changed: at once when output may
    /// answer someone who reads it next (a pending render wait or waited run), else spaced
    /// out by [`SAVE_SPACING`] (its deadline writes what is left). Requests, deadlines with
    /// exit or idle waiters pending, and the exit save at once ([`Host::save_redactions_now`]):
    /// a `wait --exit` during a flood must not make every chunk write the file.
    pub(crate) fn save_redactions(&mut self) {
        let waited = !self.render_waiters.is_empty() || !self.runs.is_empty();
        self.secrets.save(&self.paths, waited);
    }

    /// Writes the sidecar now if it is behind (before a request is answered, at the exit).
    pub(crate) fn save_redactions_now(&mut self) {
        self.secrets.save(&self.paths, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> (tempfile::TempDir, SessionPaths) {
        let home = tempfile::tempdir().unwrap();
        let paths = SessionPaths::new(home.path(), "01TESTSESSION0000000000000");
        std::fs::create_dir_all(&paths.dir).unwrap();
        (home, paths)
    }

    #[test]
    fn rules_come_from_the_sidecar_and_the_environment() {
        let (_home, paths) = session();
        let settings = Redaction { level: "off".into(), env: vec!["TOKEN".into()], ..Redaction::default() };
        redaction::write(&paths.dir, &settings).unwrap();
        let env = std::collections::BTreeMap::from([("TOKEN".to_string(), "tok-123456".to_string())]);
        let mut secrets = Secrets::load(&paths, Some(&env));
        assert_eq!(secrets.saved.rules, ["env:TOKEN"]);
        assert!(secrets.active);
        let out = secrets.redactor.push("x tok-123456 y\n");
        assert!(!out.contains("tok-123456"), "{out}");
        secrets.save(&paths, true);
        let saved = redaction::read(&paths.dir).unwrap();
        assert_eq!((saved.redactions, saved.rules), (1, vec!["env:TOKEN".to_string()]));
        assert!(!std::fs::read_to_string(redaction::path(&paths.dir)).unwrap().contains("tok-123456"));
    }

    #[test]
    fn off_without_values_is_inactive_until_something_is_sealed() {
        let (_home, paths) = session();
        redaction::write(&paths.dir, &Redaction { level: "off".into(), ..Redaction::default() }).unwrap();
        let mut secrets = Secrets::load(&paths, None);
        assert!(!secrets.active);
        assert!(secrets.seal("line-one-secret\nline-two-secret"));
        assert!(secrets.active);
        assert_eq!(secrets.saved.rules, ["sealed-input"]);
        let out = secrets.redactor.push("echo: line-two-secret\n");
        assert!(!out.contains("line-two-secret"), "{out}");
    }

    #[test]
    fn a_held_tail_and_an_unsaved_count_set_a_deadline() {
        let (_home, paths) = session();
        let mut secrets = Secrets::load(&paths, None);
        secrets.save(&paths, true);
        let now = Instant::now();
        assert_eq!(secrets.deadline(now), None);
        let out = secrets.redactor.push("key: AKIA");
        assert!(secrets.redactor.held() > 0, "{out:?}");
        assert_eq!(secrets.deadline(now), Some(now + IDLE_FLUSH));
    }
}
