//! `agent-tty version`: versions, the protocol version, and (with `--json`) what this
//! build can do.

use schemars::JsonSchema;
use serde::Serialize;

use crate::output::Outcome;

/// The socket protocol version shared with agent-tty 0.5.0.
pub const PROTOCOL_VERSION: &str = "0.1.0";

/// Runs `version`.
pub fn run(json_mode: bool) -> Outcome {
    let version = env!("CARGO_PKG_VERSION");
    let platform = match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        "x86" => "ia32",
        other => other,
    };
    let result = VersionResult {
        cli_version: version,
        protocol_version: PROTOCOL_VERSION,
        renderer_backends: ["ghostty-web", "libghostty-vt"],
        runtime: Runtime { node: "n/a", platform, arch },
        capabilities: json_mode.then(|| capabilities(None)),
    };
    let human = vec![
        format!("agent-tty {version}"),
        format!("protocol {PROTOCOL_VERSION}"),
        format!("runtime native ({platform}/{arch})"),
    ];
    Outcome::new(result, human)
}

/// The result of `version`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionResult {
    /// This build's version.
    pub cli_version: &'static str,
    /// The socket protocol version.
    pub protocol_version: &'static str,
    /// The renderer names `--renderer` accepts.
    pub renderer_backends: [&'static str; 2],
    /// Where this build runs.
    pub runtime: Runtime,
    /// What this build can do (only with `--json`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Vec<Capability>>,
}

/// `version`'s `runtime` (`node` is `n/a`: no Node.js here).
#[derive(Debug, Serialize, JsonSchema)]
#[allow(missing_docs)]
pub struct Runtime {
    pub node: &'static str,
    pub platform: &'static str,
    pub arch: &'static str,
}

/// One capability: bare `{name, status}` in `version`'s quick mode, with `reason` and
/// `detail` in `doctor` (and whenever it is not available).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Capability {
    /// The capability's name.
    pub name: &'static str,
    /// `available`, `degraded` or `unavailable`.
    pub status: &'static str,
    /// Why it has that status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// Details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Reason of the native semantic renderer's capabilities.
const SEMANTIC_REASON: &str = "native semantic renderer available";

/// What this build can do, in the canonical order `snapshot, wait, screenshot,
/// record-export-asciicast, record-export-webm, dashboard` of agent-tty 0.5.0, followed by
/// this build's additions (`record-export-gif`, `mouse`, `redaction`), so 0.5 positions stay valid (shared by
/// `version --json` and `doctor`). `semantic` is doctor's check of the native screen model: `Ok(message)`
/// when it works, `Err(message)` when it does not. `version` passes `None` (its quick
/// mode): available entries are then bare `{name, status}`, as in agent-tty 0.5.0.
pub fn capabilities(semantic: Option<std::result::Result<&str, &str>>) -> Vec<Capability> {
    let entry = |name: &'static str, status: &'static str, why: Option<(&'static str, String)>| {
        let (reason, detail) = why.unzip();
        Capability { name, status, reason, detail }
    };
    let (snapshot, wait) = match semantic {
        None => (entry("snapshot", "available", None), entry("wait", "available", None)),
        Some(Ok(detail)) => (
            entry("snapshot", "available", Some((SEMANTIC_REASON, detail.to_string()))),
            entry("wait", "available", Some((SEMANTIC_REASON, detail.to_string()))),
        ),
        Some(Err(problem)) => {
            let legacy = "legacy --exit and --idle-ms wait modes remain available";
            (
                entry(
                    "snapshot",
                    "unavailable",
                    Some(("semantic renderer unavailable", format!("agent-tty-vt: {problem}"))),
                ),
                entry(
                    "wait",
                    "degraded",
                    Some(("render waits unavailable", format!("{legacy}; agent-tty-vt: {problem}"))),
                ),
            )
        }
    };
    let asciicast = match semantic {
        None => entry("record-export-asciicast", "available", None),
        Some(_) => entry(
            "record-export-asciicast",
            "available",
            Some(("native asciicast exporter available", "asciicast v2 written from the event log".into())),
        ),
    };
    let screenshot = match semantic {
        None => entry("screenshot", "available", None),
        Some(_) => entry(
            "screenshot",
            "available",
            Some((
                "native screenshot renderer available",
                "PNG rendered by agent-tty-render (bundled JetBrains Mono)".into(),
            )),
        ),
    };
    let webm = match (agent_tty_render::video::webm_unavailable(), semantic) {
        (Some(why), _) => entry(
            "record-export-webm",
            "unavailable",
            Some((
                "built without libvpx",
                format!("{why}; install libvpx-dev and pkg-config and rebuild (GIF export needs neither)"),
            )),
        ),
        (None, None) => entry("record-export-webm", "available", None),
        (None, Some(_)) => entry(
            "record-export-webm",
            "available",
            Some((
                "native video exporter available",
                format!(
                    "{} in WebM, frames rendered by agent-tty-render (no browser); GIF also available",
                    agent_tty_render::video::webm_encoder().unwrap_or_default()
                ),
            )),
        ),
    };
    let dashboard = match semantic {
        None => entry("dashboard", "available", None),
        Some(_) => entry(
            "dashboard",
            "available",
            Some(("native dashboard available", "terminal UI drawn with ratatui; needs a TTY".into())),
        ),
    };
    let gif = match semantic {
        None => entry("record-export-gif", "available", None),
        Some(_) => entry(
            "record-export-gif",
            "available",
            Some((
                "native GIF exporter available",
                "animated GIF, frames rendered by agent-tty-render (no browser, no libvpx)".into(),
            )),
        ),
    };
    let mouse = match semantic {
        None => entry("mouse", "available", None),
        Some(_) => entry(
            "mouse",
            "available",
            Some((
                "native mouse encoder available",
                "clicks, drags, moves and scrolls in the mode the program enabled: X10, normal, button-event, \
                 any-event tracking; default, UTF-8, SGR, urxvt encoding"
                    .into(),
            )),
        ),
    };
    let redaction = match semantic {
        None => entry("redaction", "available", None),
        Some(_) => entry(
            "redaction",
            "available",
            Some((
                "secrets masked in the host before the event log",
                "sealed input (type/paste --secret, --secret-env), create --redact-env, detectors \
                 (--redact off|default|strict), config.json redactPatterns"
                    .into(),
            )),
        ),
    };
    vec![snapshot, wait, screenshot, asciicast, webm, dashboard, gif, mouse, redaction]
}
