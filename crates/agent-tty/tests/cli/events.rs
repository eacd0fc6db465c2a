//! `events`: the Event Log as NDJSON, read from the file and (with `--follow`) pushed by
//! the host; resumable with `--after-seq`; `--all`; a slow reader that falls behind is
//! told what it missed and resumes from the log; a host that dies ends the stream.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::*;

/// An `events` process whose stdout is read line by line as it comes.
struct Stream {
    child: Child,
    lines: Option<mpsc::Receiver<String>>,
    stdout: Option<std::process::ChildStdout>,
    /// Every line read so far.
    seen: Vec<Value>,
}

impl Stream {
    /// `agent-tty --home <home> events <args…>`; its output is read only once
    /// [`Stream::read`] is called, so a test can leave it unread for a while.
    fn start(t: &TestHome, args: &[&str]) -> Stream {
        let mut cmd = Command::new(BIN);
        cmd.arg("--home").arg(&t.home).arg("events").args(args);
        cmd.env("HOME", &t.user_home)
            .env("XDG_STATE_HOME", &t.state)
            .env_remove("AGENT_TTY_HOME")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("spawn agent-tty events");
        t.track_pid(child.id());
        let stdout = child.stdout.take();
        Stream { child, lines: None, stdout, seen: Vec::new() }
    }

    /// Starts reading its stdout (on a thread).
    fn read(&mut self) {
        let Some(stdout) = self.stdout.take() else { return };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        self.lines = Some(rx);
    }

    /// Reads lines until one satisfies `done` (panics after [`DEADLINE`], or if the
    /// stream ends first); returns it.
    fn until(&mut self, what: &str, mut done: impl FnMut(&Value) -> bool) -> Value {
        self.read();
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match self.lines.as_ref().unwrap().recv_timeout(left) {
                Ok(line) => line,
                Err(mpsc::RecvTimeoutError::Timeout) => panic!("no line with {what} within {DEADLINE:?}"),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    panic!("the stream ended before a line with {what}; seen: {:?}", self.seen)
                }
            };
            let value: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            self.seen.push(value.clone());
            if done(&value) {
                return value;
            }
        }
    }

    /// Reads to the end of the stream; returns the exit code.
    fn read_to_end(&mut self) -> i32 {
        self.read();
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.as_ref().unwrap().recv_timeout(left) {
                Ok(line) => self.seen.push(serde_json::from_str(&line).unwrap()),
                Err(mpsc::RecvTimeoutError::Timeout) => panic!("the stream did not end within {DEADLINE:?}"),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let mut code = None;
        wait_until("events exited", DEADLINE, || {
            code = self.child.try_wait().unwrap().map(|s| s.code().unwrap_or(-1));
            code.is_some()
        });
        code.unwrap()
    }

    /// The records seen (derived lines left out).
    fn records(&self) -> Vec<Value> {
        self.seen.iter().filter(|v| v.get("derived").is_none()).cloned().collect()
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.kill();
    }
}

fn is_output_with(line: &Value, text: &str) -> bool {
    line["type"] == "output" && line["payload"]["data"].as_str().is_some_and(|d| d.contains(text))
}

fn seq(line: &Value) -> u64 {
    line["seq"].as_u64().unwrap()
}

/// The complete lines of the log, as text.
fn log_lines(t: &TestHome, id: &str) -> Vec<String> {
    t.events_raw(id).lines().map(str::to_string).collect()
}

/// A bash session with the shell integration (`commandFinished` comes from its marks),
/// its custom prompt on screen.
fn integrated_bash(t: &TestHome) -> String {
    std::fs::write(t.user_home.join(".bashrc"), "PS1='custom> '\n").unwrap();
    let id = t.create(&[], &["bash"])["sessionId"].as_str().unwrap().to_string();
    t.wait_render(&id, &["--text", "custom>"]);
    id
}

