//! Lifecycle under faults: a full disk and a read-only Home (the session stays listed,
//! says why it failed, and can still be destroyed), daemons that escaped the program's
//! session (`setsid`, double fork) ending with `destroy` and `gc`, and `destroy` racing
//! `gc` or another `destroy`.
//!
//! The storage tests mount a small tmpfs as the Home, so they need root and `mount`;
//! without them they print what they need and pass.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{DEADLINE, TestHome, kill, pid_gone, pid_of, wait_until};

/// A tmpfs mounted on a fresh directory; unmounted (lazily, should a process still hold
/// it) and removed on drop.
struct TmpfsMount {
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
}

impl TmpfsMount {
    /// Mounts a tmpfs of `size` (e.g. "2m"), or says why not.
    #[allow(unsafe_code)]
    fn new(size: &str) -> Result<TmpfsMount, String> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Err("root (to mount a tmpfs)".into());
        }
        let dir =
            tempfile::Builder::new().prefix("att-mnt-").tempdir_in("/tmp").map_err(|e| e.to_string())?;
        let path = dir.path().canonicalize().map_err(|e| e.to_string())?;
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0755"), "tmpfs"])
            .arg(&path)
            .status()
            .map_err(|e| format!("the mount command ({e}; apt-get install mount)"))?;
        if !status.success() {
            return Err(format!("permission to mount a tmpfs (mount exited with {status})"));
        }
        Ok(TmpfsMount { dir: Some(dir), path })
    }

    fn remount(&self, mode: &str) -> bool {
        Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&self.path)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for TmpfsMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
        drop(self.dir.take());
    }
}

/// A TestHome whose Home lives on `mount` (declare the mount first: it must outlive the
/// TestHome, whose drop destroys the sessions).
fn home_on(mount: &TmpfsMount) -> TestHome {
    let mut t = TestHome::new();
    t.home = mount.path.join("home");
    t
}

/// A bash session (ready) whose Home is on a new tmpfs of `size`, or `None` after saying
/// what the test needs. Bind the three in this order: the TestHome must drop first.
fn bash_on_tmpfs(size: &str) -> Option<(TmpfsMount, TestHome, String)> {
    let mount = match TmpfsMount::new(size) {
        Ok(mount) => mount,
        Err(need) => {
            eprintln!("skipped: this test needs {need}");
            return None;
        }
    };
    let t = home_on(&mount);
    let id = t.bash();
    t.run_cmd(&id, "echo ready");
    Some((mount, t, id))
}

/// Fills the file system holding `dir` (a file `name` in it) until a write fails.
fn fill_disk(dir: &Path, name: &str) {
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(dir.join(name)).unwrap();
    let chunk = vec![b'x'; 4096];
    loop {
        match file.write_all(&chunk) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => break,
            Err(e) => panic!("filling the disk failed: {e}"),
        }
    }
    let _ = file.sync_all();
    assert!(disk_is_full(dir), "the disk should be full now");
}

/// Whether a 4 KiB write to a new file on `dir`'s file system fails for lack of space.
fn disk_is_full(dir: &Path) -> bool {
    let probe = dir.join("probe");
    let full = std::fs::write(&probe, [0u8; 4096]).is_err_and(|e| e.raw_os_error() == Some(libc::ENOSPC));
    let _ = std::fs::remove_file(&probe);
    full
}

/// The listed row of `id` (`list --all --json`).
fn listed(t: &TestHome, id: &str) -> Option<Value> {
    let result = t.at(&["list", "--all", "--json"]).ok("list");
    result["sessions"].as_array().unwrap().iter().find(|s| s["sessionId"] == id).cloned()
}

/// Reads a pid a session wrote to `file` (waits for the complete line).
fn pid_from(path: &Path) -> u32 {
    wait_until(&format!("{} holds a pid", path.display()), DEADLINE, || {
        std::fs::read_to_string(path).is_ok_and(|s| s.ends_with('\n'))
    });
    std::fs::read_to_string(path).unwrap().trim().parse().unwrap()
}

