//! Where in a session's history the screen had a given Screen Hash (`diff --from-hash`,
//! `snapshot --since-hash`): first the snapshots already captured (their artifacts name
//! the seq and the hash), then a scan of the event log that hashes the screen after each
//! change, backwards a segment at a time from the end (see `scan`).

use std::path::Path;

use agent_tty_vt::Screen;

use crate::error::{Error, ErrorCode, Result};
use crate::event_stream::Damage;
use crate::find::segments::{self, Order, Plan, Start, Step, Visit, Walked};
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
    let (seq, damage) = scan(paths, record, hash)?;
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
/// which the screen last became `hash`. The log is read a segment at a time from the
/// end (see `find/segments.rs`), each segment from the checkpoint at its start, and the
/// read stops at the last segment in which the screen became `hash`: a lookup of a recent
/// screen reads only the log's end. The damage is the whole log's (the last segment's
/// read carries the damage before it).
fn scan(paths: &SessionPaths, record: &SessionRecord, hash: &str) -> Result<(Option<u64>, Damage)> {
    let read_error = |why: String| {
        Error::new(
            ErrorCode::ReplayError,
            format!("Cannot read the event log {}: {why}", paths.events.display()),
        )
    };
    let size = match std::fs::metadata(&paths.events) {
        Ok(metadata) => metadata.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((None, Damage::default())),
        Err(e) => return Err(read_error(format!("cannot open the event log: {e}"))),
    };
    let plan = Plan::new(paths, size, None, None);
    let scanned = segments::run(plan.len(), Order::Backward, |i, cancelled| {
        let mut start = Start::of_segment(paths, record, &plan, i);
        loop {
            let Start { screen, partial, from } = start;
            let mut scan = HashScan::new(screen, hash, plan.start_seq(i));
            let walked =
                segments::walk(paths, &from, partial, (plan.end_offset(i), None), cancelled, &mut scan)
                    .map_err(|e| read_error(format!("cannot read the event log: {e}")))?;
            match walked {
                Walked::Cancelled => return Ok(None),
                Walked::Restart => start = Start::full_before(paths, record, plan.start_seq(i).unwrap_or(0)),
                Walked::Read { damage, .. } => return Ok(Some(((scan.found, damage), scan.found.is_some()))),
            }
        }
    })?;
    let found = scanned.iter().rev().flatten().find_map(|(found, _)| *found);
    let damage = scanned.into_iter().last().flatten().map(|(_, damage)| damage).unwrap_or_default();
    Ok((found, damage))
}

/// The screen side of a [`scan`] of one segment.
struct HashScan<'h> {
    screen: Screen,
    hash: &'h str,
    /// Events up to this seq are before the segment: applied, not looked at.
    after: Option<u64>,
    seen_changes: u64,
    /// Whether the screen had the hash at the last change.
    matches: bool,
    /// The last seq at which the screen became the hash.
    found: Option<u64>,
}

impl<'h> HashScan<'h> {
    fn new(screen: Screen, hash: &'h str, after: Option<u64>) -> HashScan<'h> {
        // From the log's start, the first event is always looked at (as the blank screen
        // was not).
        HashScan { screen, hash, after, seen_changes: u64::MAX, matches: false, found: None }
    }

    fn hashes(&self) -> bool {
        let lines = self.screen.visible_lines();
        agent_tty_vt::screen_hash(&lines.iter().map(String::as_str).collect::<Vec<_>>()) == self.hash
    }
}

impl Visit for HashScan<'_> {
    fn screen(&self) -> &Screen {
        &self.screen
    }

    fn apply(&mut self, step: Step) -> bool {
        if let Some(after) = self.after
            && step.seq > after
        {
            // The segment's first event: the state a read of the whole log has here.
            self.after = None;
            self.matches = self.hashes();
            self.seen_changes = self.screen.changes();
        }
        step.apply_to(&mut self.screen);
        if self.after.is_none() && self.screen.changes() != self.seen_changes {
            self.seen_changes = self.screen.changes();
            let now = self.hashes();
            if now && !self.matches {
                self.found = Some(step.seq);
            }
            self.matches = now;
        }
        true
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

    #[test]
    fn a_scan_through_checkpoints_equals_a_read_of_the_whole_log() {
        use crate::find::test_log;
        let dir = tempfile::tempdir().unwrap();
        let generated = test_log::generate(dir.path(), 4_000, 20_000);
        let (paths, record) = (&generated.paths, test_log::record());
        let hashes = &generated.hashes;
        // Screens early, in the middle, under the alternate screen, after a resize, at the
        // end; a blank screen (several times: the latest counts); one never shown.
        let mut wanted: Vec<String> =
            (0..hashes.len()).step_by(hashes.len() / 7).map(|i| hashes[i].1.clone()).collect();
        wanted.push(hashes.last().unwrap().1.clone());
        wanted.push(agent_tty_vt::screen_hash(&[""; 24]));
        wanted.push("f".repeat(64));
        let expected: Vec<_> = test_log::without_checkpoints(paths, || {
            wanted.iter().map(|hash| scan(paths, &record, hash).unwrap()).collect()
        });
        for (hash, expected) in wanted.iter().zip(&expected) {
            assert_eq!(&scan(paths, &record, hash).unwrap(), expected, "{hash}");
        }
        let last = hashes.last().unwrap();
        assert_eq!(
            expected[wanted.len() - 3].0,
            hashes.iter().rev().find(|(_, h)| *h != last.1).map(|(seq, _)| seq + 1)
        );
        assert!(expected[wanted.len() - 2].0.is_some(), "the blank screen after a clear");
        assert_eq!(expected[wanted.len() - 1].0, None);
        assert_eq!(expected[0].1.skipped_lines, 3, "the whole log's damage");
    }
}
