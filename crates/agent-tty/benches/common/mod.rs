//! What every bench shares: the binary run against a throw-away Home with its own
//! `XDG_STATE_HOME`, a temporary folder, and a session host's pid and CPU time.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `agent-tty` binary run against `home`, with `XDG_STATE_HOME` under `tmp`. Each bench
/// adds its own measurements in an `impl Bench` of its own.
pub struct Bench {
    pub bin: PathBuf,
    pub home: PathBuf,
    pub tmp: PathBuf,
}

impl Bench {
    /// The bench's own build in a Home `home` under `tmp`.
    pub fn new(tmp: &Path) -> Bench {
        Bench {
            bin: PathBuf::from(env!("CARGO_BIN_EXE_agent-tty")),
            home: tmp.join("home"),
            tmp: tmp.to_path_buf(),
        }
    }

    /// `agent-tty --home <home> <args>`, not started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.bin);
        command.arg("--home").arg(&self.home).args(args).env("XDG_STATE_HOME", self.tmp.join("state"));
        command
    }

    /// Runs `agent-tty --home <home> <args>` to the end.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run agent-tty")
    }
}

/// A fresh temporary folder named after the bench and this process.
pub fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("agent-tty-bench-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The host pid a session's manifest records.
pub fn host_pid(home: &Path, id: &str) -> u64 {
    let manifest =
        std::fs::read_to_string(home.join("sessions").join(id).join("session.json")).expect("manifest");
    let record: serde_json::Value = serde_json::from_str(&manifest).expect("manifest JSON");
    record["hostPid"].as_u64().expect("host pid")
}

/// utime + stime of a process, in seconds (assumes the usual 100 ticks per second).
pub fn cpu_seconds(pid: u64) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> =
        stat.rsplit_once(')').map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks: u64 = fields.get(11..13).map_or(0, |f| f.iter().filter_map(|v| v.parse::<u64>().ok()).sum());
    ticks as f64 / 100.0
}
