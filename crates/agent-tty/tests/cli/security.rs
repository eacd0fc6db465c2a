//! The socket directory and the socket's peers against another local user: a squatted or
//! symlinked `<H8>`, a swap after `create`, a fake server and a foreign client, a second
//! user who gets a private socket directory of their own (`<root>-<uid>`, or a private
//! `XDG_RUNTIME_DIR` when that is squatted), the advice of each refusal, a loose root of
//! ours made safe, and the 0.5 formula kept where it is safe.
//!
//! The socket root is replaced with a private one (`AGENT_TTY_SOCKET_ROOT`), so the real
//! `/tmp/agent-tty` is never changed under parallel tests. Tests that need root (chown,
//! setuid) skip with a message without it; those that also drive `setpriv` or `python3`
//! fail naming the package when it is missing.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{BASH, BIN, DEADLINE, Out, TestHome, mode, require, sha256_hex, wait_until};

/// The other user of these tests (`nobody`).
const OTHER: u32 = 65534;

#[allow(unsafe_code)]
fn is_root(test: &str) -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        eprintln!("skipped {test}: needs root (to chown directories and act as uid {OTHER})");
    }
    root
}

fn chown(path: &Path, uid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(uid))
        .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn owner(path: &Path) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path).unwrap().uid()
}

/// A private socket root (owned by root, 0755) inside the test's work directory.
fn private_root(t: &TestHome) -> PathBuf {
    let root = t.path("sockroot");
    std::fs::create_dir(&root).unwrap();
    chmod(&root, 0o755);
    root
}

fn h8(t: &TestHome) -> String {
    sha256_hex(t.home.to_str().unwrap().as_bytes())[..8].to_string()
}

/// `agent-tty --home <home> <args…>` with the socket root `root`.
fn at_root(t: &TestHome, root: &Path, args: &[&str]) -> Out {
    at_root_xdg(t, root, None, args)
}

/// [`at_root`] with `XDG_RUNTIME_DIR` set to `xdg` (removed when `None`).
fn at_root_xdg(t: &TestHome, root: &Path, xdg: Option<&Path>, args: &[&str]) -> Out {
    let home = t.home_str();
    let mut full = vec!["--home", home.as_str()];
    full.extend_from_slice(args);
    let env = [
        ("AGENT_TTY_SOCKET_ROOT", Some(root.to_str().unwrap())),
        ("XDG_RUNTIME_DIR", xdg.map(|x| x.to_str().unwrap())),
    ];
    t.run_with(&full, &env, None)
}

fn create_bash(t: &TestHome, root: &Path) -> String {
    let mut args = vec!["create", "--json", "--"];
    args.extend_from_slice(&BASH);
    at_root(t, root, &args).ok("create")["sessionId"].as_str().unwrap().to_string()
}

/// The socket path the session's host reports.
/// A private socket root, a bash session whose host serves in it, and its socket.
fn bash_in_private_root(t: &TestHome) -> (PathBuf, String, PathBuf) {
    let root = private_root(t);
    let id = create_bash(t, &root);
    let socket = rpc_socket(t, &root, &id);
    (root, id, socket)
}

fn rpc_socket(t: &TestHome, root: &Path, id: &str) -> PathBuf {
    let inspect = at_root(t, root, &["inspect", id, "--json"]).ok("inspect");
    let socket = inspect["runtime"]["rpcSocketPath"].as_str().or_else(|| find_key(&inspect, "rpcSocketPath"));
    PathBuf::from(socket.unwrap_or_else(|| panic!("no rpcSocketPath in {inspect}")))
}

fn find_key<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    match value {
        Value::Object(map) => {
            map.get(key).and_then(Value::as_str).or_else(|| map.values().find_map(|v| find_key(v, key)))
        }
        _ => None,
    }
}

/// True when some input event of the session carries `needle`.
fn input_contains(t: &TestHome, id: &str, needle: &str) -> bool {
    t.events(id).iter().any(|e| e["type"] != "output" && e["payload"].to_string().contains(needle))
}

