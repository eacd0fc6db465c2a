//! Issue 18 end to end: secrets never reach the evidence. Real programs print real secrets
//! (sealed input echoed back, a `--secret-env` value, a `--redact-env` variable, an AWS
//! key and a PEM block `cat`ed from a file, a secret printed in two halves with a pause and
//! colour codes between them); each time the secret is in none of the session's files
//! (`events.jsonl`, `host.log`, checkpoints, artifacts, the sidecar), nor in a live or an
//! offline snapshot, the asciicast, the screenshot PNG or the last WebM frame read back with
//! OCR (tesseract, ffmpeg), nor in the dashboard's Live View; while the program got the
//! exact bytes (it writes their sha256 to a file). `--redact off` lets a detector's match
//! through, so these checks can fail.

use std::path::Path;

use serde_json::Value;

use crate::support::*;
use crate::tmux::Tmux;

/// Typed with `--secret` (not a detector's shape: only sealing can mask it).
const SEALED: &str = "pw-Xq7Zr2Lm9Kv4";
/// A `--secret-env` / `--redact-env` value.
const ENV_SECRET: &str = "ev-Hq2Wm5Tz1Np7Ks3";
/// An AWS access key id (the detector's shape).
const AWS_KEY: &str = "AKIAZ7Q2LMNOPQRS3TUV";
/// A PEM private key block's body lines.
const PEM_BODY: [&str; 2] = [
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK",
];

/// A bash session whose prompt is up, with extra `create` options and environment.
fn bash_with_env(t: &TestHome, extra: &[&str], env: &[(&str, Option<&str>)]) -> String {
    let mut args = vec!["--home", t.home.to_str().unwrap(), "create", "--json"];
    args.extend_from_slice(extra);
    args.push("--");
    args.extend_from_slice(&BASH);
    let id = t.run_with(&args, env, None).ok("create")["sessionId"].as_str().unwrap().to_string();
    t.wait_render(&id, &["--regex", &format!("^{PROMPT_RE}\\n*$")]);
    id
}

/// Every file of the session directory, recursively (log, host.log, checkpoints,
/// artifacts, sidecars), as bytes with its path.
fn session_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(session_files(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            files.push((path.display().to_string(), bytes));
        }
    }
    files
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// OCR of a PNG (tesseract), if installed.
fn ocr(png: &Path) -> Option<String> {
    if !optional("tesseract", "tesseract-ocr", "OCR of the screen") {
        return None;
    }
    Some(ocr_text(png))
}

/// The last frame of a video as a PNG (ffmpeg, scaled 2× for OCR), if installed.
fn last_frame(t: &TestHome, video: &Path) -> Option<std::path::PathBuf> {
    if !optional("ffmpeg", "ffmpeg", "the WebM frame") {
        return None;
    }
    Some(grab_frame(t, video, true, "last-frame.png"))
}

/// Asserts that none of `secrets` is in `text` (from `what`), which shows `marker`.
fn clean_text(what: &str, text: &str, marker: &str, secrets: &[&str]) {
    assert!(text.contains(marker), "{what} lacks the marker {marker:?} (so it proves nothing): {text}");
    for secret in secrets {
        assert!(!text.contains(secret), "{what} shows the secret {secret:?}: {text}");
    }
}

