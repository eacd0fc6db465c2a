//! Processes we do not own: liveness of a host or child by PID (a zombie counts as dead,
//! and so does a PID reused by an unrelated program), signals, the members of a PTY
//! session, and waiting for another process to exit without polling (pidfd).

use std::path::Path;
use std::time::Duration;

/// Outcome of a liveness probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// Running (or a zombie-free process we may not signal).
    Alive,
    /// Gone, or a zombie nobody reaped.
    Dead,
}

/// Whether `pid` names a live (non-zombie) process. `EPERM` means alive but not ours.
pub fn liveness(pid: u32) -> Liveness {
    match exists(pid) {
        None => Liveness::Dead,
        Some(false) => Liveness::Alive,
        Some(true) => match proc_state(pid) {
            Some('Z' | 'X') => Liveness::Dead,
            _ => Liveness::Alive,
        },
    }
}

/// The signal probe: `Some(true)` for a process (zombies included) we may signal,
/// `Some(false)` for one that exists but is not ours (`EPERM`), `None` for no process.
#[allow(unsafe_code)]
fn exists(pid: u32) -> Option<bool> {
    let pid_t = i32::try_from(pid).ok().filter(|&p| p > 0)?;
    // SAFETY: kill with signal 0 only checks for existence and permission.
    let rc = unsafe { libc::kill(pid_t, 0) };
    if rc == 0 {
        return Some(true);
    }
    (std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)).then_some(false)
}

/// Reads a `/proc` file. `std::fs::read` sizes its buffer from the file's length, which
/// `/proc` reports as 0: it then reads 32 bytes, 32, 64, 128… (eight reads for a host's
/// environment). Starting from a page reads most of them in one call plus the final one.
/// Through `Take`, `read_to_end` skips `File`'s size probe (an `fstat` and an `lseek` per
/// file, useless here): `list` reads two of these files per live session.
fn read_proc(path: &str) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(4096);
    std::fs::File::open(path)?.take(u64::MAX).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// [`read_proc`] as text.
fn read_proc_string(path: &str) -> std::io::Result<String> {
    String::from_utf8(read_proc(path)?).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Whether `pid` is a live agent-tty host of `session_id` in `home`. On Linux the command
/// line must name `_host` and the session, so a recycled PID does not keep a dead session
/// "running"; and when its environment is readable, its `AGENT_TTY_HOME` must be this very
/// Home (same directory, whatever the path's spelling), so a copied Home or session folder
/// never takes the original's host for its own.
///
/// Only the signal probe comes first, not [`liveness`]'s zombie check: a zombie's command
/// line reads as empty, which names no host.
pub fn host_is_alive(pid: u32, session_id: &str, home: &Path) -> bool {
    if exists(pid).is_none() {
        return false;
    }
    match read_proc(&format!("/proc/{pid}/cmdline")) {
        Ok(cmdline) => {
            let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
            let has = |needle: &[u8]| args.contains(&needle);
            has(b"_host") && has(session_id.as_bytes()) && in_home(pid, home) != Some(false)
        }
        // No /proc (not Linux) or no permission: trust the probe (a zombie is still dead).
        Err(_) => liveness(pid) == Liveness::Alive,
    }
}

/// Whether `pid`'s `AGENT_TTY_HOME` names the directory `home` (compared by device and
/// inode); `None` when its environment cannot be read or has no such variable.
fn in_home(pid: u32, home: &Path) -> Option<bool> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let environ = read_proc(&format!("/proc/{pid}/environ")).ok()?;
    let value = environ.split(|&b| b == 0).find_map(|entry| entry.strip_prefix(b"AGENT_TTY_HOME="))?;
    // The same spelling is the same directory: no need to stat it twice.
    if value == home.as_os_str().as_bytes() {
        return Some(true);
    }
    let theirs = std::fs::metadata(std::ffi::OsStr::from_bytes(value)).ok();
    let ours = std::fs::metadata(home).ok()?;
    Some(theirs.is_some_and(|theirs| (theirs.dev(), theirs.ino()) == (ours.dev(), ours.ino())))
}

/// The owner of `/proc/<pid>` (the process's real uid).
fn proc_uid(pid: u32) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/proc/{pid}")).ok().map(|m| m.uid())
}

