//! File-system primitives with the contract's guarantees: atomic writes through
//! `<file>.tmp-<uuid>` + rename with mode 0600, `chmod` after creation so umask cannot
//! weaken modes, and random ids.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `contents` to `path` atomically: temp file (0600) in the same directory, then rename.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let parent = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| Error::storage_write(path, &e))?;
    write_atomic_in_place(path, contents)
}

/// [`write_atomic`] into a directory that must already exist: a folder removed meanwhile
/// (a session collected by `gc`) is not created again, the write fails instead.
pub fn write_atomic_in_place(path: &Path, contents: &[u8]) -> Result<()> {
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(format!(".tmp-{}", uuid_v4()));
    let tmp = Path::new(&tmp_name);
    let result = write_new_file(tmp, contents).and_then(|()| replace(tmp, path));
    result.map_err(|e| {
        let _ = fs::remove_file(tmp);
        Error::storage_write(path, &e)
    })
}

/// Moves `tmp` to `path` atomically. An existing `path` is swapped out with
/// `RENAME_EXCHANGE` and the old file unlinked: a plain rename over an existing file makes
/// ext4 flush the new file's data first (`auto_da_alloc`), about 1 ms a write.
pub(crate) fn replace(tmp: &Path, path: &Path) -> std::io::Result<()> {
    let is_file = fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_file());
    if is_file && exchange(tmp, path).is_ok() {
        return fs::remove_file(tmp);
    }
    fs::rename(tmp, path)
}

#[allow(unsafe_code)]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths; renameat2 does not keep the pointers.
    let rc = unsafe {
        libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE)
    };
    if rc == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

fn write_new_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut file = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    file.write_all(contents)
}

pub use crate::temp_file::TempFile;

/// Writes `value` as pretty JSON (2-space indent) plus a trailing newline, atomically.
pub fn write_json_atomic<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, &pretty_json(path, value)?)
}

/// [`write_json_atomic`] into a directory that must already exist.
pub fn write_json_atomic_in_place<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic_in_place(path, &pretty_json(path, value)?)
}

/// Two-space pretty JSON plus a trailing newline, as every JSON file of ours is written.
fn pretty_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| Error::internal(format!("cannot serialise {}: {e}", path.display())))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Creates `path`'s directory if needed, opens (creating) `path` and takes an exclusive
/// lock on it; the lock lasts as long as the returned file.
pub fn lock_exclusive(path: &Path) -> Result<fs::File> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| Error::storage_write(parent, &e))?;
    }
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| Error::storage_write(path, &e))?;
    file.lock().map_err(|e| Error::storage_write(path, &e))?;
    Ok(file)
}

/// Sets the permission bits of `path`.
pub fn chmod(path: &Path, mode: u32) -> std::io::Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

/// Fills `buf` with random bytes.
pub fn random_bytes(buf: &mut [u8]) {
    if getrandom::fill(buf).is_err() {
        // The OS RNG is unavailable: fall back to time and pid noise rather than fail.
        let seed = crate::time::now_ms() ^ (u64::from(std::process::id()) << 32);
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (seed.rotate_left(i as u32 * 7) >> (i % 8)) as u8;
        }
    }
}

/// A random UUID v4 in its canonical dashed form.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    random_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// A new ULID (26 Crockford base32 chars, time-ordered).
pub fn new_ulid() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut random = [0u8; 10];
    random_bytes(&mut random);
    let mut value: u128 = u128::from(crate::time::now_ms()) << 80;
    for (i, b) in random.iter().enumerate() {
        value |= u128::from(*b) << (8 * (9 - i));
    }
    (0..26).rev().map(|i| ALPHABET[((value >> (5 * i)) & 31) as usize] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_creates_0600_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/x.json");
        write_json_atomic(&path, &serde_json::json!({"a": 1})).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "{\n  \"a\": 1\n}\n");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn ids_have_the_right_shape() {
        let uuid = uuid_v4();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        let a = new_ulid();
        assert_eq!(a.len(), 26);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() && c.is_ascii_uppercase() || c.is_ascii_digit()));
    }
}
