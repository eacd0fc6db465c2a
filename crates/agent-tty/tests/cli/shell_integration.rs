//! Shell integration through the real binary: `create` of bash starts it with the generated
//! rc file from the session directory (`session.json` keeps the user's command), the
//! program never sees the switch, and `--no-shell-integration` or the switch in the
//! environment start the shell as asked. What the shells then write is tested against the
//! real shells in `agent-tty-core/tests/shell_integration.rs`.

use crate::support::*;

/// The child's argv and environment, read from `/proc`.
fn child_of(t: &TestHome, id: &str) -> (Vec<String>, Vec<String>) {
    let pid = pid_of(&t.manifest(id), "childPid");
    let read = |name: &str| -> Vec<String> {
        let bytes = std::fs::read(format!("/proc/{pid}/{name}")).unwrap();
        bytes
            .split(|&b| b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect()
    };
    (read("cmdline"), read("environ"))
}

#[test]
fn create_of_bash_injects_the_integration_and_keeps_the_command() {
    let t = TestHome::new();
    let out = t.run_with(
        &["--home", &t.home_str(), "create", "--json", "--", "bash"],
        &[("AGENT_TTY_SHELL_INTEGRATION", Some("1"))],
        None,
    );
    let id = out.ok("create")["sessionId"].as_str().unwrap().to_string();
    let rc = t.session_dir(&id).join("shell-integration/agent-tty.bash");
    assert_eq!(mode(&rc), 0o600);
    assert_eq!(t.manifest(&id)["command"], serde_json::json!(["bash"]));
    let (argv, env) = child_of(&t, &id);
    assert_eq!(argv, ["bash", "--rcfile", rc.to_str().unwrap()]);
    assert!(!env.iter().any(|e| e.starts_with("AGENT_TTY_SHELL_INTEGRATION=")), "{env:?}");
    t.at(&["destroy", &id, "--force"]).exit(0);
}

#[test]
fn no_shell_integration_starts_the_shell_as_given() {
    let t = TestHome::new();
    let flagged =
        t.create(&["--no-shell-integration"], &["bash", "-i"])["sessionId"].as_str().unwrap().to_string();
    let out = t.run_with(
        &["--home", &t.home_str(), "create", "--json", "--", "bash"],
        &[("AGENT_TTY_SHELL_INTEGRATION", Some("off"))],
        None,
    );
    let by_env = out.ok("create")["sessionId"].as_str().unwrap().to_string();
    for (id, expected) in [(&flagged, &["bash", "-i"][..]), (&by_env, &["bash"])] {
        let (argv, env) = child_of(&t, id);
        assert_eq!(argv, expected);
        assert!(!env.iter().any(|e| e.starts_with("AGENT_TTY_SHELL_INTEGRATION=")), "{env:?}");
        assert!(!t.session_dir(id).join("shell-integration").exists());
        t.at(&["destroy", id, "--force"]).exit(0);
    }
}

/// A host started from a background job of a script (SIGINT and SIGQUIT ignored) still gives
/// its program their default actions, or ctrl+c would interrupt nothing in the session.
#[test]
fn the_program_gets_default_sigint_and_sigquit_from_a_host_that_ignores_them() {
    let t = TestHome::new();
    let out = std::process::Command::new("sh")
        .args(["-c", r#"trap "" INT QUIT; exec "$0" "$@""#, BIN, "--home", &t.home_str()])
        .args(["create", "--json", "--", "sleep", "60"])
        .env("HOME", &t.user_home)
        .env("XDG_STATE_HOME", &t.state)
        .output()
        .unwrap();
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = created["result"]["sessionId"].as_str().unwrap().to_string();
    let pid = pid_of(&t.manifest(&id), "childPid");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let ignored = status.lines().find_map(|l| l.strip_prefix("SigIgn:")).unwrap().trim();
    let ignored = u64::from_str_radix(ignored, 16).unwrap();
    let (sigint, sigquit) = (1 << (libc::SIGINT - 1), 1 << (libc::SIGQUIT - 1));
    assert_eq!(ignored & (sigint | sigquit), 0, "SigIgn: {ignored:#x}");
    t.at(&["destroy", &id, "--force"]).exit(0);
}
