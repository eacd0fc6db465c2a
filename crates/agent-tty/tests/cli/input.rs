//! Input and control commands (run, type, paste, send-keys, mark, resize, signal) and the
//! exact events they append.

use serde_json::{Value, json};

use crate::support::*;

/// Nothing of the hidden run machinery may reach the event log.
fn assert_no_run_machinery(t: &TestHome, id: &str) {
    let raw = t.events_raw(id);
    for needle in
        [r"\u001b_at", r"\u001b_agent-tty", r"printf '\\033\\137", r"\\033\\137", "agent-tty:run-complete:"]
    {
        assert!(!raw.contains(needle), "events.jsonl contains {needle:?}: {}", around(&raw, needle));
    }
    let events = t.checked_events(id);
    let output = output_of(&events);
    // (the postamble starts with `printf '\033\137`; `\033\137` never occurs in our commands)
    for needle in ["\u{1b}_", "\\033\\137", "__AT_MARKER_"] {
        assert!(!output.contains(needle), "output events contain {needle:?}: {:?}", around(&output, needle));
    }
    // every run_complete points at its own input_run
    let completes = of_type(&events, "run_complete");
    for complete in &completes {
        let input_seq = complete["payload"]["inputRunSeq"].as_u64().unwrap();
        let input = at_seq(&events, input_seq);
        assert_eq!(input["type"], "input_run");
        assert_eq!(input["payload"]["marker"], complete["payload"]["marker"]);
        assert!(complete["seq"].as_u64().unwrap() > input_seq);
    }
    let mut markers: Vec<&str> = completes.iter().map(|c| c["payload"]["marker"].as_str().unwrap()).collect();
    let before = markers.len();
    markers.sort_unstable();
    markers.dedup();
    assert_eq!(markers.len(), before, "one run_complete per marker");
}

/// A short excerpt of `text` around the first `needle`, for failure messages.
fn around(text: &str, needle: &str) -> String {
    let at = text.find(needle).unwrap_or(0);
    let mut start = at.saturating_sub(200);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + needle.len() + 200).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    text[start..end].to_string()
}

/// Many waited runs (multi-line, long output, control sequences, --file): every output
/// appears, no sentinel/postamble ever does.
#[test]
fn run_never_logs_sentinel_or_postamble() {
    let t = TestHome::new();
    let id = t.bash();
    let mut runs: Vec<Value> =
        vec![t.run_cmd(&id, "echo hello"), t.run_cmd(&id, "echo one-$((1))\necho two-$((2))")];
    runs.push(t.run_cmd(&id, "for i in $(seq 1 3000); do echo \"line $i\"; done"));
    runs.push(t.run_cmd(&id, "printf 'a%.0s' $(seq 1 5000); echo; printf '\\033[1mbold\\033[0m\\n'"));
    runs.push(t.run_cmd(&id, "true"));
    runs.push(t.run_cmd(&id, "echo \"it's $((40+2))\""));
    let script = t.path("script.sh");
    std::fs::write(&script, "echo from-$((5*5))\nfor i in 1 2 3; do echo \"file-$i\"; done\n").unwrap();
    let file_run = t.at(&["run", &id, "--file", script.to_str().unwrap(), "--json"]).ok("run");
    assert_eq!(file_run["completed"], true);
    runs.push(file_run.clone());
    for i in 0..15 {
        runs.push(t.run_cmd(&id, &format!("echo n-$(({i}+1000))")));
    }

    let events = t.checked_events(&id);
    let file_input = at_seq(&events, file_run["seq"].as_u64().unwrap());
    assert_eq!(
        file_input["payload"]["command"], "echo from-$((5*5))\nfor i in 1 2 3; do echo \"file-$i\"; done\n",
        "--file contents are used verbatim, trailing newline included"
    );
    assert_eq!(of_type(&events, "input_run").len(), runs.len());
    assert_eq!(of_type(&events, "run_complete").len(), runs.len());
    for run in &runs {
        let seq = run["seq"].as_u64().unwrap();
        assert_eq!(at_seq(&events, seq)["payload"]["marker"], run["marker"]);
    }
    let output = output_of(&events);
    for needle in [
        "hello\r\n",
        "one-1\r\n",
        "two-2\r\n",
        "line 1\r\n",
        "line 3000\r\n",
        "\u{1b}[1mbold\u{1b}[0m",
        "it's 42\r\n",
        "from-25\r\n",
        "file-3\r\n",
        "n-1000\r\n",
        "n-1014\r\n",
    ] {
        assert!(output.contains(needle), "output lacks {needle:?}");
    }
    assert!(output.contains(&"a".repeat(5000)), "long line is complete");
    assert_no_run_machinery(&t, &id);
}

