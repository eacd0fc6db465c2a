//! The environment of the program inside the PTY.

use serde_json::json;

use crate::support::*;

const PROBE: &str = "echo \"v=$FOO x=$X dup=$DUP t=$TERM p=[${PROMPT_EOL_MARK-unset}] h=$AGENT_TTY_HOME \
r=${AGENT_TTY_RENDERER-unset}/${AGENT_TTY_HOST_RENDERER-unset} i=${ATT_INHERITED-unset} end\"";

/// `--env` reaches the program and session.json; TERM, PROMPT_EOL_MARK and
/// AGENT_TTY_HOME follow the spec; no derived renderer variable reaches the program.
#[test]
fn env_rules() {
    let t = TestHome::new();
    let home = t.home_str();
    let out = t.run_with(
        &[
            "--home",
            &home,
            "create",
            "--json",
            "--env",
            "FOO=bar",
            "--env",
            "X=1=2",
            "--env",
            "DUP=first",
            "--env",
            "DUP=second",
            "--",
            "bash",
            "--norc",
            "--noprofile",
        ],
        &[("ATT_INHERITED", Some("yes"))],
        None,
    );
    let created = out.ok("create");
    assert_eq!(created["env"], json!({"FOO": "bar", "X": "1=2", "DUP": "second"}));
    let id = created["sessionId"].as_str().unwrap().to_string();
    let manifest = t.manifest(&id);
    assert_eq!(manifest["env"], json!({"FOO": "bar", "X": "1=2", "DUP": "second"}), "only the user's extras");
    assert_eq!(manifest["term"], "xterm-256color");
    t.run_cmd(&id, PROBE);
    let output = t.output_text(&id);
    let expected =
        format!("v=bar x=1=2 dup=second t=xterm-256color p=[] h={home} r=unset/unset i=yes end\r\n");
    assert!(output.contains(&expected), "expected {expected:?} in {output:?}");
    let manifest_text = std::fs::read_to_string(t.session_dir(&id).join("session.json")).unwrap();
    assert!(!manifest_text.contains("PROMPT_EOL_MARK"), "the default PROMPT_EOL_MARK is never persisted");
    assert!(!manifest_text.contains("ATT_INHERITED"), "the inherited environment is never persisted");
}

/// An explicitly configured renderer is passed on as AGENT_TTY_RENDERER, but the
/// internal AGENT_TTY_HOST_RENDERER never reaches the program.
#[test]
fn explicit_renderer_env() {
    let t = TestHome::new();
    let home = t.home_str();
    let out = t.raw(&[
        "--home",
        &home,
        "--renderer",
        "ghostty-web",
        "create",
        "--json",
        "--",
        "bash",
        "--norc",
        "--noprofile",
    ]);
    let id = out.ok("create")["sessionId"].as_str().unwrap().to_string();
    t.run_cmd(&id, "echo \"r=${AGENT_TTY_RENDERER-unset}/${AGENT_TTY_HOST_RENDERER-unset}\"");
    let output = t.output_text(&id);
    assert!(output.contains("r=ghostty-web/unset\r\n"), "{output:?}");
}

/// `--term` sets TERM; a user-supplied PROMPT_EOL_MARK wins and is persisted.
#[test]
fn term_and_prompt_eol_mark_override() {
    let t = TestHome::new();
    let created = t.create(&["--term", "vt100", "--env", "PROMPT_EOL_MARK=%"], &BASH);
    let id = created["sessionId"].as_str().unwrap().to_string();
    assert_eq!(created["env"], json!({"PROMPT_EOL_MARK": "%"}));
    t.run_cmd(&id, "echo \"t=$TERM p=[${PROMPT_EOL_MARK-unset}]\"");
    assert!(t.output_text(&id).contains("t=vt100 p=[%]\r\n"));
    let manifest = t.manifest(&id);
    assert_eq!(manifest["term"], "vt100");
    assert_eq!(manifest["env"], json!({"PROMPT_EOL_MARK": "%"}));
}

/// Without `--env`, neither the create result nor session.json has an `env` key.
#[test]
fn no_env_key_without_env_flags() {
    let t = TestHome::new();
    let created = t.create(&[], &BASH);
    assert!(created.get("env").is_none());
    assert!(t.manifest(created["sessionId"].as_str().unwrap()).get("env").is_none());
}
