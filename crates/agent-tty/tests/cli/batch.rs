//! `batch`: step records and the Wait Baseline, fail-fast and `--keep-going`, plans that
//! are rejected before anything is sent, session resolution, SIGINT/SIGTERM flushing
//! the records so far, and `export` steps (the result `record export` prints).

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::support::*;

const WAIT_KEYS: [&str; 10] = [
    "index",
    "durationMs",
    "kind",
    "status",
    "waitBaseline",
    "matched",
    "timedOut",
    "matchedText",
    "capturedAtSeq",
    "screenHash",
];
/// A finished run step: 0.5's keys, then the command's outcome.
const RUN_KEYS: [&str; 13] = [
    "index",
    "durationMs",
    "kind",
    "status",
    "seq",
    "noWait",
    "completed",
    "timedOut",
    "runOutcome",
    "exitCode",
    "cwd",
    "output",
    "outputTruncated",
];
const INPUT_KEYS: [&str; 5] = ["index", "durationMs", "kind", "status", "seq"];

fn batch_result(out: &Out, exit: i32) -> Value {
    let result = if exit == 0 { out.ok("batch") } else { out.ok_with_exit("batch", exit) };
    assert_keys(&result, &["steps", "completedCount", "failedIndices"]);
    for (i, step) in result["steps"].as_array().unwrap().iter().enumerate() {
        assert_eq!(step["index"], i as u64);
        assert!(step["durationMs"].is_u64());
    }
    result
}