/// `run --no-wait`: `{accepted, seq}`, an `input_run` without `marker`, no run_complete.
#[test]
fn run_no_wait() {
    let t = TestHome::new();
    let id = t.bash();
    let out = t.at(&["run", &id, "echo nowait-$((3*3))", "--no-wait", "--json"]);
    let result = out.ok("run");
    assert_keys(&result, &["accepted", "seq"]);
    assert_eq!(result["accepted"], true);
    t.wait_output(&id, "nowait-9\r\n");
    let events = t.checked_events(&id);
    let input = at_seq(&events, result["seq"].as_u64().unwrap());
    assert_eq!(input["type"], "input_run");
    assert_eq!(input["payload"], json!({"command": "echo nowait-$((3*3))", "noWait": true}));
    assert!(of_type(&events, "run_complete").is_empty());
    // the input event precedes the echo of the command
    let echo_seq = events
        .iter()
        .find(|e| e["type"] == "output" && e["payload"]["data"].as_str().unwrap().contains("nowait"))
        .map(|e| e["seq"].as_u64().unwrap())
        .unwrap();
    assert!(echo_seq > result["seq"].as_u64().unwrap());
    let human = t.at(&["run", &id, "true", "--no-wait"]).human_ok().to_string();
    let events = t.checked_events(&id);
    let last_input = events.iter().rev().find(|e| e["type"] == "input_run").unwrap()["seq"].as_u64().unwrap();
    assert_eq!(human, format!("Command injected into session (seq={last_input}).\n"));
    assert_no_run_machinery(&t, &id);
}

/// A waited run that times out: exit 0, `completed:false, timedOut:true`; the late
/// sentinel is still stripped and still produces `run_complete`.
#[test]
fn run_timeout_then_late_completion() {
    let t = TestHome::new();
    let id = t.bash();
    let out = t.at(&["run", &id, "sleep 1; echo late-$((2+2))", "--timeout", "100", "--json"]);
    let result = out.ok("run");
    // A timed-out run carries what was printed so far, but no exit status or cwd.
    assert_keys(
        &result,
        &["accepted", "completed", "timedOut", "seq", "durationMs", "marker", "output", "outputTruncated"],
    );
    assert_eq!(result["completed"], false);
    assert_eq!(result["timedOut"], true);
    let marker = result["marker"].as_str().unwrap().to_string();
    let human = t.at(&["run", &id, "sleep 1", "--timeout", "50"]);
    let text = human.human_ok();
    assert!(
        text.starts_with("Command timed out after ") && text.contains("ms (seq=") && text.ends_with(").\n"),
        "human timeout line: {text:?}"
    );
    wait_until("the late run_complete of both runs is logged", DEADLINE, || {
        of_type(&t.events(&id), "run_complete").len() == 2
    });
    let events = t.checked_events(&id);
    let completes = of_type(&events, "run_complete");
    assert_eq!(completes[0]["payload"], json!({"marker": marker, "inputRunSeq": result["seq"]}));
    assert!(output_of(&events).contains("late-4\r\n"));
    assert_no_run_machinery(&t, &id);
}

