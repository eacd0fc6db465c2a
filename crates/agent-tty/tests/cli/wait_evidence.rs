//! `wait --in output` (never matching the echo of the typed input) and the evidence every
//! wait time-out carries: render waits live and offline, `--exit` / `--idle-ms`, the
//! human output and batch wait steps.

use serde_json::{Value, json};

use crate::support::*;

/// A timed-out `wait --json` (exit 11): its `evidence`, after the 0.5 keys.
fn timed_out_evidence(out: &Out, keys: &[&str]) -> Value {
    let result = out.ok_with_exit("wait", 11);
    let mut expected = keys.to_vec();
    expected.push("evidence");
    assert_keys(&result, &expected);
    assert_eq!(result["timedOut"], true);
    result["evidence"].clone()
}

const RENDER_TIMEOUT_KEYS: [&str; 3] = ["matched", "timedOut", "capturedAtSeq"];

/// Whether `line` is bash's default prompt (`bash-5.2#` / `bash-5.2$`, trailing space
/// trimmed).
fn is_bash_prompt(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("bash-") else { return false };
    let Some(version) = rest.strip_suffix('#').or_else(|| rest.strip_suffix('$')) else { return false };
    !version.is_empty() && version.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// The typed line's echo is on screen but is not output: a wait `--in output` times out
/// (with the input's seq as `outputSinceSeq`), then matches once the program prints it.
#[test]
fn in_output_never_matches_the_echo_of_the_typed_command() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let typed = t.type_text(&id, "sleep 1; echo READY\n");
    let out = t.at(&["wait", &id, "--text", "READY", "--in", "output", "--timeout", "300", "--json"]);
    let evidence = timed_out_evidence(&out, &RENDER_TIMEOUT_KEYS);
    assert_eq!(evidence["outputSinceSeq"], typed, "{evidence}");
    assert!(evidence["lastLines"].to_string().contains("echo READY"), "the echo is on screen: {evidence}");
    let summary = evidence["summary"].as_str().unwrap();
    assert!(summary.contains(&format!("in the output since seq {typed}")), "{summary}");
    assert!(summary.contains("although the screen shows it"), "{summary}");
    assert_eq!(evidence["programRunning"], true);

    let matched = t.wait_render(&id, &["--text", "READY", "--in", "output"]);
    assert_eq!(matched["matchedText"], "READY");
    assert!(matched.get("evidence").is_none(), "a match carries no evidence: {matched}");
}

/// With shell integration (bash started without `--norc`), the output is counted from the
/// command's start mark (OSC 133 C), live and offline.
#[test]
fn in_output_starts_at_the_command_start_mark() {
    let t = TestHome::new();
    let id = t.create(&[], &["bash"])["sessionId"].as_str().unwrap().to_string();
    t.wait_render(&id, &["--regex", r"[#$]\n*$"]);
    let typed = t.type_text(&id, "sleep 1; echo READY\n");
    let out = t.at(&["wait", &id, "--text", "READY", "--in", "output", "--timeout", "300", "--json"]);
    let evidence = timed_out_evidence(&out, &RENDER_TIMEOUT_KEYS);
    let events = t.checked_events(&id);
    let start = events
        .iter()
        .find(|e| {
            e["type"] == "marker"
                && e["payload"]["label"].as_str().unwrap().starts_with("agent-tty:command-start")
        })
        .expect("bash with shell integration marks the command's start");
    assert!(start["seq"].as_u64().unwrap() > typed);
    assert_eq!(evidence["outputSinceSeq"], start["seq"], "{evidence}");
    assert_eq!(t.wait_render(&id, &["--text", "READY", "--in", "output"])["matchedText"], "READY");
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    wait_until("the session is destroyed", DEADLINE, || t.listed_status(&id).as_deref() == Some("destroyed"));
    let offline = t.at(&["wait", &id, "--text", "READY", "--in", "output", "--json"]).ok("wait");
    assert_eq!(offline["matched"], true, "{offline}");
    t.at(&["wait", &id, "--text", "echo READY", "--in", "output", "--json"]).err("wait", 10, "REPLAY_ERROR");
}

