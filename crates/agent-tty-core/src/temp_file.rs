//! [`TempFile`]: an output streamed to disk whose final name is known only at the end
//! (video exports). It is created unnamed (`O_TMPFILE`), so a process that dies mid-way
//! — killed, out of memory — leaves nothing behind; [`TempFile::persist`] links it in
//! under a temporary name and renames that over the final path. Where the file system
//! has no `O_TMPFILE` it is a named `<dir>/.<name>.tmp-<uuid>` removed on drop.

use std::fs::{self, File, OpenOptions};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsio::{replace, uuid_v4};

/// A file being written, moved into place by [`TempFile::persist`].
#[derive(Debug)]
pub struct TempFile {
    file: File,
    dir: PathBuf,
    name: String,
    /// The named temporary file, when `O_TMPFILE` was not available.
    named: Option<PathBuf>,
}

impl TempFile {
    /// Creates the temporary file (0600) in `dir` for a final file called `name`.
    pub fn new_in(dir: &Path, name: &str) -> Result<TempFile> {
        let unnamed =
            OpenOptions::new().read(true).write(true).custom_flags(libc::O_TMPFILE).mode(0o600).open(dir);
        let (file, named) = match unnamed {
            Ok(file) => (file, None),
            Err(_) => {
                let path = temp_name(dir, name);
                let file = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&path)
                    .map_err(|e| Error::storage_write(&path, &e))?;
                (file, Some(path))
            }
        };
        file.set_permissions(fs::Permissions::from_mode(0o600)).map_err(|e| Error::storage_write(dir, &e))?;
        Ok(TempFile { file, dir: dir.to_path_buf(), name: name.to_string(), named })
    }

    /// The open file.
    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// Moves the file to `path` (replacing any file there) atomically.
    pub fn persist(mut self, path: &Path) -> Result<()> {
        let staged = match self.named.take() {
            Some(named) => named,
            None => {
                let staged = temp_name(&self.dir, &self.name);
                link_unnamed(&self.file, &staged).map_err(|e| Error::storage_write(path, &e))?;
                staged
            }
        };
        replace(&staged, path).map_err(|e| {
            let _ = fs::remove_file(&staged);
            Error::storage_write(path, &e)
        })
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(named) = &self.named {
            let _ = fs::remove_file(named);
        }
    }
}

fn temp_name(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.tmp-{}", uuid_v4()))
}

/// Gives an `O_TMPFILE` file the name `to`, through its `/proc/self/fd` entry.
#[allow(unsafe_code)]
fn link_unnamed(file: &File, to: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let from = std::ffi::CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))?;
    let to = std::ffi::CString::new(to.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths; linkat does not keep the pointers.
    let rc = unsafe {
        libc::linkat(libc::AT_FDCWD, from.as_ptr(), libc::AT_FDCWD, to.as_ptr(), libc::AT_SYMLINK_FOLLOW)
    };
    if rc == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn persists_under_the_final_name_and_replaces_an_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.webm");
        fs::write(&target, b"old").unwrap();
        let mut temp = TempFile::new_in(dir.path(), "out").unwrap();
        assert_eq!(names(dir.path()), ["out.webm"], "nothing named while writing");
        temp.file().write_all(b"new").unwrap();
        temp.persist(&target).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new");
        assert_eq!(names(dir.path()), ["out.webm"]);
        let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn dropped_unpersisted_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut temp = TempFile::new_in(dir.path(), "out").unwrap();
        temp.file().write_all(b"partial").unwrap();
        drop(temp);
        assert!(names(dir.path()).is_empty());
    }
}