/// `type` writes text as is; `--append-newline` appends LF; `--file` is verbatim; the
/// input event precedes the echo.
#[test]
fn type_text_and_file() {
    let t = TestHome::new();
    let id = t.bash();
    let first = t.at(&["type", &id, "echo typed-$((6*", "--json"]).ok("type");
    let second = t.at(&["type", &id, "7))", "--append-newline", "--json"]).ok("type");
    t.wait_output(&id, "typed-42\r\n");
    let file = t.path("typed.txt");
    std::fs::write(&file, "echo from-file-$((10+1))\n").unwrap();
    let third = t.at(&["type", &id, "--file", file.to_str().unwrap(), "--json"]).ok("type");
    t.wait_output(&id, "from-file-11\r\n");
    let with_newline =
        t.at(&["type", &id, "--file", file.to_str().unwrap(), "--append-newline", "--json"]).ok("type");
    let events = t.checked_events(&id);
    let data = |r: &Value| at_seq(&events, r["seq"].as_u64().unwrap())["payload"].clone();
    assert_eq!(at_seq(&events, first["seq"].as_u64().unwrap())["type"], "input_text");
    assert_eq!(data(&first), json!({"data": "echo typed-$((6*"}));
    assert_eq!(data(&second), json!({"data": "7))\n"}));
    assert_eq!(data(&third), json!({"data": "echo from-file-$((10+1))\n"}));
    assert_eq!(data(&with_newline), json!({"data": "echo from-file-$((10+1))\n\n"}));
    let typed_seq = first["seq"].as_u64().unwrap();
    let echo = events
        .iter()
        .find(|e| e["type"] == "output" && e["payload"]["data"].as_str().unwrap().contains("typed-"))
        .unwrap();
    assert!(echo["seq"].as_u64().unwrap() > typed_seq, "input_text precedes its echo");
    // UTF-8 text is passed through unchanged
    let unicode = t.at(&["type", &id, "echo ünï-✓", "--append-newline", "--json"]).ok("type");
    t.wait_output(&id, "ünï-✓\r\n");
    let events = t.checked_events(&id);
    assert_eq!(at_seq(&events, unicode["seq"].as_u64().unwrap())["payload"]["data"], "echo ünï-✓\n");
}

/// `paste` always wraps in bracketed-paste markers (also with `--file`), and bash runs it.
#[test]
fn paste_is_bracketed() {
    let t = TestHome::new();
    let id = t.bash();
    let pasted = t.at(&["paste", &id, "echo pasted-$((4+4))", "--json"]).ok("paste");
    t.at(&["send-keys", &id, "Enter", "--json"]).ok("send-keys");
    t.wait_output(&id, "pasted-8\r\n");
    let file = t.path("paste.txt");
    std::fs::write(&file, "line one\nline two\n").unwrap();
    let from_file = t.at(&["paste", &id, "--file", file.to_str().unwrap(), "--json"]).ok("paste");
    let events = t.checked_events(&id);
    let e = at_seq(&events, pasted["seq"].as_u64().unwrap());
    assert_eq!(e["type"], "input_paste");
    assert_eq!(e["payload"], json!({"data": "\u{1b}[200~echo pasted-$((4+4))\u{1b}[201~"}));
    let e = at_seq(&events, from_file["seq"].as_u64().unwrap());
    assert_eq!(e["payload"], json!({"data": "\u{1b}[200~line one\nline two\n\u{1b}[201~"}));
    assert!(of_type(&events, "input_text").is_empty(), "paste is not logged as input_text");
}