/// After `run --no-wait`, the command line's echo does not count; its output does.
#[test]
fn in_output_after_a_run_no_wait() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.at(&["run", &id, "echo $((6*7))X", "--no-wait", "--json"]).ok("run");
    let matched = t.wait_render(&id, &["--text", "42X", "--in", "output"]);
    assert_eq!(matched["matchedText"], "42X");
    let regex = t.wait_render(&id, &["--regex", r"\d+X\n", "--in", "output"]);
    assert_eq!(regex["matchedText"], "42X\n");
    // `6*7` is only in the echo of the command line.
    let out = t.at(&["wait", &id, "--text", "6*7", "--in", "output", "--timeout", "200", "--json"]);
    timed_out_evidence(&out, &RENDER_TIMEOUT_KEYS);
    // On the screen it is there.
    assert_eq!(t.wait_render(&id, &["--text", "6*7"])["matchedText"], "6*7");
    // Keys that type text echo it too: `^` anchors at the first character printed after it.
    t.send_keys(&id, &["e", "c", "h", "o", "space", "o", "k", "Enter"]);
    assert_eq!(t.wait_render(&id, &["--regex", r"^ok\n", "--in", "output"])["matchedText"], "ok\n");
}

/// A text wait that times out: the screen's last lines, hash and cursor, the last output,
/// the program running at its prompt, and the closest line (1 edit away); the human
/// output says the same.
#[test]
fn a_time_out_carries_the_screen_and_the_nearest_miss() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_settled(&id, "echo hello world", "hello world");
    let snap = t.snapshot(&id, &[]);
    let out = t.at(&["wait", &id, "--text", "hello wrld", "--timeout", "200", "--json"]);
    let evidence = timed_out_evidence(&out, &RENDER_TIMEOUT_KEYS);
    let mut keys = vec!["lastLines", "linesOmitted", "screenHash", "cursorRow", "cursorCol"];
    keys.extend([
        "lastOutputSeq",
        "lastOutputAgeMs",
        "programRunning",
        "nearMiss",
        "waitingForInput",
        "summary",
    ]);
    assert_keys(&evidence, &keys);
    let lines = line_texts(&snap["visibleLines"]);
    let shown: Vec<String> = lines.iter().take_while(|l| !l.is_empty()).cloned().collect();
    assert_eq!(evidence["lastLines"], json!(shown));
    assert_eq!(evidence["linesOmitted"], 0);
    assert_eq!(evidence["screenHash"], snap["screenHash"]);
    assert_eq!((&evidence["cursorRow"], &evidence["cursorCol"]), (&snap["cursorRow"], &snap["cursorCol"]));
    let events = t.checked_events(&id);
    let last_output = events.iter().rev().find(|e| e["type"] == "output").unwrap();
    assert_eq!(evidence["lastOutputSeq"], last_output["seq"]);
    assert!(evidence["lastOutputAgeMs"].as_u64().unwrap() >= 200, "{evidence}");
    assert_eq!(evidence["programRunning"], true);
    let row = lines.iter().rposition(|l| l == "hello world").unwrap();
    assert_eq!(evidence["nearMiss"], json!({"text": "hello world", "row": row, "distance": 1}));
    let waiting = &evidence["waitingForInput"];
    assert_eq!((&waiting["cursorRow"], &waiting["cursorCol"]), (&snap["cursorRow"], &snap["cursorCol"]));
    assert_eq!(waiting["prompt"], true, "{waiting}");
    assert!(is_bash_prompt(waiting["lastLine"].as_str().unwrap()), "{waiting}");
    let summary = evidence["summary"].as_str().unwrap();
    assert!(summary.contains(r#"the closest is row"#) && summary.contains("(1 edit away)"), "{summary}");

    let human = t.at(&["wait", &id, "--text", "hello wrld", "--timeout", "200"]);
    human.exit(11);
    let text = &human.stdout;
    assert!(text.starts_with("Wait timed out. (capturedAtSeq: "), "{text}");
    assert!(text.contains("Timed out: the text \"hello wrld\" was not found on the screen"), "{text}");
    assert!(text.contains("  | hello world\n"), "{text}");
    assert_eq!(human.stderr, "");
}

/// Text that is there, but only before `--after-seq`: `beforeBaseline`, no near miss.
#[test]
fn a_baseline_that_excludes_the_text_is_named() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_settled(&id, "echo baseline-text", "baseline-text");
    let last = t.last_seq(&id);
    let after = last.to_string();
    let out =
        t.at(&["wait", &id, "--text", "baseline-text", "--after-seq", &after, "--timeout", "200", "--json"]);
    let evidence = timed_out_evidence(&out, &RENDER_TIMEOUT_KEYS);
    assert_eq!(evidence["beforeBaseline"], json!({"seq": last, "afterSeq": last}), "{evidence}");
    assert!(evidence.get("nearMiss").is_none(), "{evidence}");
    assert!(evidence["summary"].as_str().unwrap().contains("appeared before your baseline"), "{evidence}");
}

