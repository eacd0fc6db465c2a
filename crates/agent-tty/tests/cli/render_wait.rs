//! Render waits (`wait --text/--regex/--screen-stable-ms/--cursor-row/--cursor-col/
//! --after-seq/--timeout`): live matches and their exact results, the Wait Baseline,
//! timeouts (exit 11), waiting forever, the offline fallback once the host is gone, and
//! flag validation.

use serde_json::Value;

use crate::support::*;

const MATCHED_KEYS: [&str; 7] =
    ["matched", "timedOut", "matchedText", "cursorRow", "cursorCol", "capturedAtSeq", "screenHash"];
const CONDITION_MET_KEYS: [&str; 6] =
    ["matched", "timedOut", "cursorRow", "cursorCol", "capturedAtSeq", "screenHash"];

/// Asserts a timed-out wait: exit 11, `{matched:false, timedOut:true, capturedAtSeq}`
/// with the latest event seq.
fn assert_timed_out(t: &TestHome, id: &str, out: &Out) -> u64 {
    let result = out.ok_with_exit("wait", 11);
    assert_keys(&result, &["matched", "timedOut", "capturedAtSeq", "evidence"]);
    assert_eq!(result["matched"], false);
    assert_eq!(result["timedOut"], true);
    let seq = result["capturedAtSeq"].as_u64().unwrap();
    assert_eq!(seq, t.last_seq(id), "a timeout reports the latest event seq");
    assert_eq!(out.stderr, "");
    seq
}

/// Text, regex (`^` anchors the whole screen, `\d+`), cursor and combined waits on a
/// quiet screen: exact result keys, the hash of the screen, the snapshot's cursor and
/// seq; and timeouts for conditions that do not hold.
#[test]
fn live_text_regex_and_cursor_waits() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_settled(&id, r"printf '%s items\n' 3; echo Ready", "Ready");
    let snap = t.snapshot(&id, &[]);
    let hash = snap["screenHash"].clone();
    let (row, col) = (snap["cursorRow"].to_string(), snap["cursorCol"].to_string());
    let check = |result: &Value, keys: &[&str]| {
        assert_keys(result, keys);
        assert_eq!(result["matched"], true);
        assert_eq!(result["timedOut"], false);
        assert_eq!(result["screenHash"], hash, "the hash of the screen the wait saw");
        assert_eq!((&result["cursorRow"], &result["cursorCol"]), (&snap["cursorRow"], &snap["cursorCol"]));
        assert_eq!(result["capturedAtSeq"], snap["capturedAtSeq"]);
    };

    let text = t.wait_render(&id, &["--text", "Ready"]);
    check(&text, &MATCHED_KEYS);
    assert_eq!(text["matchedText"], "Ready");
    let spanning = t.wait_render(&id, &["--text", "3 items\nReady"]);
    assert_eq!(spanning["matchedText"], "3 items\nReady", "a needle may span rows");

    let regex = t.wait_render(&id, &["--regex", r"\d+ items"]);
    check(&regex, &MATCHED_KEYS);
    assert_eq!(regex["matchedText"], "3 items", "matchedText is the whole match");
    let anchored = t.wait_render(&id, &["--regex", r"^bash-[0-9.]+[#$]"]);
    assert!(anchored["matchedText"].as_str().unwrap().starts_with("bash-"));
    let dot = t.wait_render(&id, &["--regex", r"items.Ready|items\nReady"]);
    assert_eq!(dot["matchedText"], "items\nReady", "`.` does not cross rows");

    let cursor = t.wait_render(&id, &["--cursor-row", &row, "--cursor-col", &col]);
    check(&cursor, &CONDITION_MET_KEYS);
    let both = t.wait_render(&id, &["--text", "items", "--cursor-row", &row]);
    check(&both, &MATCHED_KEYS);
    t.wait_render(&id, &["--cursor-col", &col]);

    // conditions that do not hold time out
    let wrong_row = (snap["cursorRow"].as_u64().unwrap() + 1).to_string();
    for extra in [
        &["--text", "MISSING"][..],
        &["--text", "ready"][..],
        &["--regex", "^Ready"][..],
        &["--regex", r"\d{2} items"][..],
        &["--cursor-row", &wrong_row][..],
        &["--text", "Ready", "--cursor-col", "79"][..],
    ] {
        let mut args = vec!["wait", id.as_str(), "--timeout", "300", "--json"];
        args.extend_from_slice(extra);
        assert_timed_out(&t, &id, &t.at(&args));
    }

    // human output
    let human = t.at(&["wait", &id, "--text", "Ready"]).human_ok().to_string();
    let seq = &snap["capturedAtSeq"];
    assert_eq!(human, format!("Matched: \"Ready\"\nCursor: row {row}, col {col}\ncapturedAtSeq: {seq}\n"));
    let human = t.at(&["wait", &id, "--cursor-row", &row]).human_ok().to_string();
    assert_eq!(human, format!("Wait condition met.\nCursor: row {row}, col {col}\ncapturedAtSeq: {seq}\n"));
    let out = t.at(&["wait", &id, "--text", "nope", "--timeout", "200"]);
    assert_eq!((out.code, out.stderr.as_str()), (11, ""));
    let first = format!("Wait timed out. (capturedAtSeq: {seq})\nTimed out: the text \"nope\" was not found");
    assert!(out.stdout.starts_with(&first), "{}", out.stdout);
}