/// The key encoder, byte for byte: keys are sent to `od` in a raw-mode terminal, which
/// prints the bytes it received.
#[test]
fn send_keys_bytes_reach_the_program() {
    let t = TestHome::new();
    let id = t.bash();
    let keys: &[(&str, &[u8])] = &[
        ("Enter", b"\r"),
        ("ctrl+c", b"\x03"),
        ("Ctrl + C", b"\x03"),
        ("shift+Up", b"\x1b[1;2A"),
        ("ctrl+shift+Up", b"\x1b[1;6A"),
        ("alt+Up", b"\x1b[1;3A"),
        ("F1", b"\x1bOP"),
        ("F5", b"\x1b[15~"),
        ("F12", b"\x1b[24~"),
        ("alt+x", b"\x1bx"),
        ("Tab", b"\t"),
        ("shift+Tab", b"\x1b[Z"),
        ("alt+Enter", b"\x1b\r"),
        ("Escape", b"\x1b"),
        ("Backspace", b"\x7f"),
        ("Space", b" "),
        ("A", b"A"),
        ("shift+a", b"A"),
        ("ctrl+alt+a", b"\x1b\x01"),
        ("ctrl+[", b"\x1b"),
        ("ctrl+?", b"\x7f"),
        ("Home", b"\x1b[H"),
        ("End", b"\x1b[F"),
        ("PageDown", b"\x1b[6~"),
        ("Delete", b"\x1b[3~"),
        ("shift+F5", b"\x1b[15;2~"),
        ("down", b"\x1b[B"),
    ];
    let expected: Vec<u8> = keys.iter().flat_map(|(_, b)| b.iter().copied()).collect();
    let total = expected.len();
    t.at(&[
        "run",
        &id,
        &format!("stty raw -echo; echo READY-$((1+1)); head -c {total} | od -An -tx1 -v; stty sane"),
        "--no-wait",
        "--json",
    ])
    .ok("run");
    t.wait_output(&id, "READY-2");
    let mut args = vec!["send-keys", id.as_str()];
    args.extend(keys.iter().map(|(k, _)| *k));
    args.push("--json");
    let result = t.at(&args).ok("send-keys");
    let names: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
    assert_eq!(result["accepted"], json!(names), "accepted echoes the names exactly as given");
    assert_eq!(result["bytesWritten"], total);
    let hex = || -> Vec<u8> {
        let output = t.output_text(&id);
        let after = output.rsplit_once("READY-2").map(|(_, a)| a.to_string()).unwrap_or_default();
        after
            .split_whitespace()
            .take_while(|tok| tok.len() == 2 && tok.bytes().all(|c| c.is_ascii_hexdigit()))
            .map(|tok| u8::from_str_radix(tok, 16).unwrap())
            .collect()
    };
    wait_until("od printed every byte the keys produced", DEADLINE, || hex().len() >= total);
    assert_eq!(hex(), expected, "bytes received by the program");
    let events = t.checked_events(&id);
    let e = at_seq(&events, result["seq"].as_u64().unwrap());
    assert_eq!(e["type"], "input_keys");
    assert_eq!(e["payload"], json!({"keys": names}));
}

/// Invalid key names: exit 2 `INVALID_KEYS` with the encoder's message (0.5.0's, plus a
/// hint in parentheses for unknown names), and nothing is written or logged (not even the
/// valid keys before the bad one).
#[test]
fn send_keys_invalid_writes_nothing() {
    let t = TestHome::new();
    let id = t.bash();
    let cases: &[(&[&str], &str)] = &[
        (&["BOGUS"], "Unknown base key: BOGUS (text is not a key name: send it with `type`)"),
        (&["Enter", "BOGUS"], "Unknown base key: BOGUS (text is not a key name: send it with `type`)"),
        (&["ctrl+Enter"], "Unsupported modifier combination for enter: ctrl"),
        (&["meta+a"], "Unknown modifier: meta (did you mean alt+a?)"),
        (&["ctrl+ctrl+a"], "Duplicate modifier: ctrl"),
        (&["ctrl+shift"], "Missing base key in ctrl+shift"),
        (&["shift+1"], "Unsupported modifier combination for 1: shift"),
        (&["F13"], "Unknown base key: F13 (function keys go from F1 to F12)"),
        (&["esc"], "Unknown base key: esc (did you mean Escape?)"),
        (
            &["é"],
            "Unknown base key: é (only printable ASCII characters are keys: send other text with `type`)",
        ),
    ];
    for (keys, message) in cases {
        let mut args = vec!["send-keys", id.as_str()];
        args.extend_from_slice(keys);
        args.push("--json");
        let error = t.at(&args).err("send-keys", 2, "INVALID_KEYS");
        assert_eq!(error["message"], *message, "keys {keys:?}");
    }
    let message = t.at(&["send-keys", &id, "BOGUS"]).human_err(2, "INVALID_KEYS");
    assert_eq!(message, "Unknown base key: BOGUS (text is not a key name: send it with `type`)");
    // an empty key name fails RPC parameter validation
    t.at(&["send-keys", &id, "", "--json"]).err("send-keys", 9, "RPC_ERROR");
    let mark = t.at(&["mark", &id, "after", "--json"]).ok("mark");
    let events = t.checked_events(&id);
    assert_eq!(at_seq(&events, mark["seq"].as_u64().unwrap())["type"], "marker");
    assert!(of_type(&events, "input_keys").is_empty(), "a rejected send-keys logs nothing");
}

