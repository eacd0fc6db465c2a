//! The Home Registry across several Homes: registration by `create` (also under
//! concurrency and with an unusable registry), `home list` (counts, scope, prune-on-read,
//! never reconciling), `home forget`, and `gc` (cross-Home vs explicit Home, dry run,
//! safety, `--older-than`, `--stale-only`, deregistration; in [`gc`]).
//!
//! Every test uses one `TestHome` (its own `HOME` and `XDG_STATE_HOME`) and several Homes
//! under its work directory; [`Homes`] force-destroys the sessions of all of them.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::*;

mod gc;

/// A quiet program that ends on SIGHUP (plain `destroy`) without any shell start-up.
const SLEEP: [&str; 3] = ["sh", "-c", "exec sleep 30"];

/// Like [`SLEEP`] but immune to SIGHUP, so it outlives a killed host (an orphan).
const STUBBORN: [&str; 3] = ["sh", "-c", "trap '' HUP; echo STUBBORN-READY; exec sleep 30"];

/// One test's Homes, sharing the `TestHome`'s registry.
struct Homes {
    t: TestHome,
}

impl Homes {
    fn new() -> Homes {
        Homes { t: TestHome::new() }
    }

    /// A Home under the work directory (not created).
    fn home(&self, name: &str) -> PathBuf {
        self.t.work.join("homes").join(name)
    }

    /// The default Home (`$HOME/.agent-tty` of the temporary user home).
    fn default_home(&self) -> PathBuf {
        self.t.user_home.join(".agent-tty")
    }

    /// `agent-tty --home <home> <args…>`.
    fn at(&self, home: &Path, args: &[&str]) -> Out {
        let mut full = vec!["--home", home.to_str().unwrap()];
        full.extend_from_slice(args);
        self.t.raw(&full)
    }

    /// `agent-tty <args…>` with neither `--home` nor `AGENT_TTY_HOME`: cross-Home mode.
    fn cross(&self, args: &[&str]) -> Out {
        self.t.run_with(args, &[("AGENT_TTY_HOME", None)], None)
    }

    /// Creates a `sleep` session in `home` and returns its id.
    fn create(&self, home: &Path) -> String {
        self.create_running(home, &SLEEP)
    }

    /// Creates a session of `argv` in `home` and returns its id.
    fn create_running(&self, home: &Path, argv: &[&str]) -> String {
        let mut args = vec!["create", "--json", "--"];
        args.extend_from_slice(argv);
        self.at(home, &args).ok("create")["sessionId"].as_str().unwrap().to_string()
    }

    /// A session that ends up `destroyed` (the program is gone, the directory stays).
    fn destroyed(&self, home: &Path) -> String {
        let id = self.create(home);
        self.at(home, &["destroy", &id, "--json"]).ok("destroy");
        id
    }

    /// A session whose program was killed: status `exited`.
    fn exited(&self, home: &Path) -> String {
        let id = self.create(home);
        self.at(home, &["signal", &id, "SIGKILL", "--json"]).ok("signal");
        wait_until("the session is exited", DEADLINE, || self.manifest(home, &id)["status"] == "exited");
        id
    }

    /// SIGKILLs the session's host (its program lives on until something reconciles).
    fn kill_host(&self, home: &Path, id: &str) {
        let manifest = self.manifest(home, id);
        self.t.track_pid(pid_of(&manifest, "childPid"));
        let host = pid_of(&manifest, "hostPid");
        kill(host, libc::SIGKILL);
        wait_until("the killed host is gone", DEADLINE, || pid_gone(host));
    }

    fn session_dir(&self, home: &Path, id: &str) -> PathBuf {
        home.join("sessions").join(id)
    }

    fn manifest_text(&self, home: &Path, id: &str) -> String {
        std::fs::read_to_string(self.session_dir(home, id).join("session.json")).unwrap()
    }

    fn manifest(&self, home: &Path, id: &str) -> Value {
        serde_json::from_str(&self.manifest_text(home, id)).unwrap()
    }

    fn registry_file(&self) -> PathBuf {
        self.t.state.join("agent-tty").join("homes.json")
    }

