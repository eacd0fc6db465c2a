//! The nine environment checks of `doctor` (see the table in the parent module): the
//! process, the Home, a PTY, the socket and the two on-disk writers, each exercised for
//! real in scratch places that are removed afterwards.

use std::fs::{DirBuilder, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use agent_tty_core::event_log::{self, Event, EventLogWriter};
use agent_tty_core::fsio;
use agent_tty_core::home::canonical_or_normal;
use agent_tty_core::paths::{SessionPaths, sessions_dir, socket_path};
use agent_tty_core::socket_dir;

use super::{Check, Found, Probe, QUICK, SLOW, Verdict, scratch_name};

/// The environment group, in agent-tty 0.5.0's order.
pub(super) const CHECKS: [Check; 9] = [
    Check { name: "node-runtime", label: "node", timeout: SLOW, run: runtime },
    Check { name: "cwd-access", label: "cwd", timeout: SLOW, run: cwd_access },
    Check { name: "temp-dir", label: "temp", timeout: SLOW, run: temp_dir },
    Check { name: "home_isolation", label: "home-isolation", timeout: QUICK, run: home_isolation },
    Check { name: "home-writable", label: "home-write", timeout: QUICK, run: home_writable },
    Check { name: "pty-spawn", label: "pty", timeout: QUICK, run: pty_spawn },
    Check { name: "socket-viable", label: "socket", timeout: QUICK, run: socket_viable },
    Check { name: "artifact-atomicity", label: "artifacts", timeout: QUICK, run: artifact_atomicity },
    Check { name: "event-log-writable", label: "event-log", timeout: QUICK, run: event_log_writable },
];

/// The longest socket path every supported OS accepts (`sun_path` is 104 bytes on macOS,
/// including the terminating NUL).
const MAX_SOCKET_PATH: usize = 103;

/// The PTY check's own deadline, inside its 5 s check deadline so it can clean up.
const PTY_DEADLINE: Duration = Duration::from_secs(4);

fn runtime(_: &Probe) -> Verdict {
    Ok(Found::Pass(format!("native binary (no Node.js needed): agent-tty {}", env!("CARGO_PKG_VERSION"))))
}

fn cwd_access(_: &Probe) -> Verdict {
    let cwd = std::env::current_dir().map_err(|e| format!("cannot determine the current directory: {e}"))?;
    rustix::fs::access(&cwd, rustix::fs::Access::READ_OK | rustix::fs::Access::WRITE_OK).map_err(|e| {
        format!("cwd is not readable and writable: {}: {}", cwd.display(), std::io::Error::from(e))
    })?;
    Ok(Found::Pass(format!("cwd read/write: {}", cwd.display())))
}

fn temp_dir(_: &Probe) -> Verdict {
    let tmp = std::env::temp_dir();
    let dir = tmp.join(scratch_name("agent-tty-doctor"));
    DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .map_err(|e| format!("cannot create a directory in {}: {e}", tmp.display()))?;
    std::fs::remove_dir(&dir).map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    Ok(Found::Pass(format!("temp dir ok: {}", tmp.display())))
}

fn home_isolation(probe: &Probe) -> Verdict {
    let home = &probe.home.path;
    let message = if !probe.home.explicit {
        "agent-tty home uses default location".to_string()
    } else if *home == canonical_or_normal(&probe.user_home) {
        "agent-tty home is explicitly set to system home location".to_string()
    } else {
        format!("agent-tty home is isolated from system home: {}", home.display())
    };
    Ok(Found::Pass(message))
}

fn home_writable(probe: &Probe) -> Verdict {
    probe.home.ensure_exists().map_err(|e| e.message.clone())?;
    let home = &probe.home.path;
    let file = home.join(format!(".{}.tmp", scratch_name("doctor-home")));
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&file)
        .and_then(|mut f| f.write_all(b"agent-tty doctor\n"));
    let removed = std::fs::remove_file(&file);
    written.map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    removed.map_err(|e| format!("cannot delete {}: {e}", file.display()))?;
    Ok(Found::Pass(format!("home writable: {}", home.display())))
}