/// `mark` appends `marker {label}` (any label, even empty) and writes nothing to the PTY.
#[test]
fn mark_labels() {
    let t = TestHome::new();
    let id = t.bash();
    t.at(&["wait", &id, "--idle-ms", "100", "--timeout", "20000", "--json"]).ok("wait");
    let labels = ["step-1", "", "with spaces", "ünïcode ✓", "-dash"];
    let mut seqs = Vec::new();
    for label in labels {
        let result = if label.starts_with('-') {
            t.at(&["mark", &id, "--json", "--", label]).ok("mark")
        } else {
            t.at(&["mark", &id, label, "--json"]).ok("mark")
        };
        assert_keys(&result, &["seq"]);
        seqs.push(result["seq"].as_u64().unwrap());
    }
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "nothing else was logged between marks: {seqs:?}");
    let events = t.checked_events(&id);
    for (label, seq) in labels.iter().zip(&seqs) {
        assert_eq!(at_seq(&events, *seq)["payload"], json!({"label": label}));
    }
    let human = t.at(&["mark", &id, "h"]).human_ok().to_string();
    assert_eq!(human, format!("Marker set at seq {}.\n", seqs.last().unwrap() + 1));
}

/// `resize`: result echoes the request, the PTY size changes, session.json updates
/// cols/rows but not creationCols/Rows, inspect reflects it, one `resize` event.
#[test]
fn resize_updates_everything() {
    let t = TestHome::new();
    let id = t.bash();
    let result = t.at(&["resize", &id, "--cols", "100.7", "--rows", "33", "--json"]).ok("resize");
    assert_eq!(result, json!({"cols": 100, "rows": 33}), "parseInt semantics");
    t.run_cmd(&id, "stty size");
    assert!(t.output_text(&id).contains("33 100\r\n"));
    let manifest = t.manifest(&id);
    assert_eq!((manifest["cols"].clone(), manifest["rows"].clone()), (json!(100), json!(33)));
    assert_eq!((manifest["creationCols"].clone(), manifest["creationRows"].clone()), (json!(80), json!(24)));
    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(
        (inspected["session"]["cols"].clone(), inspected["session"]["rows"].clone()),
        (json!(100), json!(33))
    );
    let inspect_human = t.at(&["inspect", &id]).human_ok().to_string();
    assert!(inspect_human.lines().any(|l| l == "Size: 100x33"), "{inspect_human}");
    let events = t.checked_events(&id);
    let resizes = of_type(&events, "resize");
    assert_eq!(resizes.len(), 1);
    assert_eq!(resizes[0]["payload"], json!({"cols": 100, "rows": 33}));
}

/// The `resize` event is logged before the application's SIGWINCH redraw (spec 07 #22).
#[test]
fn resize_event_precedes_redraw() {
    let t = TestHome::new();
    let created = t.create(
        &[],
        &["sh", "-c", "trap 'echo \"winch $(stty size)\"' WINCH; echo ready; while :; do sleep 0.05; done"],
    );
    let id = created["sessionId"].as_str().unwrap().to_string();
    t.wait_output(&id, "ready");
    t.at(&["resize", &id, "--cols", "120", "--rows", "40", "--json"]).ok("resize");
    t.wait_output(&id, "winch 40 120");
    let events = t.checked_events(&id);
    let resize_seq = of_type(&events, "resize")[0]["seq"].as_u64().unwrap();
    let redraw_seq = events
        .iter()
        .find(|e| e["type"] == "output" && e["payload"]["data"].as_str().unwrap().contains("winch"))
        .unwrap()["seq"]
        .as_u64()
        .unwrap();
    assert!(resize_seq < redraw_seq, "resize (seq {resize_seq}) must precede the redraw (seq {redraw_seq})");
}

/// `signal` reaches the program (child PID) and is logged after delivery.
#[test]
fn signal_term_reaches_program() {
    let t = TestHome::new();
    let created = t.create(
        &[],
        &["sh", "-c", "trap 'echo got-term; exit 5' TERM; echo ready; while :; do sleep 0.05; done"],
    );
    let id = created["sessionId"].as_str().unwrap().to_string();
    t.wait_output(&id, "ready");
    let human = t.at(&["signal", &id, "SIGTERM"]).human_ok().to_string();
    assert_eq!(human, "Signal SIGTERM delivered to session.\n");
    let waited = t.at(&["wait", &id, "--exit", "--timeout", "20000", "--json"]).ok("wait");
    assert_eq!(waited, json!({"timedOut": false, "exitCode": 5}));
    let events = t.checked_events(&id);
    assert_eq!(of_type(&events, "signal")[0]["payload"], json!({"signal": "SIGTERM"}));
    assert!(output_of(&events).contains("got-term"));
    assert_eq!(events.last().unwrap()["payload"], json!({"exitCode": 5, "exitSignal": null}));
}

