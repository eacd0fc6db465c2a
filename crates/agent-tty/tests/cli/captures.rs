//! Captures stay O(1): an append copies the manifest's bytes and adds the entry's text,
//! and `inspect` counts from a summary beside it. Whatever the path, `manifest.json` is
//! the 0.5 file — pretty JSON with every entry, in capture order — and `inspect` reports
//! the same health as a full read, with a manifest written by someone else too.

use serde_json::{Value, json};

use crate::support::*;

fn manifest_text(t: &TestHome, id: &str) -> String {
    std::fs::read_to_string(t.session_dir(id).join("artifacts/manifest.json")).unwrap()
}

fn artifacts_health(t: &TestHome, id: &str) -> Value {
    t.at(&["inspect", id, "--json"]).ok("inspect")["artifacts"].clone()
}

#[test]
fn every_capture_is_in_the_pretty_manifest_and_counted() {
    let t = TestHome::new();
    let id = t.bash();
    for round in 0..3 {
        for extra in [&[][..], &["--format", "text"][..]] {
            let mut args = vec!["snapshot", &id, "--json"];
            args.extend_from_slice(extra);
            t.at(&args).ok("snapshot");
        }
        t.at(&["mark", &id, &format!("round {round}"), "--json"]).ok("mark");
    }
    let text = manifest_text(&t, &id);
    let manifest: Value = serde_json::from_str(&text).unwrap();
    let mut pretty = serde_json::to_string_pretty(&manifest).unwrap();
    pretty.push('\n');
    assert_eq!(text, pretty, "two-space pretty JSON and a newline, as 0.5 writes it");
    let entries = manifest["artifacts"].as_array().unwrap();
    assert_eq!(entries.len(), 6, "every capture is listed");
    let seqs: Vec<u64> = entries.iter().map(|e| e["capturedAtSeq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] <= w[1]), "in capture order: {seqs:?}");
    assert_eq!(
        artifacts_health(&t, &id),
        json!({ "total": 6, "byKind": { "snapshot": 6 }, "missingCount": 0, "health": "healthy" })
    );
    let gone = entries[2]["filename"].as_str().unwrap().to_string();
    std::fs::remove_file(t.session_dir(&id).join("artifacts").join(&gone)).unwrap();
    let report = artifacts_health(&t, &id);
    assert_eq!(report["health"], "missing-artifacts");
    assert_eq!(report["missingCount"], 1);
    assert_eq!(report["missing"][0]["filename"], gone.as_str());
}

/// A manifest rewritten by another writer (0.5, or by hand) is read whole again: its
/// entries are kept and counted, and later captures append after them.
#[test]
fn a_manifest_written_by_another_writer_is_kept_whole() {
    let t = TestHome::new();
    let id = t.bash();
    for _ in 0..2 {
        t.snapshot(&id, &[]);
    }
    let path = t.session_dir(&id).join("artifacts/manifest.json");
    let mut manifest: Value = serde_json::from_str(&manifest_text(&t, &id)).unwrap();
    let mut foreign = manifest["artifacts"][0].clone();
    foreign["id"] = json!("01KMBTV2G6M2X6R8Q1S9Y7Z3AB");
    foreign["kind"] = json!("recording");
    manifest["artifacts"].as_array_mut().unwrap().push(foreign);
    // The way 0.5 writes it: JSON.stringify(…, null, 2) + "\n", renamed into place.
    let staged = path.with_extension("json.tmp-foreign");
    std::fs::write(&staged, serde_json::to_string_pretty(&manifest).unwrap() + "\n").unwrap();
    std::fs::rename(&staged, &path).unwrap();
    let report = artifacts_health(&t, &id);
    assert_eq!(report["total"], 3);
    assert_eq!(report["byKind"], json!({ "recording": 1, "snapshot": 2 }));
    t.snapshot(&id, &[]);
    t.snapshot(&id, &[]);
    let after: Value = serde_json::from_str(&manifest_text(&t, &id)).unwrap();
    let kinds: Vec<&str> =
        after["artifacts"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["snapshot", "snapshot", "recording", "snapshot", "snapshot"]);
    assert_eq!(artifacts_health(&t, &id)["byKind"], json!({ "recording": 1, "snapshot": 4 }));
}
