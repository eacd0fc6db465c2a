//! Shell integration: makes an interactive bash, zsh or fish write the marks the host reads
//! (OSC 133 A/B around the prompt, C with the command line before a command line runs, OSC 7
//! with the working directory then D with the status after it), without touching the user's
//! files. The hooks (the scripts in `shell_integration/`) are injected through the shell's own
//! start-up options and read the user's usual files first:
//!
//! - bash: `bash --rcfile <dir>/agent-tty.bash`, a file that sources `~/.bashrc` (bash itself
//!   still reads the system-wide bashrc first, as it always does). A login shell ignores
//!   `--rcfile`, so `bash -l` is started as `bash --posix --login` with `ENV` naming the same
//!   file: in POSIX mode bash reads only that file, which leaves POSIX mode, gives `ENV` back
//!   and reads `/etc/profile` and the first of `~/.bash_profile`, `~/.bash_login`,
//!   `~/.profile`, as a login shell does. The command line for C comes from the history:
//!   when bash did not record the line (`HISTCONTROL=ignorespace`, `HISTIGNORE`, history off)
//!   C has no `cmdline_url`.
//! - zsh: `ZDOTDIR=<dir>/zsh`, whose `.zshenv`, `.zprofile` and `.zshrc` each put the user's
//!   `ZDOTDIR` back (from `AGENT_TTY_ZSH_ZDOTDIR`, or unset), source the user's file of the
//!   same name (from that `ZDOTDIR`, else `$HOME`) and point `ZDOTDIR` at ours again; after
//!   the user's `.zshrc` it stays the user's, so zsh reads the user's `.zlogin` itself.
//! - fish: `fish --init-command "source <dir>/agent-tty.fish"`, which runs after the user's
//!   configuration.
//!
//! The scripts unset or un-export everything they were given and everything they change
//! (`PS0`, `PS1`, `ENV`, `ZDOTDIR`), so a shell started inside (a nested `bash`, `ssh`) reads
//! only the user's files and writes no marks; the outer shell's marks go on after it exits.
//!
//! Each shell's prompt hook captures the status first and hands it on (bash returns it
//! from its `PROMPT_COMMAND` entry, zsh gives every hook the status itself, fish's wrapped
//! `fish_prompt` sets it again before the user's), and runs its prompt wrapper last, so a
//! prompt the user's hooks rebuild still gets A and B. Known limits: bash needs
//! `promptvars` (on by default) for `PS0`; zsh writes its `PROMPT_SP` padding (spaces and a
//! carriage return) before its precmd hooks, so it comes between a command's output and D;
//! fish and zsh redraw prompts (a resize, ctrl+l) and write A and B again without D.

use std::path::Path;

/// The environment variable that turns shell integration off: `0`, `off` or `false` (any
/// case). `create --no-shell-integration` sets it for the host; the program never sees it.
pub const DISABLE_ENV: &str = "AGENT_TTY_SHELL_INTEGRATION";

/// A shell we can integrate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// GNU bash (5.x: `PS0` is needed).
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
}

impl Shell {
    /// Its program name: `bash`, `zsh` or `fish`.
    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
        }
    }
}

/// How to start the session's program with the integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injection {
    /// The shell.
    pub shell: Shell,
    /// The full argv to spawn instead of the session's command.
    pub argv: Vec<String>,
    /// Environment to add to the program's.
    pub env: Vec<(String, String)>,
}

/// Which shell `command` starts, when it starts one we can integrate.
///
/// The rule: the program's base name (`bash`, `/usr/bin/zsh`…) is exactly `bash`, `zsh` or
/// `fish`, and every argument only asks for an interactive or a login shell: `-i`, `-l`,
/// `--login` (for fish also `--interactive`), or a cluster of those letters (`-il`). Any
/// other argument means the shell would not read its usual start-up files interactively (a
/// script, `-c …`, `--norc`, `--rcfile …`, `-f`, `--no-config`, `-o …`…), so we leave it
/// alone: `None`.
pub fn detect(command: &[String]) -> Option<Shell> {
    let (program, args) = command.split_first()?;
    let shell = match program.rsplit('/').next()? {
        "bash" => Shell::Bash,
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        _ => return None,
    };
    args.iter().all(|arg| parse_arg(shell, arg).is_some()).then_some(shell)
}

/// What an accepted argument asks for.
#[derive(Debug, Default, Clone, Copy)]
struct Mode {
    interactive: bool,
    login: bool,
}

fn parse_arg(shell: Shell, arg: &str) -> Option<Mode> {
    match arg {
        "--login" => Some(Mode { interactive: false, login: true }),
        "--interactive" if shell == Shell::Fish => Some(Mode { interactive: true, login: false }),
        _ => {
            let letters = arg.strip_prefix('-').filter(|l| !l.is_empty())?;
            letters.chars().try_fold(Mode::default(), |mode, letter| match letter {
                'i' => Some(Mode { interactive: true, ..mode }),
                'l' => Some(Mode { login: true, ..mode }),
                _ => None,
            })
        }
    }
}

