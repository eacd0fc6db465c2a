//! Session addressing: turns what a user typed where a session id is taken (every command
//! with a session argument, `batch`, `wait`, `record export`, `dashboard --session`) into
//! the full id of one session of the Home.
//!
//! The rules, first match wins:
//! 1. **Exact full id**: `<home>/sessions/<input>/session.json` exists. This costs one
//!    `stat`, so 0.5 scripts that pass full ids see no change at all.
//! 2. **Exact name** (`create --name`, compared exactly, case included). A name held by
//!    several sessions resolves to the one of them that is active (`running`, `exiting`,
//!    `destroying`) when exactly one is, so a name can be reused after its session ended;
//!    otherwise it is `INVALID_INPUT` listing the candidates.
//! 3. **Unique id prefix**, compared ASCII-case-insensitively (ids are ULIDs, whose
//!    Crockford base-32 alphabet is case-insensitive). Several matches are `INVALID_INPUT`
//!    listing the candidates.
//!
//! Nothing matching is `SESSION_NOT_FOUND` (exit 3). Its JSON `message` keeps the 0.5 text
//! (`Session "<input>" was not found.`); `details.home` and the human message name the
//! Home that was searched, and other registered Homes holding a matching session.
//!
//! An input that is not a valid id (`a/b`, `..`, empty) may still be a name; when no
//! session has that name it stays `INVALID_SESSION_ID`. Resolution only reads: nothing
//! is reconciled, so statuses are the ones on disk.

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, ErrorCode, Result};
use crate::manifest::{SessionRecord, Status};
use crate::paths::{SessionPaths, sessions_dir, validate_session_id};
use crate::{env, registry};

/// How many candidates an ambiguity message names (details list them all).
const NAMED_IN_MESSAGE: usize = 5;

/// A session that an input could address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The full session id (its directory name).
    pub id: String,
    /// Its `--name`, if any.
    pub name: Option<String>,
    /// Its status as saved.
    pub status: Status,
}

/// What an input matched among the candidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// Exactly one session: its full id.
    One(String),
    /// Several sessions share the name (none or several of them active).
    AmbiguousName(Vec<Candidate>),
    /// Several ids start with the prefix.
    AmbiguousPrefix(Vec<Candidate>),
    /// Nothing.
    None,
}

/// Applies the name and prefix rules (rules 2 and 3) to `candidates`. Rule 1, the exact
/// id, is also honoured here (the caller usually settles it with one `stat` first).
pub fn choose(input: &str, candidates: &[Candidate]) -> Match {
    if let Some(exact) = candidates.iter().find(|c| c.id == input) {
        return Match::One(exact.id.clone());
    }
    let named: Vec<&Candidate> = candidates.iter().filter(|c| c.name.as_deref() == Some(input)).collect();
    match named.as_slice() {
        [] => {}
        [one] => return Match::One(one.id.clone()),
        several => {
            let active: Vec<&&Candidate> = several.iter().filter(|c| c.status.is_active()).collect();
            if let [one] = active.as_slice() {
                return Match::One(one.id.clone());
            }
            return Match::AmbiguousName(several.iter().map(|c| (*c).clone()).collect());
        }
    }
    if input.is_empty() || validate_session_id(input).is_err() {
        return Match::None;
    }
    let prefixed: Vec<&Candidate> =
        candidates.iter().filter(|c| starts_with_ignore_case(&c.id, input)).collect();
    match prefixed.as_slice() {
        [] => Match::None,
        [one] => Match::One(one.id.clone()),
        several => Match::AmbiguousPrefix(several.iter().map(|c| (*c).clone()).collect()),
    }
}

