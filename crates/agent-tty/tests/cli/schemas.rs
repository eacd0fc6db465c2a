//! The published result schemas (`crates/agent-tty/schemas/results.json`, generated from
//! the typed results by `src/schemas.rs`) are valid JSON Schemas, and real results of the
//! real binary validate against them: every listed command, with its optional keys both
//! present and absent (a live and an offline `inspect`, a clean and a damaged export, a
//! finished and a started `run`, a matched, timed-out, idle, exit and damaged offline
//! `wait`, a passing and a failing `batch`). The validator is Python's `jsonschema`
//! package (draft 2020-12).

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::support::*;

/// The committed schemas, by the envelope's `command`.
const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/results.json");

/// Checks every schema and validates each `(command, result)`; returns one line per
/// invalid result (empty when all are valid). Panics when the validator is missing or a
/// schema is not a valid JSON Schema.
fn invalid_results(cases: &[(&str, Value)]) -> Vec<String> {
    const SCRIPT: &str = r#"
import json, sys
try:
    import jsonschema
except ImportError:
    print("MISSING: Python's jsonschema package: pip install jsonschema (or apt-get install python3-jsonschema)")
    sys.exit(3)
request = json.load(sys.stdin)
schemas = request["schemas"]
for name, schema in schemas.items():
    jsonschema.Draft202012Validator.check_schema(schema)
for name, instance in request["cases"]:
    errors = list(jsonschema.Draft202012Validator(schemas[name]).iter_errors(instance))
    for error in errors:
        print(f"{name}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
"#;
    require("python3", "python3");
    let schemas: Value = serde_json::from_str(&std::fs::read_to_string(SCHEMAS).unwrap()).unwrap();
    let request = json!({ "schemas": schemas, "cases": cases });
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(request.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "the schema check failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.lines().map(str::to_string).collect()
}

/// The `result` of a `--json` run that printed an `ok: true` envelope for `command`
/// (whatever its exit code: `doctor` exits 1 when a check fails).
fn result_of(t: &TestHome, args: &[&str], command: &str) -> Value {
    let envelope = t.at(args).json();
    assert_eq!(
        (envelope["ok"].as_bool(), envelope["command"].as_str()),
        (Some(true), Some(command)),
        "{envelope}"
    );
    envelope["result"].clone()
}

#[test]
fn real_results_validate_against_the_published_schemas() {
    let t = TestHome::new();
    let mut cases: Vec<(&str, Value)> = Vec::new();
    let created =
        t.create(&["--name", "schema", "--env", "A=1", "--idle-timeout-ms", "1h", "--cols", "90"], &BASH);
    assert!(created.get("env").is_some() && created.get("idleTimeoutMs").is_some(), "{created}");
    let id = created["sessionId"].as_str().unwrap().to_string();
    cases.push(("create", created));
    cases.push(("create", t.create(&[], &BASH)));
    t.run_cmd(&id, "echo schema-check");
    cases.push(("list", result_of(&t, &["list", "--json"], "list")));
    let live = result_of(&t, &["inspect", &id, "--json"], "inspect");
    assert!(live.get("host").is_some(), "a live inspect has host details: {live}");
    cases.push(("inspect", live));
    let shot = result_of(&t, &["screenshot", &id, "--show-cursor", "--json"], "screenshot");
    cases.push(("screenshot", shot));
    let cast = ["record", "export", &id, "--format", "asciicast", "--json"];
    cases.push(("record export", result_of(&t, &cast, "record export")));
    let gif = ["record", "export", &id, "--format", "gif", "--timing", "max-speed", "--json"];
    cases.push(("record export", result_of(&t, &gif, "record export")));
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let offline = result_of(&t, &["inspect", &id, "--json"], "inspect");
    assert_eq!(offline["artifacts"]["total"], 3, "{offline}");
    cases.push(("inspect", offline));
    // A damaged log: the export reports `damage`.
    let log = t.session_dir(&id).join("events.jsonl");
    let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    file.write_all(b"this is not an event\n").unwrap();
    let damaged = result_of(&t, &cast, "record export");
    assert!(damaged.get("damage").is_some(), "{damaged}");
    cases.push(("record export", damaged));
    let find = ["find", &id, "--text", "schema-check", "--all", "--max", "1", "--screenshot", "--json"];
    let found = result_of(&t, &find, "find");
    assert!(found["truncated"] == true && found.get("damage").is_some(), "{found}");
    cases.push(("find", found));
    cases.push(("find", result_of(&t, &["find", &id, "--regex", "nowhere", "--json"], "find")));
    cases.push(("list", result_of(&t, &["list", "--all", "--json"], "list")));
    cases.push(("home list", result_of(&t, &["home", "list", "--all", "--json"], "home list")));
    cases.push(("gc", result_of(&t, &["gc", "--dry-run", "--json"], "gc")));
    cases.push(("gc", result_of(&t, &["gc", "--json"], "gc")));
    let forget = ["home", "forget", &t.home_str(), "--json"];
    cases.push(("home forget", result_of(&t, &forget, "home forget")));
    cases.push(("version", result_of(&t, &["version", "--json"], "version")));
    cases.push(("version", result_of(&t, &["--version", "--json"], "version")));
    cases.push(("doctor", result_of(&t, &["doctor", "--json"], "doctor")));
    cases.push(("skills list", result_of(&t, &["skills", "list", "--json"], "skills list")));
    let get = ["skills", "get", "agent-tty", "--json"];
    cases.push(("skills get", result_of(&t, &get, "skills get")));
    let path = ["skills", "path", "agent-tty", "--json"];
    cases.push(("skills path", result_of(&t, &path, "skills path")));
    cases.push(("dashboard", Value::Null));
    assert_eq!(invalid_results(&cases), Vec::<String>::new());
}

/// The live commands: each result shape a script can see, from a real bash session, then
/// offline (host gone, log damaged).
#[test]
fn live_command_results_validate_against_the_published_schemas() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let mut cases: Vec<(&str, Value)> = Vec::new();
    let ok = |args: &[&str], command: &str| t.at(args).ok(command);
    cases.push(("run", t.run_cmd(&id, "echo schema-run")));
    let started = ok(&["run", &id, "true", "--no-wait", "--json"], "run");
    assert_keys(&started, &["accepted", "seq"]);
    cases.push(("run", started));
    cases.push(("type", ok(&["type", &id, "# typed", "--json"], "type")));
    cases.push(("paste", ok(&["paste", &id, " pasted", "--json"], "paste")));
    cases.push(("send-keys", ok(&["send-keys", &id, "Enter", "--json"], "send-keys")));
    cases.push(("mark", ok(&["mark", &id, "schema-mark", "--json"], "mark")));
    cases.push(("resize", ok(&["resize", &id, "--cols", "100", "--rows", "30", "--json"], "resize")));
    cases.push(("signal", ok(&["signal", &id, "SIGINT", "--json"], "signal")));
    let matched = t.wait_render(&id, &["--regex", "schema-r.n"]);
    assert!(matched.get("matchedText").is_some() && matched.get("screenHash").is_some(), "{matched}");
    cases.push(("wait", matched));
    let stable = t.wait_render(&id, &["--screen-stable-ms", "50ms"]);
    assert!(stable.get("matchedText").is_none(), "{stable}");
    cases.push(("wait", stable));
    let never = ["wait", &id, "--text", "never-on-screen", "--timeout", "300ms", "--json"];
    let timed_out = t.at(&never).ok_with_exit("wait", 11);
    assert_eq!(timed_out["timedOut"], true, "{timed_out}");
    cases.push(("wait", timed_out));
    cases.push(("wait", ok(&["wait", &id, "--idle-ms", "50ms", "--json"], "wait")));
    cases.push(("snapshot", t.snapshot(&id, &["--format", "text"])));
    let structured = t.snapshot(&id, &["--include-scrollback", "--include-cells"]);
    assert!(structured.get("scrollbackLines").is_some() && structured.get("cells").is_some(), "{structured}");
    cases.push(("snapshot", structured));
    cases.push(("snapshot", t.snapshot(&id, &[])));
    let every_kind = r#"[{"type":"echo sch"},{"paste":"ema-batch"},{"sendKeys":["Enter"]},
        {"wait":{"text":"schema-batch\n"}},{"run":"true"},{"run":"true","noWait":true}]"#;
    cases.push(("batch", ok(&["batch", &id, every_kind, "--json"], "batch")));
    let failing =
        r#"[{"wait":{"text":"never-on-screen","timeout":300}},{"type":"x"},{"run":"true","noWait":true}]"#;
    let failed = t.at(&["batch", &id, failing, "--json"]).ok_with_exit("batch", 11);
    let statuses: Vec<&str> =
        failed["steps"].as_array().unwrap().iter().filter_map(|s| s["status"].as_str()).collect();
    assert_eq!(statuses, ["failed", "not-run", "not-run"], "{failed}");
    cases.push(("batch", failed));
    t.at(&["run", &id, "exit 3", "--no-wait", "--json"]).ok("run");
    let exited = ok(&["wait", &id, "--exit", "--json"], "wait");
    assert_eq!(exited["exitCode"], 3, "{exited}");
    cases.push(("wait", exited));
    cases.push(("destroy", ok(&["destroy", &id, "--json"], "destroy")));
    // Offline, from a damaged log: snapshot and wait report `damage`.
    let log = t.session_dir(&id).join("events.jsonl");
    let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    file.write_all(b"this is not an event\n").unwrap();
    let offline_snapshot = t.snapshot(&id, &["--format", "text"]);
    assert!(offline_snapshot.get("damage").is_some(), "{offline_snapshot}");
    cases.push(("snapshot", offline_snapshot));
    let offline_wait = ok(&["wait", &id, "--text", "schema-run", "--json"], "wait");
    assert!(offline_wait.get("damage").is_some(), "{offline_wait}");
    cases.push(("wait", offline_wait));
    assert_eq!(invalid_results(&cases), Vec::<String>::new());
}

