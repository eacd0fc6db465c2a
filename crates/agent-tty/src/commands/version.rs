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
        result["capabilities"] = capabilities();
    }
    let human = vec![
        format!("agent-tty {version}"),
        format!("protocol {PROTOCOL_VERSION}"),
        format!("runtime native ({platform}/{arch})"),
    ];
    Outcome::new(result, human)
}

fn capabilities() -> Value {
    let pending = |name: &str| json!({ "name": name, "status": "unavailable", "reason": "not in this build yet", "detail": "arrives in a later release of the Rust port" });
    json!([
        { "name": "snapshot", "status": "available" },
        { "name": "wait", "status": "available" },
        pending("screenshot"),
        pending("record-export-asciicast"),
        pending("record-export-webm"),
        pending("dashboard"),
    ])
}
