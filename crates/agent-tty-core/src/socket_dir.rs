//! The host's socket directory, checked before it is trusted, and the peer checks of both
//! ends of the socket.
//!
//! `/tmp` is shared by every local user, so nothing found there is trusted by name. Each
//! directory is opened with `O_NOFOLLOW | O_DIRECTORY` (the child relative to its parent's
//! open descriptor, with `openat`/`mkdirat`), and the checks (`fstat`: a directory, its
//! owner, its mode) are made on the open descriptor, never by path a second time. Clients
//! connect and everyone unlinks through that held descriptor (`/proc/self/fd/<fd>/<name>`,
//! `unlinkat`), so swapping a directory after the check cannot redirect them.
//!
//! The host binds by the plain path, so the socket keeps its real name in `ss -x`,
//! `/proc/net/unix` and `getsockname` (a bind through `/proc/self/fd` would name it
//! `/proc/self/fd/7/…`). That is safe because every directory accepted below can only be
//! renamed by us or root (ours and private, ours or root's and not writable by others, or
//! sticky), and [`SocketDir::bind`] then proves, on the held descriptor, that the socket
//! landed in the checked directory; if not, it unlinks the misplaced socket and the host
//! refuses to serve. The stale-socket probe, its removal and the chmod of the socket also
//! go through the held descriptor.
//!
//! Where the socket of a Home goes (the host decides, see [`prepare`]):
//!
//! 1. The agent-tty 0.5 formula `<root>/<H8>/<S12>` with `root = /tmp/agent-tty`, whenever
//!    that is safe, so a 0.5 client still finds our host. The root is usable when it is a
//!    real directory owned by us, or owned by root and not writable by group/others
//!    (unless sticky). A root of ours is made safe through its descriptor before use: when
//!    root creates it, it is made `01777` (like `/tmp`) so other users can share the
//!    formula; when another user creates it, `0755`; an existing one of ours that is
//!    writable by group/others without the sticky bit (e.g. made under umask 0) gets the
//!    sticky bit when we are root and loses group/other write otherwise. `<H8>` is opened
//!    or created (0700) under it and must be ours; its mode is set to 0700 through the
//!    descriptor if it differs.
//! 2. When the root is not usable (another non-root user owns it — the normal case when
//!    someone else ran agent-tty first —, it is a symlink, or we may not create `<H8>` in
//!    it), the per-user directory `<root>-<uid>/<H8>` (`/tmp/agent-tty-<uid>/<H8>`, as tmux
//!    uses `/tmp/tmux-<uid>`). It outlives the login session, unlike `XDG_RUNTIME_DIR`,
//!    which systemd removes at the user's last logout while detached hosts keep running.
//! 3. Only when `<root>-<uid>` is refused (squatted by another user, a symlink, …) and
//!    `XDG_RUNTIME_DIR` is a real directory owned by us with mode 0700 (nobody else can
//!    create anything in it): `$XDG_RUNTIME_DIR/agent-tty/<H8>`. Otherwise the refusal.
//!    Every level is checked the same way.
//!
//! A `<H8>` (or per-user directory) that exists but is a symlink, not a directory, or
//! owned by someone else is refused with an error naming the path, its owner and what to
//! do — never a fallback another user could predict and squat. The advice fits the case:
//! another user's directory may be an attempt to intercept sessions (remove it as root or
//! its owner; for `<root>-<uid>`, or set `XDG_RUNTIME_DIR`, since another Home maps to the
//! same per-user root); root refused the directory of the owner of the Home it was given
//! is told to run as that user; the CLI finding our own directory writable by others is
//! told to `chmod 700` it (removing it would cut off a live host).
//!
//! The path used is recorded in the session directory (`socket-path`, see
//! [`crate::paths::SessionPaths`]) when it differs from the 0.5 formula, so every CLI call
//! finds it; `session.json` keeps its strict 0.5 schema.
//!
//! An empty `<H8>` is removed when a session's socket is removed (its host ends, or
//! reconciliation or `destroy` cleans up after a host that died), and `gc` sweeps those
//! left over ([`sweep_empty_dirs`]), so they do not pile up (0.5 never removed them).
//! Removal is `unlinkat(AT_REMOVEDIR)` through the held parent, of a directory that is
//! ours and still the one held, so it fails on a directory where a host has bound its
//! socket. A host that prepared the directory but has not bound yet may see it removed
//! under it: it notices (the held directory's link count is 0, [`SocketDir::was_removed`])
//! and prepares and binds again. The roots themselves are never removed.
//!
//! `AGENT_TTY_SOCKET_ROOT` replaces `/tmp/agent-tty` (a testing and packaging knob; the
//! formula is then `<that root>/<H8>/<S12>` and the per-user fallback `<that root>-<uid>`).
//!
//! Peers: the CLI refuses a server of another uid (`SO_PEERCRED`, [`check_server`]), and
//! the host answers a client of another uid with an error without reading its request
//! ([`check_client`]).

use std::ffi::{CStr, CString, OsStr};
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::env;
use crate::error::{Error, ErrorCode, Result};
use crate::paths::{SOCKET_ROOT, SessionPaths};

/// A socket directory that passed the checks, held open.
#[derive(Debug)]
pub struct SocketDir {
    dir: File,
    path: PathBuf,
    /// The directory it was opened in, when [`prepare`]d (for [`SocketDir::remove_if_empty`]).
    parent: Option<File>,
}

impl SocketDir {
    /// The directory's path (for messages, records and 0.5 clients).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `name` inside the held directory, reached through its descriptor
    /// (`/proc/self/fd/<fd>/<name>`): connect here, never by the plain path.
    pub fn via_fd(&self, name: &OsStr) -> PathBuf {
        Path::new("/proc/self/fd").join(self.dir.as_raw_fd().to_string()).join(name)
    }

    /// `name` in the held directory, without following a symlink.
    fn stat_at(&self, name: &OsStr) -> Option<libc::stat> {
        stat_at(&self.dir, name)
    }