/// The check can fail: results with a key missing, a wrong type or a wrong enum value
/// are rejected.
#[test]
fn the_schemas_reject_results_of_the_wrong_shape() {
    let t = TestHome::new();
    let mut version = result_of(&t, &["version", "--json"], "version");
    version.as_object_mut().unwrap().remove("cliVersion");
    let mut skills = result_of(&t, &["skills", "list", "--json"], "skills list");
    skills["skills"][0]["name"] = json!(7);
    let list = json!({ "sessions": [{
        "sessionId": "x", "status": "sleeping", "command": [], "createdAt": "x", "pid": null
    }]});
    let batch = json!({ "steps": [{ "index": 0, "durationMs": 1, "kind": "type", "status": "skipped" }],
        "completedCount": 0, "failedIndices": [] });
    let wait = json!({ "matched": true });
    let invalid = invalid_results(&[
        ("version", version),
        ("skills list", skills),
        ("list", list),
        ("batch", batch),
        ("wait", wait),
    ]);
    assert_eq!(invalid.len(), 5, "{invalid:#?}");
    assert!(invalid[0].starts_with("version: : 'cliVersion' is a required property"), "{invalid:#?}");
    assert!(invalid[1].starts_with("skills list: skills/0/name: 7 is not of type 'string'"), "{invalid:#?}");
    assert!(invalid[2].starts_with("list: sessions/0/status: 'sleeping' is not one of"), "{invalid:#?}");
    assert!(invalid[3].starts_with("batch: steps/0/status: 'skipped' is not one of"), "{invalid:#?}");
    assert!(invalid[4].starts_with("wait: : {'matched': True} is not valid under any"), "{invalid:#?}");
}