/// The observed-envelope plan: run, wait, type, sendKeys, wait — every record's exact
/// keys, the seqs of the events each input step appended, and `waitBaseline` = the seq
/// of the previous input step.
#[test]
fn observed_plan() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let plan = r#"[{"run":"echo batch-one"},{"wait":{"text":"batch-one"}},{"type":"echo typed-in-batch"},{"sendKeys":["Enter"]},{"wait":{"text":"typed-in-batch","timeout":5000}}]"#;
    let result = batch_result(&t.at(&["batch", &id, plan, "--json"]), 0);
    assert_eq!(result["completedCount"], 5);
    assert_eq!(result["failedIndices"], json!([]));
    let steps = result["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 5);

    assert_keys(&steps[0], &RUN_KEYS);
    assert_eq!(
        (
            &steps[0]["kind"],
            &steps[0]["status"],
            &steps[0]["noWait"],
            &steps[0]["completed"],
            &steps[0]["timedOut"],
            &steps[0]["runOutcome"]
        ),
        (&json!("run"), &json!("completed"), &json!(false), &json!(true), &json!(false), &json!("completed"))
    );
    for i in [1, 4] {
        assert_keys(&steps[i], &WAIT_KEYS);
        assert_eq!((&steps[i]["kind"], &steps[i]["status"]), (&json!("wait"), &json!("completed")));
        assert_eq!((&steps[i]["matched"], &steps[i]["timedOut"]), (&json!(true), &json!(false)));
        let hash = steps[i]["screenHash"].as_str().unwrap();
        assert!(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }
    assert_eq!(steps[1]["matchedText"], "batch-one");
    assert_eq!(steps[4]["matchedText"], "typed-in-batch");
    assert_keys(&steps[2], &INPUT_KEYS);
    assert_eq!(steps[2]["kind"], "type");
    assert_keys(&steps[3], &INPUT_KEYS);
    assert_eq!(steps[3]["kind"], "sendKeys");

    // baselines: each wait's is the previous input step's seq, and it matched after it
    assert_eq!(steps[1]["waitBaseline"], steps[0]["seq"]);
    assert_eq!(steps[4]["waitBaseline"], steps[3]["seq"]);
    for i in [1, 4] {
        assert!(steps[i]["capturedAtSeq"].as_u64() > steps[i]["waitBaseline"].as_u64());
    }
    let events = t.checked_events(&id);
    let run = at_seq(&events, steps[0]["seq"].as_u64().unwrap());
    assert_eq!((&run["type"], &run["payload"]["command"]), (&json!("input_run"), &json!("echo batch-one")));
    let typed = at_seq(&events, steps[2]["seq"].as_u64().unwrap());
    assert_eq!(typed["type"], "input_text");
    assert_eq!(typed["payload"], json!({"data": "echo typed-in-batch"}));
    let keys = at_seq(&events, steps[3]["seq"].as_u64().unwrap());
    assert_eq!(keys["payload"], json!({"keys": ["Enter"]}));
    t.wait_output(&id, "\rtyped-in-batch\r\n");
}

/// `--file`, a no-wait run, paste, consecutive waits sharing a baseline, and human
/// output.
#[test]
fn file_plan_and_human_output() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let plan_path = t.path("plan.json");
    std::fs::write(
        &plan_path,
        r#"[{"run":"echo file-driven","noWait":true},{"wait":{"text":"file-driven\nbash"}},{"wait":{"regex":"file-\\w+"}},{"paste":"echo pasted-$((1+1))"},{"sendKeys":["Enter"]},{"wait":{"text":"pasted-2\n"}}]"#,
    )
    .unwrap();
    let result = batch_result(&t.at(&["batch", &id, "--file", plan_path.to_str().unwrap(), "--json"]), 0);
    let steps = result["steps"].as_array().unwrap();
    assert_keys(&steps[0], &["index", "durationMs", "kind", "status", "seq", "noWait", "runOutcome"]);
    assert_eq!((&steps[0]["noWait"], &steps[0]["runOutcome"]), (&json!(true), &json!("started")));
    assert_eq!(steps[1]["waitBaseline"], steps[0]["seq"]);
    assert_eq!(steps[2]["waitBaseline"], steps[0]["seq"], "consecutive waits reuse the baseline");
    assert_eq!(steps[2]["matchedText"], "file-driven");
    assert_keys(&steps[3], &INPUT_KEYS);
    assert_eq!(steps[3]["kind"], "paste");
    assert_eq!(steps[5]["waitBaseline"], steps[4]["seq"]);
    assert_eq!(result["completedCount"], 6);
    let events = t.checked_events(&id);
    let run = at_seq(&events, steps[0]["seq"].as_u64().unwrap());
    assert_eq!(run["payload"], json!({"command": "echo file-driven", "noWait": true}));
    let pasted = at_seq(&events, steps[3]["seq"].as_u64().unwrap());
    assert_eq!(pasted["type"], "input_paste");

    let out = t.at(&[
        "batch",
        &id,
        r#"[{"run":"echo human-one"},{"wait":{"text":"human-one"}},{"type":"x"},{"wait":{"screenStableMs":100}}]"#,
    ]);
    let human = out.human_ok();
    let lines: Vec<&str> = human.lines().collect();
    assert_eq!(lines.len(), 5, "{human}");
    for (line, prefix) in lines.iter().zip([
        "[0] run completed (",
        "[1] wait matched \"human-one\" (",
        "[2] type completed (",
        "[3] wait matched (",
    ]) {
        let ms = line.strip_prefix(prefix).and_then(|rest| rest.strip_suffix("ms)"));
        assert!(ms.is_some_and(|ms| ms.parse::<u64>().is_ok()), "{line:?} is `{prefix}<n>ms)`:\n{human}");
    }
    assert_eq!(lines[4], "4/4 steps completed");
}