fn starts_with_ignore_case(id: &str, prefix: &str) -> bool {
    id.len() >= prefix.len()
        && id.is_char_boundary(prefix.len())
        && id[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// The sessions of `home` with a readable manifest, in id order. Directories whose
/// name is not a valid id, or whose manifest is missing or invalid, are left out.
pub fn candidates(home: &Path) -> Vec<Candidate> {
    let Ok(entries) = std::fs::read_dir(sessions_dir(home)) else {
        return Vec::new();
    };
    let mut found: Vec<Candidate> = entries
        .flatten()
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|id| validate_session_id(id).is_ok())
        .filter_map(|id| {
            let record = SessionRecord::read(&SessionPaths::new(home, &id).manifest).ok()??;
            Some(Candidate { name: record.name, status: record.status, id })
        })
        .collect();
    found.sort_by(|a, b| a.id.cmp(&b.id));
    found
}

/// Resolves `input` to the full id of one session of `home` (see the module rules).
pub fn resolve(home: &Path, input: &str) -> Result<String> {
    if input.is_empty() {
        validate_session_id(input)?;
    }
    if validate_session_id(input).is_ok()
        && SessionPaths::new(home, input).manifest.symlink_metadata().is_ok()
    {
        return Ok(input.to_string());
    }
    match choose(input, &candidates(home)) {
        Match::One(id) => Ok(id),
        Match::AmbiguousName(several) => Err(ambiguous(home, input, "name", &several)),
        Match::AmbiguousPrefix(several) => Err(ambiguous(home, input, "prefix", &several)),
        Match::None => {
            validate_session_id(input)?;
            Err(not_found(home, input))
        }
    }
}

/// `SESSION_NOT_FOUND` for `input` in `home`: the 0.5 message and details, plus the
/// Home (in `details.home` and the human message) and the other registered Homes where
/// `input` would have matched (`details.foundInHomes`, and the human message).
pub fn not_found(home: &Path, input: &str) -> Error {
    let home_text = home.display().to_string();
    let elsewhere = other_homes_matching(home, input);
    let mut human = format!(
        "Session \"{input}\" was not found in Home {home_text} (looked for an id, an id prefix or a name)."
    );
    match elsewhere.as_slice() {
        [] => human.push_str(
            " Run `agent-tty list --all` to see its sessions, or pass --home <dir> for another Home.",
        ),
        [other] => human.push_str(&format!(" Home {other} has a matching session: pass --home {other}.")),
        several => human.push_str(&format!(
            " Homes with a matching session: {}; pass --home <dir> to use one.",
            several.join(", ")
        )),
    }
    let mut error = Error::new(ErrorCode::SessionNotFound, format!("Session \"{input}\" was not found."))
        .with("sessionId", input)
        .with("manifestPath", SessionPaths::new(home, input).manifest.display().to_string())
        .with("home", home_text)
        .with_human(human);
    if !elsewhere.is_empty() {
        error = error.with("foundInHomes", elsewhere);
    }
    error
}

/// `INVALID_INPUT`: `input` matched several sessions by `rule` (`name` or `prefix`).
fn ambiguous(home: &Path, input: &str, rule: &str, several: &[Candidate]) -> Error {
    let listed: Vec<String> = several
        .iter()
        .take(NAMED_IN_MESSAGE)
        .map(|c| match &c.name {
            // Quoted and escaped: a name may hold any character, the message is one line.
            Some(name) => format!("{} {name:?} {}", c.id, c.status.as_str()),
            None => format!("{} {}", c.id, c.status.as_str()),
        })
        .collect();
    let more = several.len().saturating_sub(NAMED_IN_MESSAGE);
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    let (what, fix) = if rule == "name" {
        (format!("are named {input:?}"), "Pass the session id instead")
    } else {
        (format!("have ids starting with \"{input}\""), "Pass more characters of the id, or the full id")
    };
    let candidates = several
        .iter()
        .map(|c| CandidateDetail { session_id: &c.id, name: c.name.as_deref(), status: c.status.as_str() })
        .collect();
    Error::invalid_input(format!(
        "Session \"{input}\" is ambiguous: {} sessions {what}: {}{more}. {fix} (see agent-tty list --all).",
        several.len(),
        listed.join(", ")
    ))
    .with_fields(&AmbiguousDetails {
        session_id: input,
        matched_by: rule,
        candidates,
        home: home.display().to_string(),
    })
}

/// The `details` of an ambiguous address.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AmbiguousDetails<'a> {
    session_id: &'a str,
    matched_by: &'a str,
    candidates: Vec<CandidateDetail<'a>>,
    home: String,
}

/// One session an ambiguous address matched: `{sessionId, name, status}` (`name` null
/// when it has none).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CandidateDetail<'a> {
    session_id: &'a str,
    name: Option<&'a str>,
    status: &'static str,
}

