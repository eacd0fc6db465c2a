//! End-to-end figures for the session host, driving the real release binary: `create`
//! until the session answers, one `type` round trip (CLI call and raw socket RPC), the
//! throughput of `seq 1 2000000` from the PTY into the Event Log, and the idle host's
//! resident memory. Prints medians; asserts nothing (timing belongs here, not in tests).
//!
//! Run: `cargo bench -p agent-tty --bench host` (add `-- --runs N` for more samples).

mod common;

use common::{Bench, cpu_seconds, host_pid, tempdir};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let runs =
        std::env::args().skip_while(|a| a != "--runs").nth(1).and_then(|n| n.parse().ok()).unwrap_or(30);
    if !std::env::args().any(|a| a == "--bench") {
        println!("host bench: pass --bench (cargo bench) to run it");
        return;
    }
    let tmp = tempdir("host");
    let bench = Bench::new(&tmp);
    bench.create_latency(runs);
    bench.type_round_trip(runs);
    bench.wait_latency(runs);
    bench.snapshot_latency(runs);
    bench.screenshot_latency(runs, 80, 24);
    bench.screenshot_latency(runs, 200, 50);
    bench.replay_100mb();
    bench.throughput();
    bench.idle_memory();
    let _ = std::fs::remove_dir_all(&tmp);
}

impl Bench {
    fn create(&self, argv: &[&str]) -> String {
        let mut args = vec!["create", "--json", "--"];
        args.extend_from_slice(argv);
        let out = self.cli(&args);
        let text = String::from_utf8_lossy(&out.stdout);
        let value: serde_json::Value = serde_json::from_str(&text).expect("create envelope");
        value["result"]["sessionId"].as_str().expect("session id").to_string()
    }

    fn destroy(&self, id: &str) {
        self.cli(&["destroy", id, "--json"]);
    }

