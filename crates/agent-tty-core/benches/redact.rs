//! The redaction engine's throughput (issue 18): the redactor alone on 100 MB of mixed output
//! (coloured compiler-like and `ls`-like lines, titles, occasional secrets) and on plain text,
//! in 4 KiB pieces (what a PTY read returns), for each level; then the host's output path
//! (UTF-8 decoding, event-log append, live Screen) with `--redact off` (no redactor) against
//! the default rules, which must keep ≥ 90 % of the throughput.
//!
//! Run: `cargo bench -p agent-tty-core --bench redact`.

use std::time::Instant;

use agent_tty_core::event_log::EventLogWriter;
use agent_tty_core::redact::{Level, Redactor, RuleSet};
use agent_tty_core::utf8_stream::Utf8Stream;
use agent_tty_vt::Screen;

const SIZE: usize = 100 * 1024 * 1024;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("redact bench: pass --bench (cargo bench) to run it");
        return;
    }
    let mixed = mixed_output(SIZE);
    let plain = plain_output(SIZE);
    for (label, data) in [("mixed", &mixed), ("plain", &plain)] {
        for (name, rules) in rule_sets() {
            if std::env::var("REDACT_BENCH_ONLY").is_ok_and(|o| o != format!("{label} {name}")) {
                continue;
            }
            let mut best = f64::MAX;
            let mut redactions = 0;
            for _ in 0..3 {
                let (t, n) = redactor_only(data, rules.clone());
                best = best.min(t);
                redactions = n;
            }
            println!(
                "redactor alone, {label} {} MB, {name}: {:.0} MB/s ({redactions} redactions)",
                data.len() >> 20,
                data.len() as f64 / best / 1e6
            );
        }
    }
    if std::env::var_os("REDACT_BENCH_SKIP_HOST").is_some() {
        return;
    }
    let mut off = f64::MAX;
    let mut on = f64::MAX;
    for _ in 0..2 {
        off = off.min(host_path(&mixed, None));
        on = on.min(host_path(&mixed, Some(RuleSet::new(Level::Default))));
    }
    let (off, on) = (mixed.len() as f64 / off / 1e6, mixed.len() as f64 / on / 1e6);
    println!("host output path, mixed, --redact off: {off:.0} MB/s");
    println!("host output path, mixed, default rules: {on:.0} MB/s ({:.1} % of off)", on / off * 100.0);
}

fn rule_sets() -> Vec<(&'static str, RuleSet)> {
    let mut with_user = RuleSet::new(Level::Default);
    with_user.add_literal("sealed-input", "correct horse battery staple");
    with_user.add_literal("env:API_TOKEN", "s3cr3t-t0k3n-value");
    with_user.add_pattern("pattern:ticket", r"TICKET-[0-9]{6}").expect("valid pattern");
    vec![
        ("default", RuleSet::new(Level::Default)),
        ("strict", RuleSet::new(Level::Strict)),
        ("default + 2 literals + 1 pattern", with_user),
    ]
}

fn redactor_only(data: &str, rules: RuleSet) -> (f64, u64) {
    let mut r = Redactor::new(rules);
    let mut out = 0usize;
    let start = Instant::now();
    for chunk in chunks(data) {
        out += r.push(chunk).len();
    }
    out += r.flush().len();
    let t = start.elapsed().as_secs_f64();
    assert!(out > 0);
    (t, r.redactions())
}

fn host_path(data: &str, rules: Option<RuleSet>) -> f64 {
    let dir = std::env::temp_dir().join(format!("agent-tty-redact-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("events.jsonl");
    let _ = std::fs::remove_file(&path);
    let mut log = EventLogWriter::open(&path).unwrap();
    let mut decoder = Utf8Stream::new();
    let mut redactor = rules.map(Redactor::new);
    let mut screen = Screen::new(80, 24);
    let start = Instant::now();
    for chunk in chunks(data) {
        let text = decoder.decode(chunk.as_bytes());
        let out = match &mut redactor {
            Some(r) => r.push(&text),
            None => text,
        };
        log.push_output(&out);
        screen.feed(out.as_bytes(), 0);
        log.flush().unwrap();
        let _ = screen.take_replies();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    elapsed
}

/// 4 KiB pieces cut at character boundaries.
fn chunks(data: &str) -> impl Iterator<Item = &str> {
    let mut rest = data;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut n = rest.len().min(4096);
        while !rest.is_char_boundary(n) {
            n -= 1;
        }
        let (a, b) = rest.split_at(n);
        rest = b;
        Some(a)
    })
}

/// A small deterministic generator (no dependency).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[(self.next() % v.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "the",
    "error",
    "warning",
    "compiling",
    "src/main.rs",
    "function",
    "value",
    "é",
    "naïve",
    "index",
    "buffer",
    "0x7ffd",
    "unused",
    "variable",
    "Finished",
    "target",
    "release",
    "README.md",
    "Cargo.toml",
    "--help",
    "12345",
    "世界",
    "path/to/file.txt",
    "Authentication",
    "token",
    "eyes",
    "AKIN",
    "ghost",
    "-----",
];
const SECRETS: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_0123456789abcdefghijABCDEFGHIJ012345",
    "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "Authorization: Bearer abc.DEF-123_xyz",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
];

fn mixed_output(size: usize) -> String {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut s = String::with_capacity(size + 256);
    let colours = ["\x1b[1;31m", "\x1b[32m", "\x1b[0;34m", "\x1b[38;5;208m", "\x1b[38;2;10;20;30m"];
    while s.len() < size {
        match rng.next() % 100 {
            0 => s.push_str("\x1b]0;user@host: ~/project\x07"),
            1 => s.push_str("\x1b[2K\x1b[1G"),
            2 if rng.next().is_multiple_of(50) => {
                s.push_str("  secret: ");
                s.push_str(rng.pick(SECRETS));
            }
            3..=40 => {
                s.push_str(rng.pick(&colours));
                s.push_str(rng.pick(WORDS));
                s.push_str("\x1b[0m ");
            }
            _ => {}
        }
        for _ in 0..(rng.next() % 12) {
            s.push_str(rng.pick(WORDS));
            s.push(' ');
        }
        s.push_str("\r\n");
    }
    s
}

fn plain_output(size: usize) -> String {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut s = String::with_capacity(size + 256);
    while s.len() < size {
        for _ in 0..(rng.next() % 12) {
            s.push_str(rng.pick(&WORDS[..20]));
            s.push(' ');
        }
        s.push_str("\r\n");
    }
    s
}