/// Starts daemons in session `id` that escape its process group and session: `setsid`,
/// a double fork, and a `setsid` one that ignores SIGHUP and SIGTERM. Returns their pids
/// (tracked, so a failing test kills them).
fn start_daemons(t: &TestHome, id: &str, tag: &str) -> Vec<u32> {
    let files: Vec<PathBuf> = (1..=3).map(|i| t.path(&format!("{tag}-{i}.pid"))).collect();
    let [a, b, c] = [&files[0], &files[1], &files[2]].map(|p| p.display().to_string());
    // Each daemon writes its own pid (`$!` would name a `setsid` that forked), then
    // becomes the long sleep; the third ignores SIGHUP and SIGTERM (kept across exec).
    let command = format!(
        "setsid bash -c 'echo $$ > {a}; exec sleep 1000' </dev/null >/dev/null 2>&1 & \
         ( ( bash -c 'echo $$ > {b}; exec sleep 1001' </dev/null >/dev/null 2>&1 & ) & ); \
         setsid bash -c 'trap \"\" HUP TERM; echo $$ > {c}; exec sleep 1002' </dev/null >/dev/null 2>&1 &"
    );
    t.run_cmd(id, &command);
    let pids: Vec<u32> = files.iter().map(|f| pid_from(f)).collect();
    for &pid in &pids {
        t.track_pid(pid);
        assert!(!pid_gone(pid), "daemon {pid} should be running");
    }
    pids
}

fn assert_all_gone(pids: &[u32], after: &str) {
    for &pid in pids {
        wait_until(&format!("daemon {pid} is gone after {after}"), DEADLINE, || pid_gone(pid));
    }
}

#[test]
fn full_disk_fails_the_session_with_a_reason_and_destroy_still_works() {
    let Some((mount, t, id)) = bash_on_tmpfs("2m") else { return };
    fill_disk(&mount.path, "filler");
    // The host cannot log this input or its output: it must stop and say why.
    let _ = t.at(&["type", &id, "seq 1 5000\n"]);
    wait_until("the session is listed as failed", DEADLINE, || {
        listed(&t, &id).is_some_and(|row| row["status"] == "failed")
    });
    let session = &t.at(&["inspect", &id, "--json"]).ok("inspect")["session"];
    assert_eq!(session["status"], "failed", "{session}");
    assert_eq!(session["failureOrigin"], "storage-corruption", "{session}");
    let reason = session["failureReason"].as_str().unwrap();
    assert!(reason.contains("No space left on device") && reason.contains("events.jsonl"), "{reason}");
    let on_disk = t.manifest(&id);
    assert_eq!(on_disk["status"], "failed", "the failure is saved, not only reported: {on_disk}");
    let host_log = std::fs::read_to_string(t.session_dir(&id).join("host.log")).unwrap();
    assert!(host_log.contains("No space left on device"), "host.log says why:\n{host_log}");
    // The host stops after saving the failure, and its program goes with it.
    for field in ["childPid", "hostPid"] {
        let pid = pid_of(&on_disk, field);
        wait_until(&format!("{field} {pid} is gone"), DEADLINE, || pid_gone(pid));
    }

    // Full again (whatever the failure record freed is taken back): destroy still works.
    fill_disk(&mount.path, "filler");
    assert!(disk_is_full(&mount.path));
    let result = t.at(&["destroy", &id, "--json"]).ok("destroy");
    assert_eq!(result["destroyed"], true);
    assert_eq!(listed(&t, &id).unwrap()["status"], "destroyed");
}

#[test]
fn full_disk_destroy_of_an_idle_session_ends_it() {
    let Some((mount, t, id)) = bash_on_tmpfs("2m") else { return };
    let child = pid_of(&t.manifest(&id), "childPid");
    fill_disk(&mount.path, "filler");
    // Either the host records `destroyed`, or (its exit event cannot be logged) `failed`
    // with the reason: both are an ended session, and destroy says so.
    let result = t.at(&["destroy", &id, "--json"]).ok("destroy");
    assert_eq!(result["destroyed"], true);
    assert!(pid_gone(child));
    let row = listed(&t, &id).expect("still listed");
    assert!(row["status"] == "destroyed" || row["status"] == "failed", "{row}");
}

