//! `skills list|get|path` against the repository's `skills/` folder, and `doctor`: the
//! check names and order, the result shape, a Home that cannot be created (exit 1 with an
//! `ok: true` envelope), the human layout, and no scratch sessions left behind.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::{CAPABILITIES, TestHome, assert_keys};

const ENVIRONMENT: [&str; 9] = [
    "node-runtime",
    "cwd-access",
    "temp-dir",
    "home_isolation",
    "home-writable",
    "pty-spawn",
    "socket-viable",
    "artifact-atomicity",
    "event-log-writable",
];
const ENVIRONMENT_LABELS: [&str; 9] =
    ["node", "cwd", "temp", "home-isolation", "home-write", "pty", "socket", "artifacts", "event-log"];
const RENDERER: [&str; 7] = [
    "playwright_available",
    "browser_cache_accessible",
    "browser_launch",
    "ghostty_web_available",
    "screenshot_viable",
    "libghostty_vt_available",
    "fallback_fonts_available",
];
const RENDERER_LABELS: [&str; 7] =
    ["playwright", "browser-cache", "browser", "ghostty-web", "screenshot", "libghostty-vt", "fonts"];

/// `<repo>/skills/<dir>`.
fn skill_dir(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../skills").join(dir).canonicalize().unwrap()
}

/// The repository's SKILL.md of `dir`.
fn skill_file(dir: &str) -> String {
    std::fs::read_to_string(skill_dir(dir).join("SKILL.md")).unwrap()
}

/// The `description:` of a SKILL.md's front matter.
fn description(content: &str) -> String {
    let line = content.lines().find(|l| l.starts_with("description:")).expect("a description line");
    line["description:".len()..].trim().to_string()
}

#[test]
fn skills_list_human_and_json() {
    let t = TestHome::new();
    let human = t.at(&["skills", "list"]).human_ok().to_string();
    let expected: Vec<String> = ["agent-tty", "dogfood-tui"]
        .iter()
        .map(|name| format!("{name}  {}", description(&skill_file(name))))
        .collect();
    assert_eq!(human.lines().collect::<Vec<_>>(), expected);

    let result = t.at(&["skills", "list", "--json"]).ok("skills list");
    assert_keys(&result, &["skills"]);
    let skills = result["skills"].as_array().unwrap();
    let names: Vec<&str> = skills.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["agent-tty", "dogfood-tui"], "sorted by name");
    for skill in skills {
        assert_keys(skill, &["name", "description", "source"]);
        assert_eq!(skill["source"], "bundled");
        let name = skill["name"].as_str().unwrap();
        assert_eq!(skill["description"], description(&skill_file(name)));
    }
    assert!(!t.home.exists(), "skills must not create the Home");
}

#[test]
fn skills_get_prints_the_file_verbatim() {
    let t = TestHome::new();
    for name in ["agent-tty", "dogfood-tui"] {
        let file = skill_file(name);
        assert!(file.starts_with(&format!("---\nname: {name}\n")), "{name} front matter");
        let out = t.at(&["skills", "get", name]);
        assert_eq!(out.human_ok(), file, "human `skills get {name}` is the file, nothing appended");

        let result = t.at(&["skills", "get", name, "--json"]).ok("skills get");
        assert_keys(&result, &["name", "source", "path", "content"]);
        assert_eq!(result["name"], name);
        assert_eq!(result["source"], "bundled");
        assert_eq!(result["content"], file.as_str());
        let path = Path::new(result["path"].as_str().unwrap());
        assert_eq!(path, skill_dir(name).join("SKILL.md"));
        assert_eq!(std::fs::read_to_string(path).unwrap(), file, "the path holds exactly the content");
    }
}

#[test]
fn skills_path_names_a_directory_with_the_skill() {
    let t = TestHome::new();
    let out = t.at(&["skills", "path", "agent-tty"]);
    let printed = out.human_ok().strip_suffix('\n').unwrap().to_string();
    assert!(!printed.contains('\n'), "one line: {printed:?}");
    let dir = Path::new(&printed);
    assert!(dir.is_absolute() && dir.is_dir(), "{printed}");
    assert_eq!(std::fs::read_to_string(dir.join("SKILL.md")).unwrap(), skill_file("agent-tty"));
    assert_eq!(dir, skill_dir("agent-tty"));

    let result = t.at(&["skills", "path", "dogfood-tui", "--json"]).ok("skills path");
    assert_keys(&result, &["name", "source", "path"]);
    assert_eq!(result["name"], "dogfood-tui");
    assert_eq!(result["source"], "bundled");
    let dir = Path::new(result["path"].as_str().unwrap());
    assert_eq!(std::fs::read_to_string(dir.join("SKILL.md")).unwrap(), skill_file("dogfood-tui"));
}