/// Fail-fast: a wait that times out fails with `WAIT_TIMEOUT` (exit 11), later steps are
/// `not-run` and never sent.
#[test]
fn fail_fast_on_wait_timeout() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let plan = r#"[{"wait":{"text":"never","timeout":300}},{"type":"unreached"},{"run":"echo unreached","noWait":true}]"#;
    let result = batch_result(&t.at(&["batch", &id, plan, "--json"]), 11);
    let steps = result["steps"].as_array().unwrap();
    assert_keys(
        &steps[0],
        &[
            "index",
            "durationMs",
            "kind",
            "status",
            "matched",
            "timedOut",
            "capturedAtSeq",
            "evidence",
            "error",
        ],
    );
    assert_eq!(steps[0]["status"], "failed");
    assert_eq!((&steps[0]["matched"], &steps[0]["timedOut"]), (&json!(false), &json!(true)));
    assert_eq!(
        steps[0]["error"],
        json!({"code": "WAIT_TIMEOUT", "message": "Render wait at step 0 timed out before its condition was met."})
    );
    assert_eq!(steps[1], json!({"index": 1, "durationMs": 0, "kind": "type", "status": "not-run"}));
    assert_keys(&steps[1], &["index", "durationMs", "kind", "status"]);
    assert_eq!(
        steps[2],
        json!({"index": 2, "durationMs": 0, "kind": "run", "status": "not-run", "noWait": true})
    );
    assert_eq!(result["completedCount"], 0);
    assert_eq!(result["failedIndices"], json!([0]));
    assert!(!t.events_raw(&id).contains("unreached"), "not-run steps are never sent");

    let out = t.at(&["batch", &id, plan]);
    assert_eq!(out.code, 11);
    assert_eq!(out.stderr, "");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("[0] wait failed (WAIT_TIMEOUT) ("), "{}", out.stdout);
    // Then why the wait timed out (its evidence).
    assert!(lines[5].starts_with("step 0: Timed out: "), "{}", out.stdout);
    assert_eq!(
        &lines[1..5],
        [
            "[1] type not-run (0ms)",
            "[2] run not-run (0ms)",
            "0/3 steps completed",
            "failed at step 0: WAIT_TIMEOUT: Render wait at step 0 timed out before its condition was met.",
        ]
    );
}

/// `--keep-going`: every step is attempted; any failure exits 1.
#[test]
fn keep_going_attempts_every_step() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let plan = r#"[{"wait":{"text":"never","timeout":300}},{"type":"echo kept-"},{"type":"going"},{"sendKeys":["Enter"]},{"wait":{"text":"kept-going\nbash"}}]"#;
    let result = batch_result(&t.at(&["batch", &id, plan, "--keep-going", "--json"]), 1);
    let statuses: Vec<&str> =
        result["steps"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["failed", "completed", "completed", "completed", "completed"]);
    assert_eq!(result["completedCount"], 4);
    assert_eq!(result["failedIndices"], json!([0]));
    assert_eq!(result["steps"][4]["waitBaseline"], result["steps"][3]["seq"]);

    let out = t.at(&[
        "batch",
        &id,
        r#"[{"wait":{"text":"never","timeout":100}},{"type":"a"},{"wait":{"text":"never","timeout":100}}]"#,
        "--keep-going",
    ]);
    assert_eq!(out.code, 1);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(&lines[3..5], ["1/3 steps completed", "failed steps: 0, 2"], "{}", out.stdout);
}