/// `--after-seq`: text already on screen does not match until an event after the
/// baseline arrives; then it matches with a later `capturedAtSeq`.
#[test]
fn after_seq_baseline() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_settled(&id, "echo baseline-text", "baseline-text");
    let last = t.last_seq(&id);
    let after = last.to_string();

    let out =
        t.at(&["wait", &id, "--text", "baseline-text", "--after-seq", &after, "--timeout", "300", "--json"]);
    assert_timed_out(&t, &id, &out);
    // a baseline below the current seq is satisfied at once
    let below = (last - 1).to_string();
    let matched = t.wait_render(&id, &["--text", "baseline-text", "--after-seq", &below]);
    assert_eq!(matched["capturedAtSeq"], last);

    // a waiting baseline wait matches once new output arrives
    let mut waiting = t.spawn(&[
        "wait",
        &id,
        "--text",
        "baseline-text",
        "--after-seq",
        &after,
        "--timeout",
        "20000",
        "--json",
    ]);
    wait_until("the wait is connected to the host", DEADLINE, || !socket_fds(waiting.pid()).is_empty());
    assert!(waiting.running(), "the baseline wait must not match the old screen");
    t.type_text(&id, "echo fresh");
    let result = waiting.finish().ok("wait");
    assert_keys(&result, &MATCHED_KEYS);
    assert_eq!(result["matchedText"], "baseline-text");
    assert!(result["capturedAtSeq"].as_u64().unwrap() > last, "matched only after the baseline: {result}");

    // the cursor condition also respects the baseline; a later event satisfies it
    t.wait_render(&id, &["--regex", r"[#$] echo fresh\n*$", "--screen-stable-ms", "100"]);
    let snap = t.snapshot(&id, &[]);
    let now = t.last_seq(&id).to_string();
    let row = snap["cursorRow"].to_string();
    assert_timed_out(
        &t,
        &id,
        &t.at(&["wait", &id, "--cursor-row", &row, "--after-seq", &now, "--timeout", "200", "--json"]),
    );
    t.at(&["mark", &id, "any-event", "--json"]).ok("mark");
    let result = t.wait_render(&id, &["--cursor-row", &row, "--after-seq", &now]);
    assert_eq!(result["capturedAtSeq"], now.parse::<u64>().unwrap() + 1, "a marker counts as an event");
}

/// `--timeout 0` waits until the condition becomes true, however long.
#[test]
fn timeout_zero_waits_until_true() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let mut waiting = t.spawn(&["wait", &id, "--text", "later-42", "--timeout", "0", "--json"]);
    wait_until("the wait is connected to the host", DEADLINE, || !socket_fds(waiting.pid()).is_empty());
    assert!(waiting.running());
    t.type_text(&id, "echo later-$((6*7))");
    t.send_keys(&id, &["Enter"]);
    let result = waiting.finish().ok("wait");
    assert_keys(&result, &MATCHED_KEYS);
    assert_eq!(result["matchedText"], "later-42");
    let regex = t.at(&["wait", &id, "--regex", r"\nlater-\d+", "--timeout", "0", "--json"]).ok("wait");
    assert_eq!(regex["matchedText"], "\nlater-42");
}

