//! Test harness: a throw-away Home (plus a throw-away `HOME` and `XDG_STATE_HOME`), a
//! runner for the real `agent-tty` binary, event-log readers and condition waits.
//!
//! Every CLI invocation goes through [`TestHome::run_with`], which also checks that the
//! process never printed a Rust panic or backtrace, and never hangs (a generous deadline
//! turns a hang into a test failure instead of a stuck suite). Dropping a [`TestHome`]
//! force-destroys every active session of its Home and kills any process the test asked
//! it to track, so no host or shell outlives a test, whether it passed or not.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_agent-tty");

/// The shell used by most sessions.
pub const BASH: [&str; 3] = ["bash", "--norc", "--noprofile"];

/// The capabilities `version` and `doctor` list, in order (0.5's six, then gif).
pub const CAPABILITIES: [&str; 9] = [
    "snapshot",
    "wait",
    "screenshot",
    "record-export-asciicast",
    "record-export-webm",
    "dashboard",
    "record-export-gif",
    "mouse",
    "redaction",
];

/// Deadline for conditions that should become true "soon".
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Deadline for a single CLI invocation (a hang guard, never a timing assertion).
const CLI_DEADLINE: Duration = Duration::from_secs(60);

/// Variables of the developer's environment that would change what the CLI does.
const SCRUBBED_ENV: [&str; 6] = [
    "AGENT_TTY_HOME",
    "AGENT_TTY_LOG_LEVEL",
    "AGENT_TTY_PROFILE",
    "AGENT_TTY_RENDERER",
    "AGENT_TTY_HOST_RENDERER",
    "RUST_BACKTRACE",
];