    /// Whether the held directory has a socket called `name` (a symlink is not one).
    pub fn has_socket(&self, name: &OsStr) -> bool {
        self.stat_at(name).is_some_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFSOCK)
    }

    /// After binding `name` by its plain path: the held directory must now contain a socket
    /// of ours by that name (so the path still led to the checked directory).
    pub fn check_bound(&self, name: &OsStr) -> Result<()> {
        let path = self.path.join(name);
        match self.stat_at(name) {
            Some(st) if st.st_mode & libc::S_IFMT == libc::S_IFSOCK && st.st_uid == my_uid() => Ok(()),
            _ => Err(Error::new(
                ErrorCode::StorageWriteError,
                format!(
                    "The socket directory {} changed while the socket {} was being created; \
                     refusing to serve it. Check who else can rename directories on that path, \
                     then create the session again.",
                    self.path.display(),
                    path.display()
                ),
            )
            .with("path", path.display().to_string())),
        }
    }

    /// Host: binds the socket `name` in the held directory, mode 0600. A leftover entry of
    /// that name is unlinked through the descriptor first (the caller has made sure no
    /// host listens on it). The bind itself goes by the plain path, so the socket keeps its
    /// real name; [`SocketDir::check_bound`] then proves it landed in the held directory
    /// (if not, the socket bound elsewhere is unlinked when it is ours, and the bind
    /// fails), and the mode is set relative to the descriptor on the checked socket.
    #[allow(unsafe_code)]
    pub fn bind(&self, name: &OsStr) -> Result<std::os::unix::net::UnixListener> {
        let path = self.path.join(name);
        if self.stat_at(name).is_some_and(|st| st.st_mode & libc::S_IFMT != libc::S_IFDIR) {
            self.unlink(name).map_err(|e| Error::storage_write(&path, &e))?;
        }
        let listener =
            std::os::unix::net::UnixListener::bind(&path).map_err(|e| Error::storage_write(&path, &e))?;
        if let Err(e) = self.check_bound(name) {
            remove_misplaced(&self.path, name);
            return Err(e);
        }
        let c_name = CString::new(name.as_bytes()).map_err(|e| Error::storage_write(&path, &e.into()))?;
        // SAFETY: a valid directory descriptor and a NUL-terminated name; nothing is retained.
        // The entry was just checked to be our socket in our private directory, so nobody
        // else can have made it a symlink since.
        let rc = unsafe { libc::fchmodat(self.dir.as_raw_fd(), c_name.as_ptr(), 0o600, 0) };
        if rc != 0 {
            return Err(Error::storage_write(&path, &io::Error::last_os_error()));
        }
        Ok(listener)
    }

    /// Unlinks `name` from the held directory.
    #[allow(unsafe_code)]
    pub fn unlink(&self, name: &OsStr) -> io::Result<()> {
        let name = CString::new(name.as_bytes())?;
        // SAFETY: a valid directory descriptor and a NUL-terminated name; nothing is retained.
        let rc = unsafe { libc::unlinkat(self.dir.as_raw_fd(), name.as_ptr(), 0) };
        if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
    }

    /// Whether the held directory has been removed since it was opened (its link count
    /// is 0): another host of the Home removed it while it was still empty. The host then
    /// prepares it again (see [`remove_if_empty`](Self::remove_if_empty)).
    pub fn was_removed(&self) -> bool {
        self.dir.metadata().is_ok_and(|meta| meta.nlink() == 0)
    }

    /// Removes the held directory when it is empty and still at its path; `true` when it
    /// was removed. Only a `<H8>` directory (8 lowercase hex digits) is removed, and only
    /// the one held (same device and inode, so ours: it passed the checks): `rmdir`
    /// fails on a directory that is not empty, so a host that has bound its socket in it
    /// keeps it. A host that opened it but has not bound yet finds it removed
    /// ([`was_removed`](Self::was_removed)) and prepares it again.
    pub fn remove_if_empty(&self) -> bool {
        let Some(name) = self.path.file_name().and_then(OsStr::to_str).filter(|n| is_h8(n)) else {
            return false;
        };
        let parent = match &self.parent {
            Some(parent) => parent.try_clone(),
            None => self.path.parent().map_or_else(|| Err(io::ErrorKind::NotFound.into()), open_dir_nofollow),
        };
        match (parent, self.dir.metadata()) {
            (Ok(parent), Ok(held)) => rmdir_if_same(&parent, name, held.dev(), held.ino()),
            _ => false,
        }
    }
}

/// `<H8>`: 8 lowercase hex digits, the only directory names agent-tty removes.
fn is_h8(name: &str) -> bool {
    name.len() == 8 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Removes the empty directory `name` in the held `parent` when it is the directory
/// `(dev, ino)`; `true` when it was removed. `ENOTEMPTY` and every other failure leave it.
#[allow(unsafe_code)]
fn rmdir_if_same(parent: &File, name: &str, dev: u64, ino: u64) -> bool {
    let Ok(c_name) = CString::new(name) else {
        return false;
    };
    // SAFETY: `stat` is plain old data; all-zero is a valid value to be filled in.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid descriptor, NUL-terminated name, and a `stat` to write into.
    let rc =
        unsafe { libc::fstatat(parent.as_raw_fd(), c_name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) };
    let same = rc == 0
        && st.st_mode & libc::S_IFMT == libc::S_IFDIR
        && st.st_dev as u64 == dev
        && st.st_ino as u64 == ino
        && st.st_uid == my_uid();
    // SAFETY: a valid directory descriptor and a NUL-terminated name; nothing is retained.
    same && unsafe { libc::unlinkat(parent.as_raw_fd(), c_name.as_ptr(), libc::AT_REMOVEDIR) } == 0
}

/// `name` in the open directory `dir`, without following a symlink.
#[allow(unsafe_code)]
fn stat_at(dir: &File, name: &OsStr) -> Option<libc::stat> {
    let c_name = CString::new(name.as_bytes()).ok()?;
    // SAFETY: `stat` is plain old data; all-zero is a valid value to be filled in.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid descriptor, NUL-terminated name, and a `stat` to write into.
    let rc = unsafe { libc::fstatat(dir.as_raw_fd(), c_name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) };
    (rc == 0).then_some(st)
}

/// After a bind that did not land in the checked directory: unlinks `name` from wherever
/// `dir_path` leads now, only if it is a socket of ours (the one just bound there).
#[allow(unsafe_code)]
fn remove_misplaced(dir_path: &Path, name: &OsStr) {
    let Ok(dir) = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(dir_path)
    else {
        return;
    };
    let ours = stat_at(&dir, name)
        .is_some_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFSOCK && st.st_uid == my_uid());
    if let (true, Ok(c_name)) = (ours, CString::new(name.as_bytes())) {
        // SAFETY: a valid directory descriptor and a NUL-terminated name; nothing is retained.
        unsafe { libc::unlinkat(dir.as_raw_fd(), c_name.as_ptr(), 0) };
    }
}

/// The effective uid of this process.
pub fn my_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// `uid 1000 (alice)`, or `uid 1000` when the name cannot be resolved.
pub fn user_label(uid: u32) -> String {
    match user_name(uid) {
        Some(name) => format!("uid {uid} ({name})"),
        None => format!("uid {uid}"),
    }
}

