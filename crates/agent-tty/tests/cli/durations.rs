//! Durations on every duration flag (`wait --timeout/--idle-ms/--screen-stable-ms`,
//! `run --timeout`, `create --idle-timeout-ms`, the global `--timeout-ms`): bare numbers
//! stay milliseconds, `500ms`, `2s`, `1.5s`, `2m`, `1h` (and `1m30s`) are read with their
//! unit, anything else is rejected with a message naming the accepted forms; `batch`
//! steps take the same forms as strings (`gc --older-than`, which needs a unit, is
//! tested in `homes/gc.rs`). Also `wait` without a condition, and the quoting of a
//! multi-line match in human `wait` output.
//!
//! Timing is only asserted as lower bounds a host cannot undercut (a timeout or an idle
//! window of N ms cannot end before N ms), or as upper bounds hundreds of times larger
//! than the value, where the old reading would have been off by a factor of 1000.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::*;

/// The accepted forms, as every message names them.
const FORMS: &str = "use milliseconds (500) or a duration such as 500ms, 2s, 1.5s, 2m, 1h";

/// Far more than any bare-millisecond case needs, far less than the same number of seconds.
const NOT_SECONDS: Duration = Duration::from_secs(30);

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed())
}

/// `wait --timeout` with a unit waits that long: a text that appears after 300 ms is
/// found with `--timeout 1m` (read as 1 ms before), and a missing text times out no
/// sooner than `1.5s`.
#[test]
fn wait_timeout_units_are_honoured() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.type_text(&id, "sleep 0.3; echo late-$((6*7))\n");
    let matched = t.at(&["wait", &id, "--text", "late-42", "--timeout", "1m", "--json"]).ok("wait");
    assert_eq!(matched["matched"], true, "{matched}");
    assert_eq!(matched["matchedText"], "late-42");

    for (timeout, at_least) in [("1.5s", 1500), ("1s", 1000), ("0m1s", 1000)] {
        let (out, elapsed) =
            timed(|| t.at(&["wait", &id, "--text", "never-shown", "--timeout", timeout, "--json"]));
        let result = out.ok_with_exit("wait", 11);
        assert_eq!(result["timedOut"], true, "{timeout}: {result}");
        assert!(elapsed >= Duration::from_millis(at_least), "--timeout {timeout} ended after {elapsed:?}");
    }
    // a bare number is still milliseconds
    let (out, elapsed) =
        timed(|| t.at(&["wait", &id, "--text", "never-shown", "--timeout", "300", "--json"]));
    assert_eq!(out.ok_with_exit("wait", 11)["timedOut"], true);
    assert!(elapsed >= Duration::from_millis(300) && elapsed < NOT_SECONDS, "--timeout 300 took {elapsed:?}");
    // 0 (and 0s) still means no timeout
    t.type_text(&id, "sleep 0.3; echo later-$((7*7))\n");
    let matched = t.at(&["wait", &id, "--text", "later-49", "--timeout", "0s", "--json"]).ok("wait");
    assert_eq!(matched["matched"], true);
    // legacy waits take the same forms
    let (out, elapsed) = timed(|| t.at(&["wait", &id, "--exit", "--timeout", "1s", "--json"]));
    let result = out.ok_with_exit("wait", 11);
    assert_keys(&result, &["timedOut", "evidence"]);
    assert_eq!(result["timedOut"], true);
    assert!(elapsed >= Duration::from_secs(1), "--exit --timeout 1s ended after {elapsed:?}");
}

/// `--idle-ms` and `--screen-stable-ms` with units: the quiet / stable window is that long.
#[test]
fn idle_and_stable_windows_take_units() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    for (flag, value, at_least) in [
        ("--idle-ms", "1s", 1000),
        ("--idle-ms", "1.2s", 1200),
        ("--screen-stable-ms", "1s", 1000),
        ("--screen-stable-ms", "0.5s", 500),
    ] {
        let (out, elapsed) = timed(|| t.at(&["wait", &id, flag, value, "--timeout", "1m", "--json"]));
        let result = out.ok("wait");
        assert_eq!(result["timedOut"], false, "{flag} {value}: {result}");
        assert!(elapsed >= Duration::from_millis(at_least), "{flag} {value} ended after {elapsed:?}");
    }
    // bare numbers are milliseconds
    for flag in ["--idle-ms", "--screen-stable-ms"] {
        let (out, elapsed) = timed(|| t.at(&["wait", &id, flag, "200", "--timeout", "1m", "--json"]));
        assert_eq!(out.ok("wait")["timedOut"], false);
        assert!(
            elapsed >= Duration::from_millis(200) && elapsed < NOT_SECONDS,
            "{flag} 200 took {elapsed:?}"
        );
    }
}