/// A wait pending through a flood of output (checks are spaced out while output streams)
/// is answered once the text appears, with the screen it matched on.
#[test]
fn a_pending_wait_answers_when_the_text_appears_after_a_flood() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let mut waiting = t.spawn(&["wait", &id, "--regex", r"flood-end-\d+", "--timeout", "0", "--json"]);
    wait_until("the wait is connected to the host", DEADLINE, || !socket_fds(waiting.pid()).is_empty());
    t.type_text(&id, "for i in $(seq 1 20000); do printf '\\033[3%dmline %d\\033[0m\\n' $((i % 7)) $i; done; echo flood-end-$((6*7))");
    assert!(waiting.running(), "the command line itself does not match");
    t.send_keys(&id, &["Enter"]);
    let result = waiting.finish().ok("wait");
    assert_keys(&result, &MATCHED_KEYS);
    assert_eq!(result["matchedText"], "flood-end-42");
    assert!(result["capturedAtSeq"].as_u64().unwrap() <= t.last_seq(&id));
}

/// Regexes whose evaluation is expensive on the current screen (an ambiguous loop before a
/// look-behind, exponential until the backtracking budget runs out; a look-behind before
/// an unbounded class, quadratic in the text) do not hold up other requests: `type`,
/// `inspect` and other render waits are answered while they are pending and re-evaluated
/// as the screen changes, and they still match once the screen lets them.
#[test]
fn a_slow_regex_does_not_stall_other_requests() {
    let t = TestHome::new();
    let id = t.bash_ready(&["--cols", "200", "--rows", "50"]);
    t.run_settled(&id, "printf 'a%.0s' $(seq 1 8000); echo; echo filled", "filled");
    let mut waiting = t.spawn(&["wait", &id, "--regex", r"(?:a|a)*(?<!a)QZ-\d+", "--timeout", "0", "--json"]);
    let mut quadratic = t.spawn(&["wait", &id, "--regex", r"(?<!b)[^b]*QZ-\d+", "--timeout", "0", "--json"]);
    wait_until("the waits are connected to the host", DEADLINE, || {
        !socket_fds(waiting.pid()).is_empty() && !socket_fds(quadratic.pid()).is_empty()
    });
    for n in 0..5 {
        t.type_text(&id, &format!("# typing {n} "));
        t.at(&["inspect", &id, "--json"]).ok("inspect");
        t.wait_render(&id, &["--text", &format!("# typing {n}")]);
        t.send_keys(&id, &["Enter"]);
        assert!(waiting.running() && quadratic.running(), "no QZ- yet");
    }
    t.type_text(&id, "clear; echo QZ-$((6*7))");
    t.send_keys(&id, &["Enter"]);
    let result = waiting.finish().ok("wait");
    assert_eq!(result["matchedText"], "QZ-42");
    let result = quadratic.finish().ok("wait");
    assert!(result["matchedText"].as_str().unwrap().ends_with("QZ-42"), "{result}");
}

/// `--screen-stable-ms`: a quiet screen is reported stable (no `matchedText`); with
/// text, both must hold; the hash is that of the settled screen.
#[test]
fn screen_stable_waits() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_settled(&id, "echo stable-screen", "stable-screen");
    let stable = t.wait_render(&id, &["--screen-stable-ms", "300"]);
    assert_keys(&stable, &CONDITION_MET_KEYS);
    let snap = t.snapshot(&id, &[]);
    assert_eq!(stable["screenHash"], snap["screenHash"]);
    assert_eq!(stable["capturedAtSeq"], snap["capturedAtSeq"]);
    let both = t.wait_render(&id, &["--text", "stable-screen", "--screen-stable-ms", "200"]);
    assert_keys(&both, &MATCHED_KEYS);
    assert_eq!(both["screenHash"], snap["screenHash"]);
    // a stability wait that also needs a later event
    let after = t.last_seq(&id).to_string();
    let mut waiting = t.spawn(&[
        "wait",
        &id,
        "--screen-stable-ms",
        "200",
        "--after-seq",
        &after,
        "--timeout",
        "20000",
        "--json",
    ]);
    wait_until("the wait is connected to the host", DEADLINE, || !socket_fds(waiting.pid()).is_empty());
    assert!(waiting.running(), "the old screen does not count as stable after the baseline");
    t.run_settled(&id, "echo changed-screen", "changed-screen");
    let result = waiting.finish().ok("wait");
    assert!(result["capturedAtSeq"].as_u64().unwrap() > after.parse().unwrap());
}