/// Every piece of evidence of session `id`, live and after destroy, shows `marker` and none
/// of `secrets`; results count at least `min_redactions`.
fn evidence_is_clean(t: &TestHome, id: &str, marker: &str, secrets: &[&str], min_redactions: u64) {
    // Live: the snapshot, its count, the screenshot (OCR), the dashboard's Live View.
    let live = t.snapshot(id, &["--format", "text"]);
    clean_text("the live snapshot", live["text"].as_str().unwrap(), marker, secrets);
    assert!(live["redactions"].as_u64().unwrap() >= min_redactions, "{live}");
    let inspected = t.at(&["inspect", id, "--json"]).ok("inspect");
    assert!(inspected["redaction"]["redactions"].as_u64().unwrap() >= min_redactions, "{inspected}");
    let shot = t.at(&["screenshot", id, "--json"]).ok("screenshot");
    assert!(shot["redactions"].as_u64().unwrap() >= min_redactions, "{shot}");
    if let Some(text) = ocr(Path::new(shot["artifactPath"].as_str().unwrap())) {
        clean_text("OCR of the screenshot", &text, marker, secrets);
    }
    live_view_is_clean(t, marker, secrets);

    // After destroy: the files, the offline snapshot, the cast and the video.
    let destroy = t.at(&["destroy", id, "--json"]).ok("destroy");
    assert_eq!(destroy["destroyed"], Value::Bool(true));
    wait_until("the session is destroyed", DEADLINE, || t.manifest(id)["status"] == "destroyed");
    let offline = t.snapshot(id, &["--format", "text"]);
    clean_text("the offline snapshot", offline["text"].as_str().unwrap(), marker, secrets);
    assert_eq!(offline["redactions"], live["redactions"], "offline and live counts differ");
    let cast = t.at(&["record", "export", id, "--format", "asciicast", "--json"]).ok("record export");
    let cast = std::fs::read_to_string(cast["artifactPath"].as_str().unwrap()).unwrap();
    clean_text("the asciicast", &cast, marker, secrets);
    let webm = t.at(&["record", "export", id, "--format", "webm", "--json"]);
    if webm.json()["ok"] == Value::Bool(true) {
        let video = webm.ok("record export")["artifactPath"].as_str().unwrap().to_string();
        if let Some(text) = last_frame(t, Path::new(&video)).and_then(|frame| ocr(&frame)) {
            clean_text("OCR of the last WebM frame", &text, marker, secrets);
        }
    }
    for (path, bytes) in session_files(&t.session_dir(id)) {
        for secret in secrets {
            assert!(!contains(&bytes, secret), "{path} holds the secret {secret:?}");
        }
    }
}

/// The dashboard of the test's Home (in tmux, if installed) follows the newest session:
/// its Live View shows `marker` and none of `secrets`.
fn live_view_is_clean(t: &TestHome, marker: &str, secrets: &[&str]) {
    if !optional("tmux", "tmux", "the dashboard's Live View") {
        return;
    }
    let command = format!("env AGENT_TTY_HOME='{}' '{BIN}' dashboard; sleep 600", t.home_str());
    let tmux = Tmux::start(t, &t.work, 120, 40, &command);
    let mut screen = String::new();
    wait_until("the Live View shows the marker", DEADLINE, || {
        screen = tmux.lines().join("\n");
        screen.contains(marker)
    });
    clean_text("the dashboard's Live View", &screen, marker, secrets);
    tmux.kill_server();
}

/// Waits until a line starting with `prefix` (the rest masked) is followed by a prompt as
/// the last non-blank row.
fn settle_after(t: &TestHome, id: &str, prefix: &str) {
    t.wait_render(id, &["--regex", &format!("(^|\\n){prefix}[^\\n]*\\n{PROMPT_RE}\\n*$")]);
}

/// The sha256 the program wrote of what it read.
fn program_sha(t: &TestHome, file: &str) -> String {
    let path = t.path(file);
    wait_until("the program wrote its checksum", DEADLINE, || {
        std::fs::read_to_string(&path).is_ok_and(|s| s.len() >= 64)
    });
    std::fs::read_to_string(&path).unwrap()[..64].to_string()
}

