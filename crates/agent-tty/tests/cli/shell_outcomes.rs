//! Commands with outcomes through the real binary and real shells (bash, zsh, fish) with
//! the shell integration `create` injects: `run` returns the exit code, the cwd and the
//! output; `run --check`; ctrl+c; a megabyte of output; vim, a nested shell and a REPL
//! in between; `history` live and offline; `inspect`; logs a 0.5 reader still reads.

use serde_json::{Value, json};

use crate::support::*;

/// The shells, their packages, and a user start-up file that sets a variable and a
/// prompt of its own (the integration must read it first and keep it).
const SHELLS: [(&str, &str, &str, &str); 3] = [
    ("bash", "bash", ".bashrc", "export USER_RC_LOADED=yes\nPS1='custom> '\n"),
    ("zsh", "zsh", ".zshrc", "export USER_RC_LOADED=yes\nPROMPT='custom> '\n"),
    (
        "fish",
        "fish",
        ".config/fish/config.fish",
        "set -gx USER_RC_LOADED yes\nfunction fish_prompt; echo -n 'custom> '; end\nfunction fish_greeting; end\n",
    ),
];

/// An integrated session of `shell` whose first (custom) prompt is on screen.
fn integrated(t: &TestHome, shell: &str, rc_path: &str, rc: &str) -> String {
    let path = t.user_home.join(rc_path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, rc).unwrap();
    let id = t.create(&[], &[shell])["sessionId"].as_str().unwrap().to_string();
    t.wait_render(&id, &["--text", "custom>"]);
    id
}

fn run_json(t: &TestHome, id: &str, command: &str) -> Value {
    let result = t.run_cmd(id, command);
    assert!(result["exitCode"].is_i64(), "{command}: an exit code: {result}");
    result
}

fn history(t: &TestHome, id: &str, extra: &[&str]) -> Value {
    let mut args = vec!["history", id, "--json"];
    args.extend_from_slice(extra);
    t.at(&args).ok("history")
}

