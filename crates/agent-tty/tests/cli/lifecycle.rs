//! create / list / inspect / destroy / version / wait: the canonical loop, statuses,
//! idle timeouts and exit codes.

use serde_json::{Value, json};

use crate::support::*;

/// create → run → type → paste → send-keys → mark → resize → signal → destroy, checking
/// each result and the event each one appends.
#[test]
fn canonical_loop() {
    let t = TestHome::new();

    // create
    let created = t.create(&[], &BASH);
    assert_keys(&created, &["sessionId", "createdAt", "cols", "rows", "shell"]);
    let id = created["sessionId"].as_str().unwrap().to_string();
    assert_ulid(&id);
    assert_iso(created["createdAt"].as_str().unwrap());
    assert_eq!(created["cols"], 80);
    assert_eq!(created["rows"], 24);
    assert_eq!(created["shell"], "/bin/bash", "shell is the resolved $SHELL even with a positional command");
    let manifest = t.manifest(&id);
    assert_eq!(manifest["createdAt"], created["createdAt"]);
    assert_eq!(manifest["command"], json!(BASH));

    // run
    let run = t.at(&["run", &id, "echo hello", "--json"]).ok("run");
    assert_keys(
        &run,
        &[
            "accepted",
            "completed",
            "timedOut",
            "seq",
            "durationMs",
            "marker",
            "exitCode",
            "cwd",
            "output",
            "outputTruncated",
        ],
    );
    assert_eq!(
        (&run["exitCode"], &run["output"], &run["outputTruncated"]),
        (&json!(0), &json!("hello\n"), &json!(false))
    );
    assert_eq!(run["accepted"], true);
    assert_eq!(run["completed"], true);
    assert_eq!(run["timedOut"], false);
    assert!(run["durationMs"].is_u64());
    let marker = run["marker"].as_str().unwrap().to_string();
    assert_marker(&marker);
    let run_seq = run["seq"].as_u64().unwrap();
    let events = t.checked_events(&id);
    let input_run = at_seq(&events, run_seq);
    assert_eq!(input_run["type"], "input_run");
    assert_eq!(input_run["payload"], json!({"command": "echo hello", "marker": marker, "noWait": false}));
    let completes = of_type(&events, "run_complete");
    assert_eq!(completes.len(), 1, "one run_complete per waited run");
    assert_eq!(completes[0]["payload"], json!({"marker": marker, "inputRunSeq": run_seq}));
    assert!(completes[0]["seq"].as_u64().unwrap() > run_seq);
    assert!(
        output_of(&events).contains("hello\r\n"),
        "the command output is logged: {:?}",
        output_of(&events)
    );

    // type (no newline), then type --append-newline: the shell runs the joined line
    let typed = t.at(&["type", &id, "echo typed-$((6*", "--json"]).ok("type");
    assert_keys(&typed, &["seq"]);
    let typed2 = t.at(&["type", &id, "7))", "--append-newline", "--json"]).ok("type");
    t.wait_output(&id, "typed-42");
    let events = t.checked_events(&id);
    assert_eq!(
        at_seq(&events, typed["seq"].as_u64().unwrap())["payload"],
        json!({"data": "echo typed-$((6*"})
    );
    let e = at_seq(&events, typed2["seq"].as_u64().unwrap());
    assert_eq!(e["type"], "input_text");
    assert_eq!(e["payload"], json!({"data": "7))\n"}), "--append-newline appends LF");

    // paste
    let pasted = t.at(&["paste", &id, "pasted text", "--json"]).ok("paste");
    assert_keys(&pasted, &["seq"]);
    let events = t.checked_events(&id);
    let e = at_seq(&events, pasted["seq"].as_u64().unwrap());
    assert_eq!(e["type"], "input_paste");
    assert_eq!(e["payload"], json!({"data": "\u{1b}[200~pasted text\u{1b}[201~"}));

    // send-keys
    let keys = t.at(&["send-keys", &id, "Enter", "ctrl+c", "--json"]).ok("send-keys");
    assert_keys(&keys, &["accepted", "bytesWritten", "seq"]);
    assert_eq!(keys["accepted"], json!(["Enter", "ctrl+c"]));
    assert_eq!(keys["bytesWritten"], 2);
    let events = t.checked_events(&id);
    let e = at_seq(&events, keys["seq"].as_u64().unwrap());
    assert_eq!(e["type"], "input_keys");
    assert_eq!(e["payload"], json!({"keys": ["Enter", "ctrl+c"]}));

    // mark
    let mark = t.at(&["mark", &id, "step-1", "--json"]).ok("mark");
    assert_keys(&mark, &["seq"]);
    let events = t.checked_events(&id);
    let e = at_seq(&events, mark["seq"].as_u64().unwrap());
    assert_eq!(e["type"], "marker");
    assert_eq!(e["payload"], json!({"label": "step-1"}));

    // resize
    let resized = t.at(&["resize", &id, "--cols", "120", "--rows", "40", "--json"]).ok("resize");
    assert_eq!(resized, json!({"cols": 120, "rows": 40}));
    let events = t.checked_events(&id);
    let resizes = of_type(&events, "resize");
    assert_eq!(resizes.len(), 1);
    assert_eq!(resizes[0]["payload"], json!({"cols": 120, "rows": 40}));
    let manifest = t.manifest(&id);
    assert_eq!((manifest["cols"].clone(), manifest["rows"].clone()), (json!(120), json!(40)));
    assert_eq!((manifest["creationCols"].clone(), manifest["creationRows"].clone()), (json!(80), json!(24)));

    // signal
    let signalled = t.at(&["signal", &id, "SIGINT", "--json"]).ok("signal");
    assert_eq!(signalled, json!({"signal": "SIGINT", "delivered": true}));
    let events = t.checked_events(&id);
    let signals = of_type(&events, "signal");
    assert_eq!(signals.len(), 1);
    assert_eq!(signals[0]["payload"], json!({"signal": "SIGINT"}));
    assert_eq!(t.listed_status(&id).as_deref(), Some("running"), "SIGINT does not end an interactive bash");

    // destroy
    let destroyed = t.at(&["destroy", &id, "--json"]).ok("destroy");
    assert_eq!(destroyed, json!({"sessionId": id, "destroyed": true}));
    assert_eq!(t.listed_status(&id).as_deref(), Some("destroyed"));
    let listed = t.at(&["list", "--json"]).ok("list");
    assert_eq!(listed, json!({"sessions": []}), "destroyed sessions are hidden without --all");
    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspected["terminationCategory"], "destroyed");
    assert_eq!(inspected["session"]["status"], "destroyed");
    let events = t.checked_events(&id);
    let last = events.last().unwrap();
    assert_eq!(last["type"], "exit", "the log ends with the exit event");
    assert_eq!(of_type(&events, "exit").len(), 1);

    // destroy again
    let error = t.at(&["destroy", &id, "--json"]).err("destroy", 4, "SESSION_ALREADY_DESTROYED");
    assert_eq!(error["message"], format!("Session \"{id}\" is already destroyed."));
    assert_eq!(error["details"], json!({"sessionId": id}));
}