#[allow(unsafe_code)]
fn user_name(uid: u32) -> Option<String> {
    // SAFETY: `passwd` is plain old data; all-zero is a valid value to be filled in.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call and `buf.len()` is its real size; the
    // strings written into `pwd` point into `buf`, which outlives their use below.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: getpwuid_r succeeded, so `pw_name` is a NUL-terminated string inside `buf`.
    let name = unsafe { CStr::from_ptr(pwd.pw_name) };
    Some(name.to_string_lossy().into_owned())
}

/// Why a directory was refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsafe {
    /// The refused path.
    pub path: PathBuf,
    /// Its owner, when known.
    pub owner: Option<u32>,
    /// What is wrong with it.
    pub problem: String,
    kind: Kind,
    per_user_root: bool,
    home_owner: Option<u32>,
}

/// What kind of refusal (it decides the advice).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A directory of another uid.
    OwnedByOther,
    /// A symlink or not a directory.
    NotADirectory,
    /// Our own directory, writable by group or others.
    LooseMode,
}

impl Unsafe {
    fn new(path: &Path, owner: Option<u32>, kind: Kind, problem: impl Into<String>) -> Unsafe {
        Unsafe {
            path: path.to_path_buf(),
            owner,
            problem: problem.into(),
            kind,
            per_user_root: false,
            home_owner: None,
        }
    }

    /// Marks the refused path as the per-user root `<root>-<uid>` (another Home maps to
    /// the same one, so "use another Home" is no remedy).
    fn at_per_user_root(mut self) -> Unsafe {
        self.per_user_root = true;
        self
    }

    /// The owner of the Home being served, when known (root serving another user's Home).
    fn for_home_owner(mut self, home_owner: Option<u32>) -> Unsafe {
        self.home_owner = home_owner;
        self
    }

    /// The error for the user: `code`, a message naming the path, its owner and the
    /// remedy that fits the case, details `path` and `ownerUid`.
    pub fn into_error(self, code: ErrorCode) -> Error {
        let path = self.path.display().to_string();
        let me = my_uid();
        let problem = &self.problem;
        let not_another_home = if self.per_user_root {
            "or set XDG_RUNTIME_DIR to a private directory of yours (mode 0700), then create the session again"
        } else {
            "or use another Home"
        };
        let message = match (self.kind, self.owner) {
            (Kind::LooseMode, _) => format!(
                "Refusing the socket directory {path}: {problem}. It is yours, but others could \
                 replace the socket in it: make it private with `chmod 700 {path}` and try again \
                 (do not remove it: a running host's socket is in it)."
            ),
            (Kind::OwnedByOther, Some(owner)) if me == 0 && self.home_owner == Some(owner) => {
                format!(
                    "Refusing the socket directory {path}: {problem}. It belongs to the owner of \
                     this Home: run agent-tty as {} ({}), not as root.",
                    user_label(owner),
                    sudo_hint(owner)
                )
            }
            (Kind::OwnedByOther, Some(owner)) => {
                let run_as = if me == 0 && self.home_owner.is_none() && owner != 0 {
                    format!(
                        " If this is the Home of {}, run agent-tty as that user ({}) instead.",
                        user_label(owner),
                        sudo_hint(owner)
                    )
                } else {
                    String::new()
                };
                format!(
                    "Refusing the socket directory {path}: {problem}. It may be an attempt to \
                     intercept your sessions; agent-tty only uses a socket directory it owns. \
                     Remove it as root or as {} (rm -rf {path}), {not_another_home}.{run_as}",
                    user_label(owner)
                )
            }
            _ => format!(
                "Refusing the socket directory {path}: {problem}. agent-tty only uses a socket \
                 directory it owns, never through a symbolic link. Remove it as root or as its \
                 owner (rm -rf {path}), {not_another_home}."
            ),
        };
        let mut error = Error::new(code, message).with("path", path);
        if let Some(uid) = self.owner {
            error = error.with("ownerUid", uid);
        }
        error
    }
}

/// `sudo -u alice agent-tty …`, or `sudo -u '#1000' agent-tty …` without a name.
fn sudo_hint(uid: u32) -> String {
    match user_name(uid) {
        Some(name) => format!("sudo -u {name} agent-tty …"),
        None => format!("sudo -u '#{uid}' agent-tty …"),
    }
}

fn owned_by_other(path: &Path, uid: u32) -> Unsafe {
    let problem = format!("it is owned by {}, not by you ({})", user_label(uid), user_label(my_uid()));
    Unsafe::new(path, Some(uid), Kind::OwnedByOther, problem)
}

/// The socket root: `AGENT_TTY_SOCKET_ROOT` when set (absolute), else `/tmp/agent-tty`.
pub fn socket_root() -> Result<PathBuf> {
    match std::env::var_os(env::AGENT_TTY_SOCKET_ROOT) {
        Some(root) if !root.is_empty() => {
            let root = PathBuf::from(root);
            if root.is_absolute() {
                Ok(root)
            } else {
                Err(Error::invalid_input(format!(
                    "{} must be an absolute path, not {:?}. Unset it to use {SOCKET_ROOT}.",
                    env::AGENT_TTY_SOCKET_ROOT,
                    root.display().to_string()
                )))
            }
        }
        _ => Ok(PathBuf::from(SOCKET_ROOT)),
    }
}

/// `H8` of a Home: the first 8 hex chars of SHA-256 of its path's bytes.
pub fn home_hash(home: &Path) -> String {
    crate::paths::home_hash(home)
}

/// Host: resolves, creates and checks the socket directory of `home` (see the module doc).
/// Errors are `STORAGE_WRITE_ERROR` (an unsafe directory names its path and owner).
pub fn prepare(home: &Path) -> Result<SocketDir> {
    let xdg = std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()).map(PathBuf::from);
    let home_owner = std::fs::metadata(home).ok().map(|m| m.uid());
    prepare_in(&socket_root()?, xdg.as_deref(), &home_hash(home), home_owner)
}

/// Host: [`prepare`]s the directory of session `paths`, records the socket path when it is
/// not the 0.5 formula, and points `paths.socket` at it. Returns the held directory.
pub fn prepare_session(home: &Path, paths: &mut SessionPaths) -> Result<SocketDir> {
    let dir = prepare(home)?;
    let formula = crate::paths::socket_path(home, &paths.id);
    let name = formula.file_name().map(OsStr::to_owned).unwrap_or_default();
    let socket = dir.path().join(&name);
    if socket == formula {
        match std::fs::remove_file(&paths.socket_record) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(Error::storage_write(&paths.socket_record, &e));
            }
            _ => {}
        }
    } else {
        let mut text = socket.as_os_str().as_bytes().to_vec();
        text.push(b'\n');
        crate::fsio::write_atomic(&paths.socket_record, &text)?;
    }
    paths.socket = socket;
    Ok(dir)
}

