//! Addressing sessions: a unique id prefix (any case) and the `--name` of a session work
//! wherever a session id is taken; an ambiguous prefix or name is `INVALID_INPUT`
//! listing the candidates; `SESSION_NOT_FOUND` names the Home it looked in (and another
//! registered Home holding a match); human `list` shows names. Also: `home list` counts
//! destroyed sessions, so it agrees with what `gc --dry-run` would collect.

use std::path::Path;

use serde_json::Value;

use crate::support::*;

/// A quiet program that ends on SIGHUP (plain `destroy`).
const SLEEP: [&str; 3] = ["sh", "-c", "exec sleep 30"];

/// The shortest prefix of `id` that no id in `others` starts with.
fn unique_prefix(id: &str, others: &[&str]) -> String {
    (1..=id.len()).map(|n| &id[..n]).find(|p| others.iter().all(|o| !o.starts_with(p))).unwrap().to_string()
}

/// The longest prefix that every id shares.
fn common_prefix(ids: &[&str]) -> String {
    let first = ids[0];
    let n = (0..first.len())
        .take_while(|&i| ids.iter().all(|id| id.as_bytes().get(i) == first.as_bytes().get(i)))
        .count();
    first[..n].to_string()
}

/// `type`, `send-keys`, `wait`, `snapshot`, `inspect`, `batch`, `record export`, `mark`
/// and `destroy` accept the name and a unique (lower-case) id prefix; results name the
/// full id.
#[test]
fn names_and_prefixes_address_every_command() {
    let t = TestHome::new();
    let other = t.bash_ready(&[]);
    let id = t.bash_ready(&["--name", "web"]);
    let prefix = unique_prefix(&id, &[&other]).to_lowercase();

    t.at(&["type", "web", "echo by-name", "--json"]).ok("type");
    t.at(&["send-keys", &prefix, "Enter", "--json"]).ok("send-keys");
    let waited = t.wait_render("web", &["--text", "by-name\n"]);
    assert_eq!(waited["matched"], Value::Bool(true));
    t.at(&["wait", &prefix, "--idle-ms", "50", "--timeout", "20000", "--json"]).ok("wait");

    let snapshot = t.snapshot(&prefix, &["--format", "text"]);
    assert_eq!(snapshot["sessionId"], id.as_str());
    assert!(snapshot["text"].as_str().unwrap().contains("by-name"), "{snapshot}");
    assert_eq!(t.at(&["inspect", "web", "--json"]).ok("inspect")["session"]["sessionId"], id.as_str());
    assert_eq!(t.at(&["inspect", &prefix, "--json"]).ok("inspect")["session"]["name"], "web");
    t.at(&["mark", "web", "named-mark", "--json"]).ok("mark");

    let plan = r#"[{"run":"echo batch-by-name"},{"wait":{"text":"batch-by-name\n"}}]"#;
    let batch = t.at(&["batch", "web", plan, "--json"]).ok("batch");
    assert_eq!(batch["completedCount"], 2, "{batch}");
    let plan =
        r#"[{"type":"echo batch-by-prefix"},{"sendKeys":["Enter"]},{"wait":{"text":"batch-by-prefix\n"}}]"#;
    assert_eq!(t.at(&["batch", &prefix, plan, "--json"]).ok("batch")["completedCount"], 3);

    let exported = t.at(&["record", "export", "web", "--format", "asciicast", "--json"]).ok("record export");
    assert_eq!(exported["sessionId"], id.as_str());

    let destroyed = t.at(&["destroy", &prefix, "--json"]).ok("destroy");
    assert_eq!(destroyed["sessionId"], id.as_str(), "destroy reports the full id");
    assert_eq!(t.manifest(&id)["status"], "destroyed");
    assert_eq!(t.manifest(&other)["status"], "running", "only the addressed session ended");
    // A destroyed session is still found by its name (for inspect, snapshot, export…).
    assert_eq!(t.at(&["inspect", "web", "--json"]).ok("inspect")["session"]["status"], "destroyed");
    let message = t.at(&["type", "web", "x"]).human_err(4, "SESSION_ALREADY_DESTROYED");
    assert_eq!(message, format!("Session \"{id}\" is already destroyed."));
}

