//! Every error case: code, message, details, exit code, and validation order.

use serde_json::{Value, json};

use crate::support::*;

/// All commands that take a session id, with the arguments that follow the id.
const ID_COMMANDS: &[(&str, &[&str])] = &[
    ("inspect", &[]),
    ("destroy", &[]),
    ("run", &["echo x"]),
    ("type", &["x"]),
    ("paste", &["x"]),
    ("send-keys", &["Enter"]),
    ("mark", &["label"]),
    ("resize", &["--cols", "10", "--rows", "10"]),
    ("signal", &["SIGINT"]),
    ("wait", &["--exit", "--timeout", "1000"]),
];

fn id_args<'a>(command: &'a str, id: &'a str, rest: &'a [&'a str]) -> Vec<&'a str> {
    let mut args = vec![command, id];
    args.extend_from_slice(rest);
    args.push("--json");
    args
}

/// Unknown session → exit 3 `SESSION_NOT_FOUND` with `{sessionId, manifestPath, home}`
/// and the 0.5 JSON message; the human message names the Home.
#[test]
fn unknown_session() {
    let t = TestHome::new();
    let id = "01NOTAREALSESSION000000000";
    for (command, rest) in ID_COMMANDS {
        let error = t.at(&id_args(command, id, rest)).err(command, 3, "SESSION_NOT_FOUND");
        assert_eq!(error["message"], format!("Session \"{id}\" was not found."), "{command}");
        assert_keys(&error["details"], &["sessionId", "manifestPath", "home"]);
        assert_eq!(error["details"]["home"], t.home_str());
        assert_eq!(error["details"]["sessionId"], id);
        assert_eq!(
            error["details"]["manifestPath"],
            format!("{}/sessions/{id}/session.json", t.home.display()),
            "{command}"
        );
    }
    let message = t.at(&["inspect", id]).human_err(3, "SESSION_NOT_FOUND");
    assert!(
        message.starts_with(&format!("Session \"{id}\" was not found in Home {}", t.home_str())),
        "{message}"
    );
    assert!(!t.home.exists(), "a lookup must not create the Home");
}

/// Ids with `/`, `\`, `.` or `..` (or empty) → exit 2 `INVALID_SESSION_ID` for every
/// command; nothing outside the Home is touched.
#[test]
fn invalid_session_ids() {
    let t = TestHome::new();
    // A directory that a path-traversing id would reach.
    let outside = t.home.parent().unwrap().join("victim");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        outside.join("session.json"),
        r#"{"version":1,"sessionId":"victim","createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z","status":"exited","command":["sh"],"cwd":"/","cols":80,"rows":24,"hostPid":null,"childPid":null,"exitCode":0,"exitSignal":null}"#,
    )
    .unwrap();
    let before = std::fs::read(outside.join("session.json")).unwrap();
    for bad in ["a/b", "..", ".", "a\\b", "../victim", "../../victim", ""] {
        for (command, rest) in ID_COMMANDS {
            let error = t.at(&id_args(command, bad, rest)).err(command, 2, "INVALID_SESSION_ID");
            assert_eq!(error["details"]["sessionId"], bad, "{command} {bad:?}");
        }
    }
    assert_eq!(
        std::fs::read(outside.join("session.json")).unwrap(),
        before,
        "the outside manifest is untouched"
    );
    let message = t.at(&["destroy", "../victim"]).human_err(2, "INVALID_SESSION_ID");
    assert!(message.contains("../victim"), "{message}");
}