/// Malformed plans fail with exit 2 before anything is sent — even for a missing
/// session; a valid plan against a missing or destroyed session is a plain error.
#[test]
fn invalid_plans_send_nothing() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_settled(&id, "echo plans", "plans");
    let before = t.events_raw(&id);
    let empty_file = t.path("empty.json");
    std::fs::write(&empty_file, "").unwrap();
    let good_file = t.path("good.json");
    std::fs::write(&good_file, r#"[{"type":"from-file"}]"#).unwrap();
    let link = t.path("link.json");
    std::os::unix::fs::symlink(&good_file, &link).unwrap();
    let missing_file = t.path("missing.json");
    let (empty_file, good_file, link, missing_file, work) = (
        empty_file.to_str().unwrap().to_string(),
        good_file.to_str().unwrap().to_string(),
        link.to_str().unwrap().to_string(),
        missing_file.to_str().unwrap().to_string(),
        t.work.to_str().unwrap().to_string(),
    );
    type Case<'a> = (Vec<&'a str>, &'a str, &'a str, Option<u64>);
    let cases: Vec<Case> = vec![
        (vec!["not json"], "INVALID_INPUT", "Batch steps must be valid JSON.", None),
        (vec![r#"{"type":"a"}"#], "INVALID_INPUT", "must be a JSON array", None),
        (vec!["[]"], "INVALID_INPUT", "Batch must contain at least one step.", None),
        (vec![""], "INVALID_INPUT", "Steps must not be empty.", None),
        (vec![r#"["type"]"#], "INVALID_INPUT", "Batch step 0", Some(0)),
        (vec![r#"[{"type":"a","wait":{"text":"b"}}]"#], "INVALID_INPUT", "found type, wait", Some(0)),
        (vec![r#"[{"jump":"a"}]"#], "INVALID_INPUT", "found none", Some(0)),
        (vec![r#"[{"type":""}]"#], "INVALID_INPUT", "Batch step 0 is invalid", Some(0)),
        (vec![r#"[{"type":"a","extra":1}]"#], "INVALID_INPUT", "Batch step 0 is invalid", Some(0)),
        (
            vec![r#"[{"type":"should-not-send"},{"sendKeys":["NoSuchKey"]}]"#],
            "INVALID_KEYS",
            "Batch step 1",
            Some(1),
        ),
        (vec![r#"[{"sendKeys":[]}]"#], "INVALID_INPUT", "Batch step 0 is invalid", Some(0)),
        (vec![r#"[{"sendKeys":[":wq"]}]"#], "INVALID_KEYS", "Batch step 0", Some(0)),
        (vec![r#"[{"type":"a"},{"wait":{"regex":"["}}]"#], "INVALID_INPUT", "Invalid regex pattern", Some(1)),
        (vec![r#"[{"wait":{"regex":"(a+)+"}}]"#], "INVALID_INPUT", "nested quantifiers", Some(0)),
        (vec![r#"[{"wait":{}}]"#], "INVALID_INPUT", "requires at least one of", Some(0)),
        (
            vec![r#"[{"wait":{"text":"a","afterSeq":1}}]"#],
            "INVALID_INPUT",
            "Batch step 0 is invalid",
            Some(0),
        ),
        (
            vec![r#"[{"wait":{"text":"a","timeout":-1}}]"#],
            "INVALID_INPUT",
            "Batch step 0 is invalid",
            Some(0),
        ),
        (vec![r#"[{"run":"ls","timeout":0}]"#], "INVALID_INPUT", "Batch step 0 is invalid", Some(0)),
        (vec![r#"[{"run":""}]"#], "INVALID_INPUT", "Batch step 0 is invalid", Some(0)),
        (
            vec![r#"[{"type":"should-not-send"},{"export":{"format":"mp4"}}]"#],
            "INVALID_INPUT",
            "Batch step 1: Record export format must be one of: asciicast, webm, gif.",
            Some(1),
        ),
        (
            vec![r#"[{"type":"should-not-send"},{"export":{"format":"asciicast","from":9,"to":"3"}}]"#],
            "INVALID_INPUT",
            "Batch step 1: The clip's start (seq 9) is after its end (seq 3)",
            Some(1),
        ),
        (
            vec![r#"[{"type":"should-not-send"},{"export":{"format":"gif","fps":10}}]"#],
            "INVALID_INPUT",
            "Batch step 1 is invalid: unknown field `fps`",
            Some(1),
        ),
        (
            vec![r#"[{"type":"should-not-send"},{"export":{"format":"gif","out":7}}]"#],
            "INVALID_INPUT",
            "Batch step 1 is invalid: invalid type",
            Some(1),
        ),
        (
            vec![r#"[{"type":"should-not-send"},{"export":{"format":"gif","from":"soon"}}]"#],
            "INVALID_INPUT",
            "Batch step 1: from must be a seq of the event log",
            Some(1),
        ),
        (
            vec![r#"[{"type":"should-not-send"},{"export":{"format":"gif","timing":"fast"}}]"#],
            "INVALID_INPUT",
            "Replay timing mode must be one of",
            Some(1),
        ),
        (vec![r#"[{"type":"a"}]"#, "--file", &good_file], "INVALID_INPUT", "mutually exclusive", None),
        (vec![], "INVALID_INPUT", "Missing steps.", None),
        (vec!["--file", &missing_file], "INVALID_INPUT", "was not found.", None),
        (vec!["--file", &empty_file], "INVALID_INPUT", "empty", None),
        (vec!["--file", &link], "INVALID_INPUT", "must be a regular file", None),
        (vec!["--file", &work], "INVALID_INPUT", "must be a regular file", None),
    ];
    for (extra, code, needle, step_index) in &cases {
        for session in [id.as_str(), "01NOTAREALSESSION000000000"] {
            let mut args = vec!["batch", session];
            args.extend_from_slice(extra);
            args.push("--json");
            let error = t.at(&args).err("batch", 2, code);
            let message = error["message"].as_str().unwrap();
            assert!(message.contains(needle), "batch {extra:?}: message {message:?} lacks {needle:?}");
            if let Some(index) = step_index {
                assert_eq!(
                    error["details"]["stepIndex"], *index,
                    "batch {extra:?}: details {}",
                    error["details"]
                );
            }
        }
    }
    assert_eq!(t.events_raw(&id), before, "no rejected plan sent anything");

    let valid = r#"[{"type":"a"}]"#;
    let error =
        t.at(&["batch", "01NOTAREALSESSION000000000", valid, "--json"]).err("batch", 3, "SESSION_NOT_FOUND");
    assert_eq!(error["message"], "Session \"01NOTAREALSESSION000000000\" was not found.");
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let before = t.events_raw(&id);
    t.at(&["batch", &id, valid, "--json"]).err("batch", 4, "SESSION_ALREADY_DESTROYED");
    t.at(&["batch", &id, "--file", &good_file, "--json"]).err("batch", 4, "SESSION_ALREADY_DESTROYED");
    assert_eq!(t.events_raw(&id), before);
}

/// Starts `[run (blocks reading a FIFO), wait forever, type]`, lets the run finish once
/// its RPC connection is known, waits until the CLI holds a different connection (the
/// wait step is in flight), then signals the CLI: the envelope flushed on stdout has the
/// wait `interrupted` and the rest `not-run`; exit 128+signal.
fn interrupt_batch(signal: i32, json_mode: bool) -> (Out, TestHome, String) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;

    let t = TestHome::new();
    let fifo = t.path("go.fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let id = t.bash_ready(&[]);
    let plan = r#"[{"run":"echo sig-start; read -r reply < go.fifo; echo got-$reply"},{"wait":{"text":"never-appears","timeout":0}},{"type":"unreached"}]"#;
    let mut args = vec!["batch", id.as_str(), plan];
    if json_mode {
        args.push("--json");
    }
    let mut batch = t.spawn(&args);
    wait_until("the run step's input_run is logged", DEADLINE, || {
        t.events(&id).iter().any(|e| e["type"] == "input_run")
    });
    // the run cannot complete before the FIFO gets a line: its RPC connection is this one
    let run_sockets = socket_fds(batch.pid());
    assert!(!run_sockets.is_empty(), "the run step is in flight");
    let mut writer = None;
    wait_until("bash opened the FIFO for reading", DEADLINE, || {
        writer = std::fs::OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK).open(&fifo).ok();
        writer.is_some()
    });
    writer.unwrap().write_all(b"go\n").unwrap();
    wait_until("the wait step is in flight", DEADLINE, || {
        let sockets = socket_fds(batch.pid());
        !sockets.is_empty() && sockets.iter().all(|s| !run_sockets.contains(s))
    });
    assert!(t.events(&id).iter().any(|e| e["type"] == "run_complete"));
    assert!(batch.running());
    kill(batch.pid(), signal);
    let out = batch.finish();
    (out, t, id)
}

fn check_interrupted(out: &Out, t: &TestHome, id: &str, exit: i32) {
    let result = batch_result(out, exit);
    let steps = result["steps"].as_array().unwrap();
    assert_eq!(steps[0]["status"], "completed");
    assert_eq!(steps[0]["runOutcome"], "completed");
    assert_eq!(steps[1], json!({"index": 1, "durationMs": 0, "kind": "wait", "status": "interrupted"}));
    assert_keys(&steps[1], &["index", "durationMs", "kind", "status"]);
    assert_eq!(steps[2], json!({"index": 2, "durationMs": 0, "kind": "type", "status": "not-run"}));
    assert_eq!(result["completedCount"], 1);
    assert_eq!(result["failedIndices"], json!([]));
    assert!(!t.events_raw(id).contains("unreached"));
    t.wait_output(id, "got-go");
    assert_eq!(t.listed_status(id).as_deref(), Some("running"), "the session outlives the interrupted batch");
}

#[test]
fn sigint_flushes_interrupted_records() {
    let (out, t, id) = interrupt_batch(libc::SIGINT, true);
    check_interrupted(&out, &t, &id, 130);
}

#[test]
fn sigterm_flushes_interrupted_records() {
    let (out, t, id) = interrupt_batch(libc::SIGTERM, true);
    check_interrupted(&out, &t, &id, 143);
}

#[test]
fn sigint_human_output() {
    let (out, _t, _id) = interrupt_batch(libc::SIGINT, false);
    assert_eq!(out.code, 130, "{out:?}");
    assert_eq!(out.stderr, "");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("[0] run completed (") && lines[0].ends_with("ms)"), "{}", out.stdout);
    assert_eq!(&lines[1..], ["[1] wait interrupted (0ms)", "[2] type not-run (0ms)", "1/3 steps completed"]);
}

const EXPORT_STEP_KEYS: [&str; 5] = ["index", "durationMs", "kind", "status", "export"];

/// A batch prints numbered phases; a later batch prints one more and exports a clip
/// between two of the first batch's run seqs (it holds the phases inside the range and
/// nothing after it, plays in asciinema, and is the clip `record export` writes), the
/// log from a seq to its end (which holds the phase printed by the step before it), and
/// a whole GIF (read back by ffprobe). An export that fails at run time is a failed step.
#[test]
fn export_steps_write_the_recordings_record_export_writes() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let phases: Vec<Value> = (1..=5).map(|k| json!({ "run": format!("printf 'phase-%d\\n' {k}") })).collect();
    let first = batch_result(&t.at(&["batch", &id, &Value::from(phases).to_string(), "--json"]), 0);
    let seqs: Vec<u64> =
        first["steps"].as_array().unwrap().iter().map(|s| s["seq"].as_u64().unwrap()).collect();
    // Run k's seq is its typed input: phase k prints after it, phase k-1 before it.
    let (from, to) = (seqs[1], seqs[3]);

    let plan = json!([
        { "run": "printf 'phase-%d\\n' 6" },
        { "export": { "format": "asciicast", "from": from, "to": to.to_string() } },
        { "export": { "format": "asciicast", "from": from.to_string() } },
        { "export": { "format": "gif", "timing": "max-speed" } },
    ]);
    let result = batch_result(&t.at(&["batch", &id, &plan.to_string(), "--json"]), 0);
    assert_eq!(result["completedCount"], 4, "{result}");
    let steps = result["steps"].as_array().unwrap();
    for step in &steps[1..] {
        assert_keys(step, &EXPORT_STEP_KEYS);
        assert_eq!((&step["kind"], &step["status"]), (&json!("export"), &json!("completed")));
    }

    let clip = &steps[1]["export"];
    assert_keys(clip, &CLIP_RESULT_KEYS);
    assert_eq!((clip["fromSeq"].as_u64(), clip["toSeq"].as_u64()), (Some(from), Some(to)));
    assert_eq!(
        (&clip["sessionId"], &clip["format"], &clip["capturedAtSeq"]),
        (&json!(id), &json!("asciicast"), &json!(to))
    );
    let path = Path::new(clip["artifactPath"].as_str().unwrap()).to_path_buf();
    assert_eq!(path, t.session_dir(&id).join(format!("artifacts/recording-{from}-{to}-asciicast.cast")));
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(clip["bytes"], text.len() as u64);
    for inside in ["phase-2", "phase-3"] {
        assert!(text.contains(inside), "the clip lacks {inside}: {text}");
    }
    for after in ["phase-4", "phase-5", "phase-6"] {
        assert!(!text.contains(after), "the clip holds {after}, printed after its end: {text}");
    }
    if optional("asciinema", "asciinema", "the asciinema cat check of a batch clip") {
        let cat = Command::new("asciinema").arg("cat").arg(&path).output().unwrap();
        assert!(cat.status.success(), "asciinema cat failed: {}", String::from_utf8_lossy(&cat.stderr));
        let shown = String::from_utf8_lossy(&cat.stdout);
        assert!(shown.contains("phase-3") && !shown.contains("phase-4"), "{shown}");
    }
    // The command's result, key for key: the same clip, written by `record export`.
    let args = ["record", "export", &id, "--format", "asciicast", "--from", &from.to_string()];
    let cli = t.at(&[&args[..], &["--to", &to.to_string(), "--json"][..]].concat()).ok("record export");
    assert_eq!(&cli, clip);

    // To the end of the log: it holds what the step before it printed.
    let tail = &steps[2]["export"];
    assert_eq!(tail["fromSeq"], from);
    assert!(tail["toSeq"].as_u64().unwrap() > steps[0]["seq"].as_u64().unwrap(), "{tail}");
    let text = std::fs::read_to_string(tail["artifactPath"].as_str().unwrap()).unwrap();
    assert!(text.contains("phase-6") && text.contains("phase-4"), "{text}");

    let gif = &steps[3]["export"];
    assert_eq!((&gif["format"], &gif["metadata"]["timingMode"]), (&json!("gif"), &json!("max-speed")));
    assert!(gif.get("fromSeq").is_none(), "a whole export is no clip: {gif}");
    assert!(gif["capturedAtSeq"].as_u64().unwrap() > steps[0]["seq"].as_u64().unwrap(), "{gif}");
    let gif_path = Path::new(gif["artifactPath"].as_str().unwrap()).to_path_buf();
    assert_eq!(std::fs::metadata(&gif_path).unwrap().len(), gif["bytes"].as_u64().unwrap());
    if optional("ffprobe", "ffmpeg", "the ffprobe check of a batch GIF") {
        let out = Command::new("ffprobe")
            .args(["-v", "error", "-of", "json", "-show_streams"])
            .arg(&gif_path)
            .output()
            .unwrap();
        assert!(out.status.success(), "ffprobe failed: {}", String::from_utf8_lossy(&out.stderr));
        let probe: Value = serde_json::from_slice(&out.stdout).unwrap();
        let stream = &probe["streams"][0];
        assert_eq!(stream["codec_name"], "gif", "{probe}");
        assert!(stream["width"].as_u64().is_some_and(|w| w > 0), "{probe}");
    }

    // A point outside the log is found when the step runs: a failed step, the command's code.
    let beyond = json!([{ "export": { "format": "asciicast", "from": 999_999 } }, { "type": "not-sent" }]);
    let failed = batch_result(&t.at(&["batch", &id, &beyond.to_string(), "--json"]), 2);
    let step = &failed["steps"][0];
    assert_eq!(
        (&step["status"], &step["error"]["code"]),
        (&json!("failed"), &json!("INVALID_INPUT")),
        "{step}"
    );
    assert!(step.get("export").is_none(), "{step}");
    assert_eq!(failed["steps"][1]["status"], "not-run");
}
