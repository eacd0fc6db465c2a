//! `agent-tty mcp` driven by a real MCP client: the official Python SDK's stdio client
//! (`tests/mcp/client.py`) starts the real binary as its server and walks every step an
//! agent takes (initialise, list the tools, create a bash session, run, type, send keys,
//! wait, snapshot, screenshot, the history/find/diff/inspect/list/export tools, the
//! resources (list, templates, read each kind, subscribe to a screen and get
//! `resources/updated`, `list_changed` as sessions come and go, unsubscribe), invalid
//! calls, a cancelled long wait (whose connection the host then closes), a second client and the CLI on the same session,
//! destroy), validating every result against the tool's advertised output schema. The
//! script needs Python's `mcp` and `jsonschema` packages (`scripts/test.sh` installs them).

use std::process::Command;

use crate::support::*;

/// The client script, next to this crate's tests.
const CLIENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp/client.py");

#[test]
fn a_python_mcp_client_drives_every_tool() {
    run_client(
        CLIENT,
        &[
            "initialised",
            "read: the session list, the screen",
            "subscribed: resources/updated for the screen",
            "list_changed when a session came and went",
            "unsubscribed: no update after it",
            "screenshot: a ",
            "cancelled a long wait",
            "no answer to it",
            "the host dropped the cancelled wait",
        ],
    );
}

/// Runs a Python MCP client script (`script BINARY HOME`) in a temporary Home and checks
/// that it succeeded and reported every step (a line containing each of `steps`). Exit 3
/// means a Python package is missing: the script says which.
pub fn run_client(script: &str, steps: &[&str]) {
    require("python3", "python3");
    require("bash", "bash");
    let t = TestHome::new();
    let out = Command::new("python3")
        .args([script, BIN, &t.home_str()])
        .current_dir(&t.work)
        .env("HOME", &t.user_home)
        .env("XDG_STATE_HOME", &t.state)
        .env("SHELL", "/bin/bash")
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(3) {
        panic!("{stdout}(scripts/test.sh installs it)");
    }
    assert!(out.status.success(), "{script} failed ({}):\n{stdout}\n{stderr}", out.status);
    for step in steps {
        assert!(stdout.contains(step), "{script} did not report {step:?}:\n{stdout}");
    }
    assert!(!stderr.contains("panicked"), "the server panicked:\n{stderr}");
}

/// `agent-tty mcp` spoken to line by line (JSON-RPC over its stdin and stdout), for what
/// the Python client cannot show: how much the server process reads for a request.
struct RawServer {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    next_id: u64,
}

impl RawServer {
    fn start(t: &TestHome) -> RawServer {
        use std::io::BufRead;
        let mut child = Command::new(BIN)
            .args(["mcp", "--home", &t.home_str()])
            .current_dir(&t.work)
            .env("HOME", &t.user_home)
            .env("XDG_STATE_HOME", &t.state)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("agent-tty mcp starts");
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut server = RawServer { child, lines, next_id: 0 };
        let hello = serde_json::json!({
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "1"},
        });
        server.request("initialize", hello);
        server.send(&serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        server
    }

    fn send(&mut self, message: &serde_json::Value) {
        use std::io::Write;
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{message}").unwrap();
        stdin.flush().unwrap();
    }