/// [`prepare`] with its inputs explicit: the socket root, `XDG_RUNTIME_DIR`, `H8` and the
/// owner of the Home (for the advice when root is refused another user's directory).
pub fn prepare_in(
    root: &Path,
    xdg_runtime_dir: Option<&Path>,
    h8: &str,
    home_owner: Option<u32>,
) -> Result<SocketDir> {
    let refused = |u: Unsafe| u.for_home_owner(home_owner).into_error(ErrorCode::StorageWriteError);
    let finish = |result: Result<Option<SocketDir>, Failure>| match result {
        Ok(Some(dir)) => Ok(dir),
        Ok(None) => Err(Error::internal("No socket directory could be created.")),
        Err(Failure::Unsafe(u)) => Err(refused(u)),
        Err(Failure::Io(path, e)) => Err(Error::storage_write(&path, &e)),
    };
    if let Some(root_dir) = open_shared_root(root) {
        match open_private_child(&root_dir, root, h8, true) {
            Ok(None) => {}
            done => return finish(done),
        }
    }
    // `<root>-<uid>` first: it outlives the login session (systemd removes
    // XDG_RUNTIME_DIR at the last logout, while detached hosts keep running).
    let mut per_user = root.as_os_str().to_owned();
    per_user.push(format!("-{}", my_uid()));
    let per_user = PathBuf::from(per_user);
    let result = open_private_root(&per_user)
        .map_err(|failure| match failure {
            Failure::Unsafe(u) => Failure::Unsafe(u.at_per_user_root()),
            io => io,
        })
        .and_then(|dir| open_private_child(&dir, &per_user, h8, false));
    // Only a refused (squatted or unsafe) per-user root falls back to XDG_RUNTIME_DIR, and
    // only when that is private: nobody else can create anything there.
    let Err(Failure::Unsafe(_)) = &result else {
        return finish(result);
    };
    match xdg_runtime_dir.and_then(open_runtime_dir) {
        Some((xdg, xdg_path)) => {
            let base = xdg_path.join("agent-tty");
            finish(open_private_child(&xdg, &xdg_path, "agent-tty", false).and_then(|dir| match dir {
                Some(dir) => open_private_child(&dir.dir, &base, h8, false),
                None => Ok(None),
            }))
        }
        None => finish(result),
    }
}

enum Failure {
    Unsafe(Unsafe),
    Io(PathBuf, io::Error),
}

impl From<Unsafe> for Failure {
    fn from(u: Unsafe) -> Failure {
        Failure::Unsafe(u)
    }
}

fn open_dir_nofollow(path: &Path) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

#[allow(unsafe_code)]
fn open_dir_at(parent: &File, name: &str) -> io::Result<File> {
    let c_name = CString::new(name)?;
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: a valid directory descriptor and a NUL-terminated name; nothing is retained.
    let fd = unsafe { libc::openat(parent.as_raw_fd(), c_name.as_ptr(), flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh descriptor that nothing else owns.
    Ok(unsafe { File::from_raw_fd(fd) })
}

#[allow(unsafe_code)]
fn mkdir_at(parent: &File, name: &str, mode: u32) -> io::Result<()> {
    let c_name = CString::new(name)?;
    // SAFETY: a valid directory descriptor and a NUL-terminated name; nothing is retained.
    let rc = unsafe { libc::mkdirat(parent.as_raw_fd(), c_name.as_ptr(), mode as libc::mode_t) };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// The owner of `name` in `parent`, without following a symlink (for messages).
#[allow(unsafe_code)]
fn owner_at(parent: &File, name: &str) -> Option<u32> {
    let c_name = CString::new(name).ok()?;
    // SAFETY: `stat` is plain old data; all-zero is a valid value to be filled in.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid descriptor, NUL-terminated name, and a `stat` to write into.
    let rc =
        unsafe { libc::fstatat(parent.as_raw_fd(), c_name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) };
    (rc == 0).then_some(st.st_uid)
}

fn not_a_dir(path: &Path, owner: Option<u32>, symlink: bool) -> Unsafe {
    let what = if symlink { "a symbolic link" } else { "not a directory" };
    let problem = match owner {
        Some(uid) => format!("it is {what} (owned by {})", user_label(uid)),
        None => format!("it is {what}"),
    };
    Unsafe::new(path, owner, Kind::NotADirectory, problem)
}

/// Opens the shared root if it is safe to put our `<H8>` in; `None` means "use a per-user
/// directory" (missing and not creatable, a symlink, another non-root user's, root's and
/// writable by others without the sticky bit).
///
/// A root of ours is made safe through the held descriptor before it is used: created by
/// root it is `01777` (shared like `/tmp`), created by another user `0755`; an existing
/// one that is writable by group or others without the sticky bit (say, created under
/// umask 0) gets the sticky bit when we are root, else loses group/other write.
fn open_shared_root(root: &Path) -> Option<File> {
    let mut created = false;
    let dir = match open_dir_nofollow(root) {
        Ok(dir) => dir,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            match std::fs::DirBuilder::new().mode(0o700).create(root) {
                Ok(()) => created = true,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(_) => return None,
            }
            open_dir_nofollow(root).ok()?
        }
        Err(_) => return None,
    };
    let meta = dir.metadata().ok()?;
    let me = my_uid();
    if !meta.is_dir() {
        return None;
    }
    if meta.uid() == me {
        let mode = meta.mode() & 0o7777;
        let safe = match (created, me == 0) {
            // Root made it: share it like /tmp, so every user can keep the 0.5 formula.
            (true, true) => 0o1777,
            (true, false) => 0o755,
            (false, _) if mode & 0o022 == 0 || mode & 0o1000 != 0 => mode,
            (false, true) => mode | 0o1000,
            (false, false) => mode & !0o022,
        };
        if safe != mode {
            dir.set_permissions(std::fs::Permissions::from_mode(safe)).ok()?;
        }
        return Some(dir);
    }
    shared_root_ok(meta.uid(), meta.mode(), me).then_some(dir)
}

/// A shared root is usable when it is ours (made safe by [`open_shared_root`]), or root's
/// and not writable by group/others unless sticky (then nobody can rename or delete our
/// `<H8>` in it).
fn shared_root_ok(owner: u32, mode: u32, me: u32) -> bool {
    owner == me || (owner == 0 && (mode & 0o022 == 0 || mode & 0o1000 != 0))
}

/// `XDG_RUNTIME_DIR` when it is a real directory owned by us with mode 0700.
fn open_runtime_dir(path: &Path) -> Option<(File, PathBuf)> {
    if !path.is_absolute() {
        return None;
    }
    let dir = open_dir_nofollow(path).ok()?;
    let meta = dir.metadata().ok()?;
    let private = meta.is_dir() && meta.uid() == my_uid() && meta.mode() & 0o7777 == 0o700;
    private.then(|| (dir, path.to_path_buf()))
}

/// Opens (creating with 0700) the per-user root `path`; it must be ours (mode set to 0700).
fn open_private_root(path: &Path) -> Result<File, Failure> {
    match std::fs::DirBuilder::new().mode(0o700).create(path) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(Failure::Io(path.to_path_buf(), e)),
        _ => {}
    }
    let dir = match open_dir_nofollow(path) {
        Ok(dir) => dir,
        Err(e) => {
            let meta = std::fs::symlink_metadata(path).ok();
            let owner = meta.as_ref().map(MetadataExt::uid);
            return Err(match e.raw_os_error() {
                Some(libc::ELOOP) | Some(libc::ENOTDIR) => {
                    Failure::Unsafe(not_a_dir(path, owner, meta.is_some_and(|m| m.file_type().is_symlink())))
                }
                Some(libc::EACCES) => match owner {
                    Some(uid) if uid != my_uid() => Failure::Unsafe(owned_by_other(path, uid)),
                    _ => Failure::Io(path.to_path_buf(), e),
                },
                _ => Failure::Io(path.to_path_buf(), e),
            });
        }
    };
    check_private(&dir, path)?;
    Ok(dir)
}

/// The held directory `dir` (at `path`) must be a directory owned by us; its mode is set
/// to 0700 if it differs (it is ours).
fn check_private(dir: &File, path: &Path) -> Result<(), Failure> {
    let meta = dir.metadata().map_err(|e| Failure::Io(path.to_path_buf(), e))?;
    if !meta.is_dir() {
        return Err(not_a_dir(path, Some(meta.uid()), false).into());
    }
    if meta.uid() != my_uid() {
        return Err(owned_by_other(path, meta.uid()).into());
    }
    if meta.mode() & 0o7777 != 0o700 {
        dir.set_permissions(std::fs::Permissions::from_mode(0o700))
            .map_err(|e| Failure::Io(path.to_path_buf(), e))?;
    }
    Ok(())
}

/// Opens (creating with 0700) `name` in the held `parent` (at `parent_path`); it must be a
/// directory we own. With `may_skip`, "we may not create it here" gives `None`.
fn open_private_child(
    parent: &File,
    parent_path: &Path,
    name: &str,
    may_skip: bool,
) -> Result<Option<SocketDir>, Failure> {
    let path = parent_path.join(name);
    let mut tries = 0;
    let dir = loop {
        tries += 1;
        match open_dir_at(parent, name) {
            Ok(dir) => break dir,
            Err(e) if e.kind() == io::ErrorKind::NotFound && tries < 3 => match mkdir_at(parent, name, 0o700)
            {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e)
                    if may_skip
                        && matches!(e.raw_os_error(), Some(libc::EACCES | libc::EPERM | libc::EROFS)) =>
                {
                    return Ok(None);
                }
                Err(e) => return Err(Failure::Io(path, e)),
            },
            Err(e) => {
                let owner = owner_at(parent, name);
                return Err(match e.raw_os_error() {
                    Some(libc::ELOOP) => Failure::Unsafe(not_a_dir(&path, owner, true)),
                    Some(libc::ENOTDIR) => Failure::Unsafe(not_a_dir(&path, owner, false)),
                    Some(libc::EACCES) => match owner {
                        Some(uid) if uid != my_uid() => Failure::Unsafe(owned_by_other(&path, uid)),
                        _ => Failure::Io(path, e),
                    },
                    _ => Failure::Io(path, e),
                });
            }
        }
    };
    check_private(&dir, &path)?;
    let parent = parent.try_clone().map_err(|e| Failure::Io(parent_path.to_path_buf(), e))?;
    Ok(Some(SocketDir { dir, path, parent: Some(parent) }))
}