/// Re-checks `condition` (with a 1 ms pause between checks) until it holds; panics with
/// `description` if it still does not after `timeout`.
pub fn wait_until(description: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    loop {
        if condition() {
            return;
        }
        if start.elapsed() > timeout {
            panic!("timed out after {timeout:?} waiting until {description}");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Whether `program` is an executable file in a directory of `PATH`.
pub fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        std::fs::metadata(dir.join(program)).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// For a test that drives `program` (from the Debian package `package`): fails at once
/// with `needs <program>: apt-get install <package>` when it is not on `PATH`, rather
/// than with a wait timing out later. `scripts/test.sh` installs every such package, so
/// a missing one is a real failure. Returns `true` (for use in conditions).
pub fn require(program: &str, package: &str) -> bool {
    assert!(on_path(program), "needs {program}: apt-get install {package}");
    true
}

/// For an optional check inside a test (reading an artifact back with another tool):
/// `false`, after saying on stderr that `check` is skipped and which package to
/// install, when `program` is not on `PATH`.
pub fn optional(program: &str, package: &str, check: &str) -> bool {
    let found = on_path(program);
    if !found {
        eprintln!("skipped {check}: needs {program}: apt-get install {package}");
    }
    found
}

/// The outcome of one CLI invocation.
#[derive(Debug, Clone)]
pub struct Out {
    /// The arguments, for failure messages.
    pub args: Vec<String>,
    /// Exit code (`-1` when killed by a signal).
    pub code: i32,
    /// Captured stdout.
    pub stdout: String,
    /// Captured stderr.
    pub stderr: String,
}

impl Out {
    fn describe(&self) -> String {
        format!(
            "agent-tty {:?}\n--- exit {}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.args, self.code, self.stdout, self.stderr
        )
    }

    /// Stdout parsed as one JSON document, which must be pretty-printed with two-space
    /// indentation and end with exactly one newline (JSON.stringify(v, null, 2) + "\n").
    pub fn json(&self) -> Value {
        let value: Value = serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.describe()));
        let mut pretty = serde_json::to_string_pretty(&value).unwrap();
        pretty.push('\n');
        assert_eq!(
            self.stdout,
            pretty,
            "envelope is not 2-space pretty JSON + newline:\n{}",
            self.describe()
        );
        value
    }

    /// Asserts a successful `--json` invocation of `command` and returns its `result`.
    pub fn ok(&self, command: &str) -> Value {
        assert_eq!(self.code, 0, "expected exit 0:\n{}", self.describe());
        let env = self.json();
        assert_keys(&env, &["ok", "command", "timestamp", "result"]);
        assert_eq!(env["ok"], Value::Bool(true), "{}", self.describe());
        assert_eq!(env["command"], command, "{}", self.describe());
        assert_iso(env["timestamp"].as_str().unwrap());
        assert_eq!(self.stderr, "", "stderr must be empty on success:\n{}", self.describe());
        env["result"].clone()
    }

    /// Asserts an `ok: true` envelope with a non-zero exit (a timed-out wait).
    pub fn ok_with_exit(&self, command: &str, exit: i32) -> Value {
        assert_eq!(self.code, exit, "expected exit {exit}:\n{}", self.describe());
        let env = self.json();
        assert_keys(&env, &["ok", "command", "timestamp", "result"]);
        assert_eq!(env["ok"], Value::Bool(true), "{}", self.describe());
        assert_eq!(env["command"], command);
        env["result"].clone()
    }

    /// Asserts a JSON error envelope for `command` with `code` and process exit `exit`;
    /// returns the `error` object.
    pub fn err(&self, command: &str, exit: i32, code: &str) -> Value {
        assert_eq!(self.code, exit, "expected exit {exit} ({code}):\n{}", self.describe());
        let env = self.json();
        assert_keys(&env, &["ok", "command", "timestamp", "error"]);
        assert_eq!(env["ok"], Value::Bool(false), "{}", self.describe());
        assert_eq!(env["command"], command, "{}", self.describe());
        assert_iso(env["timestamp"].as_str().unwrap());
        let error = env["error"].clone();
        assert_keys(&error, &["code", "message", "retryable", "details"]);
        assert_eq!(error["code"], code, "{}", self.describe());
        let retryable = matches!(code, "HOST_UNREACHABLE" | "HOST_TIMEOUT" | "RPC_ERROR");
        assert_eq!(error["retryable"], Value::Bool(retryable), "retryable of {code}:\n{}", self.describe());
        assert!(error["details"].is_object(), "details must be an object:\n{}", self.describe());
        let message = error["message"].as_str().expect("message is a string");
        assert!(!message.is_empty(), "empty error message:\n{}", self.describe());
        error
    }

    /// Asserts a human-mode error: exit `exit`, empty stdout, stderr exactly one line
    /// `CODE: message`; returns the message.
    pub fn human_err(&self, exit: i32, code: &str) -> String {
        assert_eq!(self.code, exit, "expected exit {exit} ({code}):\n{}", self.describe());
        assert_eq!(self.stdout, "", "stdout must be empty on a human-mode error:\n{}", self.describe());
        let prefix = format!("{code}: ");
        assert!(
            self.stderr.starts_with(&prefix)
                && self.stderr.ends_with('\n')
                && self.stderr.lines().count() == 1,
            "stderr must be exactly `{code}: <message>\\n`:\n{}",
            self.describe()
        );
        self.stderr[prefix.len()..self.stderr.len() - 1].to_string()
    }

    /// Asserts a human-mode success and returns stdout.
    pub fn human_ok(&self) -> &str {
        assert_eq!(self.code, 0, "expected exit 0:\n{}", self.describe());
        assert_eq!(self.stderr, "", "stderr must be empty:\n{}", self.describe());
        assert!(self.stdout.ends_with('\n'), "human output ends with a newline:\n{}", self.describe());
        &self.stdout
    }

    /// Asserts the exit code only (usage errors and the like).
    pub fn exit(&self, exit: i32) -> &Self {
        assert_eq!(self.code, exit, "expected exit {exit}:\n{}", self.describe());
        self
    }
}

/// A temporary Home with its own user home and state directory.
pub struct TestHome {
    root: tempfile::TempDir,
    /// The agent-tty Home (not created up front: agent-tty creates it).
    pub home: PathBuf,
    /// `XDG_STATE_HOME` for every invocation.
    pub state: PathBuf,
    /// `HOME` for every invocation.
    pub user_home: PathBuf,
    /// The CLI's working directory; also a scratch area for test files.
    pub work: PathBuf,
    tracked: Mutex<Vec<u32>>,
}

impl TestHome {
    /// A fresh, empty test Home.
    pub fn new() -> TestHome {
        let root = tempfile::Builder::new().prefix("att-cli-").tempdir_in("/tmp").expect("tempdir");
        let base = root.path().canonicalize().unwrap();
        let home = base.join("home");
        let state = base.join("state");
        let user_home = base.join("user");
        let work = base.join("work");
        for dir in [&state, &user_home, &work] {
            std::fs::create_dir_all(dir).unwrap();
        }
        TestHome { root, home, state, user_home, work, tracked: Mutex::new(Vec::new()) }
    }

    /// A test Home that is the default Home (`$HOME/.agent-tty` of the temporary user
    /// home), for invocations without `--home`.
    pub fn with_default_home() -> TestHome {
        let mut t = TestHome::new();
        t.home = t.user_home.join(".agent-tty");
        t
    }

    /// The Home as a string.
    pub fn home_str(&self) -> String {
        self.home.to_str().unwrap().to_string()
    }

    /// A scratch file path under the work directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.work.join(name)
    }

    /// `<home>/sessions/<id>`.
    pub fn session_dir(&self, id: &str) -> PathBuf {
        self.home.join("sessions").join(id)
    }

    /// Kill this process (SIGKILL) when the TestHome is dropped, should it still live.
    pub fn track_pid(&self, pid: u32) {
        self.tracked.lock().unwrap().push(pid);
    }

    /// `agent-tty --home <home> <args…>`.
    pub fn at(&self, args: &[&str]) -> Out {
        let mut full = vec!["--home", self.home.to_str().unwrap()];
        full.extend_from_slice(args);
        self.run_with(&full, &[], None)
    }

    /// `agent-tty <args…>` (no `--home`; the caller supplies global flags itself).
    pub fn raw(&self, args: &[&str]) -> Out {
        self.run_with(args, &[], None)
    }

    /// Runs the binary with `args`, extra environment (`Some` sets, `None` removes) and
    /// an optional working directory. Always sets `HOME`, `XDG_STATE_HOME` and `SHELL`.
    pub fn run_with(&self, args: &[&str], env: &[(&str, Option<&str>)], cwd: Option<&Path>) -> Out {
        let out = self.try_run(args, env, cwd).unwrap_or_else(|e| panic!("{e}"));
        for (name, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            assert!(
                !text.contains("panicked")
                    && !text.contains("RUST_BACKTRACE")
                    && !text.contains("stack backtrace"),
                "agent-tty printed a panic/backtrace on {name}:\n{}",
                out.describe()
            );
        }
        out
    }

    fn command(&self, args: &[&str], env: &[(&str, Option<&str>)], cwd: Option<&Path>) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .current_dir(cwd.unwrap_or(&self.work))
            .env("HOME", &self.user_home)
            .env("XDG_STATE_HOME", &self.state)
            .env("SHELL", "/bin/bash")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for name in SCRUBBED_ENV {
            cmd.env_remove(name);
        }
        for (name, value) in env {
            match value {
                Some(v) => cmd.env(name, v),
                None => cmd.env_remove(name),
            };
        }
        cmd
    }

    /// Like [`run_with`](Self::run_with) but returns hang/spawn problems as errors
    /// instead of panicking (used from `Drop`).
    fn try_run(
        &self,
        args: &[&str],
        env: &[(&str, Option<&str>)],
        cwd: Option<&Path>,
    ) -> Result<Out, String> {
        let mut child = self.command(args, env, cwd).spawn().map_err(|e| format!("spawn {BIN}: {e}"))?;
        let (tx, rx) = mpsc::channel::<(u8, Vec<u8>)>();
        for (tag, stream) in [
            (1u8, Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>),
            (2u8, Box::new(child.stderr.take().unwrap()) as Box<dyn Read + Send>),
        ] {
            let tx = tx.clone();
            let mut stream = stream;
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = stream.read_to_end(&mut buf);
                let _ = tx.send((tag, buf));
            });
        }
        drop(tx);
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                break status;
            }
            if start.elapsed() > CLI_DEADLINE {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("agent-tty {args:?} did not finish within {CLI_DEADLINE:?}"));
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let (mut stdout, mut stderr) = (None, None);
        while stdout.is_none() || stderr.is_none() {
            let left = CLI_DEADLINE.saturating_sub(start.elapsed()).max(Duration::from_secs(5));
            match rx.recv_timeout(left) {
                Ok((1, bytes)) => stdout = Some(bytes),
                Ok((_, bytes)) => stderr = Some(bytes),
                Err(_) => {
                    return Err(format!(
                        "agent-tty {args:?} exited but its stdout/stderr stayed open \
                         (did a detached host inherit the CLI's pipes?)"
                    ));
                }
            }
        }
        Ok(Out {
            args: args.iter().map(|s| s.to_string()).collect(),
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout.unwrap()).into_owned(),
            stderr: String::from_utf8_lossy(&stderr.unwrap()).into_owned(),
        })
    }

    /// `create --json <extra…> -- <argv…>`; returns the `result`.
    pub fn create(&self, extra: &[&str], argv: &[&str]) -> Value {
        let mut args = vec!["create", "--json"];
        args.extend_from_slice(extra);
        if !argv.is_empty() {
            args.push("--");
            args.extend_from_slice(argv);
        }
        self.at(&args).ok("create")
    }

    /// Creates a `bash --norc --noprofile` session and returns its id.
    pub fn bash(&self) -> String {
        self.bash_with(&[])
    }

    /// Creates a bash session with extra `create` options and returns its id.
    pub fn bash_with(&self, extra: &[&str]) -> String {
        let result = self.create(extra, &BASH);
        result["sessionId"].as_str().unwrap().to_string()
    }

    /// A waited `run`; asserts completion and returns the result.
    pub fn run_cmd(&self, id: &str, command: &str) -> Value {
        let result = self.at(&["run", id, command, "--json"]).ok("run");
        assert_eq!(result["completed"], Value::Bool(true), "run {command:?} did not complete: {result}");
        result
    }

    /// `session.json` of a session.
    pub fn manifest(&self, id: &str) -> Value {
        let path = self.session_dir(id).join("session.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON ({e}):\n{text}", path.display()))
    }

    /// The raw event log (empty if missing).
    pub fn events_raw(&self, id: &str) -> String {
        std::fs::read_to_string(self.session_dir(id).join("events.jsonl")).unwrap_or_default()
    }

    /// The complete lines of the event log, parsed; a trailing partial line (an append in
    /// progress) is ignored. For polling.
    pub fn events(&self, id: &str) -> Vec<Value> {
        let raw = self.events_raw(id);
        let complete = match raw.rfind('\n') {
            Some(i) => &raw[..=i],
            None => "",
        };
        complete
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| panic!("event line is not JSON ({e}): {l:?}"))
            })
            .collect()
    }

    /// Waits until the event log ends with a complete line, then validates every record
    /// strictly (compact JSON, key order, seq contiguous from 0, ts format, ts
    /// non-decreasing, known types with exact payload keys) and returns the events.
    pub fn checked_events(&self, id: &str) -> Vec<Value> {
        wait_until("the event log ends with a complete line", DEADLINE, || {
            let raw = self.events_raw(id);
            raw.is_empty() || raw.ends_with('\n')
        });
        let raw = self.events_raw(id);
        let mut events = Vec::new();
        let mut last_ts = String::new();
        for (i, line) in raw.lines().enumerate() {
            assert!(!line.trim().is_empty(), "blank line {i} in events.jsonl");
            let event: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("event line {i} is not JSON ({e}): {line:?}"));
            assert_eq!(serde_json::to_string(&event).unwrap(), line, "event line {i} is not compact JSON");
            assert_keys(&event, &["seq", "ts", "type", "payload"]);
            assert_eq!(
                event["seq"].as_u64(),
                Some(i as u64),
                "seq must be contiguous from 0 (line {i}): {line}"
            );
            let ts = event["ts"].as_str().unwrap().to_string();
            assert_iso(&ts);
            assert!(ts >= last_ts, "ts went backwards at seq {i}: {last_ts} -> {ts}");
            last_ts = ts;
            check_payload(&event);
            events.push(event);
        }
        events
    }

    /// Concatenated `output` data of the (complete) events.
    pub fn output_text(&self, id: &str) -> String {
        output_of(&self.events(id))
    }

    /// Waits until the session's output contains `needle`.
    pub fn wait_output(&self, id: &str, needle: &str) {
        wait_until(&format!("output of {id} contains {needle:?}"), DEADLINE, || {
            self.output_text(id).contains(needle)
        });
    }

    /// Status of a session per `list --all --json` (which reconciles).
    pub fn listed_status(&self, id: &str) -> Option<String> {
        let result = self.at(&["list", "--all", "--json"]).ok("list");
        result["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["sessionId"] == id)
            .map(|s| s["status"].as_str().unwrap().to_string())
    }
}