fn assert_create_refused(t: &TestHome, root: &Path, refused: &Path, owner_uid: u32, problem: &str) {
    // The program would leave a trace if it ever started: it must not.
    let trace = t.path("program-ran");
    let program = format!("echo ran > '{}'; exec sleep 30", trace.display());
    let args = ["create", "--json", "--", "sh", "-c", &program];
    let error = at_root(t, root, &args).err("create", 8, "STORAGE_WRITE_ERROR");
    assert!(!trace.exists(), "the program started although its socket directory was refused");
    let message = error["message"].as_str().unwrap();
    let shown = refused.display().to_string();
    assert!(message.contains(&shown), "message names the path {shown}: {message}");
    assert!(message.contains(&format!("uid {owner_uid}")), "message names the owner: {message}");
    assert!(message.contains(problem), "message says {problem:?}: {message}");
    assert!(message.contains("rm -rf"), "message says what to do: {message}");
    assert_eq!(error["details"]["path"], shown.as_str());
    assert_eq!(error["details"]["ownerUid"], owner_uid);
}

#[test]
fn squatted_h8_is_refused_and_never_chmoded() {
    if !is_root("squatted_h8_is_refused_and_never_chmoded") {
        return;
    }
    let t = TestHome::new();
    let root = private_root(&t);
    let squatted = root.join(h8(&t));
    std::fs::create_dir(&squatted).unwrap();
    chmod(&squatted, 0o755);
    chown(&squatted, OTHER);
    assert_create_refused(&t, &root, &squatted, OTHER, "owned by uid 65534");
    assert_eq!((mode(&squatted), owner(&squatted)), (0o755, OTHER), "the squatter's directory is untouched");
    assert_eq!(std::fs::read_dir(&squatted).unwrap().count(), 0, "nothing was put in it");
    assert!(!t.path("sockroot-0").exists(), "no silent fallback to a per-user directory");
}

#[test]
fn symlinked_h8_is_refused_and_its_target_keeps_its_mode() {
    if !is_root("symlinked_h8_is_refused_and_its_target_keeps_its_mode") {
        return;
    }
    // A folder of another user, and a root-owned 0755 folder (which 0.5 chmoded to 0700).
    for (target_owner, target_mode) in [(OTHER, 0o700), (0, 0o755)] {
        let t = TestHome::new();
        let root = private_root(&t);
        let target = t.path("target");
        std::fs::create_dir(&target).unwrap();
        chmod(&target, target_mode);
        chown(&target, target_owner);
        let link = root.join(h8(&t));
        std::os::unix::fs::symlink(&target, &link).unwrap();
        chown(&link, target_owner);
        assert_create_refused(&t, &root, &link, target_owner, "symbolic link");
        assert_eq!((mode(&target), owner(&target)), (target_mode, target_owner), "target untouched");
        assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0, "no socket in the target");
    }
}

#[test]
fn swapped_h8_after_create_receives_nothing() {
    if !is_root("swapped_h8_after_create_receives_nothing") {
        return;
    }
    let t = TestHome::new();
    let (root, id, socket) = bash_in_private_root(&t);
    let dir = root.join(h8(&t));
    assert_eq!(socket.parent(), Some(dir.as_path()));
    // Another user swaps the directory for one of theirs with a listener at the socket name.
    std::fs::rename(&dir, root.join("moved-away")).unwrap();
    std::fs::create_dir(&dir).unwrap();
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    listener.set_nonblocking(true).unwrap();
    chmod(&socket, 0o666);
    chmod(&dir, 0o755);
    chown(&socket, OTHER);
    chown(&dir, OTHER);

    let error =
        at_root(&t, &root, &["type", &id, "secret-swap", "--json"]).err("type", 6, "HOST_UNREACHABLE");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(&dir.display().to_string()) && message.contains("uid 65534"), "{message}");
    assert_eq!(error["details"]["ownerUid"], OTHER);
    assert_eq!(error["details"]["socketPath"], socket.to_str().unwrap());
    assert_eq!(error["details"]["method"], "type");
    assert!(
        listener.accept().is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock),
        "no connection was made"
    );
    assert!(!input_contains(&t, &id, "secret-swap"));

    // The real directory back in place: the session works again.
    drop(listener);
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::rename(root.join("moved-away"), &dir).unwrap();
    at_root(&t, &root, &["type", &id, "after-swap", "--json"]).ok("type");
    wait_until("the type after the swap is logged", DEADLINE, || input_contains(&t, &id, "after-swap"));
}

