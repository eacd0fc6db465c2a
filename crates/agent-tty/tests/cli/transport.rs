//! The socket transport under faults: a stopped host, a full accept backlog, a host out of
//! file descriptors, and more connections than the host serves at once.

use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::*;

/// The host's override of its idle-connection timeout (milliseconds).
const IDLE_ENV: &str = "AGENT_TTY_RPC_IDLE_TIMEOUT_MS";

/// The host's connection cap (documented in the README).
const MAX_CONNECTIONS: usize = 128;

/// The message every timed-out RPC carries with the default 5000 ms timeout.
const TIMED_OUT: &str = "RPC request timed out after 5000ms.";

/// A bash session whose host was started with `env`; returns (id, hostPid, socket).
fn session_with_env(t: &TestHome, env: &[(&str, Option<&str>)]) -> (String, u32, PathBuf) {
    let home = t.home_str();
    let mut args = vec!["--home", home.as_str(), "create", "--json", "--"];
    args.extend_from_slice(&BASH);
    let id = t.run_with(&args, env, None).ok("create")["sessionId"].as_str().unwrap().to_string();
    let host = pid_of(&t.manifest(&id), "hostPid");
    let socket = socket_of(t, &id);
    (id, host, socket)
}

fn socket_of(t: &TestHome, id: &str) -> PathBuf {
    let inspected = t.at(&["inspect", id, "--json"]).ok("inspect");
    PathBuf::from(inspected["host"]["rpcSocketPath"].as_str().expect("rpcSocketPath"))
}

/// Field `index` (1-based, as in proc(5)) of `/proc/<pid>/stat`.
fn stat_field(pid: u32, index: usize) -> String {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which may contain spaces) start at field 3.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    rest.split_whitespace().nth(index - 3).unwrap().to_string()
}

/// CPU time (user + system) the process has used so far.
#[allow(unsafe_code)]
fn cpu_time(pid: u32) -> Duration {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    let used: u64 = [14, 15].iter().map(|&i| stat_field(pid, i).parse::<u64>().unwrap()).sum();
    Duration::from_millis(used * 1000 / ticks)
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count()).unwrap_or(0)
}

/// A non-blocking `connect()`: `None` when the listener's backlog is full.
#[allow(unsafe_code)]
fn try_connect(path: &Path) -> Option<UnixStream> {
    // SAFETY: plain socket(2); checked before use and owned right away.
    let fd = unsafe {
        libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0)
    };
    assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
    // SAFETY: a fresh descriptor nobody else owns.
    let socket = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: all-zero sockaddr_un is valid; filled in below.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (slot, &b) in addr.sun_path.iter_mut().zip(path.as_os_str().as_bytes()) {
        *slot = b as libc::c_char;
    }
    // SAFETY: a valid sockaddr_un of the size passed.
    let rc = unsafe {
        libc::connect(
            socket.as_raw_fd(),
            (&addr as *const libc::sockaddr_un).cast(),
            std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        let error = std::io::Error::last_os_error();
        assert_eq!(error.raw_os_error(), Some(libc::EAGAIN), "connect {}: {error}", path.display());
        return None;
    }
    let stream = UnixStream::from(socket);
    stream.set_nonblocking(false).unwrap();
    Some(stream)
}

/// Everything the host sends on `stream` until it closes it.
fn read_to_close(stream: &mut UnixStream) -> String {
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut text = String::new();
    stream
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("the host never closed an idle connection: {e}"));
    text
}

