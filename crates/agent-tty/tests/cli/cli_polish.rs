//! What users of a well-made CLI expect: key-name mistakes answered with the right name,
//! misspelt commands answered without the one-letter alias, `--version`, shell
//! completions and a manual page generated from the command definitions, and help texts
//! (and the bundled skills) that describe this build.

use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::*;

/// Whether `program` can be started (it is on PATH).
fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Runs `program args…` and returns (success, stdout, stderr).
fn run(program: &str, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let out = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// Misspelt key names are rejected with `INVALID_KEYS` (exit 2), nothing is sent, and the
/// message names the key that was meant; text such as `:wq` is pointed to `type`. The
/// suggested names work.
#[test]
fn key_name_mistakes_suggest_the_right_name() {
    let t = TestHome::new();
    let id = t.bash();
    let cases = [
        ("Esc", "Escape"),
        ("ESC", "Escape"),
        ("Return", "Enter"),
        ("Del", "Delete"),
        ("PgUp", "PageUp"),
        ("PgDn", "PageDown"),
        ("Ctrl-C", "ctrl+c"),
        ("C-c", "ctrl+c"),
        ("C-x", "ctrl+x"),
        ("^C", "ctrl+c"),
        ("M-x", "alt+x"),
        ("S-Tab", "shift+Tab"),
        ("meta+b", "alt+b"),
        ("<C-w>", "ctrl+w"),
    ];
    for (name, meant) in cases {
        let error = t.at(&["send-keys", &id, "Enter", name, "--json"]).err("send-keys", 2, "INVALID_KEYS");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(&format!("did you mean {meant}?")), "{name:?}: {message}");
    }
    let human = t.at(&["send-keys", &id, "Esc"]).human_err(2, "INVALID_KEYS");
    assert_eq!(human, "Unknown base key: Esc (did you mean Escape?)");

    let error = t.at(&["send-keys", &id, ":wq", "--json"]).err("send-keys", 2, "INVALID_KEYS");
    assert_eq!(error["message"], "Unknown base key: :wq (text is not a key name: send it with `type`)");
    let batch = t.at(&["batch", &id, r#"[{"sendKeys":["C-c"]}]"#, "--json"]).err("batch", 2, "INVALID_KEYS");
    assert!(batch["message"].as_str().unwrap().contains("did you mean ctrl+c?"), "{batch}");

    assert!(of_type(&t.checked_events(&id), "input_keys").is_empty(), "a rejected send-keys sends nothing");
    let suggested: Vec<&str> = cases.iter().map(|(_, meant)| *meant).collect();
    let mut args = vec!["send-keys", id.as_str()];
    args.extend(&suggested);
    args.push("--json");
    let result = t.at(&args).ok("send-keys");
    assert_eq!(result["accepted"].as_array().unwrap().len(), suggested.len());
}

/// A misspelt command is exit 2 with clap's tip, which never offers the one-letter alias
/// `d` (of `dashboard`); the alias itself still works.
#[test]
fn misspelt_commands_do_not_suggest_the_one_letter_alias() {
    let t = TestHome::new();
    for (word, tip) in [
        ("dashbord", Some("'dashboard'")),
        ("de", Some("'destroy'")),
        ("dd", None),
        ("dashboad", Some("'dashboard'")),
        ("lst", Some("'list'")),
    ] {
        let out = t.raw(&[word]);
        out.exit(2);
        assert!(out.stderr.contains(&format!("unrecognized subcommand '{word}'")), "{word}: {}", out.stderr);
        assert!(!out.stderr.contains("'d'"), "{word}: the tip offers `d`:\n{}", out.stderr);
        match tip {
            Some(tip) => assert!(out.stderr.contains(tip), "{word}: expected {tip}:\n{}", out.stderr),
            None => assert!(!out.stderr.contains("tip:"), "{word}:\n{}", out.stderr),
        }
        assert!(!out.stderr.contains("\n\n\n"), "{word}: no empty tip:\n{:?}", out.stderr);
        let json = t.raw(&[word, "--json"]).err("agent-tty", 2, "INVALID_INPUT");
        let message = json["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("unrecognized subcommand '{word}'")), "{message}");
        assert!(!message.contains("'d'"), "{word}: the tip offers `d`: {message}");
        if let Some(tip) = tip {
            assert!(message.contains("similar subcommand") && message.contains(tip), "{message}");
        }
    }
    let help = t.raw(&["d", "--help"]);
    help.exit(0);
    assert!(help.stdout.contains("Usage: agent-tty dashboard"), "{}", help.stdout);
}

/// `--version` and `-V` print `agent-tty <version>` and exit 0; with `--json` they print
/// the `version --json` envelope. `version --json` lists the gif exporter.
#[test]
fn version_flag_and_capabilities() {
    let t = TestHome::new();
    let expected = format!("agent-tty {}\n", env!("CARGO_PKG_VERSION"));
    for flag in ["--version", "-V"] {
        let out = t.raw(&[flag]);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, expected.as_str(), ""),
            "{flag}"
        );
    }
    let flagged = t.raw(&["--version", "--json"]).ok("version");
    let result = t.raw(&["version", "--json"]).ok("version");
    assert_eq!(flagged["cliVersion"], env!("CARGO_PKG_VERSION"));
    assert_eq!(flagged["capabilities"], result["capabilities"]);
    let gif: Vec<&Value> = result["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] == "record-export-gif")
        .collect();
    assert_eq!(gif.len(), 1, "{result}");
    assert_eq!(gif[0]["status"], "available");
    assert!(!t.home.exists(), "--version must not create the Home");
}

/// `completions bash|zsh|fish` prints a script generated from the command definitions,
/// which the shell loads without a syntax error (each shell checked when installed).
#[test]
fn completions_load_in_each_shell() {
    let t = TestHome::new();
    for (shell, check, package) in
        [("bash", &["-n"][..], "bash"), ("zsh", &["-n"][..], "zsh"), ("fish", &["--no-execute"][..], "fish")]
    {
        let out = t.raw(&["completions", shell]);
        out.exit(0);
        assert_eq!(out.stderr, "");
        for word in ["send-keys", "record", "completions", "log-level", "no-color"] {
            assert!(out.stdout.contains(word), "{shell} completions lack {word}");
        }
        assert!(!out.stdout.contains("_host"), "{shell} completions offer the hidden host command");
        let script = t.path(&format!("completions.{shell}"));
        std::fs::write(&script, &out.stdout).unwrap();
        if !installed(shell) {
            eprintln!(
                "skipping the {shell} syntax check: {shell} is not installed (apt-get install {package})"
            );
            continue;
        }
        let path = script.to_str().unwrap();
        let mut args = check.to_vec();
        args.push(path);
        let (ok, _, stderr) = run(shell, &args, &[]);
        assert!(ok && stderr.is_empty(), "{shell} rejects its completion script:\n{stderr}");
    }
    let bash = t.path("completions.bash");
    let (ok, stdout, stderr) =
        run("bash", &["--norc", "-c", &format!("source {} && complete -p agent-tty", bash.display())], &[]);
    assert!(ok && stdout.contains("agent-tty"), "bash registers no completion: {stdout} {stderr}");
    let bad = t.raw(&["completions", "tcsh"]);
    bad.exit(2);
    assert!(bad.stderr.contains("possible values"), "{}", bad.stderr);
}

/// Subcommands are defined lazily (only the one on the command line is built), which must
/// not show: each keeps its own description in help and manual pages, the completion
/// scripts still offer `help <command> <subcommand>`, and a usage error names the command
/// the words spell even when parsing stopped before reaching it.
#[test]
fn deferred_subcommands_look_as_if_all_were_built() {
    let t = TestHome::new();
    let help = t.raw(&["--help"]);
    help.exit(0);
    for (command, about) in [
        ("home", "The Home Registry: every Home that hosted a session on this machine"),
        ("record", "Export a session's recording from its event log"),
        ("skills", "Manage built-in skills: guides that teach an agent this CLI"),
        ("inspect", "Show a session's record, event-log counters and host details"),
        ("version", "Print version information and (with --json) what this build can do"),
    ] {
        assert!(
            help.stdout.lines().any(|l| l.trim_start().starts_with(command) && l.contains(about)),
            "agent-tty --help lacks {command}: {about}:\n{}",
            help.stdout
        );
        let own = t.raw(&[command, "--help"]);
        own.exit(0);
        assert!(
            own.stdout.starts_with(about),
            "{command} --help does not start with {about:?}:\n{}",
            own.stdout
        );
        let page = t.raw(&["man", command]).stdout;
        let escaped = about.replace('-', "\\-").replace('\'', "\\*(Aq");
        assert!(page.contains(&escaped), "man {command} lacks {escaped:?}:\n{page}");
    }
    let bash = t.raw(&["completions", "bash"]);
    bash.exit(0);
    for nested in ["help__subcmd__home__subcmd__forget", "help__subcmd__record__subcmd__export"] {
        assert!(bash.stdout.contains(nested), "bash completions lack `help` {nested}");
    }
    assert!(!bash.stdout.contains("help__subcmd__home__subcmd__help"), "`help home help` offered");
    t.raw(&["--timeout-ms", "home", "forget", "--json"]).err("home forget", 2, "INVALID_INPUT");
}

/// Checks a roff page's structure: `.TH <title> 1`, NAME and SYNOPSIS sections.
fn assert_roff(page: &str, title: &str) {
    let th = page.lines().find(|l| l.starts_with(".TH ")).unwrap_or_else(|| panic!("no .TH:\n{page}"));
    assert!(th.starts_with(&format!(".TH {title} 1 ")), "{th}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS"] {
        assert!(page.lines().any(|l| l == section), "{title}: no {section}");
    }
}

/// `man` prints the roff page of agent-tty (listing a page per command), `man <command…>`
/// that command's page; both render with `man -l` when man is installed.
#[test]
fn man_pages_render() {
    let t = TestHome::new();
    let main = t.raw(&["man"]);
    main.exit(0);
    assert_roff(&main.stdout, "agent-tty");
    assert!(main.stdout.contains(".SH SUBCOMMANDS"));
    assert!(main.stdout.contains("agent\\-tty\\-send\\-keys(1)"), "{}", main.stdout);
    assert!(main.stdout.contains(&format!("agent-tty {}", env!("CARGO_PKG_VERSION"))));
    let export = t.raw(&["man", "record", "export"]);
    export.exit(0);
    assert_roff(&export.stdout, "agent-tty-record-export");
    assert!(export.stdout.contains("gif"), "{}", export.stdout);
    let alias = t.raw(&["man", "ls"]);
    alias.exit(0);
    assert_roff(&alias.stdout, "agent-tty-list");
    let error = t.raw(&["man", "nope"]).human_err(2, "INVALID_INPUT");
    assert!(error.starts_with("No manual page for \"nope\"") && error.contains("send-keys"), "{error}");

    let page = t.path("agent-tty.1");
    std::fs::write(&page, &main.stdout).unwrap();
    if !installed("man") {
        eprintln!(
            "skipping the man -l rendering check: man is not installed (apt-get install man-db groff-base)"
        );
        return;
    }
    let env = [("MANPAGER", "cat"), ("PAGER", "cat"), ("MANWIDTH", "100"), ("LANG", "C.UTF-8")];
    let (ok, text, stderr) = run("man", &["-l", page.to_str().unwrap()], &env);
    assert!(ok && stderr.is_empty(), "man -l failed:\n{stderr}");
    for expected in ["NAME", "SYNOPSIS", "agent-tty-send-keys(1)", "--version"] {
        assert!(text.contains(expected), "rendered page lacks {expected:?}:\n{text}");
    }
}

/// Every command path, from the `Commands:` section of each help text.
fn command_paths(t: &TestHome, prefix: &[String], into: &mut Vec<Vec<String>>) {
    let mut args: Vec<&str> = prefix.iter().map(String::as_str).collect();
    args.push("--help");
    let help = t.raw(&args);
    help.exit(0);
    let Some(start) = help.stdout.find("\nCommands:\n") else { return };
    for line in help.stdout[start + 11..].lines().take_while(|l| l.starts_with("  ")) {
        let name = line.split_whitespace().next().unwrap();
        if name == "help" {
            continue;
        }
        let mut path = prefix.to_vec();
        path.push(name.to_string());
        into.push(path.clone());
        command_paths(t, &path, into);
    }
}

/// No help text, manual page or bundled skill announces features as missing or for
/// later: they describe this build (`record export` offers asciicast, webm and gif).
#[test]
fn help_texts_describe_this_build() {
    let t = TestHome::new();
    let mut paths = Vec::new();
    command_paths(&t, &[], &mut paths);
    for expected in [&["record", "export"][..], &["completions"], &["man"], &["dashboard"], &["send-keys"]] {
        assert!(paths.iter().any(|p| p == expected), "{expected:?} not in {paths:?}");
    }
    let stale = ["later", "not in this build", "not yet", "coming soon", "todo", "unimplemented"];
    let mut texts = vec![("agent-tty --help".to_string(), t.raw(&["--help"]).stdout)];
    for path in &paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        texts.push((format!("agent-tty {} --help", path.join(" ")), t.raw(&args).stdout));
        let mut man = vec!["man"];
        man.extend(path.iter().map(String::as_str));
        texts.push((format!("agent-tty man {}", path.join(" ")), t.raw(&man).stdout));
    }
    for skill in ["agent-tty", "dogfood-tui"] {
        texts.push((format!("skills get {skill}"), t.raw(&["skills", "get", skill]).stdout));
    }
    for (what, text) in &texts {
        assert!(!text.is_empty(), "{what} printed nothing");
        let lower = text.to_lowercase();
        for word in stale {
            assert!(!lower.contains(word), "{what} mentions {word:?}:\n{text}");
        }
    }
    let export = t.raw(&["record", "export", "--help"]).stdout;
    for format in ["asciicast", "webm", "gif"] {
        assert!(export.contains(format), "record export --help lacks {format}:\n{export}");
    }
    let skill = t.raw(&["skills", "get", "agent-tty"]).stdout;
    for topic in ["--format gif", "screenshot", "dashboard", "did you mean"] {
        assert!(skill.contains(topic), "the agent-tty skill lacks {topic:?}");
    }
}