impl Drop for TestHome {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        // Force-destroy every active session (list reconciles first, so sessions whose
        // host the test killed are cleaned up too).
        let home = self.home.to_str().unwrap();
        let listed = self
            .try_run(&["--home", home, "list", "--json"], &[], None)
            .ok()
            .and_then(|out| serde_json::from_str::<Value>(&out.stdout).ok());
        let sessions =
            listed.as_ref().and_then(|v| v["result"]["sessions"].as_array()).cloned().unwrap_or_default();
        for id in sessions.iter().filter_map(|s| s["sessionId"].as_str()) {
            let _ = self.try_run(&["--home", home, "destroy", id, "--force", "--json"], &[], None);
        }
        for pid in self.tracked.lock().map(|v| v.clone()).unwrap_or_default() {
            if !pid_gone(pid) {
                // SAFETY: SIGKILL of a process this test started (through a session).
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            }
        }
        // The per-Home socket directory lives outside the Home; agent-tty removes it with
        // the last session's socket, so this only tidies up after a test that left one.
        let socket_dir =
            format!("/tmp/agent-tty/{}", &sha256_hex(self.home.to_str().unwrap().as_bytes())[..8]);
        let _ = std::fs::remove_dir(socket_dir);
        let _ = &self.root;
    }
}

/// Concatenated `output` data of `events`.
pub fn output_of(events: &[Value]) -> String {
    events.iter().filter(|e| e["type"] == "output").map(|e| e["payload"]["data"].as_str().unwrap()).collect()
}