/// The one-letter state and the session id (`sid`) from `/proc/<pid>/stat`.
fn proc_stat(pid: u32) -> Option<(char, u32)> {
    let stat = read_proc_string(&format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command: state ppid pgrp session …
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let session = fields.nth(2)?.parse().ok()?;
    Some((state, session))
}

/// The one-letter state from `/proc/<pid>/stat`, when available.
fn proc_state(pid: u32) -> Option<char> {
    proc_stat(pid).map(|(state, _)| state)
}

/// Sends `signal` to `pid`; a vanished process is not an error.
#[allow(unsafe_code)]
pub fn signal(pid: u32, signal: i32) -> std::io::Result<()> {
    let pid = i32::try_from(pid).map_err(|_| std::io::Error::from_raw_os_error(libc::ESRCH))?;
    // SAFETY: plain kill(2) on a positive pid.
    if unsafe { libc::kill(pid, signal) } == 0 {
        return Ok(());
    }
    let err = std::io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::ESRCH) { Ok(()) } else { Err(err) }
}

/// Every live process whose session id is `sid` (the PTY child is its session leader, so
/// this is the shell plus all its jobs and their children, whatever their process group).
pub fn session_members(sid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| matches!(proc_stat(pid), Some((state, s)) if s == sid && !matches!(state, 'Z' | 'X')))
        .collect()
}

/// Whether `pid` is plausibly the PTY program a session started at `created_ms`: a live
/// session leader (`sid == pid`) that started within a minute of the session. Guards the
/// SIGKILLs of reconciliation against a PID reused by an unrelated program. Without
/// `/proc` the liveness probe is all there is.
///
/// The program inherits the host's `AGENT_TTY_HOME`: when its environment is readable it
/// must name `home`, so the same manifest in a copied Home never reaches the original's
/// program.
pub fn is_session_program(pid: u32, created_ms: u64, home: &Path) -> bool {
    if liveness(pid) == Liveness::Dead || in_home(pid, home) == Some(false) {
        return false;
    }
    let Ok(stat) = read_proc_string(&format!("/proc/{pid}/stat")) else { return true };
    let fields: Vec<&str> =
        stat.rsplit_once(')').map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let session = fields.get(3).and_then(|s| s.parse::<u32>().ok());
    let start_ticks = fields.get(19).and_then(|s| s.parse::<u64>().ok());
    let (Some(session), Some(start_ticks), Some(boot_ms)) = (session, start_ticks, boot_time_ms()) else {
        return true;
    };
    let ticks_per_second = rustix::param::clock_ticks_per_second().max(1);
    let started_ms = boot_ms + start_ticks * 1000 / ticks_per_second;
    session == pid && started_ms + 2_000 >= created_ms && started_ms <= created_ms + 60_000
}

/// Wall-clock boot time in ms, from `btime` in `/proc/stat`.
fn boot_time_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("btime "))?;
    line[6..].trim().parse::<u64>().ok().map(|s| s * 1000)
}

/// Makes this process the reaper of its orphaned descendants (Linux), so everything the
/// PTY program starts stays findable from here (see [`descendants`]).
pub fn become_subreaper() {
    #[cfg(target_os = "linux")]
    let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
}

/// The direct children of `pid` (all its threads'), from `/proc/<pid>/task/*/children`.
pub fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Vec::new() };
    let mut out = Vec::new();
    for task in tasks.flatten() {
        if let Ok(list) = std::fs::read_to_string(task.path().join("children")) {
            out.extend(list.split_whitespace().filter_map(|p| p.parse::<u32>().ok()));
        }
    }
    out
}

/// A live descendant: its PID and the PID of the parent it was found under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Descendant {
    /// The process.
    pub pid: u32,
    /// Its parent when it was found (checked again before any signal).
    pub parent: u32,
}

/// Every live descendant of `pid`, whatever its session or process group (so `setsid`
/// and double-forked daemons too: this process is their subreaper, see
/// [`become_subreaper`]). Another agent-tty host started from inside the session is a
/// session of its own: it and its subtree are left out.
pub fn descendants(pid: u32) -> Vec<Descendant> {
    let mut found = Vec::new();
    let mut queue: Vec<Descendant> =
        children(pid).into_iter().map(|child| Descendant { pid: child, parent: pid }).collect();
    while let Some(next) = queue.pop() {
        if found.len() > 100_000 {
            break;
        }
        if !matches!(proc_state(next.pid), Some(state) if !matches!(state, 'Z' | 'X'))
            || is_any_host(next.pid)
        {
            continue;
        }
        found.push(next);
        queue.extend(children(next.pid).into_iter().map(|child| Descendant { pid: child, parent: next.pid }));
    }
    found
}

