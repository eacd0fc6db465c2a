//! Where in a session's history the screen had a given Screen Hash (`diff --from-hash`,
//! `snapshot --since-hash`): first the snapshots already captured (their artifacts name
//! the seq and the hash), then a scan of the event log that hashes the screen after each
//! change.

use std::path::Path;

use agent_tty_vt::Screen;

use crate::error::{Error, ErrorCode, Result};
use crate::event_stream::{self, Damage, StreamError, StreamEvent};
use crate::manifest::SessionRecord;
use crate::paths::SessionPaths;

/// How a hash was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundBy {
    /// A snapshot artifact of the session names it.
    Artifact,
    /// A scan of the event log.
    Scan,
}

/// The latest seq at which the session's screen had `hash`, if it ever did, and what the
/// read of the log skipped (a scan only).
pub fn find(
    paths: &SessionPaths,
    record: &SessionRecord,
    hash: &str,
) -> Result<(Option<(u64, FoundBy)>, Damage)> {
    if let Some(seq) = in_artifacts(&paths.artifacts, hash) {
        return Ok((Some((seq, FoundBy::Artifact)), Damage::default()));
    }
    let (seq, damage) = scan(&paths.events, record, hash)?;
    Ok((seq.map(|seq| (seq, FoundBy::Scan)), damage))
}

/// Checks a `--from-hash`/`--since-hash` value: 64 lowercase hex digits.
pub fn check(flag: &str, hash: &str) -> Result<()> {
    if hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Ok(());
    }
    Err(Error::invalid_input(format!(
        "{flag} must be a Screen Hash (64 lowercase hex digits, the screenHash of a snapshot or wait); got {hash:?}."
    ))
    .with(flag.trim_start_matches('-'), hash))
}

/// The highest seq of a snapshot artifact whose `screenHash` is `hash`.
fn in_artifacts(dir: &Path, hash: &str) -> Option<u64> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut best: Option<u64> = None;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(seq) = name
            .strip_prefix("snapshot-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|seq| seq.parse::<u64>().ok())
        else {
            continue;
        };
        if best.is_some_and(|best| best >= seq) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
        let found = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .is_some_and(|value| value["screenHash"] == hash && value["capturedAtSeq"] == seq);
        if found {
            best = Some(seq);
        }
    }
    best
}

/// Replays the log, hashing the screen after every event that changed it; the seq at
/// which the screen last became `hash`.
fn scan(events: &Path, record: &SessionRecord, hash: &str) -> Result<(Option<u64>, Damage)> {
    let cols = record.creation_cols.unwrap_or(record.cols);
    let rows = record.creation_rows.unwrap_or(record.rows);
    let mut screen = Screen::new(cols, rows);
    let mut seen_changes = u64::MAX;
    let mut matches = false;
    let mut found = None;
    let read = event_stream::stream::<()>(events, None, |line| {
        match line.event {
            StreamEvent::Output(data) => screen.feed(data.as_bytes(), line.ts_ms),
            StreamEvent::Resize { cols, rows } => screen.resize(cols, rows),
            StreamEvent::Other => {}
        }
        if screen.changes() != seen_changes {
            seen_changes = screen.changes();
            let lines = screen.visible_lines();
            let now =
                agent_tty_vt::screen_hash(&lines.iter().map(String::as_str).collect::<Vec<_>>()) == hash;
            if now && !matches {
                found = Some(line.seq.get());
            }
            matches = now;
        }
        Ok(())
    });
    match read {
        Ok(streamed) => Ok((found, streamed.damage)),
        Err(StreamError::Io(why)) => Err(Error::new(
            ErrorCode::ReplayError,
            format!("Cannot read the event log {}: {why}", events.display()),
        )),
        Err(StreamError::Visitor(())) => Ok((found, Damage::default())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_checked() {
        assert!(check("--from-hash", &"a".repeat(64)).is_ok());
        for bad in ["", "abc", &"A".repeat(64), &"g".repeat(64)] {
            assert!(check("--from-hash", bad).unwrap_err().message.contains("64 lowercase hex"), "{bad}");
        }
    }

    #[test]
    fn snapshot_artifacts_name_the_latest_seq_of_a_hash() {
        let dir = tempfile::tempdir().unwrap();
        let hash = "b".repeat(64);
        for (seq, h) in [(3, hash.as_str()), (9, hash.as_str()), (12, "c")] {
            let body = serde_json::json!({"capturedAtSeq": seq, "screenHash": h});
            std::fs::write(dir.path().join(format!("snapshot-{seq}-structured.json")), body.to_string())
                .unwrap();
        }
        std::fs::write(dir.path().join("snapshot-20-text.json"), "not json").unwrap();
        assert_eq!(in_artifacts(dir.path(), &hash), Some(9));
        assert_eq!(in_artifacts(dir.path(), &"d".repeat(64)), None);
    }
}
