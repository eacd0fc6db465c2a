//! The host's per-chunk output path without the PTY: UTF-8 decoding, the run filter,
//! the Event Log append (one `write` per chunk, to a real file) and the live Screen.
//! Prints MB/s for `seq 1 2000000`-style output in 4 KiB chunks (what a PTY read
//! returns), with and without a waited run registered.
//!
//! Run: `cargo bench -p agent-tty-core --bench pipeline`.

use std::time::Instant;

use agent_tty_core::event_log::EventLogWriter;
use agent_tty_core::run_filter::{Piece, RunFilter, new_marker};
use agent_tty_core::utf8_stream::Utf8Stream;
use agent_tty_vt::Screen;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("pipeline bench: pass --bench (cargo bench) to run it");
        return;
    }
    let mut data = Vec::new();
    for i in 1..=2_000_000u32 {
        data.extend_from_slice(i.to_string().as_bytes());
        data.extend_from_slice(b"\r\n");
    }
    for registered in [false, true] {
        let mut best = f64::MAX;
        for _ in 0..5 {
            best = best.min(run(&data, registered));
        }
        let label = if registered { "with a waited run pending" } else { "no run pending" };
        println!("host output path, 4 KiB chunks, {label}: {:.0} MB/s", data.len() as f64 / best / 1e6);
    }
}

fn run(data: &[u8], registered: bool) -> f64 {
    let dir = std::env::temp_dir().join(format!("agent-tty-pipeline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("events.jsonl");
    let _ = std::fs::remove_file(&path);
    let mut log = EventLogWriter::open(&path).unwrap();
    let mut decoder = Utf8Stream::new();
    let mut filter = RunFilter::new();
    if registered {
        filter.register_new(&new_marker(), None).unwrap();
    }
    let mut screen = Screen::new(80, 24);
    let start = Instant::now();
    for chunk in data.chunks(4096) {
        let text = decoder.decode(chunk);
        for piece in filter.push(&text) {
            if let Piece::Output(out) = piece {
                log.push_output(&out);
                screen.feed(out.as_bytes(), 0);
            }
        }
        log.flush().unwrap();
        let _ = screen.take_replies();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    elapsed
}