/// Every live descendant of `pid` whose session is `sid` (breadth first).
pub fn descendants_in_session(pid: u32, sid: u32) -> Vec<u32> {
    descendants(pid)
        .into_iter()
        .filter(|d| matches!(proc_stat(d.pid), Some((_, session)) if session == sid))
        .map(|d| d.pid)
        .collect()
}

/// Whether `pid` runs an agent-tty host (`… _host <id>`), of any session.
fn is_any_host(pid: u32) -> bool {
    read_proc(&format!("/proc/{pid}/cmdline"))
        .is_ok_and(|cmdline| cmdline.split(|&b| b == 0).nth(1) == Some(b"_host".as_slice()))
}

/// The parent PID from `/proc/<pid>/stat`.
fn proc_ppid(pid: u32) -> Option<u32> {
    let stat = read_proc_string(&format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()
}

/// A pidfd for `pid`: it names that very process even if the PID is reused later.
fn pidfd(pid: u32) -> Option<std::os::fd::OwnedFd> {
    let pid = rustix::process::Pid::from_raw(i32::try_from(pid).ok()?)?;
    rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).ok()
}

/// Sends `sig` to `pid` only if `still_ours` holds for it once it is pinned by a pidfd,
/// so a PID that exited and was reused by an unrelated program between the look-up and
/// the signal is never hit. Without pidfds (old kernels) the check and the `kill` are
/// as close together as they can be.
#[allow(unsafe_code)]
fn signal_checked(pid: u32, sig: i32, still_ours: impl Fn(u32) -> bool) {
    use std::os::fd::AsRawFd;
    match pidfd(pid) {
        // Pinned: from here on the fd names this process even if the PID is reused.
        Some(fd) if still_ours(pid) => {
            // SAFETY: a valid pidfd, a plain signal number, no siginfo, no flags.
            unsafe {
                libc::syscall(
                    libc::SYS_pidfd_send_signal,
                    fd.as_raw_fd(),
                    sig,
                    std::ptr::null::<libc::siginfo_t>(),
                    0,
                )
            };
        }
        Some(_) => {}
        None if still_ours(pid) => {
            let _ = signal(pid, sig);
        }
        None => {}
    }
}

/// Sends `sig` to each of `found` that is still a child of the parent it was found
/// under (or was reparented to `reaper` since: its parent died first).
pub fn signal_descendants(found: &[Descendant], reaper: u32, sig: i32) {
    for d in found {
        signal_checked(
            d.pid,
            sig,
            |pid| matches!(proc_ppid(pid), Some(ppid) if ppid == d.parent || ppid == reaper),
        );
    }
}

/// Ends every descendant of this process (the subreaper of the session): `SIGTERM`,
/// then `SIGKILL` to whatever is still there after `grace`. Repeats the walk, since a
/// dying parent hands its children to us. Returns once none is left (or after a bounded
/// number of rounds). Only processes found by walking our own process tree are signalled.
pub fn end_descendants(grace: Duration) {
    let me = std::process::id();
    let deadline = std::time::Instant::now() + grace;
    let mut sig = libc::SIGTERM;
    for _ in 0..16 {
        let found = descendants(me);
        if found.is_empty() {
            return;
        }
        signal_descendants(&found, me, sig);
        let budget = if sig == libc::SIGKILL {
            Duration::from_secs(2)
        } else {
            deadline.saturating_duration_since(std::time::Instant::now())
        };
        if !wait_all_exit(&found, budget) {
            sig = libc::SIGKILL;
        }
        if std::time::Instant::now() >= deadline {
            sig = libc::SIGKILL;
        }
    }
}

/// Waits (pidfds, no polling) until every one of `found` has exited; false on timeout.
fn wait_all_exit(found: &[Descendant], limit: Duration) -> bool {
    let until = std::time::Instant::now() + limit;
    found.iter().all(|d| wait_for_exit(d.pid, until.saturating_duration_since(std::time::Instant::now())))
}

/// The name of the variable the host puts in its program's environment: the session id,
/// inherited by everything the program starts. It identifies the session's leftovers
/// after the host died (they were reparented to init and are no longer found by a walk).
pub const SESSION_MARKER: &str = "AGENT_TTY_SESSION_ID";

