//! Destroy ends the whole session, background jobs included.

use crate::support::*;

/// Starts background jobs (plain, nohup, disowned) in a fresh bash session and returns
/// the session id and their pids.
fn session_with_jobs(t: &TestHome) -> (String, Vec<u32>) {
    let id = t.bash();
    let pids = t.path(&format!("pids-{id}"));
    let p = pids.display();
    t.run_cmd(
        &id,
        &format!(
            "sleep 1000 & echo $! > {p}; nohup sleep 1001 >/dev/null 2>&1 & echo $! >> {p}; \
             sleep 1002 & echo $! >> {p}; disown"
        ),
    );
    let pids: Vec<u32> =
        std::fs::read_to_string(&pids).unwrap().lines().map(|l| l.trim().parse().unwrap()).collect();
    assert_eq!(pids.len(), 3);
    for &pid in &pids {
        t.track_pid(pid);
        assert!(!pid_gone(pid), "background job {pid} is running before destroy");
    }
    (id, pids)
}

/// `destroy` kills background jobs of the session.
#[test]
fn destroy_kills_background_jobs() {
    let t = TestHome::new();
    let (id, pids) = session_with_jobs(&t);
    let shell = pid_of(&t.manifest(&id), "childPid");
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    wait_until("the shell and every background job are gone after destroy", DEADLINE, || {
        pid_gone(shell) && pids.iter().all(|&p| pid_gone(p))
    });
    assert_eq!(t.listed_status(&id).as_deref(), Some("destroyed"));
}

/// `destroy --force` kills them too.
#[test]
fn destroy_force_kills_background_jobs() {
    let t = TestHome::new();
    let (id, pids) = session_with_jobs(&t);
    t.at(&["destroy", &id, "--force", "--json"]).ok("destroy");
    wait_until("every background job is gone after destroy --force", DEADLINE, || {
        pids.iter().all(|&p| pid_gone(p))
    });
}