#[test]
fn unknown_and_path_like_skill_names_are_not_found() {
    let t = TestHome::new();
    for name in ["nope", "../agent-tty", "agent-tty/..", "skills/agent-tty", "agent-tty\\x", ".", ".."] {
        for sub in ["get", "path"] {
            let message = t.at(&["skills", sub, name]).human_err(1, "SKILL_NOT_FOUND");
            assert_eq!(message, "Skill not found.", "skills {sub} {name:?}");
            let error =
                t.at(&["skills", sub, name, "--json"]).err(&format!("skills {sub}"), 1, "SKILL_NOT_FOUND");
            assert_eq!(error["message"], "Skill not found.");
            assert_eq!(error["details"], json!({ "name": name }));
        }
    }
    let out = t.at(&["skills", "get", "nope"]);
    assert_eq!((out.stdout.as_str(), out.stderr.as_str()), ("", "SKILL_NOT_FOUND: Skill not found.\n"));
}

#[test]
fn the_singular_skill_command_is_a_usage_error() {
    let t = TestHome::new();
    let out = t.at(&["skill", "list"]);
    out.exit(2);
    assert!(out.stderr.contains("skills"), "suggests `skills`: {}", out.stderr);
}

/// The `doctor-*` scratch sessions left in a Home.
fn scratch_left(home: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(home.join("sessions")) else { return Vec::new() };
    entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("doctor-"))
        .collect()
}

/// Checks a doctor result's shape, names and order; returns the checks of both groups.
fn assert_doctor_shape(result: &Value) -> (Vec<Value>, Vec<Value>) {
    assert_keys(result, &["ok", "checks", "capabilities"]);
    assert_keys(&result["checks"], &["environment", "renderer"]);
    let groups = [("environment", &ENVIRONMENT[..]), ("renderer", &RENDERER[..])];
    let mut found = Vec::new();
    for (group, names) in groups {
        let checks = result["checks"][group].as_array().unwrap().clone();
        let actual: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(actual, names, "{group} checks and order");
        for check in &checks {
            assert_keys(check, &["name", "status", "message", "durationMs"]);
            assert!(["pass", "fail", "skip"].contains(&check["status"].as_str().unwrap()), "{check}");
            assert!(!check["message"].as_str().unwrap().is_empty(), "{check}");
            assert!(check["durationMs"].is_u64(), "{check}");
        }
        found.push(checks);
    }
    let capabilities = result["capabilities"].as_array().unwrap();
    let names: Vec<&str> = capabilities.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, CAPABILITIES);
    for capability in capabilities {
        assert_keys(capability, &["name", "status", "reason", "detail"]);
    }
    let renderer = found.pop().unwrap();
    (found.pop().unwrap(), renderer)
}

#[test]
fn doctor_json_passes_or_skips_everything_here() {
    let t = TestHome::new();
    let result = t.at(&["doctor", "--json"]).ok("doctor");
    let (environment, renderer) = assert_doctor_shape(&result);
    assert_eq!(result["ok"], true);
    for check in &environment {
        assert_eq!(check["status"], "pass", "{check}");
    }
    let statuses: Vec<&str> = renderer.iter().map(|c| c["status"].as_str().unwrap()).collect();
    assert_eq!(statuses[..6], ["skip", "skip", "skip", "skip", "pass", "pass"]);
    // The CJK/emoji fallback fonts pass where installed (CI installs them) and are
    // skipped, never failed, where not.
    assert!(["pass", "skip"].contains(&statuses[6]), "{statuses:?}");
    let message = |name: &str| {
        let all = environment.iter().chain(&renderer);
        all.clone().find(|c| c["name"] == name).unwrap()["message"].as_str().unwrap().to_string()
    };
    let home = t.home_str();
    assert!(message("node-runtime").starts_with("native binary (no Node.js needed): agent-tty "));
    assert_eq!(message("cwd-access"), format!("cwd read/write: {}", t.work.display()));
    assert_eq!(message("home_isolation"), format!("agent-tty home is isolated from system home: {home}"));
    assert_eq!(message("home-writable"), format!("home writable: {home}"));
    assert_eq!(message("pty-spawn"), "spawned /bin/echo");
    let socket = message("socket-viable");
    let socket_dir = crate::support::socket_dir(&t.home);
    assert!(socket.starts_with(&format!("socket ok: {}/", socket_dir.display())), "{socket}");
    assert_eq!(socket.len(), "socket ok: ".len() + 36, "/tmp/agent-tty/<H8>/<S12>: {socket}");
    for (name, prefix, suffix) in [
        ("artifact-atomicity", "atomic rename ok: ", "/artifacts"),
        ("event-log-writable", "append ok: ", "/events.jsonl"),
    ] {
        let m = message(name);
        assert!(m.starts_with(&format!("{prefix}{home}/sessions/doctor-")) && m.ends_with(suffix), "{m}");
        assert!(!Path::new(&m[prefix.len()..]).exists(), "scratch removed: {m}");
    }
    assert!(message("libghostty_vt_available").contains("agent-tty-vt"));
    assert!(message("screenshot_viable").starts_with("native renderer agent-tty-render wrote a 80x32 PNG"));
    let fonts = message("fallback_fonts_available");
    match statuses[6] {
        "pass" => assert!(fonts.starts_with("CJK: ") && fonts.contains("; emoji: "), "{fonts}"),
        _ => assert!(fonts.contains("hollow boxes") && fonts.contains("install fonts-noto-"), "{fonts}"),
    }
    for capability in &result["capabilities"].as_array().unwrap()[..2] {
        assert_eq!(capability["status"], "available", "{capability}");
        assert_eq!(capability["detail"], message("libghostty_vt_available"));
    }
    let capabilities = result["capabilities"].as_array().unwrap();
    for capability in &capabilities[2..] {
        let webm_missing = agent_tty_render::video::webm_unavailable().is_some();
        if capability["name"] == "record-export-webm" && webm_missing {
            assert_eq!(capability["status"], "unavailable", "{capability}");
            assert_eq!(capability["reason"], "built without libvpx", "{capability}");
        } else {
            assert_eq!(capability["status"], "available", "{capability}");
        }
    }
    assert!(capabilities[4]["detail"].as_str().unwrap().contains("libvpx"), "{}", capabilities[4]);
    assert!(t.home.is_dir(), "doctor creates the Home");
    assert_eq!(scratch_left(&t.home), Vec::<String>::new(), "no doctor-* sessions left");
    let stray: Vec<_> = std::fs::read_dir(&t.home)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".doctor-home-"))
        .collect();
    assert!(stray.is_empty(), "home-writable probe files left: {stray:?}");
}

