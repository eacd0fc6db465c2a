//! Storage layout: file and directory modes, socket location, Home Registry, atomic writes.

use std::path::PathBuf;

use serde_json::json;

use crate::support::*;

/// Modes: Home 0700 (when created by agent-tty), session dir 0700, session.json and
/// events.jsonl 0600, socket 0600 in a 0700 directory at the spec's hashed path.
#[test]
fn file_modes_and_socket_path() {
    let t = TestHome::new();
    assert!(!t.home.exists());
    let id = t.bash();
    assert_eq!(mode(&t.home), 0o700, "Home created by agent-tty");
    let dir = t.session_dir(&id);
    assert_eq!(mode(&dir), 0o700, "session directory");
    assert_eq!(mode(&dir.join("session.json")), 0o600, "session.json");
    assert_eq!(mode(&dir.join("events.jsonl")), 0o600, "events.jsonl");

    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    let socket = PathBuf::from(inspected["host"]["rpcSocketPath"].as_str().unwrap());
    let expected = format!(
        "/tmp/agent-tty/{}/{}",
        &sha256_hex(t.home.to_str().unwrap().as_bytes())[..8],
        &sha256_hex(id.as_bytes())[..12]
    );
    assert_eq!(
        socket.to_str().unwrap(),
        expected,
        "socket path = /tmp/agent-tty/<sha256(home)[:8]>/<sha256(id)[:12]>"
    );
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&socket).unwrap().file_type().is_socket());
    assert_eq!(mode(&socket), 0o600, "socket");
    assert_eq!(mode(socket.parent().unwrap()), 0o700, "socket directory");

    // manifest writes are atomic: no temp files linger
    t.at(&["resize", &id, "--cols", "90", "--rows", "20", "--json"]).ok("resize");
    let host = pid_of(&t.manifest(&id), "hostPid");
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    wait_until("the host exited after destroy", DEADLINE, || pid_gone(host));
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp")), "temp files left behind: {names:?}");
    assert_eq!(mode(&dir.join("session.json")), 0o600, "session.json after rewrites");
    assert!(
        !socket.exists(),
        "the socket is removed when the host shuts down (status {})",
        t.manifest(&id)["status"]
    );
}

/// A pre-existing Home keeps its mode.
#[test]
fn existing_home_mode_is_kept() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestHome::new();
    std::fs::create_dir_all(&t.home).unwrap();
    std::fs::set_permissions(&t.home, std::fs::Permissions::from_mode(0o755)).unwrap();
    let id = t.bash();
    assert_eq!(mode(&t.home), 0o755, "an existing Home is never re-moded");
    assert_eq!(mode(&t.session_dir(&id)), 0o700);
}

/// The Home Registry lists the Home after `create` (0600, pretty JSON, newest first).
#[test]
fn home_registry() {
    let t = TestHome::new();
    let registry = t.state.join("agent-tty").join("homes.json");
    t.at(&["list", "--json"]).ok("list");
    assert!(!registry.exists(), "only create registers a Home");
    t.bash();
    let text = std::fs::read_to_string(&registry).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(text, format!("{}\n", serde_json::to_string_pretty(&value).unwrap()), "pretty JSON + newline");
    assert_eq!(value["version"], 1);
    let homes = value["homes"].as_array().unwrap();
    assert_eq!(homes.len(), 1);
    assert_keys(&homes[0], &["path", "lastSeenAt"]);
    assert_eq!(homes[0]["path"], t.home_str());
    assert_iso(homes[0]["lastSeenAt"].as_str().unwrap());
    assert_eq!(mode(&registry), 0o600);

    // a second Home registered later comes first; the first one is kept
    let second = t.path("second-home");
    let second_str = second.to_str().unwrap();
    let id = t.raw(&["--home", second_str, "create", "--json", "--", "sh"]).ok("create")["sessionId"]
        .as_str()
        .unwrap()
        .to_string();
    t.raw(&["--home", second_str, "destroy", &id, "--force", "--json"]).ok("destroy");
    let _ = std::fs::remove_file(socket_dir(&second).join(&sha256_hex(id.as_bytes())[..12]));
    let _ = std::fs::remove_dir(socket_dir(&second));
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&registry).unwrap()).unwrap();
    let paths: Vec<&str> =
        value["homes"].as_array().unwrap().iter().map(|h| h["path"].as_str().unwrap()).collect();
    assert_eq!(paths, [second_str, t.home.to_str().unwrap()]);

    // a relative XDG_STATE_HOME is ignored in favour of ~/.local/state
    let home = t.home_str();
    t.run_with(
        &["--home", &home, "create", "--json", "--", "sh"],
        &[("XDG_STATE_HOME", Some("relative/state"))],
        None,
    )
    .ok("create");
    let fallback = t.user_home.join(".local/state/agent-tty/homes.json");
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fallback).unwrap()).unwrap();
    assert_eq!(value["homes"][0]["path"], home);
    assert!(!t.work.join("relative").exists());
    assert_eq!(json!(t.at(&["list", "--json"]).ok("list")["sessions"].as_array().unwrap().len()), json!(2));
}

/// `destroy --force` leaves no socket file behind (the socket is unlinked whenever a
/// session becomes terminal). Several rounds, since the host may be killed at any point
/// of its own shutdown.
#[test]
fn force_destroy_removes_socket() {
    const ROUNDS: usize = 16;
    let t = TestHome::new();
    let stale: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..ROUNDS)
            .map(|_| {
                let t = &t;
                scope.spawn(move || {
                    let id = t.bash();
                    let socket = t.at(&["inspect", &id, "--json"]).ok("inspect")["host"]["rpcSocketPath"]
                        .as_str()
                        .unwrap()
                        .to_string();
                    let host = pid_of(&t.manifest(&id), "hostPid");
                    t.at(&["destroy", &id, "--force", "--json"]).ok("destroy");
                    wait_until("the host is dead", DEADLINE, || pid_gone(host));
                    let status = t.manifest(&id)["status"].as_str().unwrap().to_string();
                    std::path::Path::new(&socket)
                        .exists()
                        .then(|| format!("{socket} (session {id}, {status})"))
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().unwrap()).collect()
    });
    assert!(stale.is_empty(), "stale sockets after destroy --force: {stale:?}");
}
