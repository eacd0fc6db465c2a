//! Golden envelopes: the exact `--json` output of every command over one scripted session,
//! compared with `tests/cli/golden/envelopes.txt`. Values that differ from run to run
//! (times, ids, seqs, pids, sizes, hashes, temporary paths) are replaced by placeholders;
//! everything else — every key, its order, every stable value, the two-space layout — must
//! match byte for byte, so a refactor of how results are built cannot change the contract.
//!
//! After an intended change of the contract, regenerate the file with
//! `AGENT_TTY_BLESS=1 cargo test -p agent-tty --test cli golden` and review the diff.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value;

use crate::support::*;

/// Numbers under these keys are the same on every run; every other number is volatile.
const STABLE_NUMBERS: [&str; 11] = [
    "cols",
    "rows",
    "exitCode",
    "completedCount",
    "failedIndices",
    "cursorRow",
    "cursorCol",
    "row",
    "col",
    "x",
    "y",
];

/// Keys whose values (of any type) differ from run to run.
const VOLATILE_KEYS: [&str; 3] = ["timestamp", "hostPid", "childPid"];

struct Golden {
    t: TestHome,
    base: String,
    ids: Vec<String>,
    text: String,
}

impl Golden {
    /// Runs `args` (which include `--json`), checks the exit code and records the envelope.
    fn step(&mut self, name: &str, args: &[&str], exit: i32) -> Value {
        let out = self.t.at(args);
        assert_eq!(out.code, exit, "{name}: exit {} for {args:?}:\n{}\n{}", out.code, out.stdout, out.stderr);
        let envelope = out.json();
        let normal = self.normalize("", &envelope);
        let mut pretty = serde_json::to_string_pretty(&normal).unwrap();
        pretty.push('\n');
        let _ = write!(self.text, "### {name}: agent-tty {}\n{pretty}\n", self.shown(args));
        envelope
    }

    fn shown(&self, args: &[&str]) -> String {
        args.iter().map(|a| self.normal_string(a)).collect::<Vec<_>>().join(" ")
    }

    fn normalize(&self, key: &str, value: &Value) -> Value {
        if VOLATILE_KEYS.contains(&key) && !value.is_null() {
            return Value::String(format!("<{key}>"));
        }
        match value {
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), self.normalize(k, v))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.normalize(key, v)).collect()),
            Value::Number(_) if !STABLE_NUMBERS.contains(&key) => Value::String("<number>".into()),
            // A time-out's summary sentence names seqs and ages.
            Value::String(s) if key == "summary" => Value::String(digits_to_n(&self.normal_string(s))),
            Value::String(s) => Value::String(self.normal_string(s)),
            other => other.clone(),
        }
    }

    fn normal_string(&self, s: &str) -> String {
        let repo = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let repo = std::fs::canonicalize(repo).map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
        let mut s = s.replace(&self.base, "<tmp>");
        if !repo.is_empty() {
            s = s.replace(&repo, "<repo>");
        }
        for id in &self.ids {
            s = s.replace(id.as_str(), "<session>");
        }
        if is_iso(&s) {
            return "<time>".into();
        }
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return "<sha256>".into();
        }
        if s.starts_with("__AT_MARKER_") {
            return "<marker>".into();
        }
        if s.starts_with("/tmp/agent-tty") || s.starts_with("/run/user/") {
            return "<socket-path>".into();
        }
        if s.contains("<tmp>") || s.contains("<session>") {
            // Artifact file names carry times and seqs.
            return digits_to_n(&s);
        }
        s
    }
}

/// Every run of digits becomes `N`.
fn digits_to_n(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_digits = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('N');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}

