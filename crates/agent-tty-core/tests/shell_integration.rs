//! Shell integration against the real shells: bash, zsh and fish started on a real PTY with
//! the injection `shell_integration::prepare` returns, in a temporary HOME whose start-up
//! files set a custom prompt and a prompt hook of their own. Commands are typed as a user
//! would and the marks the shell writes (OSC 133 A/B/C/D, OSC 7) are checked in order.
//! Every wait reads the PTY until its condition holds, with a deadline.

use std::path::{Path, PathBuf};
use std::time::Duration;

use agent_tty_core::pty::{self, Pty};
use agent_tty_core::shell_integration::{self, Injection, Shell, percent_encode};
use agent_tty_core::shell_marks::percent_decode;

const DEADLINE: Duration = Duration::from_secs(20);

/// A shell running on a PTY, and everything it wrote.
struct Term {
    runtime: tokio::runtime::Runtime,
    pty: Pty,
    child: tokio::process::Child,
    output: Vec<u8>,
    /// How many marks the checks have consumed.
    seen: usize,
    _home: tempfile::TempDir,
    home: PathBuf,
}

impl Term {
    /// Starts `command` with its integration in a fresh HOME holding `files` (path, text).
    fn start(command: &[&str], files: &[(&str, &str)]) -> Term {
        Term::start_with(command, files, |_| {})
    }

    fn start_with(command: &[&str], files: &[(&str, &str)], adjust: impl FnOnce(&mut Injection)) -> Term {
        require(command[0]);
        let home_dir = tempfile::tempdir().unwrap();
        let home = home_dir.path().canonicalize().unwrap();
        for (path, text) in files {
            let path = home.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let argv: Vec<String> = command.iter().map(|s| s.to_string()).collect();
        let mut injection = shell_integration::prepare(&argv, &home.join("session/shell-integration"))
            .unwrap()
            .unwrap_or_else(|| panic!("{command:?} is not integrated"));
        adjust(&mut injection);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (pty, child) = runtime.block_on(async {
            let mut spawn = pty_process::Command::new(&injection.argv[0])
                .args(&injection.argv[1..])
                .current_dir(&home)
                .env_clear();
            for (key, value) in [
                ("HOME", home.to_str().unwrap()),
                ("PATH", &std::env::var("PATH").unwrap()),
                ("TERM", "xterm-256color"),
                ("LANG", "C.UTF-8"),
                ("PROMPT_EOL_MARK", ""),
                ("XDG_CONFIG_HOME", home.join(".config").to_str().unwrap()),
                ("XDG_DATA_HOME", home.join(".local/share").to_str().unwrap()),
                ("XDG_STATE_HOME", home.join(".local/state").to_str().unwrap()),
            ] {
                spawn = spawn.env(key, value);
            }
            spawn = default_signals(spawn.envs(injection.env.iter().map(|(k, v)| (k, v))));
            pty::spawn(spawn, 100, 30).unwrap()
        });
        Term { runtime, pty, child, output: Vec::new(), seen: 0, _home: home_dir, home }
    }

    fn send(&mut self, text: &str) {
        let Term { runtime, pty, .. } = self;
        runtime.block_on(async {
            let mut bytes = text.as_bytes();
            while !bytes.is_empty() {
                let n = pty.write(bytes).await.unwrap();
                bytes = &bytes[n..];
            }
        });
    }

    /// Reads until `done(output)` holds; fails with the output when the deadline passes or
    /// the shell closes the terminal first.
    fn wait_until(&mut self, what: &str, done: impl Fn(&[u8]) -> bool) {
        let Term { runtime, pty, output, .. } = self;
        let reached = runtime.block_on(async {
            let until = tokio::time::Instant::now() + DEADLINE;
            let mut buf = [0u8; 4096];
            while !done(output) {
                match tokio::time::timeout_at(until, pty.read(&mut buf)).await {
                    Ok(Ok(n)) if n > 0 => output.extend_from_slice(&buf[..n]),
                    _ => return false,
                }
            }
            true
        });
        assert!(reached, "no {what} in:\n{}", shown(&self.output));
    }

    /// Waits for the `n`th prompt (counted by its B mark) from the start.
    fn wait_prompts(&mut self, n: usize) {
        self.wait_until(&format!("prompt #{n}"), |out| marks(out).iter().filter(|m| *m == "B").count() >= n);
    }

    /// Types `line` and Enter, waits for the next prompt, and returns the marks written since
    /// the last check.
    fn command(&mut self, line: &str) -> Vec<String> {
        let prompts = self.prompts();
        self.send(&format!("{line}\r"));
        self.wait_prompts(prompts + 1);
        self.new_marks()
    }

    fn prompts(&self) -> usize {
        marks(&self.output).iter().filter(|m| *m == "B").count()
    }

    fn new_marks(&mut self) -> Vec<String> {
        let all = marks(&self.output);
        let new = all[self.seen..].to_vec();
        self.seen = all.len();
        new
    }

    /// Everything the shell wrote, as text.
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }

