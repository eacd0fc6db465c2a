//! The Home Registry: `${XDG_STATE_HOME:-~/.local/state}/agent-tty/homes.json`, an
//! advisory per-machine list of Homes that have hosted a session. Every read-modify-write
//! holds an exclusive lock on a sibling lock file and ends in temp-file + rename; a bad
//! entry drops only itself. `forget` removes an entry without ever touching the Home.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

/// One registered Home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RegistryEntry {
    /// Normalised absolute Home path.
    pub path: String,
    /// Last time a session was created there (ISO).
    pub last_seen_at: String,
}

#[derive(Serialize)]
struct RegistryFile<'a> {
    version: u32,
    homes: &'a [RegistryEntry],
}

/// The registry file path for the given `XDG_STATE_HOME` value and user home.
pub fn registry_path(xdg_state_home: Option<&str>, user_home: &Path) -> PathBuf {
    let base = match xdg_state_home {
        Some(dir) if !dir.is_empty() && Path::new(dir).is_absolute() => PathBuf::from(dir),
        _ => user_home.join(".local/state"),
    };
    base.join("agent-tty").join("homes.json")
}

/// Reads the registry leniently (never fails), newest first. Invalid entries are dropped.
pub fn read(path: &Path) -> Vec<RegistryEntry> {
    let Ok(bytes) = std::fs::read(path) else {
        return Vec::new();
    };
    let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
        return Vec::new();
    };
    let Some(homes) = value.get("homes").and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut entries: Vec<RegistryEntry> = homes
        .iter()
        .filter_map(|h| serde_json::from_value::<RegistryEntry>(h.clone()).ok())
        .filter(|e| !e.path.is_empty() && !e.last_seen_at.is_empty())
        .collect();
    entries.sort_by(|a, b| b.last_seen_at.cmp(&a.last_seen_at));
    entries
}

/// Runs `change` on the entries under the registry lock and writes the result atomically
/// when it returns true.
pub fn update(path: &Path, change: impl FnOnce(&mut Vec<RegistryEntry>) -> bool) -> Result<bool> {
    let parent = path.parent().unwrap_or(Path::new("/"));
    let _lock = crate::fsio::lock_exclusive(&parent.join("homes.json.lock"))?;
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        // The atomic writer would swap the directory aside; leave whatever is there alone.
        return Err(Error::storage_write(path, &std::io::Error::from(std::io::ErrorKind::IsADirectory)));
    }
    let mut entries = read(path);
    let changed = change(&mut entries);
    if changed {
        entries.sort_by(|a, b| b.last_seen_at.cmp(&a.last_seen_at));
        crate::fsio::write_json_atomic(path, &RegistryFile { version: 1, homes: &entries })?;
    }
    Ok(changed)
}

/// The registry key of a Home: a relative path is resolved against the current directory,
/// the result is normalised lexically and then canonicalised when it exists.
pub fn normalize_home(home: &Path) -> String {
    crate::home::canonical_or_normal(&crate::home::normalize(home)).display().to_string()
}

/// Records that `home` hosted a session just now.
pub fn upsert(path: &Path, home: &Path) -> Result<()> {
    let home = normalize_home(home);
    update(path, |entries| {
        entries.retain(|e| e.path != home);
        entries.insert(0, RegistryEntry { path: home, last_seen_at: crate::time::now_iso() });
        true
    })
    .map(|_| ())
}

/// Removes `home` (normalised as [`normalize_home`]) from the registry; true when it was
/// registered. Never touches the Home itself.
pub fn forget(path: &Path, home: &Path) -> Result<bool> {
    forget_key(path, &normalize_home(home))
}

/// Removes the entry whose path is exactly `key`; true when there was one. When there is
/// none, nothing is written (not even the lock file or the registry's directory).
pub fn forget_key(path: &Path, key: &str) -> Result<bool> {
    if !read(path).iter().any(|e| e.path == key) {
        return Ok(false);
    }
    update(path, |entries| {
        let before = entries.len();
        entries.retain(|e| e.path != key);
        entries.len() != before
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_honours_absolute_xdg_only() {
        let user = Path::new("/home/u");
        assert_eq!(registry_path(Some("/x"), user), PathBuf::from("/x/agent-tty/homes.json"));
        assert_eq!(
            registry_path(Some("rel"), user),
            PathBuf::from("/home/u/.local/state/agent-tty/homes.json")
        );
    }

    #[test]
    fn upsert_moves_home_first_and_bad_entries_drop_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent-tty/homes.json");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            r#"{"version":1,"homes":[{"path":"/old","lastSeenAt":"2020-01-01T00:00:00.000Z"},{"bad":1}]}"#,
        )
        .unwrap();
        upsert(&path, Path::new("/new-home")).unwrap();
        let entries = read(&path);
        let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["/new-home", "/old"]);
    }

    #[test]
    fn forget_removes_only_that_home_and_never_writes_when_absent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/agent-tty/homes.json");
        assert!(!forget(&path, Path::new("/nowhere")).unwrap());
        assert!(!dir.path().join("state").exists(), "an absent entry writes nothing");
        upsert(&path, Path::new("/a/./b")).unwrap();
        upsert(&path, Path::new("/c")).unwrap();
        let before = std::fs::read(&path).unwrap();
        assert!(!forget(&path, Path::new("/zzz")).unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), before, "no rewrite when absent");
        assert!(forget(&path, Path::new("/a/b/../b")).unwrap());
        let paths: Vec<String> = read(&path).into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["/c"]);
        assert!(!forget_key(&path, "/a/b").unwrap());
    }
}