#[test]
fn golden_envelopes() {
    let t = TestHome::new();
    let base = t.home.parent().unwrap().to_string_lossy().into_owned();
    let mut g = Golden { t, base, ids: Vec::new(), text: String::new() };

    g.step("version", &["version", "--json"], 0);
    let created = g.step(
        "create",
        &[
            "create",
            "--json",
            "--name",
            "golden",
            "--cols",
            "40",
            "--rows",
            "8",
            "--",
            "env",
            "PS1=$ ",
            "bash",
            "--norc",
            "--noprofile",
        ],
        0,
    );
    let id = created["result"]["sessionId"].as_str().unwrap().to_string();
    g.ids.push(id.clone());
    // The create envelope was recorded before its id was known.
    g.text = g.text.replace(&id, "<session>");
    let id = id.as_str();
    g.step("wait-prompt", &["wait", id, "--text", "$", "--timeout", "10s", "--json"], 0);
    g.step("list", &["list", "--json"], 0);
    g.step("inspect-live", &["inspect", id, "--json"], 0);
    g.step("run", &["run", id, "echo ran-$((40+2))", "--json"], 0);
    g.step("run-no-wait", &["run", id, "echo queued-$((1+1))", "--no-wait", "--json"], 0);
    g.step("wait-text", &["wait", id, "--text", "queued-2\n$", "--timeout", "10s", "--json"], 0);
    g.step("type", &["type", id, "echo typed", "--json"], 0);
    g.step("send-keys", &["send-keys", id, "Enter", "--json"], 0);
    g.step("wait-regex", &["wait", id, "--regex", "ty+ped\\n\\$", "--timeout", "10s", "--json"], 0);
    g.step("paste", &["paste", id, "echo pasted", "--json"], 0);
    g.step("send-keys-2", &["send-keys", id, "Enter", "--json"], 0);
    g.step(
        "wait-cursor",
        &["wait", id, "--text", "pasted\n$", "--cursor-col", "2", "--timeout", "10s", "--json"],
        0,
    );
    g.step("wait-stable", &["wait", id, "--screen-stable-ms", "100", "--timeout", "10s", "--json"], 0);
    g.step("wait-timeout", &["wait", id, "--text", "never-there", "--timeout", "300", "--json"], 11);
    g.step("wait-idle", &["wait", id, "--idle-ms", "100", "--timeout", "10s", "--json"], 0);
    g.step("mark", &["mark", id, "golden-mark", "--json"], 0);
    g.step("snapshot-text", &["snapshot", id, "--format", "text", "--json"], 0);
    g.step("snapshot-structured", &["snapshot", id, "--json"], 0);
    g.step("snapshot-scrollback", &["snapshot", id, "--format", "text", "--include-scrollback", "--json"], 0);
    g.step("screenshot", &["screenshot", id, "--json"], 0);
    g.step("resize", &["resize", id, "--cols", "50", "--rows", "10", "--json"], 0);
    g.step("signal", &["signal", id, "SIGINT", "--json"], 0);
    g.step("wait-after-signal", &["wait", id, "--text", "^C\n$", "--timeout", "10s", "--json"], 0);
    let plan = r#"[{"run":"echo batch-one"},{"wait":{"text":"batch-one"}},{"type":"echo b2"},{"paste":"x"},{"sendKeys":["Enter"]},{"wait":{"text":"b2x\n","timeout":5000}}]"#;
    g.step("batch", &["batch", id, plan, "--json"], 0);
    let failing = r#"[{"wait":{"text":"never","timeout":200}},{"type":"unreached"}]"#;
    g.step("batch-failing", &["batch", id, failing, "--json"], 11);
    g.step("error-not-found", &["inspect", "no-such-session", "--json"], 3);
    g.step("error-invalid", &["resize", id, "--cols", "0", "--rows", "10", "--json"], 2);
    g.step("error-usage", &["wait", id, "--json"], 2);
    g.step("error-mouse-not-enabled", &["mouse", id, "click", "--row", "0", "--col", "0", "--json"], 2);
    g.step("destroy", &["destroy", id, "--json"], 0);
    g.step("wait-exit", &["wait", id, "--exit", "--json"], 0);
    g.step("snapshot-offline", &["snapshot", id, "--format", "text", "--json"], 0);
    g.step("wait-offline", &["wait", id, "--text", "typed", "--json"], 0);
    g.step("inspect-destroyed", &["inspect", id, "--json"], 0);
    g.step("list-all", &["list", "--all", "--json"], 0);
    g.step("destroy-again", &["destroy", id, "--json"], 4);
    g.step("export-asciicast", &["record", "export", id, "--format", "asciicast", "--json"], 0);
    g.step("export-gif", &["record", "export", id, "--format", "gif", "--timing", "max-speed", "--json"], 0);
    g.step("home-list", &["home", "list", "--json"], 0);
    g.step("skills-list", &["skills", "list", "--json"], 0);
    g.step("skills-path", &["skills", "path", "agent-tty", "--json"], 0);
    g.step("gc-dry-run", &["gc", "--dry-run", "--json"], 0);

    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cli/golden/envelopes.txt");
    if std::env::var_os("AGENT_TTY_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &g.text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (AGENT_TTY_BLESS=1 writes it)", path.display()));
    if expected != g.text {
        let first = expected.lines().zip(g.text.lines()).position(|(a, b)| a != b);
        let at = first.unwrap_or_else(|| expected.lines().count().min(g.text.lines().count()));
        let context =
            |text: &str| text.lines().skip(at.saturating_sub(8)).take(16).collect::<Vec<_>>().join("\n");
        panic!(
            "envelopes differ from {} at line {}:\n--- expected:\n{}\n--- actual:\n{}",
            path.display(),
            at + 1,
            context(&expected),
            context(&g.text)
        );
    }
}
