//! `gc` across several Homes: cross-Home vs explicit Home, `--dry-run`, safety (live
//! sessions, manifest-less directories, Home directories), `--older-than`, `--stale-only`
//! and deregistration.

use serde_json::Value;

use super::{Homes, STUBBORN, s, tree};
use crate::support::*;

/// Cross-Home `gc` sweeps the default Home then every registered Home and deregisters
/// emptied ones; `gc` with an explicit Home sweeps only it and leaves the registry alone.
#[test]
fn gc_cross_home_and_scoped() {
    let h = Homes::new();
    let (a, b) = (h.home("a"), h.home("b"));
    let default_home = h.default_home();
    let create = ["create", "--json", "--", "sh", "-c", "exec sleep 30"];
    let in_default = h.cross(&create).ok("create")["sessionId"].as_str().unwrap().to_string();
    h.cross(&["destroy", &in_default, "--json"]).ok("destroy");
    let b_done = h.destroyed(&b);
    std::fs::write(b.join("sessions/.DS_Store"), "").unwrap();
    let a_done = h.destroyed(&a);
    let a_live = h.create(&a);
    assert_eq!(h.registered(), [s(&a), s(&b), s(&default_home)]);

    // explicit Home: only it, registry untouched even though it is now empty
    let registry = h.registry_bytes();
    let result = h.at(&b, &["gc", "--json"]).ok("gc");
    assert_keys(&result, &["dryRun", "homes", "removedSessionCount", "totalBytesFreed", "deregisteredHomes"]);
    assert_eq!(result["homes"].as_array().unwrap().len(), 1);
    let home = &result["homes"][0];
    assert_keys(
        home,
        &["home", "existed", "removedSessions", "skippedSessions", "totalBytesFreed", "deregistered"],
    );
    assert_eq!(
        (home["home"].as_str().unwrap(), &home["removedSessions"]),
        (s(&b).as_str(), &serde_json::json!([b_done]))
    );
    assert_eq!((&home["existed"], &home["deregistered"]), (&Value::Bool(true), &Value::Bool(false)));
    assert_eq!(h.registry_bytes(), registry, "an explicit Home never touches the registry");
    let via_env = h.t.run_with(&["gc", "--json"], &[("AGENT_TTY_HOME", Some(&s(&a)))], None).ok("gc");
    assert_eq!(via_env["homes"].as_array().unwrap().len(), 1, "AGENT_TTY_HOME is explicit too");
    assert_eq!(via_env["homes"][0]["removedSessions"], serde_json::json!([a_done]));

    // cross-Home
    let in_default_again = h.cross(&create).ok("create")["sessionId"].as_str().unwrap().to_string();
    h.cross(&["destroy", &in_default_again, "--json"]).ok("destroy");
    let result = h.cross(&["gc", "--json"]).ok("gc");
    let homes: Vec<(String, bool, bool)> = result["homes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["home"].as_str().unwrap().to_string(), o["existed"] == true, o["deregistered"] == true))
        .collect();
    assert_eq!(homes, [(s(&default_home), true, true), (s(&a), true, false), (s(&b), true, true)]);
    let mut removed: Vec<&str> = result["homes"][0]["removedSessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    removed.sort();
    let mut expected = [in_default.as_str(), in_default_again.as_str()];
    expected.sort();
    assert_eq!(removed, expected);
    let skipped = &result["homes"][1]["skippedSessions"];
    assert_keys(&skipped[0], &["sessionId", "reason"]);
    assert_eq!(
        skipped,
        &serde_json::json!([{ "sessionId": a_live, "reason": "session host is still alive" }])
    );
    assert_eq!(result["removedSessionCount"], 2);
    assert_eq!(result["deregisteredHomes"], serde_json::json!([s(&default_home), s(&b)]));
    assert_eq!(h.registered(), [s(&a)]);
    for home in [&default_home, &a, &b] {
        assert!(home.join("sessions").is_dir(), "a Home directory is never deleted");
    }
    assert!(h.session_dir(&a, &a_live).join("session.json").is_file());
}

/// `--dry-run` reports removals and deregistrations but changes nothing on disk or in
/// the registry; the real run then frees exactly the reported bytes.
#[test]
fn gc_dry_run_changes_nothing() {
    let h = Homes::new();
    let (a, gone) = (h.home("a"), h.home("gone"));
    h.destroyed(&gone);
    std::fs::remove_dir_all(&gone).unwrap();
    let id = h.destroyed(&a);
    let registry = h.registry_bytes();
    let files = tree(&a);

    let result = h.cross(&["gc", "--dry-run", "--json"]).ok("gc");
    assert_eq!(result["dryRun"], true);
    let bytes = result["totalBytesFreed"].as_u64().unwrap();
    assert!(bytes > 0);
    assert_eq!(result["homes"][1]["removedSessions"], serde_json::json!([id]));
    assert_eq!(result["homes"][1]["totalBytesFreed"], bytes);
    assert_eq!(
        (&result["homes"][2]["home"], &result["homes"][2]["existed"]),
        (&s(&gone).into(), &false.into())
    );
    assert_eq!(result["deregisteredHomes"], serde_json::json!([s(&gone)]));
    assert_eq!(h.registry_bytes(), registry, "a dry run deregisters nothing");
    assert_eq!(tree(&a), files, "a dry run deletes nothing");

    let human = h.cross(&["gc", "--dry-run"]).human_ok().to_string();
    let expected = format!(
        "Would remove 1 session(s) across 3 home(s).\nEstimated bytes reclaimable: {bytes}\n{}:\n  - removed {id}\n{}:\n  - would deregister (no sessions left)\n",
        s(&a),
        s(&gone)
    );
    assert_eq!(human, expected);

    let human = h.cross(&["gc"]).human_ok().to_string();
    assert!(
        human.starts_with(&format!(
            "Removed 1 session(s) across 3 home(s).\nEstimated bytes freed: {bytes}\n"
        ))
    );
    assert!(human.contains("  - deregistered (no sessions left)\n"), "{human}");
    assert!(!h.session_dir(&a, &id).exists());
    assert_eq!(
        h.cross(&["gc"]).human_ok(),
        "Removed 0 session(s) across 1 home(s).\nEstimated bytes freed: 0\nNothing to collect.\n"
    );
}

/// `gc` leaves running sessions, manifest-less directories, stray files and the Home
/// itself alone, and never creates a missing Home.
#[test]
fn gc_never_touches_live_sessions_or_homes() {
    let h = Homes::new();
    let a = h.home("a");
    let live = h.create(&a);
    let child = pid_of(&h.manifest(&a, &live), "childPid");
    std::fs::create_dir_all(a.join("sessions/doctor-x")).unwrap();
    std::fs::write(a.join("sessions/stray"), "").unwrap();
    let result = h.at(&a, &["gc", "--json"]).ok("gc");
    let mut skipped: Vec<(String, String)> = result["homes"][0]["skippedSessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["sessionId"].as_str().unwrap().to_string(), s["reason"].as_str().unwrap().to_string()))
        .collect();
    skipped.sort();
    let expected = [
        (live.clone(), "session host is still alive"),
        ("doctor-x".to_string(), "session manifest is missing"),
        ("stray".to_string(), "entry is not a session directory"),
    ];
    assert_eq!(skipped, expected.map(|(id, r)| (id, r.to_string())));
    assert_eq!(result["removedSessionCount"], 0);
    assert!(!pid_gone(child), "the program still runs");
    assert_eq!(h.manifest(&a, &live)["status"], "running");
    assert!(a.join("sessions/doctor-x").is_dir() && a.join("sessions/stray").is_file());

    let missing = h.home("missing");
    let human = h.at(&missing, &["gc"]).human_ok().to_string();
    assert_eq!(
        human,
        "Removed 0 session(s) across 1 home(s).\nEstimated bytes freed: 0\nNothing to collect.\n"
    );
    let result = h.at(&missing, &["gc", "--json"]).ok("gc");
    assert_eq!(result["homes"][0]["existed"], false);
    assert!(!missing.exists(), "gc never creates a Home");

    // an unreadable sessions/ aborts gc (explicit and cross-Home alike)
    let broken = h.home("broken");
    h.destroyed(&broken);
    std::fs::rename(broken.join("sessions"), broken.join("moved")).unwrap();
    std::fs::write(broken.join("sessions"), "").unwrap();
    h.at(&broken, &["gc", "--json"]).err("gc", 8, "STORAGE_READ_ERROR");
    h.cross(&["gc", "--json"]).err("gc", 8, "STORAGE_READ_ERROR");
    std::fs::remove_file(broken.join("sessions")).unwrap();
}

/// `--older-than`: validation, and filtering on `createdAt`.
#[test]
fn gc_older_than() {
    let h = Homes::new();
    let a = h.home("a");
    let forms = "use a duration such as 30m, 24h, 7d, 90s or 1h30m.";
    for (bad, problem) in [
        ("0m", "it must be more than 0; "),
        ("5", "a unit is required; "),
        ("1.5", "a unit is required; "),
        ("-1h", ""),
        ("", ""),
        ("abc", ""),
        ("1 h", ""),
        ("5sec", ""),
    ] {
        let error = h.at(&a, &["gc", "--older-than", bad, "--json"]).err("gc", 2, "INVALID_DURATION");
        assert_eq!(error["message"], format!("Invalid --older-than \"{bad}\": {problem}{forms}"));
        assert_eq!(
            error["details"],
            serde_json::json!({
                "value": bad,
                "expectedFormat": "positive duration with a unit (ms, s, m, h or d), e.g. 30m, 24h, 7d, 90s, 1.5h, 1h30m"
            })
        );
    }
    let message = h.at(&a, &["gc", "--older-than", "7x"]).human_err(2, "INVALID_DURATION");
    assert_eq!(message, format!("Invalid --older-than \"7x\": {forms}"));

    let id = h.destroyed(&a);
    let result = h.at(&a, &["gc", "--older-than", " 1m ", "--json"]).ok("gc");
    let reason = "session is newer than the requested age threshold";
    assert_eq!(
        result["homes"][0]["skippedSessions"],
        serde_json::json!([{ "sessionId": id, "reason": reason }])
    );
    assert!(h.session_dir(&a, &id).is_dir());

    let mut manifest = h.manifest(&a, &id);
    if let Some(host) = manifest["hostPid"].as_u64() {
        wait_until("the host is gone", DEADLINE, || pid_gone(host as u32));
        manifest = h.manifest(&a, &id);
    }
    let two_hours_ago = iso_hours_ago(2);
    manifest["createdAt"] = two_hours_ago.into();
    let text = format!("{}\n", serde_json::to_string_pretty(&manifest).unwrap());
    std::fs::write(h.session_dir(&a, &id).join("session.json"), text).unwrap();
    // 0.5's forms and the other durations with a unit
    for older in ["3h", "1d", "2.5h", "2h30m", "9000s"] {
        let result = h.at(&a, &["gc", "--older-than", older, "--json"]).ok("gc");
        assert_eq!(result["homes"][0]["skippedSessions"][0]["reason"], reason, "{older}");
    }
    let result = h.at(&a, &["gc", "--older-than", "1h30m", "--json"]).ok("gc");
    assert_eq!(result["homes"][0]["removedSessions"], serde_json::json!([id]));
    assert!(!h.session_dir(&a, &id).exists());
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of `hours` ago, computed with `date`.
fn iso_hours_ago(hours: u32) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("{hours} hours ago"), "+%Y-%m-%dT%H:%M:%S.000Z"])
        .output()
        .unwrap();
    let stamp = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_iso(&stamp);
    stamp
}

/// `--stale-only` removes only sessions this very run found dead (and kills their
/// orphaned program); a dry run reconciles too.
#[test]
fn gc_stale_only() {
    let h = Homes::new();
    let a = h.home("a");
    let done = h.destroyed(&a);
    let live = h.create(&a);
    let stale = h.create_running(&a, &STUBBORN);
    // Until the program has set its trap, a hang-up would still end it.
    h.at(&a, &["wait", &stale, "--text", "STUBBORN-READY", "--timeout", "10000", "--json"]).ok("wait");
    let orphan = pid_of(&h.manifest(&a, &stale), "childPid");
    h.kill_host(&a, &stale);
    assert!(!pid_gone(orphan), "the program outlives its host");

    let result = h.at(&a, &["gc", "--stale-only", "--json"]).ok("gc");
    let home = &result["homes"][0];
    assert_eq!(home["removedSessions"], serde_json::json!([stale]));
    let mut skipped: Vec<(String, String)> = home["skippedSessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["sessionId"].as_str().unwrap().to_string(), s["reason"].as_str().unwrap().to_string()))
        .collect();
    skipped.sort();
    let mut expected = vec![
        (done.clone(), "session is not stale".to_string()),
        (live, "session host is still alive".to_string()),
    ];
    expected.sort();
    assert_eq!(skipped, expected);
    assert!(!h.session_dir(&a, &stale).exists() && h.session_dir(&a, &done).is_dir());
    wait_until("gc killed the orphaned program", DEADLINE, || pid_gone(orphan));

    // a dry run reconciles: the dead host's session becomes failed but stays
    let again = h.create(&a);
    h.kill_host(&a, &again);
    let result = h.at(&a, &["gc", "--stale-only", "--dry-run", "--json"]).ok("gc");
    assert_eq!(result["homes"][0]["removedSessions"], serde_json::json!([again]));
    assert_eq!(h.manifest(&a, &again)["status"], "failed");
    let result = h.at(&a, &["gc", "--stale-only", "--json"]).ok("gc");
    assert_eq!(result["removedSessionCount"], 0, "already reconciled: no longer stale");
}