    /// The registry's bytes ("" when absent).
    fn registry_bytes(&self) -> String {
        std::fs::read_to_string(self.registry_file()).unwrap_or_default()
    }

    /// The registered paths, in file order.
    fn registered(&self) -> Vec<String> {
        let value: Value = serde_json::from_str(&self.registry_bytes()).expect("the registry is JSON");
        value["homes"].as_array().unwrap().iter().map(|h| h["path"].as_str().unwrap().to_string()).collect()
    }

    /// `(path, activeSessions, totalSessions)` of `home list [--all] --json`.
    fn listed(&self, all: bool) -> Vec<(String, u64, u64)> {
        let args: &[&str] =
            if all { &["home", "list", "--all", "--json"] } else { &["home", "list", "--json"] };
        let result = self.cross(args).ok("home list");
        assert_keys(&result, &["homes"]);
        let rows = result["homes"].as_array().unwrap();
        rows.iter()
            .map(|row| {
                assert_keys(row, &["path", "activeSessions", "totalSessions", "lastSeenAt"]);
                assert_iso(row["lastSeenAt"].as_str().unwrap());
                let count = |key: &str| row[key].as_u64().unwrap();
                (row["path"].as_str().unwrap().to_string(), count("activeSessions"), count("totalSessions"))
            })
            .collect()
    }
}

impl Drop for Homes {
    fn drop(&mut self) {
        let mut homes = vec![self.default_home()];
        if let Ok(entries) = std::fs::read_dir(self.t.work.join("homes")) {
            homes.extend(entries.flatten().map(|e| e.path()));
        }
        for home in homes {
            self.t.destroy_all_in(&home);
        }
    }
}

fn s(path: &Path) -> String {
    path.to_str().unwrap().to_string()
}

/// `create` registers the canonical Home in a 0600 `{version, homes}` file.
#[test]
fn create_registers_the_canonical_home() {
    let h = Homes::new();
    let real = h.home("real");
    std::fs::create_dir_all(&real).unwrap();
    let link = h.home("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    h.cross(&["home", "list", "--json"]).ok("home list");
    h.at(&link, &["gc", "--json"]).ok("gc");
    assert!(!h.registry_file().exists(), "only create registers a Home");

    h.create(&link);
    let text = h.registry_bytes();
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(text, format!("{}\n", serde_json::to_string_pretty(&value).unwrap()));
    assert_keys(&value, &["version", "homes"]);
    assert_eq!(value["version"], 1);
    assert_keys(&value["homes"][0], &["path", "lastSeenAt"]);
    assert_eq!(h.registered(), [s(&real)], "the entry is the canonical Home");
    assert_eq!(mode(&h.registry_file()), 0o600);
    assert_eq!(h.listed(false), [(s(&real), 1, 1)]);
}

/// 50 concurrent `create`s across 10 Homes: every Home ends up registered exactly once and
/// the registry stays valid JSON.
#[test]
fn concurrent_creates_register_every_home() {
    let h = Homes::new();
    let homes: Vec<PathBuf> = (0..10).map(|i| h.home(&format!("h{i}"))).collect();
    let created: Vec<(PathBuf, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..50)
            .map(|i| {
                let (h, home) = (&h, homes[i % 10].clone());
                scope.spawn(move || {
                    let id = h.create(&home);
                    (home, id)
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().unwrap()).collect()
    });
    let mut registered = h.registered();
    registered.sort();
    let mut expected: Vec<String> = homes.iter().map(|p| s(p)).collect();
    expected.sort();
    assert_eq!(registered, expected);
    let listed = h.listed(false);
    assert_eq!(listed.len(), 10);
    assert!(listed.iter().all(|(_, active, total)| (*active, *total) == (5, 5)), "{listed:?}");
    std::thread::scope(|scope| {
        for (home, id) in &created {
            let h = &h;
            scope.spawn(move || h.at(home, &["destroy", id, "--force", "--json"]).ok("destroy"));
        }
    });
}

/// A registry that cannot be read or written never fails `create`.
#[test]
fn unusable_registry_never_fails_create() {
    let h = Homes::new();
    let home = h.home("a");

    // homes.json is a directory: it stays exactly as it was
    std::fs::create_dir_all(h.registry_file()).unwrap();
    std::fs::write(h.registry_file().join("inside"), "keep").unwrap();
    let id = h.destroyed(&home);
    assert_eq!(tree(&h.t.state.join("agent-tty")), ["homes.json", "homes.json.lock", "homes.json/inside"]);
    assert_eq!(h.listed(true), [], "an unreadable registry lists nothing");
    let forget = h.cross(&["home", "forget", &s(&home), "--json"]).ok("home forget");
    assert_eq!(forget["forgotten"], false);
    let result = h.cross(&["gc", "--json"]).ok("gc");
    assert_eq!(result["homes"].as_array().unwrap().len(), 1, "only the default Home");
    assert!(h.session_dir(&home, &id).is_dir());
    std::fs::remove_dir_all(h.t.state.join("agent-tty")).unwrap();

    // the state directory lies under a regular file (fails even for root)
    let file = h.t.path("plain-file");
    std::fs::write(&file, "").unwrap();
    let state = format!("{}/x", s(&file));
    let env = [("XDG_STATE_HOME", Some(state.as_str())), ("AGENT_TTY_HOME", None)];
    let home_arg = s(&home);
    let create = ["--home", &home_arg, "create", "--json", "--", "sh", "-c", "exec sleep 30"];
    let other = h.t.run_with(&create, &env, None).ok("create")["sessionId"].as_str().unwrap().to_string();
    let listed = h.t.run_with(&["home", "list", "--json"], &env, None).ok("home list");
    assert_eq!(listed["homes"], serde_json::json!([]));
    let forget = h.t.run_with(&["home", "forget", &home_arg, "--json"], &env, None).ok("home forget");
    assert_eq!(forget["forgotten"], false);
    h.at(&home, &["destroy", &other, "--json"]).ok("destroy");

    // a read-only agent-tty directory (root writes anyway; either way create succeeds)
    let dir = h.t.state.join("agent-tty");
    std::fs::create_dir_all(&dir).unwrap();
    let _ = std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o500));
    h.destroyed(&home);
    let _ = std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700));
}