fn commands(history: &Value) -> Vec<(String, Option<i64>)> {
    history["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["command"].as_str().unwrap_or("").to_string(), c["exitCode"].as_i64()))
        .collect()
}

fn outcomes_in(shell: &str, package: &str, rc_path: &str, rc: &str) {
    require(shell, package);
    require("vim", "vim");
    let t = TestHome::new();
    let id = integrated(&t, shell, rc_path, rc);
    let inspect = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspect["shellIntegration"]["injected"], shell, "{inspect}");
    assert_eq!(inspect["session"]["command"], json!([shell]), "session.json keeps the user's argv");

    // Success, with the user's start-up file read first.
    let ok = run_json(&t, &id, "echo rc=$USER_RC_LOADED");
    assert_eq!((ok["exitCode"].as_i64(), ok["output"].as_str()), (Some(0), Some("rc=yes\n")), "{ok}");
    assert_eq!(ok["outputTruncated"], false);

    // Failure, and --check.
    let failed = run_json(&t, &id, "ls /nonexistent-dir");
    assert_eq!(failed["exitCode"].as_i64(), Some(2), "{failed}");
    assert!(failed["output"].as_str().unwrap().contains("nonexistent-dir"), "{failed}");
    let error = t.at(&["run", &id, "false", "--check", "--json"]).err("run", 1, "COMMAND_FAILED");
    assert_eq!(error["details"]["exitCode"], 1, "{error}");
    assert_eq!(error["details"]["completed"], true, "{error}");
    let human = t.at(&["run", &id, "false", "--check"]).human_err(1, "COMMAND_FAILED");
    assert!(human.contains("exit status 1"), "{human}");
    t.at(&["run", &id, "true", "--check", "--json"]).ok("run");

    // A directory change, and a command that prints nothing.
    let cd = run_json(&t, &id, "cd /tmp");
    assert_eq!((cd["cwd"].as_str(), cd["output"].as_str()), (Some("/tmp"), Some("")), "{cd}");
    let quiet = run_json(&t, &id, "true");
    assert_eq!((quiet["exitCode"].as_i64(), quiet["output"].as_str()), (Some(0), Some("")));

    // A megabyte of output: all of it in the log, head and tail in the result.
    let big = run_json(&t, &id, "seq 1 150000");
    let output = big["output"].as_str().unwrap();
    assert_eq!(big["outputTruncated"], true);
    assert!(output.starts_with("1\n2\n3\n") && output.ends_with("149999\n150000\n"), "{}", &output[..200]);
    assert!(output.len() < 66 * 1024, "capped: {} bytes", output.len());
    assert!(output.contains("bytes left out here"), "says what it left out");
    let small = t.at(&["run", &id, "seq 1 2000", "--max-output", "1k", "--json"]).ok("run");
    assert!(small["output"].as_str().unwrap().len() < 1200, "{small}");
    let none = t.at(&["run", &id, "seq 1 3", "--max-output", "0", "--json"]).ok("run");
    assert!(none.get("output").is_none() && none["exitCode"] == 0, "{none}");

    // ctrl+c ends a waited run with 130.
    let pending = t.spawn(&["run", &id, "sleep 30", "--json"]);
    wait_until("sleep runs", DEADLINE, || running_command(&t, &id).as_deref() == Some("sleep 30"));
    // The shell said it started the command; ctrl+c is for `sleep` itself, once it runs.
    let shell_pid = pid_of(&t.manifest(&id), "childPid");
    wait_until("sleep was executed", DEADLINE, || {
        children(shell_pid).iter().any(|(_, comm)| comm == "sleep")
    });
    t.send_keys(&id, &["ctrl+c"]);
    let interrupted = pending.finish().ok("run");
    assert_eq!(interrupted["exitCode"].as_i64(), Some(130), "{interrupted}");

    // A full-screen program in between, then the shell goes on.
    let vim_seq =
        t.at(&["run", &id, "vim -u NONE -N", "--no-wait", "--json"]).ok("run")["seq"].as_u64().unwrap();
    t.wait_render(&id, &["--text", "~", "--after-seq", &vim_seq.to_string()]);
    t.type_text(&id, ":q!\r");
    wait_until("vim ended", DEADLINE, || running_command(&t, &id).is_none());
    let after = run_json(&t, &id, "echo after-vim");
    assert_eq!(after["output"], "after-vim\n", "{after}");

    // history, live: every command with its exit code, in order.
    let live = history(&t, &id, &[]);
    let listed = commands(&live);
    for expected in [
        ("echo rc=$USER_RC_LOADED".to_string(), Some(0)),
        ("ls /nonexistent-dir".to_string(), Some(2)),
        ("false".to_string(), Some(1)),
        ("cd /tmp".to_string(), Some(0)),
        ("sleep 30".to_string(), Some(130)),
        ("vim -u NONE -N".to_string(), Some(0)),
        ("echo after-vim".to_string(), Some(0)),
    ] {
        assert!(listed.contains(&expected), "{expected:?} in {listed:?}");
    }
    let cd_entry = live["commands"].as_array().unwrap().iter().find(|c| c["command"] == "cd /tmp").unwrap();
    assert_eq!(cd_entry["cwdAfter"], "/tmp", "{cd_entry}");
    assert!(cd_entry["durationMs"].is_u64() && cd_entry["state"] == "succeeded", "{cd_entry}");
    let failed_only = history(&t, &id, &["--failed"]);
    assert!(commands(&failed_only).iter().all(|(_, code)| *code != Some(0)), "{failed_only}");
    assert!(commands(&failed_only).contains(&("sleep 30".to_string(), Some(130))));
    let last = history(&t, &id, &["--last", "2"]);
    assert_eq!(commands(&last).last().unwrap().0, "echo after-vim");
    assert_eq!(commands(&last).len(), 2);

    // Nothing of the integration reaches the screen or the logged output.
    let screen = canonical_text(&t.snapshot(&id, &["--include-scrollback"]));
    assert!(!screen.contains("133;") && !screen.contains("file://"), "{screen}");
    let events = t.checked_events(&id);
    assert!(!output_of(&events).contains("\u{1b}]133;"), "marks are taken out of the log's output");

    // Offline, after the session ended: the same history.
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let offline = history(&t, &id, &[]);
    assert_eq!(commands(&offline), listed);
    let inspect = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspect["shellIntegration"]["active"], true, "{inspect}");
}

