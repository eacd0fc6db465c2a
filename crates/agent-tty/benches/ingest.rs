//! Ingest throughput and offline replay speed, on one 100 MB file of coloured output
//! (`cat` of mixed SGR colours, 256-colour and true-colour runs, box drawing, some lines
//! wider than the screen). Interleaved runs of:
//!
//! - (a) a bare PTY reader: open a PTY, run `cat FILE` on it, read (64 KiB at a time)
//!   until the terminal hangs up, discard;
//! - (b) agent-tty: `create -- cat FILE`, then `wait --exit` (the host reads, writes the
//!   Event Log and feeds the live Screen);
//! - (c) tmux: `new-session -d 'cat FILE'` until the program is done (skipped when tmux is
//!   missing);
//!
//! then the offline replay of the resulting log (`snapshot` of the exited session).
//! Prints medians and the ratios of medians; asserts nothing.
//!
//! Run: `cargo bench -p agent-tty --bench ingest` (add `-- --runs N`, default 5, and
//! `--mb N` for another file size, default 100). `--baseline PATH` adds another
//! agent-tty binary (an older build) to the interleaved runs, for before/after ratios.

mod common;

use common::{Bench, tempdir};
use std::io::{BufWriter, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        println!("ingest bench: pass --bench (cargo bench) to run it");
        return;
    }
    let option = |name: &str, default: usize| {
        args.iter().skip_while(|a| *a != name).nth(1).and_then(|n| n.parse().ok()).unwrap_or(default)
    };
    let runs = option("--runs", 5).max(1);
    let mb = option("--mb", 100).max(1);
    let tmp = tempdir("ingest");
    let file = tmp.join("flood.txt");
    let bytes = write_coloured_file(&file, mb * 1_000_000);
    println!("input: {:.1} MB of coloured output, 80x24, {runs} interleaved runs", bytes as f64 / 1e6);
    let bench = Bench::new(&tmp);
    let baseline = args.iter().skip_while(|a| *a != "--baseline").nth(1).map(|path| Bench {
        bin: PathBuf::from(path),
        home: bench.tmp.join("home-baseline"),
        tmp: bench.tmp.clone(),
    });
    let tmux = tmux_available();
    if !tmux {
        println!("tmux: not installed, (c) skipped");
    }
    let (mut bare, mut ours, mut theirs, mut before) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut last_session, mut last_baseline) = (None, None);
    for run in 0..runs {
        bare.push(bare_pty_reader(&file));
        if let Some(baseline) = &baseline {
            let (elapsed, id) = baseline.agent_tty(&file);
            before.push(elapsed);
            if let Some(previous) = last_baseline.replace(id) {
                baseline.remove(&previous);
            }
        }
        let (elapsed, id) = bench.agent_tty(&file);
        ours.push(elapsed);
        if let Some(previous) = last_session.replace(id) {
            bench.remove(&previous);
        }
        if tmux {
            theirs.push(tmux_cat(&file, &bench.tmp, run));
        }
    }
    let rate = |samples: &mut Vec<Duration>| bytes as f64 / 1e6 / median(samples).as_secs_f64();
    let (bare_rate, our_rate) = (rate(&mut bare), rate(&mut ours));
    println!("(a) bare PTY reader:              {bare_rate:7.1} MB/s  {}", spread(&bare));
    println!("(b) agent-tty create→exit:        {our_rate:7.1} MB/s  {}", spread(&ours));
    if tmux {
        let tmux_rate = rate(&mut theirs);
        println!("(c) tmux new-session -d:          {tmux_rate:7.1} MB/s  {}", spread(&theirs));
        println!("agent-tty / tmux:        {:.2} x", our_rate / tmux_rate);
    }
    println!("agent-tty / bare reader: {:.0} %", our_rate / bare_rate * 100.0);
    if baseline.is_some() {
        let before_rate = rate(&mut before);
        println!("(b0) baseline agent-tty:          {before_rate:7.1} MB/s  {}", spread(&before));
        println!("agent-tty / baseline:    {:.2} x", our_rate / before_rate);
    }
    if let (Some(id), Some(baseline), Some(before_id)) = (&last_session, &baseline, &last_baseline) {
        // The same log replayed by both builds, interleaved.
        let log = |b: &Bench, id: &str| b.home.join("sessions").join(id).join("events.jsonl");
        std::fs::copy(log(&bench, id), log(baseline, before_id)).expect("copy the log");
        let (mut new, mut old) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            new.push(bench.replay_once(id));
            old.push(baseline.replay_once(before_id));
        }
        let size = std::fs::metadata(log(&bench, id)).map_or(0, |m| m.len()) as f64 / 1e6;
        let (new, old) = (median(&mut new), median(&mut old));
        println!(
            "offline replay of a {size:.1} MB log: {:.3} s, baseline {:.3} s ({:.2} x)",
            new.as_secs_f64(),
            old.as_secs_f64(),
            old.as_secs_f64() / new.as_secs_f64()
        );
    } else if let Some(id) = last_session {
        bench.replay(&id, runs);
    }
    screen_feed_by_scrollback(&file, runs);
    let _ = std::fs::remove_dir_all(&bench.tmp);
}