fn pty_spawn(_: &Probe) -> Verdict {
    let program = ["/bin/echo", "/usr/bin/echo"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .ok_or("no echo program at /bin/echo or /usr/bin/echo")?;
    let shown = program.display();
    let run = agent_tty_core::pty::run_to_end(program, &["hello"], PTY_DEADLINE)
        .map_err(|e| format!("cannot run {shown} on a PTY: {e}"))?;
    if !run.status.success() {
        return Err(format!("{shown} on a PTY ended with {}", run.status));
    }
    let output = String::from_utf8_lossy(&run.output);
    if !output.contains("hello") {
        return Err(format!("{shown} on a PTY printed {output:?} instead of \"hello\""));
    }
    Ok(Found::Pass(format!("spawned {shown}")))
}

fn socket_viable(probe: &Probe) -> Verdict {
    let home = &probe.home.path;
    let scratch = Scratch::create(home)?;
    // The directory the host would use, checked the way the host checks it.
    let dir = socket_dir::prepare(home).map_err(|e| e.message.clone())?;
    let name = socket_path(home, &scratch.id).file_name().map(ToOwned::to_owned).unwrap_or_default();
    let socket = dir.path().join(&name);
    let length = socket.as_os_str().len();
    if length > MAX_SOCKET_PATH {
        return Err(format!(
            "socket path {} is {length} bytes; Unix sockets allow at most {MAX_SOCKET_PATH}",
            socket.display()
        ));
    }
    let mut exchanged = exchange(&dir.via_fd(&name));
    let mut dir = dir;
    if exchanged.is_err() && dir.was_removed() {
        // A host of this Home that ended at that moment removed the empty directory.
        dir = socket_dir::prepare(home).map_err(|e| e.message.clone())?;
        exchanged = exchange(&dir.via_fd(&name));
    }
    let _ = dir.unlink(&name);
    dir.remove_if_empty();
    exchanged.map_err(|e| format!("socket check failed at {}: {e}", socket.display()))?;
    Ok(Found::Pass(format!("socket ok: {}", socket.display())))
}

/// Listens on `socket`, connects to it and sends one message across.
fn exchange(socket: &Path) -> std::io::Result<()> {
    let listener = UnixListener::bind(socket)?;
    let mut client = UnixStream::connect(socket)?;
    let (mut server, _) = listener.accept()?;
    server.set_read_timeout(Some(Duration::from_secs(2)))?;
    client.write_all(b"ping")?;
    let mut buf = [0u8; 4];
    server.read_exact(&mut buf)?;
    if &buf != b"ping" {
        return Err(std::io::Error::other("the bytes sent did not arrive"));
    }
    Ok(())
}

fn artifact_atomicity(probe: &Probe) -> Verdict {
    let scratch = Scratch::create(&probe.home.path)?;
    let artifacts = scratch.paths(&probe.home.path).artifacts;
    let shown = artifacts.display();
    std::fs::create_dir(&artifacts).map_err(|e| format!("cannot create {shown}: {e}"))?;
    let target = artifacts.join("doctor-probe.txt");
    let payload = format!("agent-tty doctor {}\n", scratch.id);
    fsio::write_atomic(&target, payload.as_bytes()).map_err(|e| e.message.clone())?;
    let back = std::fs::read(&target).map_err(|e| format!("cannot read back {}: {e}", target.display()))?;
    if back != payload.as_bytes() {
        return Err(format!("{} does not hold what was written", target.display()));
    }
    let entries = std::fs::read_dir(&artifacts).map_err(|e| format!("cannot list {shown}: {e}"))?;
    let others: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "doctor-probe.txt")
        .collect();
    if !others.is_empty() {
        return Err(format!("the atomic write left files behind in {shown}: {}", others.join(", ")));
    }
    Ok(Found::Pass(format!("atomic rename ok: {shown}")))
}

fn event_log_writable(probe: &Probe) -> Verdict {
    let scratch = Scratch::create(&probe.home.path)?;
    let events = scratch.paths(&probe.home.path).events;
    let expected = [Event::Marker { label: "doctor-1".into() }, Event::Marker { label: "doctor-2".into() }];
    let mut writer = EventLogWriter::open(&events).map_err(|e| e.message.clone())?;
    for event in &expected {
        writer.push(event);
    }
    writer.flush().map_err(|e| format!("cannot append to {}: {e}", events.display()))?;
    drop(writer);
    let records = event_log::read_all(&events).map_err(|e| e.message.clone())?;
    let read: Vec<(u64, &Event)> = records.iter().map(|r| (r.seq.get(), &r.event)).collect();
    if read != [(0, &expected[0]), (1, &expected[1])] {
        return Err(format!("{} does not hold the two events appended", events.display()));
    }
    Ok(Found::Pass(format!("append ok: {}", events.display())))
}

/// A scratch session directory `<home>/sessions/doctor-…`, removed on drop.
struct Scratch {
    id: String,
    dir: PathBuf,
}

impl Scratch {
    fn create(home: &Path) -> Result<Scratch, String> {
        let id = scratch_name("doctor");
        let dir = sessions_dir(home).join(&id);
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let scratch = Scratch { id, dir };
        fsio::chmod(&scratch.dir, 0o700)
            .map_err(|e| format!("cannot chmod {}: {e}", scratch.dir.display()))?;
        Ok(scratch)
    }

    fn paths(&self, home: &Path) -> SessionPaths {
        SessionPaths::new(home, &self.id)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