/// Events of one type.
pub fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

/// The event with this seq.
pub fn at_seq(events: &[Value], seq: u64) -> &Value {
    events
        .iter()
        .find(|e| e["seq"].as_u64() == Some(seq))
        .unwrap_or_else(|| panic!("no event with seq {seq}"))
}

/// Exact payload key sets per event type (file 01 §6.2).
fn check_payload(event: &Value) {
    let payload = &event["payload"];
    let kind = event["type"].as_str().unwrap();
    match kind {
        "output" | "input_text" | "input_paste" => {
            assert_keys(payload, &["data"]);
            assert!(payload["data"].is_string());
        }
        "input_keys" => {
            assert_keys(payload, &["keys"]);
            let keys = payload["keys"].as_array().unwrap();
            assert!(!keys.is_empty() && keys.iter().all(|k| k.as_str().is_some_and(|s| !s.is_empty())));
        }
        "input_run" => {
            let no_wait = payload["noWait"].as_bool().expect("input_run.noWait is a bool");
            if no_wait {
                assert_keys(payload, &["command", "noWait"]);
            } else {
                assert_keys(payload, &["command", "marker", "noWait"]);
                assert_marker(payload["marker"].as_str().unwrap());
            }
        }
        "run_complete" => {
            assert_keys(payload, &["marker", "inputRunSeq"]);
            assert_marker(payload["marker"].as_str().unwrap());
        }
        "resize" => {
            assert_keys(payload, &["cols", "rows"]);
            assert!(payload["cols"].as_u64().unwrap() > 0 && payload["rows"].as_u64().unwrap() > 0);
        }
        "signal" => assert_keys(payload, &["signal"]),
        "exit" => {
            assert_keys(payload, &["exitCode", "exitSignal"]);
            assert!(payload["exitCode"].is_i64() || payload["exitCode"].is_null());
            assert!(payload["exitSignal"].is_string() || payload["exitSignal"].is_null());
        }
        "marker" => assert_keys(payload, &["label"]),
        other => panic!("unknown event type {other:?}: {event}"),
    }
}

