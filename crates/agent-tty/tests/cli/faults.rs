//! Faults: killed hosts, killed children, forced destroys, corrupt manifests.

use serde_json::{Value, json};

use crate::support::*;

/// A bash session with some history; returns (id, hostPid, childPid).
fn session_with_history(t: &TestHome) -> (String, u32, u32) {
    let id = t.bash();
    t.run_cmd(&id, "echo before-crash");
    t.at(&["mark", &id, "pre", "--json"]).ok("mark");
    let manifest = t.manifest(&id);
    (id, pid_of(&manifest, "hostPid"), pid_of(&manifest, "childPid"))
}

/// SIGKILLs the host and waits until it is dead (a zombie counts: PID 1 may not reap).
fn kill_host(pid: u32) {
    kill(pid, libc::SIGKILL);
    wait_until(&format!("killed host {pid} is dead"), DEADLINE, || pid_gone(pid));
}

/// After kill -9 of the host: before any reconcile, input commands get exit 6
/// `HOST_UNREACHABLE` (retryable); `list --all` then reconciles to `failed`/`host-death`,
/// kills the orphaned child, and later input commands get exit 4.
#[test]
fn killed_host_is_reconciled_to_failed() {
    let t = TestHome::new();
    let (id, host, child) = session_with_history(&t);
    t.track_pid(child);
    kill_host(host);

    // the event log is intact
    let events = t.checked_events(&id);
    assert!(output_of(&events).contains("before-crash"));

    // before reconcile: the target resolves (manifest says running), the RPC fails
    for (command, rest) in [
        ("type", &["x"][..]),
        ("run", &["echo x"]),
        ("send-keys", &["Enter"]),
        ("mark", &["m"]),
        ("paste", &["x"]),
    ] {
        let mut args = vec![command, id.as_str()];
        args.extend_from_slice(rest);
        args.push("--json");
        let error = t.at(&args).err(command, 6, "HOST_UNREACHABLE");
        assert_eq!(error["retryable"], true);
    }
    let message = t.at(&["type", &id, "x"]).human_err(6, "HOST_UNREACHABLE");
    assert!(!message.is_empty());
    assert_eq!(t.manifest(&id)["status"], "running", "input commands do not reconcile");

    // list reconciles
    let listed = t.at(&["list", "--all", "--json"]).ok("list");
    let summary = &listed["sessions"][0];
    assert_eq!(summary["sessionId"], id.as_str());
    assert_eq!(summary["status"], "failed");
    assert_eq!(summary["pid"], Value::Null);
    let manifest = t.manifest(&id);
    assert_eq!(manifest["status"], "failed");
    let reason = manifest["failureReason"].as_str().unwrap();
    assert!(reason.contains("host process died unexpectedly"), "{reason}");
    assert!(reason.contains(&host.to_string()), "reason names the pid: {reason}");
    assert_eq!(manifest["failureOrigin"], "host-death");
    assert_eq!(manifest["hostPid"], Value::Null);
    assert_eq!(manifest["childPid"], Value::Null);
    let keys: Vec<&str> = manifest.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(&keys[4..8], ["status", "failureReason", "failureOrigin", "command"], "field order");
    wait_until("the orphaned child was killed by reconcile", DEADLINE, || pid_gone(child));
    assert_eq!(t.at(&["list", "--json"]).ok("list"), json!({"sessions": []}), "failed is terminal");

    // after reconcile: not running
    let error = t.at(&["type", &id, "x", "--json"]).err("type", 4, "SESSION_NOT_RUNNING");
    assert_eq!(error["details"], json!({"sessionId": id, "status": "failed"}));
    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspected["terminationCategory"], "host-death");
    let text = t.at(&["inspect", &id]).human_ok().to_string();
    assert!(text.contains("\nTermination: host-death\n"), "{text}");
    assert!(text.contains("\nFailure Reason: host process died unexpectedly"), "{text}");
    assert!(text.contains("\nFailure Origin: host-death\n"), "{text}");
    assert_eq!(t.at(&["wait", &id, "--exit", "--json"]).ok("wait"), json!({"timedOut": false}));

    // destroy of a failed session succeeds once, then reports already destroyed
    assert_eq!(t.at(&["destroy", &id, "--json"]).ok("destroy"), json!({"sessionId": id, "destroyed": true}));
    assert_eq!(t.listed_status(&id).as_deref(), Some("destroyed"));
    t.at(&["destroy", &id, "--json"]).err("destroy", 4, "SESSION_ALREADY_DESTROYED");
    // the log is still well-formed after all that
    t.checked_events(&id);
}