/// Garbage reads as empty; one bad entry drops only itself and the next create keeps the
/// good ones.
#[test]
fn garbage_and_partly_invalid_registry() {
    let h = Homes::new();
    let (a, b, c) = (h.home("a"), h.home("b"), h.home("c"));
    std::fs::create_dir_all(h.registry_file().parent().unwrap()).unwrap();
    std::fs::write(h.registry_file(), "not json {").unwrap();
    assert_eq!(h.listed(true), []);
    h.create(&a);
    assert_eq!(h.registered(), [s(&a)], "garbage is replaced by a valid registry");

    h.create(&b);
    let mut value: Value = serde_json::from_str(&h.registry_bytes()).unwrap();
    value["version"] = 7.into();
    value["future"] = true.into();
    let homes = value["homes"].as_array_mut().unwrap();
    homes.push(
        serde_json::json!({ "path": "/bad/extra-key", "lastSeenAt": "2026-01-01T00:00:00.000Z", "x": 1 }),
    );
    homes.push(serde_json::json!({ "path": "", "lastSeenAt": "2026-01-01T00:00:00.000Z" }));
    homes.push(serde_json::json!(42));
    std::fs::write(h.registry_file(), serde_json::to_string(&value).unwrap()).unwrap();
    assert_eq!(h.listed(true), [(s(&b), 1, 1), (s(&a), 1, 1)]);

    h.create(&c);
    assert_eq!(h.registered(), [s(&c), s(&b), s(&a)]);
    let value: Value = serde_json::from_str(&h.registry_bytes()).unwrap();
    assert_eq!(value["version"], 1);
}