/// `type`, `mark` and `destroy` sent to a stopped host time out with `HOST_TIMEOUT`;
/// once the host resumes, none of them takes effect: no `input_text`, no `marker`, no
/// destroy. Requests made after the resume (and so ordered after the stale ones) work,
/// and their events are the only new ones.
#[test]
fn timed_out_requests_never_take_effect_after_the_host_resumes() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let host = pid_of(&t.manifest(&id), "hostPid");
    kill(host, libc::SIGSTOP);
    wait_until("the host is stopped", DEADLINE, || stat_field(host, 3) == "T");

    // The three calls run at the same time (each waits out the 5 s RPC timeout).
    let calls: Vec<Vec<&str>> = vec![
        vec!["type", &id, "echo ghost-typed-$((6*7))", "--json"],
        vec!["mark", &id, "ghost-mark", "--json"],
        vec!["destroy", &id, "--json"],
    ];
    let outs: Vec<Out> = std::thread::scope(|scope| {
        let handles: Vec<_> = calls.iter().map(|args| scope.spawn(|| t.at(args))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (out, command) in outs.iter().zip(["type", "mark", "destroy"]) {
        let error = out.err(command, 5, "HOST_TIMEOUT");
        assert_eq!(error["message"], TIMED_OUT);
        assert_eq!(error["details"]["timeoutMs"], 5000);
    }
    assert_eq!(t.manifest(&id)["status"], "running");

    kill(host, libc::SIGCONT);
    // Both are accepted after the stale requests, so the host has handled those first.
    let after = t.at(&["mark", &id, "after-resume", "--json"]).ok("mark")["seq"].as_u64().unwrap();
    t.run_cmd(&id, "echo resumed-$((20+1))");
    t.wait_output(&id, "resumed-21");

    let events = t.checked_events(&id);
    assert!(of_type(&events, "input_text").is_empty(), "a timed-out type landed: {events:?}");
    let labels: Vec<&Value> = of_type(&events, "marker").iter().map(|e| &e["payload"]["label"]).collect();
    assert_eq!(labels, [&Value::from("after-resume")], "a timed-out mark landed");
    assert_eq!(at_seq(&events, after)["payload"]["label"], "after-resume");
    let output = output_of(&events);
    assert!(!output.contains("ghost-typed"), "timed-out input reached the shell:\n{output}");
    assert_eq!(t.manifest(&id)["status"], "running", "a timed-out destroy happened");
    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspected["session"]["status"], "running");
    assert!(!pid_gone(host));
}

/// A socket whose listener never accepts and whose backlog is full (a stopped or swamped
/// host): the CLI's `connect()` gives up after the RPC timeout with `HOST_TIMEOUT` and the
/// spec's message and details, instead of hanging.
#[test]
#[allow(unsafe_code)]
fn full_accept_backlog_is_host_timeout_not_a_hang() {
    let t = TestHome::new();
    let id = t.bash();
    let socket = socket_of(&t, &id);
    // Put a listener that never accepts where the CLI looks for the host.
    std::fs::remove_file(&socket).unwrap();
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    // SAFETY: listen(2) on a bound socket we own; a backlog of 0 holds one connection.
    assert_eq!(unsafe { libc::listen(listener.as_raw_fd(), 0) }, 0);
    let mut queued = Vec::new();
    while let Some(stream) = try_connect(&socket) {
        queued.push(stream);
        assert!(queued.len() < 64, "the backlog never filled");
    }

    let started = Instant::now();
    let out = t.at(&["type", &id, "hello", "--json"]);
    let error = out.err("type", 5, "HOST_TIMEOUT");
    assert_eq!(error["message"], TIMED_OUT);
    assert_eq!(error["details"]["method"], "type");
    assert_eq!(error["details"]["timeoutMs"], 5000);
    assert_eq!(error["details"]["socketPath"], socket.to_str().unwrap());
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
    drop(queued);
    drop(listener);
    let _ = std::fs::remove_file(&socket);
}

/// 200 idle connections to a host limited to 64 file descriptors: the host runs out of
/// descriptors, backs off instead of spinning, closes each idle connection after its idle
/// timeout (1 s here, set through the environment) with an error line, works through the
/// whole queue, and answers commands again. The host's CPU time over the whole episode
/// stays far below what a busy loop burns.
#[test]
#[allow(unsafe_code)]
fn idle_connections_under_a_small_fd_limit_do_not_spin_the_host() {
    let t = TestHome::new();
    let (id, host, socket) = session_with_env(&t, &[(IDLE_ENV, Some("1000"))]);
    let limit = libc::rlimit { rlim_cur: 64, rlim_max: 64 };
    // SAFETY: prlimit(2) on our own child process with a valid rlimit; old value unused.
    let rc = unsafe { libc::prlimit(host as libc::pid_t, libc::RLIMIT_NOFILE, &limit, std::ptr::null_mut()) };
    assert_eq!(rc, 0, "prlimit: {}", std::io::Error::last_os_error());

    let cpu_before = cpu_time(host);
    let started = Instant::now();
    let mut idle: Vec<UnixStream> = (0..200).map_while(|_| try_connect(&socket)).collect();
    // The backlog is `min(1024, net.core.somaxconn)`: all 200 fit where somaxconn is
    // at least 256 (the default since Linux 5.4); far more than 64 fit anywhere.
    assert!(idle.len() > 150, "only {} connections fit in the host's backlog", idle.len());
    wait_until("the host has used up its descriptors", DEADLINE, || open_fds(host) >= 60);

    // Each idle connection, including those accepted only after descriptors freed up,
    // gets the idle-timeout error and is closed.
    for stream in &mut idle {
        let text = read_to_close(stream);
        let reply: Value = serde_json::from_str(text.trim_end()).unwrap_or_else(|e| panic!("{e}: {text:?}"));
        assert_eq!(reply["id"], "unknown");
        assert_eq!(reply["error"]["code"], "RPC_ERROR");
        let message = reply["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("No complete RPC request line arrived within 1000ms"), "{message}");
    }
    let elapsed = started.elapsed();
    let cpu = cpu_time(host).saturating_sub(cpu_before);
    drop(idle);
    assert!(elapsed >= Duration::from_secs(2), "200 connections cannot fit in 64 descriptors at once");
    assert!(cpu < Duration::from_secs(1), "the host used {cpu:?} of CPU in {elapsed:?}: it spins");

    t.at(&["mark", &id, "responsive", "--json"]).ok("mark");
    t.run_cmd(&id, "echo still-$((1+1))");
    t.wait_output(&id, "still-2");
}

/// More connections than the cap: the excess gets a clear `RPC_ERROR` (shown by the CLI)
/// at once instead of waiting; once connections close, commands work again.
#[test]
fn connections_over_the_cap_get_a_clear_error() {
    let t = TestHome::new();
    let (id, _host, socket) = session_with_env(&t, &[(IDLE_ENV, Some("60000"))]);
    let held: Vec<UnixStream> = (0..MAX_CONNECTIONS).map_while(|_| try_connect(&socket)).collect();
    assert_eq!(held.len(), MAX_CONNECTIONS);

    // The CLI's connection is accepted after the held ones, so it is over the cap.
    let error = t.at(&["mark", &id, "over-cap", "--json"]).err("mark", 9, "RPC_ERROR");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("busy") && message.contains("128 connections"), "{message}");
    let human = t.at(&["mark", &id, "over-cap"]).human_err(9, "RPC_ERROR");
    assert_eq!(human, message);

    drop(held);
    wait_until("commands work once the held connections closed", DEADLINE, || {
        t.at(&["mark", &id, "after-cap", "--json"]).code == 0
    });
    let events = t.checked_events(&id);
    let labels: Vec<&Value> = of_type(&events, "marker").iter().map(|e| &e["payload"]["label"]).collect();
    assert_eq!(labels, [&Value::from("after-cap")]);
}

/// The idle timeout bounds only the wait for the request line: a waited `run` and a
/// `wait --idle-ms` that last several times the idle timeout (300 ms here) get their
/// answers.
#[test]
fn long_requests_outlive_the_idle_timeout() {
    let t = TestHome::new();
    let (id, _host, _socket) = session_with_env(&t, &[(IDLE_ENV, Some("300"))]);
    let started = Instant::now();
    let result = t.run_cmd(&id, "sleep 1.5; echo slept-$((2*2))");
    assert!(started.elapsed() >= Duration::from_millis(1500), "{result}");
    t.wait_output(&id, "slept-4");
    let waited = t.at(&["wait", &id, "--idle-ms", "1000", "--json"]).ok("wait");
    assert_eq!(waited["timedOut"], false, "{waited}");
}

/// A client that half-closes its socket after the request (`shutdown(SHUT_WR)`, as
/// `nc -N` and `socat` do) still gets its answer, and the request takes effect; one that
/// closes its socket entirely before the host reads the request gets neither.
#[test]
fn a_half_closed_client_still_gets_its_answer() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let socket = socket_of(&t, &id);
    let request = |label: &str| {
        format!("{{\"id\":\"{label}-id\",\"method\":\"mark\",\"params\":{{\"label\":\"{label}\"}}}}\n")
    };

    let mut half = UnixStream::connect(&socket).unwrap();
    std::io::Write::write_all(&mut half, request("half-closed").as_bytes()).unwrap();
    half.shutdown(std::net::Shutdown::Write).unwrap();
    let reply: Value = serde_json::from_str(read_to_close(&mut half).trim()).expect("a JSON reply");
    assert_eq!((&reply["id"], &reply["ok"]), (&Value::from("half-closed-id"), &Value::Bool(true)), "{reply}");
    let seq = reply["result"]["seq"].as_u64().expect("seq");
    assert_eq!(at_seq(&t.checked_events(&id), seq)["payload"]["label"], "half-closed");

    // Stopped host: the request waits in the socket while its client goes away for good.
    let host = pid_of(&t.manifest(&id), "hostPid");
    kill(host, libc::SIGSTOP);
    wait_until("the host is stopped", DEADLINE, || stat_field(host, 3) == "T");
    let mut gone = UnixStream::connect(&socket).unwrap();
    std::io::Write::write_all(&mut gone, request("closed").as_bytes()).unwrap();
    drop(gone);
    kill(host, libc::SIGCONT);
    let after = t.at(&["mark", &id, "after", "--json"]).ok("mark")["seq"].as_u64().unwrap();
    let events = t.checked_events(&id);
    let labels: Vec<&Value> = of_type(&events, "marker").iter().map(|e| &e["payload"]["label"]).collect();
    assert_eq!(labels, [&Value::from("half-closed"), &Value::from("after")], "{events:?}");
    assert_eq!(at_seq(&events, after)["payload"]["label"], "after");
}