/// `wait --exit` after the host was killed answers from the manifest (no hang, no
/// HOST_UNREACHABLE).
#[test]
fn wait_exit_after_host_killed() {
    let t = TestHome::new();
    let (id, host, child) = session_with_history(&t);
    t.track_pid(child);
    kill_host(host);
    let result = t.at(&["wait", &id, "--exit", "--timeout", "20000", "--json"]).ok("wait");
    assert_eq!(result["timedOut"], false);
    assert!(result.get("exitCode").is_none(), "a host death has no exit code: {result}");
    assert_eq!(t.manifest(&id)["status"], "failed");
    wait_until("the orphaned child was killed", DEADLINE, || pid_gone(child));
}

/// A `wait --exit` that is in flight when the host is killed returns promptly (it does
/// not sit until its 20 s timeout) and answers like a `wait` started afterwards would.
#[test]
fn wait_exit_in_flight_when_host_killed() {
    let t = TestHome::new();
    let (id, host, child) = session_with_history(&t);
    t.track_pid(child);
    let socket = socket_of(&t, &id);
    let out = std::thread::scope(|scope| {
        let waiter = scope.spawn(|| t.at(&["wait", &id, "--exit", "--timeout", "20000", "--json"]));
        wait_until("the host accepted the wait connection", DEADLINE, || has_client(&socket));
        kill_host(host);
        waiter.join().unwrap()
    });
    assert_ne!(out.code, 11, "the wait must not run into its timeout:\n{out:?}");
    let result = out.ok("wait");
    assert_eq!(result["timedOut"], false);
}

/// `inspect` of a session whose host died reconciles and reports the offline fallback.
#[test]
fn inspect_after_host_killed() {
    let t = TestHome::new();
    let (id, host, child) = session_with_history(&t);
    t.track_pid(child);
    kill_host(host);
    let result = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(result["usedOfflineReplay"], true);
    assert_eq!(result["session"]["status"], "failed");
    assert_eq!(result["terminationCategory"], "host-death");
    assert_eq!(
        result["rendererRuntime"],
        json!({"backend": result["rendererRuntime"]["backend"], "mode": "offline-replay", "status": "fallback", "reason": "host-unreachable"})
    );
    assert!(result.get("host").is_none());
    let text = t.at(&["inspect", &id]).human_ok().to_string();
    assert!(!text.contains("Offline Replay: yes"), "the second inspect needs no fallback: {text}");
}

/// `destroy --force` on a running session ends in a terminal status, kills child and
/// host, and says `destroyed: true`.
#[test]
fn destroy_force_running_session() {
    let t = TestHome::new();
    let (id, host, child) = session_with_history(&t);
    t.track_pid(child);
    let result = t.at(&["destroy", &id, "--force", "--json"]).ok("destroy");
    assert_eq!(result, json!({"sessionId": id, "destroyed": true}));
    wait_until("host and child are dead after destroy --force", DEADLINE, || {
        pid_gone(host) && pid_gone(child)
    });
    let status = t.listed_status(&id).unwrap();
    assert!(status == "destroyed" || status == "failed", "terminal status expected, got {status}");
    assert_eq!(t.at(&["list", "--json"]).ok("list"), json!({"sessions": []}));
    let error = t.at(&["type", &id, "x", "--json"]);
    assert_eq!(error.code, 4, "{error:?}");
    t.checked_events(&id);
    let socket = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert!(socket.get("host").is_none());
}

/// A plain `destroy` of a session whose host was killed succeeds (fallback path).
#[test]
fn destroy_after_host_killed() {
    let t = TestHome::new();
    let (id, host, child) = session_with_history(&t);
    t.track_pid(child);
    kill_host(host);
    assert_eq!(t.at(&["destroy", &id, "--json"]).ok("destroy"), json!({"sessionId": id, "destroyed": true}));
    let status = t.listed_status(&id).unwrap();
    assert!(status == "destroyed" || status == "failed", "terminal status expected, got {status}");
    wait_until("the orphaned child was killed", DEADLINE, || pid_gone(child));
}

/// SIGTERM to the host is a graceful shutdown: the session ends `destroyed` with an
/// exit event, and the child is gone.
#[test]
fn sigterm_to_host_shuts_down() {
    let t = TestHome::new();
    let (id, host, child) = session_with_history(&t);
    t.track_pid(child);
    kill(host, libc::SIGTERM);
    wait_until("the host finished shutting down", DEADLINE, || {
        matches!(t.manifest(&id)["status"].as_str(), Some("destroyed" | "exited" | "failed"))
            && pid_gone(host)
    });
    assert_eq!(t.manifest(&id)["status"], "destroyed");
    assert!(pid_gone(child));
    let events = t.checked_events(&id);
    assert_eq!(events.last().unwrap()["type"], "exit");
}