/// `home list`: counts include destroyed sessions (what `gc` collects), the default
/// scope needs an active session, Homes without sessions (gone, `sessions/` gone) are
/// hidden, newest `lastSeenAt` first; the registry is never rewritten.
#[test]
fn home_list_counts_scopes_and_prunes() {
    let h = Homes::new();
    assert_eq!(h.cross(&["home", "list"]).human_ok(), "No registered Homes.\n");
    let [a, b, destroyed_only, gone, no_sessions] = ["a", "b", "c", "d", "e"].map(|n| h.home(n));
    h.destroyed(&destroyed_only);
    h.destroyed(&gone);
    std::fs::remove_dir_all(&gone).unwrap();
    h.destroyed(&no_sessions);
    std::fs::remove_dir_all(no_sessions.join("sessions")).unwrap();
    h.exited(&b);
    h.destroyed(&b);
    h.exited(&a);
    h.create(&a);
    std::fs::create_dir_all(a.join("sessions/doctor-leftover")).unwrap();

    let before = h.registry_bytes();
    assert_eq!(h.listed(false), [(s(&a), 1, 2)]);
    assert_eq!(h.listed(true), [(s(&a), 1, 2), (s(&b), 0, 2), (s(&destroyed_only), 0, 1)]);
    assert_eq!(h.registry_bytes(), before, "listing never rewrites the registry");
    assert_eq!(h.registered().len(), 5);

    let human = h.cross(&["home", "list", "--all"]).human_ok().to_string();
    let lines: Vec<&str> = human.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with(&format!("{}  1/2 active  last seen ", s(&a))), "{human}");
    assert!(lines[1].starts_with(&format!("{}  0/2 active  last seen ", s(&b))), "{human}");
    assert!(lines[2].starts_with(&format!("{}  0/1 active  last seen ", s(&destroyed_only))), "{human}");
    assert_iso(lines[1].rsplit(' ').next().unwrap());
}

/// `home list` reads without reconciling: a session whose host was SIGKILLed counts as
/// ended (as `gc`, which reconciles first, would find it), yet its manifest is untouched.
#[test]
fn home_list_never_reconciles() {
    let h = Homes::new();
    let a = h.home("a");
    let id = h.create(&a);
    assert_eq!(h.listed(false), [(s(&a), 1, 1)]);
    h.kill_host(&a, &id);
    let manifest = h.manifest_text(&a, &id);
    assert_eq!(h.listed(false), []);
    assert_eq!(h.listed(true), [(s(&a), 0, 1)]);
    assert_eq!(h.manifest_text(&a, &id), manifest, "session.json is unchanged");
    assert_eq!(h.manifest(&a, &id)["status"], "running");
}

/// `home forget`: normalises the path, exits 0 either way, writes nothing when absent,
/// never touches the Home; the Home returns on its next create.
#[test]
fn home_forget_round_trip() {
    let h = Homes::new();
    let (a, b) = (h.home("a"), h.home("b"));
    let id = h.destroyed(&a);
    h.destroyed(&b);

    let result = h.t.run_with(&["home", "forget", "a", "--json"], &[], Some(&h.home(""))).ok("home forget");
    assert_keys(&result, &["path", "forgotten"]);
    assert_eq!(
        (result["path"].as_str().unwrap(), &result["forgotten"]),
        (s(&a).as_str(), &Value::Bool(true))
    );
    assert_eq!(h.registered(), [s(&b)]);
    assert!(h.session_dir(&a, &id).is_dir(), "the Home is untouched");

    let before = h.registry_bytes();
    let result = h.cross(&["home", "forget", &format!("{}/x/../a/", s(&h.home("")))]).human_ok().to_string();
    assert_eq!(result, format!("Home not in registry: {}\n", s(&a)));
    let result = h.cross(&["home", "forget", "nope/./x", "--json"]).ok("home forget");
    assert_eq!(result["path"], format!("{}/nope/x", s(&h.t.work)));
    assert_eq!(result["forgotten"], false);
    assert_eq!(h.registry_bytes(), before, "nothing is written when the Home is absent");

    assert_eq!(h.cross(&["home", "forget", &s(&b)]).human_ok(), format!("Forgot Home: {}\n", s(&b)));
    h.destroyed(&a);
    assert_eq!(h.registered(), [s(&a)], "a forgotten Home re-registers on create");
}

/// Relative paths of everything under `dir`, sorted.
pub(super) fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).unwrap().flatten() {
            out.push(entry.path().strip_prefix(dir).unwrap().display().to_string());
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            }
        }
    }
    out.sort();
    out
}