    /// Sends a request and returns its `result` (notifications on the way are skipped).
    fn request(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&serde_json::json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let line =
                self.lines.recv_timeout(DEADLINE).unwrap_or_else(|e| panic!("no answer to {method}: {e}"));
            let answer: serde_json::Value = serde_json::from_str(&line).unwrap();
            if answer["id"] == id {
                assert!(answer.get("error").is_none(), "{method} failed: {answer}");
                return answer["result"].clone();
            }
        }
    }

    /// The bytes the server process has read so far (`rchar` of /proc/<pid>/io).
    fn bytes_read(&self) -> u64 {
        let io = std::fs::read_to_string(format!("/proc/{}/io", self.child.id())).unwrap();
        let line = io.lines().find(|line| line.starts_with("rchar:")).unwrap();
        line["rchar:".len()..].trim().parse().unwrap()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A page of the events resource late in a long log reads about the host's checkpoint
/// interval (2 MB) of log before it, not the whole prefix, and is byte for byte the
/// page a read from the start gives (whole records, at most 1 MiB, `_meta` saying where
/// to go on).
#[test]
fn a_late_events_page_does_not_read_the_log_from_the_start() {
    const PAGE: usize = 1 << 20;
    let t = TestHome::new();
    let id = t.create(&[], &["sh", "-c", "seq 1 1200000"])["sessionId"].as_str().unwrap().to_string();
    t.at(&["wait", &id, "--exit", "--timeout", "120000", "--json"]).ok("wait");
    let log = std::fs::read(t.session_dir(&id).join("events.jsonl")).unwrap();
    // (end offset, seq, line) of each complete record line.
    let mut lines = Vec::new();
    let mut start = 0;
    for (index, _) in log.iter().enumerate().filter(|(_, b)| **b == b'\n') {
        let line = &log[start..=index];
        let seq = serde_json::from_slice::<serde_json::Value>(line).unwrap()["seq"].as_u64().unwrap();
        lines.push((index + 1, seq, line));
        start = index + 1;
    }
    assert!(log.len() > 10 << 20, "the log is only {} bytes", log.len());
    // After the record at 80% of the log: 2 MB are left, so the page is full.
    let (offset, after, _) = *lines.iter().find(|(end, _, _)| *end > log.len() * 4 / 5).unwrap();
    let mut expected = Vec::new();
    let mut last_seq = None;
    for (_, seq, line) in lines.iter().filter(|(_, seq, _)| *seq > after) {
        if !expected.is_empty() && expected.len() + line.len() > PAGE {
            break;
        }
        expected.extend_from_slice(line);
        last_seq = Some(*seq);
    }
    assert!(expected.len() > PAGE / 2 && last_seq < Some(lines.last().unwrap().1), "a full page");

    let mut server = RawServer::start(&t);
    let before = server.bytes_read();
    let uri = format!("agent-tty://session/{id}/events?afterSeq={after}");
    let read = server.request("resources/read", serde_json::json!({"uri": uri}));
    let read_bytes = server.bytes_read() - before;
    let contents = &read["contents"][0];
    assert_eq!(contents["text"].as_str().unwrap().as_bytes(), expected.as_slice(), "the page differs");
    assert_eq!(contents["_meta"], serde_json::json!({"lastSeq": last_seq, "more": true}));
    // The page itself and the read-ahead of one buffer come on top of the ≤ 2 MB before it.
    assert!(
        read_bytes < (4 << 20) as u64,
        "read {read_bytes} bytes for a page that starts {offset} bytes into the log"
    );
    let first = server
        .request("resources/read", serde_json::json!({"uri": format!("agent-tty://session/{id}/events")}));
    let head: Vec<u8> = {
        let mut head = Vec::new();
        for (_, _, line) in &lines {
            if !head.is_empty() && head.len() + line.len() > PAGE {
                break;
            }
            head.extend_from_slice(line);
        }
        head
    };
    assert_eq!(first["contents"][0]["text"].as_str().unwrap().as_bytes(), head.as_slice());
}

/// A session whose name has `/`, `?`, `%`, `#`, a space and non-ASCII is reachable by
/// its percent-encoded name in resource URIs; the name written raw is refused clearly.
#[test]
fn resource_uris_take_any_session_name_percent_encoded() {
    let t = TestHome::new();
    let name = "a/b? c%d#é";
    let id = t.create(&["--name", name], &["cat"])["sessionId"].as_str().unwrap().to_string();
    t.type_text(name, "typed-by-name\n");
    t.wait_render(name, &["--text", "typed-by-name"]);
    let mut server = RawServer::start(&t);
    let encoded = "a%2Fb%3F%20c%25d%23%C3%A9";
    let read = |server: &mut RawServer, uri: String| {
        let result = server.request("resources/read", serde_json::json!({"uri": uri}));
        result["contents"][0]["text"].as_str().unwrap().to_string()
    };
    let screen = read(&mut server, format!("agent-tty://session/{encoded}/screen"));
    let snapshot = t.at(&["snapshot", name, "--format", "text", "--json"]).ok("snapshot");
    assert_eq!(screen, snapshot["text"].as_str().unwrap());
    assert!(screen.contains("typed-by-name"), "{screen}");
    let events = read(&mut server, format!("agent-tty://session/{encoded}/events?afterSeq=0"));
    let log = std::fs::read_to_string(t.session_dir(&id).join("events.jsonl")).unwrap();
    let after_first: String = log.split_inclusive('\n').skip(1).collect();
    assert_eq!(events, after_first);
    // Listed URIs name sessions by id, encoded too (an id needs no escapes).
    let listed = server.request("resources/list", serde_json::json!({}));
    let uris: Vec<&str> =
        listed["resources"].as_array().unwrap().iter().map(|r| r["uri"].as_str().unwrap()).collect();
    assert!(uris.contains(&format!("agent-tty://session/{id}/screen").as_str()), "{uris:?}");

    server.send(&serde_json::json!({
        "jsonrpc": "2.0", "id": 99, "method": "resources/read",
        "params": {"uri": "agent-tty://session/a%zz/screen"},
    }));
    let answer: serde_json::Value = loop {
        let line = server.lines.recv_timeout(DEADLINE).unwrap();
        let answer: serde_json::Value = serde_json::from_str(&line).unwrap();
        if answer["id"] == 99 {
            break answer;
        }
    };
    assert_eq!(answer["error"]["data"]["code"], "INVALID_INPUT", "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("percent-encoded") && message.contains("%25"), "{message}");
}