/// `create` argument validation.
#[test]
fn create_validation() {
    let t = TestHome::new();
    let error = t.at(&["create", "--cols", "abc", "--json"]).err("create", 2, "INVALID_DIMENSIONS");
    assert_eq!(error["message"], "cols must be a positive integer, got: NaN");
    assert_eq!(error["details"], json!({"cols": null}));
    let error = t.at(&["create", "--cols", "0", "--json"]).err("create", 2, "INVALID_DIMENSIONS");
    assert_eq!(error["message"], "cols must be a positive integer, got: 0");
    assert_eq!(error["details"], json!({"cols": 0}));
    let error = t.at(&["create", "--rows", "x1", "--json"]).err("create", 2, "INVALID_DIMENSIONS");
    assert_eq!(error["message"], "rows must be a positive integer, got: NaN");
    assert_eq!(error["details"], json!({"rows": null}));
    let error = t.at(&["create", "--cols=-1", "--json"]).err("create", 2, "INVALID_DIMENSIONS");
    assert_eq!(error["message"], "cols must be a positive integer, got: -1");

    for entry in ["NOEQUALS", "=value"] {
        let arg = format!("--env={entry}");
        let error = t.at(&["create", &arg, "--json"]).err("create", 2, "INVALID_INPUT");
        assert_eq!(error["message"], format!("--env must use KEY=VALUE format, got: {entry}"));
        assert_eq!(error["details"], json!({"env": entry}));
    }
    // --env is validated first, before the dimensions
    t.at(&["create", "--env", "BAD", "--cols", "0", "--json"]).err("create", 2, "INVALID_INPUT");

    for value in ["abc", "-5"] {
        let arg = format!("--idle-timeout-ms={value}");
        let error = t.at(&["create", &arg, "--json"]).err("create", 2, "INVALID_INPUT");
        assert_eq!(
            error["message"],
            format!(
                "Invalid --idle-timeout-ms \"{value}\": use milliseconds (500) or a duration such as 500ms, 2s, 1.5s, 2m, 1h (0 never ends the session)."
            )
        );
        assert!(error["details"].get("idleTimeoutMs").is_some(), "{error}");
    }

    for name in ["   ", ""] {
        t.at(&["create", "--name", name, "--json"]).err("create", 2, "INVALID_INPUT");
    }
    t.at(&["create", "--term", "", "--json"]).err("create", 2, "INVALID_INPUT");
    t.at(&["create", "--json", "--", "sh", ""]).err("create", 2, "INVALID_INPUT");

    let error = t.at(&["create", "--shell", "/nonexistent", "--json"]).err("create", 2, "INVALID_INPUT");
    assert_eq!(error["message"], "Shell path does not exist or is not accessible: /nonexistent");
    assert_eq!(error["details"], json!({"shellPath": "/nonexistent"}));
    let error = t.at(&["create", "--shell", "/tmp", "--json"]).err("create", 2, "INVALID_INPUT");
    assert_eq!(error["details"], json!({"shellPath": "/tmp"}));

    let error = t.at(&["create", "--cwd", "/nonexistent", "--json"]).err("create", 8, "STORAGE_READ_ERROR");
    assert_eq!(error["message"], "Working directory does not exist or is not accessible: /nonexistent");
    assert_eq!(error["details"], json!({"cwd": "/nonexistent"}));
    let file = t.path("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let error =
        t.at(&["create", "--cwd", file.to_str().unwrap(), "--json"]).err("create", 8, "STORAGE_READ_ERROR");
    assert_eq!(error["details"], json!({"cwd": file.to_str().unwrap()}));

    let sessions = t.home.join("sessions");
    let leftovers = std::fs::read_dir(&sessions).map(|d| d.count()).unwrap_or(0);
    assert_eq!(leftovers, 0, "a failed create leaves no session directory behind");
    assert_eq!(t.at(&["list", "--all", "--json"]).ok("list"), json!({"sessions": []}));
}

/// Negative numbers given as separate arguments reach the validators (commander takes
/// `-5` as the option's value) instead of being rejected as unknown flags.
#[test]
fn negative_numbers_reach_validation() {
    let t = TestHome::new();
    let error = t.at(&["create", "--idle-timeout-ms", "-5", "--json"]).err("create", 2, "INVALID_INPUT");
    assert!(
        error["message"].as_str().unwrap().starts_with("Invalid --idle-timeout-ms \"-5\": use"),
        "{error}"
    );
    assert_eq!(error["details"], json!({"idleTimeoutMs": -5}));
    let error = t.at(&["create", "--cols", "-1", "--json"]).err("create", 2, "INVALID_DIMENSIONS");
    assert_eq!(error["message"], "cols must be a positive integer, got: -1");
    let id = t.bash();
    let error = t.at(&["resize", &id, "--cols", "-3", "--rows", "10", "--json"]).err(
        "resize",
        2,
        "INVALID_DIMENSIONS",
    );
    assert_eq!(error["message"], "Resize dimensions must be positive integers.");
    let error = t.at(&["run", &id, "echo x", "--timeout", "-1", "--json"]).err("run", 2, "INVALID_INPUT");
    assert_eq!(
        error["message"],
        "Invalid --timeout \"-1\": use milliseconds (500) or a duration such as 500ms, 2s, 1.5s, 2m, 1h."
    );
    t.at(&["wait", &id, "--exit", "--timeout", "-1", "--json"]).err("wait", 2, "INVALID_DURATION");
}

/// A program that cannot be executed fails `create` quickly with exit 2, a message that
/// names it, and no session left behind.
#[test]
fn create_missing_program() {
    let t = TestHome::new();
    for program in ["/no/such/program", "no-such-program-att-test"] {
        let out = t.at(&["create", "--json", "--", program, "arg"]);
        let error = out.err("create", 2, "INVALID_INPUT");
        assert!(error["message"].as_str().unwrap().contains(program), "message names the program: {error}");
    }
    let message = t.at(&["create", "--", "/no/such/program"]).human_err(2, "INVALID_INPUT");
    assert!(message.contains("/no/such/program"));
    let leftovers = std::fs::read_dir(t.home.join("sessions")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(leftovers, 0, "no session directory is left behind");
    assert_eq!(t.at(&["list", "--all", "--json"]).ok("list"), json!({"sessions": []}));
}

/// Global flags: errors use the envelope command `agent-tty`.
#[test]
fn global_flag_errors() {
    let t = TestHome::new();
    let error = t.raw(&["--home", "relative/home", "list", "--json"]).err("agent-tty", 2, "INVALID_INPUT");
    assert_eq!(error["message"], "--home must be an absolute path.");
    assert_eq!(error["details"]["home"], "relative/home");
    let error = t.raw(&["--home", "", "list", "--json"]).err("agent-tty", 2, "INVALID_INPUT");
    assert_eq!(error["message"], "--home must not be empty.");
    let error = t.run_with(&["list", "--json"], &[("AGENT_TTY_HOME", Some("rel"))], None).err(
        "agent-tty",
        2,
        "INVALID_INPUT",
    );
    assert_eq!(error["message"], "AGENT_TTY_HOME must be an absolute path.");
    let error = t.run_with(&["list", "--json"], &[("AGENT_TTY_HOME", Some(""))], None).err(
        "agent-tty",
        2,
        "INVALID_INPUT",
    );
    assert_eq!(error["message"], "AGENT_TTY_HOME must not be empty.");

    let error = t.at(&["--log-level", "loud", "list", "--json"]);
    let error = error.err("agent-tty", 2, "INVALID_INPUT");
    assert_eq!(error["message"], "Log level must be one of debug, info, warn, or error.");
    assert_eq!(error["details"], json!({"logLevel": "loud"}));
    let home = t.home_str();
    let error = t.raw(&["--home", &home, "--renderer", "bogus", "list", "--json"]).err(
        "agent-tty",
        2,
        "INVALID_INPUT",
    );
    assert_eq!(error["message"], "Renderer must be one of: ghostty-web, libghostty-vt.");
    assert_eq!(error["details"], json!({"renderer": "bogus"}));
    t.run_with(&["--home", &home, "list", "--json"], &[("AGENT_TTY_RENDERER", Some("bogus"))], None).err(
        "agent-tty",
        2,
        "INVALID_INPUT",
    );
    let error = t.raw(&["--home", &home, "--timeout-ms", "abc", "list", "--json"]).err(
        "agent-tty",
        2,
        "INVALID_DURATION",
    );
    assert_eq!(
        error["message"],
        "Invalid --timeout-ms \"abc\": use milliseconds (500) or a duration such as 500ms, 2s, 1.5s, 2m, 1h."
    );
    assert_eq!(error["details"], json!({"timeoutMs": "abc"}));
    // valid global flags are accepted
    let out = t.raw(&[
        "--home",
        &home,
        "--log-level",
        "warn",
        "--no-color",
        "--renderer",
        "ghostty-web",
        "--profile",
        "x",
        "--timeout-ms",
        "500",
        "list",
        "--json",
    ]);
    assert_eq!(out.ok("list"), json!({"sessions": []}));
    // human mode
    let message = t.raw(&["--home", "rel", "list"]).human_err(2, "INVALID_INPUT");
    assert_eq!(message, "--home must be an absolute path.");
}

/// A broken `config.json` is an `INVALID_INPUT` envelope for command `agent-tty` (port
/// decision), never a crash — for every command.
#[test]
fn broken_config() {
    let t = TestHome::new();
    std::fs::create_dir_all(&t.home).unwrap();
    for config in ["{bad", r#"{"bogus": 1}"#, r#"{"idleTimeoutMs": "x"}"#, r#"{"idleTimeoutMs": -1}"#, "[]"] {
        std::fs::write(t.home.join("config.json"), config).unwrap();
        for args in [&["list", "--json"][..], &["create", "--json", "--", "sh"], &["inspect", "X", "--json"]]
        {
            t.at(args).err("agent-tty", 2, "INVALID_INPUT");
        }
        t.at(&["list"]).human_err(2, "INVALID_INPUT");
    }
    std::fs::remove_file(t.home.join("config.json")).unwrap();
    assert_eq!(t.at(&["list", "--all", "--json"]).ok("list"), json!({"sessions": []}), "nothing was created");
}

/// Input text validation happens before the target lookup (exit 2 even for a missing
/// session), for run/type/paste.
#[test]
fn input_text_validation() {
    let t = TestHome::new();
    let id = t.bash();
    let dir = t.path("a-dir");
    std::fs::create_dir_all(&dir).unwrap();
    let empty = t.path("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let real = t.path("real.txt");
    std::fs::write(&real, "echo x\n").unwrap();
    let link = t.path("link.txt");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let missing = t.path("missing.txt");
    let (dir, empty, real, link, missing) = (
        dir.to_str().unwrap(),
        empty.to_str().unwrap(),
        real.to_str().unwrap(),
        link.to_str().unwrap(),
        missing.to_str().unwrap(),
    );
    for command in ["run", "type", "paste"] {
        for target in [id.as_str(), "01MISSINGSESSION0000000000"] {
            let error = t.at(&[command, target, "", "--json"]).err(command, 2, "INVALID_INPUT");
            assert_eq!(error["message"], "Text must not be empty.");
            assert_eq!(error["details"], json!({"text": ""}));

            let error =
                t.at(&[command, target, "hi", "--file", real, "--json"]).err(command, 2, "INVALID_INPUT");
            let message = error["message"].as_str().unwrap();
            assert!(
                message.starts_with(&format!(
                    "Positional <text> argument and --file are mutually exclusive. Usage: agent-tty {command} <session-id>"
                )),
                "{message}"
            );
            assert_eq!(error["details"], json!({"text": "hi", "file": real}));

            let error = t.at(&[command, target, "--json"]).err(command, 2, "INVALID_INPUT");
            let message = error["message"].as_str().unwrap();
            assert!(
                message.starts_with(
                    "Missing input text. Provide either a positional <text> argument or --file <path>. Usage: agent-tty "
                ),
                "{message}"
            );

            let error =
                t.at(&[command, target, "--file", missing, "--json"]).err(command, 2, "INVALID_INPUT");
            assert_eq!(error["message"], format!("Input file \"{missing}\" was not found."));
            for not_regular in [dir, link] {
                let error = t.at(&[command, target, "--file", not_regular, "--json"]).err(
                    command,
                    2,
                    "INVALID_INPUT",
                );
                assert_eq!(
                    error["message"],
                    format!(
                        "Input file \"{not_regular}\" must be a regular file. Directories, symlinks, and device files are not supported."
                    )
                );
            }
            let error = t.at(&[command, target, "--file", empty, "--json"]).err(command, 2, "INVALID_INPUT");
            assert_eq!(error["message"], format!("Input file \"{empty}\" must not be empty."));
            let error =
                t.at(&[command, target, "--file", "/dev/null", "--json"]).err(command, 2, "INVALID_INPUT");
            assert!(error["message"].as_str().unwrap().contains("must be a regular file"), "{error}");
        }
    }
    // run --timeout
    for timeout in ["0", "abc"] {
        for target in [id.as_str(), "01MISSINGSESSION0000000000"] {
            let error = t.at(&["run", target, "echo x", "--timeout", timeout, "--json"]).err(
                "run",
                2,
                "INVALID_INPUT",
            );
            assert!(
                error["message"].as_str().unwrap().starts_with(&format!("Invalid --timeout \"{timeout}\": "))
            );
            assert!(error["details"].get("timeout").is_some());
        }
    }
    // nothing was written to the live session
    let events = t.checked_events(&id);
    for kind in ["input_run", "input_text", "input_paste"] {
        assert!(of_type(&events, kind).is_empty(), "a rejected input logged {kind}");
    }
}

/// A file over 10 MB is refused.
#[test]
fn oversized_input_file() {
    let t = TestHome::new();
    let big = t.path("big.txt");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(10_000_001).unwrap();
    let error =
        t.at(&["type", "01ANY", "--file", big.to_str().unwrap(), "--json"]).err("type", 2, "INVALID_INPUT");
    assert_eq!(
        error["message"],
        format!("Input file \"{}\" exceeds the 10 MB limit for --file input.", big.display())
    );
    assert_eq!(error["details"]["sizeBytes"], 10_000_001);
    assert_eq!(error["details"]["maxSizeBytes"], 10_000_000);
}

/// resize: target first (exit 3 on a missing session even with bad dims), then dims.
#[test]
fn resize_validation_order() {
    let t = TestHome::new();
    t.at(&["resize", "01MISSING", "--cols", "0", "--rows", "0", "--json"]).err(
        "resize",
        3,
        "SESSION_NOT_FOUND",
    );
    let id = t.bash();
    let error =
        t.at(&["resize", &id, "--cols", "0", "--rows", "5", "--json"]).err("resize", 2, "INVALID_DIMENSIONS");
    assert_eq!(error["message"], "Resize dimensions must be positive integers.");
    assert_eq!(error["details"], json!({"cols": 0, "rows": 5}));
    let error = t.at(&["resize", &id, "--cols", "abc", "--rows", "5", "--json"]).err(
        "resize",
        2,
        "INVALID_DIMENSIONS",
    );
    assert_eq!(error["details"], json!({"cols": null, "rows": 5}));
    // missing --rows is a usage error
    t.at(&["resize", &id, "--cols", "10"]).exit(2);
    let events = t.checked_events(&id);
    assert!(of_type(&events, "resize").is_empty());
    assert_eq!(t.manifest(&id)["cols"], 80);
}

/// signal: target first, then the exact allow-list.
#[test]
fn signal_validation() {
    let t = TestHome::new();
    t.at(&["signal", "01MISSING", "BAD", "--json"]).err("signal", 3, "SESSION_NOT_FOUND");
    let id = t.bash();
    for bad in ["BAD", "TERM", "INT", "9", "sigterm", "SIGSTOP", ""] {
        let error = t.at(&["signal", &id, bad, "--json"]).err("signal", 2, "INVALID_SIGNAL");
        assert_eq!(
            error["message"],
            "Signal must be one of: SIGTERM, SIGINT, SIGKILL, SIGHUP, SIGUSR1, SIGUSR2."
        );
        assert_eq!(error["details"], json!({"signal": bad}));
    }
    let message = t.at(&["signal", &id, "TERM"]).human_err(2, "INVALID_SIGNAL");
    assert!(message.starts_with("Signal must be one of:"));
    assert!(of_type(&t.checked_events(&id), "signal").is_empty());
    assert_eq!(t.listed_status(&id).as_deref(), Some("running"));
}

/// `wait` flag validation.
#[test]
fn wait_validation() {
    let t = TestHome::new();
    let id = t.bash();
    // no condition, and the two legacy conditions together: see durations.rs
    let error = t.at(&["wait", &id, "--exit", "--idle-ms", "200", "--json"]).err("wait", 2, "INVALID_INPUT");
    assert!(
        error["message"].as_str().unwrap().starts_with("--exit and --idle-ms cannot be combined"),
        "{error}"
    );
    assert_eq!(error["details"], json!({}));
    for idle in ["0", "abc", "x1"] {
        t.at(&["wait", &id, "--idle-ms", idle, "--json"]).err("wait", 2, "INVALID_DURATION");
    }
    for timeout in ["abc", "x1"] {
        t.at(&["wait", &id, "--exit", "--timeout", timeout, "--json"]).err("wait", 2, "INVALID_DURATION");
    }
    // a bare number is whole milliseconds: 1.5 is no longer cut to 1 ms
    t.at(&["wait", &id, "--idle-ms", "1.5", "--timeout", "20000", "--json"]).err(
        "wait",
        2,
        "INVALID_DURATION",
    );
    // the manifest is read before any flag validation
    t.at(&["wait", "01MISSING", "--exit", "--json"]).err("wait", 3, "SESSION_NOT_FOUND");
    t.at(&["wait", "01MISSING", "--json"]).err("wait", 3, "SESSION_NOT_FOUND");
    t.at(&["wait", "01MISSING", "--idle-ms", "0", "--json"]).err("wait", 3, "SESSION_NOT_FOUND");
}

/// Input commands on an exited session → exit 4 `SESSION_NOT_RUNNING` `{sessionId,
/// status}`; on a destroyed one → `SESSION_ALREADY_DESTROYED`.
#[test]
fn commands_on_terminal_sessions() {
    let t = TestHome::new();
    let exited = t.create(&[], &["sh", "-c", "exit 0"])["sessionId"].as_str().unwrap().to_string();
    t.at(&["wait", &exited, "--exit", "--timeout", "20000", "--json"]).ok("wait");
    let destroyed = t.bash();
    t.at(&["destroy", &destroyed, "--json"]).ok("destroy");
    let inputs: &[(&str, &[&str])] = &[
        ("run", &["echo x"]),
        ("run", &["echo x", "--no-wait"]),
        ("type", &["x"]),
        ("paste", &["x"]),
        ("send-keys", &["Enter"]),
        ("mark", &["label"]),
        ("resize", &["--cols", "10", "--rows", "10"]),
        ("signal", &["SIGINT"]),
        ("wait", &["--idle-ms", "100"]),
    ];
    for (command, rest) in inputs {
        let error = t.at(&id_args(command, &exited, rest)).err(command, 4, "SESSION_NOT_RUNNING");
        assert_eq!(error["message"], format!("Session \"{exited}\" is not running."), "{command}");
        assert_eq!(error["details"], json!({"sessionId": exited, "status": "exited"}), "{command}");
        let error = t.at(&id_args(command, &destroyed, rest)).err(command, 4, "SESSION_ALREADY_DESTROYED");
        assert_eq!(error["message"], format!("Session \"{destroyed}\" is already destroyed."), "{command}");
        assert_eq!(error["details"], json!({"sessionId": destroyed, "status": "destroyed"}), "{command}");
    }
    let message = t.at(&["type", &exited, "x"]).human_err(4, "SESSION_NOT_RUNNING");
    assert_eq!(message, format!("Session \"{exited}\" is not running."));
    // inspect and wait --exit still work on terminal sessions
    t.at(&["inspect", &exited, "--json"]).ok("inspect");
    assert_eq!(t.at(&["wait", &destroyed, "--exit", "--json"]).ok("wait")["timedOut"], false);
    // the logs did not change
    let events = t.checked_events(&exited);
    assert_eq!(
        events.iter().filter(|e| e["type"] != "output").map(|e| e["type"].clone()).collect::<Vec<Value>>(),
        [json!("exit")]
    );
}

/// Usage errors: exit 2; with `--json` anywhere, a JSON error envelope on stdout; without,
/// nothing on stdout. Help is exit 0 on stdout.
#[test]
fn usage_errors_and_help() {
    let t = TestHome::new();
    let home = t.home_str();
    let cases: &[&[&str]] = &[
        &["list", "--bogus"],
        &["inspect"],
        &["frobnicate"],
        &["send-keys", "01X"],
        &["resize", "01X", "--cols", "10"],
        &["destroy", "01X", "extra"],
    ];
    for args in cases {
        let mut full = vec!["--home", home.as_str()];
        full.extend_from_slice(args);
        let out = t.raw(&full);
        out.exit(2);
        assert_eq!(out.stdout, "", "usage error without --json prints nothing on stdout: {args:?}");
        assert!(!out.stderr.is_empty());
        full.push("--json");
        let out = t.raw(&full);
        out.exit(2);
        let envelope = out.json();
        assert_eq!(envelope["ok"], false, "{args:?}");
        assert_keys(&envelope["error"], &["code", "message", "retryable", "details"]);
        assert_eq!(envelope["error"]["retryable"], false);
    }
    let out = t.raw(&["--json", "--home", &home, "list"]);
    out.exit(2);
    assert_eq!(out.json()["ok"], false, "--json before the subcommand is a usage error");
    let out = t.raw(&["--help"]);
    out.exit(0);
    assert!(out.stdout.contains("create") && out.stdout.contains("send-keys"), "{}", out.stdout);
    assert!(!out.stdout.contains("_host"), "the host entry point is hidden");
    assert!(
        out.stdout.contains("agent-tty skills get agent-tty") && out.stdout.contains("agent-tty skills list")
    );
    let out = t.raw(&["inspect", "--help"]);
    out.exit(0);
    assert!(!out.stdout.is_empty());
    let out = t.raw(&["ls", "--help"]);
    out.exit(0);
    assert!(out.stdout.contains("List sessions"), "{}", out.stdout);
    let out = t.raw(&[]);
    out.exit(2);
    assert_eq!(out.stdout, "", "bare agent-tty prints help on stderr");
    assert!(!out.stderr.is_empty());
    assert!(!t.home.exists());
}

/// The usage-error envelope names what is wrong (the missing argument, the unknown flag).
#[test]
fn usage_error_messages_are_specific() {
    let t = TestHome::new();
    let error = t.at(&["type", "--json"]).err("type", 2, "INVALID_INPUT");
    let message = error["message"].as_str().unwrap().to_lowercase();
    assert!(message.contains("session"), "the message should name the missing <session-id>: {message:?}");
    let error = t.at(&["list", "--bogus", "--json"]).err("list", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("--bogus"));
}

/// The top-level help starts with the mandatory banner of the reference.
#[test]
fn help_banner() {
    let t = TestHome::new();
    let out = t.raw(&["--help"]);
    out.exit(0);
    assert!(
        out.stdout.starts_with("MANDATORY FOR CODING AGENTS:"),
        "help must begin with the reference banner, got: {:?}",
        out.stdout.lines().next()
    );
}