/// The command the shell is running now, as `history` says.
fn running_command(t: &TestHome, id: &str) -> Option<String> {
    let history = history(t, id, &[]);
    let last = history["commands"].as_array()?.last()?.clone();
    (last["state"] == "running").then(|| last["command"].as_str().unwrap_or("").to_string())
}

#[test]
fn bash_commands_have_outcomes() {
    let (shell, package, rc_path, rc) = SHELLS[0];
    outcomes_in(shell, package, rc_path, rc);
}

#[test]
fn zsh_commands_have_outcomes() {
    let (shell, package, rc_path, rc) = SHELLS[1];
    outcomes_in(shell, package, rc_path, rc);
}

#[test]
fn fish_commands_have_outcomes() {
    let (shell, package, rc_path, rc) = SHELLS[2];
    outcomes_in(shell, package, rc_path, rc);
}

/// A python3 REPL is not a prompt of the shell; a nested shell without the hooks adds no
/// marks, and after its `exit` the outer shell's marks go on.
#[test]
fn nested_programs_do_not_confuse_the_marks() {
    require("python3", "python3");
    let t = TestHome::new();
    let (shell, _, rc_path, rc) = SHELLS[0];
    let id = integrated(&t, shell, rc_path, rc);
    t.at(&["run", &id, "python3 -q", "--no-wait", "--json"]).ok("run");
    t.wait_render(&id, &["--regex", ">>>\\n*$"]);
    assert_eq!(running_command(&t, &id).as_deref(), Some("python3 -q"));
    t.type_text(&id, "print(6*7)\r");
    t.wait_render(&id, &["--text", "42"]);
    t.type_text(&id, "exit()\r");

    // A nested bash reads the user's files only (no hooks): its commands are not
    // recorded, and its exit status is the outer command's.
    t.wait_render(&id, &["--regex", "custom>\\n*$"]);
    t.at(&["run", &id, "bash --norc --noprofile", "--no-wait", "--json"]).ok("run");
    t.wait_render(&id, &["--regex", "bash-[0-9.]+[#$]\\n*$"]);
    let before = commands(&history(&t, &id, &[])).len();
    t.type_text(&id, "echo inner; exit 3\r");
    t.wait_render(&id, &["--regex", "custom>\\n*$"]);
    let outer = run_json(&t, &id, "echo outer");
    assert_eq!(outer["output"], "outer\n");
    let listed = commands(&history(&t, &id, &[]));
    assert_eq!(listed.len(), before + 1, "the nested shell's own commands are not recorded: {listed:?}");
    assert!(listed.contains(&("python3 -q".to_string(), Some(0))), "{listed:?}");
    assert!(listed.contains(&("bash --norc --noprofile".to_string(), Some(3))), "{listed:?}");
    assert!(!listed.iter().any(|(c, _)| c.contains("inner")), "{listed:?}");
}

/// Without the integration, `run` still learns the exit code (from the postamble), and
/// `history` says why it has nothing.
#[test]
fn without_integration_every_shell_still_gets_an_exit_code() {
    let t = TestHome::new();
    let id = t.create(&["--no-shell-integration"], &["bash"])["sessionId"].as_str().unwrap().to_string();
    let inspect = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspect["shellIntegration"]["injected"], Value::Null, "{inspect}");
    assert_eq!(inspect["shellIntegration"]["active"], false, "{inspect}");
    let failed = t.run_cmd(&id, "echo out; (exit 7)");
    assert_eq!(
        (failed["exitCode"].as_i64(), failed["output"].as_str()),
        (Some(7), Some("out\n")),
        "{failed}"
    );
    assert!(failed["cwd"].is_string(), "the cwd from the kernel: {failed}");
    let empty = history(&t, &id, &[]);
    assert_eq!(empty["commands"], json!([]));
    assert!(empty["note"].as_str().unwrap().contains("--no-shell-integration"), "{empty}");

    // sh and fish get their status variable.
    for (program, package) in [("sh", "dash"), ("fish", "fish")] {
        require(program, package);
        let id = t.create(&["--no-shell-integration"], &[program])["sessionId"].as_str().unwrap().to_string();
        let result = t.run_cmd(&id, "false");
        assert_eq!(result["exitCode"].as_i64(), Some(1), "{program}: {result}");
    }
}