#[test]
fn records_equal_the_log_line_for_line_with_after_seq_and_type_filters() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_cmd(&id, "echo first");
    t.at(&["mark", &id, "half-way"]).exit(0);
    t.run_cmd(&id, "echo second");
    t.at(&["destroy", &id]).exit(0);
    let log = log_lines(&t, &id);
    let all = t.at(&["events", &id]);
    all.exit(0);
    assert_eq!(all.stdout.lines().collect::<Vec<_>>(), log, "every record, byte for byte");
    let json = t.at(&["events", &id, "--json"]);
    assert_eq!(json.stdout, all.stdout, "--json is the same stream, no envelope");

    let after = log.len() as u64 / 2;
    let tail = t.at(&["events", &id, "--after-seq", &after.to_string()]);
    let expected: Vec<&String> =
        log.iter().filter(|l| seq(&serde_json::from_str(l).unwrap()) > after).collect();
    assert_eq!(tail.stdout.lines().collect::<Vec<_>>(), expected);

    let typed = t.at(&["events", &id, "--type", "marker", "--type", "exit,input_run"]);
    let kinds = ["marker", "exit", "input_run"];
    let expected: Vec<&String> = log
        .iter()
        .filter(|l| kinds.contains(&serde_json::from_str::<Value>(l).unwrap()["type"].as_str().unwrap()))
        .collect();
    assert_eq!(typed.stdout.lines().collect::<Vec<_>>(), expected);
    assert!(expected.len() >= 4, "two runs, a marker and the exit: {expected:?}");

    let error = t.at(&["events", &id, "--type", "outptu", "--json"]).err("events", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("commandFinished"), "{error}");
    for bad in ["-1", "x", "1.5"] {
        t.at(&["events", &id, "--after-seq", bad, "--json"]).err("events", 2, "INVALID_INPUT");
    }
    t.at(&["events", &id, "--all", "--json"]).err("events", 2, "INVALID_INPUT");
    t.at(&["events", "--json"]).err("events", 2, "INVALID_INPUT");
}

#[test]
fn follow_pushes_records_live_and_a_resumed_consumer_gets_exactly_the_missed_ones() {
    let t = TestHome::new();
    let id = integrated_bash(&t);
    let mut first = Stream::start(&t, &[&id, "--follow", "--idle-ms", "300ms"]);
    t.run_cmd(&id, "echo one-$((1+1))");
    first.until("the command's output", |l| is_output_with(l, "one-2"));
    let finished = first.until("commandFinished", |l| l["derived"] == "commandFinished");
    assert_eq!(finished["exitCode"], 0, "{finished}");
    let marker = first.records().last().cloned().unwrap();
    assert_eq!((marker["type"].as_str(), seq(&marker)), (Some("marker"), seq(&finished)), "{marker}");
    // Once the output paused, the screen as it is has been pushed (or is on its way).
    let idle = first.until("an idle line", |l| l["derived"] == "idle");
    assert_eq!(idle["idleMs"], 300);
    let hash = t.snapshot(&id, &[])["screenHash"].clone();
    let is_screen = |l: &Value| l["derived"] == "screen" && l["screenHash"] == hash;
    if !first.seen.iter().any(is_screen) {
        first.until("a screen line with the screen's hash", is_screen);
    }
    first.kill();
    let last = seq(first.records().last().unwrap());

    t.run_cmd(&id, "echo two-$((2+2))");
    t.run_cmd(&id, "false");
    let mut resumed = Stream::start(&t, &[&id, "--follow", "--after-seq", &last.to_string()]);
    let failed = resumed
        .until("the failed command's end", |l| l["derived"] == "commandFinished" && l["exitCode"] != 0);
    assert_eq!(failed["exitCode"], 1, "{failed}");
    t.type_text(&id, "exit\r");
    assert_eq!(resumed.read_to_end(), 0, "the stream ends after the exit record");
    let records = resumed.records();
    assert_eq!(records.last().unwrap()["type"], "exit");
    // Resuming after the last record of an ended session: nothing more, and no error.
    let end = seq(records.last().unwrap()).to_string();
    let after_end = t.at(&["events", &id, "--follow", "--after-seq", &end]);
    assert_eq!((after_end.code, after_end.stdout.as_str()), (0, ""), "{}", after_end.stderr);
    assert!(records.iter().any(|l| is_output_with(l, "two-4")), "the output typed while away");

    let log: Vec<Value> = log_lines(&t, &id).iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut seen: Vec<Value> = first.records();
    seen.extend(records);
    assert_eq!(seen, log, "both consumers together: every record once, in order");
    // The derived lines carry the seq of the record they follow and are marked.
    for line in first.seen.iter().chain(&resumed.seen).filter(|l| l.get("derived").is_some()) {
        assert!(line["seq"].is_u64() && line["ts"].is_string(), "{line}");
    }
}