/// `run --timeout` with a unit: a 300 ms command completes within `1m` (a 1 ms timeout
/// before), and a long one times out no sooner than `1s`; bare numbers stay ms.
#[test]
fn run_timeout_units_are_honoured() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let done = t.at(&["run", &id, "sleep 0.3; echo ran", "--timeout", "1m", "--json"]).ok("run");
    assert_eq!((&done["completed"], &done["timedOut"]), (&json!(true), &json!(false)), "{done}");
    assert!(done["durationMs"].as_u64().unwrap() >= 300, "{done}");

    let (out, elapsed) = timed(|| t.at(&["run", &id, "sleep 5", "--timeout", "1s", "--json"]));
    let late = out.ok("run");
    assert_eq!(late["timedOut"], true, "{late}");
    assert!(late["durationMs"].as_u64().unwrap() >= 1000, "{late}");
    assert!(elapsed >= Duration::from_secs(1));
    t.send_keys(&id, &["ctrl+c"]);

    let (out, elapsed) = timed(|| t.at(&["run", &id, "sleep 5", "--timeout", "200", "--json"]));
    let bare = out.ok("run");
    assert_eq!(bare["timedOut"], true, "{bare}");
    assert!(bare["durationMs"].as_u64().unwrap() >= 200, "{bare}");
    assert!(elapsed < NOT_SECONDS, "run --timeout 200 took {elapsed:?}");
}

/// `create --idle-timeout-ms` with a unit is stored in ms and ends the idle session.
#[test]
fn create_idle_timeout_takes_units() {
    let t = TestHome::new();
    for (value, ms) in [("1m30s", 90_000), ("2h", 7_200_000), ("45000", 45_000)] {
        let created = t.create(&["--idle-timeout-ms", value], &BASH);
        assert_eq!(created["idleTimeoutMs"], ms, "{value}: {created}");
        let id = created["sessionId"].as_str().unwrap();
        assert_eq!(t.manifest(id)["idleTimeoutMs"], ms, "{value}");
        t.at(&["destroy", id, "--json"]).ok("destroy");
    }
    let created = t.create(&["--idle-timeout-ms", "0s"], &BASH);
    assert!(created.get("idleTimeoutMs").is_none(), "0s disables the idle timeout: {created}");

    let start = Instant::now();
    let created = t.create(&["--idle-timeout-ms", "0.8s"], &BASH);
    let id = created["sessionId"].as_str().unwrap();
    let waited = t.at(&["wait", id, "--exit", "--timeout", "1m", "--json"]).ok("wait");
    assert_eq!(waited["timedOut"], false, "{waited}");
    assert!(start.elapsed() >= Duration::from_millis(800), "ended after {:?}", start.elapsed());
    assert_eq!(t.listed_status(id).as_deref(), Some("exited"));
}

/// The global `--timeout-ms` accepts the same forms (and is still unused).
#[test]
fn global_timeout_ms_takes_units() {
    let t = TestHome::new();
    let home = t.home_str();
    for value in ["500", "0", "2s", "1.5s", "1m30s"] {
        let out = t.raw(&["--home", &home, "--timeout-ms", value, "list", "--json"]);
        assert_eq!(out.ok("list"), json!({"sessions": []}), "{value}");
    }
    for value in ["2sec", "-1", "1.5"] {
        let error = t.raw(&["--home", &home, "--timeout-ms", value, "list", "--json"]).err(
            "agent-tty",
            2,
            "INVALID_DURATION",
        );
        assert!(
            error["message"].as_str().unwrap().starts_with(&format!("Invalid --timeout-ms \"{value}\": "))
        );
        assert!(error["message"].as_str().unwrap().contains(FORMS), "{error}");
        assert_eq!(error["details"], json!({"timeoutMs": value}));
    }
}

