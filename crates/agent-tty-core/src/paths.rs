//! Where things live: session directories inside a Home, and the host's socket under
//! `/tmp/agent-tty/<H8>/<S12>` (a formula shared with agent-tty 0.5.0, so either tool can
//! drive the other's sessions). When that directory is not safe for this user, the host
//! uses a per-user one and records the path in the session's `socket-path` file, which
//! [`SessionPaths::new`] prefers (see [`crate::socket_dir`]).

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorCode, Result};

/// The hard-coded root of all host sockets.
pub const SOCKET_ROOT: &str = "/tmp/agent-tty";

/// The files of one session.
#[derive(Debug, Clone)]
pub struct SessionPaths {
    /// The session id (directory name).
    pub id: String,
    /// `<home>/sessions/<id>`.
    pub dir: PathBuf,
    /// `session.json`.
    pub manifest: PathBuf,
    /// `events.jsonl`.
    pub events: PathBuf,
    /// `artifacts/`.
    pub artifacts: PathBuf,
    /// The host's Unix socket: the path recorded in `socket-path` when there is one,
    /// else the 0.5 formula.
    pub socket: PathBuf,
    /// `socket-path`: where the host put its socket when that is not the 0.5 formula
    /// (see [`crate::socket_dir`]); `session.json` keeps its strict 0.5 schema.
    pub socket_record: PathBuf,
    /// The host's diagnostics log (not part of the contract).
    pub host_log: PathBuf,
}

impl SessionPaths {
    /// The Home these paths are in (`<home>/sessions/<id>` → `<home>`).
    pub fn home(&self) -> &Path {
        self.dir.parent().and_then(Path::parent).unwrap_or(&self.dir)
    }

    /// Paths of session `id` in `home`. The id must already be validated.
    pub fn new(home: &Path, id: &str) -> SessionPaths {
        SessionPaths::with_socket_dir(home, id, || socket_dir(home))
    }

    /// [`SessionPaths::new`] for one of many sessions of `home`, given its [`socket_dir`]
    /// (computed once: it hashes the Home's path).
    pub fn in_socket_dir(home: &Path, id: &str, socket_dir: &Path) -> SessionPaths {
        SessionPaths::with_socket_dir(home, id, || socket_dir.to_path_buf())
    }

    fn with_socket_dir(home: &Path, id: &str, socket_dir: impl FnOnce() -> PathBuf) -> SessionPaths {
        let dir = sessions_dir(home).join(id);
        let socket_record = dir.join(SOCKET_RECORD);
        let socket = read_socket_record(&socket_record).unwrap_or_else(|| socket_dir().join(socket_name(id)));
        SessionPaths {
            id: id.to_string(),
            manifest: dir.join("session.json"),
            events: dir.join("events.jsonl"),
            artifacts: dir.join("artifacts"),
            host_log: dir.join("host.log"),
            socket,
            socket_record,
            dir,
        }
    }
}

/// The session file recording the host's socket path when it is not the 0.5 formula.
pub const SOCKET_RECORD: &str = "socket-path";

/// The socket path recorded at `path`: one absolute path (a trailing newline allowed).
fn read_socket_record(path: &Path) -> Option<PathBuf> {
    let text = std::fs::read(path).ok()?;
    let text = text.strip_suffix(b"\n").unwrap_or(&text);
    let socket = PathBuf::from(std::ffi::OsStr::from_bytes(text));
    let valid = socket.is_absolute() && socket.file_name().is_some() && !text.contains(&0);
    valid.then_some(socket)
}

/// `<home>/sessions`.
pub fn sessions_dir(home: &Path) -> PathBuf {
    home.join("sessions")
}

/// Checks a user-supplied session id: non-empty, not `.`/`..`, no `/` or `\`.
pub fn validate_session_id(id: &str) -> Result<()> {
    let bad = id.is_empty() || id == "." || id == ".." || id.contains(['/', '\\', '\0']);
    if bad {
        return Err(Error::new(
            ErrorCode::InvalidSessionId,
            format!(
                "Invalid session id {id:?}: ids are non-empty and contain no '/' or '\\'. \
                 Run `agent-tty list` to see session ids."
            ),
        )
        .with("sessionId", id));
    }
    Ok(())
}