/// Asserts that `value` is an object with exactly these keys, in this order.
pub fn assert_keys(value: &Value, keys: &[&str]) {
    let object =
        value.as_object().unwrap_or_else(|| panic!("expected an object with keys {keys:?}, got {value}"));
    let actual: Vec<&str> = object.keys().map(String::as_str).collect();
    assert_eq!(actual, keys, "object keys (exact set and order) of {value}");
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn is_iso(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 24
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'.',
            23 => c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// Asserts [`is_iso`].
pub fn assert_iso(s: &str) {
    assert!(is_iso(s), "not an ISO-8601 UTC millisecond timestamp: {s:?}");
}

/// `^__AT_MARKER_[0-9a-f]{32}__$`.
pub fn assert_marker(s: &str) {
    let ok = s.len() == 12 + 32 + 2
        && s.starts_with("__AT_MARKER_")
        && s.ends_with("__")
        && s[12..44].bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
    assert!(ok, "not a run marker: {s:?}");
}

/// A ULID: 26 Crockford base32 characters, uppercase.
pub fn assert_ulid(s: &str) {
    const ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    assert!(s.len() == 26 && s.chars().all(|c| ALPHABET.contains(c)), "not a ULID: {s:?}");
}

/// Whether `pid` is gone: no `/proc` entry, or a zombie / dead process nobody reaped.
pub fn pid_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => {
            let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.trim_start().chars().next());
            matches!(state, Some('Z' | 'X') | None)
        }
    }
}

/// `(pid, comm)` of every live process whose parent is `ppid`.
pub fn children(ppid: u32) -> Vec<(u32, String)> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else { return found };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        let (Some(open), Some((head, rest))) = (stat.find('('), stat.rsplit_once(')')) else { continue };
        let comm = head[open + 1..].to_string();
        let mut fields = rest.split_whitespace();
        let state = fields.next();
        let parent = fields.next().and_then(|p| p.parse::<u32>().ok());
        if parent == Some(ppid) && !matches!(state, Some("Z" | "X")) {
            found.push((pid, comm));
        }
    }
    found
}