    fn create_latency(&self, runs: usize) {
        let mut samples = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            let id = self.create(&["bash", "--norc", "--noprofile"]);
            samples.push(start.elapsed());
            self.destroy(&id);
        }
        report("create → session answering (CLI call)", &mut samples);
    }

    fn type_round_trip(&self, runs: usize) {
        let id = self.create(&["cat"]);
        let mut cli = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            let out = self.cli(&["type", &id, "x", "--json"]);
            cli.push(start.elapsed());
            assert!(out.status.success());
        }
        report("type round trip (CLI call)", &mut cli);
        let socket = socket_of(&self.home, &id);
        let mut rpc = Vec::new();
        for _ in 0..runs * 10 {
            let start = Instant::now();
            rpc_type(&socket);
            rpc.push(start.elapsed());
        }
        report("type round trip (socket RPC only)", &mut rpc);
        self.destroy(&id);
    }

    /// `type` of a command whose output the wait looks for → the wait's answer (socket RPCs,
    /// so the figure is the host's, not process start-up's).
    fn wait_latency(&self, runs: usize) {
        let id = self.create(&["bash", "--norc", "--noprofile"]);
        let socket = socket_of(&self.home, &id);
        let mut samples = Vec::new();
        for i in 0..runs {
            let token = format!("42Z{i}Q");
            let wait_socket = socket.clone();
            let waiter = std::thread::spawn(move || {
                let params = format!("{{\"text\":\"{token}\",\"timeoutMs\":10000}}");
                rpc(&wait_socket, "waitForRender", &params);
                Instant::now()
            });
            let start = Instant::now();
            rpc(&socket, "type", &format!("{{\"text\":\"echo $((40+2))Z{i}Q\\n\"}}"));
            let answered = waiter.join().unwrap();
            samples.push(answered.saturating_duration_since(start));
        }
        report(
            "type a command → wait --text sees its output (socket RPCs, includes bash running it)",
            &mut samples,
        );
        self.destroy(&id);
    }

    fn snapshot_latency(&self, runs: usize) {
        let id = self.create(&["bash", "--norc", "--noprofile"]);
        let mut samples = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            let out = self.cli(&["snapshot", &id, "--format", "text", "--json"]);
            samples.push(start.elapsed());
            assert!(out.status.success());
        }
        report("snapshot --format text on a live session (CLI call)", &mut samples);
        self.destroy(&id);
    }

    /// `screenshot` of a live, filled, coloured screen (budget: 15 ms at 80×24, 40 ms at 200×50).
    fn screenshot_latency(&self, runs: usize, cols: u16, rows: u16) {
        let (c, r) = (cols.to_string(), rows.to_string());
        let out = self.cli(&[
            "create",
            "--json",
            "--cols",
            &c,
            "--rows",
            &r,
            "--",
            "bash",
            "--norc",
            "--noprofile",
        ]);
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("create envelope");
        let id = value["result"]["sessionId"].as_str().expect("session id").to_string();
        let fill = "for i in $(seq 1 60); do printf '\\e[3%dm%s\\e[0m \\e[1m%s\\e[0m\\n' $((i%8)) \"$(seq -s' ' $i 99)\" ┌─┐; done";
        self.cli(&["run", &id, fill, "--json"]);
        let mut samples = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            let out = self.cli(&["screenshot", &id, "--json"]);
            samples.push(start.elapsed());
            assert!(out.status.success());
        }
        report(&format!("screenshot {cols}x{rows} on a live session (CLI call)"), &mut samples);
        self.destroy(&id);
    }

    /// Offline replay of a 100 MB event log (coloured `ls`-like output), via `snapshot`.
    fn replay_100mb(&self) {
        let id = "01BENCHREPLAY0000000000000";
        let dir = self.home.join("sessions").join(id);
        std::fs::create_dir_all(&dir).unwrap();
        let manifest = serde_json::json!({
            "version": 1, "sessionId": id, "createdAt": "2026-01-01T00:00:00.000Z",
            "updatedAt": "2026-01-01T00:00:10.000Z", "status": "exited", "command": ["bash"], "cwd": "/",
            "cols": 120, "rows": 40, "creationCols": 120, "creationRows": 40,
            "hostPid": null, "childPid": null, "exitCode": 0, "exitSignal": null
        });
        std::fs::write(dir.join("session.json"), serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
        let mut log = String::with_capacity(105 << 20);
        let mut chunk = String::new();
        let mut seq = 0u64;
        let mut line = 0u64;
        while log.len() < 100_000_000 {
            chunk.clear();
            while chunk.len() < 4000 {
                line += 1;
                chunk.push_str(&format!(
                    "\u{1b}[01;34mdir{line}\u{1b}[0m  -rw-r--r-- 1 user user {line:>8} Jan  1 00:00 \u{1b}[32mfile-{line}.txt\u{1b}[0m\r\n"
                ));
            }
            let data = serde_json::to_string(&chunk).unwrap();
            log.push_str(&format!(
                "{{\"seq\":{seq},\"ts\":\"2026-01-01T00:00:01.000Z\",\"type\":\"output\",\"payload\":{{\"data\":{data}}}}}\n"
            ));
            seq += 1;
        }
        std::fs::write(dir.join("events.jsonl"), &log).unwrap();
        let start = Instant::now();
        let out = self.cli(&["snapshot", id, "--format", "text", "--json"]);
        let elapsed = start.elapsed();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        println!(
            "offline replay of a {:.0} MB event log ({seq} events) via snapshot: {:.2} s",
            log.len() as f64 / 1e6,
            elapsed.as_secs_f64()
        );
    }

    fn throughput(&self) {
        let mut rates = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            let id = self.create(&["sh", "-c", "seq 1 2000000"]);
            self.cli(&["wait", &id, "--exit", "--timeout", "120000", "--json"]);
            let elapsed = start.elapsed();
            let log = self.home.join("sessions").join(&id).join("events.jsonl");
            let text = std::fs::read_to_string(&log).expect("event log");
            let output_bytes: usize = text
                .lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .filter(|v| v["type"] == "output")
                .map(|v| v["payload"]["data"].as_str().map_or(0, str::len))
                .sum();
            assert!(text.contains("2000000\\r\\n"), "the last line reached the log");
            rates.push(output_bytes as f64 / elapsed.as_secs_f64() / 1e6);
            self.destroy(&id);
        }
        rates.sort_by(f64::total_cmp);
        println!(
            "seq 1 2000000 → event log: median {:.1} MB/s (min {:.1}, max {:.1}; {} runs, create to exit)",
            rates[rates.len() / 2],
            rates[0],
            rates[rates.len() - 1],
            rates.len()
        );
        self.pty_baseline();
        self.host_capacity();
    }

    /// The same output through a bare PTY (`script`), to show what the kernel allows.
    fn pty_baseline(&self) {
        let start = Instant::now();
        let ok = Command::new("script")
            .args(["-qc", "seq 1 2000000", "/dev/null"])
            .stdout(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            let mb = 15_777_784.0 / 1e6;
            println!(
                "  baseline, the same through `script` (a bare PTY reader): {:.1} MB/s",
                mb / start.elapsed().as_secs_f64()
            );
        }
    }

    /// Host CPU seconds spent per MB of output: what the host could sustain if the PTY
    /// delivered output instantly.
    fn host_capacity(&self) {
        let id = self.create(&["bash", "--norc", "--noprofile"]);
        let pid = host_pid(&self.home, &id);
        let before = cpu_seconds(pid);
        let log = self.home.join("sessions").join(&id).join("events.jsonl");
        let size_before = std::fs::metadata(&log).map_or(0, |m| m.len());
        self.cli(&["run", &id, "seq 1 2000000", "--timeout", "120000", "--json"]);
        let cpu = cpu_seconds(pid) - before;
        let logged = std::fs::metadata(&log).map_or(0, |m| m.len()) - size_before;
        println!(
            "  host processing capacity: {:.0} MB/s of PTY output per CPU-second ({:.2} s CPU for {:.1} MB of log)",
            15.777_784 / cpu,
            cpu,
            logged as f64 / 1e6
        );
        self.destroy(&id);
    }

    fn idle_memory(&self) {
        let id = self.create(&["bash", "--norc", "--noprofile"]);
        self.cli(&["run", &id, "echo warm", "--json"]);
        let manifest =
            std::fs::read_to_string(self.home.join("sessions").join(&id).join("session.json")).unwrap();
        let record: serde_json::Value = serde_json::from_str(&manifest).unwrap();
        let pid = record["hostPid"].as_u64().unwrap();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let rss = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("VmRSS: ?").to_string();
        println!("idle host resident memory: {}", rss.trim_start_matches("VmRSS:").trim());
        self.destroy(&id);
    }
}