/// The per-Home socket directory of the 0.5 formula, `<root>/<H8>`: the root is
/// `/tmp/agent-tty`, or `AGENT_TTY_SOCKET_ROOT` when that is set to an absolute path (the
/// host refuses any other value, see [`crate::socket_dir::socket_root`]).
pub fn socket_dir(home: &Path) -> PathBuf {
    let root = std::env::var_os(crate::env::AGENT_TTY_SOCKET_ROOT)
        .map(PathBuf::from)
        .filter(|root| root.is_absolute())
        .unwrap_or_else(|| PathBuf::from(SOCKET_ROOT));
    root.join(home_hash(home))
}

/// `H8` of a Home: the first 8 hex chars of SHA-256 of its path's raw bytes (a path that
/// is not UTF-8 is hashed as it is, never through a lossy conversion).
pub fn home_hash(home: &Path) -> String {
    let mut hash = hex_sha256(home.as_os_str().as_bytes());
    hash.truncate(8);
    hash
}

/// The host socket of session `id` in `home`.
pub fn socket_path(home: &Path, id: &str) -> PathBuf {
    socket_dir(home).join(socket_name(id))
}

/// `S12`: the file name of session `id`'s socket in its [`socket_dir`].
fn socket_name(id: &str) -> String {
    let mut name = hex_sha256(id.as_bytes());
    name.truncate(12);
    name
}

/// Lowercase hex SHA-256.
pub fn hex_sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Lowercase hex SHA-256 of everything `reader` yields, read in chunks.
pub fn hex_sha256_read(mut file: impl std::io::Read) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_path_follows_the_formula() {
        let path = socket_path(Path::new("/tmp/agent-tty-home"), "session-01");
        let h8 = &hex_sha256(b"/tmp/agent-tty-home")[..8];
        let s12 = &hex_sha256(b"session-01")[..12];
        assert_eq!(path, PathBuf::from(format!("/tmp/agent-tty/{h8}/{s12}")));
        assert_eq!(path.to_string_lossy().len(), 36);
    }

    #[test]
    fn recorded_socket_path_wins_over_the_formula() {
        let home = tempfile::tempdir().unwrap();
        let paths = SessionPaths::new(home.path(), "s1");
        assert_eq!(paths.socket, socket_path(home.path(), "s1"));
        std::fs::create_dir_all(&paths.dir).unwrap();
        std::fs::write(&paths.socket_record, "/run/user/1000/agent-tty/abcd1234/0123456789ab\n").unwrap();
        let paths = SessionPaths::new(home.path(), "s1");
        assert_eq!(paths.socket, PathBuf::from("/run/user/1000/agent-tty/abcd1234/0123456789ab"));
        std::fs::write(&paths.socket_record, "relative/path").unwrap();
        assert_eq!(SessionPaths::new(home.path(), "s1").socket, socket_path(home.path(), "s1"));
    }

    #[test]
    fn home_hash_uses_the_raw_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let home = Path::new(std::ffi::OsStr::from_bytes(b"/tmp/h\xffome"));
        assert_eq!(home_hash(home), hex_sha256(b"/tmp/h\xffome")[..8]);
        assert_eq!(crate::socket_dir::home_hash(home), home_hash(home));
        assert_eq!(socket_dir(home).file_name(), Some(std::ffi::OsStr::new(&home_hash(home))));
    }

    #[test]
    fn known_sha256() {
        assert_eq!(hex_sha256(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn rejects_bad_ids() {
        for id in ["", ".", "..", "a/b", "a\\b"] {
            let err = validate_session_id(id).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidSessionId, "{id}");
        }
        assert!(validate_session_id("01KMDQ9S6XFPBFZSKPGJCGN2KX").is_ok());
    }
}
