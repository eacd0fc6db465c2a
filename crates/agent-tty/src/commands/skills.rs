//! `agent-tty skills list|get|path`: the bundled guides that teach an agent this CLI.
//!
//! The skills live in the repository's `skills/<dir>/SKILL.md` and are compiled into the
//! binary (`include_str!`), so `list` and `get` never touch the disk. Each SKILL.md starts
//! with a strict front matter (agent-tty 0.5.0's rules): a `---` line, `key: value` lines
//! (split at the first `:`, both sides trimmed, no YAML quoting), a closing `---` line and
//! a non-empty body. Keys: `name` and `description` (required, non-empty), `advertise`
//! (`true`/`false`, default `true`, parsed but filtering nothing); unknown or duplicate
//! keys are errors, as are duplicate names. A bundled skill that breaks these rules is a
//! build bug, reported as `INTERNAL_ERROR`.
//!
//! `path` (and `get --json`'s `path`) must name real files although the content is
//! compiled in. Decision: when the source checkout this binary was built from still has
//! `skills/<dir>/SKILL.md` with exactly the bundled bytes, that directory is the answer
//! (a developer build points at the files they edit). Otherwise the bundled file is
//! materialised, atomically and only when missing or different, at
//! `${XDG_DATA_HOME:-~/.local/share}/agent-tty/skills/<dir>/SKILL.md` (`XDG_DATA_HOME`
//! counts only when absolute), and that directory is returned. Either way the file at the
//! returned path is byte-identical to what `get` prints.
//!
//! An unknown name, and any name with `/`, `\`, or equal to `.`/`..`, is
//! `SKILL_NOT_FOUND` "Skill not found." with details `{name}` (exit 1).

use std::path::{Path, PathBuf};

use agent_tty_core::{Error, ErrorCode, Result, env, fsio};
use schemars::JsonSchema;
use serde::Serialize;

use crate::output::Outcome;

/// `XDG_DATA_HOME`, where materialised skills go.
const XDG_DATA_HOME: &str = "XDG_DATA_HOME";

/// A SKILL.md compiled into the binary, by directory name.
struct Bundled {
    dir: &'static str,
    content: &'static str,
}

const BUNDLED: [Bundled; 2] = [
    Bundled { dir: "agent-tty", content: include_str!("../../../../skills/agent-tty/SKILL.md") },
    Bundled { dir: "dogfood-tui", content: include_str!("../../../../skills/dogfood-tui/SKILL.md") },
];

/// The front matter of a SKILL.md.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Meta {
    name: String,
    description: String,
    /// Parsed and validated, but (as in agent-tty 0.5.0) it filters no listing.
    #[allow(dead_code)]
    advertise: bool,
}

/// One loaded skill.
struct Skill {
    meta: Meta,
    dir: &'static str,
    content: &'static str,
}

/// Runs `skills list`.
pub fn list() -> Result<Outcome> {
    let skills = load_all()?;
    let human: Vec<String> =
        skills.iter().map(|s| format!("{}  {}", s.meta.name, s.meta.description)).collect();
    let skills = skills
        .into_iter()
        .map(|s| SkillRow { name: s.meta.name, description: s.meta.description, source: BUNDLED_SOURCE })
        .collect();
    Ok(Outcome::new(SkillsListResult { skills }, human))
}

/// Where the skills come from (the only source).
const BUNDLED_SOURCE: &str = "bundled";

/// The result of `skills list`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SkillsListResult {
    /// The bundled skills, by name.
    pub skills: Vec<SkillRow>,
}

/// One skill of `skills list`.
#[derive(Debug, Serialize, JsonSchema)]
#[allow(missing_docs)]
pub struct SkillRow {
    pub name: String,
    pub description: String,
    /// Always `bundled`.
    pub source: &'static str,
}

/// The result of `skills get`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SkillGetResult {
    /// The skill's name.
    pub name: String,
    /// Always `bundled`.
    pub source: &'static str,
    /// Its SKILL.md (JSON mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The SKILL.md text.
    pub content: &'static str,
}

/// The result of `skills path`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SkillPathResult {
    /// The skill's name.
    pub name: String,
    /// Always `bundled`.
    pub source: &'static str,
    /// The skill's directory.
    pub path: String,
}

/// Runs `skills get`: the SKILL.md verbatim in human mode; in JSON mode also where it is.
pub fn get(name: &str, json_mode: bool) -> Result<Outcome> {
    let skill = find(name)?;
    let path = match json_mode {
        true => Some(skill_dir(&skill)?.join("SKILL.md").to_string_lossy().into_owned()),
        false => None,
    };
    let result =
        SkillGetResult { name: skill.meta.name, source: BUNDLED_SOURCE, path, content: skill.content };
    let mut outcome = Outcome::new(result, Vec::new());
    outcome.raw = Some(skill.content.to_string());
    Ok(outcome)
}

