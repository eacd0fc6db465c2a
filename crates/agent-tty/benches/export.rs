//! Video export figures, driving the real release binary on synthetic Event Logs of a
//! known length: wall time of `record export --format webm|gif` in `recorded` timing,
//! how many times faster than real time that is, and the exporting process's peak RSS
//! for a 1-minute and a 10-minute session (flat memory = frames are streamed).
//! Prints figures; asserts nothing.
//!
//! Workloads (80×24):
//! - `typing`: an agent at a shell — one echoed keystroke every 120 ms, and every 3 s a
//!   command printing 20 coloured lines in 5 chunks.
//! - `tui`: a full-screen program redrawing every coloured row every 250 ms.
//!
//! Run: `cargo bench -p agent-tty --bench export` (narrow it with `-- --workload typing
//! --minutes 1 --format webm`; `--keep` keeps the Home and prints where it is).

mod common;

use common::{Bench, tempdir};
use std::time::Instant;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("export bench: pass --bench (cargo bench) to run it");
        return;
    }
    let tmp = tempdir("export");
    let bench = Bench::new(&tmp);
    println!(
        "{:<8} {:>6} {:>6} {:>10} {:>9} {:>8} {:>10} {:>9}",
        "workload", "min", "format", "wall ms", "×realtime", "frames", "bytes", "peak RSS"
    );
    let arg = |name: &str| std::env::args().skip_while(|a| a != name).nth(1);
    let workloads = arg("--workload").map_or(vec!["typing".to_string(), "tui".to_string()], |w| vec![w]);
    let minutes_list = arg("--minutes").and_then(|m| m.parse().ok()).map_or(vec![1, 10], |m| vec![m]);
    let formats = arg("--format").map_or(vec!["webm".to_string(), "gif".to_string()], |f| vec![f]);
    for workload in &workloads {
        for &minutes in &minutes_list {
            let id = bench.session(workload, minutes);
            for format in &formats {
                bench.export(&id, workload, minutes, format);
            }
        }
    }
    if std::env::args().any(|a| a == "--keep") {
        println!("kept: {}", tmp.display());
    } else {
        let _ = std::fs::remove_dir_all(&tmp);
    }
}

impl Bench {
    /// A destroyed 80×24 session whose log is replaced by the synthetic workload.
    fn session(&self, workload: &str, minutes: u64) -> String {
        let out = self
            .command(&["create", "--cols", "80", "--rows", "24", "--json", "--", "true"])
            .output()
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("create envelope");
        let id = value["result"]["sessionId"].as_str().expect("session id").to_string();
        self.command(&["destroy", &id, "--force", "--json"]).output().unwrap();
        let log = match workload {
            "typing" => typing(minutes * 60_000),
            _ => tui(minutes * 60_000),
        };
        std::fs::write(self.home.join("sessions").join(&id).join("events.jsonl"), log).unwrap();
        id
    }

    fn export(&self, id: &str, workload: &str, minutes: u64, format: &str) {
        let out = self.tmp.join(format!("{workload}-{minutes}.{format}"));
        let started = Instant::now();
        // Reaped by `wait_with_rusage` (wait4), which also reports the peak RSS.
        #[allow(clippy::zombie_processes)]
        let child = self
            .command(&["record", "export", id, "--format", format, "--out", out.to_str().unwrap(), "--json"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let (status, rss_kb) = wait_with_rusage(child.id());
        let wall = started.elapsed();
        if !status {
            println!("{workload:<8} {minutes:>6} {format:>6} failed (is WebM in this build?)");
            return;
        }
        let manifest: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(self.home.join("sessions").join(id).join("artifacts/manifest.json"))
                .unwrap(),
        )
        .unwrap();
        let meta = &manifest["artifacts"].as_array().unwrap().last().unwrap()["metadata"];
        let video_ms = meta["videoDurationMs"].as_f64().unwrap();
        let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        println!(
            "{workload:<8} {minutes:>6} {format:>6} {:>10.0} {:>9.1} {:>8} {:>10} {:>6.1} MB",
            wall.as_secs_f64() * 1000.0,
            video_ms / wall.as_secs_f64() / 1000.0,
            meta["frameCount"],
            bytes,
            rss_kb as f64 / 1024.0
        );
    }
}

/// Waits for `pid`; returns whether it exited 0 and its peak RSS in KiB.
#[allow(unsafe_code)]
fn wait_with_rusage(pid: u32) -> (bool, i64) {
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child; both out-pointers are valid.
    let rc = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    (rc > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, usage.ru_maxrss)
}

fn line(seq: &mut u64, ms: u64, data: &str) -> String {
    let ts = iso(ms);
    let escaped = serde_json::to_string(data).unwrap();
    let text =
        format!("{{\"seq\":{seq},\"ts\":\"{ts}\",\"type\":\"output\",\"payload\":{{\"data\":{escaped}}}}}\n");
    *seq += 1;
    text
}

fn iso(ms: u64) -> String {
    let total = 1_000 * 3_600 * 10 + ms; // from 10:00:00 on a fixed day
    let (h, m, s, milli) = (total / 3_600_000, total / 60_000 % 60, total / 1000 % 60, total % 1000);
    format!("2026-11-26T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

fn typing(span_ms: u64) -> String {
    let mut seq = 0;
    let mut log = line(&mut seq, 0, "\x1b[1;32magent@box\x1b[0m:\x1b[1;34m~/project\x1b[0m$ ");
    let command = "cargo test --workspace -- --nocapture ";
    let mut t = 0;
    let mut k = 0u64;
    while t < span_ms {
        t += 120;
        let c = command.as_bytes()[(k as usize) % command.len()] as char;
        log.push_str(&line(&mut seq, t, &c.to_string()));
        k += 1;
        if k.is_multiple_of(25) {
            for chunk in 0..5 {
                t += 2;
                let mut burst = String::new();
                for row in 0..4 {
                    let n = k * 20 + chunk * 4 + row;
                    burst.push_str(&format!(
                        "\r\ntest \x1b[36mmodule_{n}::case_{row}\x1b[0m ... \x1b[32mok\x1b[0m ({} ms)",
                        n % 97
                    ));
                }
                log.push_str(&line(&mut seq, t, &burst));
            }
            log.push_str(&line(&mut seq, t, "\r\n\x1b[1;32magent@box\x1b[0m:\x1b[1;34m~/project\x1b[0m$ "));
        }
    }
    log
}

fn tui(span_ms: u64) -> String {
    let mut seq = 0;
    let mut log = line(&mut seq, 0, "\x1b[?1049h\x1b[H\x1b[2J");
    let mut t = 0;
    let mut tick = 0u64;
    while t < span_ms {
        t += 250;
        tick += 1;
        let mut frame = String::from("\x1b[H");
        for row in 0..24u64 {
            let load = (row * 7 + tick * 3) % 60;
            let bar: String = "|".repeat(load as usize / 2);
            frame.push_str(&format!(
                "\x1b[{};1H\x1b[1;3{}m{:>3}\x1b[0m [\x1b[32m{bar:<30}\x1b[0m] \x1b[33m{:>5.1}%\x1b[0m pid {:>6} \x1b[7m{}\x1b[0m\x1b[K",
                row + 1,
                row % 7 + 1,
                row,
                load as f64 * 1.5,
                1000 + row * 13 + tick,
                if row == tick % 24 { " selected " } else { "          " }
            ));
        }
        log.push_str(&line(&mut seq, t, &frame));
    }
    log
}