/// `list` hides terminal sessions unless `--all`; `ls` is an alias reporting `list`;
/// summaries are strict and sorted by id (creation order).
#[test]
fn list_filters_and_alias() {
    let t = TestHome::new();
    assert_eq!(t.at(&["list", "--json"]).ok("list"), json!({"sessions": []}), "missing Home lists nothing");
    assert!(!t.home.exists(), "list must not create the Home");

    let a = t.bash_with(&["--name", "build"]);
    let b = t.create(&[], &["sh", "-c", "exit 0"])["sessionId"].as_str().unwrap().to_string();
    t.at(&["wait", &b, "--exit", "--timeout", "20000", "--json"]).ok("wait");
    let c = t.bash();

    let listed = t.at(&["list", "--json"]).ok("list");
    let sessions = listed["sessions"].as_array().unwrap();
    let ids: Vec<&str> = sessions.iter().map(|s| s["sessionId"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![a.as_str(), c.as_str()], "only active sessions, oldest first");
    let first = &sessions[0];
    assert_keys(first, &["sessionId", "status", "command", "createdAt", "name", "pid"]);
    assert_eq!(first["status"], "running");
    assert_eq!(first["command"], json!(BASH));
    assert_eq!(first["name"], "build");
    assert_eq!(first["pid"], t.manifest(&a)["childPid"]);
    assert_keys(&sessions[1], &["sessionId", "status", "command", "createdAt", "pid"]);

    let all = t.at(&["ls", "--all", "--json"]).ok("list");
    let statuses: Vec<(&str, &str)> = all["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["sessionId"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, vec![(a.as_str(), "running"), (b.as_str(), "exited"), (c.as_str(), "running")]);

    let human = t.at(&["ls"]).human_ok().to_string();
    assert_eq!(
        human,
        format!(
            "ID                          NAME   STATUS   COMMAND\n\
             {a}  build  running  bash --norc --noprofile\n\
             {c}  -      running  bash --norc --noprofile\n"
        )
    );
}

/// A program that exits immediately: create still reports it, and it ends `exited`
/// with `nonzero-exit` and an `exit` event carrying the code.
#[test]
fn program_that_exits_immediately() {
    let t = TestHome::new();
    let out = t.at(&["create", "--json", "--", "sh", "-c", "exit 3"]);
    let id = out.ok("create")["sessionId"].as_str().unwrap().to_string();
    let waited = t.at(&["wait", &id, "--exit", "--timeout", "20000", "--json"]).ok("wait");
    assert_eq!(waited, json!({"timedOut": false, "exitCode": 3}));
    assert_eq!(t.listed_status(&id).as_deref(), Some("exited"));
    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspected["terminationCategory"], "nonzero-exit");
    assert_eq!(inspected["session"]["exitCode"], 3);
    assert_eq!(inspected["session"]["exitSignal"], Value::Null);
    assert_eq!(inspected["usedOfflineReplay"], false);
    assert_eq!(inspected["rendererRuntime"]["mode"], "offline-replay");
    assert_eq!(inspected["rendererRuntime"]["status"], "fallback");
    assert_eq!(inspected["rendererRuntime"]["reason"], "session-not-running");
    assert!(inspected.get("host").is_none(), "no host block without a live RPC");
    let events = t.checked_events(&id);
    let exits = of_type(&events, "exit");
    assert_eq!(exits.len(), 1);
    assert_eq!(exits[0]["payload"], json!({"exitCode": 3, "exitSignal": null}));
    assert_eq!(events.last().unwrap()["type"], "exit");
}

/// `exit 0` typed into the shell → clean-exit.
#[test]
fn clean_exit_category() {
    let t = TestHome::new();
    let id = t.bash();
    t.at(&["run", &id, "exit 0", "--no-wait", "--json"]).ok("run");
    let waited = t.at(&["wait", &id, "--exit", "--timeout", "20000", "--json"]).ok("wait");
    assert_eq!(waited, json!({"timedOut": false, "exitCode": 0}));
    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspected["terminationCategory"], "clean-exit");
    // destroying an exited session takes the terminal fast path
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspected["session"]["status"], "destroyed");
    assert_eq!(
        inspected["session"]["exitCode"], 0,
        "exit details are kept when destroying a terminal session"
    );
    assert_eq!(inspected["terminationCategory"], "destroyed");
}