    fn pid(&self) -> u32 {
        self.child.id().unwrap()
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Default actions for SIGINT and SIGQUIT in the shell, as the host gives its program: the
/// tests may run in a background job, which has them ignored (and ctrl+c would not stop
/// `sleep`).
#[allow(unsafe_code)]
fn default_signals(command: pty_process::Command) -> pty_process::Command {
    // SAFETY: only signal(), async-signal-safe, between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            libc::signal(libc::SIGQUIT, libc::SIG_DFL);
            Ok(())
        })
    }
}

/// The program must be installed; a missing one fails the test saying which package.
fn require(program: &str) {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()));
    assert!(found, "{program} is not installed: install the {program} package");
}

/// The OSC 133 and OSC 7 marks in `output`, in order: `A`, `B`, `C;cmdline_url=…`, `D;0`,
/// `7;file://host/path`.
fn marks(output: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(output);
    let mut marks = Vec::new();
    let mut rest = &text[..];
    while let Some(start) = rest.find("\x1b]") {
        let body = &rest[start + 2..];
        let Some(end) = body.find('\x07') else { break };
        let osc = &body[..end];
        if let Some(mark) = osc.strip_prefix("133;") {
            marks.push(mark.to_string());
        } else if osc.starts_with("7;") {
            marks.push(osc.to_string());
        }
        rest = &body[end + 1..];
    }
    marks
}

fn shown(output: &[u8]) -> String {
    String::from_utf8_lossy(output).replace('\x1b', "␛").replace('\x07', "🔔")
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_string()
}

fn osc7(path: &Path) -> String {
    format!("7;file://{}{}", hostname(), percent_encode(path.to_str().unwrap()))
}

/// The marks of one finished command line: C with the line, OSC 7, D, then the next prompt.
fn finished(line: &str, cwd: &Path, status: u8) -> Vec<String> {
    vec![
        format!("C;cmdline_url={}", percent_encode(line)),
        osc7(cwd),
        format!("D;{status}"),
        "A".into(),
        "B".into(),
    ]
}

/// Waits until a `sleep` started by the shell `shell` is running (so it, not the shell, gets
/// the ctrl+c). There is no event for a process starting, so this checks `/proc` until it
/// holds or the deadline passes.
fn wait_for_sleep(shell: u32) {
    let until = std::time::Instant::now() + DEADLINE;
    loop {
        let running = std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { return false };
            let parent = stat[close + 1..].split_whitespace().nth(1);
            &stat[open + 1..close] == "sleep" && parent == Some(&shell.to_string())
        });
        if running {
            return;
        }
        assert!(std::time::Instant::now() < until, "sleep did not start");
        std::thread::yield_now();
    }
}