/// The live Screen's share alone: the file fed in 64 KiB chunks to an 80×24 screen
/// keeping 0, 1 000 and [`agent_tty_vt::SCROLLBACK_LINES`] lines of scrollback
/// (interleaved, medians), to show what the scrollback size costs a flood.
fn screen_feed_by_scrollback(file: &Path, runs: usize) {
    let data = std::fs::read(file).unwrap();
    let sizes = [0, 1000, agent_tty_vt::SCROLLBACK_LINES];
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); sizes.len()];
    for _ in 0..runs {
        for (size, times) in sizes.iter().zip(&mut samples) {
            let mut screen = agent_tty_vt::Screen::with_scrollback(80, 24, *size);
            let start = Instant::now();
            for chunk in data.chunks(1 << 16) {
                screen.feed(chunk, 0);
            }
            times.push(start.elapsed());
        }
    }
    for (size, times) in sizes.iter().zip(&mut samples) {
        let rate = data.len() as f64 / 1e6 / median(times).as_secs_f64();
        println!("screen feed alone, scrollback {size:>5} lines: {rate:7.1} MB/s  {}", spread(times));
    }
}

impl Bench {
    /// (b): `create` to the program's exit, as a script would see it.
    fn agent_tty(&self, file: &Path) -> (Duration, String) {
        let file = file.to_str().unwrap();
        let start = Instant::now();
        let out = self.cli(&["create", "--json", "--cols", "80", "--rows", "24", "--", "cat", file]);
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("create envelope");
        let id = value["result"]["sessionId"].as_str().expect("session id").to_string();
        let waited = self.cli(&["wait", &id, "--exit", "--timeout", "600000", "--json"]);
        let elapsed = start.elapsed();
        assert!(waited.status.success(), "{}", String::from_utf8_lossy(&waited.stdout));
        (elapsed, id)
    }

    fn replay_once(&self, id: &str) -> Duration {
        let start = Instant::now();
        let out = self.cli(&["snapshot", id, "--format", "text", "--json"]);
        let elapsed = start.elapsed();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
        elapsed
    }

    fn remove(&self, id: &str) {
        let _ = std::fs::remove_dir_all(self.home.join("sessions").join(id));
    }

    /// Offline replay of the session's log: `snapshot` of the exited session.
    fn replay(&self, id: &str, runs: usize) {
        let log = self.home.join("sessions").join(id).join("events.jsonl");
        let size = std::fs::metadata(&log).map_or(0, |m| m.len());
        let mut samples: Vec<Duration> = (0..runs).map(|_| self.replay_once(id)).collect();
        println!(
            "offline replay of that {:.1} MB event log (snapshot of the exited session): median {:.3} s  {}",
            size as f64 / 1e6,
            median(&mut samples).as_secs_f64(),
            spread(&samples)
        );
    }
}