/// `read -r t` gets the sealed bytes; the echo and the program's own `echo "$t"` are masked
/// with a mask as wide as the secret; the log records a placeholder with the length.
#[test]
fn sealed_input_reaches_the_program_and_no_evidence() {
    let t = TestHome::new();
    let id = t.bash_ready(&["--no-shell-integration"]);
    let sum = t.path("sealed.sha");
    let script = format!(
        "read -r t; printf %s \"$t\" | sha256sum > '{}'; echo \"VISIBLE MARKER 4242 got:$t\"",
        sum.display()
    );
    t.at(&["type", &id, &script, "--append-newline", "--json"]).ok("type");
    let typed = t.at(&["type", &id, "--secret", SEALED, "--append-newline", "--json"]).ok("type");
    let seq = typed["seq"].as_u64().unwrap();
    let waited = t.wait_render(&id, &["--regex", "(^|\\n)VISIBLE MARKER 4242 got:"]);
    assert!(waited["redactions"].as_u64().unwrap() >= 1, "{waited}");
    assert_eq!(program_sha(&t, "sealed.sha"), sha256_hex(SEALED.as_bytes()));
    let events = t.events(&id);
    assert_eq!(at_seq(&events, seq)["payload"]["data"], format!("[redacted:{}]\n", SEALED.len()));
    // The mask keeps the width: the line is as long as it would be with the secret.
    settle_after(&t, &id, "VISIBLE MARKER 4242 got:");
    let text = t.snapshot(&id, &["--format", "text"])["text"].as_str().unwrap().to_string();
    let line = text.lines().find(|l| l.starts_with("VISIBLE MARKER 4242 got:")).unwrap();
    assert_eq!(line.chars().count(), "VISIBLE MARKER 4242 got:".len() + SEALED.len(), "{line:?}");
    // The terminal's echo of the typed value may or may not come (it depends on whether
    // readline still had echo off when it arrived): at least the program's own print.
    evidence_is_clean(&t, &id, "VISIBLE MARKER 4242", &[SEALED], 1);
}

/// `type --secret-env NAME` takes the value from the CLI's environment (never argv); a
/// program that prints it shows the mask.
#[test]
fn secret_env_is_sealed_and_masked() {
    let t = TestHome::new();
    let id = t.bash_ready(&["--no-shell-integration"]);
    let sum = t.path("env.sha");
    let script = format!(
        "read -r t; printf %s \"$t\" | sha256sum > '{}'; echo \"VISIBLE MARKER 5151 got:$t\"",
        sum.display()
    );
    t.at(&["type", &id, &script, "--append-newline", "--json"]).ok("type");
    let home = t.home_str();
    let args = ["--home", &home, "type", &id, "--secret-env", "MY_TOKEN", "--append-newline", "--json"];
    t.run_with(&args, &[("MY_TOKEN", Some(ENV_SECRET))], None).ok("type");
    t.wait_render(&id, &["--regex", "(^|\\n)VISIBLE MARKER 5151 got:"]);
    assert_eq!(program_sha(&t, "env.sha"), sha256_hex(ENV_SECRET.as_bytes()));
    evidence_is_clean(&t, &id, "VISIBLE MARKER 5151", &[ENV_SECRET], 1);
}

/// `create --redact-env NAME`: the program's own variable is masked where it prints it,
/// even in two halves with a pause and colour codes between them.
#[test]
fn redact_env_value_is_masked_even_split_with_colours() {
    let t = TestHome::new();
    let env = [("API_KEY", Some(ENV_SECRET))];
    let id = bash_with_env(&t, &["--no-shell-integration", "--redact-env", "API_KEY"], &env);
    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspected["redaction"]["level"], "default");
    let rules: Vec<&str> =
        inspected["redaction"]["rules"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert!(rules.contains(&"env:API_KEY"), "{rules:?}");
    assert!(!inspected.to_string().contains(ENV_SECRET), "inspect shows the value");
    let sum = t.path("split.sha");
    // Whole, then split: 8 bytes, a pause longer than the idle flush, a colour, the rest.
    let script = format!(
        "printf %s \"$API_KEY\" | sha256sum > '{}'; echo \"whole=$API_KEY\"; \
         printf 'VISIBLE MARKER 6363 v=%s' \"${{API_KEY:0:8}}\"; sleep 0.3; \
         printf '\\033[31m%s\\033[0m\\n' \"${{API_KEY:8}}\"",
        sum.display()
    );
    t.at(&["type", &id, &script, "--append-newline", "--json"]).ok("type");
    settle_after(&t, &id, "VISIBLE MARKER 6363 v=");
    assert_eq!(program_sha(&t, "split.sha"), sha256_hex(ENV_SECRET.as_bytes()));
    // Neither half shows.
    let halves = [ENV_SECRET, &ENV_SECRET[..8], &ENV_SECRET[8..]];
    evidence_is_clean(&t, &id, "VISIBLE MARKER 6363", &halves, 2);
}