/// The checks every shell must pass; `nested` starts the same shell inside.
fn common_scenario(term: &mut Term, prompt_status: &str, hook_check: (&str, &str)) {
    let home = term.home.clone();
    term.wait_prompts(1);
    assert_eq!(term.new_marks(), [osc7(&home), "A".into(), "B".into()], "before the first prompt");

    assert_eq!(term.command("true"), finished("true", &home, 0));
    let start = term.output.len();
    assert_eq!(term.command("false"), finished("false", &home, 1));
    // The user's prompt still shows the status, and the user's hook saw it too.
    let prompt = format!("\x1b]133;A\x07{prompt_status}\x1b]133;B\x07");
    assert!(String::from_utf8_lossy(&term.output[start..]).contains(&prompt), "{}", shown(&term.output));
    let (check, expected) = hook_check;
    assert_eq!(term.command(check), finished(check, &home, 0));
    assert!(term.text().contains(expected), "the user's prompt hook: {}", shown(&term.output));

    assert_eq!(term.command("cd /tmp"), finished("cd /tmp", Path::new("/tmp"), 0));
    assert_eq!(term.command(""), ["A", "B"], "an empty line is no command");

    let line = r#"echo "a  b" 'é ü' "x;y" 100%"#;
    let written = term.command(line);
    assert_eq!(written, finished(line, Path::new("/tmp"), 0));
    let url = written[0].strip_prefix("C;cmdline_url=").unwrap();
    assert_eq!(percent_decode(url), line);

    let prompts = term.prompts();
    term.send("sleep 5\r");
    term.wait_until("the C of sleep", |out| marks(out).iter().any(|m| m == "C;cmdline_url=sleep%205"));
    wait_for_sleep(term.pid());
    term.send("\x03");
    term.wait_prompts(prompts + 1);
    assert_eq!(
        term.new_marks(),
        finished("sleep 5", Path::new("/tmp"), 130),
        "ctrl+c: {}",
        shown(&term.output)
    );

    // Nothing of ours reaches the programs the shell starts.
    let env = "env | grep -c -e AGENT_TTY_ -e '^ZDOTDIR=' -e '^ENV=' -e '^PS1=' | sed 's/^/count=/'";
    assert_eq!(term.command(env), finished(env, Path::new("/tmp"), 0));
    assert!(term.text().contains("count=0\r\n"), "{}", shown(&term.output));
}

/// Starts the same shell inside: it writes no marks; after its `exit 3` the outer shell's
/// D and prompt follow. `nested_prompt` is what the nested shell's prompt shows.
fn nested_scenario(term: &mut Term, program: &str, nested_prompt: &str) {
    let start = term.output.len();
    term.send(&format!("{program}\r"));
    term.wait_until("the nested prompt", |out| {
        String::from_utf8_lossy(&out[start..]).contains(nested_prompt)
    });
    let after_prompt = term.output.len();
    term.send("true\r");
    term.wait_until("the nested prompt again", |out| {
        String::from_utf8_lossy(&out[after_prompt..]).contains(nested_prompt)
    });
    assert_eq!(term.new_marks(), [format!("C;cmdline_url={program}")], "the nested shell writes no marks");
    let prompts = term.prompts();
    term.send("exit 3\r");
    term.wait_prompts(prompts + 1);
    assert_eq!(term.new_marks(), [osc7(Path::new("/tmp")), "D;3".into(), "A".into(), "B".into()]);
    assert_eq!(term.command("true"), finished("true", Path::new("/tmp"), 0), "the outer shell goes on");
}

const BASHRC: &str = r#"PS1='[u$?]> '
PROMPT_COMMAND='user_status=$?; user_prompts=$((user_prompts + 1))'
HISTCONTROL=ignoredups
"#;