/// `--idle-timeout-ms` ends an idle session as `exited` (not `destroyed`).
#[test]
fn idle_timeout_flag() {
    let t = TestHome::new();
    let created = t.create(&["--idle-timeout-ms", "300"], &BASH);
    assert_keys(&created, &["sessionId", "createdAt", "cols", "rows", "shell", "idleTimeoutMs"]);
    assert_eq!(created["idleTimeoutMs"], 300);
    let id = created["sessionId"].as_str().unwrap().to_string();
    assert_eq!(t.manifest(&id)["idleTimeoutMs"], 300);
    let waited = t.at(&["wait", &id, "--exit", "--timeout", "20000", "--json"]).ok("wait");
    assert_eq!(waited["timedOut"], false, "idle timeout must end the session");
    assert_eq!(t.listed_status(&id).as_deref(), Some("exited"));
    let manifest = t.manifest(&id);
    assert_eq!(manifest["status"], "exited");
    assert!(manifest.get("failureReason").is_none());
    let events = t.checked_events(&id);
    assert_eq!(events.last().unwrap()["type"], "exit");
}

/// `config.json` `idleTimeoutMs` applies when the flag is absent; `--idle-timeout-ms 0`
/// overrides it (disables the timeout).
#[test]
fn idle_timeout_from_config() {
    let t = TestHome::new();
    std::fs::create_dir_all(&t.home).unwrap();
    std::fs::write(t.home.join("config.json"), r#"{"idleTimeoutMs": 300}"#).unwrap();

    let created = t.create(&[], &BASH);
    assert_eq!(created["idleTimeoutMs"], 300, "config idleTimeoutMs is reported by create");
    let id = created["sessionId"].as_str().unwrap().to_string();
    assert_eq!(t.manifest(&id)["idleTimeoutMs"], 300);

    let disabled = t.create(&["--idle-timeout-ms", "0"], &BASH);
    assert_keys(&disabled, &["sessionId", "createdAt", "cols", "rows", "shell"]);
    let kept = disabled["sessionId"].as_str().unwrap().to_string();
    assert!(t.manifest(&kept).get("idleTimeoutMs").is_none(), "idleTimeoutMs is written only when > 0");

    let waited = t.at(&["wait", &id, "--exit", "--timeout", "20000", "--json"]).ok("wait");
    assert_eq!(waited["timedOut"], false);
    assert_eq!(t.listed_status(&id).as_deref(), Some("exited"));
    // The session without idle timeout outlives the other one's whole idle period.
    assert_eq!(t.listed_status(&kept).as_deref(), Some("running"));
}

/// Config keys that are accepted but ignored (defaultCols/defaultRows/defaultShell/defaultTerm).
#[test]
fn ignored_config_defaults() {
    let t = TestHome::new();
    std::fs::create_dir_all(&t.home).unwrap();
    std::fs::write(
        t.home.join("config.json"),
        r#"{"defaultCols": 100, "defaultRows": 50, "defaultShell": "/bin/sh", "defaultTerm": "vt100", "logLevel": "warn"}"#,
    )
    .unwrap();
    let created = t.create(&[], &BASH);
    assert_eq!(
        (created["cols"].clone(), created["rows"].clone(), created["shell"].clone()),
        (json!(80), json!(24), json!("/bin/bash"))
    );
    let manifest = t.manifest(created["sessionId"].as_str().unwrap());
    assert_eq!(manifest["term"], "xterm-256color");
}

/// `wait --exit` reports the exit code (key order timedOut, exitCode); also on an
/// already-exited session; human line.
#[test]
fn wait_exit_reports_exit_code() {
    let t = TestHome::new();
    let id = t.bash();
    let run = t.at(&["run", &id, "exit 7", "--no-wait", "--json"]).ok("run");
    assert_keys(&run, &["accepted", "seq"]);
    let out = t.at(&["wait", &id, "--exit", "--timeout", "20000", "--json"]);
    let waited = out.ok("wait");
    assert_keys(&waited, &["timedOut", "exitCode"]);
    assert_eq!(waited, json!({"timedOut": false, "exitCode": 7}));
    // Terminal session: immediate answer from the manifest.
    assert_eq!(
        t.at(&["wait", &id, "--exit", "--json"]).ok("wait"),
        json!({"timedOut": false, "exitCode": 7})
    );
    assert_eq!(t.at(&["wait", &id, "--exit"]).human_ok(), "Process exited with code 7.\n");
    let events = t.checked_events(&id);
    assert_eq!(events.last().unwrap()["payload"], json!({"exitCode": 7, "exitSignal": null}));
}

/// `wait --idle-ms` on a quiet shell returns `timedOut: false`.
#[test]
fn wait_idle() {
    let t = TestHome::new();
    let id = t.bash();
    let waited = t.at(&["wait", &id, "--idle-ms", "200", "--timeout", "20000", "--json"]).ok("wait");
    assert_eq!(waited, json!({"timedOut": false}));
    assert_eq!(t.at(&["wait", &id, "--idle-ms", "100"]).human_ok(), "Wait condition met.\n");
    assert_eq!(t.listed_status(&id).as_deref(), Some("running"));
}

/// A timed-out wait exits 11 with an `ok: true` envelope.
#[test]
fn wait_exit_timeout_is_exit_11() {
    let t = TestHome::new();
    let id = t.bash();
    let out = t.at(&["wait", &id, "--exit", "--timeout", "300", "--json"]);
    let result = out.ok_with_exit("wait", 11);
    assert_keys(&result, &["timedOut", "evidence"]);
    assert_eq!(result["timedOut"], true);
    let out = t.at(&["wait", &id, "--exit", "--timeout", "100"]);
    assert_eq!(out.code, 11);
    assert!(out.stdout.starts_with("Wait timed out.\nTimed out: the program did not exit"), "{}", out.stdout);
    // an idle wait longer than the timeout times out too (idle is measured from the call)
    let result =
        t.at(&["wait", &id, "--idle-ms", "5000", "--timeout", "300", "--json"]).ok_with_exit("wait", 11);
    assert_keys(&result, &["timedOut", "evidence"]);
    assert_eq!(result["timedOut"], true);
    assert_eq!(t.listed_status(&id).as_deref(), Some("running"));
}

/// `inspect` of a running session: strict key order, live host block, counters that
/// match the event log.
#[test]
fn inspect_running_session() {
    let t = TestHome::new();
    let id = t.bash_with(&["--name", "demo", "--cols", "100", "--rows", "30"]);
    t.run_cmd(&id, "echo inspected");
    t.at(&["wait", &id, "--idle-ms", "200", "--timeout", "20000", "--json"]).ok("wait");
    let result = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_keys(
        &result,
        &[
            "session",
            "eventCount",
            "uptime",
            "lastEventSeq",
            "terminationCategory",
            "artifacts",
            "usedOfflineReplay",
            "rendererRuntime",
            "host",
            "eventLogBytes",
            "shellIntegration",
            "redaction",
        ],
    );
    let session = &result["session"];
    assert_eq!(session["status"], "running");
    assert_eq!(session["name"], "demo");
    assert_eq!((session["cols"].clone(), session["rows"].clone()), (json!(100), json!(30)));
    assert_eq!(result["terminationCategory"], "running");
    assert_eq!(result["usedOfflineReplay"], false);
    assert_eq!(
        result["artifacts"],
        json!({"total": 0, "byKind": {}, "missingCount": 0, "health": "no-artifacts"})
    );
    let runtime = &result["rendererRuntime"];
    assert_eq!(runtime["mode"], "live-host");
    assert_eq!(runtime["status"], "healthy");
    assert!(runtime["backend"].is_string());
    let host = &result["host"];
    assert_keys(host, &["cliVersion", "rpcSocketPath"]);
    // counters agree with the file as it was at the time (it can only have grown since)
    let count = result["eventCount"].as_u64().unwrap();
    assert!(count >= 4, "create output + input_run + output + run_complete at least");
    assert_eq!(result["lastEventSeq"].as_u64().unwrap(), count - 1);
    let bytes = result["eventLogBytes"].as_u64().unwrap();
    let events = t.checked_events(&id);
    assert_eq!(events.len() as u64, count, "eventCount is the number of lines");
    let raw = t.events_raw(&id);
    let prefix: usize = raw.lines().take(count as usize).map(|l| l.len() + 1).sum();
    assert_eq!(prefix as u64, bytes, "eventLogBytes is the size of the first eventCount lines");
    assert!(result["uptime"].as_u64().is_some());
}

/// `create` options end up in the result and in session.json (strict key order).
#[test]
fn create_options_in_manifest() {
    let t = TestHome::new();
    let sub = t.path("sub dir");
    std::fs::create_dir_all(&sub).unwrap();
    let created = t.create(
        &[
            "--cols",
            "100",
            "--rows",
            "30",
            "--name",
            " my session ",
            "--term",
            "vt100",
            "--env",
            "FOO=bar",
            "--idle-timeout-ms",
            "600000",
            "--cwd",
            "sub dir",
        ],
        &BASH,
    );
    assert_keys(&created, &["sessionId", "createdAt", "cols", "rows", "shell", "env", "idleTimeoutMs"]);
    assert_eq!(created["env"], json!({"FOO": "bar"}));
    let id = created["sessionId"].as_str().unwrap().to_string();
    let manifest = t.manifest(&id);
    assert_keys(
        &manifest,
        &[
            "version",
            "sessionId",
            "createdAt",
            "updatedAt",
            "status",
            "command",
            "cwd",
            "name",
            "env",
            "shell",
            "term",
            "cols",
            "rows",
            "creationCols",
            "creationRows",
            "idleTimeoutMs",
            "hostPid",
            "childPid",
            "exitCode",
            "exitSignal",
        ],
    );
    assert_eq!(manifest["version"], 1);
    assert_eq!(manifest["sessionId"], id);
    assert_eq!(manifest["cwd"], sub.to_str().unwrap(), "relative --cwd resolves against the CLI's cwd");
    assert_eq!(manifest["name"], " my session ", "name is stored untrimmed");
    assert_eq!(manifest["term"], "vt100");
    assert_eq!(manifest["shell"], "/bin/bash");
    assert_eq!((manifest["creationCols"].clone(), manifest["creationRows"].clone()), (json!(100), json!(30)));
    assert!(manifest["hostPid"].as_u64().is_some() && manifest["childPid"].as_u64().is_some());
    assert_eq!(manifest["exitCode"], Value::Null);
    assert_iso(manifest["updatedAt"].as_str().unwrap());
    t.run_cmd(&id, "pwd; stty size");
    let output = t.output_text(&id);
    assert!(output.contains(&format!("{}\r\n", sub.display())), "the shell starts in --cwd: {output:?}");
    assert!(output.contains("30 100\r\n"), "the PTY has the requested size: {output:?}");
}

/// `--shell` without a command runs that shell; without `--shell`, `$SHELL`; without
/// `$SHELL`, `/bin/sh`. `--cols 10.5` is parsed like parseInt (10).
#[test]
fn shell_resolution() {
    let t = TestHome::new();
    let created = t.create(&["--shell", "/bin/sh", "--cols", "10.5"], &[]);
    assert_eq!(created["shell"], "/bin/sh");
    assert_eq!(created["cols"], 10);
    let id = created["sessionId"].as_str().unwrap();
    assert_eq!(t.manifest(id)["command"], json!(["/bin/sh"]));

    let created = t.create(&[], &[]);
    let id = created["sessionId"].as_str().unwrap();
    assert_eq!(created["shell"], "/bin/bash");
    assert_eq!(t.manifest(id)["command"], json!(["/bin/bash"]));

    let home = t.home_str();
    let out = t.run_with(&["--home", &home, "create", "--json"], &[("SHELL", None)], None);
    let created = out.ok("create");
    assert_eq!(created["shell"], "/bin/sh");
    let id = created["sessionId"].as_str().unwrap();
    assert_eq!(t.manifest(id)["command"], json!(["/bin/sh"]));
    assert_eq!(t.at(&["list", "--json"]).ok("list")["sessions"].as_array().unwrap().len(), 3);
}

/// `AGENT_TTY_HOME` selects the Home; `--home` beats it; Home paths are normalised.
#[test]
fn home_selection() {
    let t = TestHome::new();
    let other = t.path("other-home");
    let home = t.home_str();
    let out = t.run_with(&["create", "--json", "--", "sh"], &[("AGENT_TTY_HOME", Some(&home))], None);
    let id = out.ok("create")["sessionId"].as_str().unwrap().to_string();
    assert!(t.session_dir(&id).join("session.json").is_file(), "AGENT_TTY_HOME is the Home");

    let out = t.run_with(
        &["--home", &home, "list", "--json"],
        &[("AGENT_TTY_HOME", Some(other.to_str().unwrap()))],
        None,
    );
    assert_eq!(out.ok("list")["sessions"].as_array().unwrap().len(), 1, "--home beats AGENT_TTY_HOME");

    // lexical normalisation of an explicit Home
    let messy = format!("{}/./x/..//home", t.home.parent().unwrap().display());
    let error =
        t.raw(&["--home", &messy, "inspect", "NOPE", "--json"]).err("inspect", 3, "SESSION_NOT_FOUND");
    assert_eq!(error["details"]["manifestPath"], format!("{home}/sessions/NOPE/session.json"));
}

/// Without `--home` or `AGENT_TTY_HOME` the Home is `$HOME/.agent-tty` (the temporary
/// user home here).
#[test]
fn default_home() {
    let t = TestHome::with_default_home();
    let out = t.raw(&["create", "--json", "--", "sh"]);
    let id = out.ok("create")["sessionId"].as_str().unwrap().to_string();
    assert_eq!(t.home, t.user_home.join(".agent-tty"));
    assert!(t.session_dir(&id).join("session.json").is_file());
    assert_eq!(mode(&t.home), 0o700, "a Home created by agent-tty is 0700");
    let listed = t.raw(&["list", "--json"]).ok("list");
    assert_eq!(listed["sessions"][0]["sessionId"], id.as_str());
}

/// `version`: strict result, capabilities only with --json; human lines.
#[test]
fn version() {
    let t = TestHome::new();
    let result = t.at(&["version", "--json"]).ok("version");
    assert_keys(&result, &["cliVersion", "protocolVersion", "rendererBackends", "runtime", "capabilities"]);
    assert!(!result["cliVersion"].as_str().unwrap().is_empty());
    assert_eq!(result["protocolVersion"], "0.1.0");
    assert_eq!(result["rendererBackends"], json!(["ghostty-web", "libghostty-vt"]));
    assert_keys(&result["runtime"], &["node", "platform", "arch"]);
    assert_eq!(result["runtime"]["platform"], "linux");
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => other,
    };
    assert_eq!(result["runtime"]["arch"], arch);
    let names: Vec<&str> =
        result["capabilities"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, CAPABILITIES);
    for cap in result["capabilities"].as_array().unwrap() {
        match cap["status"].as_str().unwrap() {
            "available" => assert!(
                cap.as_object()
                    .unwrap()
                    .keys()
                    .all(|k| ["name", "status", "reason", "detail"].contains(&k.as_str()))
            ),
            "unavailable" => assert_keys(cap, &["name", "status", "reason", "detail"]),
            other => panic!("capability status {other:?}"),
        }
    }
    let human = t.at(&["version"]).human_ok().to_string();
    let lines: Vec<&str> = human.lines().collect();
    assert_eq!(lines.len(), 3, "{human:?}");
    assert_eq!(lines[0], format!("agent-tty {}", result["cliVersion"].as_str().unwrap()));
    assert_eq!(lines[1], "protocol 0.1.0");
    assert!(lines[2].starts_with("runtime ") && lines[2].ends_with(&format!("(linux/{arch})")), "{human:?}");
    assert!(!t.home.exists(), "version must not create the Home");
}