/// Runs `script` with python3 as root (it drops to uid 65534 itself); returns the child.
fn python(script: &str, args: &[&str]) -> std::process::Child {
    Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3")
}

/// Binds `argv[1]` as root, becomes uid 65534 before `listen` (SO_PEERCRED is taken then),
/// answers every connection with a forged `ok` and records what it received in `argv[2]`.
const FAKE_SERVER: &str = r#"
import os, socket, sys
path, record = sys.argv[1], sys.argv[2]
log = open(record, "a")
os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
os.chmod(path, 0o666)
os.setgroups([]); os.setgid(65534); os.setuid(65534)
s.listen(8)
log.write("ready\n"); log.flush()
while True:
    conn, _ = s.accept()
    conn.settimeout(20)
    try:
        conn.sendall(b'{"id":"forged","ok":true,"result":{}}\n')
    except OSError:
        pass
    data = b""
    try:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    log.write("conn %d %r\n" % (len(data), data)); log.flush()
    conn.close()
"#;

#[test]
fn fake_server_of_another_uid_is_refused() {
    let test = "fake_server_of_another_uid_is_refused";
    if !is_root(test) {
        return;
    }
    require("python3", "python3");
    let t = TestHome::new();
    let (root, id, socket) = bash_in_private_root(&t);
    let record = t.path("fake-server.log");
    let mut server = python(FAKE_SERVER, &[socket.to_str().unwrap(), record.to_str().unwrap()]);
    let read_record = || std::fs::read_to_string(&record).unwrap_or_default();
    wait_until("the fake server listens", DEADLINE, || read_record().contains("ready\n"));

    let error =
        at_root(&t, &root, &["type", &id, "secret-fake", "--json"]).err("type", 6, "HOST_UNREACHABLE");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("uid 65534"), "the message names the server's uid: {message}");
    assert_eq!(error["details"]["serverUid"], OTHER);
    assert_eq!(error["details"]["socketPath"], socket.to_str().unwrap());
    assert_eq!(error["details"]["method"], "type");
    wait_until("the fake server saw the connection end", DEADLINE, || read_record().contains("conn "));
    let _ = server.kill();
    let _ = server.wait();
    let seen = read_record();
    assert!(seen.contains("conn 0 b''"), "the fake server received nothing: {seen}");
    assert!(!seen.contains("secret-fake"));
}

/// Becomes uid 65534, sends a `type` request to `argv[1]` and prints what came back.
const FOREIGN_CLIENT: &str = r#"
import os, socket, sys
os.setgroups([]); os.setgid(65534); os.setuid(65534)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(20)
s.connect(sys.argv[1])
try:
    s.sendall(b'{"id":"r1","method":"type","params":{"text":"pwned-by-other"}}\n')
except OSError as e:
    print("send failed: %s" % e)
data = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
except OSError as e:
    print("recv failed: %s" % e)
print("reply %r" % data)
"#;

#[test]
fn host_refuses_a_client_of_another_uid() {
    let test = "host_refuses_a_client_of_another_uid";
    if !is_root(test) {
        return;
    }
    require("python3", "python3");
    let t = TestHome::new();
    let (root, id, socket) = bash_in_private_root(&t);
    // Loosen the modes so uid 65534 can reach the socket at all.
    let base = t.home.parent().unwrap().to_path_buf();
    for dir in [&base, &t.work] {
        chmod(dir, 0o711);
    }
    chmod(socket.parent().unwrap(), 0o711);
    chmod(&socket, 0o666);

    let out = python(FOREIGN_CLIENT, &[socket.to_str().unwrap()]).wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "client failed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    let reply = stdout.lines().find(|l| l.starts_with("reply ")).unwrap_or_default();
    assert!(
        reply == "reply b''" || (reply.contains("RPC_ERROR") && reply.contains("uid 65534")),
        "an error or a closed connection: {stdout}"
    );
    assert!(!reply.contains("\"ok\":true"), "{stdout}");
    // A request of ours after it is served; the foreign one never was.
    at_root(&t, &root, &["type", &id, "ours-after", "--json"]).ok("type");
    wait_until("our type is logged", DEADLINE, || input_contains(&t, &id, "ours-after"));
    assert!(!input_contains(&t, &id, "pwned-by-other"), "the foreign request was executed");
    assert!(!t.output_text(&id).contains("pwned-by-other"));
}