/// An AWS key and a PEM private key block in a file that is `cat`ed: the built-in
/// detectors mask them (the PEM's marker lines stay).
#[test]
fn detectors_mask_an_aws_key_and_a_pem_block() {
    let t = TestHome::new();
    let file = t.path("creds.txt");
    std::fs::write(&file, secrets_file()).unwrap();
    let id = t.bash_ready(&["--no-shell-integration"]);
    t.at(&["type", &id, &format!("cat '{}'", file.display()), "--append-newline", "--json"]).ok("type");
    t.settle(&id, "VISIBLE MARKER 7474 end");
    let mut secrets = vec![AWS_KEY];
    secrets.extend(PEM_BODY);
    evidence_is_clean(&t, &id, "VISIBLE MARKER 7474", &secrets, 2);
}

/// `--redact off`: the same file's AWS key goes through (the checks above can fail).
#[test]
fn redact_off_lets_a_detector_match_through() {
    let t = TestHome::new();
    let file = t.path("creds.txt");
    std::fs::write(&file, secrets_file()).unwrap();
    let id = t.bash_ready(&["--no-shell-integration", "--redact", "off"]);
    t.at(&["type", &id, &format!("cat '{}'", file.display()), "--append-newline", "--json"]).ok("type");
    t.settle(&id, "VISIBLE MARKER 7474 end");
    assert!(t.events_raw(&id).contains(AWS_KEY), "--redact off masked the key anyway");
    let snapshot = t.snapshot(&id, &["--format", "text"]);
    assert!(snapshot["text"].as_str().unwrap().contains(AWS_KEY));
    assert_eq!(snapshot.get("redactions"), None, "no count while nothing was masked: {snapshot}");
    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspected["redaction"]["level"], "off");
    assert_eq!(inspected["redaction"]["rules"], serde_json::json!([]));
}

fn secrets_file() -> String {
    format!(
        "VISIBLE MARKER 7474 start\naws_access_key_id = {AWS_KEY}\n-----BEGIN RSA PRIVATE KEY-----\n{}\n{}\n\
         -----END RSA PRIVATE KEY-----\nVISIBLE MARKER 7474 end\n",
        PEM_BODY[0], PEM_BODY[1]
    )
}

