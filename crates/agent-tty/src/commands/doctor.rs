//! `agent-tty doctor [--json]`: can this machine run agent-tty?
//!
//! Two groups of checks run one after another, each on its own thread with a deadline
//! (10 s, or 5 s for the quick ones marked ⏱). A check passes, is skipped, or fails with
//! a message; one that panics or misses its deadline fails (`<name> timed out after
//! <ms>ms`). The result is `{ok, checks: {environment: […9], renderer: […7]},
//! capabilities: […7]}`, each check `{name, status: pass|fail|skip, message,
//! durationMs}` with agent-tty 0.5.0's names and order. `ok` is false iff a check failed;
//! the envelope is `ok: true` either way, but the exit code is then 1.
//!
//! What each check means in this native build:
//!
//! - `node-runtime` (node): always passes, no Node.js is needed; names this binary's version.
//! - `cwd-access` (cwd): `access(cwd, R_OK | W_OK)`.
//! - `temp-dir` (temp): creates and removes a private directory in the OS temp dir.
//! - `home_isolation` ⏱ (home-isolation): informational, always passes: the default Home,
//!   the user's home itself, or isolated (0.5.0's messages).
//! - `home-writable` ⏱ (home-write): creates the Home if needed (0700), then creates and
//!   deletes `.doctor-home-<pid>-<base36 ms>-<n>.tmp` in it.
//! - `pty-spawn` ⏱ (pty): runs `/bin/echo hello` as the leader of a new session on a fresh
//!   PTY; expects exit 0 and `hello` in the output.
//! - `socket-viable` ⏱ (socket): binds, connects and sends a message on the real would-be
//!   socket of a scratch session (`/tmp/agent-tty/<H8>/<S12>`, or the per-user directory
//!   the host would use; the directory is checked the way the host checks it, see
//!   `agent_tty_core::socket_dir`), within the 104-byte `sun_path` limit.
//! - `artifact-atomicity` ⏱ (artifacts): the atomic writer (temp file + rename) in a scratch
//!   `artifacts/`, read back, no temp file left.
//! - `event-log-writable` ⏱ (event-log): appends two events with the host's
//!   `EventLogWriter` and reads them back with the log reader.
//! - `playwright_available`, `browser_cache_accessible`, `browser_launch`,
//!   `ghostty_web_available` (playwright, browser-cache, browser, ghostty-web): skipped,
//!   not needed: agent-tty renders natively.
//! - `screenshot_viable` (screenshot): renders a tiny PNG with `agent-tty-render`.
//! - `libghostty_vt_available` ⏱ (libghostty-vt): the native screen model `agent-tty-vt`:
//!   bytes in, the expected snapshot out.
//! - `fallback_fonts_available` (fonts, added by this build): which system fonts draw CJK
//!   and colour emoji; skipped (never failed) when they are missing, saying what to install.
//!
//! Scratch sessions are `<home>/sessions/doctor-<pid>-<base36 ms>-<n>` and are removed
//! when their check ends. The per-Home socket directory is left in place (a host of the
//! same Home may be starting in it at that very moment; it is the directory every host
//! of this Home uses anyway).
//!
//! Capabilities come from the same function as `version --json`'s, fed with the outcome
//! of the screen-model check.

mod environment;
mod renderer;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use agent_tty_core::Result;
use agent_tty_core::home::Home;
use schemars::JsonSchema;
use serde::Serialize;

use super::version::Capability;

use crate::context::Context;
use crate::output::Outcome;

/// The default deadline of a check.
const SLOW: Duration = Duration::from_secs(10);
/// The deadline of a quick (⏱) check.
const QUICK: Duration = Duration::from_secs(5);

/// What a check found when it did not fail.
#[derive(Debug)]
enum Found {
    Pass(String),
    Skip(String),
}

/// A check's outcome: `Err(message)` is a failure.
type Verdict = std::result::Result<Found, String>;

/// One check: its contract name, human label, deadline and body.
struct Check {
    name: &'static str,
    label: &'static str,
    timeout: Duration,
    run: fn(&Probe) -> Verdict,
}

/// What the checks need to know, owned so each can run on its own thread.
#[derive(Debug)]
struct Probe {
    home: Home,
    user_home: PathBuf,
}

/// A finished check: one entry of the result's `checks`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// The contract's name of the check.
    pub name: &'static str,
    /// The human label.
    #[serde(skip)]
    label: &'static str,
    /// `pass`, `fail` or `skip`.
    pub status: &'static str,
    /// What the check found.
    pub message: String,
    /// How long it took.
    pub duration_ms: u64,
}

/// The result of `doctor`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DoctorResult {
    /// False iff a check failed.
    pub ok: bool,
    /// The checks, by group.
    pub checks: Checks,
    /// What this build can do here (`version --json`'s list, with reasons).
    pub capabilities: Vec<Capability>,
}