#[test]
fn doctor_human_output_has_groups_icons_and_labels() {
    let t = TestHome::new();
    let out = t.at(&["doctor"]);
    let text = out.human_ok().to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 9 + 1 + 1 + 7, "{text}");
    assert_eq!(lines[0], "Environment:");
    for (line, label) in lines[1..10].iter().zip(ENVIRONMENT_LABELS) {
        assert!(line.starts_with(&format!("  ✓ {label}: ")), "{line:?}");
    }
    assert_eq!(lines[10], "");
    assert_eq!(lines[11], "Renderer:");
    for (line, label) in lines[12..16].iter().zip(RENDERER_LABELS) {
        assert!(line.starts_with(&format!("  ○ {label}: ")), "{line:?}");
    }
    assert!(lines[16].starts_with("  ✓ screenshot: "), "{}", lines[16]);
    assert!(lines[17].starts_with("  ✓ libghostty-vt: "), "{}", lines[17]);
    assert!(lines[18].starts_with("  ✓ fonts: ") || lines[18].starts_with("  ○ fonts: "), "{}", lines[18]);
    assert_eq!(scratch_left(&t.home), Vec::<String>::new());
}

/// A Home that cannot be created, even by root: a symlink to a place that does not exist
/// is in the way (a Home under a regular file is refused earlier, when `config.json`
/// cannot be read).
fn blocked_home() -> TestHome {
    let mut t = TestHome::new();
    let link = t.work.join("home-link");
    std::os::unix::fs::symlink(t.work.join("missing/home"), &link).unwrap();
    t.home = link;
    t
}

#[test]
fn doctor_with_a_home_that_cannot_be_created_fails_with_exit_1() {
    let t = blocked_home();
    let result = t.at(&["doctor", "--json"]).ok_with_exit("doctor", 1);
    let (environment, renderer) = assert_doctor_shape(&result);
    assert_eq!(result["ok"], false);
    let failed: Vec<&str> =
        environment.iter().filter(|c| c["status"] == "fail").map(|c| c["name"].as_str().unwrap()).collect();
    assert!(failed.contains(&"home-writable"), "{failed:?}");
    for name in ["node-runtime", "cwd-access", "temp-dir", "home_isolation", "pty-spawn"] {
        let check = environment.iter().find(|c| c["name"] == name).unwrap();
        assert_eq!(check["status"], "pass", "{check}");
    }
    assert!(renderer.iter().all(|c| c["status"] != "fail"));

    let out = t.at(&["doctor"]);
    out.exit(1);
    assert_eq!(out.stderr, "");
    assert!(out.stdout.lines().any(|l| l.starts_with("  ✗ home-write: ")), "{}", out.stdout);
    assert!(out.stdout.starts_with("Environment:\n") && out.stdout.contains("\n\nRenderer:\n"));
    assert!(!t.work.join("missing").exists(), "nothing was created behind the link");
}