/// Sends a signal to a pid.
#[allow(unsafe_code)]
pub fn kill(pid: u32, signal: i32) {
    // SAFETY: plain kill(2) of a process started by this test.
    let rc = unsafe { libc::kill(pid as i32, signal) };
    assert!(
        rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH),
        "kill({pid}, {signal}) failed: {}",
        std::io::Error::last_os_error()
    );
}

/// A pid field of a manifest.
pub fn pid_of(manifest: &Value, field: &str) -> u32 {
    manifest[field].as_u64().unwrap_or_else(|| panic!("{field} is not a pid in {manifest}")) as u32
}

/// File mode bits (permissions only).
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

/// `/tmp/agent-tty/<sha256(home)[:8]>`, the per-Home socket directory.
pub fn socket_dir(home: &Path) -> PathBuf {
    PathBuf::from(format!("/tmp/agent-tty/{}", &sha256_hex(home.to_str().unwrap().as_bytes())[..8]))
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------
// Observation helpers (snapshot / render wait / batch tests).

/// A CLI process started in the background (a wait or a batch the test interacts with
/// while it runs). Killed on drop unless [`Spawned::finish`] collected it.
pub struct Spawned {
    child: Option<std::process::Child>,
    args: Vec<String>,
    stdout: Option<std::thread::JoinHandle<Vec<u8>>>,
    stderr: Option<std::thread::JoinHandle<Vec<u8>>>,
}

impl Spawned {
    /// The CLI's pid.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child.as_mut().unwrap().try_wait().expect("try_wait").is_none()
    }

    /// Waits (with the hang guard) for the process to end and returns its outcome.
    pub fn finish(mut self) -> Out {
        let mut child = self.child.take().unwrap();
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                break status;
            }
            if start.elapsed() > CLI_DEADLINE {
                let _ = child.kill();
                let _ = child.wait();
                panic!("agent-tty {:?} did not finish within {CLI_DEADLINE:?}", self.args);
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let stdout = self.stdout.take().unwrap().join().unwrap();
        let stderr = self.stderr.take().unwrap().join().unwrap();
        let out = Out {
            args: self.args.clone(),
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        };
        for text in [&out.stdout, &out.stderr] {
            assert!(
                !text.contains("panicked") && !text.contains("stack backtrace"),
                "agent-tty printed a panic/backtrace:\n{}",
                out.describe()
            );
        }
        out
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl TestHome {
    /// Starts `agent-tty --home <home> <args…>` in the background.
    pub fn spawn(&self, args: &[&str]) -> Spawned {
        let mut full = vec!["--home", self.home.to_str().unwrap()];
        full.extend_from_slice(args);
        let mut child = self.command(&full, &[], None).spawn().expect("spawn agent-tty");
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = out.read_to_end(&mut buf);
            buf
        });
        let stderr = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = err.read_to_end(&mut buf);
            buf
        });
        Spawned {
            child: Some(child),
            args: full.iter().map(|s| s.to_string()).collect(),
            stdout: Some(stdout),
            stderr: Some(stderr),
        }
    }

    /// `snapshot <id> --json <extra…>`; returns the `result`.
    pub fn snapshot(&self, id: &str, extra: &[&str]) -> Value {
        let mut args = vec!["snapshot", id, "--json"];
        args.extend_from_slice(extra);
        self.at(&args).ok("snapshot")
    }

    /// A render wait that must match: `wait <id> --json --timeout 20000 <extra…>`.
    pub fn wait_render(&self, id: &str, extra: &[&str]) -> Value {
        let mut args = vec!["wait", id, "--json", "--timeout", "20000"];
        args.extend_from_slice(extra);
        let result = self.at(&args).ok("wait");
        assert_eq!(result["matched"], Value::Bool(true), "wait {extra:?} did not match: {result}");
        result
    }

    /// `type <id> <text>`; returns the event seq.
    pub fn type_text(&self, id: &str, text: &str) -> u64 {
        self.at(&["type", id, text, "--json"]).ok("type")["seq"].as_u64().unwrap()
    }

    /// `send-keys <id> <keys…>`; returns the event seq.
    pub fn send_keys(&self, id: &str, keys: &[&str]) -> u64 {
        let mut args = vec!["send-keys", id];
        args.extend_from_slice(keys);
        args.push("--json");
        self.at(&args).ok("send-keys")["seq"].as_u64().unwrap()
    }

    /// The seq of the last complete event-log line.
    pub fn last_seq(&self, id: &str) -> u64 {
        self.checked_events(id).last().expect("the event log is empty")["seq"].as_u64().unwrap()
    }
}