#[test]
fn bash_writes_the_marks_and_keeps_the_users_prompt() {
    let mut term = Term::start(&["bash"], &[(".bashrc", BASHRC)]);
    common_scenario(&mut term, "[u1]> ", (r#"echo "hook=$user_status/$user_prompts""#, "hook=1/3"));
    nested_scenario(&mut term, "bash", "[u0]> ");
}

#[test]
fn bash_as_a_login_shell_reads_the_login_files() {
    let profile = format!("{BASHRC}echo from-profile\n");
    let files =
        [(".bash_profile", profile.as_str()), (".profile", "echo not-read\n"), (".bashrc", "echo no\n")];
    let mut term = Term::start(&["bash", "-l"], &files);
    term.wait_prompts(1);
    assert!(
        term.text().contains("from-profile") && !term.text().contains("not-read"),
        "{}",
        shown(&term.output)
    );
    let home = term.home.clone();
    assert_eq!(term.new_marks(), [osc7(&home), "A".into(), "B".into()]);
    let line = "shopt -q login_shell && ! shopt -qo posix && echo login-$((6 * 7))";
    assert_eq!(term.command(line), finished(line, &home, 0));
    assert!(term.text().contains("login-42\r\n"), "{}", shown(&term.output));
    let env = "env | grep -c -e AGENT_TTY_ -e '^ENV=' | sed 's/^/count=/'";
    assert_eq!(term.command(env), finished(env, &home, 0));
    assert!(term.text().contains("count=0\r\n"), "{}", shown(&term.output));
}

#[test]
fn bash_writes_c_without_the_line_when_history_skipped_it() {
    let rc = "PS1='$ '\nHISTCONTROL=ignorespace\n";
    let mut term = Term::start(&["bash", "-i"], &[(".bashrc", rc)]);
    term.wait_prompts(1);
    term.new_marks();
    let home = term.home.clone();
    assert_eq!(term.command("echo one"), finished("echo one", &home, 0));
    let mut skipped = finished("echo one", &home, 0);
    skipped[0] = "C".into();
    assert_eq!(term.command(" echo two"), skipped, "not `echo one` again");
}

const ZSHRC: &str = r#"PS1='[u%?]> '
user_hook() { user_status=$?; (( user_prompts++ )) }
precmd_functions+=(user_hook)
"#;

#[test]
fn zsh_writes_the_marks_and_keeps_the_users_prompt() {
    let files = [(".zshrc", ZSHRC), (".zshenv", "echo user-zshenv-$ZDOTDIR-end\n")];
    let mut term = Term::start(&["zsh"], &files);
    common_scenario(&mut term, "[u1]> ", (r#"echo "hook=$user_status/$user_prompts""#, "hook=1/3"));
    assert!(
        term.text().contains("user-zshenv--end"),
        "the user's ZDOTDIR was unset: {}",
        shown(&term.output)
    );
    nested_scenario(&mut term, "zsh", "[u0]> ");
}

#[test]
fn zsh_reads_the_users_files_from_the_users_zdotdir() {
    let files = [
        ("zdot/.zshenv", "echo user-zshenv-$ZDOTDIR-end\n"),
        ("zdot/.zprofile", "echo user-zprofile\n"),
        ("zdot/.zshrc", ZSHRC),
        ("zdot/.zlogin", "echo user-zlogin-$ZDOTDIR-end\n"),
        (".zshrc", "echo not-read\n"),
    ];
    let mut zdotdir = String::new();
    let mut term = Term::start_with(&["zsh", "-l"], &files, |injection| {
        // What `prepare` does when the environment has a ZDOTDIR.
        let ours = &injection.env[0].1;
        zdotdir = Path::new(ours).ancestors().nth(3).unwrap().join("zdot").display().to_string();
        injection.env.push(("AGENT_TTY_ZSH_ZDOTDIR".into(), zdotdir.clone()));
    });
    term.wait_prompts(1);
    let text = term.text();
    for expected in
        [format!("user-zshenv-{zdotdir}-end"), "user-zprofile".into(), format!("user-zlogin-{zdotdir}-end")]
    {
        assert!(text.contains(&expected), "{expected}: {}", shown(&term.output));
    }
    assert!(!text.contains("not-read"), "{}", shown(&term.output));
    let home = term.home.clone();
    term.new_marks();
    let line = "typeset -p ZDOTDIR";
    assert_eq!(term.command(line), finished(line, &home, 0));
    assert!(term.text().contains(&format!("export ZDOTDIR={zdotdir}\r\n")), "{}", shown(&term.output));
}

const FISH_CONFIG: &str = r#"function fish_prompt
    printf '[u%s]> ' $status
end
function user_hook --on-event fish_postexec
    set -g user_status $status
    set -g user_commands (math $user_commands + 1)
end
set -g user_commands 0
set -g fish_greeting
"#;

#[test]
fn fish_writes_the_marks_and_keeps_the_users_prompt() {
    let mut term = Term::start(&["fish"], &[(".config/fish/config.fish", FISH_CONFIG)]);
    common_scenario(&mut term, "[u1]> ", (r#"echo "hook=$user_status/$user_commands""#, "hook=1/2"));
    nested_scenario(&mut term, "fish", "[u0]> ");
}

#[test]
fn fish_with_arguments_keeps_them() {
    let mut term = Term::start(&["fish", "-l"], &[(".config/fish/config.fish", FISH_CONFIG)]);
    term.wait_prompts(1);
    term.new_marks();
    let home = term.home.clone();
    let line = "status is-login; and echo login-(math 6 \\* 7)";
    assert_eq!(term.command(line), finished(line, &home, 0));
    assert!(term.text().contains("login-42\r\n"), "{}", shown(&term.output));
}

#[test]
fn detect_names_each_shell() {
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        assert_eq!(shell_integration::detect(&[shell.name().to_string()]), Some(shell));
    }
}