/// `wait --exit` on a shell at its prompt: the evidence says it waits for input, with the
/// prompt line and the cursor; the legacy result keeps `timedOut` first.
#[test]
fn an_exit_wait_on_an_idle_shell_says_it_waits_for_input() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let snap = t.snapshot(&id, &[]);
    let out = t.at(&["wait", &id, "--exit", "--timeout", "500", "--json"]);
    let evidence = timed_out_evidence(&out, &["timedOut"]);
    let waiting = &evidence["waitingForInput"];
    assert_keys(waiting, &["lastLine", "cursorRow", "cursorCol", "prompt", "readingTerminal"]);
    assert!(is_bash_prompt(waiting["lastLine"].as_str().unwrap()), "{waiting}");
    assert_eq!((&waiting["cursorRow"], &waiting["cursorCol"]), (&snap["cursorRow"], &snap["cursorCol"]));
    let summary = evidence["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("Timed out: the program did not exit; the program is still running"),
        "{summary}"
    );
    assert!(summary.contains("waiting for input (the screen ends in a prompt"), "{summary}");

    // `cat` is no prompt, but it sleeps in a terminal read.
    t.at(&["run", &id, "cat", "--no-wait", "--json"]).ok("run");
    let mut evidence = Value::Null;
    wait_until("cat reads the terminal", DEADLINE, || {
        let out = t.at(&["wait", &id, "--exit", "--timeout", "100", "--json"]);
        evidence = timed_out_evidence(&out, &["timedOut"]);
        evidence["waitingForInput"]["readingTerminal"] == true
    });
    assert_eq!(evidence["waitingForInput"]["prompt"], false, "{evidence}");
    assert!(evidence["summary"].as_str().unwrap().contains("blocked reading the terminal"), "{evidence}");
    t.send_keys(&id, &["ctrl+c"]);
}

/// `--idle-ms` during steady output: the last output is younger than the idle time.
#[test]
fn an_idle_wait_during_output_shows_the_latest_output() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.at(&["run", &id, "while :; do echo tick; sleep 0.02; done", "--no-wait", "--json"]).ok("run");
    t.wait_render(&id, &["--text", "tick\ntick", "--in", "output"]);
    let out = t.at(&["wait", &id, "--idle-ms", "400", "--timeout", "600", "--json"]);
    let evidence = timed_out_evidence(&out, &["timedOut"]);
    assert!(evidence["lastOutputAgeMs"].as_u64().unwrap() < 400, "{evidence}");
    assert_eq!(evidence["programRunning"], true);
    assert!(evidence.get("waitingForInput").is_none(), "{evidence}");
    assert_eq!(evidence["lastLines"].as_array().unwrap().last().unwrap(), "tick", "{evidence}");
    assert!(
        evidence["summary"].as_str().unwrap().starts_with("Timed out: the output never paused for 400 ms")
    );
    t.send_keys(&id, &["ctrl+c"]);
}