/// A waited `run` has already typed its command when the host stops answering, so its
/// time-out cannot say the command did not run: it is not retryable and says to look first.
#[test]
fn a_waited_run_that_times_out_is_not_retryable() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let host = pid_of(&t.manifest(&id), "hostPid");
    let marker = t.path("ran");
    let command = format!("echo ran >> '{}'; kill -STOP {host}", marker.display());
    // The shell stops the host once the command has run, before it can answer. The run's
    // own 2 s timeout leaves a loaded machine ample time to get there first.
    let out = t.at(&["run", &id, &command, "--timeout", "2000", "--json"]);
    kill(host, libc::SIGCONT);
    // (Not `out.err`: it expects the code's usual retryability.)
    assert_eq!(out.code, 5, "{out:?}");
    let error = out.json()["error"].clone();
    assert_eq!(error["code"], "HOST_TIMEOUT", "{error}");
    assert_eq!(error["retryable"], false, "{error}");
    assert_eq!(error["details"]["effectUnknown"], true, "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.starts_with("RPC request timed out after 12000ms."), "{message}");
    assert!(message.contains("may have run"), "{message}");
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "ran\n", "the command did run");

    // Calls that carry no such risk stay retryable.
    kill(host, libc::SIGSTOP);
    wait_until("the host is stopped", DEADLINE, || stat_field(host, 3) == "T");
    let error = t.at(&["mark", &id, "x", "--json"]).err("mark", 5, "HOST_TIMEOUT");
    kill(host, libc::SIGCONT);
    assert_eq!(error["retryable"], true, "{error}");
    assert!(error["details"].get("effectUnknown").is_none(), "{error}");
}