/// After destroy the wait is answered from the replayed log: a match exits 0 with the
/// screen's hash; a miss is `REPLAY_ERROR` (exit 10) with the observed screen; a
/// stability wait cannot be proven (`matched: false`, exit 0); `--timeout` is ignored.
#[test]
fn offline_fallback_after_destroy() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_settled(&id, "echo offline-token", "offline-token");
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let snap = t.snapshot(&id, &[]);
    let last = t.last_seq(&id);

    let matched = t.at(&["wait", &id, "--text", "offline-token", "--json"]).ok("wait");
    assert_keys(&matched, &MATCHED_KEYS);
    assert_eq!(matched["matched"], true);
    assert_eq!(matched["screenHash"], snap["screenHash"]);
    assert_eq!(matched["capturedAtSeq"], last);
    assert_eq!((&matched["cursorRow"], &matched["cursorCol"]), (&snap["cursorRow"], &snap["cursorCol"]));
    let regex = t.at(&["wait", &id, "--regex", r"offline-\w+", "--json"]).ok("wait");
    assert_eq!(regex["matchedText"], "offline-token");

    for timeout in ["0", "1000"] {
        let error = t.at(&["wait", &id, "--text", "absent", "--timeout", timeout, "--json"]).err(
            "wait",
            10,
            "REPLAY_ERROR",
        );
        assert_eq!(
            error["message"],
            "Session host became unreachable during render wait, and the latest offline snapshot did not satisfy \
             the requested wait condition."
        );
        assert_keys(
            &error["details"],
            &["text", "capturedAtSeq", "cursorRow", "cursorCol", "visibleLines", "evidence"],
        );
        assert_eq!(error["details"]["text"], "absent");
        assert_eq!(error["details"]["capturedAtSeq"], last);
        assert_eq!(error["details"]["cursorRow"], snap["cursorRow"]);
        // (the port lists the rows' texts; compare texts whatever the element shape)
        let details_lines: Vec<String> = error["details"]["visibleLines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().map_or_else(|| l["text"].as_str().unwrap().to_string(), str::to_string))
            .collect();
        assert_eq!(details_lines, line_texts(&snap["visibleLines"]));
    }
    let error = t
        .at(&[
            "wait",
            &id,
            "--regex",
            "x+y",
            "--cursor-row",
            "3",
            "--cursor-col",
            "4",
            "--after-seq",
            "1",
            "--json",
        ])
        .err("wait", 10, "REPLAY_ERROR");
    assert_keys(
        &error["details"],
        &[
            "regex",
            "expectedCursorRow",
            "expectedCursorCol",
            "afterSeq",
            "capturedAtSeq",
            "cursorRow",
            "cursorCol",
            "visibleLines",
            "evidence",
        ],
    );
    assert_eq!(error["details"]["expectedCursorRow"], 3);
    assert_eq!(error["details"]["afterSeq"], 1);
    // the baseline applies to the one replayed screen
    let at_last = last.to_string();
    let error = t.at(&["wait", &id, "--text", "offline-token", "--after-seq", &at_last, "--json"]).err(
        "wait",
        10,
        "REPLAY_ERROR",
    );
    assert_eq!(error["details"]["afterSeq"], last);

    let stable = t.at(&["wait", &id, "--screen-stable-ms", "300", "--json"]).ok("wait");
    assert_keys(&stable, &CONDITION_MET_KEYS);
    assert_eq!(stable["matched"], false, "stability cannot be proven offline");
    assert_eq!(stable["timedOut"], false);
    assert_eq!(stable["screenHash"], snap["screenHash"]);
    let human = t.at(&["wait", &id, "--screen-stable-ms", "300"]).human_ok().to_string();
    assert_eq!(
        human,
        format!(
            "Host became unreachable before the wait condition could be fully verified; returning the latest \
             offline snapshot state.\nCursor: row {}, col {}\ncapturedAtSeq: {last}\n",
            snap["cursorRow"], snap["cursorCol"]
        )
    );
}