fn mode(shell: Shell, args: &[String]) -> Mode {
    args.iter().filter_map(|arg| parse_arg(shell, arg)).fold(Mode::default(), |a, b| Mode {
        interactive: a.interactive || b.interactive,
        login: a.login || b.login,
    })
}

/// Whether the host's environment leaves shell integration on (see [`DISABLE_ENV`]).
pub fn enabled_by_env() -> bool {
    std::env::var(DISABLE_ENV).map_or(true, |value| enabled_by(&value))
}

fn enabled_by(value: &str) -> bool {
    !["0", "off", "false"].iter().any(|off| value.trim().eq_ignore_ascii_case(off))
}

const BASH: &str = include_str!("shell_integration/agent-tty.bash");
const ZSHENV: &str = include_str!("shell_integration/zsh/zshenv");
const ZPROFILE: &str = include_str!("shell_integration/zsh/zprofile");
const ZSHRC: &str = include_str!("shell_integration/zsh/zshrc");
const ZSH_HOOKS: &str = include_str!("shell_integration/zsh/agent-tty.zsh");
const FISH: &str = include_str!("shell_integration/agent-tty.fish");

/// Prepares the integration of `command` if [`detect`] recognises it: writes the shell's
/// files under `dir` (created 0700; files 0600, written atomically; the same files every
/// time, so preparing again is harmless) and returns how to start the shell. `None` when
/// the command is no shell we integrate, or when bash would start in POSIX mode
/// (`POSIXLY_CORRECT` in the environment: it would read `ENV`, not our rc file).
///
/// Reads the user's `ZDOTDIR` and `ENV` from this process's environment, which is the
/// program's (the host is started with the session's environment).
pub fn prepare(command: &[String], dir: &Path) -> std::io::Result<Option<Injection>> {
    let (Some(shell), Some((program, args))) = (detect(command), command.split_first()) else {
        return Ok(None);
    };
    if shell == Shell::Bash && std::env::var_os("POSIXLY_CORRECT").is_some() {
        return Ok(None);
    }
    make_private_dir(dir)?;
    let mode = mode(shell, args);
    let injection = match shell {
        Shell::Bash => bash(program, mode, dir)?,
        Shell::Zsh => zsh(command, dir)?,
        Shell::Fish => fish(program, args, dir)?,
    };
    Ok(Some(injection))
}

fn bash(program: &str, mode: Mode, dir: &Path) -> std::io::Result<Injection> {
    let rc = dir.join("agent-tty.bash");
    write_file(&rc, BASH)?;
    let rc = path_string(&rc)?;
    let mut argv = vec![program.to_string()];
    let mut env = Vec::new();
    if mode.login {
        argv.extend(["--posix".into(), "--login".into()]);
        env.push(("ENV".into(), rc));
        env.push(("AGENT_TTY_BASH_INJECT".into(), "login".into()));
        if let Ok(user_env) = std::env::var("ENV") {
            env.push(("AGENT_TTY_BASH_ENV".into(), user_env));
        }
    } else {
        argv.extend(["--rcfile".into(), rc]);
    }
    if mode.interactive {
        argv.push("-i".into());
    }
    Ok(Injection { shell: Shell::Bash, argv, env })
}

fn zsh(command: &[String], dir: &Path) -> std::io::Result<Injection> {
    let zdotdir = dir.join("zsh");
    make_private_dir(&zdotdir)?;
    for (name, contents) in
        [(".zshenv", ZSHENV), (".zprofile", ZPROFILE), (".zshrc", ZSHRC), ("agent-tty.zsh", ZSH_HOOKS)]
    {
        write_file(&zdotdir.join(name), contents)?;
    }
    let mut env = vec![("ZDOTDIR".to_string(), path_string(&zdotdir)?)];
    if let Ok(user_zdotdir) = std::env::var("ZDOTDIR") {
        env.push(("AGENT_TTY_ZSH_ZDOTDIR".into(), user_zdotdir));
    }
    Ok(Injection { shell: Shell::Zsh, argv: command.to_vec(), env })
}

fn fish(program: &str, args: &[String], dir: &Path) -> std::io::Result<Injection> {
    let file = dir.join("agent-tty.fish");
    write_file(&file, FISH)?;
    let source = format!("source {}", fish_quote(&path_string(&file)?));
    let mut argv = vec![program.to_string(), "--init-command".into(), source];
    argv.extend(args.iter().cloned());
    Ok(Injection { shell: Shell::Fish, argv, env: Vec::new() })
}

/// `s` as one fish word: single-quoted, with `\` and `'` escaped.
fn fish_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn path_string(path: &Path) -> std::io::Result<String> {
    path.to_str().map(str::to_string).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("the path {} is not UTF-8", path.display()),
        )
    })
}

fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
        .and_then(|()| crate::fsio::chmod(dir, 0o700))
        .map_err(|e| std::io::Error::new(e.kind(), format!("Failed to create {}: {e}", dir.display())))
}

fn write_file(path: &Path, contents: &str) -> std::io::Result<()> {
    crate::fsio::write_atomic_in_place(path, contents.as_bytes())
        .map_err(|e| std::io::Error::other(e.message.clone()))
}

