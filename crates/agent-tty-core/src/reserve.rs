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
//! that fails removes the spare, which gives the space back, and tries once more. The
//! spare is consumed at most once; what it frees is enough for the host's failure
//! record, its line in `host.log` and the later `destroyed` record. `gc` removes it with
//! the session directory.
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
        .and_then(|mut file| file.write_all(&[0u8; RESERVE_BYTES]).and_then(|()| file.sync_data()));
    if written.is_err() {
        let _ = std::fs::remove_file(&path);
    }
}

/// Removes the spare file; true if there was one (so space was freed).
pub fn release(dir: &Path) -> bool {
    std::fs::remove_file(dir.join(RESERVE_FILE)).is_ok()
}

/// Writes `record` to the session's manifest; if that fails, frees the reserve and tries
/// once more. The error is the last write's.
pub fn write_record(paths: &SessionPaths, record: &SessionRecord) -> Result<()> {
    match record.write(&paths.manifest) {
        Ok(()) => Ok(()),
        Err(_) if release(&paths.dir) => record.write(&paths.manifest),
        Err(e) => Err(e),
    }
}
