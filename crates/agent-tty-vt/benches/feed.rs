//! Throughput micro-benchmark for `Screen::feed` (no criterion): prints MB/s,
//! plus the cost of a default `Screen::snapshot` (µs/snapshot).
//!
//! Run with `cargo bench -p agent-tty-vt`. Without `--bench` (e.g. under
//! `cargo test --all-targets`) it runs a tiny smoke pass only.

use std::hint::black_box;
use std::time::Instant;

use agent_tty_vt::{Screen, SnapshotOptions};

/// Default feed chunk size (a typical large PTY read).
const CHUNK: usize = 64 * 1024;

/// `seq 1 <n>` output with CRLF line endings.
fn seq_output(n: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 1..=n {
        out.extend_from_slice(i.to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A colourful stream: 256-colour and truecolour SGR runs around short words.
fn sgr_output(target_len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(target_len + 64);
    let mut i: u32 = 0;
    while out.len() < target_len {
        let fg = i % 256;
        let (r, g, b) = (i % 251, (i * 7) % 253, (i * 13) % 255);
        let word = format!("\x1b[38;5;{fg}m\x1b[48;2;{r};{g};{b}m\x1b[1mword{i}\x1b[0m \x1b[3;4mx\x1b[m ");
        out.extend_from_slice(word.as_bytes());
        if i % 8 == 7 {
            out.extend_from_slice(b"\r\n");
        }
        i += 1;
    }
    out
}

fn run(label: &str, data: &[u8], chunk: usize, rounds: u32) {
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let mut screen = Screen::new(80, 24);
        let start = Instant::now();
        for (i, chunk) in data.chunks(chunk).enumerate() {
            screen.feed(chunk, i as u64);
        }
        let secs = start.elapsed().as_secs_f64();
        black_box(screen.visible_lines());
        best = best.min(secs);
    }
    let mb = data.len() as f64 / 1e6;
    println!("{label}: {mb:.1} MB in {:.1} ms (best of {rounds}) = {:.0} MB/s", best * 1e3, mb / best);
}

/// Time `count` default snapshots (and their Screen Hash) of a full 80×24 screen.
fn run_snapshots(count: u32) {
    let mut screen = Screen::new(80, 24);
    screen.feed(&sgr_output(8 * 1024), 0);
    let start = Instant::now();
    for _ in 0..count {
        black_box(screen.snapshot(black_box(SnapshotOptions::default())));
    }
    let snapshot_us = start.elapsed().as_secs_f64() * 1e6 / f64::from(count);
    let snapshot = screen.snapshot(SnapshotOptions::default());
    let start = Instant::now();
    for _ in 0..count {
        black_box(black_box(&snapshot).screen_hash());
    }
    let hash_us = start.elapsed().as_secs_f64() * 1e6 / f64::from(count);
    println!(
        "snapshot @80x24 (default options): {snapshot_us:.2} µs/snapshot, screen_hash {hash_us:.2} µs ({count} runs)"
    );
}

fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    let (n, sgr_len, rounds) = if full { (2_000_000, 16_000_000, 5) } else { (2_000, 16_000, 1) };
    let seq = seq_output(n);
    let sgr = sgr_output(sgr_len);
    run("seq 1 2000000, 64 KiB chunks @80x24", &seq, CHUNK, rounds);
    run("SGR-heavy colour stream, 64 KiB chunks @80x24", &sgr, CHUNK, rounds);
    run("seq 1 2000000, 512 B chunks @80x24", &seq, 512, rounds);
    run_snapshots(if full { 10_000 } else { 100 });
}