/// `doctor`'s checks, by group.
#[derive(Debug, Serialize, JsonSchema)]
#[allow(missing_docs)]
pub struct Checks {
    pub environment: Vec<Record>,
    pub renderer: Vec<Record>,
}

/// Runs `doctor`.
pub fn run(context: &Context) -> Result<Outcome> {
    let probe = Arc::new(Probe { home: context.home.clone(), user_home: context.user_home.clone() });
    let environment: Vec<Record> = environment::CHECKS.iter().map(|c| run_check(c, &probe)).collect();
    let renderer: Vec<Record> = renderer::CHECKS.iter().map(|c| run_check(c, &probe)).collect();
    let ok = environment.iter().chain(&renderer).all(|r| r.status != "fail");
    let semantic = renderer
        .iter()
        .find(|r| r.name == renderer::SCREEN_MODEL)
        .map(|r| if r.status == "pass" { Ok(r.message.as_str()) } else { Err(r.message.as_str()) });
    let capabilities = super::version::capabilities(Some(semantic.unwrap_or(Err("check missing"))));
    let mut human = vec!["Environment:".to_string()];
    human.extend(environment.iter().map(human_line));
    human.push(String::new());
    human.push("Renderer:".to_string());
    human.extend(renderer.iter().map(human_line));
    let result = DoctorResult { ok, checks: Checks { environment, renderer }, capabilities };
    let mut outcome = Outcome::new(result, human);
    outcome.exit_code = if ok { 0 } else { 1 };
    Ok(outcome)
}

/// Runs one check on its own thread and waits for it up to its deadline.
fn run_check(check: &Check, probe: &Arc<Probe>) -> Record {
    let started = Instant::now();
    let (tx, rx) = mpsc::channel();
    let (body, shared) = (check.run, Arc::clone(probe));
    let spawned = std::thread::Builder::new().name(format!("doctor-{}", check.name)).spawn(move || {
        let _ = tx.send(body(&shared));
    });
    let verdict = match spawned {
        Err(e) => Err(format!("cannot start the check: {e}")),
        Ok(_) => match rx.recv_timeout(check.timeout) {
            Ok(verdict) => verdict,
            Err(RecvTimeoutError::Timeout) => {
                Err(format!("{} timed out after {}ms", check.name, check.timeout.as_millis()))
            }
            Err(RecvTimeoutError::Disconnected) => Err(format!("{} failed unexpectedly", check.name)),
        },
    };
    let (status, message) = match verdict {
        Ok(Found::Pass(message)) => ("pass", message),
        Ok(Found::Skip(message)) => ("skip", message),
        Err(message) => ("fail", message),
    };
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Record { name: check.name, label: check.label, status, message, duration_ms }
}

fn human_line(record: &Record) -> String {
    let icon = match record.status {
        "pass" => "✓",
        "skip" => "○",
        _ => "✗",
    };
    format!("  {icon} {}: {}", record.label, record.message)
}

/// A name unique to this process: `<prefix>-<pid>-<base36 ms>-<n>`.
fn scratch_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed) + 1;
    let ms = agent_tty_core::time::now_ms();
    format!("{prefix}-{}-{}-{n}", std::process::id(), base36(ms))
}

/// Lowercase base-36 digits of `value`.
fn base36(mut value: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(value % 36) as usize]);
        value /= 36;
        if value == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base36_matches_javascript() {
        assert_eq!(base36(0), "0");
        assert_eq!(base36(35), "z");
        assert_eq!(base36(36), "10");
        // (1779565600417).toString(36) in JavaScript.
        assert_eq!(base36(1_779_565_600_417), "mpiret9d");
    }

    #[test]
    fn scratch_names_are_unique() {
        let (a, b) = (scratch_name("doctor"), scratch_name("doctor"));
        assert_ne!(a, b);
        assert!(a.starts_with(&format!("doctor-{}-", std::process::id())), "{a}");
    }

    #[test]
    fn a_slow_check_times_out_and_a_failing_one_fails() {
        let probe = Arc::new(Probe {
            home: Home { path: "/nonexistent".into(), explicit: true },
            user_home: "/".into(),
        });
        let slow = Check {
            name: "slow",
            label: "slow",
            timeout: Duration::from_millis(20),
            run: |_| {
                std::thread::sleep(Duration::from_secs(2));
                Ok(Found::Pass("late".into()))
            },
        };
        let record = run_check(&slow, &probe);
        assert_eq!((record.status, record.message.as_str()), ("fail", "slow timed out after 20ms"));
        let failing = Check { name: "bad", label: "bad", timeout: QUICK, run: |_| Err("broken".into()) };
        let record = run_check(&failing, &probe);
        assert_eq!((record.status, record.message.as_str()), ("fail", "broken"));
        assert_eq!(human_line(&record), "  ✗ bad: broken");
    }
}