/// The child dying under a live host ends the session as `exited` (signal-exit).
#[test]
fn child_killed_under_live_host() {
    let t = TestHome::new();
    let (id, host, child) = session_with_history(&t);
    kill(child, libc::SIGKILL);
    let result = t.at(&["wait", &id, "--exit", "--timeout", "20000", "--json"]).ok("wait");
    assert_eq!(result, json!({"timedOut": false, "exitCode": 0}));
    let manifest = t.manifest(&id);
    assert_eq!(manifest["status"], "exited");
    assert_eq!(manifest["exitSignal"], "9");
    assert_eq!(t.at(&["inspect", &id, "--json"]).ok("inspect")["terminationCategory"], "signal-exit");
    wait_until("the host exits after its child", DEADLINE, || pid_gone(host));
    let events = t.checked_events(&id);
    assert_eq!(events.last().unwrap()["payload"], json!({"exitCode": 0, "exitSignal": "9"}));
}

/// A corrupt `session.json`: `inspect`/input commands report exit 8
/// `MANIFEST_VALIDATION_ERROR`; `list` skips the session silently; other sessions are
/// unaffected.
#[test]
fn corrupt_manifest() {
    let t = TestHome::new();
    let good = t.bash();
    let bad = t.create(&[], &["sh", "-c", "exit 0"])["sessionId"].as_str().unwrap().to_string();
    t.at(&["wait", &bad, "--exit", "--timeout", "20000", "--json"]).ok("wait");
    let path = t.session_dir(&bad).join("session.json");
    for content in ["{", r#"{"version": 1}"#, "[]"] {
        std::fs::write(&path, content).unwrap();
        let error = t.at(&["inspect", &bad, "--json"]).err("inspect", 8, "MANIFEST_VALIDATION_ERROR");
        assert_eq!(error["details"]["path"], path.to_str().unwrap());
        t.at(&["type", &bad, "x", "--json"]).err("type", 8, "MANIFEST_VALIDATION_ERROR");
        let listed = t.at(&["list", "--all", "--json"]).ok("list");
        let ids: Vec<&str> =
            listed["sessions"].as_array().unwrap().iter().map(|s| s["sessionId"].as_str().unwrap()).collect();
        assert_eq!(ids, [good.as_str()], "unreadable manifests are skipped");
    }
    // a stray directory without a manifest is skipped as well
    std::fs::create_dir_all(t.home.join("sessions").join("not-a-session")).unwrap();
    let listed = t.at(&["list", "--all", "--json"]).ok("list");
    assert_eq!(listed["sessions"].as_array().unwrap().len(), 1);
    t.run_cmd(&good, "echo still-fine");
}

/// The socket path of a live session.
fn socket_of(t: &TestHome, id: &str) -> String {
    t.at(&["inspect", id, "--json"]).ok("inspect")["host"]["rpcSocketPath"].as_str().unwrap().to_string()
}

/// Whether the host of `socket` has accepted a client connection.
fn has_client(socket: &str) -> bool {
    std::fs::read_to_string("/proc/net/unix")
        .unwrap_or_default()
        .lines()
        .any(|l| l.ends_with(socket) && l.split_whitespace().nth(5) == Some("03"))
}

/// A `wait --exit` in flight when the program exits normally always gets the exit code
/// (the host must answer its waiters before it shuts down). Repeated, in parallel, to
/// expose the race.
#[test]
fn wait_exit_in_flight_across_program_exit() {
    const ROUNDS: usize = 20;
    let t = TestHome::new();
    let outcomes: Vec<Out> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..ROUNDS)
            .map(|_| {
                let t = &t;
                scope.spawn(move || {
                    let id = t.create(&[], &["sh", "-c", "read x; exit 7"])["sessionId"]
                        .as_str()
                        .unwrap()
                        .to_string();
                    let socket = socket_of(t, &id);
                    std::thread::scope(|inner| {
                        let waiter =
                            inner.spawn(|| t.at(&["wait", &id, "--exit", "--timeout", "20000", "--json"]));
                        wait_until("the host accepted the wait connection", DEADLINE, || has_client(&socket));
                        t.at(&["type", &id, "go", "--append-newline", "--json"]).ok("type");
                        waiter.join().unwrap()
                    })
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let failures: Vec<String> = outcomes
        .iter()
        .filter(|o| o.code != 0)
        .map(|o| format!("exit {}: {}", o.code, o.stdout.replace('\n', " ")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {ROUNDS} in-flight waits failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for out in &outcomes {
        assert_eq!(out.ok("wait"), json!({"timedOut": false, "exitCode": 7}));
    }
}

/// `destroy` while a `wait --exit` is pending releases the waiter with a normal answer.
#[test]
fn destroy_releases_pending_wait() {
    let t = TestHome::new();
    let id = t.bash();
    let socket = socket_of(&t, &id);
    let out = std::thread::scope(|scope| {
        let waiter = scope.spawn(|| t.at(&["wait", &id, "--exit", "--timeout", "20000", "--json"]));
        wait_until("the host accepted the wait connection", DEADLINE, || has_client(&socket));
        t.at(&["destroy", &id, "--json"]).ok("destroy");
        waiter.join().unwrap()
    });
    let result = out.ok("wait");
    assert_eq!(result["timedOut"], false, "{result}");
    assert_eq!(t.listed_status(&id).as_deref(), Some("destroyed"));
}
