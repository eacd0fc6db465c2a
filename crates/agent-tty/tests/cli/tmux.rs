//! tmux as an independent reference terminal: the same program, the same size, the same
//! environment and working directory, driven with the same keys, so that our snapshots
//! can be compared with `tmux capture-pane`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::support::*;

/// The environment both terminals give the program (besides HOME and friends).
pub const PROGRAM_ENV: [(&str, &str); 2] = [("LANG", "C.UTF-8"), ("LC_ALL", "C.UTF-8")];

/// How long the reference may take to show the screen we expect.
const TMUX_DEADLINE: Duration = Duration::from_secs(10);

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// One private tmux server with one window running one program.
pub struct Tmux {
    socket: String,
    tmpdir: PathBuf,
    conf: PathBuf,
    user_home: PathBuf,
    state: PathBuf,
}

impl Tmux {
    /// Starts `command` (a shell command line) in a detached `cols`×`rows` tmux session
    /// with `TERM=xterm-256color`, the test's HOME, in `cwd`.
    pub fn start(t: &TestHome, cwd: &Path, cols: u16, rows: u16, command: &str) -> Tmux {
        require("tmux", "tmux");
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let tmpdir = t.path(&format!("tmux-{n}"));
        std::fs::create_dir_all(&tmpdir).unwrap();
        let conf = tmpdir.join("tmux.conf");
        std::fs::write(
            &conf,
            "set -g status off\nset -g default-terminal xterm-256color\nset -g escape-time 0\n\
             set -g history-limit 10000\nset -g remain-on-exit on\n",
        )
        .unwrap();
        let tmux = Tmux {
            socket: format!("att-{}-{n}", std::process::id()),
            tmpdir,
            conf,
            user_home: t.user_home.clone(),
            state: t.state.clone(),
        };
        let (c, r) = (cols.to_string(), rows.to_string());
        let work = cwd.to_str().unwrap().to_string();
        tmux.ok(&["new-session", "-d", "-x", &c, "-y", &r, "-c", &work, command]);
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new("tmux");
        cmd.arg("-u")
            .arg("-L")
            .arg(&self.socket)
            .arg("-f")
            .arg(&self.conf)
            .args(args)
            .env("TMUX_TMPDIR", &self.tmpdir)
            .env("HOME", &self.user_home)
            .env("XDG_STATE_HOME", &self.state)
            .env("SHELL", "/bin/bash")
            .env("TERM", "xterm-256color")
            .env_remove("TMUX")
            .env_remove("TMUX_PANE")
            .stdin(Stdio::null());
        for (name, value) in PROGRAM_ENV {
            cmd.env(name, value);
        }
        cmd.output().expect("run tmux")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("tmux output is UTF-8")
    }

    /// Sends literal text.
    pub fn type_text(&self, text: &str) {
        self.ok(&["send-keys", "-t", "0", "-l", text]);
    }

    /// Sends one named key (`Enter`, `Escape`, `Space`, …).
    pub fn key(&self, key: &str) {
        self.ok(&["send-keys", "-t", "0", key]);
    }

    /// `resize-window`.
    pub fn resize(&self, cols: u16, rows: u16) {
        self.ok(&["resize-window", "-t", "0", "-x", &cols.to_string(), "-y", &rows.to_string()]);
    }

    /// The visible lines, trailing spaces trimmed.
    pub fn lines(&self) -> Vec<String> {
        let text = self.ok(&["capture-pane", "-p", "-t", "0"]);
        text.lines().map(|l| l.trim_end_matches(' ').to_string()).collect()
    }

    /// `(cursorRow, cursorCol, alternate screen on)`.
    pub fn cursor(&self) -> (u64, u64, bool) {
        let text = self.ok(&["display-message", "-p", "-t", "0", "#{cursor_y} #{cursor_x} #{alternate_on}"]);
        let mut parts = text.split_whitespace();
        let row = parts.next().unwrap().parse().unwrap();
        let col = parts.next().unwrap().parse().unwrap();
        let alt = parts.next() == Some("1");
        (row, col, alt)
    }

    /// Waits until the pane shows `needle`.
    pub fn wait_for(&self, needle: &str) {
        wait_until(&format!("tmux shows {needle:?}"), DEADLINE, || self.lines().join("\n").contains(needle));
    }

    /// Waits until the reference shows exactly `expected` lines (and, when given, this
    /// cursor and alternate-screen state); panics with both screens otherwise.
    pub fn expect_screen(&self, what: &str, expected: &[String], cursor: Option<(u64, u64, bool)>) {
        let start = std::time::Instant::now();
        loop {
            let lines = self.lines();
            let here = self.cursor();
            if lines == expected && cursor.is_none_or(|c| c == here) {
                return;
            }
            if start.elapsed() > TMUX_DEADLINE {
                let mut report = format!("{what}: our screen differs from tmux's\n");
                report.push_str(&format!("ours cursor/alt {cursor:?}, tmux {here:?}\n"));
                for i in 0..expected.len().max(lines.len()) {
                    let ours = expected.get(i).map_or("<none>", String::as_str);
                    let theirs = lines.get(i).map_or("<none>", String::as_str);
                    let mark = if ours == theirs { ' ' } else { '!' };
                    report.push_str(&format!("{mark}{i:>3} ours {ours:?}\n{mark}     tmux {theirs:?}\n"));
                }
                panic!("{report}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// [`expect_screen`](Self::expect_screen) with a structured snapshot of ours.
    pub fn expect_snapshot(&self, what: &str, snapshot: &Value) {
        let lines = line_texts(&snapshot["visibleLines"]);
        let rows = snapshot["rows"].as_u64().unwrap() as usize;
        assert_eq!(lines.len(), rows, "{what}: visibleLines has exactly `rows` entries");
        let cursor = (
            snapshot["cursorRow"].as_u64().unwrap(),
            snapshot["cursorCol"].as_u64().unwrap(),
            snapshot["isAltScreen"].as_bool().unwrap(),
        );
        self.expect_screen(what, &lines, Some(cursor));
    }
}

impl Tmux {
    /// The PID of the window's first process (the shell running the command).
    pub fn pane_pid(&self) -> u32 {
        self.ok(&["display-message", "-p", "#{pane_pid}"]).trim().parse().expect("pane pid")
    }

    /// Ends the tmux server now: its terminals hang up.
    pub fn kill_server(&self) {
        let _ = self.run(&["kill-server"]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}