/// The texts of a structured snapshot's `visibleLines` (or of a wait error's details).
pub fn line_texts(lines: &Value) -> Vec<String> {
    lines
        .as_array()
        .expect("an array of lines")
        .iter()
        .map(|l| l["text"].as_str().unwrap().to_string())
        .collect()
}

/// The canonical visible text of a structured snapshot.
pub fn canonical_text(snapshot: &Value) -> String {
    line_texts(&snapshot["visibleLines"]).join("\n")
}

/// The `socket:[inode]` links among the open descriptors of `pid`.
pub fn socket_fds(pid: u32) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .map(|l| l.to_string_lossy().into_owned())
        .filter(|l| l.starts_with("socket:"))
        .collect()
}

/// bash's default prompt (`bash-5.2#` / `bash-5.2$`, trailing space trimmed).
pub const PROMPT_RE: &str = r"bash-[0-9.]+[#$]";

impl TestHome {
    /// A waited `run` whose output ends with the line `last_line`, then a render wait
    /// until that line is followed by a fresh prompt as the last non-blank row (so the
    /// screen no longer changes). Returns the wait result.
    pub fn run_settled(&self, id: &str, command: &str, last_line: &str) -> Value {
        self.run_cmd(id, command);
        self.settle(id, last_line)
    }

    /// A render wait until the line `last_line` is followed by a prompt, with nothing but
    /// blank rows after it.
    pub fn settle(&self, id: &str, last_line: &str) -> Value {
        let escaped: String = last_line
            .chars()
            .map(|c| if "\\.+*?()|[]{}^$".contains(c) { format!("\\{c}") } else { c.to_string() })
            .collect();
        let regex = format!("(^|\\n){escaped}\\n{PROMPT_RE}\\n*$");
        self.wait_render(id, &["--regex", &regex])
    }
}

impl TestHome {
    /// Live text + structured snapshots of a quiet screen (both at one seq).
    pub fn live_snapshots(&self, id: &str) -> (Value, Value) {
        let text = self.snapshot(id, &["--format", "text"]);
        let structured = self.snapshot(id, &[]);
        assert_eq!(
            text["capturedAtSeq"], structured["capturedAtSeq"],
            "the screen was quiet between snapshots"
        );
        assert_eq!(text["screenHash"], structured["screenHash"], "one screen, one hash in both formats");
        (text, structured)
    }

    /// After the host is gone: the offline (replayed) snapshot shows the same text and
    /// Screen Hash as the last live one, unless the program printed on its way out —
    /// bash, hung up, prints `ESC[?2004l \r ESC[?2004h ESC[?2004l \r \r\n`: then the
    /// offline screen is the live one after exactly those line feeds (the cursor moves
    /// down, or the screen scrolls when it was on the last row). And replaying the log
    /// only up to the live snapshot's seq reproduces that snapshot exactly.
    pub fn assert_offline_equals_live(&self, id: &str, live: &(Value, Value)) {
        let (live_text, live_structured) = live;
        let live_seq = live_text["capturedAtSeq"].as_u64().unwrap();
        let events = self.checked_events(id);
        let goodbye = output_of(
            &events.iter().filter(|e| e["seq"].as_u64().unwrap() > live_seq).cloned().collect::<Vec<_>>(),
        );
        let residue = goodbye.replace("\u{1b}[?2004l", "").replace("\u{1b}[?2004h", "");
        assert!(
            residue.chars().all(|c| c == '\r' || c == '\n'),
            "unexpected output after the live snapshot: {goodbye:?}"
        );
        let feeds = residue.matches('\n').count() as u64;
        let rows = live_structured["rows"].as_u64().unwrap();
        let mut lines = line_texts(&live_structured["visibleLines"]);
        let mut row = live_structured["cursorRow"].as_u64().unwrap();
        for _ in 0..feeds {
            if row + 1 < rows {
                row += 1;
            } else {
                lines.remove(0);
                lines.push(String::new());
            }
        }
        let expected_text = lines.join("\n");
        let col = if residue.is_empty() { live_structured["cursorCol"].as_u64().unwrap() } else { 0 };

        let offline_text = self.snapshot(id, &["--format", "text"]);
        assert_eq!(
            offline_text["text"].as_str().unwrap(),
            expected_text,
            "offline text (after {feeds} goodbye line feeds)"
        );
        assert_eq!(offline_text["screenHash"].as_str().unwrap(), sha256_hex(expected_text.as_bytes()));
        if feeds == 0 || row > live_structured["cursorRow"].as_u64().unwrap() {
            assert_eq!(offline_text["text"], live_text["text"], "offline text equals the last live one");
            assert_eq!(
                offline_text["screenHash"], live_text["screenHash"],
                "offline hash equals the last live one"
            );
        }
        for key in ["cols", "rows"] {
            assert_eq!(offline_text[key], live_text[key]);
        }
        assert_eq!(
            (offline_text["cursorRow"].as_u64(), offline_text["cursorCol"].as_u64()),
            (Some(row), Some(col))
        );
        let offline = self.snapshot(id, &[]);
        assert_eq!(line_texts(&offline["visibleLines"]), lines);
        assert_eq!(offline["isAltScreen"], live_structured["isAltScreen"]);
        assert_eq!(
            offline["capturedAtSeq"],
            events.last().unwrap()["seq"],
            "offline replay runs to the last event"
        );

        let path = self.session_dir(id).join("events.jsonl");
        let original = std::fs::read_to_string(&path).unwrap();
        let upto: String = original.lines().take(live_seq as usize + 1).map(|l| format!("{l}\n")).collect();
        std::fs::write(&path, upto).unwrap();
        let at_seq_text = self.snapshot(id, &["--format", "text"]);
        let at_seq = self.snapshot(id, &[]);
        std::fs::write(&path, original).unwrap();
        assert_eq!(&at_seq_text, live_text, "replay up to the live seq = the live text snapshot");
        assert_eq!(&at_seq, live_structured, "replay up to the live seq = the live structured snapshot");
    }
}