/// Every invalid flag combination fails locally with exit 2 and the right code, before
/// anything reaches the session; a missing session is reported first.
#[test]
fn validation() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_settled(&id, "echo validation", "validation");
    let before = t.events_raw(&id);
    let long_text = "x".repeat(1001);
    let long_regex = "y".repeat(201);
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (vec!["--text", "a", "--regex", "b"], "INVALID_INPUT", "mutually exclusive"),
        (vec!["--text", ""], "INVALID_INPUT", "text"),
        (vec!["--text", &long_text], "INVALID_INPUT", "1000"),
        (vec!["--regex", &long_regex], "INVALID_INPUT", "200"),
        (vec!["--regex", "(a+)+"], "INVALID_INPUT", "nested quantifiers"),
        (vec!["--regex", "(x*)+"], "INVALID_INPUT", "nested quantifiers"),
        (vec!["--regex", "(x?){2}"], "INVALID_INPUT", "nested quantifiers"),
        (vec!["--regex", "((a+))+"], "INVALID_INPUT", "nested quantifiers"),
        (vec!["--regex", "["], "INVALID_INPUT", "Invalid regex pattern"),
        (vec!["--regex", ""], "INVALID_INPUT", "regex"),
        (
            vec!["--screen-stable-ms", "0"],
            "INVALID_DURATION",
            "Invalid --screen-stable-ms \"0\": it must be more than 0",
        ),
        (vec!["--screen-stable-ms", "abc"], "INVALID_DURATION", "Invalid --screen-stable-ms \"abc\": use"),
        (vec!["--screen-stable-ms", "-5"], "INVALID_DURATION", "screen-stable-ms"),
        (vec!["--cursor-row", "-1"], "INVALID_INPUT", "--cursor-row must be a non-negative integer"),
        (vec!["--cursor-row", "1.5"], "INVALID_INPUT", "--cursor-row must be a non-negative integer"),
        (vec!["--cursor-col", "-1"], "INVALID_INPUT", "--cursor-col must be a non-negative integer"),
        (vec!["--cursor-col", "x"], "INVALID_INPUT", "--cursor-col must be a non-negative integer"),
        (vec!["--text", "a", "--after-seq", "-1"], "INVALID_INPUT", "--after-seq"),
        (
            vec!["--after-seq", "3"],
            "INVALID_INPUT",
            "--after-seq only restricts a condition. Wait needs a condition",
        ),
        (vec!["--text", "a", "--timeout", "-1"], "INVALID_DURATION", "(0 waits forever)"),
        (vec!["--text", "a", "--timeout", "abc"], "INVALID_DURATION", "(0 waits forever)"),
        // the timeout is checked before the matcher is prepared (01 §1.1)
        (vec!["--after-seq", "3", "--timeout", "abc"], "INVALID_DURATION", "(0 waits forever)"),
        (vec!["--regex", "(a+)+", "--timeout", "-1"], "INVALID_DURATION", "(0 waits forever)"),
        (
            vec!["--exit", "--text", "a"],
            "INVALID_INPUT",
            "Cannot mix legacy wait flags (--exit, --idle-ms) with render wait flags (--text, --regex, --screen-stable-ms, --cursor-row, --cursor-col).",
        ),
        (vec!["--idle-ms", "100", "--regex", "a"], "INVALID_INPUT", "Cannot mix"),
        (vec!["--exit", "--cursor-row", "1.5"], "INVALID_INPUT", "Cannot mix"),
    ];
    let mut wrong = Vec::new();
    for (flags, code, needle) in &cases {
        let mut args = vec!["wait", id.as_str(), "--json"];
        args.extend_from_slice(flags);
        let out = t.at(&args);
        let env: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
        let (got_code, message) =
            (env["error"]["code"].as_str().unwrap_or(""), env["error"]["message"].as_str().unwrap_or(""));
        if out.code != 2 || got_code != *code || !message.contains(needle) {
            wrong.push(format!(
                "wait {flags:?}: expected exit 2 {code} ~{needle:?}, got exit {} {got_code} {message:?}",
                out.code
            ));
        } else {
            out.err("wait", 2, code);
        }
        // a missing session is reported before any flag validation
        let mut missing = vec!["wait", "01NOTAREALSESSION000000000", "--json"];
        missing.extend_from_slice(flags);
        t.at(&missing).err("wait", 3, "SESSION_NOT_FOUND");
    }
    assert!(wrong.is_empty(), "wrong validation results:\n{}", wrong.join("\n"));
    // boundary values are accepted (then time out against this screen)
    let text_1000 = "x".repeat(1000);
    let regex_200 = "y".repeat(200);
    for flags in [
        vec!["--text", text_1000.as_str()],
        vec!["--regex", regex_200.as_str()],
        vec!["--regex", r"\d+ items"],
        vec!["--regex", "(ab)+"],
        vec!["--regex", "[Q+]+"],
        vec!["--regex", "a+b+"],
    ] {
        let mut args = vec!["wait", id.as_str(), "--timeout", "1", "--json"];
        args.extend_from_slice(&flags);
        assert_timed_out(&t, &id, &t.at(&args));
    }
    let message = t.at(&["wait", &id, "--text", "a", "--regex", "b"]).human_err(2, "INVALID_INPUT");
    assert!(message.contains("mutually exclusive"));
    assert_eq!(t.events_raw(&id), before, "no invalid wait reached the event log");
    assert_eq!(t.listed_status(&id).as_deref(), Some("running"));
}