/// The command boundaries are markers a 0.5 reader reads, and `mark` refuses their prefix.
#[test]
fn command_records_are_markers_and_their_prefix_is_reserved() {
    let t = TestHome::new();
    let (shell, _, rc_path, rc) = SHELLS[0];
    let id = integrated(&t, shell, rc_path, rc);
    let run = run_json(&t, &id, "echo hi");
    let events = t.checked_events(&id);
    let labels: Vec<&str> =
        of_type(&events, "marker").iter().map(|e| e["payload"]["label"].as_str().unwrap()).collect();
    let start = labels.iter().find(|l| l.starts_with("agent-tty:command-start ")).expect("a start record");
    let start: Value = serde_json::from_str(&start["agent-tty:command-start ".len()..]).unwrap();
    assert_eq!(start["command"], "echo hi");
    let end = labels.iter().find(|l| l.starts_with("agent-tty:command-end ")).expect("an end record");
    let end: Value = serde_json::from_str(&end["agent-tty:command-end ".len()..]).unwrap();
    assert_eq!(end["exitCode"], 0);
    let completes = of_type(&events, "run_complete");
    assert_eq!(completes.last().unwrap()["payload"]["inputRunSeq"], run["seq"]);

    let error = t.at(&["mark", &id, "agent-tty:command-end {}", "--json"]).err("mark", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("reserved"), "{error}");
    t.at(&["mark", &id, "agent-tty-ok", "--json"]).ok("mark");
}

/// A `run` at once after `create`, before the shell drew its first prompt, still gets its
/// outcome (by the postamble), and the postamble is not a command of the history.
#[test]
fn a_run_before_the_first_prompt_has_an_outcome_and_no_postamble_in_history() {
    let t = TestHome::new();
    let id = t.create(&[], &["bash"])["sessionId"].as_str().unwrap().to_string();
    let first = t.run_cmd(&id, "echo first");
    assert_eq!((first["exitCode"].as_i64(), first["output"].as_str()), (Some(0), Some("first\n")), "{first}");
    let second = t.run_cmd(&id, "echo second");
    assert_eq!(second["output"], "second\n", "{second}");
    let listed = commands(&history(&t, &id, &[]));
    assert!(listed.iter().all(|(command, _)| !command.starts_with("printf")), "{listed:?}");
    assert!(listed.contains(&("echo second".to_string(), Some(0))), "{listed:?}");
}

/// Batch run steps carry the same outcome, and `"check": true` stops the batch at a failed
/// command with `COMMAND_FAILED` (exit 1).
#[test]
fn batch_run_steps_carry_outcomes_and_check() {
    let t = TestHome::new();
    let (shell, _, rc_path, rc) = SHELLS[0];
    let id = integrated(&t, shell, rc_path, rc);
    let steps = r#"[{"run":"echo one"},{"run":"seq 1 500","maxOutput":"1k"},{"run":"false","check":true},{"run":"echo never"}]"#;
    let result = t.at(&["batch", &id, steps, "--json"]).ok_with_exit("batch", 1);
    let steps = result["steps"].as_array().unwrap();
    assert_eq!(
        (steps[0]["exitCode"].as_i64(), steps[0]["output"].as_str()),
        (Some(0), Some("one\n")),
        "{result}"
    );
    assert_eq!(steps[1]["outputTruncated"], true, "{result}");
    assert_eq!(steps[2]["status"], "failed", "{result}");
    assert_eq!(steps[2]["error"]["code"], "COMMAND_FAILED", "{result}");
    assert_eq!(steps[3]["status"], "not-run", "{result}");
    let bad = t.at(&["batch", &id, r#"[{"run":"x","maxOutput":"lots"}]"#, "--json"]).err(
        "batch",
        2,
        "INVALID_INPUT",
    );
    assert!(bad["message"].as_str().unwrap().contains("maxOutput"), "{bad}");
}