/// Bad input: a missing or empty `--secret-env` variable, `--secret-env` with text, a bad
/// `--redact` level, a missing `--redact-env` variable, a bad `config.json` pattern — each
/// `INVALID_INPUT` naming what is wrong, and no secret in any message.
#[test]
fn bad_secret_input_is_invalid_input() {
    let t = TestHome::new();
    let id = t.bash_ready(&["--no-shell-integration"]);
    let home = t.home_str();
    let missing = t.run_with(
        &["--home", &home, "type", &id, "--secret-env", "NOPE_X", "--json"],
        &[("NOPE_X", None)],
        None,
    );
    let error = missing.err("type", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("NOPE_X"), "{error}");
    let empty = t.run_with(
        &["--home", &home, "paste", &id, "--secret-env", "EMPTY_X", "--json"],
        &[("EMPTY_X", Some(""))],
        None,
    );
    empty.err("paste", 2, "INVALID_INPUT");
    let both = t.run_with(
        &["--home", &home, "type", &id, "also-text", "--secret-env", "MY_TOKEN", "--json"],
        &[("MY_TOKEN", Some(ENV_SECRET))],
        None,
    );
    both.err("type", 2, "INVALID_INPUT");
    assert!(!both.stdout.contains(ENV_SECRET) && !both.stderr.contains(ENV_SECRET));
    let file = t.path("sealed.txt");
    let exclusive = t.at(&["type", &id, SEALED, "--secret", "--file", file.to_str().unwrap(), "--json"]);
    exclusive.err("type", 2, "INVALID_INPUT");
    assert!(!exclusive.stdout.contains(SEALED), "an error shows the sealed text: {}", exclusive.stdout);
    let level =
        t.at(&["create", "--json", "--redact", "loud", "--", "bash"]).err("create", 2, "INVALID_INPUT");
    assert!(level["message"].as_str().unwrap().contains("off, default, strict"), "{level}");
    let unset = t.run_with(
        &["--home", &home, "create", "--json", "--redact-env", "NOPE_Y"],
        &[("NOPE_Y", None)],
        None,
    );
    unset.err("create", 2, "INVALID_INPUT");
    std::fs::write(t.home.join("config.json"), r#"{"redactPatterns": [{"name": "ticket", "regex": "("}]}"#)
        .unwrap();
    let pattern = t.at(&["create", "--json", "--", "bash"]).err("create", 2, "INVALID_INPUT");
    assert!(pattern["message"].as_str().unwrap().contains("redactPatterns[0]"), "{pattern}");
}

/// A `config.json` pattern masks its matches and is listed as `pattern:NAME`; a batch step
/// with `secretEnv` is sealed like `--secret-env`.
#[test]
fn config_patterns_and_batch_secret_steps() {
    let t = TestHome::new();
    std::fs::create_dir_all(&t.home).unwrap();
    std::fs::write(
        t.home.join("config.json"),
        r#"{"redactPatterns": [{"name": "ticket", "regex": "TICKET-[0-9]{6}"}]}"#,
    )
    .unwrap();
    let id = t.bash_ready(&["--no-shell-integration"]);
    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    let rules = inspected["redaction"]["rules"].to_string();
    assert!(rules.contains("pattern:ticket"), "{rules}");
    let sum = t.path("batch.sha");
    let script = format!(
        "read -r t; printf %s \"$t\" | sha256sum > '{}'; echo \"VISIBLE MARKER 8585 $t TICKET-$((123000 + 456))\"",
        sum.display()
    );
    let plan = serde_json::json!([
        {"type": format!("{script}\n")},
        {"type": null, "secretEnv": "BATCH_TOKEN"},
        // LF, not Enter: `\r` typed ahead while readline has ICRNL off would not end the `read`.
        {"type": "\n"},
        {"wait": {"regex": "(^|\\n)VISIBLE MARKER 8585 ", "timeout": 20000}},
    ]);
    let home = t.home_str();
    let plan = plan.to_string();
    let out = t.run_with(
        &["--home", &home, "batch", &id, &plan, "--json"],
        &[("BATCH_TOKEN", Some(ENV_SECRET))],
        None,
    );
    let result = out.ok("batch");
    assert!(!result.to_string().contains(ENV_SECRET), "{result}");
    assert!(result["redactions"].as_u64().is_some_and(|n| n >= 1), "{result}");
    assert_eq!(program_sha(&t, "batch.sha"), sha256_hex(ENV_SECRET.as_bytes()));
    let typed = t.events(&id);
    let sealed = of_type(&typed, "input_text");
    assert!(
        sealed.iter().any(|e| e["payload"]["data"] == format!("[redacted:{}]", ENV_SECRET.len())),
        "{sealed:?}"
    );
    evidence_is_clean(&t, &id, "VISIBLE MARKER 8585", &[ENV_SECRET, "TICKET-123456"], 2);
}