/// Why a socket cannot be reached safely.
#[derive(Debug)]
pub enum Unreachable {
    /// The directory is missing or unreadable (the ordinary transport error).
    Io(io::Error),
    /// The directory is unsafe (`HOST_UNREACHABLE` naming the path and owner).
    Unsafe(Error),
}

/// The directory of an existing `socket`, opened without following a symlink and checked:
/// owned by us and not writable by group or others. For connecting and unlinking.
pub fn open_existing(socket: &Path) -> std::result::Result<(SocketDir, PathBuf), Unreachable> {
    let (Some(parent), Some(name)) = (socket.parent(), socket.file_name()) else {
        return Err(Unreachable::Io(io::Error::from(io::ErrorKind::NotFound)));
    };
    let refused = |u: Unsafe| Unreachable::Unsafe(u.into_error(ErrorCode::HostUnreachable));
    let dir = match open_dir_nofollow(parent) {
        Ok(dir) => dir,
        Err(e) => {
            let meta = std::fs::symlink_metadata(parent).ok();
            let owner = meta.as_ref().map(MetadataExt::uid);
            let symlink = meta.as_ref().is_some_and(|m| m.file_type().is_symlink());
            return Err(match e.raw_os_error() {
                Some(libc::ELOOP) | Some(libc::ENOTDIR) if meta.is_some() => {
                    refused(not_a_dir(parent, owner, symlink))
                }
                Some(libc::EACCES) => match owner {
                    Some(uid) if uid != my_uid() => refused(owned_by_other(parent, uid)),
                    _ => Unreachable::Io(e),
                },
                _ => Unreachable::Io(e),
            });
        }
    };
    let meta = dir.metadata().map_err(Unreachable::Io)?;
    if meta.uid() != my_uid() {
        return Err(refused(owned_by_other(parent, meta.uid())));
    }
    if meta.mode() & 0o022 != 0 {
        let problem = format!("it is writable by group or others (mode {:04o})", meta.mode() & 0o7777);
        return Err(refused(Unsafe::new(parent, Some(meta.uid()), Kind::LooseMode, problem)));
    }
    let via_fd = Path::new("/proc/self/fd").join(dir.as_raw_fd().to_string()).join(name);
    Ok((SocketDir { dir, path: parent.to_path_buf(), parent: None }, via_fd))
}

/// Unlinks `socket` through its checked directory, then removes that `<H8>` directory if
/// it is now empty ([`SocketDir::remove_if_empty`]); a directory that is missing, unsafe
/// or not ours is left alone. Used by reconciliation, `destroy` and host shutdown.
pub fn remove_socket(socket: &Path) {
    if let (Ok((dir, _)), Some(name)) = (open_existing(socket), socket.file_name()) {
        let _ = dir.unlink(name);
        dir.remove_if_empty();
    }
}