/// A full id always wins (even over a session named like it), then a name, then a
/// prefix; a reused name means its only active session; two active sessions of one
/// name, or a prefix of several ids, are `INVALID_INPUT` listing every candidate.
#[test]
fn precedence_and_ambiguity() {
    let t = TestHome::new();
    let first = t.create(&["--name", "job"], &SLEEP)["sessionId"].as_str().unwrap().to_string();
    t.at(&["destroy", "job", "--json"]).ok("destroy");
    let second = t.create(&["--name", "job"], &SLEEP)["sessionId"].as_str().unwrap().to_string();
    let impostor = t.create(&["--name", &first], &SLEEP)["sessionId"].as_str().unwrap().to_string();

    let inspect = |who: &str| t.at(&["inspect", who, "--json"]).ok("inspect")["session"]["sessionId"].clone();
    assert_eq!(inspect("job"), second.as_str(), "the reused name means its active session");
    assert_eq!(inspect(&first), first.as_str(), "an exact id beats a name");

    // A name beats an id prefix: name a session after the other's prefix.
    let prefix_of_second = unique_prefix(&second, &[&first, &impostor]);
    let named_like_prefix =
        t.create(&["--name", &prefix_of_second], &SLEEP)["sessionId"].as_str().unwrap().to_string();
    assert_eq!(inspect(&prefix_of_second), named_like_prefix.as_str());

    // Two active sessions named "job": ambiguous, listing all three (the ended one too).
    let third = t.create(&["--name", "job"], &SLEEP)["sessionId"].as_str().unwrap().to_string();
    let error = t.at(&["send-keys", "job", "Enter", "--json"]).err("send-keys", 2, "INVALID_INPUT");
    assert_eq!(error["details"]["matchedBy"], "name");
    assert_eq!(error["details"]["sessionId"], "job");
    assert_eq!(error["details"]["home"], t.home_str());
    let candidates = error["details"]["candidates"].as_array().unwrap();
    let listed: Vec<(&str, &str)> = candidates
        .iter()
        .map(|c| (c["sessionId"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [(first.as_str(), "destroyed"), (second.as_str(), "running"), (third.as_str(), "running")]
    );
    for candidate in candidates {
        assert_keys(candidate, &["sessionId", "name", "status"]);
        assert_eq!(candidate["name"], "job");
    }
    let message = error["message"].as_str().unwrap();
    for id in [&first, &second, &third] {
        assert!(message.contains(id.as_str()), "{message}");
    }
    let human = t.at(&["snapshot", "job"]).human_err(2, "INVALID_INPUT");
    assert!(human.contains("3 sessions are named \"job\"") && human.contains(&third), "{human}");

    // A prefix of several ids.
    let ids =
        [first.as_str(), second.as_str(), impostor.as_str(), named_like_prefix.as_str(), third.as_str()];
    let shared = common_prefix(&ids);
    assert!(!shared.is_empty(), "ULIDs of one run share their leading time digits: {ids:?}");
    let error = t.at(&["inspect", &shared.to_lowercase(), "--json"]).err("inspect", 2, "INVALID_INPUT");
    assert_eq!(error["details"]["matchedBy"], "prefix");
    let found: Vec<&str> = error["details"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sessionId"].as_str().unwrap())
        .collect();
    let mut sorted = ids.to_vec();
    sorted.sort();
    assert_eq!(found, sorted);
    assert_eq!(error["details"]["candidates"][0]["name"], "job");

    // Nothing was sent anywhere by the refused commands.
    for id in [&second, &third] {
        assert!(!t.events_raw(id).contains("\"type\":\"input_"), "no input reached {id}");
    }
}

/// Not found: exit 3, the 0.5 JSON message, `details.home`; the human message names the
/// Home searched and, when another registered Home holds a match, that Home.
#[test]
fn not_found_names_the_home() {
    let t = TestHome::new();
    let id = t.create(&["--name", "api"], &SLEEP)["sessionId"].as_str().unwrap().to_string();
    let elsewhere = t.work.join("elsewhere");
    let elsewhere_str = elsewhere.to_str().unwrap();

    let error = t.at(&["inspect", "nope", "--json"]).err("inspect", 3, "SESSION_NOT_FOUND");
    assert_eq!(error["message"], "Session \"nope\" was not found.");
    assert_eq!(error["details"]["home"], t.home_str());
    let message = t.at(&["wait", "nope", "--exit"]).human_err(3, "SESSION_NOT_FOUND");
    assert_eq!(
        message,
        format!(
            "Session \"nope\" was not found in Home {} (looked for an id, an id prefix or a name). \
             Run `agent-tty list --all` to see its sessions, or pass --home <dir> for another Home.",
            t.home_str()
        )
    );

    // The agent forgot --home: the other Home is named, by name and by id prefix.
    for who in ["api", &id[..12]] {
        let out = t.raw(&["--home", elsewhere_str, "type", who, "x", "--json"]);
        let error = out.err("type", 3, "SESSION_NOT_FOUND");
        assert_eq!(error["message"], format!("Session \"{who}\" was not found."));
        assert_eq!(error["details"]["home"], elsewhere_str);
        assert_eq!(error["details"]["foundInHomes"], serde_json::json!([t.home_str()]));
        let message = t.raw(&["--home", elsewhere_str, "snapshot", who]).human_err(3, "SESSION_NOT_FOUND");
        assert!(message.contains(&format!("in Home {elsewhere_str} ")), "{message}");
        assert!(
            message.ends_with(&format!(
                "Home {} has a matching session: pass --home {}.",
                t.home_str(),
                t.home_str()
            )),
            "{message}"
        );
    }
    assert!(!elsewhere.exists(), "a lookup never creates the Home");

    // Ids that are not ids stay INVALID_SESSION_ID (no session has such a name).
    for bad in ["a/b", ".."] {
        t.at(&["inspect", bad, "--json"]).err("inspect", 2, "INVALID_SESSION_ID");
    }
}

/// Human `list` is a table with a NAME column; JSON keeps `name` only when set.
#[test]
fn human_list_shows_names() {
    let t = TestHome::new();
    let named = t.create(&["--name", "builder"], &SLEEP)["sessionId"].as_str().unwrap().to_string();
    let plain = t.create(&[], &SLEEP)["sessionId"].as_str().unwrap().to_string();
    let human = t.at(&["list"]).human_ok().to_string();
    let lines: Vec<&str> = human.lines().collect();
    assert_eq!(
        lines,
        [
            "ID                          NAME     STATUS   COMMAND".to_string(),
            format!("{named}  builder  running  sh -c exec sleep 30"),
            format!("{plain}  -        running  sh -c exec sleep 30"),
        ]
    );
    let listed = t.at(&["list", "--json"]).ok("list");
    assert_eq!(listed["sessions"][0]["name"], "builder");
    assert!(listed["sessions"][1].get("name").is_none());
}

/// After every session of a Home is destroyed (or lost its host), `home list --all`
/// still lists the Home with as many ended sessions as `gc --dry-run` would remove there
/// (0.5 said "No registered Homes"); default-scope `home list` says where they are.
/// After `gc`, both agree that nothing is left.
#[test]
fn home_list_agrees_with_gc_after_destroying_everything() {
    let t = TestHome::new();
    let cross = |args: &[&str]| t.run_with(args, &[("AGENT_TTY_HOME", None)], None);
    let home = t.home_str();
    for _ in 0..3 {
        let id = t.create(&[], &SLEEP)["sessionId"].as_str().unwrap().to_string();
        t.at(&["destroy", &id, "--json"]).ok("destroy");
    }
    let exited = t.create(&[], &["sh", "-c", "exit 0"])["sessionId"].as_str().unwrap().to_string();
    wait_until("the short session has exited", DEADLINE, || t.manifest(&exited)["status"] == "exited");
    // A session whose host died: still `running` on disk, but gc reconciles and removes it.
    let orphaned = t.create(&[], &SLEEP)["sessionId"].as_str().unwrap().to_string();
    let manifest = t.manifest(&orphaned);
    t.track_pid(pid_of(&manifest, "childPid"));
    let host = pid_of(&manifest, "hostPid");
    kill(host, libc::SIGKILL);
    wait_until("the killed host is gone", DEADLINE, || pid_gone(host));

    let listed = cross(&["home", "list", "--all", "--json"]).ok("home list");
    let rows = listed["homes"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{listed}");
    assert_eq!(
        (rows[0]["path"].as_str(), rows[0]["activeSessions"].as_u64()),
        (Some(home.as_str()), Some(0))
    );
    let total = rows[0]["totalSessions"].as_u64().unwrap();

    let dry = cross(&["gc", "--dry-run", "--json"]).ok("gc");
    let swept: Vec<&Value> =
        dry["homes"].as_array().unwrap().iter().filter(|h| h["home"] == home.as_str()).collect();
    assert_eq!(swept.len(), 1, "{dry}");
    assert_eq!(swept[0]["removedSessions"].as_array().unwrap().len() as u64, total, "{dry}");
    assert_eq!(total, 5);
    assert_eq!(t.manifest(&orphaned)["status"], "failed", "gc --dry-run reconciled the dead host");

    assert_eq!(
        cross(&["home", "list"]).human_ok(),
        "No Homes with active sessions; 1 registered Home holds ended sessions \
         (agent-tty home list --all lists it, agent-tty gc removes them).\n"
    );
    let human = cross(&["home", "list", "--all"]).human_ok().to_string();
    assert!(human.starts_with(&format!("{home}  0/5 active  last seen ")), "{human}");

    let collected = cross(&["gc", "--json"]).ok("gc");
    assert_eq!(collected["removedSessionCount"], 5, "{collected}");
    assert_eq!(collected["deregisteredHomes"], serde_json::json!([home]));
    assert_eq!(cross(&["home", "list", "--all", "--json"]).ok("home list")["homes"], serde_json::json!([]));
    assert!(Path::new(&home).is_dir(), "gc never deletes a Home");
}

/// `dashboard --session <name>` preselects the named session (not the newest one, the
/// default); a lower-case id prefix works too.
#[test]
fn dashboard_preselects_by_name_and_prefix() {
    let t = TestHome::new();
    let first = t.create(&["--name", "first"], &SLEEP)["sessionId"].as_str().unwrap().to_string();
    let newest = t.create(&["--name", "newest"], &SLEEP)["sessionId"].as_str().unwrap().to_string();
    let prefix = unique_prefix(&first, &[&newest]).to_lowercase();
    for who in ["first", prefix.as_str()] {
        let command = format!(
            "env AGENT_TTY_HOME='{}' '{BIN}' dashboard --session '{who}'; echo DASHBOARD-EXIT=$?; sleep 600",
            t.home_str()
        );
        let tmux = crate::tmux::Tmux::start(&t, &t.work, 120, 40, &command);
        let (selected, other) = (format!("▸ ● {first} first"), format!("  ● {newest} "));
        tmux.wait_for(&selected);
        let screen = tmux.lines().join("\n");
        assert!(screen.contains(&other), "{screen}");
        tmux.key("q");
        tmux.wait_for("DASHBOARD-EXIT=0");
    }
}