/// Every duration flag rejects what is not a duration, before any session is touched,
/// with the contract's code for that flag, a message naming the flag, the value and the
/// accepted forms, and the value in `details` as before.
#[test]
fn bad_durations_are_rejected_on_every_flag() {
    let t = TestHome::new();
    let id = t.bash();
    let bad = ["2sec", "fast", "-1s", "1.5", "12px", "2 s", "1.5ms", "99999999999999999999", "1e3", ""];
    let id = id.as_str();
    // (arguments before the flag, flag, code, detail key)
    let flags: [(&[&str], &str, &str, &str); 5] = [
        (&["wait", id, "--text", "x"], "--timeout", "INVALID_DURATION", "timeout"),
        (&["wait", id, "--exit"], "--timeout", "INVALID_DURATION", "timeout"),
        (&["wait", id], "--idle-ms", "INVALID_DURATION", "idleMs"),
        (&["wait", id], "--screen-stable-ms", "INVALID_DURATION", "screenStableMs"),
        (&["run", id, "echo x"], "--timeout", "INVALID_INPUT", "timeout"),
    ];
    let mut wrong = Vec::new();
    for (before, flag, code, key) in flags {
        for value in bad {
            let mut args = before.to_vec();
            args.extend_from_slice(&[flag, value, "--json"]);
            let out = t.at(&args);
            let env: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
            let message = env["error"]["message"].as_str().unwrap_or("");
            let ok = out.code == 2
                && env["error"]["code"] == code
                && message.starts_with(&format!("Invalid {flag} \"{value}\": "))
                && message.contains(FORMS)
                && env["error"]["details"][key] == value;
            if !ok {
                wrong.push(format!("{args:?} → exit {} {env}", out.code));
            }
        }
    }
    for value in bad {
        let arg = format!("--idle-timeout-ms={value}");
        let error = t.at(&["create", &arg, "--json"]).err("create", 2, "INVALID_INPUT");
        let message = error["message"].as_str().unwrap();
        if !message.starts_with(&format!("Invalid --idle-timeout-ms \"{value}\": "))
            || !message.contains(FORMS)
        {
            wrong.push(format!("create {arg} → {error}"));
        }
    }
    assert!(wrong.is_empty(), "wrong answers:\n{}", wrong.join("\n"));
    // the exact human message
    let message = t.at(&["wait", id, "--text", "x", "--timeout", "2sec"]).human_err(2, "INVALID_DURATION");
    assert_eq!(message, format!("Invalid --timeout \"2sec\": {FORMS} (0 waits forever)."));
    let message = t.at(&["run", id, "echo x", "--timeout", "fast"]).human_err(2, "INVALID_INPUT");
    assert_eq!(message, format!("Invalid --timeout \"fast\": {FORMS}."));
    let message = t.at(&["wait", id, "--idle-ms", "1.5"]).human_err(2, "INVALID_DURATION");
    assert_eq!(message, format!("Invalid --idle-ms \"1.5\": a bare number is whole milliseconds; {FORMS}."));
    // zero where a positive duration is needed
    for (args, code) in [
        (&["wait", id, "--idle-ms", "0s", "--json"][..], "INVALID_DURATION"),
        (&["wait", id, "--screen-stable-ms", "0ms", "--json"], "INVALID_DURATION"),
        (&["run", id, "echo x", "--timeout", "0s", "--json"], "INVALID_INPUT"),
        (&["run", id, "echo x", "--timeout", "0", "--json"], "INVALID_INPUT"),
    ] {
        let error = t.at(args).err(args[0], 2, code);
        assert!(error["message"].as_str().unwrap().contains("it must be more than 0; "), "{args:?}: {error}");
    }
    // nothing reached the session
    let events = t.checked_events(id);
    assert!(of_type(&events, "input_run").is_empty(), "a rejected run was sent");
}

/// Every duration flag's help says it takes a duration.
#[test]
fn help_names_the_duration_forms() {
    let t = TestHome::new();
    for (command, flags) in [
        (&["wait", "--help"][..], &["--idle-ms", "--screen-stable-ms", "--timeout"][..]),
        (&["run", "--help"], &["--timeout"]),
        (&["create", "--help"], &["--idle-timeout-ms"]),
        (&["--help"], &["--timeout-ms"]),
    ] {
        let out = t.raw(command);
        assert_eq!(out.code, 0, "{command:?}");
        let help = out.stdout.replace('\n', " ");
        for flag in flags {
            let entry = help.split(&format!("{flag} <DURATION>")).nth(1).unwrap_or_else(|| {
                panic!("{command:?}: {flag} <DURATION> is not in the help:\n{}", out.stdout)
            });
            let entry = entry.split(" --").next().unwrap_or("");
            let squeezed = entry.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                squeezed.contains("milliseconds (500) or a duration such as"),
                "{command:?} {flag}: {squeezed}"
            );
        }
    }
    let gc = t.raw(&["gc", "--help"]).stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(gc.contains("--older-than <DURATION> Only collect sessions created at least this long ago: a duration with a unit such as 30m, 24h, 7d, 90s, 1.5h or 1h30m"), "{gc}");
}

