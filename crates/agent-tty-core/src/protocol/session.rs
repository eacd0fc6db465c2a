//! `inspect` and `destroy`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::SessionId;
use crate::manifest::SessionRecord;

/// No params: `{}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyParams {}

/// The reply of `inspect`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct InspectReply {
    /// The host's session record (the manifest as the host holds it).
    pub session: SessionRecord,
    pub cli_version: String,
    pub rpc_socket_path: String,
    pub renderer_backend: String,
    pub renderer_profile: String,
    pub renderer_booted: bool,
    pub renderer_boot_in_flight: bool,
    /// What the host knows of the shell's integration (absent from older hosts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shell_integration: Option<ShellIntegration>,
}

/// Whether the session's shell marks its commands (OSC 133), so that `run` learns their
/// outcome from the shell and `history` lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShellIntegration {
    /// The shell agent-tty injected its hooks into (`bash`, `zsh` or `fish`); `null` when
    /// it did not (turned off, not one of those shells, or not known offline).
    pub injected: Option<String>,
    /// The shell has marked its prompts or commands: command outcomes are recorded.
    pub active: bool,
    /// Commands recorded so far.
    pub commands: u64,
    /// The working directory the shell last reported (OSC 7), when it did.
    pub cwd: Option<String>,
}

/// `destroy`: `{force?}` (ignored by the host).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DestroyParams {
    /// Ignored by the host (the CLI forces without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
}

/// The reply of `destroy` (and the CLI's result): `{sessionId, destroyed: true}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DestroyReply {
    /// The session's full id.
    pub session_id: SessionId,
    /// Always `true`.
    pub destroyed: bool,
}
