//! The Home: the state root holding `sessions/<id>/` and an optional `config.json`.
//! Resolution order: `--home`, then `AGENT_TTY_HOME`, then `<user home>/.agent-tty`.
//! Paths are lexically normalised and canonicalised when they exist; resolving a Home
//! never creates it.

use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// A resolved Home.
#[derive(Debug, Clone)]
pub struct Home {
    /// The canonical absolute path.
    pub path: PathBuf,
    /// True when `--home` or `AGENT_TTY_HOME` chose it (changes `gc` scoping).
    pub explicit: bool,
}

/// Where an explicit Home value came from (for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HomeSource {
    /// The `--home` flag.
    Flag,
    /// The `AGENT_TTY_HOME` variable.
    Env,
}

impl Home {
    /// Resolves the Home from the flag, the environment value and the user's home dir.
    pub fn resolve(flag: Option<&str>, env: Option<&str>, user_home: &Path) -> Result<Home> {
        let explicit = match (flag, env) {
            (Some(value), _) => Some((value, HomeSource::Flag)),
            (None, Some(value)) => Some((value, HomeSource::Env)),
            (None, None) => None,
        };
        let Some((value, source)) = explicit else {
            let path = canonical_or_normal(&normalize(&user_home.join(".agent-tty")));
            return Ok(Home { path, explicit: false });
        };
        let name = match source {
            HomeSource::Flag => "--home",
            HomeSource::Env => "AGENT_TTY_HOME",
        };
        let source_key = match source {
            HomeSource::Flag => "flag",
            HomeSource::Env => "env",
        };
        if value.is_empty() {
            return Err(Error::invalid_input(format!("{name} must not be empty.")));
        }
        if !Path::new(value).is_absolute() {
            return Err(Error::invalid_input(format!("{name} must be an absolute path."))
                .with("source", source_key)
                .with("home", value));
        }
        let path = canonical_or_normal(&normalize(Path::new(value)));
        Ok(Home { path, explicit: true })
    }

    /// `<home>/config.json`.
    pub fn config_path(&self) -> PathBuf {
        self.path.join("config.json")
    }

    /// Creates the Home if missing (mode 0700 only when this call created it).
    pub fn ensure_exists(&self) -> Result<()> {
        if self.path.is_dir() {
            return Ok(());
        }
        std::fs::create_dir_all(&self.path).map_err(|e| Error::storage_write(&self.path, &e))?;
        crate::fsio::chmod(&self.path, 0o700).map_err(|e| Error::storage_write(&self.path, &e))
    }
}

/// Lexical normalisation: resolves `.` and `..`, collapses separators. Relative paths are
/// joined to the current directory first.
pub fn normalize(path: &Path) -> PathBuf {
    let joined;
    let path = if path.is_absolute() {
        path
    } else {
        joined = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")).join(path);
        &joined
    };
    let mut out = PathBuf::from("/");
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(part) => out.push(part),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

/// `realpath` when the path exists, the path itself otherwise.
pub fn canonical_or_normal(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `<home>/config.json`: optional, strict (unknown keys are an error).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Config {
    pub log_level: Option<LogLevel>,
    pub default_profile: Option<String>,
    pub default_renderer: Option<String>,
    pub default_shell: Option<String>,
    pub default_term: Option<String>,
    pub default_cols: Option<u32>,
    pub default_rows: Option<u32>,
    pub idle_timeout_ms: Option<u64>,
    /// The default `--redact` level (`off`, `default`, `strict`).
    pub redact: Option<String>,
    /// User redaction patterns (`[{"name": "...", "regex": "..."}]`).
    pub redact_patterns: Option<Vec<crate::redaction::Pattern>>,
}

/// Log levels, in increasing severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    /// Parses `debug|info|warn|error`.
    pub fn parse(s: &str) -> Option<LogLevel> {
        match s {
            "debug" => Some(LogLevel::Debug),
            "info" => Some(LogLevel::Info),
            "warn" => Some(LogLevel::Warn),
            "error" => Some(LogLevel::Error),
            _ => None,
        }
    }

    /// The spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

impl Config {
    /// Loads `config.json`; a missing file is the empty config. An unreadable or invalid
    /// file is `INVALID_INPUT` naming the file and the problem.
    pub fn load(path: &Path) -> Result<Config> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            // No file, or the Home is not a directory (then it has no config either).
            Err(e)
                if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) =>
            {
                return Ok(Config::default());
            }
            Err(e) => {
                return Err(Error::invalid_input(format!(
                    "Cannot read config file {}: {e}. Fix its permissions or remove it.",
                    path.display()
                ))
                .with("path", path.display().to_string()));
            }
        };
        serde_json::from_str(&text).map_err(|e| {
            Error::invalid_input(format!("Invalid config file {}: {e}. Fix or remove it.", path.display()))
                .with("path", path.display().to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_wins_over_env_and_default() {
        let home = Home::resolve(Some("/a/./b/../c"), Some("/env"), Path::new("/u")).unwrap();
        assert_eq!((home.path, home.explicit), (PathBuf::from("/a/c"), true));
        let home = Home::resolve(None, Some("/env//x"), Path::new("/u")).unwrap();
        assert_eq!(home.path, PathBuf::from("/env/x"));
        let home = Home::resolve(None, None, Path::new("/nonexistent-user")).unwrap();
        assert_eq!((home.path, home.explicit), (PathBuf::from("/nonexistent-user/.agent-tty"), false));
    }

    #[test]
    fn rejects_empty_and_relative() {
        let err = Home::resolve(Some(""), None, Path::new("/u")).unwrap_err();
        assert_eq!(err.message, "--home must not be empty.");
        let err = Home::resolve(None, Some("rel"), Path::new("/u")).unwrap_err();
        assert_eq!(err.message, "AGENT_TTY_HOME must be an absolute path.");
        assert_eq!(err.details["source"], "env");
    }

    #[test]
    fn config_is_strict() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        assert!(Config::load(&path).unwrap().idle_timeout_ms.is_none());
        std::fs::write(&path, r#"{"idleTimeoutMs": 5, "logLevel": "warn"}"#).unwrap();
        let config = Config::load(&path).unwrap();
        assert_eq!((config.idle_timeout_ms, config.log_level), (Some(5), Some(LogLevel::Warn)));
        std::fs::write(&path, r#"{"bogus": 1}"#).unwrap();
        assert!(Config::load(&path).unwrap_err().message.contains("bogus"));
        std::fs::write(&path, "{").unwrap();
        assert_eq!(Config::load(&path).unwrap_err().code.exit_code(), 2);
    }
}