#[test]
fn all_follows_every_session_and_sessions_created_later_join() {
    let t = TestHome::new();
    let early = t.bash_ready(&[]);
    let mut stream = Stream::start(&t, &["--all", "--follow", "--type", "output"]);
    t.run_cmd(&early, "echo early-$((3*3))");
    stream.until("the first session's output", |l| is_output_with(l, "early-9") && l["sessionId"] == early);
    let late = t.bash_ready(&[]);
    t.run_cmd(&late, "echo late-$((4*4))");
    stream.until("the new session's output", |l| is_output_with(l, "late-16") && l["sessionId"] == late);
    assert!(stream.seen.iter().all(|l| l["type"] == "output" && l["sessionId"].is_string()));
    stream.kill();

    // Without --follow: every session's records, each with its sessionId after its keys.
    for id in [&early, &late] {
        t.at(&["destroy", id]).exit(0);
    }
    let out = t.at(&["events", "--all"]);
    out.exit(0);
    for id in [&early, &late] {
        let suffix = format!(",\"sessionId\":\"{id}\"}}");
        let lines: Vec<String> = out
            .stdout
            .lines()
            .filter_map(|l| l.strip_suffix(&suffix).map(|body| format!("{body}}}")))
            .collect();
        assert_eq!(lines, log_lines(&t, id), "the records of {id}, in order");
    }
}

#[test]
fn a_slow_reader_gets_a_missed_line_and_resumes_from_the_log_while_the_host_stays_responsive() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    // Nobody reads this stream until the flood is well past every buffer on the way.
    let mut stream = Stream::start(&t, &[&id, "--follow", "--type", "output,input_keys,exit,missed"]);
    let pid = stream.child.id();
    wait_until("the stream subscribed to the host", DEADLINE, || !socket_fds(pid).is_empty());
    t.type_text(&id, "yes | head -c 40000000\r");
    let log = t.session_dir(&id).join("events.jsonl");
    wait_until("8 MB of flood in the log", Duration::from_secs(60), || {
        std::fs::metadata(&log).is_ok_and(|m| m.len() > 8_000_000)
    });
    // The host is not held up by the reader that stopped.
    t.send_keys(&id, &["ctrl+c"]);
    let missed = stream.until("the missed line", |l| l["derived"] == "missed");
    let resume = missed["resumeAfterSeq"].as_u64().unwrap();
    assert!(missed["count"].as_u64().unwrap() > 0, "{missed}");
    let next = stream.until("the record after the missed line", |l| l.get("derived").is_none());
    assert!(seq(&next) > resume, "records go on after resumeAfterSeq: {next}");
    t.type_text(&id, "exit\r");
    assert_eq!(stream.read_to_end(), 0);
    let kinds = ["output", "input_keys", "exit"];
    let expected: Vec<Value> = log_lines(&t, &id)
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| kinds.contains(&l["type"].as_str().unwrap()))
        .collect();
    assert_eq!(stream.records(), expected, "resumed from the log: nothing lost, nothing twice");
}

#[test]
fn a_host_that_dies_without_an_exit_record_ends_the_stream_with_host_gone() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let mut stream = Stream::start(&t, &[&id, "--follow"]);
    t.run_cmd(&id, "echo alive");
    stream.until("the output", |l| is_output_with(l, "alive"));
    kill(pid_of(&t.manifest(&id), "hostPid"), libc::SIGKILL);
    assert_eq!(stream.read_to_end(), 6, "HOST_UNREACHABLE");
    let last = stream.seen.last().unwrap();
    assert_eq!((&last["derived"], &last["code"]), (&"hostGone".into(), &"HOST_UNREACHABLE".into()));
    assert_eq!(last["seq"], t.last_seq(&id), "{last}");
}

#[test]
fn a_closed_stdout_ends_the_stream_quietly() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let mut stream = Stream::start(&t, &[&id, "--follow"]);
    drop(stream.stdout.take());
    t.run_cmd(&id, "echo into-the-void");
    let mut code = None;
    wait_until("events noticed its closed stdout", DEADLINE, || {
        code = stream.child.try_wait().unwrap().map(|s| s.code());
        code.is_some()
    });
    assert_eq!(code.unwrap(), Some(0));
}

#[test]
fn ctrl_c_ends_a_follow_quietly() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let mut stream = Stream::start(&t, &[&id, "--follow"]);
    stream.until("the first prompt", |l| l["type"] == "output");
    kill(stream.child.id(), libc::SIGINT);
    assert_eq!(stream.read_to_end(), 0);
}