#[test]
fn read_only_home_keeps_the_session_listed_and_destroy_ends_it() {
    let mount = match TmpfsMount::new("8m") {
        Ok(mount) => mount,
        Err(need) => return eprintln!("skipped: this test needs {need}"),
    };
    let t = home_on(&mount);
    let id = t.bash();
    let daemons = start_daemons(&t, &id, "ro");
    let manifest = t.manifest(&id);
    let host = pid_of(&manifest, "hostPid");
    t.track_pid(host);
    // Linux refuses to make a file system read-only while a file on it is open for
    // writing (the host's event log), so the host dies first; the Home then turns
    // read-only under a session nobody could mark failed yet.
    kill(host, libc::SIGKILL);
    wait_until("the host is gone", DEADLINE, || pid_gone(host));
    let mut remounted = false;
    wait_until("the Home is remounted read-only", DEADLINE, || {
        remounted = mount.remount("ro");
        remounted
    });

    let row = listed(&t, &id).expect("a session on a read-only Home is still listed");
    assert_eq!(row["status"], "failed", "{row}");
    let session = &t.at(&["inspect", &id, "--json"]).ok("inspect")["session"];
    assert_eq!(session["status"], "failed", "{session}");
    let reason = session["failureReason"].as_str().unwrap();
    assert!(
        reason.contains("host process died unexpectedly")
            && reason.contains("could not be saved")
            && reason.contains("Read-only file system"),
        "{reason}"
    );
    assert_eq!(t.manifest(&id)["status"], "running", "nothing could be written");
    // Listing reconciled the dead session: its daemons, reparented away from the dead
    // host, were found by their environment marker and ended.
    assert_all_gone(&daemons, "list of a session whose host died");

    let err = t.at(&["destroy", &id, "--json"]).err("destroy", 8, "STORAGE_WRITE_ERROR");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("has ended") && message.contains("run destroy again"), "{message}");
    assert_eq!(err["details"]["ended"], true);
    assert!(listed(&t, &id).is_some(), "still listed after the failed destroy");

    assert!(mount.remount("rw"), "remount read-write");
    assert_eq!(t.at(&["destroy", &id, "--json"]).ok("destroy")["destroyed"], true);
    // As in 0.5, destroying a session whose host died leaves it `failed` (host-death).
    let saved = t.manifest(&id);
    assert_eq!(
        (&saved["status"], &saved["failureOrigin"]),
        (&"failed".into(), &"host-death".into()),
        "{saved}"
    );
    assert!(!saved["failureReason"].as_str().unwrap().contains("could not be saved"), "{saved}");
}

#[test]
fn destroy_ends_setsid_and_double_forked_daemons() {
    let t = TestHome::new();
    let id = t.bash();
    let daemons = start_daemons(&t, &id, "destroy");
    let child = pid_of(&t.manifest(&id), "childPid");
    assert_eq!(t.at(&["destroy", &id, "--json"]).ok("destroy")["destroyed"], true);
    // Gone when destroy returns (a zombie of the exiting host counts as gone).
    for pid in daemons.iter().copied().chain([child]) {
        assert!(pid_gone(pid), "{pid} outlived destroy");
    }
    assert_eq!(t.manifest(&id)["status"], "destroyed");
}

#[test]
fn gc_and_forced_destroy_end_daemons_whose_host_died_or_whose_program_exited() {
    let t = TestHome::new();
    // Host killed: its daemons were handed to init; `gc` finds them by their marker.
    let killed = t.bash();
    let killed_daemons = start_daemons(&t, &killed, "killed");
    let host = pid_of(&t.manifest(&killed), "hostPid");
    kill(host, libc::SIGKILL);
    wait_until("the host is gone", DEADLINE, || pid_gone(host));
    // Program exited on its own, leaving its daemons behind: `gc` ends them too.
    let exited = t.bash();
    let exited_daemons = start_daemons(&t, &exited, "exited");
    let _ = t.at(&["type", &exited, "exit\n"]);
    wait_until("the session has exited", DEADLINE, || t.manifest(&exited)["status"] == "exited");
    for &pid in &exited_daemons {
        assert!(!pid_gone(pid), "a plain exit leaves daemons alone (0.5 behaviour)");
    }
    // Host killed, then a forced destroy.
    let forced = t.bash();
    let forced_daemons = start_daemons(&t, &forced, "forced");
    let host = pid_of(&t.manifest(&forced), "hostPid");
    kill(host, libc::SIGKILL);
    wait_until("the host is gone", DEADLINE, || pid_gone(host));
    assert_eq!(t.at(&["destroy", &forced, "--force", "--json"]).ok("destroy")["destroyed"], true);
    assert_all_gone(&forced_daemons, "destroy --force");

    let result = t.at(&["gc", "--json"]).ok("gc");
    let removed = &result["homes"][0]["removedSessions"];
    for id in [&killed, &exited, &forced] {
        assert!(removed.as_array().unwrap().iter().any(|r| r == id.as_str()), "{id} collected: {result}");
    }
    assert_all_gone(&killed_daemons, "gc of a session whose host died");
    assert_all_gone(&exited_daemons, "gc of an exited session");
}

