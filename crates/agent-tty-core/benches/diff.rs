//! `diff` of two 200×50 screens (the budget: ≤ 5 ms): two real screens built by
//! feeding coloured output, snapshot, compare. Prints the median and the worst of 200
//! comparisons, for a screen with half its rows changed and for a scroll.
//!
//! Run: `cargo bench -p agent-tty-core --bench diff`.

use std::time::{Duration, Instant};

use agent_tty_core::screen_diff::compare;
use agent_tty_vt::{Screen, SnapshotOptions};

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("diff bench: pass --bench (cargo bench) to run it");
        return;
    }
    let screen = |offset: usize, marked: bool| {
        let mut screen = Screen::new(200, 50);
        for row in 0..50 {
            let mark = if marked && row % 2 == 0 { "CHANGED " } else { "" };
            let line =
                format!("\x1b[3{}m{mark}line {:04} {}\x1b[0m\r\n", row % 8, row + offset, "x".repeat(150));
            screen.feed(line.as_bytes(), 0);
        }
        screen.snapshot(SnapshotOptions::default())
    };
    for (label, before, after) in [
        ("half the rows changed", screen(0, false), screen(0, true)),
        ("scrolled by 7 rows", screen(0, false), screen(7, false)),
    ] {
        let mut times: Vec<Duration> = (0..200)
            .map(|_| {
                let started = Instant::now();
                let diff = compare(&before, &after, 40);
                std::hint::black_box(&diff);
                started.elapsed()
            })
            .collect();
        times.sort();
        println!("diff of two 200x50 screens, {label}: median {:?}, worst {:?}", times[100], times[199]);
    }
}