/// `wait` without a condition is `INVALID_INPUT` naming every condition, with an example.
#[test]
fn wait_without_a_condition_lists_every_condition() {
    let t = TestHome::new();
    let id = t.bash();
    let expected = "Wait needs a condition: --text <text>, --regex <pattern>, --screen-stable-ms <duration>, \
                    --cursor-row/--cursor-col <n>, --exit, or --idle-ms <duration>. \
                    Example: agent-tty wait <session-id> --text \"$ \" --timeout 10s";
    for extra in [&[][..], &["--timeout", "2s"]] {
        let mut args = vec!["wait", id.as_str(), "--json"];
        args.extend_from_slice(extra);
        let error = t.at(&args).err("wait", 2, "INVALID_INPUT");
        assert_eq!(error["message"], expected);
        assert_eq!(error["details"], json!({}));
    }
    assert_eq!(t.at(&["wait", &id]).human_err(2, "INVALID_INPUT"), expected);
    // --after-seq alone narrows nothing
    let error = t.at(&["wait", &id, "--after-seq", "3", "--json"]).err("wait", 2, "INVALID_INPUT");
    assert_eq!(error["message"], format!("--after-seq only restricts a condition. {expected}"));
    // the combinations that are not allowed say which and what to do
    let error = t.at(&["wait", &id, "--exit", "--idle-ms", "1s", "--json"]).err("wait", 2, "INVALID_INPUT");
    assert_eq!(
        error["message"],
        "--exit and --idle-ms cannot be combined: wait for the program to exit (--exit) or for its output to go \
         quiet (--idle-ms <duration>), one per wait."
    );
    let error = t.at(&["wait", &id, "--text", "a", "--regex", "b", "--json"]).err("wait", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("mutually exclusive"), "{error}");
    let error = t.at(&["wait", &id, "--exit", "--text", "a", "--json"]).err("wait", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().starts_with("Cannot mix legacy wait flags"), "{error}");
    // a missing session is still reported first
    t.at(&["wait", "01MISSINGSESSION0000000000", "--json"]).err("wait", 3, "SESSION_NOT_FOUND");
}

/// Human `wait` output quotes the matched text, so a match spanning lines (or holding
/// control characters) prints as one escaped line; JSON keeps the exact text.
#[test]
fn human_wait_output_quotes_the_match() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.type_text(&id, "printf 'first-%s\\nsecond-%s\\n' a b\n");
    let regex = r"first-a\nsecond-b";
    let json = t.wait_render(&id, &["--regex", regex]);
    assert_eq!(json["matchedText"], "first-a\nsecond-b");
    let human = t.at(&["wait", &id, "--regex", regex, "--timeout", "20s"]).human_ok().to_string();
    let first = human.lines().next().unwrap_or("");
    assert_eq!(first, r#"Matched: "first-a\nsecond-b""#, "{human}");
    assert_eq!(human.lines().count(), 3, "{human}");
    let human = t.at(&["wait", &id, "--text", "second-b", "--timeout", "20s"]).human_ok().to_string();
    assert!(human.starts_with("Matched: \"second-b\"\n"), "{human}");
}

/// `batch` steps take the duration forms as strings (numbers stay milliseconds): a run
/// that takes 300 ms completes within `"1m"`, a wait for a missing text times out no
/// sooner than `"1s"`, `"0.5s"` of stability is at least 500 ms; a bad string is
/// rejected before anything is sent.
#[test]
fn batch_steps_take_duration_strings() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let plan = r#"[{"run":"sleep 0.3; echo ran-$((5*5))","timeout":"1m"},{"wait":{"text":"ran-25","timeout":"2s"}},
                   {"wait":{"screenStableMs":"0.5s","timeout":"1m"}},{"wait":{"text":"ran-25","timeout":5000}}]"#;
    let result = t.at(&["batch", &id, plan, "--json"]).ok("batch");
    assert_eq!(result["completedCount"], 4, "{result}");
    assert_eq!(result["steps"][0]["completed"], true, "{result}");
    assert!(result["steps"][2]["durationMs"].as_u64().unwrap() >= 500, "{result}");

    let (out, elapsed) =
        timed(|| t.at(&["batch", &id, r#"[{"wait":{"text":"never-shown","timeout":"1s"}}]"#, "--json"]));
    let result = out.ok_with_exit("batch", 11);
    assert_eq!(result["steps"][0]["timedOut"], true, "{result}");
    assert!(elapsed >= Duration::from_secs(1), "a 1s wait step ended after {elapsed:?}");

    let before = t.last_seq(&id);
    let error = t.at(&["batch", &id, r#"[{"type":"x"},{"run":"echo x","timeout":"2sec"}]"#, "--json"]).err(
        "batch",
        2,
        "INVALID_INPUT",
    );
    assert_eq!(
        error["message"],
        "Batch step 1 is invalid: `timeout` must be milliseconds (500) or a duration string such as \"500ms\", \
         \"2s\", \"1.5s\", \"2m\", \"1h\"; got \"2sec\""
    );
    assert_eq!(t.last_seq(&id), before, "nothing was sent");
}