/// SIGKILL of the program: exitCode 0 + exitSignal "9" (node-pty semantics), category
/// `signal-exit`; further signals are refused with exit 4.
#[test]
fn signal_kill_ends_session() {
    let t = TestHome::new();
    let id = t.bash();
    let result = t.at(&["signal", &id, "SIGKILL", "--json"]).ok("signal");
    assert_eq!(result, json!({"signal": "SIGKILL", "delivered": true}));
    let waited = t.at(&["wait", &id, "--exit", "--timeout", "20000", "--json"]).ok("wait");
    assert_eq!(waited, json!({"timedOut": false, "exitCode": 0}));
    let manifest = t.manifest(&id);
    assert_eq!(manifest["status"], "exited");
    assert_eq!(manifest["exitSignal"], "9");
    let events = t.checked_events(&id);
    assert_eq!(events.last().unwrap()["payload"], json!({"exitCode": 0, "exitSignal": "9"}));
    assert_eq!(t.at(&["inspect", &id, "--json"]).ok("inspect")["terminationCategory"], "signal-exit");
    let error = t.at(&["signal", &id, "SIGTERM", "--json"]).err("signal", 4, "SESSION_NOT_RUNNING");
    assert_eq!(error["details"], json!({"sessionId": id, "status": "exited"}));
}

/// SIGINT to an interactive bash does not end it; `send-keys ctrl+c` interrupts the
/// foreground job.
#[test]
fn ctrl_c_interrupts_foreground_job() {
    let t = TestHome::new();
    let id = t.bash();
    t.at(&["run", &id, "sleep 1000; echo after-$((1+1))", "--no-wait", "--json"]).ok("run");
    let shell = pid_of(&t.manifest(&id), "childPid");
    let mut sleeper = None;
    wait_until("the shell started `sleep 1000`", DEADLINE, || {
        sleeper = children(shell).into_iter().find(|(_, comm)| comm == "sleep").map(|(pid, _)| pid);
        sleeper.is_some()
    });
    let sleeper = sleeper.unwrap();
    t.track_pid(sleeper);
    let keys = t.at(&["send-keys", &id, "ctrl+c", "--json"]).ok("send-keys");
    assert_eq!(keys["bytesWritten"], 1);
    let run = t.run_cmd(&id, "echo alive-$((2+3))");
    assert_eq!(run["completed"], true);
    let output = t.output_text(&id);
    assert!(output.contains("alive-5\r\n"));
    assert!(!output.contains("after-2"), "ctrl+c interrupted the whole list");
    assert!(pid_gone(sleeper), "the foreground job was interrupted");
}

/// A program that stops reading its input cannot make the host queue input without end:
/// past the limit (32 MiB waiting), input commands fail with a retryable `HOST_TIMEOUT`
/// and the host keeps serving.
#[test]
fn input_for_a_program_that_never_reads_is_bounded() {
    let t = TestHome::new();
    // Raw mode: the line discipline holds input for the reader instead of dropping it.
    let created = t.create(&[], &["sh", "-c", "stty raw -echo; echo RAW-READY; exec sleep 600"]);
    let id = created["sessionId"].as_str().unwrap().to_string();
    t.at(&["wait", &id, "--text", "RAW-READY", "--timeout", "10000", "--json"]).ok("wait");
    let chunk = t.path("chunk.txt");
    std::fs::write(&chunk, "x".repeat(1_000_000)).unwrap();
    let mut refused = None;
    for attempt in 0..40 {
        let out = t.at(&["type", &id, "--file", chunk.to_str().unwrap(), "--json"]);
        if out.code != 0 {
            refused = Some((attempt, out));
            break;
        }
    }
    let (attempt, out) = refused.expect("the host refused input at some point");
    assert!(attempt >= 30, "about 32 MB were accepted first, refused at attempt {attempt}");
    let error = out.err("type", 5, "HOST_TIMEOUT");
    assert!(error["message"].as_str().unwrap().contains("not reading its input"), "{error}");
    assert_eq!(error["retryable"], true);
    let inspect = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspect["session"]["status"], "running", "the host still serves");
}