fn socket_of(home: &Path, id: &str) -> PathBuf {
    let manifest = std::fs::read_to_string(home.join("sessions").join(id).join("session.json")).unwrap();
    let _: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_agent-tty"))
        .arg("--home")
        .arg(home)
        .args(["inspect", id, "--json"])
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    PathBuf::from(value["result"]["host"]["rpcSocketPath"].as_str().unwrap())
}

fn rpc(socket: &Path, method: &str, params: &str) -> String {
    let mut stream = UnixStream::connect(socket).expect("connect");
    stream
        .write_all(format!("{{\"id\":\"bench\",\"method\":\"{method}\",\"params\":{params}}}\n").as_bytes())
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.contains("\"ok\":true"), "{method}: {reply}");
    reply
}

fn rpc_type(socket: &Path) {
    let mut stream = UnixStream::connect(socket).expect("connect");
    stream.write_all(b"{\"id\":\"bench\",\"method\":\"type\",\"params\":{\"text\":\"y\"}}\n").unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    assert!(reply.starts_with(b"{\"id\":\"bench\",\"ok\":true"));
}

fn report(what: &str, samples: &mut [Duration]) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: median {:.2} ms (p10 {:.2}, p90 {:.2}; {} runs)",
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() / 10]),
        ms(samples[samples.len() * 9 / 10]),
        samples.len()
    );
}