/// The second user's view of a TestHome: runs the binary as uid 65534.
struct OtherUser<'a> {
    t: &'a TestHome,
    bin: PathBuf,
    env: Vec<(String, Option<String>)>,
}

impl OtherUser<'_> {
    fn run(&self, args: &[&str]) -> Out {
        let mut cmd = Command::new("setpriv");
        cmd.args([format!("--reuid={OTHER}"), format!("--regid={OTHER}"), "--clear-groups".into()])
            .arg(&self.bin)
            .arg("--home")
            .arg(&self.t.home)
            .args(args)
            .current_dir(&self.t.work)
            .env("HOME", &self.t.user_home)
            .env("XDG_STATE_HOME", &self.t.state)
            .env("SHELL", "/bin/bash")
            .env_remove("AGENT_TTY_HOME")
            .stdin(Stdio::null());
        for (name, value) in &self.env {
            match value {
                Some(v) => cmd.env(name, v),
                None => cmd.env_remove(name),
            };
        }
        let out = cmd.output().expect("setpriv");
        Out {
            args: args.iter().map(|s| s.to_string()).collect(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// uid 65534 uses agent-tty while it may not use the socket root (a third user's, or
/// root's and not writable): it gets a private directory, `<root>-65534/<H8>` (also with
/// a private `XDG_RUNTIME_DIR`), or `$XDG_RUNTIME_DIR/agent-tty/<H8>` when a third user
/// squatted `<root>-65534`; recorded in `socket-path`, and every CLI call finds it.
fn second_user_round_trip(test: &str, with_xdg: bool, squat_per_user: bool, root_owner: u32, root_mode: u32) {
    if !is_root(test) {
        return;
    }
    require("setpriv", "util-linux");
    let t = TestHome::new();
    let base = t.home.parent().unwrap().to_path_buf();
    for dir in [&base, &t.state, &t.user_home, &t.work] {
        chown(dir, OTHER);
    }
    // The binary, where uid 65534 can run it.
    let can_run = Command::new("setpriv")
        .args([format!("--reuid={OTHER}"), format!("--regid={OTHER}"), "--clear-groups".into()])
        .args([BIN, "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let bin = if can_run {
        PathBuf::from(BIN)
    } else {
        let copy = base.join("agent-tty");
        std::fs::copy(BIN, &copy).unwrap();
        chmod(&copy, 0o755);
        copy
    };
    let root = base.join("sockroot");
    std::fs::create_dir(&root).unwrap();
    chmod(&root, root_mode);
    chown(&root, root_owner);
    let xdg = base.join("xdg");
    std::fs::create_dir(&xdg).unwrap();
    chmod(&xdg, 0o700);
    chown(&xdg, OTHER);
    let xdg_value = with_xdg.then(|| xdg.to_str().unwrap().to_string());
    let per_user_root = base.join(format!("sockroot-{OTHER}"));
    if squat_per_user {
        std::fs::create_dir(&per_user_root).unwrap();
        chmod(&per_user_root, 0o755);
        chown(&per_user_root, OTHER - 1);
    }
    let user = OtherUser {
        t: &t,
        bin,
        env: vec![
            ("AGENT_TTY_SOCKET_ROOT".into(), Some(root.to_str().unwrap().into())),
            ("XDG_RUNTIME_DIR".into(), xdg_value),
        ],
    };
    let mut create = vec!["create", "--json", "--"];
    create.extend_from_slice(&BASH);
    let id = user.run(&create).ok("create")["sessionId"].as_str().unwrap().to_string();
    let expected_dir =
        if squat_per_user { xdg.join("agent-tty").join(h8(&t)) } else { per_user_root.join(h8(&t)) };
    let recorded = std::fs::read_to_string(t.session_dir(&id).join("socket-path")).unwrap();
    let socket = PathBuf::from(recorded.trim_end());
    assert_eq!(socket.parent(), Some(expected_dir.as_path()), "recorded {recorded:?}");
    assert_eq!(mode(&t.session_dir(&id).join("socket-path")), 0o600);
    assert_eq!((mode(&expected_dir), owner(&expected_dir)), (0o700, OTHER));
    assert!(socket.exists(), "the socket is at the recorded path");
    assert!(!root.join(h8(&t)).exists(), "nothing in the other user's root");
    if squat_per_user {
        assert_eq!(std::fs::read_dir(&per_user_root).unwrap().count(), 0, "nothing in the squatted root");
    } else {
        assert!(!xdg.join("agent-tty").exists(), "XDG_RUNTIME_DIR is not used while <root>-<uid> is safe");
    }

    user.run(&["type", &id, "echo second-$((6*7))\n", "--json"]).ok("type");
    t.wait_output(&id, "second-42");
    let snapshot = user.run(&["snapshot", &id, "--format", "text", "--json"]).ok("snapshot");
    assert!(snapshot.to_string().contains("second-42"), "{snapshot}");
    let inspect = user.run(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(find_key(&inspect, "rpcSocketPath"), socket.to_str());
    user.run(&["destroy", &id, "--json"]).ok("destroy");
    assert!(!socket.exists(), "destroy unlinked the recorded socket");
}

#[test]
fn second_user_gets_a_private_dir_under_xdg_runtime_dir() {
    // Only because a third user squatted `<root>-65534`.
    second_user_round_trip(
        "second_user_gets_a_private_dir_under_xdg_runtime_dir",
        true,
        true,
        OTHER - 1,
        0o700,
    );
}

#[test]
fn second_user_gets_a_per_user_dir_next_to_the_root() {
    // Also with a private XDG_RUNTIME_DIR: systemd removes that at the last logout.
    second_user_round_trip("second_user_gets_a_per_user_dir_next_to_the_root", true, false, OTHER - 1, 0o700);
}

#[test]
fn second_user_falls_back_when_it_may_not_create_h8_in_roots_root() {
    second_user_round_trip(
        "second_user_falls_back_when_it_may_not_create_h8_in_roots_root",
        false,
        false,
        0,
        0o755,
    );
}

#[test]
fn squatted_per_user_root_without_xdg_is_refused_with_advice() {
    if !is_root("squatted_per_user_root_without_xdg_is_refused_with_advice") {
        return;
    }
    let t = TestHome::new();
    // The shared root belongs to another user; `<root>-0` is squatted by a third.
    let root = t.path("sockroot");
    std::fs::create_dir(&root).unwrap();
    chmod(&root, 0o700);
    chown(&root, OTHER - 1);
    let per_user = t.path("sockroot-0");
    std::fs::create_dir(&per_user).unwrap();
    chmod(&per_user, 0o755);
    chown(&per_user, OTHER);
    // A loose XDG_RUNTIME_DIR is no way out either.
    let xdg = t.path("xdg");
    std::fs::create_dir(&xdg).unwrap();
    chmod(&xdg, 0o755);
    for xdg in [None, Some(xdg.as_path())] {
        let mut args = vec!["create", "--json", "--"];
        args.extend_from_slice(&BASH);
        let error = at_root_xdg(&t, &root, xdg, &args).err("create", 8, "STORAGE_WRITE_ERROR");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains(&per_user.display().to_string()) && message.contains("uid 65534"),
            "{message}"
        );
        assert!(message.contains("intercept") && message.contains("rm -rf"), "{message}");
        assert!(message.contains("XDG_RUNTIME_DIR"), "the remedy for the per-user root: {message}");
        assert!(!message.contains("another Home"), "another Home maps to the same root: {message}");
        assert_eq!(error["details"]["ownerUid"], OTHER);
        assert_eq!(error["details"]["path"], per_user.to_str().unwrap());
    }
    assert_eq!(std::fs::read_dir(&per_user).unwrap().count(), 0, "nothing in the squatted root");
}

#[test]
fn root_on_another_users_home_is_told_to_run_as_that_user() {
    if !is_root("root_on_another_users_home_is_told_to_run_as_that_user") {
        return;
    }
    // The Home and its <H8> (made by its owner's hosts) belong to uid 65534.
    let t = TestHome::new();
    let root = private_root(&t);
    std::fs::create_dir(&t.home).unwrap();
    chown(&t.home, OTHER);
    let h8_dir = root.join(h8(&t));
    std::fs::create_dir(&h8_dir).unwrap();
    chmod(&h8_dir, 0o700);
    chown(&h8_dir, OTHER);
    let mut args = vec!["create", "--json", "--"];
    args.extend_from_slice(&BASH);
    let error = at_root(&t, &root, &args).err("create", 8, "STORAGE_WRITE_ERROR");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(&h8_dir.display().to_string()), "{message}");
    assert!(message.contains("run agent-tty as uid 65534"), "{message}");
    assert!(!message.contains("rm -rf"), "no removal of the owner's live directory: {message}");
    assert_eq!(error["details"]["ownerUid"], OTHER);
    assert_eq!((mode(&h8_dir), owner(&h8_dir)), (0o700, OTHER), "untouched");
}

#[test]
fn own_socket_dir_made_loose_is_refused_with_chmod_advice() {
    let t = TestHome::new();
    let (root, id, socket) = bash_in_private_root(&t);
    let dir = socket.parent().unwrap().to_path_buf();
    chmod(&dir, 0o777);
    let error = at_root(&t, &root, &["type", &id, "loose-dir", "--json"]).err("type", 6, "HOST_UNREACHABLE");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(&format!("chmod 700 {}", dir.display())), "{message}");
    assert!(!message.contains("rm -rf"), "removing it would cut off the live host: {message}");
    assert!(socket.exists(), "the live host's socket is still there");
    assert!(!input_contains(&t, &id, "loose-dir"));
    // Following the advice brings the session back.
    chmod(&dir, 0o700);
    at_root(&t, &root, &["type", &id, "tight-again", "--json"]).ok("type");
    wait_until("the type after chmod is logged", DEADLINE, || input_contains(&t, &id, "tight-again"));
}

#[test]
#[allow(unsafe_code)]
fn own_loose_socket_root_is_tightened() {
    // A root of ours that others may write to without the sticky bit (umask 0).
    let t = TestHome::new();
    let root = t.path("sockroot");
    std::fs::create_dir(&root).unwrap();
    chmod(&root, 0o777);
    let id = create_bash(&t, &root);
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    // Root keeps sharing it, like /tmp (sticky); anyone else closes it to others.
    assert_eq!(mode(&root), if me == 0 { 0o1777 } else { 0o755 });
    assert_eq!(rpc_socket(&t, &root, &id).parent(), Some(root.join(h8(&t)).as_path()));
}

#[test]
#[allow(unsafe_code)]
fn safe_formula_path_is_kept_and_not_recorded() {
    // A private root shaped like a root-made /tmp/agent-tty (01777): the 0.5 formula
    // under it is used, and not recorded.
    let t = TestHome::new();
    let root = t.path("sockroot");
    std::fs::create_dir(&root).unwrap();
    chmod(&root, 0o1777);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        chown(&root, 0);
    }
    let id = create_bash(&t, &root);
    let formula = root.join(h8(&t)).join(&sha256_hex(id.as_bytes())[..12]);
    assert_eq!(rpc_socket(&t, &root, &id), formula);
    assert!(!t.session_dir(&id).join("socket-path").exists(), "the 0.5 formula is not recorded");
    assert_eq!(mode(formula.parent().unwrap()), 0o700);
    assert_eq!(mode(&formula), 0o600);
    at_root(&t, &root, &["type", &id, "echo formula-ok\n", "--json"]).ok("type");
    t.wait_output(&id, "formula-ok");
}
