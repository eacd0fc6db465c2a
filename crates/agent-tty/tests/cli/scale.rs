//! Many sessions at once.

use std::collections::BTreeSet;

use serde_json::json;

use crate::support::*;

/// 20 sessions created in parallel, each runs a command, each log is checked, `list`
/// shows all 20 running, then all are destroyed in parallel.
#[test]
fn twenty_sessions_in_parallel() {
    const N: usize = 20;
    let t = TestHome::new();
    let ids: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..N)
            .map(|i| {
                let t = &t;
                s.spawn(move || {
                    let id = t.bash();
                    let run = t.run_cmd(&id, &format!("echo sess-$((1000+{i}))"));
                    assert_eq!(run["timedOut"], false);
                    id
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), N, "every create got its own id");

    for (i, id) in ids.iter().enumerate() {
        let events = t.checked_events(id);
        let output = output_of(&events);
        assert!(output.contains(&format!("sess-{}\r\n", 1000 + i)), "session {i} output: {output:?}");
        for j in (0..N).filter(|&j| j != i) {
            assert!(
                !output.contains(&format!("sess-{}\r\n", 1000 + j)),
                "session {i} saw output of session {j}"
            );
        }
        assert_eq!(of_type(&events, "run_complete").len(), 1);
    }

    let listed = t.at(&["list", "--json"]).ok("list");
    let sessions = listed["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), N);
    let listed_ids: BTreeSet<&str> = sessions.iter().map(|s| s["sessionId"].as_str().unwrap()).collect();
    assert_eq!(listed_ids, ids.iter().map(String::as_str).collect());
    assert!(sessions.iter().all(|s| s["status"] == "running"));
    let mut sorted: Vec<&str> = sessions.iter().map(|s| s["sessionId"].as_str().unwrap()).collect();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        sessions.iter().map(|s| s["sessionId"].as_str().unwrap()).collect::<Vec<_>>(),
        "sorted by id"
    );

    std::thread::scope(|s| {
        for id in &ids {
            let t = &t;
            s.spawn(move || {
                assert_eq!(
                    t.at(&["destroy", id, "--json"]).ok("destroy"),
                    json!({"sessionId": id, "destroyed": true})
                );
            });
        }
    });
    assert_eq!(t.at(&["list", "--json"]).ok("list"), json!({"sessions": []}));
    let all = t.at(&["list", "--all", "--json"]).ok("list");
    assert!(all["sessions"].as_array().unwrap().iter().all(|s| s["status"] == "destroyed"));
    assert_eq!(all["sessions"].as_array().unwrap().len(), N);
}