/// (a): a PTY of 80×24 (the kernel's default line discipline), `cat FILE` on it, the
/// master read 64 KiB at a time until the terminal hangs up (EIO), the bytes discarded.
fn bare_pty_reader(file: &Path) -> Duration {
    let start = Instant::now();
    let (master, slave) = open_pty(80, 24);
    let mut child = Command::new("cat")
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::from(slave))
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn cat");
    let mut master = std::fs::File::from(master);
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0usize;
    loop {
        match master.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => total += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break, // EIO: the last slave descriptor closed
        }
    }
    child.wait().expect("wait cat");
    let elapsed = start.elapsed();
    assert!(total > 0, "the bare reader read nothing");
    elapsed
}

#[allow(unsafe_code)]
fn open_pty(cols: u16, rows: u16) -> (OwnedFd, OwnedFd) {
    let (mut master, mut slave) = (-1, -1);
    let size = libc::winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: both out-pointers are valid for the call; a null name and termios are
    // allowed; `size` is a valid winsize borrowed for the call.
    let rc = unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), &size) };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: openpty succeeded, so both are open descriptors that nothing else owns.
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

fn tmux_available() -> bool {
    Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success())
}

/// (c): a detached tmux session of 80×24 on a private server, from `new-session` until
/// `cat` is done (the program signals a `wait-for` channel when it ends).
fn tmux_cat(file: &Path, tmp: &Path, run: usize) -> Duration {
    let socket = tmp.join(format!("tmux-{run}"));
    let socket = socket.to_str().unwrap();
    let program = format!("cat '{}'; tmux -S '{socket}' wait-for -S done", file.display());
    let start = Instant::now();
    let started = Command::new("tmux")
        .args(["-S", socket, "-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24", &program])
        .status()
        .expect("tmux new-session");
    assert!(started.success());
    let waited =
        Command::new("tmux").args(["-S", socket, "wait-for", "done"]).status().expect("tmux wait-for");
    let elapsed = start.elapsed();
    assert!(waited.success());
    // The server usually ends with its only session; this only makes sure.
    let _ = Command::new("tmux").args(["-S", socket, "kill-server"]).stderr(Stdio::null()).status();
    elapsed
}

/// Writes about `target` bytes of coloured lines: 16-colour, 256-colour and true-colour
/// SGR runs, bold and underline, box drawing and accented letters, lines of 20 to 140
/// columns. Deterministic.
fn write_coloured_file(path: &Path, target: usize) -> usize {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |bound: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % bound
    };
    let words =
        ["drwxr-xr-x", "build", "src", "main.rs", "Cargo.toml", "café", "naïve", "──┬──", "│", "42", "ok"];
    let mut written = 0usize;
    let mut line = String::new();
    while written < target {
        line.clear();
        let width = 20 + next(120) as usize;
        let mut columns = 0;
        while columns < width {
            match next(4) {
                0 => line.push_str(&format!("\u{1b}[3{}m", next(8))),
                1 => line.push_str(&format!("\u{1b}[1;38;5;{}m", next(256))),
                2 => line.push_str(&format!("\u{1b}[4;38;2;{};{};{}m", next(256), next(256), next(256))),
                _ => line.push_str("\u{1b}[0m"),
            }
            let word = words[next(words.len() as u64) as usize];
            line.push_str(word);
            line.push(' ');
            columns += word.chars().count() + 1;
        }
        line.push_str("\u{1b}[0m\n");
        out.write_all(line.as_bytes()).unwrap();
        written += line.len();
    }
    out.flush().unwrap();
    written
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn spread(samples: &[Duration]) -> String {
    let (min, max) = (samples.iter().min().unwrap(), samples.iter().max().unwrap());
    format!("(min {:.2} s, max {:.2} s, {} runs)", min.as_secs_f64(), max.as_secs_f64(), samples.len())
}