/// `gc`: removes the empty `<H8>` directories of ours left under the socket roots (the
/// socket root, `<root>-<uid>` and `$XDG_RUNTIME_DIR/agent-tty`), for instance by a host
/// that was killed. A root itself, a directory that is not empty, not ours or not named
/// like a `<H8>` is left alone. Returns how many were removed.
pub fn sweep_empty_dirs() -> usize {
    let Ok(root) = socket_root() else {
        return 0;
    };
    let mut per_user = root.as_os_str().to_owned();
    per_user.push(format!("-{}", my_uid()));
    let mut roots = vec![root, PathBuf::from(per_user)];
    if let Some(xdg) = std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()) {
        roots.push(PathBuf::from(xdg).join("agent-tty"));
    }
    roots.iter().map(|root| sweep_root(root)).sum()
}

/// [`sweep_empty_dirs`] in one root.
pub fn sweep_root(root: &Path) -> usize {
    let (Ok(parent), Ok(entries)) = (open_dir_nofollow(root), std::fs::read_dir(root)) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str().filter(|n| is_h8(n)) else {
            continue;
        };
        let Ok(dir) = open_dir_at(&parent, name) else {
            continue;
        };
        let Ok(meta) = dir.metadata() else {
            continue;
        };
        if meta.is_dir() && meta.uid() == my_uid() && rmdir_if_same(&parent, name, meta.dev(), meta.ino()) {
            removed += 1;
        }
    }
    removed
}

