//! `agent-tty version`: versions, the protocol version, and (with `--json`) what this
//! build can do.

use serde_json::{Value, json};

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
    let mut result = json!({
        "cliVersion": version,
        "protocolVersion": PROTOCOL_VERSION,
        "rendererBackends": ["ghostty-web", "libghostty-vt"],
        "runtime": { "node": "n/a", "platform": platform, "arch": arch },
    });
    if json_mode {
        result["capabilities"] = capabilities(None);
    }
    let human = vec![
        format!("agent-tty {version}"),
        format!("protocol {PROTOCOL_VERSION}"),
        format!("runtime native ({platform}/{arch})"),
    ];
    Outcome::new(result, human)
}

/// Reason of the native semantic renderer's capabilities.
const SEMANTIC_REASON: &str = "native semantic renderer available";

/// What this build can do, in the canonical order `snapshot, wait, screenshot,
/// record-export-asciicast, record-export-webm, dashboard` of agent-tty 0.5.0, followed by
/// this build's additions (`record-export-gif`), so 0.5 positions stay valid (shared by
/// `version --json` and `doctor`). `semantic` is doctor's check of the native screen model: `Ok(message)`
/// when it works, `Err(message)` when it does not. `version` passes `None` (its quick
/// mode): available entries are then bare `{name, status}`, as in agent-tty 0.5.0.
pub fn capabilities(semantic: Option<std::result::Result<&str, &str>>) -> Value {
    let entry = |name: &str, status: &str, why: Option<(&str, String)>| match why {
        Some((reason, detail)) => {
            json!({ "name": name, "status": status, "reason": reason, "detail": detail })
        }
        None => json!({ "name": name, "status": status }),
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
    json!([snapshot, wait, screenshot, asciicast, webm, dashboard, gif])
}