fn describe(out: &crate::support::Out) -> String {
    format!(
        "agent-tty {:?}\n--- exit {}\n--- stdout:\n{}\n--- stderr:\n{}",
        out.args, out.code, out.stdout, out.stderr
    )
}

/// Whether `out` is a successful destroy, or (`already_ok`) the documented outcome of a
/// session another call destroyed first.
fn destroy_ok(out: &crate::support::Out, already_ok: bool) -> bool {
    let json = out.json();
    (out.code == 0 && json["result"]["destroyed"] == true)
        || (already_ok && out.code == 4 && json["error"]["code"] == "SESSION_ALREADY_DESTROYED")
}

#[test]
fn destroy_racing_gc_or_destroy_reports_the_end() {
    let t = TestHome::new();
    for round in 0..20 {
        let id = t.bash();
        let destroy = t.spawn(&["destroy", &id, "--json"]);
        let gc = t.spawn(&["gc", "--json"]);
        let (destroy, gc) = (destroy.finish(), gc.finish());
        assert!(destroy_ok(&destroy, false), "round {round}, destroy racing gc:\n{}", describe(&destroy));
        assert_eq!(gc.code, 0, "round {round}:\n{}", describe(&gc));
    }
    for round in 0..20 {
        let id = t.bash();
        let first = t.spawn(&["destroy", &id, "--json"]);
        let second = t.spawn(&["destroy", &id, "--json"]);
        let (first, second) = (first.finish(), second.finish());
        for out in [&first, &second] {
            assert!(destroy_ok(out, true), "round {round}, destroy racing destroy:\n{}", describe(out));
        }
        assert!(first.code == 0 || second.code == 0, "round {round}: one of them destroyed it");
        assert_eq!(t.manifest(&id)["status"], "destroyed");
    }
}

/// A copied session folder, or a whole copied Home, carries the original's pids, id and
/// creation time. Acting on the copy (even `destroy --force`, `list`, `gc`) must never
/// signal or mark the original session.
#[test]
fn a_copied_session_or_home_never_reaches_the_original() {
    let t = TestHome::new();
    let id = t.bash();
    let manifest = t.manifest(&id);
    let (host, child) = (pid_of(&manifest, "hostPid"), pid_of(&manifest, "childPid"));
    let copy_dir = |from: &Path, to: &Path| {
        let status = Command::new("cp").arg("-a").arg(from).arg(to).status().unwrap();
        assert!(status.success(), "cp -a {} {}", from.display(), to.display());
    };

    // A folder copied under another id: refused, never acted on, not listed.
    let copy_id = "01COPYOFTHESESSION00000000";
    copy_dir(&t.session_dir(&id), &t.session_dir(copy_id));
    for args in [vec!["destroy", copy_id, "--force", "--json"], vec!["destroy", copy_id, "--json"]] {
        let error = t.at(&args).err("destroy", 8, "MANIFEST_VALIDATION_ERROR");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains("copy") && message.contains(&id), "{message}");
        assert_eq!(error["details"]["manifestSessionId"], id.as_str());
    }
    assert!(listed(&t, copy_id).is_none(), "a copied folder is not a session of its own");
    assert_eq!(listed(&t, &id).unwrap()["status"], "running");

    // A copied Home: the same ids, pids and marker, but another Home.
    let other = t.path("home-copy");
    copy_dir(&t.home, &other);
    let other = other.to_str().unwrap();
    let at_copy = |args: &[&str]| {
        let mut all = vec!["--home", other];
        all.extend_from_slice(args);
        t.run_with(&all, &[], None)
    };
    let copied = at_copy(&["list", "--all", "--json"]).ok("list");
    assert_eq!(copied["sessions"][0]["status"], "failed", "the copy's host is not the original's: {copied}");
    at_copy(&["destroy", &id, "--force", "--json"]).ok("destroy");
    at_copy(&["gc", "--json"]).ok("gc");

    assert!(!pid_gone(host) && !pid_gone(child), "the original session's processes were signalled");
    assert_eq!(t.manifest(&id)["status"], "running");
    t.run_cmd(&id, "echo still-$((40+2))");
    t.wait_output(&id, "still-42");
}