/// Percent-encodes `text` as the marks carry it (`cmdline_url`, the OSC 7 path): every
/// UTF-8 byte outside `A-Z a-z 0-9 - . _ ~ /` becomes `%XX`. The shells' scripts do the
/// same; the host decodes with [`crate::shell_marks::percent_decode`].
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn detect_takes_interactive_shells_by_base_name() {
        for (command, shell) in [
            (&["bash"][..], Some(Shell::Bash)),
            (&["/usr/bin/zsh"], Some(Shell::Zsh)),
            (&["fish", "-i"], Some(Shell::Fish)),
            (&["bash", "-l"], Some(Shell::Bash)),
            (&["bash", "--login", "-i"], Some(Shell::Bash)),
            (&["zsh", "-il"], Some(Shell::Zsh)),
            (&["fish", "--interactive", "--login"], Some(Shell::Fish)),
            (&["/bin/bash", "-li"], Some(Shell::Bash)),
        ] {
            assert_eq!(detect(&argv(command)), shell, "{command:?}");
        }
    }

    #[test]
    fn detect_leaves_alone_what_reads_no_start_up_files_interactively() {
        for command in [
            &[][..],
            &["sh"],
            &["bash5"],
            &["mybash"],
            &["env", "bash"],
            &["bash", "-c", "echo hi"],
            &["bash", "script.sh"],
            &["bash", "--norc"],
            &["bash", "--noprofile"],
            &["bash", "--rcfile", "x"],
            &["bash", "--posix"],
            &["bash", "-"],
            &["bash", "-ic", "true"],
            &["zsh", "-f"],
            &["zsh", "-o", "norcs"],
            &["zsh", "--interactive"],
            &["fish", "--no-config"],
            &["fish", "-N"],
            &["fish", "-C", "echo"],
            &["fish", "x.fish"],
            &["bash", ""],
        ] {
            assert_eq!(detect(&argv(command)), None, "{command:?}");
        }
    }

    #[test]
    fn the_disable_variable_takes_zero_off_and_false() {
        for off in ["0", "off", "OFF", "false", "False", " 0 "] {
            assert!(!enabled_by(off), "{off}");
        }
        for on in ["1", "on", "true", "", "yes"] {
            assert!(enabled_by(on), "{on}");
        }
    }

    #[test]
    fn percent_encoding_keeps_only_the_unreserved_bytes_and_round_trips() {
        assert_eq!(percent_encode("AZaz09-._~/"), "AZaz09-._~/");
        assert_eq!(percent_encode("echo \"a b\"; x=1%"), "echo%20%22a%20b%22%3B%20x%3D1%25");
        assert_eq!(percent_encode("é€\t\n\u{1b}\u{7}"), "%C3%A9%E2%82%AC%09%0A%1B%07");
        for text in ["", "cd /tmp && ls", "printf 'ü %s\\n' \"$HOME\"", "日本語 🦀"] {
            assert_eq!(crate::shell_marks::percent_decode(&percent_encode(text)), text);
        }
        assert_eq!(crate::shell_marks::percent_decode("%c3%a9"), "é");
    }

    #[test]
    fn prepare_writes_private_files_and_is_idempotent() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("shell-integration");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        for _ in 0..2 {
            let bash = prepare(&argv(&["bash", "-i"]), &dir).unwrap().unwrap();
            let rc = dir.join("agent-tty.bash").display().to_string();
            assert_eq!(bash.argv, argv(&["bash", "--rcfile", &rc, "-i"]));
            assert!(bash.env.is_empty());
            let login = prepare(&argv(&["/bin/bash", "-l"]), &dir).unwrap().unwrap();
            assert_eq!(login.argv, argv(&["/bin/bash", "--posix", "--login"]));
            assert!(login.env.contains(&("ENV".into(), rc.clone())));
            let zsh = prepare(&argv(&["zsh", "-l"]), &dir).unwrap().unwrap();
            assert_eq!(zsh.argv, argv(&["zsh", "-l"]));
            assert_eq!(zsh.env[0], ("ZDOTDIR".into(), dir.join("zsh").display().to_string()));
            let fish = prepare(&argv(&["fish"]), &dir).unwrap().unwrap();
            assert_eq!(fish.argv[..2], argv(&["fish", "--init-command"]));
            assert!(fish.argv[2].starts_with("source '") && fish.argv[2].ends_with("agent-tty.fish'"));
            assert_eq!(prepare(&argv(&["bash", "-c", "true"]), &dir).unwrap(), None);
        }
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("zsh")), 0o700);
        for file in ["agent-tty.bash", "agent-tty.fish", "zsh/.zshenv", "zsh/.zshrc", "zsh/agent-tty.zsh"] {
            assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
        }
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 3, "no temporary files left: {names:?}");
        assert_eq!(std::fs::read_to_string(dir.join("zsh/.zshrc")).unwrap(), ZSHRC);
    }

    #[test]
    fn fish_words_are_quoted() {
        assert_eq!(fish_quote("/a b/c'd\\e"), r"'/a b/c\'d\\e'");
    }
}