/// Runs `skills path`: the skill's directory.
pub fn path(name: &str) -> Result<Outcome> {
    let skill = find(name)?;
    let dir = skill_dir(&skill)?.to_string_lossy().into_owned();
    let result = SkillPathResult { name: skill.meta.name, source: BUNDLED_SOURCE, path: dir.clone() };
    Ok(Outcome::new(result, vec![dir]))
}

/// Every bundled skill, parsed and sorted by name.
fn load_all() -> Result<Vec<Skill>> {
    let mut skills: Vec<Skill> = Vec::with_capacity(BUNDLED.len());
    for bundled in &BUNDLED {
        let meta = parse(bundled.content).map_err(|message| {
            Error::internal(format!("Bundled skill {} is invalid: {message}", bundled.dir))
        })?;
        if skills.iter().any(|s| s.meta.name == meta.name) {
            return Err(Error::internal(format!("Two bundled skills are named {:?}.", meta.name)));
        }
        skills.push(Skill { meta, dir: bundled.dir, content: bundled.content });
    }
    skills.sort_by(|a, b| a.meta.name.cmp(&b.meta.name));
    Ok(skills)
}

/// The skill called `name`, or `SKILL_NOT_FOUND`.
fn find(name: &str) -> Result<Skill> {
    let not_found = || Error::new(ErrorCode::SkillNotFound, "Skill not found.").with("name", name);
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\']) {
        return Err(not_found());
    }
    load_all()?.into_iter().find(|s| s.meta.name == name).ok_or_else(not_found)
}