/// Once the host is gone: `--in output` is rebuilt from the log, and a condition that
/// does not hold is a `REPLAY_ERROR` whose details carry the evidence.
#[test]
fn offline_waits_rebuild_the_output_and_explain_a_miss() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.at(&["run", &id, "echo $((6*7))X; echo hello world", "--no-wait", "--json"]).ok("run");
    t.settle(&id, "hello world");
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    wait_until("the session is destroyed", DEADLINE, || t.listed_status(&id).as_deref() == Some("destroyed"));

    let matched = t.at(&["wait", &id, "--text", "42X", "--in", "output", "--json"]).ok("wait");
    assert_eq!((&matched["matched"], &matched["matchedText"]), (&json!(true), &json!("42X")));
    let error =
        t.at(&["wait", &id, "--text", "6*7", "--in", "output", "--json"]).err("wait", 10, "REPLAY_ERROR");
    assert_eq!(error["details"]["in"], "output");
    assert_eq!(error["details"]["evidence"]["programRunning"], false);

    let error = t.at(&["wait", &id, "--text", "hello wrld", "--json"]).err("wait", 10, "REPLAY_ERROR");
    let evidence = &error["details"]["evidence"];
    assert_eq!(evidence["nearMiss"]["text"], "hello world", "{evidence}");
    assert_eq!(evidence["nearMiss"]["distance"], 1);
    assert_eq!(evidence["screenHash"], t.snapshot(&id, &[])["screenHash"]);
    assert!(evidence.get("waitingForInput").is_none(), "nothing runs: {evidence}");
    let summary = evidence["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("Offline (the host is gone): the text \"hello wrld\" was not found"),
        "{summary}"
    );
    assert!(summary.contains("the program has exited"), "{summary}");
}

/// Batch wait steps take `"in"` and carry the evidence on a timed-out record.
#[test]
fn batch_wait_steps_in_output_carry_the_evidence() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let plan = r#"[{"type":"sleep 1; echo BATCH-READY\n"},
                  {"wait":{"text":"BATCH-READY","in":"output","timeout":300}},
                  {"wait":{"text":"BATCH-READY","in":"output","timeout":20000}}]"#;
    let out = t.at(&["batch", &id, plan, "--keep-going", "--json"]);
    let result = out.ok_with_exit("batch", 1);
    let steps = result["steps"].as_array().unwrap();
    assert_eq!(result["failedIndices"], json!([1]), "{result}");
    assert_eq!(steps[1]["error"]["code"], "WAIT_TIMEOUT");
    let evidence = &steps[1]["evidence"];
    assert_eq!(evidence["outputSinceSeq"], steps[0]["seq"], "{evidence}");
    assert!(evidence["summary"].as_str().unwrap().contains("although the screen shows it"), "{evidence}");
    let keys: Vec<&String> = steps[1].as_object().unwrap().keys().collect();
    assert_eq!(keys[keys.len() - 2..], ["evidence", "error"], "evidence after the 0.5 keys, before error");
    assert_eq!((&steps[2]["status"], &steps[2]["matchedText"]), (&json!("completed"), &json!("BATCH-READY")));

    let human = t.at(&["batch", &id, r#"[{"wait":{"text":"no-such-text","timeout":100}}]"#]);
    human.exit(11);
    let lines: Vec<&str> = human.stdout.lines().collect();
    assert!(lines[0].starts_with("[0] wait failed (WAIT_TIMEOUT)"), "{}", human.stdout);
    assert!(lines[2].starts_with("failed at step 0: WAIT_TIMEOUT"), "the 0.5 lines first: {}", human.stdout);
    assert!(
        lines[3].starts_with("step 0: Timed out: the text \"no-such-text\" was not found"),
        "{}",
        human.stdout
    );
    assert!(lines[4].starts_with("    Screen (cursor at row "), "{}", human.stdout);
    let bad = t.at(&["batch", &id, r#"[{"wait":{"text":"x","in":"scrollback"}}]"#, "--json"]);
    bad.err("batch", 2, "INVALID_INPUT");
}

/// `--in` is checked before anything is sent.
#[test]
fn in_flag_validation() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let error = t.at(&["wait", &id, "--in", "output", "--json"]).err("wait", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("--in output needs --text or --regex"), "{error}");
    let error = t.at(&["wait", &id, "--in", "output", "--screen-stable-ms", "100", "--json"]).err(
        "wait",
        2,
        "INVALID_INPUT",
    );
    assert!(error["message"].as_str().unwrap().contains("needs text or regex"), "{error}");
    let error = t.at(&["wait", &id, "--in", "log", "--text", "x", "--json"]).err("wait", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("--in must be screen"), "{error}");
    let error = t.at(&["wait", &id, "--in", "output", "--exit", "--json"]).err("wait", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("Cannot mix"), "{error}");
}