// ---------------------------------------------------------------------------------------
// Multi-Home helpers (Home Registry / gc tests).

impl TestHome {
    /// Best effort, never panics (usable from `Drop`): force-destroys every active
    /// session of another Home (`list` reconciles first, killing orphaned programs) and
    /// removes that Home's socket directory once it is empty.
    pub fn destroy_all_in(&self, home: &Path) {
        let home_str = home.to_str().unwrap_or_default();
        let listed = self
            .try_run(&["--home", home_str, "list", "--json"], &[], None)
            .ok()
            .and_then(|out| serde_json::from_str::<Value>(&out.stdout).ok());
        let sessions =
            listed.as_ref().and_then(|v| v["result"]["sessions"].as_array()).cloned().unwrap_or_default();
        for id in sessions.iter().filter_map(|s| s["sessionId"].as_str()) {
            let _ = self.try_run(&["--home", home_str, "destroy", id, "--force", "--json"], &[], None);
        }
        let _ = std::fs::remove_dir(socket_dir(home));
    }
}

impl TestHome {
    /// A bash session (extra `create` options) whose first prompt is on screen, so that
    /// nothing typed later is echoed by the terminal before readline took over.
    pub fn bash_ready(&self, extra: &[&str]) -> String {
        let id = self.bash_with(extra);
        self.wait_render(&id, &["--regex", &format!("^{PROMPT_RE}\\n*$")]);
        id
    }
}

/// The keys of a clip export's result (`record export`'s, then `fromSeq` and `toSeq`).
pub const CLIP_RESULT_KEYS: [&str; 10] = [
    "sessionId",
    "format",
    "artifactPath",
    "bytes",
    "sha256",
    "capturedAtSeq",
    "durationMs",
    "metadata",
    "fromSeq",
    "toSeq",
];

/// One frame of `video` as a PNG scaled 2× for OCR, written to `t.path(name)` with ffmpeg
/// (the caller checks that ffmpeg is installed): the first frame, or with `last` the frame
/// half a second before the end.
pub fn grab_frame(t: &TestHome, video: &Path, last: bool, name: &str) -> PathBuf {
    let frame = t.path(name);
    let seek: &[&str] = if last { &["-sseof", "-0.5"] } else { &[] };
    let grab = Command::new("ffmpeg")
        .args(["-v", "error"])
        .args(seek)
        .arg("-i")
        .arg(video)
        .args(["-frames:v", "1", "-vf", "scale=iw*2:ih*2", "-y"])
        .arg(&frame)
        .output()
        .expect("ffmpeg runs");
    assert!(grab.status.success(), "{}", String::from_utf8_lossy(&grab.stderr));
    frame
}

/// The text tesseract reads in a PNG (the caller checks that tesseract is installed).
pub fn ocr_text(png: &Path) -> String {
    let out = Command::new("tesseract").arg(png).arg("stdout").output().expect("tesseract runs");
    assert!(out.status.success(), "tesseract failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}