/// A client that goes away while its request is parked frees the host at once: a waited
/// `run`, a `wait --exit`, a `wait --idle-ms` and render waits, 128 in all (the cap), fill
/// the host, so one more request is refused as busy; once their CLI processes are killed,
/// the host has closed all their connections well before their own 60 s time-outs, and
/// the next request succeeds.
#[test]
fn killed_waits_free_their_connections_at_once() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let host = pid_of(&t.manifest(&id), "hostPid");
    let baseline = socket_fds(host).len();
    let mut waits = vec![
        t.spawn(&["run", &id, "sleep 60", "--timeout", "60000"]),
        t.spawn(&["wait", &id, "--exit", "--timeout", "60000"]),
        t.spawn(&["wait", &id, "--idle-ms", "60000", "--timeout", "60000"]),
    ];
    while waits.len() < MAX_CONNECTIONS {
        waits.push(t.spawn(&["wait", &id, "--text", "never-there", "--timeout", "60000"]));
    }
    wait_until("the host holds a connection for every wait", DEADLINE, || {
        socket_fds(host).len() >= baseline + MAX_CONNECTIONS
    });
    let error = t.at(&["mark", &id, "full", "--json"]).err("mark", 9, "RPC_ERROR");
    assert!(error["message"].as_str().unwrap().contains("busy"), "{error}");

    let killed_at = Instant::now();
    for wait in &waits {
        kill(wait.pid(), libc::SIGKILL);
    }
    drop(waits);
    wait_until("the host closed the killed waits' connections", DEADLINE, || {
        socket_fds(host).len() <= baseline
    });
    assert!(killed_at.elapsed() < Duration::from_secs(30), "freed only after {:?}", killed_at.elapsed());
    t.at(&["mark", &id, "after-kill", "--json"]).ok("mark");
}