/// The session a leftover process must belong to: its id, its Home, and the uid that owns
/// the session's folder (only that user's processes are considered, so root never reads,
/// let alone signals, a third party's processes on the word of a file someone else wrote).
#[derive(Debug, Clone)]
pub struct Marked<'a> {
    /// The session id (`AGENT_TTY_SESSION_ID`).
    pub session_id: &'a str,
    /// The Home the program inherited (`AGENT_TTY_HOME`, compared as a directory).
    pub home: &'a Path,
    /// The owner of the session folder.
    pub owner: u32,
}

impl Marked<'_> {
    /// The session of `paths`, owned by whoever owns its folder (`None` if it is gone).
    pub fn of(paths: &crate::paths::SessionPaths) -> Option<Marked<'_>> {
        use std::os::unix::fs::MetadataExt;
        let owner = std::fs::metadata(&paths.dir).ok()?.uid();
        Some(Marked { session_id: &paths.id, home: paths.home(), owner })
    }

    /// Whether `pid` is one of the session's leftovers: owned by [`Marked::owner`], not an
    /// agent-tty host, with `AGENT_TTY_SESSION_ID=<id>` and `AGENT_TTY_HOME` = this Home.
    fn matches(&self, pid: u32) -> bool {
        if proc_uid(pid) != Some(self.owner) {
            return false;
        }
        let Ok(environ) = read_proc(&format!("/proc/{pid}/environ")) else { return false };
        let wanted = format!("{SESSION_MARKER}={}", self.session_id);
        environ.split(|&b| b == 0).any(|entry| entry == wanted.as_bytes())
            && in_home(pid, self.home) == Some(true)
            && !is_any_host(pid)
    }
}

/// Every live process (other than this one) that is a leftover of `session`.
pub fn marked_processes(session: &Marked<'_>) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    let me = std::process::id();
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != me && liveness(pid) == Liveness::Alive && session.matches(pid))
        .collect()
}

/// SIGKILLs every process left over from the session of `paths` after its host died
/// (found by [`SESSION_MARKER`] and the Home; each is checked again once pinned, so a
/// reused PID is safe) and waits briefly for them to go. A process that cleared its
/// environment, or changed its `AGENT_TTY_HOME`, is not found.
pub fn kill_marked(paths: &crate::paths::SessionPaths) {
    let Some(session) = Marked::of(paths) else { return };
    let found = marked_processes(&session);
    for &pid in &found {
        signal_checked(pid, libc::SIGKILL, |pid| session.matches(pid));
    }
    let until = std::time::Instant::now() + Duration::from_secs(2);
    for pid in found {
        wait_for_exit(pid, until.saturating_duration_since(std::time::Instant::now()));
    }
}

/// Reaps exited children of this process other than `keep` (which its owner reaps).
pub fn reap_children_except(keep: u32) {
    for pid in children(std::process::id()) {
        if pid != keep
            && matches!(proc_state(pid), Some('Z' | 'X'))
            && let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw)
        {
            let _ = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::NOHANG);
        }
    }
}

/// Sends `signal` to every member of session `sid`, and to its process group as a
/// fallback where `/proc` is unavailable.
#[allow(unsafe_code)]
pub fn signal_session(sid: u32, sig: i32) {
    for pid in session_members(sid) {
        let _ = signal(pid, sig);
    }
    if let Ok(pgid) = i32::try_from(sid) {
        // SAFETY: killpg on the session leader's group; errors (no such group) are ignored.
        unsafe { libc::killpg(pgid, sig) };
    }
}

/// Sends `sig` to the process group `pgid` (no error when it is gone).
#[allow(unsafe_code)]
pub fn signal_group(pgid: u32, sig: i32) {
    if let Ok(pgid) = i32::try_from(pgid) {
        // SAFETY: killpg on a positive group id; a missing group is ignored.
        unsafe { libc::killpg(pgid, sig) };
    }
}

/// Blocks until `pid` exits (is dead or a zombie) or `timeout` passes; true if it exited.
/// Uses a pidfd, so it is woken by the exit itself rather than polling.
pub fn wait_for_exit(pid: u32, timeout: Duration) -> bool {
    if liveness(pid) == Liveness::Dead {
        return true;
    }
    let Some(fd) = pidfd(pid) else {
        return liveness(pid) == Liveness::Dead;
    };
    use rustix::event::{PollFd, PollFlags, Timespec};
    let ms = i64::from(i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX));
    let wait = Timespec { tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000 };
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    let ready = rustix::event::poll(&mut fds, Some(&wait)).unwrap_or(0);
    drop(fd);
    ready > 0 || liveness(pid) == Liveness::Dead
}

