//! What a pending render wait costs the host's output path: 100 MB of mixed ANSI output
//! (coloured text, cursor moves, line and screen clears; generated deterministically) is
//! `cat` into a 200×50 session, once with no wait pending and once with one pending
//! `wait --regex` that only matches the line printed after the flood. Prints the host's
//! CPU time for each (the host's processing cost, independent of how fast the PTY
//! delivers), the wall time, and the ratio. Runs are interleaved; medians are reported.
//!
//! Run: `cargo bench -p agent-tty --bench waits` (add `-- --runs N` for more samples).
//!
//! Measured on a shared 2-core machine (5 interleaved runs; wall times are noisy there,
//! host CPU is the figure to compare): when every chunk took a snapshot, hashed it and
//! ran the regex, the pending wait cost +53 % host CPU (2.09 s → 3.19 s, 3 runs); with
//! checks only on a changed screen, spaced by their cost, and the hash for the reply
//! only, +1.4 % (2.11 s → 2.14 s; wall 3.05 s → 3.07 s).

mod common;

use common::{Bench, cpu_seconds, host_pid, tempdir};
use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

const SIZE: usize = 100 * 1000 * 1000;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("waits bench: pass --bench (cargo bench) to run it");
        return;
    }
    let runs =
        std::env::args().skip_while(|a| a != "--runs").nth(1).and_then(|n| n.parse().ok()).unwrap_or(3);
    let tmp = tempdir("waits");
    let file = tmp.join("flood.txt");
    write_flood(&file);
    let bench = Bench::new(&tmp);
    let (mut none, mut pending) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        none.push(bench.flood(&file, false));
        pending.push(bench.flood(&file, true));
    }
    let (cpu_none, wall_none) = medians(&mut none);
    let (cpu_wait, wall_wait) = medians(&mut pending);
    let mb = SIZE as f64 / 1e6;
    println!("100 MB mixed ANSI → 200x50 session, medians of {runs} interleaved runs:");
    println!(
        "  no wait pending:        host CPU {cpu_none:.2} s ({:.0} MB/s per CPU-second), wall {wall_none:.2} s",
        mb / cpu_none
    );
    println!(
        "  one --regex wait pending: host CPU {cpu_wait:.2} s ({:.0} MB/s per CPU-second), wall {wall_wait:.2} s",
        mb / cpu_wait
    );
    println!("  ratio (pending / none): CPU {:.3}, wall {:.3}", cpu_wait / cpu_none, wall_wait / wall_none);
    let _ = std::fs::remove_dir_all(&tmp);
}

impl Bench {
    /// One flood; returns (host CPU seconds, wall seconds) for the `run` of the `cat`.
    fn flood(&self, file: &Path, with_wait: bool) -> (f64, f64) {
        let out = self.cli(&["create", "--json", "--cols", "200", "--rows", "50", "--", "sh"]);
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("create envelope");
        let id = value["result"]["sessionId"].as_str().expect("session id").to_string();
        let pid = host_pid(&self.home, &id);
        // The end marker is computed by the shell, so the typed command line never matches.
        let script = format!("cat {}; echo BENCH-END-$((6*7))", file.display());
        let mut wait = with_wait.then(|| {
            self.command(&["wait", &id, "--regex", "BENCH-END-[0-9]+", "--timeout", "600000", "--json"])
                .stdout(Stdio::piped())
                .spawn()
                .expect("spawn wait")
        });
        let before = cpu_seconds(pid);
        let start = Instant::now();
        let run = self.cli(&["run", &id, &script, "--timeout", "600000", "--json"]);
        let wall = start.elapsed().as_secs_f64();
        let cpu = cpu_seconds(pid) - before;
        assert!(run.status.success(), "run: {}", String::from_utf8_lossy(&run.stdout));
        if let Some(wait) = wait.take() {
            let out = wait.wait_with_output().expect("wait result");
            let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("wait envelope");
            assert_eq!(value["result"]["matchedText"], "BENCH-END-42", "wait: {value}");
        }
        self.cli(&["destroy", &id, "--json"]);
        let _ = std::fs::remove_dir_all(self.home.join("sessions").join(&id));
        (cpu, wall)
    }
}

/// Deterministic mixed output: coloured log lines, cursor positioning and in-place
/// progress updates, line erases and, now and then, a full clear.
fn write_flood(path: &Path) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("flood file"));
    let mut written = 0;
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut n = 0u64;
    while written < SIZE {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        n += 1;
        let colour = 31 + state % 7;
        let chunk = match state % 16 {
            0 => format!(
                "\x1b[{};{}H\x1b[2K\x1b[1;{colour}mprogress {n:>9} {}%\x1b[0m",
                1 + state % 50,
                1 + state % 120,
                state % 100
            ),
            1 => format!("\x1b[s\x1b[{};1H\x1b[7m status {n} \x1b[0m\x1b[u", 1 + state % 50),
            2 if n.is_multiple_of(97) => "\x1b[H\x1b[2J".to_string(),
            3 => format!(
                "\r\x1b[K\x1b[38;5;{}m{:>8}\x1b[0m item {n} ✓ 日本語\r\n",
                state % 256,
                state % 100_000
            ),
            _ => format!(
                "\x1b[{colour}m{n:>10}\x1b[0m \x1b[1mcompile\x1b[0m crate_{}::module_{} ... \x1b[32mok\x1b[0m ({} ms)\r\n",
                state % 50,
                state % 977,
                state % 10_000
            ),
        };
        written += chunk.len();
        out.write_all(chunk.as_bytes()).expect("write flood");
    }
    out.flush().expect("flush flood");
}

fn medians(samples: &mut [(f64, f64)]) -> (f64, f64) {
    let mut cpu: Vec<f64> = samples.iter().map(|s| s.0).collect();
    let mut wall: Vec<f64> = samples.iter().map(|s| s.1).collect();
    cpu.sort_by(f64::total_cmp);
    wall.sort_by(f64::total_cmp);
    (cpu[cpu.len() / 2], wall[wall.len() / 2])
}
