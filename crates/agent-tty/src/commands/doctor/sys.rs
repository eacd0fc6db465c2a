//! The OS call `doctor` needs that std does not wrap: `access(2)` for the cwd check. (The
//! PTY check starts its program through the host's own code, `agent_tty_core::pty`.)

#![allow(unsafe_code)]

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Whether this process may read and write `path` (`access(path, R_OK | W_OK)`).
pub(super) fn access_read_write(path: &Path) -> io::Result<()> {
    let c_path = CString::new(path.as_os_str().as_bytes())?;
    // SAFETY: `c_path` is a valid NUL-terminated string that outlives the call.
    if unsafe { libc::access(c_path.as_ptr(), libc::R_OK | libc::W_OK) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