/// The other registered Homes (from the Home Registry of this user) holding a session
/// that `input` matches by id, name or unique prefix.
fn other_homes_matching(home: &Path, input: &str) -> Vec<String> {
    let xdg = std::env::var(env::XDG_STATE_HOME).ok();
    let user_home = std::env::var_os(env::HOME)
        .filter(|h| !h.is_empty())
        .map_or_else(|| std::path::PathBuf::from("/"), std::path::PathBuf::from);
    let this = registry::normalize_home(home);
    registry::read(&registry::registry_path(xdg.as_deref(), &user_home))
        .into_iter()
        .map(|entry| entry.path)
        .filter(|path| *path != this)
        .filter(|path| !matches!(choose(input, &candidates(Path::new(path))), Match::None))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "01KMDQ9S6XFPBFZSKPGJCGN2KX";
    const B: &str = "01KMDQ9S6XFPBFZSKPGJCGN2KY";
    const C: &str = "01KMEAAAAAAAAAAAAAAAAAAAAA";

    fn c(id: &str, name: Option<&str>, status: Status) -> Candidate {
        Candidate { id: id.into(), name: name.map(Into::into), status }
    }

    fn sample() -> Vec<Candidate> {
        vec![
            c(A, Some("web"), Status::Running),
            c(B, Some("db"), Status::Exited),
            c(C, None, Status::Running),
        ]
    }

    #[test]
    fn exact_id_then_name_then_unique_prefix() {
        let all = sample();
        assert_eq!(choose(A, &all), Match::One(A.into()));
        assert_eq!(choose("web", &all), Match::One(A.into()));
        assert_eq!(choose("db", &all), Match::One(B.into()));
        assert_eq!(choose("01KME", &all), Match::One(C.into()));
        assert_eq!(choose(&B[..25], &all), Match::AmbiguousPrefix(vec![all[0].clone(), all[1].clone()]));
        assert_eq!(choose(&B[..26], &all), Match::One(B.into()));
    }

    #[test]
    fn prefixes_ignore_case_names_do_not() {
        let all = sample();
        assert_eq!(choose("01kme", &all), Match::One(C.into()));
        assert_eq!(choose(&A.to_lowercase(), &all), Match::One(A.into()));
        assert_eq!(choose("WEB", &all), Match::None);
    }

    #[test]
    fn a_name_wins_over_a_prefix_and_an_id_over_a_name() {
        let mut all = sample();
        all.push(c("01KMF0000000000000000000000", Some("01KME"), Status::Exited));
        assert_eq!(choose("01KME", &all), Match::One("01KMF0000000000000000000000".into()));
        all.push(c("01KMG0000000000000000000000", Some(A), Status::Running));
        assert_eq!(choose(A, &all), Match::One(A.into()));
    }

    #[test]
    fn a_shared_name_resolves_to_its_only_active_session() {
        let mut all = sample();
        all.push(c("01KMZ0000000000000000000000", Some("web"), Status::Destroyed));
        assert_eq!(choose("web", &all), Match::One(A.into()));
        all.push(c("01KMZ1000000000000000000000", Some("web"), Status::Running));
        match choose("web", &all) {
            Match::AmbiguousName(several) => assert_eq!(several.len(), 3),
            other => panic!("expected an ambiguous name, got {other:?}"),
        }
        let ended = vec![c(A, Some("x"), Status::Exited), c(B, Some("x"), Status::Destroyed)];
        assert!(matches!(choose("x", &ended), Match::AmbiguousName(v) if v.len() == 2));
    }

    #[test]
    fn invalid_ids_match_only_names() {
        let mut all = sample();
        assert_eq!(choose("a/b", &all), Match::None);
        assert_eq!(choose("", &all), Match::None);
        all.push(c(C, Some("my/app"), Status::Running));
        assert_eq!(choose("my/app", &all), Match::One(C.into()));
    }

    fn write(home: &Path, id: &str, name: Option<&str>, status: &str) {
        let dir = home.join("sessions").join(id);
        std::fs::create_dir_all(&dir).unwrap();
        let mut manifest = serde_json::json!({
            "version": 1, "sessionId": id, "createdAt": "2026-01-01T00:00:00.000Z",
            "updatedAt": "2026-01-01T00:00:00.000Z", "status": status, "command": ["sh"],
            "cwd": "/", "cols": 80, "rows": 24, "hostPid": null, "childPid": null,
            "exitCode": null, "exitSignal": null,
        });
        if let Some(name) = name {
            manifest["name"] = name.into();
        }
        std::fs::write(dir.join("session.json"), manifest.to_string()).unwrap();
    }

    #[test]
    fn resolves_from_the_files_of_the_home() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        write(home, A, Some("web"), "running");
        write(home, B, None, "exited");
        std::fs::create_dir_all(home.join("sessions/01KMDQ-no-manifest")).unwrap();
        std::fs::create_dir_all(home.join("sessions/01KMDQ-corrupt")).unwrap();
        std::fs::write(home.join("sessions/01KMDQ-corrupt/session.json"), "{").unwrap();
        assert_eq!(candidates(home).len(), 2);
        assert_eq!(resolve(home, A).unwrap(), A);
        assert_eq!(resolve(home, "web").unwrap(), A);
        assert_eq!(resolve(home, "01kmdq9s6xfpbfzskpgjcgn2ky").unwrap(), B);

        let err = resolve(home, "01KMDQ").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert_eq!(err.details["matchedBy"], "prefix");
        assert_eq!(err.details["candidates"].as_array().unwrap().len(), 2);
        assert_eq!(
            err.details["candidates"][0],
            serde_json::json!({ "sessionId": A, "name": "web", "status": "running" })
        );
        assert!(
            err.message.contains(A) && err.message.contains("\"web\" running") && err.message.contains(B)
        );

        let err = resolve(home, "nope").unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (ErrorCode::SessionNotFound, "Session \"nope\" was not found.")
        );
        assert_eq!(err.details["home"], home.display().to_string());
        assert!(
            err.human_message().contains(&format!("in Home {}", home.display())),
            "{}",
            err.human_message()
        );

        for bad in ["a/b", "..", ""] {
            assert_eq!(resolve(home, bad).unwrap_err().code, ErrorCode::InvalidSessionId, "{bad:?}");
        }
        write(home, C, Some(".."), "running");
        assert_eq!(resolve(home, "..").unwrap(), C);
    }

    #[test]
    fn a_missing_home_finds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("absent");
        assert_eq!(resolve(&home, A).unwrap_err().code, ErrorCode::SessionNotFound);
        assert!(!home.exists(), "resolving never creates the Home");
    }
}