/// Parses the front matter of a SKILL.md (rules in the module docs).
fn parse(content: &str) -> std::result::Result<Meta, String> {
    let mut lines = content.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    if lines.next().map(str::trim_end) != Some("---") {
        return Err("SKILL.md must start with a '---' line".to_string());
    }
    let (mut name, mut description, mut advertise) = (None, None, None);
    let mut closed = false;
    for (index, line) in lines.by_ref().enumerate() {
        if line.trim_end() == "---" {
            closed = true;
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        let number = index + 2;
        let (key, value) =
            line.split_once(':').ok_or_else(|| format!("front matter line {number} is not `key: value`"))?;
        let (key, value) = (key.trim(), value.trim().to_string());
        let slot = match key {
            "name" => &mut name,
            "description" => &mut description,
            "advertise" => &mut advertise,
            other => return Err(format!("unknown front matter key {other:?} on line {number}")),
        };
        if slot.replace(value).is_some() {
            return Err(format!("duplicate front matter key {key:?} on line {number}"));
        }
    }
    if !closed {
        return Err("the front matter is not closed by a '---' line".to_string());
    }
    if lines.all(|l| l.trim().is_empty()) {
        return Err("the body after the front matter is empty".to_string());
    }
    let required = |value: Option<String>, key: &str| {
        value.filter(|v| !v.is_empty()).ok_or_else(|| format!("front matter needs a non-empty {key:?}"))
    };
    let advertise = match advertise.as_deref() {
        None | Some("true") => true,
        Some("false") => false,
        Some(other) => return Err(format!("advertise must be true or false, not {other:?}")),
    };
    Ok(Meta { name: required(name, "name")?, description: required(description, "description")?, advertise })
}

/// Where the files of `skill` are (see the module docs).
fn skill_dir(skill: &Skill) -> Result<PathBuf> {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../skills").join(skill.dir);
    locate(skill.dir, skill.content, &checkout, &data_home())
}

/// `checkout` when it holds exactly `content` as SKILL.md; otherwise
/// `<data_home>/agent-tty/skills/<dir>`, (re)written atomically when needed.
fn locate(dir: &str, content: &str, checkout: &Path, data_home: &Path) -> Result<PathBuf> {
    let same = |folder: &Path| std::fs::read(folder.join("SKILL.md")).is_ok_and(|b| b == content.as_bytes());
    if same(checkout) {
        return Ok(checkout.canonicalize().unwrap_or_else(|_| checkout.to_path_buf()));
    }
    let target = data_home.join("agent-tty").join("skills").join(dir);
    if !same(&target) {
        std::fs::create_dir_all(&target).map_err(|e| Error::storage_write(&target, &e))?;
        fsio::write_atomic(&target.join("SKILL.md"), content.as_bytes())?;
    }
    Ok(target)
}

/// `$XDG_DATA_HOME` when set and absolute, else `$HOME/.local/share`.
fn data_home() -> PathBuf {
    let xdg = std::env::var_os(XDG_DATA_HOME).map(PathBuf::from).filter(|p| p.is_absolute());
    xdg.unwrap_or_else(|| {
        let home = std::env::var_os(env::HOME).filter(|h| !h.is_empty()).unwrap_or_else(|| "/".into());
        Path::new(&home).join(".local").join("share")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "---\nname: demo\ndescription: A demo: with a colon\n---\n# Body\n";

    #[test]
    fn parses_the_front_matter() {
        let meta = parse(GOOD).unwrap();
        assert_eq!(
            meta,
            Meta { name: "demo".into(), description: "A demo: with a colon".into(), advertise: true }
        );
        let meta =
            parse("---\r\n name :  x \r\n\r\ndescription: y\r\nadvertise: false\r\n---\r\nbody").unwrap();
        assert_eq!((meta.name.as_str(), meta.description.as_str(), meta.advertise), ("x", "y", false));
    }

    #[test]
    fn rejects_a_missing_opening_or_closing_line() {
        assert!(parse("name: demo\ndescription: d\n---\nbody").unwrap_err().contains("start with"));
        assert!(parse("\n---\nname: demo\ndescription: d\n---\nbody").unwrap_err().contains("start with"));
        assert!(parse("---\nname: demo\ndescription: d\n").unwrap_err().contains("not closed"));
    }

    #[test]
    fn rejects_unknown_and_duplicate_keys_and_bad_lines() {
        let err = parse("---\nname: a\ndescription: d\nversion: 1\n---\nbody").unwrap_err();
        assert!(err.contains("unknown front matter key \"version\""), "{err}");
        let err = parse("---\nname: a\nname: b\ndescription: d\n---\nbody").unwrap_err();
        assert!(err.contains("duplicate front matter key \"name\""), "{err}");
        assert!(parse("---\nname a\ndescription: d\n---\nbody").unwrap_err().contains("key: value"));
        assert!(
            parse("---\nname: a\ndescription: d\nadvertise: yes\n---\nb").unwrap_err().contains("advertise")
        );
    }

    #[test]
    fn rejects_missing_values_and_an_empty_body() {
        assert!(parse("---\nname: a\n---\nbody").unwrap_err().contains("\"description\""));
        assert!(parse("---\nname:\ndescription: d\n---\nbody").unwrap_err().contains("\"name\""));
        assert!(parse("---\nname: a\ndescription: d\n---\n").unwrap_err().contains("body"));
        assert!(parse("---\nname: a\ndescription: d\n---\n \n\t\n").unwrap_err().contains("body"));
        assert!(parse("---\nname: a\ndescription: d\n---").unwrap_err().contains("body"));
    }

    #[test]
    fn bundled_skills_are_valid_and_sorted() {
        let skills = load_all().unwrap();
        let names: Vec<&str> = skills.iter().map(|s| s.meta.name.as_str()).collect();
        assert_eq!(names, ["agent-tty", "dogfood-tui"]);
        for skill in &skills {
            assert_eq!(skill.meta.name, skill.dir, "a skill's name matches its directory");
        }
    }

    #[test]
    fn rejects_path_like_names() {
        for name in ["", ".", "..", "../agent-tty", "agent-tty/", "a\\b", "nope"] {
            let err = find(name).err().unwrap();
            assert_eq!(err.code, ErrorCode::SkillNotFound, "{name:?}");
            assert_eq!(err.message, "Skill not found.");
            assert_eq!(err.details["name"], name);
        }
    }

    #[test]
    fn locates_the_checkout_or_materialises_the_bundled_file() {
        let root = tempfile::tempdir().unwrap();
        let (checkout, data) = (root.path().join("checkout/demo"), root.path().join("data"));
        let materialised = data.join("agent-tty/skills/demo");
        // No checkout: written under the data home, and again after it was changed.
        assert_eq!(locate("demo", GOOD, &checkout, &data).unwrap(), materialised);
        assert_eq!(std::fs::read_to_string(materialised.join("SKILL.md")).unwrap(), GOOD);
        std::fs::write(materialised.join("SKILL.md"), "stale").unwrap();
        assert_eq!(locate("demo", GOOD, &checkout, &data).unwrap(), materialised);
        assert_eq!(std::fs::read_to_string(materialised.join("SKILL.md")).unwrap(), GOOD);
        // A checkout with other bytes is not used; one with the same bytes is.
        std::fs::create_dir_all(&checkout).unwrap();
        std::fs::write(checkout.join("SKILL.md"), "edited").unwrap();
        assert_eq!(locate("demo", GOOD, &checkout, &data).unwrap(), materialised);
        std::fs::write(checkout.join("SKILL.md"), GOOD).unwrap();
        assert_eq!(locate("demo", GOOD, &checkout, &data).unwrap(), checkout.canonicalize().unwrap());
        // Nothing but SKILL.md is left in the materialised directory (no temp files).
        let names: Vec<_> =
            std::fs::read_dir(&materialised).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["SKILL.md"]);
    }
}