/// A signal number from its `SIG…` name, for the names `signal` accepts.
pub fn signal_number(name: &str) -> Option<i32> {
    Some(match name {
        "SIGTERM" => libc::SIGTERM,
        "SIGINT" => libc::SIGINT,
        "SIGKILL" => libc::SIGKILL,
        "SIGHUP" => libc::SIGHUP,
        "SIGUSR1" => libc::SIGUSR1,
        "SIGUSR2" => libc::SIGUSR2,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_is_alive_and_reaped_child_is_dead() {
        assert_eq!(liveness(std::process::id()), Liveness::Alive);
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        assert!(wait_for_exit(pid, Duration::from_secs(5)));
        assert_eq!(liveness(pid), Liveness::Dead, "an unreaped zombie counts as dead");
        child.wait().unwrap();
        assert_eq!(liveness(0), Liveness::Dead);
    }

    #[test]
    fn session_program_check_rejects_reused_pids() {
        let mut child = std::process::Command::new("setsid")
            .args(["sleep", "5"])
            .env_remove("AGENT_TTY_HOME")
            .spawn()
            .unwrap();
        let pid = child.id();
        let now = crate::time::now_ms();
        let leader = || {
            read_proc_string(&format!("/proc/{pid}/stat")).is_ok_and(|s| {
                s.rsplit_once(')')
                    .and_then(|(_, r)| r.split_whitespace().nth(3).map(|f| f == pid.to_string()))
                    == Some(true)
            })
        };
        while !leader() {
            std::thread::yield_now();
        }
        assert!(is_session_program(pid, now, Path::new("/")), "a session leader started just now");
        assert!(
            !is_session_program(pid, now + 120_000, Path::new("/")),
            "started long before the session: a reused PID"
        );
        assert!(!is_session_program(std::process::id(), now, Path::new("/")), "not a session leader");
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn marked_processes_are_found_and_killed_others_are_not() {
        let home = tempfile::tempdir().unwrap();
        let copy = tempfile::tempdir().unwrap();
        let id = format!("01TESTMARKER{}", std::process::id());
        let paths = crate::paths::SessionPaths::new(home.path(), &id);
        std::fs::create_dir_all(&paths.dir).unwrap();
        let spawn = |marker: &str, home: &std::path::Path| {
            std::process::Command::new("sleep")
                .arg("30")
                .env(SESSION_MARKER, marker)
                .env("AGENT_TTY_HOME", home)
                .spawn()
                .unwrap()
        };
        let mut marked = spawn(&id, home.path());
        let other_session = spawn(&format!("{id}X"), home.path());
        // The same id in another Home (a copied Home): not this session's.
        let other_home = spawn(&id, copy.path());
        let all = [marked.id(), other_session.id(), other_home.id()];
        // Until they have exec'd, /proc shows the test's own environment (no marker).
        let exec_done =
            |pid: u32| read_proc(&format!("/proc/{pid}/cmdline")).is_ok_and(|c| c.starts_with(b"sleep"));
        let start = std::time::Instant::now();
        while !all.iter().all(|&pid| exec_done(pid)) {
            assert!(start.elapsed() < Duration::from_secs(20), "sleep never started");
            std::thread::yield_now();
        }
        let session = Marked::of(&paths).unwrap();
        assert_eq!(marked_processes(&session), vec![marked.id()]);
        // Another owner's processes are never considered.
        let foreign = Marked { owner: session.owner + 1, ..session.clone() };
        assert_eq!(marked_processes(&foreign), Vec::<u32>::new());
        kill_marked(&paths);
        assert_eq!(liveness(marked.id()), Liveness::Dead);
        assert_eq!(liveness(other_session.id()), Liveness::Alive, "another session's marker");
        assert_eq!(liveness(other_home.id()), Liveness::Alive, "the same id in another Home");
        marked.wait().unwrap();
        for mut child in [other_session, other_home] {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    #[test]
    fn a_plain_process_is_not_a_host() {
        assert!(!host_is_alive(std::process::id(), "01ABC", Path::new("/")));
    }

    #[test]
    fn wait_for_exit_times_out_on_a_live_process() {
        let mut child = std::process::Command::new("sleep").arg("5").spawn().unwrap();
        assert!(!wait_for_exit(child.id(), Duration::from_millis(20)));
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
