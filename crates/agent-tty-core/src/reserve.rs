//! Room to record a failure on a full disk.
//!
//! `session.json` is only ever replaced atomically (temp file + rename, see
//! [`crate::fsio::write_atomic`]), and the temp file needs new blocks. On a full disk
//! that write fails exactly when it matters most: the host has to say why it stopped,
//! and `destroy` has to record the end. Rewriting the existing file in place would need
//! no new blocks but is not atomic (a crash mid-write leaves a torn manifest, which a
//! 0.5 reader rejects), so it is not done.
//!
//! Instead the host reserves room when it starts: a preallocated spare file
//! ([`RESERVE_FILE`], [`RESERVE_BYTES`]) in the session directory. A manifest write
//! that fails shrinks the spare (half of it, then the rest: see [`release`]), which gives
//! space back, and tries once more. What one release frees is enough for a manifest
//! rewrite and a line in `host.log`; there are three releases, so the host's failure
//! record and a later `destroy` both find room even if the disk was filled up again in
//! between. `gc` removes the spare with the session directory.
//!
//! Limits: another process may take the freed space first; on copy-on-write file
//! systems (btrfs, ZFS) deleting a file may not free space at once; a read-only Home
//! frees nothing. Then the callers keep the status in memory and say it was not saved.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::error::Result;
use crate::manifest::SessionRecord;
use crate::paths::SessionPaths;

/// The spare file's name inside the session directory.
pub const RESERVE_FILE: &str = ".space-reserve";

/// The spare file's size: 16 pages of 4 KiB, room for a few manifest rewrites and log lines.
pub const RESERVE_BYTES: usize = 64 * 1024;

/// Creates the spare file of `paths` (best effort: without it a full disk just loses the
/// failure record). The bytes are written, not merely `set_len`, so the blocks are taken.
pub fn create(paths: &SessionPaths) {
    let path = paths.dir.join(RESERVE_FILE);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        // No fsync: the file systems we run on (ext4 and xfs with delayed allocation,
        // tmpfs, btrfs) account for the space when `write` succeeds, which is all a
        // reserve needs; a sync cost `create` 1–3 ms.
        .and_then(|mut file| file.write_all(&[0u8; RESERVE_BYTES]));
    if written.is_err() {
        let _ = std::fs::remove_file(&path);
    }
}

/// Frees part of the spare file: halves it (truncating needs no new blocks), or removes
/// it once it is small. True if space was freed. The reserve thus lasts for several
/// failed writes: the host's failure record, and later a `destroy` while the disk is
/// still (or again) full.
pub fn release(dir: &Path) -> bool {
    let path = dir.join(RESERVE_FILE);
    let Ok(meta) = std::fs::symlink_metadata(&path) else { return false };
    if !meta.is_file() {
        return false;
    }
    let len = meta.len();
    if len > MIN_RELEASE_BYTES {
        let halved = std::fs::OpenOptions::new().write(true).open(&path).and_then(|f| f.set_len(len / 2));
        if halved.is_ok() {
            return true;
        }
    }
    std::fs::remove_file(&path).is_ok()
}

/// Below this size the spare file is removed rather than halved.
const MIN_RELEASE_BYTES: u64 = 16 * 1024;

/// Writes `record` to the session's manifest; if that fails, frees the reserve and tries
/// once more. The error is the last write's.
///
/// The session folder is never created again: if `gc` removed it meanwhile (it collects
/// only ended sessions), there is nothing left to record and that is not an error.
pub fn write_record(paths: &SessionPaths, record: &SessionRecord) -> Result<()> {
    let write = || crate::fsio::write_json_atomic_in_place(&paths.manifest, record);
    let written = match write() {
        Ok(()) => Ok(()),
        Err(_) if release(&paths.dir) => write(),
        Err(e) => Err(e),
    };
    match written {
        Err(_) if !paths.dir.exists() => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collected_session_folder_is_not_created_again() {
        let home = tempfile::tempdir().unwrap();
        let paths = SessionPaths::new(home.path(), "01ABCDEFGHJKMNPQRSTVWXYZ00");
        let record: SessionRecord = serde_json::from_value(serde_json::json!({
            "version": 1, "sessionId": "01ABCDEFGHJKMNPQRSTVWXYZ00",
            "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z",
            "status": "destroyed", "command": ["bash"], "cwd": "/", "cols": 80, "rows": 24,
            "hostPid": null, "childPid": null, "exitCode": null, "exitSignal": null
        }))
        .unwrap();
        assert!(write_record(&paths, &record).is_ok(), "nothing left to record is no error");
        assert!(!paths.dir.exists(), "the removed folder stays removed");
        std::fs::create_dir_all(&paths.dir).unwrap();
        write_record(&paths, &record).unwrap();
        assert!(paths.manifest.is_file());
    }

    #[test]
    fn the_reserve_is_released_in_halves_then_removed() {
        let home = tempfile::tempdir().unwrap();
        let paths = SessionPaths::new(home.path(), "01ABCDEFGHJKMNPQRSTVWXYZ00");
        std::fs::create_dir_all(&paths.dir).unwrap();
        create(&paths);
        let size = || std::fs::metadata(paths.dir.join(RESERVE_FILE)).map(|m| m.len()).ok();
        assert_eq!(size(), Some(RESERVE_BYTES as u64));
        assert!(release(&paths.dir));
        assert_eq!(size(), Some(RESERVE_BYTES as u64 / 2));
        assert!(release(&paths.dir));
        assert_eq!(size(), Some(RESERVE_BYTES as u64 / 4));
        assert!(release(&paths.dir));
        assert_eq!(size(), None);
        assert!(!release(&paths.dir), "nothing left to free");
    }
}