/// The uid of the process at the other end of a Unix socket (`SO_PEERCRED`).
#[allow(unsafe_code)]
pub fn peer_uid(socket: &impl AsRawFd) -> io::Result<u32> {
    let mut cred = libc::ucred { pid: 0, uid: 0, gid: 0 };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` and `len` are valid for writes and `len` is the size of `cred`.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&raw mut cred).cast::<libc::c_void>(),
            &mut len,
        )
    };
    if rc == 0 { Ok(cred.uid) } else { Err(io::Error::last_os_error()) }
}

/// CLI: the server at the other end of `stream` must run as our uid. Otherwise
/// `HOST_UNREACHABLE` naming its uid (details `socketPath`, `serverUid`).
pub fn check_server(stream: &impl AsRawFd, socket: &Path) -> Result<()> {
    let socket_str = socket.display().to_string();
    let uid = peer_uid(stream).map_err(|e| {
        Error::new(ErrorCode::HostUnreachable, format!("Cannot tell who serves {socket_str}: {e}"))
            .with("socketPath", socket_str.as_str())
    })?;
    if uid == my_uid() {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::HostUnreachable,
        format!(
            "Refusing the host at {socket_str}: it runs as {}, not as you ({}), so it is not \
             your session's host and nothing was sent to it. Another user may have replaced the \
             socket; destroy the session with --force and create a new one.",
            user_label(uid),
            user_label(my_uid())
        ),
    )
    .with("socketPath", socket_str)
    .with("serverUid", uid))
}

/// Host: a client must run as our uid; otherwise the `RPC_ERROR` to answer it with
/// (its request is neither read nor executed).
pub fn check_client(stream: &tokio::net::UnixStream) -> Result<()> {
    let uid = stream.peer_cred().map(|cred| cred.uid()).map_err(|e| {
        Error::new(ErrorCode::RpcError, format!("Cannot tell who is connecting: {e}. Nothing was done."))
    })?;
    if uid == my_uid() {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::RpcError,
        format!(
            "This host serves only {}; the connecting process runs as {}. Nothing was done.",
            user_label(my_uid()),
            user_label(uid)
        ),
    )
    .with("clientUid", uid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn is_root() -> bool {
        let root = my_uid() == 0;
        if !root {
            eprintln!("skipped: needs root (to chown directories to another user)");
        }
        root
    }

    fn chown(path: &Path, uid: u32) {
        std::os::unix::fs::lchown(path, Some(uid), Some(uid)).unwrap();
    }

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    #[test]
    fn creates_root_and_private_h8() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        let dir = prepare_in(&root, None, "abcd1234", None).unwrap();
        assert_eq!(dir.path(), root.join("abcd1234"));
        assert_eq!(mode(dir.path()), 0o700);
        if my_uid() == 0 {
            assert_eq!(mode(&root), 0o1777, "root shares a root it creates");
        }
        // Bind and unlink through the held descriptor.
        let name = OsStr::new("sock");
        assert!(dir.check_bound(name).is_err(), "nothing bound yet");
        let listener = std::os::unix::net::UnixListener::bind(dir.path().join(name)).unwrap();
        dir.check_bound(name).unwrap();
        let (existing, via) = open_existing(&root.join("abcd1234/sock")).unwrap();
        let stream = std::os::unix::net::UnixStream::connect(via).unwrap();
        assert_eq!(peer_uid(&stream).unwrap(), my_uid());
        check_server(&stream, Path::new("/x")).unwrap();
        drop(listener);
        existing.unlink(name).unwrap();
        assert!(!root.join("abcd1234/sock").exists());
    }

    #[test]
    fn an_empty_h8_is_removed_and_a_host_that_held_it_notices() {
        let tmp = tempfile::tempdir().unwrap();
        let ending = prepare_in(tmp.path(), None, "abcd1234", None).unwrap();
        let starting = prepare_in(tmp.path(), None, "abcd1234", None).unwrap();
        // A bound socket keeps the directory.
        let name = OsStr::new("sock");
        let listener = std::os::unix::net::UnixListener::bind(starting.path().join(name)).unwrap();
        assert!(!ending.remove_if_empty(), "not empty");
        drop(listener);
        starting.unlink(name).unwrap();
        assert!(!starting.was_removed());
        // Empty: removed, and the other holder sees it is gone, then prepares again.
        assert!(ending.remove_if_empty());
        assert!(!tmp.path().join("abcd1234").exists());
        assert!(starting.was_removed() && ending.was_removed());
        assert!(!starting.remove_if_empty(), "already gone");
        let again = prepare_in(tmp.path(), None, "abcd1234", None).unwrap();
        assert!(!again.was_removed());
        // A new directory at the path is not the one held: left alone.
        assert!(!ending.remove_if_empty());
        assert!(tmp.path().join("abcd1234").is_dir());
        // Through the path of a socket (reconciliation, destroy).
        remove_socket(&tmp.path().join("abcd1234/gone"));
        assert!(!tmp.path().join("abcd1234").exists());
        assert!(tmp.path().is_dir(), "the root stays");
    }

    #[test]
    fn sweep_removes_only_empty_h8_dirs_of_ours() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for name in ["00000001", "00000002", "not-h8", "ABCDEF12"] {
            std::fs::create_dir(root.join(name)).unwrap();
        }
        std::fs::write(root.join("00000002/keep"), b"").unwrap();
        std::fs::write(root.join("0000000f"), b"a file").unwrap();
        symlink(root.join("not-h8"), root.join("0000000e")).unwrap();
        assert_eq!(sweep_root(root), 1);
        assert!(!root.join("00000001").exists());
        for kept in ["00000002", "not-h8", "ABCDEF12", "0000000f", "0000000e"] {
            assert!(std::fs::symlink_metadata(root.join(kept)).is_ok(), "{kept} kept");
        }
        assert_eq!(sweep_root(&root.join("missing")), 0);
        if my_uid() == 0 {
            std::fs::create_dir(root.join("0000000a")).unwrap();
            chown(&root.join("0000000a"), 65534);
            assert_eq!(sweep_root(root), 0, "another user's directory is not ours");
            assert!(root.join("0000000a").is_dir());
        }
    }

    #[test]
    fn a_swap_before_bind_is_detected() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = prepare_in(tmp.path(), None, "abcd1234", None).unwrap();
        std::fs::rename(dir.path(), tmp.path().join("moved")).unwrap();
        std::fs::create_dir(dir.path()).unwrap();
        let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("sock")).unwrap();
        let err = dir.check_bound(OsStr::new("sock")).unwrap_err();
        assert_eq!(err.code, ErrorCode::StorageWriteError);
        assert!(err.message.contains("changed"), "{}", err.message);
    }

    #[test]
    fn own_h8_with_loose_mode_is_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        let h8 = tmp.path().join("abcd1234");
        std::fs::create_dir(&h8).unwrap();
        std::fs::set_permissions(&h8, std::fs::Permissions::from_mode(0o755)).unwrap();
        prepare_in(tmp.path(), None, "abcd1234", None).unwrap();
        assert_eq!(mode(&h8), 0o700);
    }

    #[test]
    fn symlinked_h8_is_refused_and_its_target_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("elsewhere");
        std::fs::create_dir(&target).unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).unwrap();
        symlink(&target, tmp.path().join("abcd1234")).unwrap();
        let err = prepare_in(tmp.path(), None, "abcd1234", None).unwrap_err();
        assert_eq!(err.code, ErrorCode::StorageWriteError);
        assert!(err.message.contains("symbolic link"), "{}", err.message);
        assert!(err.message.contains(&tmp.path().join("abcd1234").display().to_string()));
        assert_eq!(mode(&target), 0o755);
        let refused = open_existing(&tmp.path().join("abcd1234/sock"));
        assert!(matches!(refused, Err(Unreachable::Unsafe(e)) if e.code == ErrorCode::HostUnreachable));
    }

    #[test]
    fn h8_of_another_user_is_refused_not_skipped() {
        if !is_root() {
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let h8 = tmp.path().join("abcd1234");
        std::fs::create_dir(&h8).unwrap();
        std::fs::set_permissions(&h8, std::fs::Permissions::from_mode(0o755)).unwrap();
        chown(&h8, 65534);
        let err = prepare_in(tmp.path(), None, "abcd1234", None).unwrap_err();
        assert_eq!(err.details["ownerUid"], 65534);
        assert!(err.message.contains("uid 65534") && err.message.contains("rm -rf"), "{}", err.message);
        assert_eq!(mode(&h8), 0o755, "never chmod a directory of someone else");
        assert!(matches!(open_existing(&h8.join("s")), Err(Unreachable::Unsafe(_))));
    }

    #[test]
    fn root_of_another_user_falls_back_to_the_per_user_root_then_xdg() {
        if !is_root() {
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        std::fs::create_dir(&root).unwrap();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o777)).unwrap();
        chown(&root, 65534);
        let xdg = tmp.path().join("xdg");
        std::fs::create_dir(&xdg).unwrap();
        std::fs::set_permissions(&xdg, std::fs::Permissions::from_mode(0o700)).unwrap();
        // `<root>-<uid>` is preferred, also with a private XDG_RUNTIME_DIR (which systemd
        // removes at the last logout while hosts keep running).
        let dir = prepare_in(&root, Some(&xdg), "abcd1234", None).unwrap();
        assert_eq!(dir.path(), tmp.path().join("root-0/abcd1234"));
        assert_eq!((mode(&tmp.path().join("root-0")), mode(dir.path())), (0o700, 0o700));
        assert!(!root.join("abcd1234").exists());
        assert!(!xdg.join("agent-tty").exists());
        // A squatted per-user root: a private XDG_RUNTIME_DIR is used instead.
        let other = tmp.path().join("other");
        std::fs::create_dir(&other).unwrap();
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o700)).unwrap();
        chown(&other, 65534);
        std::fs::create_dir(tmp.path().join("other-0")).unwrap();
        chown(&tmp.path().join("other-0"), 65534);
        let dir = prepare_in(&other, Some(&xdg), "abcd1234", None).unwrap();
        assert_eq!(dir.path(), xdg.join("agent-tty/abcd1234"));
        assert_eq!((mode(&xdg.join("agent-tty")), mode(dir.path())), (0o700, 0o700));
        // … but not one that is not private: then the per-user root's error.
        let loose = tmp.path().join("xdg-loose");
        std::fs::create_dir(&loose).unwrap();
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o755)).unwrap();
        for xdg in [None, Some(loose.as_path())] {
            let err = prepare_in(&other, xdg, "abcd1234", None).unwrap_err();
            assert_eq!(err.code, ErrorCode::StorageWriteError);
            assert_eq!(err.details["ownerUid"], 65534, "{}", err.message);
            assert!(err.message.contains("other-0"), "{}", err.message);
            assert!(err.message.contains("XDG_RUNTIME_DIR"), "{}", err.message);
            assert!(!err.message.contains("another Home"), "{}", err.message);
        }
        assert!(!loose.join("agent-tty").exists());
    }

    #[test]
    fn refusal_advice_fits_the_case() {
        let path = Path::new("/x/root/abcd1234");
        let shown = path.display().to_string();
        // Another user's directory.
        let err = owned_by_other(path, 65534).into_error(ErrorCode::StorageWriteError);
        let m = &err.message;
        assert!(m.contains(&shown) && m.contains("uid 65534") && m.contains("intercept"), "{m}");
        assert!(m.contains(&format!("rm -rf {shown}")) && m.contains("another Home"), "{m}");
        assert_eq!(
            (err.details["path"].as_str(), err.details["ownerUid"].as_u64()),
            (Some(&*shown), Some(65534))
        );
        // The per-user root: another Home maps to the same one.
        let err = owned_by_other(Path::new("/x/root-0"), 65534)
            .at_per_user_root()
            .into_error(ErrorCode::StorageWriteError);
        assert!(
            err.message.contains("XDG_RUNTIME_DIR") && err.message.contains("rm -rf /x/root-0"),
            "{}",
            err.message
        );
        assert!(!err.message.contains("another Home"), "{}", err.message);
        // Our own directory with a loose mode: chmod, never rm.
        let err = Unsafe::new(
            path,
            Some(my_uid()),
            Kind::LooseMode,
            "it is writable by group or others (mode 0777)",
        )
        .into_error(ErrorCode::HostUnreachable);
        assert!(err.message.contains(&format!("chmod 700 {shown}")), "{}", err.message);
        assert!(!err.message.contains("rm -rf"), "{}", err.message);
        assert_eq!(err.code, ErrorCode::HostUnreachable);
        // Root against the Home of the directory's owner: run as that uid.
        if my_uid() == 0 {
            let err = owned_by_other(path, 65534)
                .for_home_owner(Some(65534))
                .into_error(ErrorCode::StorageWriteError);
            assert!(
                err.message.contains("run agent-tty as uid 65534") && err.message.contains("sudo -u"),
                "{}",
                err.message
            );
            assert!(!err.message.contains("rm -rf"), "{}", err.message);
            assert_eq!(err.details["ownerUid"], 65534);
        }
    }

    #[test]
    fn root_is_told_to_run_as_the_owner_of_the_home() {
        if !is_root() {
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let h8 = tmp.path().join("abcd1234");
        std::fs::create_dir(&h8).unwrap();
        chown(&h8, 65534);
        let err = prepare_in(tmp.path(), None, "abcd1234", Some(65534)).unwrap_err();
        assert_eq!(err.code, ErrorCode::StorageWriteError);
        assert!(err.message.contains("run agent-tty as uid 65534"), "{}", err.message);
        // The CLI side does not know the Home: both readings are offered.
        let Err(Unreachable::Unsafe(err)) = open_existing(&h8.join("sock")) else { panic!("not refused") };
        assert_eq!(err.code, ErrorCode::HostUnreachable);
        assert!(
            err.message.contains("intercept") && err.message.contains("run agent-tty as that user"),
            "{}",
            err.message
        );
    }

    #[test]
    fn own_loose_dir_is_refused_by_the_cli_with_chmod_advice() {
        let tmp = tempfile::tempdir().unwrap();
        let h8 = tmp.path().join("abcd1234");
        std::fs::create_dir(&h8).unwrap();
        std::fs::set_permissions(&h8, std::fs::Permissions::from_mode(0o777)).unwrap();
        let Err(Unreachable::Unsafe(err)) = open_existing(&h8.join("sock")) else { panic!("not refused") };
        assert_eq!(err.code, ErrorCode::HostUnreachable);
        assert!(err.message.contains(&format!("chmod 700 {}", h8.display())), "{}", err.message);
        assert!(!err.message.contains("rm -rf"), "{}", err.message);
        assert_eq!(err.details["ownerUid"], my_uid());
        assert_eq!(mode(&h8), 0o777, "the CLI changes nothing");
    }

    #[test]
    fn own_loose_shared_root_is_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        for (loose, tight_root, tight_user) in
            [(0o777, 0o1777, 0o755), (0o775, 0o1775, 0o755), (0o1777, 0o1777, 0o1777), (0o755, 0o755, 0o755)]
        {
            let root = tmp.path().join(format!("root-{loose:o}"));
            std::fs::create_dir(&root).unwrap();
            std::fs::set_permissions(&root, std::fs::Permissions::from_mode(loose)).unwrap();
            assert!(open_shared_root(&root).is_some());
            let expected = if my_uid() == 0 { tight_root } else { tight_user };
            assert_eq!(mode(&root), expected, "from {loose:o}");
        }
        let created = tmp.path().join("created");
        assert!(open_shared_root(&created).is_some());
        assert_eq!(mode(&created), if my_uid() == 0 { 0o1777 } else { 0o755 });
    }

    #[test]
    fn bind_replaces_a_symlink_without_touching_its_target() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = prepare_in(tmp.path(), None, "abcd1234", None).unwrap();
        let target = tmp.path().join("target");
        std::fs::write(&target, "x").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        let name = OsStr::new("sock");
        symlink(&target, dir.path().join(name)).unwrap();
        assert!(!dir.has_socket(name), "a symlink is not a socket");
        let _listener = dir.bind(name).unwrap();
        assert!(dir.has_socket(name));
        assert_eq!(mode(&dir.path().join(name)), 0o600);
        assert_eq!((mode(&target), std::fs::read_to_string(&target).unwrap().as_str()), (0o644, "x"));
        // A stale socket (nobody listening) is replaced too.
        drop(_listener);
        let _listener = dir.bind(name).unwrap();
        assert_eq!(mode(&dir.path().join(name)), 0o600);
    }

    #[test]
    fn a_bind_in_a_swapped_dir_fails_and_leaves_no_socket_there() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = prepare_in(tmp.path(), None, "abcd1234", None).unwrap();
        std::fs::rename(dir.path(), tmp.path().join("moved")).unwrap();
        std::fs::create_dir(dir.path()).unwrap();
        let err = dir.bind(OsStr::new("sock")).unwrap_err();
        assert_eq!(err.code, ErrorCode::StorageWriteError);
        assert!(err.message.contains("changed"), "{}", err.message);
        assert!(!dir.path().join("sock").exists(), "the misplaced socket was unlinked");
        assert!(!tmp.path().join("moved/sock").exists());
    }

    #[test]
    fn shared_root_rules() {
        assert!(shared_root_ok(1000, 0o700, 1000), "ours");
        assert!(shared_root_ok(0, 0o755, 1000), "root's, not writable");
        assert!(shared_root_ok(0, 0o1777, 1000), "root's, sticky");
        assert!(!shared_root_ok(0, 0o777, 1000), "root's, writable without sticky");
        assert!(!shared_root_ok(1001, 0o1777, 1000), "another user's");
    }

    #[test]
    fn root_of_another_user_is_not_shared() {
        if !is_root() {
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        std::fs::create_dir(&root).unwrap();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o1777)).unwrap();
        chown(&root, 65534);
        assert!(open_shared_root(&root).is_none());
        chown(&root, 0);
        assert!(open_shared_root(&root).is_some());
    }

    #[test]
    fn names_users() {
        assert!(user_label(0).starts_with("uid 0"));
        assert_eq!(
            home_hash(Path::new("/tmp/agent-tty-home")),
            crate::paths::hex_sha256(b"/tmp/agent-tty-home")[..8]
        );
    }
}
